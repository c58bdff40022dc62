"""Voice calls end to end: Telnyx call webhooks, the media WebSocket, the call actor, booking.

Real sockets on 127.0.0.1 only: the gateway (its own loop thread) joined to a real actor system;
the fakes (Realtime server, Telnyx Call Control REST, the Telnyx media client) on another loop
thread; the real ``openai`` SDK in between. Scenarios are coroutines on the fakes' loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.simulate_call import call_event, hangup, initiated, simulate_call
from gateway import calls
from gateway.telnyx_signature import sign
from store.models import Appointment, Call, CallEvent, DashboardEvent, WebhookEvent
from store.secrets import load_signing_key
from tests.conftest import make_settings
from tests.fakes.realtime_server import FakeRealtimeServer
from tests.fakes.telnyx_call_control_server import FakeCallControl
from tests.fakes.telnyx_media_client import FakeTelnyxClient
from tests.helpers import wait_until

pytestmark = pytest.mark.multiproc

GLOW = "+15550100001"
CALLER = "+15555550123"
FAST_BRIDGE = {
    "greet_first": False,
    "min_barge_in_ms": 0,
    "silence_s": 0.0,
    "max_call_s": 0.0,
    "session_max_s": 0.0,
    "goodbye_timeout_s": 2.0,
    "handoff_grace_s": 0.2,
}


class Fakes:
    """Fake Realtime + fake Call Control served from one loop thread for a whole test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stack = AsyncExitStack()
        self.key = Ed25519PrivateKey.generate()

    def __enter__(self) -> Fakes:
        self.thread.start()

        async def start() -> None:
            self.rt = await self.stack.enter_async_context(FakeRealtimeServer())
            self.cc = await self.stack.enter_async_context(FakeCallControl())

        self.run(start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.stack.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def run(self, coro, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def public_key(self) -> str:
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode()


async def post_call(url: str, event: dict, key, timestamp: int | None = None):
    """POST a call webhook, signed with ``key`` (None: unsigned); (status, JSON)."""
    body = json.dumps(event).encode()
    headers = (
        sign(body, key, timestamp) if key is not None else {"Content-Type": "application/json"}
    )
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/webhooks/telnyx/call", data=body, headers=headers) as r,
    ):
        return r.status, await r.json()


def media_url(gateway, stream_url: str) -> str:
    """The stream URL the gateway gave Telnyx, aimed at the port the test app really uses."""
    token = parse_qs(urlsplit(stream_url).query)["token"][0]
    return gateway.url.replace("http://", "ws://") + "/media/telnyx?token=" + token


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def fakes():
    with Fakes() as running:
        yield running


@pytest.fixture
def mode() -> str:
    return "production"


@pytest.fixture
def settings(tmp_path, fakes, mode):
    if mode == "embedded":  # no Telnyx, no OpenAI: what `serve` runs without keys
        return make_settings(tmp_path)
    if mode == "no_voice":  # embedded, on a gateway built with no voice engine at all
        embedded = make_settings(tmp_path)
        return embedded.replace(backends=replace(embedded.backends, voice=None))
    if mode == "embedded_voice":  # no Telnyx (the simulator plays Telnyx), a Realtime backend
        return make_settings(tmp_path, OPENAI_API_KEY="test", OPENAI_BASE_URL=fakes.rt.base_url)
    return make_settings(
        tmp_path,
        OPENAI_API_KEY="test",
        OPENAI_BASE_URL=fakes.rt.base_url,
        TELNYX_API_KEY="KEY-test",
        TELNYX_PUBLIC_KEY=fakes.public_key,
        TELNYX_API_BASE=fakes.cc.base_url,
    )


@pytest.fixture
def gateway(settings, database, actor_system, fakes):
    from gateway.app import create_app
    from gateway.bridge import ActorBridge
    from tests.helpers import serve_app

    app = create_app(settings, ActorBridge(settings, workers=4))
    calls.install(app)
    with serve_app(app) as url:
        runtime = app[calls.CALLS]
        runtime.bridge_overrides.update(FAST_BRIDGE)
        key = (
            load_signing_key(settings.dev_signing_key_path)
            if settings.telnyx_api_key is None
            else fakes.key
        )
        yield SimpleNamespace(url=url, app=app, runtime=runtime, key=key, system=actor_system)


# ---------------------------------------------------------------------------- webhooks


def test_call_webhooks_are_verified_idempotent_and_answer_with_streaming(gateway, fakes):
    url, key, cc = gateway.url, gateway.key, fakes.cc
    event = initiated("v3:call-one", GLOW, CALLER)

    async def scenario():
        unsigned = await post_call(url, event, None)
        forged = await post_call(url, event, Ed25519PrivateKey.generate())
        unknown = await post_call(url, initiated("v3:nobody", "+15550109999", CALLER), key)
        first = await post_call(url, event, key)
        again = await post_call(url, event, key)
        stale = await post_call(url, event, key, timestamp=int(time.time()) - 1000)
        return unsigned, forged, unknown, first, again, stale

    unsigned, forged, unknown, first, again, stale = fakes.run(scenario())
    assert unsigned[0] == 401 and unsigned[1]["error"]["code"] == "invalid_signature"
    assert forged[0] == 401 and stale[0] == 401
    assert unknown[0] == 404 and unknown[1]["error"]["code"] == "unknown_number"
    assert first == (200, {"status": "answered", "call_id": first[1]["call_id"]})
    assert again == (200, {"status": "duplicate"})
    # Unknown numbers are stored nowhere.
    assert not Call.select().where(Call.call_control_id == "v3:nobody").exists()
    assert WebhookEvent.select().count() == 1

    (answer,) = cc.of_action("answer")
    assert answer.call_control_id == "v3:call-one"
    assert answer.authorization == "Bearer KEY-test"
    body = answer.body
    stream = body.pop("stream_url")
    assert stream.startswith(gateway.runtime.settings.public_base_url.replace("http", "ws"))
    assert urlsplit(stream).path == "/media/telnyx" and "token=" in stream
    assert json.loads(base64.b64decode(body.pop("client_state"))) == {
        "call_id": first[1]["call_id"]
    }
    assert body == {
        "command_id": "answer-v3:call-one",
        "stream_track": "inbound_track",
        "stream_codec": "PCMU",
        "stream_bidirectional_mode": "rtp",
        "stream_bidirectional_codec": "PCMU",
        "send_silence_when_idle": True,
    }
    call = Call.get(Call.call_control_id == "v3:call-one")
    assert (call.status, call.from_phone, call.to_phone) == ("initiated", CALLER, GLOW)
    command = CallEvent.get((CallEvent.call == call) & (CallEvent.kind == "command"))
    assert command.data["status"] == "sent"
    assert command.data["body"]["stream_url"].endswith("token=<redacted>")
    assert DashboardEvent.get(DashboardEvent.type == "call.started").data == {"call_id": call.id}

    async def bad_token() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                await session.ws_connect(url.replace("http", "ws") + "/media/telnyx?token=nope")
            except aiohttp.WSServerHandshakeError as error:
                return error.status
        return 101

    assert fakes.run(bad_token()) == 401


def test_answer_retries_server_errors_and_a_refusal_lets_telnyx_retry(gateway, fakes):
    url, key, cc = gateway.url, gateway.key, fakes.cc
    cc.fail("answer", 500)

    async def scenario():
        retried = await post_call(url, initiated("v3:retry", GLOW, CALLER), key)
        cc.ended("answer")
        gone = await post_call(url, initiated("v3:gone", GLOW, CALLER), key)
        cc.fail("answer", 400)
        event = initiated("v3:refused", GLOW, CALLER)
        refused = await post_call(url, event, key)
        redelivered = await post_call(url, event, key)
        return retried, gone, refused, redelivered

    retried, gone, refused, redelivered = fakes.run(scenario())
    assert retried[0] == 200 and retried[1]["status"] == "answered"
    assert [c.call_control_id for c in cc.of_action("answer")][:2] == ["v3:retry", "v3:retry"]
    assert gone[1]["status"] == "already_ended"
    assert refused[0] == 503 and refused[1]["error"]["code"] == "unavailable"
    assert redelivered[0] == 200 and redelivered[1]["status"] == "answered"
    assert Call.select().where(Call.call_control_id == "v3:refused").count() == 1


# ---------------------------------------------------------------------------- a whole call


def test_a_booking_call_runs_tools_through_the_call_actor_and_hangs_up(gateway, fakes):
    url, key, cc, rt_server = gateway.url, gateway.key, fakes.cc, fakes.rt
    ccid = "v3:booking-call"

    async def answer(rt, text: str) -> str:
        rid = await rt.begin_response()
        item = await rt.audio_item(rid)
        await rt.audio_delta(rid, item, b"\x55" * 800)
        await rt.assistant_transcript(rid, item, text)
        return rid

    async def tool_output(rt, call_id: str) -> dict:
        event = await rt.wait_for(
            "conversation.item.create",
            where=lambda e: e["item"].get("call_id") == call_id,
            timeout=20,
        )
        return json.loads(event["item"]["output"])

    async def scenario():
        status, answered = await post_call(url, initiated(ccid, GLOW, CALLER), key)
        assert status == 200, answered
        await post_call(url, call_event("call.answered", ccid), key)
        stream = cc.of_action("answer")[0].body["stream_url"]
        async with FakeTelnyxClient(media_url(gateway, stream), call_control_id=ccid) as phone:
            await phone.start()
            rt = await rt_server.next_session()
            update = await rt.wait_for("session.update")
            await rt.caller_transcript("I'd like a HydraFacial please")

            rid = await rt.begin_response()
            await rt.function_call(
                rid, "check_availability", json.dumps({"service": "HydraFacial"}), "c-avail"
            )
            await rt.end_response(rid)
            slots = await tool_output(rt, "c-avail")
            await rt.wait_for("response.create", nth=1)
            rid = await answer(rt, "I have a few times. Which one suits you?")
            await rt.end_response(rid)

            await rt.caller_transcript("The first one, Ana Lopez")
            rid = await rt.begin_response()
            args = {
                "service": "HydraFacial",
                "start": slots["slots"][0]["start"],
                "customer_name": "Ana Lopez",
            }
            await rt.function_call(rid, "book_appointment", json.dumps(args), "c-book")
            await rt.end_response(rid)
            booked = await tool_output(rt, "c-book")
            await rt.wait_for("response.create", nth=2)

            rid = await answer(rt, "You're booked. Goodbye!")
            await rt.function_call(rid, "end_conversation", "{}", "c-end")
            await rt.end_response(rid)
            hangup_command = await cc.wait_for("hangup")
            await phone.wait_closed(timeout=10)
        async with aiohttp.ClientSession() as session:  # the token was for one stream only
            try:
                await session.ws_connect(media_url(gateway, stream))
            except aiohttp.WSServerHandshakeError as error:
                assert error.status == 401
            else:
                raise AssertionError("a used stream token was accepted")
        ended = await post_call(url, hangup(ccid), key)
        return update, slots, booked, hangup_command, ended

    update, slots, booked, hangup_command, ended = fakes.run(scenario(), timeout=60)
    session = update["session"]
    assert session["audio"]["output"]["voice"] == "marin"
    assert {t["name"] for t in session["tools"]} >= {"book_appointment", "end_conversation"}
    assert "Glow Med Spa" in session["instructions"]
    assert slots["ok"] and slots["slots"], slots
    assert booked["ok"], booked
    appointment = Appointment.get(Appointment.source == "call")
    assert appointment.status == "booked" and appointment.customer.name == "Ana Lopez"
    assert hangup_command.call_control_id == ccid
    assert hangup_command.body["command_id"] == f"hangup-{ccid}"
    assert ended[0] == 200 and ended[1]["status"] == "accepted"

    wait_until(lambda: Call.get(Call.call_control_id == ccid).outcome, timeout_s=15)
    call = Call.get(Call.call_control_id == ccid)
    assert (call.status, call.outcome, call.hangup_cause) == ("ended", "booked", "normal_clearing")
    from store.models import Reminder

    assert not Reminder.select().where(Reminder.kind == "missed_call_text").exists()
    assert call.duration_s is not None and call.ended_at is not None
    lines = [
        (e.data["role"], e.text)
        for e in CallEvent.select().where(
            (CallEvent.call == call) & (CallEvent.kind == "transcript")
        )
    ]
    assert ("caller", "The first one, Ana Lopez") in lines
    assert ("assistant", "You're booked. Goodbye!") in lines
    assert len(lines) == 4
    assert DashboardEvent.select().where(DashboardEvent.type == "call.transcript").count() == 4
    tools = [e.text for e in CallEvent.select().where(CallEvent.kind == "tool")]
    assert tools == ["check_availability", "book_appointment", "end_conversation"]
    # Nothing of the call is left running in the gateway; the call actor retires itself.
    assert gateway.runtime.active == {} and not gateway.runtime.tasks
    bridge_tasks = fakes.run(_gateway_tasks(gateway))
    assert bridge_tasks == []
    wait_until(lambda: f"call:{ccid}" not in gateway.system.actors(), timeout_s=15)


async def _gateway_tasks(gateway) -> list[str]:
    """Bridge tasks still alive on the gateway's loop (asked on that loop)."""

    async def names() -> list[str]:
        return [
            t.get_name()
            for t in asyncio.all_tasks()
            if t.get_name().startswith("vrai-bridge:") and not t.done()
        ]

    loop = gateway.runtime.loop
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(names(), loop))


