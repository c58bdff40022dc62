"""``supervisor.py simulate call``: ring the clinic as Telnyx would, against the running gateway.

Embedded mode only (it signs with the data dir's dev key, the stand-in for Telnyx's): posts a
signed ``call.initiated``; the gateway records the call and, having no phone network, returns
the media stream URL (with its one-time token) in the webhook's JSON response, which is where
this reads it. Then ``call.answered``, then it dials the media WebSocket with Telnyx's frames
(connected, start, then ``--audio FILE.wav`` as 20 ms mu-law frames, then silence) and
reports what the assistant played.

``--text`` turns are spoken with the espeak-ng synthesiser (cli/caller_speech.py), each
followed by a pause for the answer; without it installed, this says so and exits 3 before
ringing. There is no local speech model on the clinic's side: without ``OPENAI_API_KEY`` the
gateway closes the stream with code 1013, and this says so and exits 3.
Exit codes: 0 call completed, 1 webhook refused, 2 gateway unreachable, 3 no voice.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.error
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cli.caller_speech import NoSynthesizer, say
from cli.simulate import _base, _request
from gateway.media.mulaw import wav_to_pcmu
from gateway.telnyx_signature import sign
from store.secrets import load_signing_key

SILENCE = b"\xff" * 160  # 20 ms of mu-law silence
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


async def stream(
    url: str, ccid: str, listen_s: float, speech: bytes = b""
) -> tuple[int | None, str, int]:
    """Dial the media socket like Telnyx; (close code, reason, assistant audio bytes)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    audio = 0
    async with connect(url, compression=None, max_size=None) as ws:
        start = {
            "call_control_id": ccid,
            "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
        }
        deadline = time.monotonic() + listen_s
        seq = 1
        try:  # the gateway may close at any point (e.g. at once, with no voice backend)
            await ws.send(json.dumps({"event": "connected", "version": "1.0.0"}))
            await ws.send(json.dumps({"event": "start", "stream_id": ccid, "start": start}))
            while time.monotonic() < deadline:
                seq += 1
                chunk, speech = (speech[:160], speech[160:]) if speech else (SILENCE, b"")
                payload = base64.b64encode(chunk.ljust(160, b"\xff")).decode()
                await ws.send(
                    json.dumps(
                        {
                            "event": "media",
                            "sequence_number": str(seq),
                            "media": {"track": "inbound", "payload": payload},
                        }
                    )
                )
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 0.02))
                except TimeoutError:
                    continue
                if frame.get("event") == "media":
                    audio += len(base64.b64decode(frame["media"]["payload"]))
                elif frame.get("event") == "mark":
                    await ws.send(json.dumps({"event": "mark", "mark": frame["mark"]}))
            await ws.send(json.dumps({"event": "stop", "stop": {"call_control_id": ccid}}))
        except ConnectionClosed:
            pass
    return ws.close_code, ws.close_reason or "", audio


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
    speech = b""
    if audio_path:
        try:
            speech = wav_to_pcmu(Path(audio_path))
        except (OSError, ValueError, EOFError) as error:
            out(f"cannot read {audio_path}: {error}")
            return 1
    if texts:
        try:
            speech += say(texts)
        except NoSynthesizer as error:
            out(str(error))
            return 3
    if speech:
        listen_s = max(listen_s, len(speech) / 8000 + 2.0)  # say it all, then hear the answer
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
    # Dial the gateway directly (PUBLIC_BASE_URL may be a tunnel that only Telnyx uses).
    query = answer["stream_url"].split("?", 1)[1]
    url = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    code, reason, audio = asyncio.run(stream(f"{url}/media/telnyx?{query}", ccid, listen_s, speech))
    post(settings, base, hangup(ccid))
    if code == NO_VOICE_CLOSE:
        out(f"no voice conversation: {reason}")
        out("the call was recorded as missed and handed to staff; see the dashboard")
        return 3
    out(f"assistant played {audio * 1000 // 8000} ms of audio; call ended ({code})")
    return 0


def add_simulate_call(kinds) -> None:
    """Register ``simulate call`` on the ``simulate`` subparsers."""
    call = kinds.add_parser("call", help="ring the clinic (embedded mode)")
    call.add_argument("--to", required=True, help="clinic number, e.g. +15550100001")
    call.add_argument("--from", dest="sender", default="+15555550123", help="caller (E.164)")
    call.add_argument(
        "--text", action="append", default=[], help="a caller turn, spoken with espeak-ng"
    )
    call.add_argument("--listen", type=float, default=5.0, help="seconds to stay on the line")
    call.add_argument("--audio", help="a WAV file (16-bit) the caller says, sent as 20 ms PCMU")
    call.add_argument("--data-dir", dest="data_dir")
    call.set_defaults(func=_cmd_call)


def _cmd_call(args, settings) -> int:
    return simulate_call(
        settings, args.to, args.sender, args.text, args.listen, audio_path=args.audio
    )
