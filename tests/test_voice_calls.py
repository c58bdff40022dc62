"""Phone calls answered by the offline voice engine, end to end, with real audio and no keys.

Each call is placed as ``simulate call`` places it: a signed ``call.initiated`` to the real
gateway, then its media WebSocket with a simulated Telnyx line (``cli/phone_line.py``) that
sends real-time 20 ms PCMU frames spoken in the caller's voice, plays the replies back at
real time, echoes marks and honours ``clear``. The receptionist's replies are transcribed by
the recogniser, as a caller would hear them. What is checked is what the caller and the clinic
would notice: the appointment in the database, the answer to a question, an answer that stops
when the caller talks over it, a silent caller asked and then let go, a mumble asked again.
"""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from cli.caller_speech import speak
from cli.phone_line import PhoneLine
from cli.simulate_call import (
    call_event,
    initiated,
    media_stream_url,
    post,
    simulate_call,
    transcribe,
)
from gateway import calls
from store.models import Appointment, Call, CallEvent, Customer
from tests.helpers import wait_until

pytestmark = pytest.mark.multiproc

GLOW = "+15550100001"


@pytest.fixture
def line(settings, database, actor_system):
    """The real gateway (offline voice engine) and a way to ring it."""
    from gateway.app import create_app
    from gateway.bridge import ActorBridge
    from tests.helpers import serve_app

    assert settings.backends.voice == "local"
    app = create_app(settings, ActorBridge(settings, workers=4))
    calls.install(app)
    with serve_app(app) as url:
        yield SimpleNamespace(url=url, runtime=app[calls.CALLS], settings=settings)


@pytest.fixture
def documents(database):
    """The demo clinics' knowledge-base documents (``seed-demo`` adds them; tests ask)."""
    from kb.service import seed_demo_documents

    seed_demo_documents()


async def _ring(line, caller: str = "+15555550188", real_time: bool = True):
    """An answered call's PhoneLine, running; (phone line, runner task, websocket). Without
    ``real_time`` the line plays replies as fast as they come (nothing to wait out)."""
    from websockets.asyncio.client import connect

    ccid = f"v3:test-{uuid.uuid4().hex[:12]}"
    _, answer = await asyncio.to_thread(
        post, line.settings, line.url, initiated(ccid, GLOW, caller)
    )
    await asyncio.to_thread(post, line.settings, line.url, call_event("call.answered", ccid))
    ws = await connect(media_stream_url(line.url, answer))
    phone = PhoneLine(ws, ccid, real_time_playback=real_time)
    await phone.start()
    return phone, asyncio.create_task(phone.run()), ws


async def _heard(phone: PhoneLine, **wait) -> str:
    turn = await phone.until_answered(**wait)
    return (await asyncio.to_thread(transcribe, bytes(turn.audio))).lower() if turn.audio else ""


async def _end(phone: PhoneLine, task, ws) -> None:
    await phone.hang_up()
    await asyncio.wait_for(task, 5)
    await ws.close()


def test_a_caller_books_a_hydrafacial_by_voice(line, capsys):
    lines: list[str] = []
    code = simulate_call(
        line.settings,
        GLOW,
        "+15555550123",
        ["I'd like to book a HydraFacial next Wednesday at 2pm", "Sarah Jones", "yes"],
        base=line.url,
        out=lines.append,
    )
    assert code == 0, lines
    said = [x for x in lines if x.startswith("receptionist:")]
    assert len(said) == 4, lines  # the greeting and an answer to each of the three turns
    assert "glow" in said[0].lower() or "calling" in said[0].lower()
    appointment = wait_until(
        lambda: Appointment.select().join(Customer).where(Customer.phone == "+15555550123").first(),
        timeout_s=10,
    )
    assert appointment.service.name == "HydraFacial" and appointment.status == "booked"
    local = appointment.start_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.weekday(), local.hour, local.minute) == (2, 14, 0)  # Wednesday at 2 PM
    # The name is read back before booking (a caller can correct what was misheard).
    spoken = [
        e.text
        for e in CallEvent.select().where(CallEvent.kind == "transcript").order_by(CallEvent.id)
        if e.data.get("role") == "assistant"
    ]
    name = appointment.customer.name
    assert "Jones" in name and name in spoken[2] and spoken[2].endswith("?"), spoken
    assert "book" in said[-1].lower(), said[-1]
    call = Call.get()
    kinds = {e.kind for e in CallEvent.select().where(CallEvent.call == call)}
    assert {"transcript", "latency"} <= kinds  # transcripts stored, latency per turn
    assert Call.get_by_id(call.id).status in ("answered", "ended", "streaming", "initiated")


def test_a_question_is_answered_from_the_knowledge_base(documents, line):
    async def scenario():
        phone, task, ws = await _ring(line, real_time=False)
        await _heard(phone)
        phone.say(speak("is there parking nearby"))
        answer = await _heard(phone)
        await _end(phone, task, ws)
        return answer

    answer = asyncio.run(scenario())
    heard = [e.text for e in CallEvent.select().where(CallEvent.kind == "transcript")]
    assert "parking" in answer or "park" in answer, (answer, heard)
    assert "garage" in answer or "validate" in answer or "street" in answer, (answer, heard)


def test_talking_over_the_receptionist_stops_it_and_is_answered(documents, line):
    async def scenario():
        phone, task, ws = await _ring(line)
        while not phone.playing:  # the greeting has started to play
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        phone.say(speak("what time do you open on Saturday"))
        while phone.speaking:
            await asyncio.sleep(0.02)
        phone.forget()  # what played before the caller spoke is not the answer
        turn = await phone.until_answered()
        await _end(phone, task, ws)
        return phone, turn

    phone, turn = asyncio.run(scenario())
    assert phone.cleared >= 1  # the gateway told Telnyx to drop the rest of the greeting
    answer = transcribe(bytes(turn.audio)).lower()
    heard = [e.text for e in CallEvent.select().where(CallEvent.kind == "transcript")]
    assert "saturday" in answer or "9" in answer or "nine" in answer, (answer, heard)


def test_a_silent_caller_is_asked_then_let_go(line):
    line.runtime.bridge_overrides.update(silence_s=1.5)

    async def scenario():
        phone, task, _ = await _ring(line)
        await _heard(phone)  # the greeting
        asked = await _heard(phone, timeout_s=10)
        goodbye = await _heard(phone, timeout_s=10)
        await asyncio.wait_for(task, 15)  # the line closes: the gateway hung up
        return asked, goodbye

    asked, goodbye = asyncio.run(scenario())
    assert "still there" in asked, asked
    assert "goodbye" in goodbye or "call back" in goodbye, goodbye


def test_a_mumble_is_asked_again_and_not_acted_on(line):
    import numpy as np

    from gateway.media.mulaw import encode

    t = np.arange(8000) / 8000
    mumble = 6000 * np.sin(2 * np.pi * 160 * t) * (1 + np.sin(2 * np.pi * 4 * t))
    noise = np.random.default_rng(5).normal(0, 2500, len(t))
    audio = encode((mumble + noise).clip(-32768, 32767).astype(np.int16))

    async def scenario():
        phone, task, ws = await _ring(line, real_time=False)
        await _heard(phone)
        phone.say(audio)
        again = await _heard(phone)
        await _end(phone, task, ws)
        return again

    again = asyncio.run(scenario())
    assert "didn't catch" in again or "say it again" in again, again
    assert not Appointment.select().exists()