# ---------------------------------------------------------------------------- embedded mode


def test_embedded_mode_answers_with_the_offline_voice_engine(tmp_path):
    assert make_settings(tmp_path).backends.voice == "local"


@pytest.mark.parametrize("mode", ["no_voice"])
def test_a_gateway_without_a_voice_engine_says_so(gateway, fakes, capsys):
    lines: list[str] = []
    code = simulate_call(
        gateway.runtime.settings,
        GLOW,
        CALLER,
        [],
        listen_s=2.0,
        base=gateway.url,
        out=lines.append,
    )
    assert code == 3, lines
    assert any("no voice engine" in line for line in lines), lines
    call = Call.get()
    kinds = [
        e.kind for e in CallEvent.select().where(CallEvent.call == call).order_by(CallEvent.id)
    ]
    assert "no_voice_backend" in kinds
    commands = [
        e.data
        for e in CallEvent.select().where((CallEvent.call == call) & (CallEvent.kind == "command"))
    ]
    assert [(c["action"], c["status"]) for c in commands] == [
        ("answer", "embedded"),
        ("transfer", "embedded"),
    ]
    assert commands[1]["body"]["to"] == "+15550100091"
    assert DashboardEvent.select().where(DashboardEvent.type == "call.missed").count() == 1
    # Nobody talked to the caller: the call actor decides it was missed (it was once stored
    # as "completed" while the caller was told it was missed) and queues the text back.
    outcome = wait_until(lambda: Call.get_by_id(call.id).outcome, timeout_s=15)
    assert call.status == "ended" and outcome == "missed"
    from store.models import Reminder

    job = Reminder.get(Reminder.kind == "missed_call_text")
    assert job.payload == {"phone": CALLER, "call_id": call.id}
    assert fakes.cc.commands == []  # embedded mode never reaches a phone network


