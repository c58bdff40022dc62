"""Failure handling, timers, cleanup and isolation of the media bridge (real sockets)."""

from __future__ import annotations

import asyncio
import base64
import json

from websockets.asyncio.server import ServerConnection, serve

from gateway.media import OpenAIRealtimeConnector, WebsocketsTelnyxSocket, run_bridge
from gateway.media.bridge import TASK_PREFIX
from gateway.media.prompts import APOLOGY_PCMA, APOLOGY_PCMU, apology_for
from tests.fakes.harness import RecordingHooks, make_config, media_env, run
from tests.fakes.realtime_server import FakeRealtimeServer
from tests.fakes.telnyx_media_client import FakeTelnyxClient

FRAME = 160


def _bridge_tasks() -> list[str]:
    return [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith(TASK_PREFIX)]


async def _talk(rt, caller: str, assistant: str) -> None:  # type: ignore[no-untyped-def]
    await rt.speech_started(0)
    await rt.speech_stopped(1000)
    await rt.caller_transcript(caller)
    rid = await rt.begin_response()
    item = await rt.audio_item(rid)
    await rt.audio_delta(rid, item, b"\x21" * 800)
    await rt.assistant_transcript(rid, item, assistant)
    await rt.end_response(rid)


def test_socket_drop_reconnects_once_with_the_conversation_context() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            first = await env.rt.next_session()
            await _talk(first, "I'd like to book a cleaning", "Sure, which day suits you?")
            record = env.host.hooks[0]
            await record.wait(lambda h: len(h.transcripts) == 2)
            await first.speech_started(2000)
            await first.speech_stopped(2600)  # caller waits for an answer: mid-turn
            await first.drop()

            second = await env.rt.next_session()
            update = await second.wait_for("session.update")
            assert update["session"]["audio"]["input"]["format"] == {"type": "audio/pcmu"}
            replay = await second.wait_for("conversation.item.create", nth=2)
            items = [e["item"] for e in second.of_type("conversation.item.create")]
            assert items[0] == {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "I'd like to book a cleaning"}],
            }
            assert items[1]["role"] == "assistant"
            assert items[1]["content"] == [
                {"type": "output_text", "text": "Sure, which day suits you?"}
            ]
            assert replay is not None
            # Dropped mid-turn: the model is asked to pick the thread back up.
            resumed = await second.wait_for("response.create")
            assert "apologise" in resumed["response"]["instructions"].lower()
            # Caller audio now flows to the new session.
            await phone.send_audio(b"\x09" * 320)
            assert (await second.wait_audio(320))[-320:] == b"\x09" * 320
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.reconnects == 1 and stats.fallback is False
        assert env.rt.connection_attempts == 2
        assert "realtime_dropped" in record.event_names()

    run(scenario())


def test_failed_reconnect_plays_the_apology_and_falls_back() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            first = await env.rt.next_session()
            await first.wait_for("session.update")
            env.rt.reject_next(5)
            await first.drop()
            record = env.host.hooks[0]
            await record.wait(lambda h: h.fallbacks == 1)
            assert bytes(phone.media_out) == apology_for("PCMU")  # played before the hand-off
            (stats,) = await env.host.wait_finished()
        assert stats.fallback and stats.handoff == "fallback" and stats.reconnects == 1
        assert env.rt.connection_attempts == 2  # exactly one reconnect attempt
        assert len(env.rt.sessions) == 1

    run(scenario())


def test_unreachable_at_start_falls_back_in_the_call_codec() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env:
            env.rt.reject_next(2)
            async with env.caller(encoding="PCMA") as phone:
                await phone.start()
                await env.host.wait_hooks()
                record = env.host.hooks[0]
                await record.wait(lambda h: h.fallbacks == 1)
                assert bytes(phone.media_out) == apology_for("PCMA")
            await env.host.wait_finished()

    run(scenario())


def test_silence_prompts_once_then_says_goodbye_and_hangs_up() -> None:
    async def answer(rt, nth: int) -> str:  # type: ignore[no-untyped-def]
        request = await rt.wait_for("response.create", nth=nth, timeout=5.0)
        rid = await rt.begin_response()
        item = await rt.audio_item(rid)
        await rt.audio_delta(rid, item, b"\x44" * 800)
        await rt.end_response(rid)
        return str(request["response"]["instructions"])

    async def scenario() -> None:
        config = make_config(silence_s=0.3)
        async with media_env(config) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            prompt = await answer(rt, 1)
            assert "still there" in prompt
            goodbye = await answer(rt, 2)
            assert "goodbye" in goodbye
            record = env.host.hooks[0]
            await record.wait(lambda h: h.end_calls == ["silence"])
            (stats,) = await env.host.wait_finished()
        assert len(rt.of_type("response.create")) == 2
        assert phone.media_out == b"\x44" * 1600
        assert stats.handoff == "end_call"

    run(scenario())


