"""``supervisor.py simulate call``: ring the clinic as Telnyx would, against the running gateway.

Embedded mode only (it signs with the data dir's dev key, the stand-in for Telnyx's): posts a
signed ``call.initiated``; the gateway records the call and, having no phone network, returns
the media stream URL (with its one-time token) in the webhook's JSON response, which is where
this reads it. Then ``call.answered``, then it dials the media WebSocket and plays Telnyx's
part (``cli/phone_line.py``): real-time 20 ms PCMU frames up, playback, marks and ``clear``
down. It hears the receptionist out, prints what it said (transcribed offline), says the next
``--text`` turn in the caller's voice (``cli/caller_speech.py``) or the ``--audio`` WAV, and
hangs up after the answer to the last one. With no OPENAI_API_KEY the gateway answers with
its offline voice engine; a gateway without any voice engine closes the stream with 1013,
which this reports (exit 3).
Exit codes: 0 call completed, 1 webhook refused, 2 gateway unreachable, 3 no voice.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cli.caller_speech import NoSynthesizer, speak
from cli.phone_line import PhoneLine
from cli.simulate import _base, _request
from gateway.media.mulaw import wav_to_pcmu
from gateway.telnyx_signature import sign
from store.secrets import load_signing_key

NO_VOICE_CLOSE = 1013


def call_event(event_type: str, ccid: str, payload: dict | None = None) -> dict:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "data": {
            "record_type": "event",
            "id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": now,
            "payload": {
                "call_control_id": ccid,
                "call_leg_id": ccid.split(":")[-1],
                "call_session_id": str(uuid.uuid4()),
                "connection_id": "simulated",
                **(payload or {}),
            },
        },
        "meta": {"attempt": 1, "delivered_to": "simulate"},
    }


def initiated(ccid: str, to: str, sender: str) -> dict:
    return call_event(
        "call.initiated",
        ccid,
        {"direction": "incoming", "from": sender, "to": to, "state": "parked"},
    )


def hangup(ccid: str, cause: str = "normal_clearing") -> dict:
    return call_event("call.hangup", ccid, {"hangup_cause": cause, "hangup_source": "caller"})


def post(settings, base: str, event: dict) -> tuple[int, dict]:
    raw = json.dumps(event).encode()
    headers = sign(raw, load_signing_key(settings.dev_signing_key_path))
    try:
        return _request(base + "/webhooks/telnyx/call", raw, headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def media_stream_url(base: str, answer: dict) -> str:
    """The media socket the webhook's answer names, dialled at ``base`` directly
    (PUBLIC_BASE_URL may be a tunnel that only Telnyx uses)."""
    query = answer["stream_url"].split("?", 1)[1]
    url = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return f"{url}/media/telnyx?{query}"


async def converse(
    url: str, ccid: str, turns: list[bytes], texts: list[str], listen_s: float, out
) -> tuple[int | None, list[float]]:
    """Dial the media socket like Telnyx and hold the conversation: hear the receptionist
    out, print what it said, say the next turn, and so on; (close code, latencies in ms)."""
    from websockets.asyncio.client import connect

    async with connect(url, compression=None, max_size=None) as ws:
        line = PhoneLine(ws, ccid)
        await line.start()
        running = asyncio.create_task(line.run())
        try:
            for index in range(len(turns) + 1):
                heard = await line.until_answered(timeout_s=listen_s)
                await _print_heard(heard.audio, out)
                if line.closed or index == len(turns):
                    break
                out(f"caller: {texts[index]}")
                line.say(turns[index])
        finally:
            await line.hang_up()
            await asyncio.wait_for(running, 5.0)
    return ws.close_code, line.latencies_ms


async def _print_heard(audio: bytes | bytearray, out) -> None:
    if not audio:
        out("receptionist: (silence)")
        return
    words = await asyncio.to_thread(transcribe, bytes(audio))
    out(f"receptionist: {words or '(unclear)'}")


def transcribe(audio: bytes) -> str:
    """What the receptionist said, heard as a caller would (the recogniser, offline)."""
    try:
        from gateway.media.mulaw import decode
        from gateway.media.speech.recognizer import Recognizer

        return Recognizer().transcribe(decode(audio)).text
    except Exception as error:  # no recogniser here: say how much was said instead
        return f"[{len(audio) * 1000 // 8000} ms of speech; cannot transcribe: {error}]"


def simulate_call(
    settings,
    to: str,
    sender: str,
    texts: list[str],
    listen_s: float = 5.0,
    base: str | None = None,
    out=print,
    audio_path: str | None = None,
) -> int:
    if settings.backends.call_control != "recorded":
        out("simulate call needs embedded mode (TELNYX_API_KEY unset): real calls come from Telnyx")
        return 1
    turns: list[bytes] = []
    labels: list[str] = []
    if audio_path:
        try:
            turns.append(wav_to_pcmu(Path(audio_path)))
            labels.append(f"[{audio_path}]")
        except (OSError, ValueError, EOFError) as error:
            out(f"cannot read {audio_path}: {error}")
            return 1
    try:
        turns += [speak(text) for text in texts]
        labels += texts
    except NoSynthesizer as error:
        out(str(error))
        return 3
    base = base or _base(settings)
    ccid = f"v3:sim-{uuid.uuid4().hex[:20]}"
    try:
        status, answer = post(settings, base, initiated(ccid, to, sender))
    except OSError as error:
        out(f"gateway not reachable at {base}: {error}")
        return 2
    if status != 200 or "stream_url" not in answer:
        out(f"webhook refused: HTTP {status} {json.dumps(answer)}")
        return 1
    out(f"call {answer['call_id']} answered; media stream {answer['stream_url'].split('?')[0]}")
    post(settings, base, call_event("call.answered", ccid))
    code, latencies = asyncio.run(
        converse(media_stream_url(base, answer), ccid, turns, labels, listen_s, out)
    )
    post(settings, base, hangup(ccid))
    if code == NO_VOICE_CLOSE:
        out("no voice conversation: the gateway has no voice engine")
        out("the call was recorded as missed and handed to staff; see the dashboard")
        return 3
    if latencies:
        shown = ", ".join(f"{ms:.0f}" for ms in latencies)
        out(f"reply latency (end of caller speech to first audio), ms: {shown}")
    out(f"call ended ({code})")
    return 0


def add_simulate_call(kinds) -> None:
    """Register ``simulate call`` on the ``simulate`` subparsers."""
    call = kinds.add_parser("call", help="ring the clinic (embedded mode)")
    call.add_argument("--to", required=True, help="clinic number, e.g. +15550100001")
    call.add_argument("--from", dest="sender", default="+15555550123", help="caller (E.164)")
    call.add_argument(
        "--text",
        action="append",
        default=[],
        help="a caller turn, said in the caller's voice (repeat it)",
    )
    call.add_argument(
        "--listen", type=float, default=20.0, help="longest wait, in seconds, for each answer"
    )
    call.add_argument(
        "--audio", help="a WAV file (16-bit): the caller's first turn, sent as 20 ms PCMU"
    )
    call.add_argument("--data-dir", dest="data_dir")
    call.set_defaults(func=_cmd_call)


def _cmd_call(args, settings) -> int:
    return simulate_call(
        settings, args.to, args.sender, args.text, args.listen, audio_path=args.audio
    )