# ---------------------------------------------------------------------------- resilience


def test_call_actor_crash_mid_call_is_invisible_and_transfer_reaches_staff(gateway, fakes):
    """The call actor is killed mid-call: the next tool call still answers, the checkpointed
    transcript survives; then transfer_to_staff transfers to the clinic's staff number."""
    import os
    import signal

    from store.models import ConversationCheckpoint

    url, key, cc, rt_server = gateway.url, gateway.key, fakes.cc, fakes.rt
    ccid = "v3:crash-call"

    def checkpoint() -> dict:
        row = ConversationCheckpoint.get_or_none(ConversationCheckpoint.key == ccid)
        return row.state if row else {}

    async def scenario():
        await post_call(url, initiated(ccid, GLOW, CALLER), key)
        await post_call(url, call_event("call.answered", ccid), key)
        await post_call(url, call_event("call.dtmf.received", ccid, {"digit": "1"}), key)
        stream = cc.of_action("answer")[0].body["stream_url"]
        async with FakeTelnyxClient(media_url(gateway, stream), call_control_id=ccid) as phone:
            await phone.start()
            rt = await rt_server.next_session()
            await rt.wait_for("session.update")
            await rt.caller_transcript("Do you have anything tomorrow?")
            await asyncio.to_thread(
                wait_until, lambda: checkpoint().get("transcript"), timeout_s=15
            )
            pid = gateway.system.actors()[f"call:{ccid}"].pid
            os.kill(pid, signal.SIGKILL)

            rid = await rt.begin_response()
            args = json.dumps({"service": "HydraFacial"})
            await rt.function_call(rid, "check_availability", args, "c-after-crash")
            await rt.end_response(rid)
            event = await rt.wait_for(
                "conversation.item.create",
                where=lambda e: e["item"].get("call_id") == "c-after-crash",
                timeout=20,
            )
            await rt.wait_for("response.create", nth=1)
            rid = await rt.begin_response()
            await rt.function_call(rid, "transfer_to_staff", "{}", "c-transfer")
            await rt.end_response(rid)
            transfer = await cc.wait_for("transfer")
            await phone.wait_closed(timeout=10)
        await post_call(url, hangup(ccid), key)
        return pid, json.loads(event["item"]["output"]), transfer

    pid, after_crash, transfer = fakes.run(scenario(), timeout=60)
    assert after_crash["ok"], after_crash
    now = gateway.system.actors().get(f"call:{ccid}")  # one snapshot: it may retire any time
    assert now is None or now.pid != pid
    state = wait_until(
        lambda: checkpoint().get("lifecycle") == "ended" and checkpoint(), timeout_s=15
    )
    assert state["transcript"][0] == {"role": "caller", "text": "Do you have anything tomorrow?"}
    assert [t["name"] for t in state["tools"]] == ["check_availability", "transfer_to_staff"]
    assert state["dtmf"] == "1"
    assert transfer.body["to"] == "+15550100091"
    assert transfer.body["command_id"] == f"transfer-{ccid}"
    call = Call.get(Call.call_control_id == ccid)
    assert call.outcome == "transferred"
    digits = CallEvent.select().where((CallEvent.call == call) & (CallEvent.kind == "dtmf"))
    assert [(d.text, d.data["source"]) for d in digits] == [("1", "webhook")]