def test_caller_speech_resets_the_silence_prompt() -> None:
    async def scenario() -> None:
        config = make_config(silence_s=0.25)
        async with media_env(config) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            await rt.wait_for("response.create")  # "are you still there?"
            rid = await rt.begin_response()
            await rt.end_response(rid)
            await rt.speech_started(100)  # caller answers
            await rt.speech_stopped(900)
            rid = await rt.begin_response()
            await rt.end_response(rid)
            # After the next silence window it is again the first prompt, not goodbye.
            second = await rt.wait_for("response.create", nth=2)
            assert "still there" in second["response"]["instructions"]
            await phone.stop()
            await env.host.wait_finished()
        assert env.host.hooks[0].end_calls == []

    run(scenario())


def test_max_call_duration_says_goodbye_and_ends() -> None:
    async def scenario() -> None:
        config = make_config(max_call_s=0.3, goodbye_timeout_s=0.5)
        async with media_env(config) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            request = await rt.wait_for("response.create")
            assert "time limit" in request["response"]["instructions"]
            # The model never answers: the bounded wait still hangs up.
            record = env.host.hooks[0]
            await record.wait(lambda h: h.end_calls == ["max_duration"])
            await env.host.wait_finished()

    run(scenario())


def test_session_renewal_switches_at_a_turn_boundary_without_losing_audio() -> None:
    async def scenario() -> None:
        config = make_config(session_max_s=0.2)
        async with media_env(config) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            old = await env.rt.next_session()
            await old.caller_transcript("Do you take new patients?")
            rid = await old.begin_response()
            item = await old.audio_item(rid)
            await old.audio_delta(rid, item, b"\x51" * 800)
            await old.assistant_transcript(rid, item, "We do.")
            # The session ages past its limit while an answer is playing.
            await asyncio.sleep(0.3)  # guard only: let the renewal timer expire
            await old.audio_delta(rid, item, b"\x52" * 800)
            await old.end_response(rid)
            await phone.wait_media_bytes(1600)
            assert len(env.rt.sessions) == 1  # not while the assistant is talking
            await phone.echo_marks()  # played out: turn boundary

            new = await env.rt.next_session()
            await new.wait_for("session.update")
            replayed = await new.wait_for("conversation.item.create", nth=2)
            assert replayed["item"]["content"][0]["text"] == "We do."
            await old.closed.wait()
            await phone.send_audio(b"\x0a" * FRAME)
            assert (await new.wait_audio(FRAME))[-FRAME:] == b"\x0a" * FRAME
            assert new.of_type("response.create") == []  # renewal is silent
            assert phone.media_out == b"\x51" * 800 + b"\x52" * 800
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.renewals >= 1 and stats.reconnects == 0

    run(scenario())


def test_hangup_leaves_nothing_running_and_closes_sockets() -> None:
    async def scenario() -> None:
        async with media_env(make_config(silence_s=30, max_call_s=60, session_max_s=60)) as env:
            async with env.caller() as phone:
                await phone.start()
                rt = await env.rt.next_session()
                await phone.send_audio(b"\x01" * 800)
                await rt.wait_audio(800)
                assert _bridge_tasks()
                await phone.stop()
                (stats,) = await env.host.wait_finished()
                await phone.wait_closed()  # the gateway closed the Telnyx socket
            await asyncio.wait_for(rt.closed.wait(), 2.0)  # and the Realtime socket
            assert _bridge_tasks() == []
            assert stats.end_reason == "telnyx_stop"

            # Same when Telnyx just drops the socket without a stop frame.
            async with env.caller() as phone2:
                await phone2.start()
                rt2 = await env.rt.next_session()
                await rt2.wait_for("session.update")
            stats2 = (await env.host.wait_finished(2))[1]
            await asyncio.wait_for(rt2.closed.wait(), 2.0)
            assert _bridge_tasks() == []
            assert stats2.end_reason == "telnyx_closed"

    run(scenario())


def test_slow_realtime_side_drops_the_oldest_caller_audio() -> None:
    async def scenario() -> None:
        config = make_config(inbound_queue_frames=5)
        async with media_env(config) as env, env.caller() as phone:
            # Audio before `start`: the session cannot be configured yet, so it queues.
            await phone.send({"event": "connected", "version": "1.0.0"})
            frames = [bytes([n]) * FRAME for n in range(20)]
            for frame in frames:
                await phone.send(phone.media(frame))
            await env.host.wait_hooks()
            await phone.start()
            rt = await env.rt.next_session()
            audio = await rt.wait_audio(5 * FRAME)
            await phone.send_audio(b"\xee" * FRAME)
            audio = await rt.wait_audio(6 * FRAME)
            assert audio == b"".join(frames[-5:]) + b"\xee" * FRAME
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.frames_dropped == 15 and stats.frames_in == 21

    run(scenario())


def test_out_of_order_frames_are_discarded() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            await phone.send(phone.media(b"\x01" * FRAME, seq=10))
            await phone.send(phone.media(b"\x02" * FRAME, seq=9))  # late: dropped
            await phone.send(phone.media(b"\x03" * FRAME, seq=11))
            assert await rt.wait_audio(2 * FRAME) == b"\x01" * FRAME + b"\x03" * FRAME
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.frames_late == 1

    run(scenario())