@pytest.mark.parametrize("mode", ["embedded_voice"])
def test_simulator_dials_the_media_stream_like_telnyx(gateway, fakes):
    lines: list[str] = []

    async def scenario():
        dial = asyncio.create_task(
            asyncio.to_thread(
                simulate_call,
                gateway.runtime.settings,
                GLOW,
                CALLER,
                [],
                2.0,
                gateway.url,
                lines.append,
            )
        )
        rt = await fakes.rt.next_session(timeout=15)
        await rt.wait_audio(800, timeout=15)  # the simulator streams caller silence
        rid = await rt.begin_response()
        item = await rt.audio_item(rid)
        await rt.audio_delta(rid, item, b"\x55" * 1600)
        await rt.assistant_transcript(rid, item, "Glow Med Spa, how can I help?")
        await rt.end_response(rid)
        return await dial

    assert fakes.run(scenario(), timeout=40) == 0, lines
    assert lines[1].startswith("receptionist: ") and lines[1] != "receptionist: (silence)", lines
    assert lines[-1].startswith("call ended"), lines
    call = Call.get()
    assert call.status == "ended" and call.answered_at is not None
    line = CallEvent.get(CallEvent.kind == "transcript")
    assert (line.data["role"], line.text) == ("assistant", "Glow Med Spa, how can I help?")


def test_a_caller_who_hangs_up_unhelped_is_queued_a_text_back(gateway, fakes):
    from store.models import Reminder

    url, key = gateway.url, gateway.key
    ccid = "v3:hung-up-early"

    async def scenario():
        await post_call(url, initiated(ccid, GLOW, CALLER), key)
        return await post_call(url, hangup(ccid), key)

    assert fakes.run(scenario())[0] == 200
    wait_until(lambda: Call.get(Call.call_control_id == ccid).outcome, timeout_s=15)
    call = Call.get(Call.call_control_id == ccid)
    assert call.outcome == "missed"
    job = Reminder.get(Reminder.kind == "missed_call_text")
    assert job.payload["phone"] == CALLER and job.status == "pending"


def dial_and_hear(gateway, fakes, nbytes: int, texts=(), audio_path=None):
    """Run the simulator against the gateway; what the Realtime side heard, the exit code and
    what the simulator printed."""
    lines: list[str] = []

    async def scenario():
        dial = asyncio.create_task(
            asyncio.to_thread(
                simulate_call,
                gateway.runtime.settings,
                GLOW,
                CALLER,
                list(texts),
                0.5,
                gateway.url,
                lines.append,
                audio_path,
            )
        )
        rt = await fakes.rt.next_session(timeout=15)
        heard = await rt.wait_audio(nbytes, timeout=15)
        return heard, await dial

    heard, code = fakes.run(scenario(), timeout=40)
    return heard, code, lines