def test_malformed_realtime_events_are_skipped() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            await rt.send_unchecked("not json at all")
            await rt.send_unchecked("[1, 2]")
            await rt.send_unchecked('{"type": "response.created"}')  # no response object
            await rt.send_unchecked('{"type": "response.output_audio.delta", "item_id": "x"}')
            await rt.send_unchecked('{"type": "brand.new.event"}')
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.audio_delta(rid, item, b"\x31" * 800)
            assert await phone.wait_media_bytes(800) == b"\x31" * 800
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.fallback is False and stats.reconnects == 0
        assert stats.end_reason == "telnyx_stop"

    run(scenario())


def test_twenty_concurrent_calls_are_isolated() -> None:
    """Each call gets only its own caller audio, tool results and assistant audio."""
    calls = 20

    def hooks() -> RecordingHooks:
        record = RecordingHooks()

        def lookup(args: dict[str, object]) -> dict[str, object]:
            return {"call": record.call_control_id, "asked": args["day"]}

        record.tools = {"find_slots": lookup}
        return record

    async def one_call(env, index: int) -> None:  # type: ignore[no-untyped-def]
        async with env.caller(call_control_id=f"v3:conc-{index:02d}") as phone:
            await phone.start()
            await phone.send_audio(bytes([index]) * 800)  # every byte names the caller
            await phone.wait_media_bytes(400, timeout=10.0)
            await phone.send_audio(b"\xff" * FRAME)  # barrier before checking for extras
            await phone.stop()
            assert bytes(phone.media_out) == bytes([100 + index]) * 400

    async def serve_session(rt) -> None:  # type: ignore[no-untyped-def]
        audio = await rt.wait_audio(800, timeout=10.0)
        index = audio[0]
        assert audio[:800] == bytes([index]) * 800
        rid = await rt.begin_response()
        call_id = await rt.function_call(rid, "find_slots", f'{{"day": "day-{index}"}}')
        await rt.end_response(rid)
        output = (await rt.wait_for("conversation.item.create", timeout=10.0))["item"]
        assert output["call_id"] == call_id
        assert json.loads(output["output"]) == {
            "call": f"v3:conc-{index:02d}",
            "asked": f"day-{index}",
        }
        rid = await rt.begin_response()
        item = await rt.audio_item(rid)
        await rt.audio_delta(rid, item, bytes([100 + index]) * 400)
        await rt.end_response(rid)
        await rt.closed.wait()
        assert set(rt.audio_in) <= {index, 0xFF}

    async def scenario() -> None:
        async with media_env(make_config(), hooks) as env:
            callers = [asyncio.create_task(one_call(env, i)) for i in range(calls)]
            sessions = [
                asyncio.create_task(serve_session(await env.rt.next_session(timeout=10.0)))
                for _ in range(calls)
            ]
            await asyncio.gather(*callers, *sessions)
            stats = await env.host.wait_finished(calls, timeout=10.0)
            assert len(stats) == calls and all(s.tool_calls == 1 for s in stats)
            assert _bridge_tasks() == []

    run(scenario(), timeout=25.0)


def test_bridge_runs_over_plain_websockets_too() -> None:
    async def scenario() -> None:
        config = make_config()
        record = RecordingHooks()
        async with (
            FakeRealtimeServer() as rt_server,
            OpenAIRealtimeConnector(
                api_key="k", model=config.model, base_url=rt_server.base_url
            ) as connector,
        ):
            done = asyncio.Event()

            async def handler(ws: ServerConnection) -> None:
                await run_bridge(WebsocketsTelnyxSocket(ws), record, config, connector)
                done.set()

            async with serve(handler, "127.0.0.1", 0) as server:
                port = next(iter(server.sockets)).getsockname()[1]
                async with FakeTelnyxClient(f"ws://127.0.0.1:{port}/") as phone:
                    await phone.start()
                    rt = await rt_server.next_session()
                    await phone.send_audio(b"\x05" * 320)
                    await rt.wait_audio(320)
                    rid = await rt.begin_response()
                    item = await rt.audio_item(rid)
                    await rt.audio_delta(rid, item, b"\x06" * 320)
                    assert await phone.wait_media_bytes(320) == b"\x06" * 320
                    await phone.stop()
                    await done.wait()

    run(scenario())


def test_apology_prompt_is_audible_g711() -> None:
    from gateway.media.mulaw import decode as decode_ulaw

    pcm = decode_ulaw(APOLOGY_PCMU)
    assert len(APOLOGY_PCMU) % FRAME == 0 and len(APOLOGY_PCMU) == len(APOLOGY_PCMA)
    assert 0.5 <= len(pcm) / 8000 <= 2.0  # short
    assert 2000 < abs(pcm.astype(int)).max() < 16000  # audible, not clipping
    assert base64.b64encode(APOLOGY_PCMU)  # sendable as a Telnyx payload