@pytest.mark.parametrize("mode", ["embedded_voice"])
def test_simulated_caller_speaks_text_turns(gateway, fakes):
    import numpy as np

    heard, code, lines = dial_and_hear(gateway, fakes, 14000, texts=["Hi, can I book a facial?"])
    assert code == 0, lines
    codes = np.frombuffer(heard, dtype=np.uint8) & 0x7F
    loud_ms = int(np.sum(codes < 0x60)) // 8
    # the words reached the Realtime API as speech (about a second of loud samples in this
    # sentence; frames sent before the session was up may have been dropped)
    assert loud_ms > 500, loud_ms


@pytest.mark.parametrize("mode", ["embedded_voice"])
def test_simulated_caller_speaks_a_wav_file_as_pcmu(gateway, fakes, tmp_path):
    from gateway.media.mulaw import wav_to_pcmu
    from tests.helpers import write_tone_wav

    path = tmp_path / "caller.wav"
    write_tone_wav(path, 300, 8000, 4000)
    heard, code, lines = dial_and_hear(gateway, fakes, 8000, audio_path=str(path))
    assert code == 0, lines
    speech = wav_to_pcmu(path)
    frames = [speech[i : i + 160] for i in range(0, len(speech), 160)]
    # after half a second of silence (waiting for a greeting the fake never says), the WAV,
    # forwarded untouched (no transcoding)
    assert sum(frame in heard for frame in frames) >= 5


# ---------------------------------------------------------------------------- safety and keypad


@asynccontextmanager
async def realtime_call(gateway, fakes, ccid: str):
    """A call rung and answered, its media stream up and its Realtime session configured."""
    await post_call(gateway.url, initiated(ccid, GLOW, CALLER), gateway.key)
    await post_call(gateway.url, call_event("call.answered", ccid), gateway.key)
    answer = next(c for c in fakes.cc.of_action("answer") if c.call_control_id == ccid)
    url = media_url(gateway, answer.body["stream_url"])
    async with FakeTelnyxClient(url, call_control_id=ccid) as phone:
        await phone.start()
        rt = await fakes.rt.next_session()
        await rt.wait_for("session.update")
        yield phone, rt


def test_a_caller_describing_an_emergency_is_screened_on_the_realtime_engine(gateway, fakes):
    """The texts' safety screen also hears callers: the model's answer is stopped, it is asked
    to say the screen's words, and staff get an urgent message."""
    from actors.brain.safety import EMERGENCY_REPLY

    async def scenario():
        async with realtime_call(gateway, fakes, "v3:emergency-call") as (phone, rt):
            await rt.caller_transcript("my chest pain is getting worse and I can't breathe")
            steer = await rt.wait_for("response.create", timeout=15)
            await phone.close()
        return steer

    steer = fakes.run(scenario())
    assert EMERGENCY_REPLY in steer["response"]["instructions"]
    taken = wait_until(
        lambda: DashboardEvent.get_or_none(DashboardEvent.type == "message.taken"), timeout_s=10
    )
    assert taken.data["urgent"] is True and "Safety screen (emergency)" in taken.data["message"]


def test_zero_on_the_keypad_reaches_the_front_desk(gateway, fakes):
    cc = fakes.cc

    async def scenario():
        async with realtime_call(gateway, fakes, "v3:keypad-call") as (phone, rt):
            await phone.dtmf("2")  # a choice: the model is told in words
            told = await rt.wait_for("response.create", timeout=10)
            await phone.dtmf("0")
            await asyncio.to_thread(wait_until, lambda: cc.of_action("transfer"), 10)
            await phone.close()
        return told

    told = fakes.run(scenario())
    assert "pressed 2" in told["response"]["instructions"]
    (transfer,) = cc.of_action("transfer")
    assert transfer.body["to"] == "+15550100091"  # the demo clinic's staff number
