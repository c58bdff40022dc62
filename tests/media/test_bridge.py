"""Call flow, barge-in and tools of the media bridge, over real sockets on 127.0.0.1.

Fake Telnyx client -> aiohttp route -> run_bridge -> real openai SDK -> fake Realtime
server. Synchronisation is by events the fakes record; timeouts are only guards.
"""

from __future__ import annotations

import asyncio
import base64
import json

from tests.fakes.harness import RecordingHooks, make_config, media_env, run

FRAME = 160  # 20 ms of G.711


def _payload_bytes(frame: dict) -> bytes:
    return base64.b64decode(frame["media"]["payload"])


def test_session_uses_sdk_url_and_ga_session_shape() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            update = await rt.wait_for("session.update")
            assert rt.path == "/v1/realtime"
            assert rt.model == "gpt-realtime"
            assert rt.authorization == "Bearer test-key"
            session = update["session"]
            assert session["type"] == "realtime"
            assert session["model"] == "gpt-realtime"
            assert session["output_modalities"] == ["audio"]
            assert session["instructions"].startswith("You are the receptionist")
            assert session["audio"] == {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.5,
                        "prefix_padding_ms": 300,
                        "silence_duration_ms": 500,
                        "create_response": True,
                        "interrupt_response": True,
                    },
                },
                "output": {"format": {"type": "audio/pcmu"}, "voice": "marin"},
            }
            assert session["tool_choice"] == "auto"
            names = [tool["name"] for tool in session["tools"]]
            assert names == ["find_slots", "book_appointment", "end_conversation", "transfer_call"]
            assert all(tool["type"] == "function" for tool in session["tools"])
            assert "parameters" in session["tools"][0]
            await phone.stop()
            await env.host.wait_finished()

    run(scenario())


def test_pcma_call_tells_realtime_pcma_both_ways() -> None:
    async def scenario() -> None:
        async with media_env(make_config(min_barge_in_ms=250)) as env:
            async with env.caller(encoding="PCMA") as phone:
                await phone.start()
                rt = await env.rt.next_session()
                audio = (await rt.wait_for("session.update"))["session"]["audio"]
                assert audio["input"]["format"] == {"type": "audio/pcma"}
                assert audio["output"]["format"] == {"type": "audio/pcma"}
                # A barge-in guard means the bridge, not the server, cancels answers.
                assert audio["input"]["turn_detection"]["interrupt_response"] is False
                await phone.stop()
            await env.host.wait_finished()

    run(scenario())


def test_audio_passes_through_unchanged_with_a_mark_after_each_chunk() -> None:
    async def scenario() -> None:
        config = make_config()
        chunk_bytes = 8 * config.mark_interval_ms  # chunks of at least the interval: one mark each
        async with media_env(config) as env:
            async with env.caller() as phone:
                await phone.start()
                rt = await env.rt.next_session()
                caller_audio = bytes(range(256)) * 5  # 1280 bytes = 8 frames
                await phone.send_audio(caller_audio)
                assert await rt.wait_audio(len(caller_audio)) == caller_audio

                await rt.speech_started(0)
                await rt.speech_stopped(800)
                rid = await rt.begin_response()
                item = await rt.audio_item(rid)
                chunks = [bytes([n]) * chunk_bytes for n in (1, 2, 3)]
                for chunk in chunks:
                    await rt.audio_delta(rid, item, chunk)
                await rt.end_response(rid)
                await phone.wait_media_bytes(3 * chunk_bytes)
                # media, mark, media, mark, ...: each chunk followed by its checkpoint
                frames = [f for f in phone.received if f["event"] in ("media", "mark")]
                assert [f["event"] for f in frames] == ["media", "mark"] * 3
                assert [_payload_bytes(f) for f in frames[::2]] == chunks
                marks = [f["mark"]["name"] for f in frames[1::2]]
                assert all(name.startswith(f"{item}:") for name in marks)
                assert len(set(marks)) == 3
                await phone.stop()
            (stats,) = await env.host.wait_finished()
            hooks = env.host.hooks[0]
            assert stats.chunks_out == 3
            assert stats.latency.turns == 1 and len(hooks.latencies) == 1
            assert 0 <= hooks.latencies[0] < 1000
            assert stats.end_reason == "telnyx_stop"

    run(scenario())


def test_twenty_ms_deltas_get_a_mark_per_100_ms_and_one_at_the_end() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            for n in range(12):  # 240 ms in 20 ms deltas
                await rt.audio_delta(rid, item, bytes([n]) * FRAME)
            await phone.wait_media_bytes(12 * FRAME)
            assert len(phone.pending_marks) == 2  # after 100 ms and 200 ms
            await rt.audio_done(rid, item)
            await phone.wait_for("mark", nth=3)  # the 40 ms tail
            events = [f["event"] for f in phone.received if f["event"] in ("media", "mark")]
            assert events == (["media"] * 5 + ["mark"]) * 2 + ["media", "media", "mark"]
            await phone.echo_marks(1)
            await phone.send_audio(b"\x02" * FRAME)  # barrier
            await rt.wait_audio(FRAME)
            await rt.speech_started(3000)
            truncate = await rt.wait_for("conversation.item.truncate")
            assert truncate["audio_end_ms"] == 100
            await phone.stop()
            await env.host.wait_finished()

    run(scenario())


def test_booking_call_driven_by_function_calls() -> None:
    slots = {"slots": ["2025-03-04T09:00", "2025-03-04T10:30"]}
    booked = {"booked": True, "confirmation": "MC-1042"}

    def hooks() -> RecordingHooks:
        return RecordingHooks(
            tools={
                "find_slots": slots,
                "book_appointment": booked,
                "end_conversation": {"action": "end_call"},
            }
        )

    async def answer(rt, text: str) -> str:  # type: ignore[no-untyped-def]
        rid = await rt.begin_response()
        item = await rt.audio_item(rid)
        await rt.audio_delta(rid, item, b"\x55" * 1600)
        await rt.assistant_transcript(rid, item, text)
        return rid

    async def scenario() -> None:
        config = make_config(greet_first=True, greeting_instructions="Greet the caller.")
        async with media_env(config, hooks) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            greeting = await rt.wait_for("response.create")
            assert greeting["response"]["instructions"] == "Greet the caller."
            rid = await answer(rt, "Maple Clinic, how can I help?")
            await rt.end_response(rid)

            # Caller asks for an appointment; the model looks up slots.
            await rt.speech_started(2000)
            await rt.speech_stopped(3500)
            await rt.caller_transcript("I need an appointment on Tuesday")
            rid = await rt.begin_response()
            call_id = await rt.function_call(rid, "find_slots", json.dumps({"day": "Tuesday"}))
            output = await rt.wait_for("conversation.item.create")
            assert output["item"] == {
                "type": "function_call_output",
                "call_id": call_id,
                "output": json.dumps(slots),
            }
            # Barrier: caller audio sent now reaches the server after anything the tool
            # task sent; no response.create may precede response.done.
            await phone.send_audio(b"\x01" * FRAME)
            await rt.wait_audio(FRAME)
            assert len(rt.of_type("response.create")) == 1
            await rt.end_response(rid)  # also lists the call: must not run the tool twice
            await rt.wait_for("response.create", nth=2)

            rid = await answer(rt, "I have 9:00 or 10:30.")
            await rt.end_response(rid)
            await rt.speech_started(9000)
            await rt.speech_stopped(10500)
            await rt.caller_transcript("10:30 please, Ana Lima")
            rid = await rt.begin_response()
            args = {"slot": "2025-03-04T10:30", "name": "Ana Lima"}
            book_id = await rt.function_call(rid, "book_appointment", json.dumps(args))
            await rt.end_response(rid)
            output = await rt.wait_for("conversation.item.create", nth=2)
            assert output["item"]["call_id"] == book_id
            assert json.loads(output["item"]["output"]) == booked
            await rt.wait_for("response.create", nth=3)

            # Goodbye and the end_conversation tool in one answer.
            rid = await answer(rt, "You're booked, MC-1042. Goodbye!")
            await rt.function_call(rid, "end_conversation", "{}")
            await rt.end_response(rid)
            record = env.host.hooks[0]
            await record.wait(lambda h: h.end_calls == ["assistant"])
            (stats,) = await env.host.wait_finished()

        assert [name for name, _, _ in record.tool_calls] == [
            "find_slots",
            "book_appointment",
            "end_conversation",
        ]
        assert record.tool_calls[1][1] == args
        # No follow-up response for the action: the call is ending.
        assert len(rt.of_type("response.create")) == 3
        assert ("caller", "I need an appointment on Tuesday") in record.transcripts
        assert ("assistant", "You're booked, MC-1042. Goodbye!") in record.transcripts
        assert stats.tool_calls == 3 and stats.handoff == "end_call"
        assert stats.latency.turns == 2

    run(scenario())


def test_barge_in_clears_truncates_at_played_audio_and_drops_late_deltas() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            await rt.wait_for("session.update")
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            for _ in range(3):  # 3 x 800 bytes = 300 ms sent
                await rt.audio_delta(rid, item, b"\x33" * 800)
            await phone.wait_media_bytes(2400)
            await phone.wait_for("mark", nth=3)
            await phone.echo_marks(1)  # 100 ms confirmed played
            # Barrier: the echo is handled before the caller's next frame is forwarded.
            await phone.send_audio(b"\x02" * FRAME)
            await rt.wait_audio(FRAME)

            await rt.speech_started(5000)
            await phone.wait_for("clear")
            truncate = await rt.wait_for("conversation.item.truncate")
            assert truncate["item_id"] == item
            assert truncate["content_index"] == 0
            assert truncate["audio_end_ms"] == 100
            await rt.wait_for("response.cancel")
            await rt.wait_for("conversation.item.truncate")  # server accepted it (no error)

            # A delta of the cancelled response that was already in flight: not played.
            await rt.audio_delta(rid, item, b"\x44" * 800)
            rid2 = await rt.begin_response()
            item2 = await rt.audio_item(rid2)
            await rt.audio_delta(rid2, item2, b"\x66" * 400)
            await phone.wait_media_bytes(2800)
            assert bytes(phone.media_out[2400:]) == b"\x66" * 400
            await rt.end_response(rid2)
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.barge_ins == 1 and stats.late_deltas_dropped == 1
        assert len(rt.of_type("response.cancel")) == 1
        assert env.rt.errors == []

    run(scenario())


def test_barge_in_after_response_done_truncates_but_does_not_cancel() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            for _ in range(4):
                await rt.audio_delta(rid, item, b"\x33" * 800)
            await rt.end_response(rid)  # generated faster than real time, still playing
            await phone.wait_for("mark", nth=4)
            await phone.echo_marks(2)
            await phone.send_audio(b"\x02" * FRAME)
            await rt.wait_audio(FRAME)

            await rt.speech_started(4000)
            await phone.wait_for("clear")
            truncate = await rt.wait_for("conversation.item.truncate")
            assert truncate["audio_end_ms"] == 200
            # Barrier, then check that no cancel was sent for a finished response.
            await phone.send_audio(b"\x03" * FRAME)
            await rt.wait_audio(2 * FRAME)
            assert rt.of_type("response.cancel") == []
            await phone.stop()
            await env.host.wait_finished()

    run(scenario())


def test_no_truncate_or_clear_when_everything_already_played() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:  # instant playout
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            for _ in range(3):
                await rt.audio_delta(rid, item, b"\x33" * 800)
            await rt.end_response(rid)
            await phone.wait_media_bytes(2400)
            await phone.send_audio(b"\x02" * FRAME)  # barrier: all 3 echoes handled
            await rt.wait_audio(FRAME)

            await rt.speech_started(4000)
            await rt.speech_stopped(5000)
            rid2 = await rt.begin_response()
            item2 = await rt.audio_item(rid2)
            await rt.audio_delta(rid2, item2, b"\x66" * 800)
            await phone.wait_media_bytes(3200)
            await phone.send_audio(b"\x03" * FRAME)
            await rt.wait_audio(2 * FRAME)
            assert rt.of_type("conversation.item.truncate") == []
            assert rt.of_type("response.cancel") == []
            assert phone.of_event("clear") == []
            await rt.end_response(rid2)
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.barge_ins == 0

    run(scenario())


def test_short_mm_hm_does_not_interrupt_the_assistant() -> None:
    async def scenario() -> None:
        config = make_config(min_barge_in_ms=300)
        async with media_env(config) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.audio_delta(rid, item, b"\x33" * 800)
            await phone.wait_media_bytes(800)

            await rt.speech_started(1000)
            await rt.speech_stopped(1150)  # 150 ms "mm-hm" < 300 ms guard
            record = env.host.hooks[0]
            await record.wait(lambda h: "interruption_ignored" in h.event_names())
            # The server answered the cough with a new response: the bridge cancels it.
            rid_cough = await rt.begin_response()
            await rt.wait_for("response.cancel")
            # ...while the original answer keeps playing.
            await rt.audio_delta(rid, item, b"\x34" * 800)
            await phone.wait_media_bytes(1600)
            await rt.end_response(rid)
            await phone.echo_marks()
            await phone.send_audio(b"\x02" * FRAME)
            await rt.wait_audio(FRAME)
            assert phone.of_event("clear") == []
            assert rt.of_type("conversation.item.truncate") == []
            assert rt.active_response is None and rid_cough
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.ignored_interruptions == 1 and stats.barge_ins == 0
        assert record.latencies == []  # a cough is not a turn

    run(scenario())


def test_speech_longer_than_guard_barges_in() -> None:
    async def scenario() -> None:
        config = make_config(min_barge_in_ms=120)
        async with media_env(config) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.audio_delta(rid, item, b"\x33" * 1600)
            await phone.wait_for("mark")
            await rt.speech_started(1000)  # and keeps talking: the guard timer fires
            await phone.wait_for("clear", timeout=3.0)
            truncate = await rt.wait_for("conversation.item.truncate")
            assert truncate["audio_end_ms"] == 0  # nothing confirmed played yet
            await rt.wait_for("response.cancel")

            # Second answer; speech_stopped arrives before our timer but lasted long enough.
            await rt.speech_stopped(2000)
            rid2 = await rt.begin_response()
            item2 = await rt.audio_item(rid2)
            await rt.audio_delta(rid2, item2, b"\x35" * 800)
            await phone.wait_media_bytes(2400)
            await rt.speech_started(3000)
            await rt.speech_stopped(3400)
            await phone.wait_for("clear", nth=2)
            await rt.wait_for("response.cancel", nth=2)
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.barge_ins == 2

    run(scenario())


def test_end_call_of_an_interrupted_answer_never_fires() -> None:
    def hooks() -> RecordingHooks:
        return RecordingHooks(tools={"end_conversation": {"action": "end_call"}})

    async def scenario() -> None:
        async with media_env(make_config(), hooks) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.audio_delta(rid, item, b"\x33" * 1600)
            await rt.function_call(rid, "end_conversation", "{}")
            await rt.end_response(rid)
            record = env.host.hooks[0]
            await record.wait(lambda h: len(h.tool_calls) == 1)
            await rt.wait_for("conversation.item.create")
            # Caller interrupts the goodbye before it played.
            await rt.speech_started(3000)
            await phone.wait_for("clear")
            await rt.speech_stopped(4000)

            # A tool call that still arrives for the cancelled answer is not executed.
            await rt.function_call(rid, "transfer_call", "{}")
            cancelled = await rt.wait_for("conversation.item.create", nth=2)
            assert json.loads(cancelled["item"]["output"])["status"] == "cancelled"

            # The conversation goes on and its audio plays fully; still no hang-up.
            rid2 = await rt.begin_response()
            item2 = await rt.audio_item(rid2)
            await rt.audio_delta(rid2, item2, b"\x35" * 800)
            await rt.end_response(rid2)
            await phone.wait_for("mark", nth=2)
            await phone.echo_marks()
            await phone.send_audio(b"\x02" * FRAME)
            await rt.wait_audio(FRAME)
            assert record.end_calls == [] and record.transfers == []
            assert [name for name, _, _ in record.tool_calls] == ["end_conversation"]
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.handoff == ""

    run(scenario())


def test_transfer_waits_for_the_announcement_to_play() -> None:
    def hooks() -> RecordingHooks:
        return RecordingHooks(tools={"transfer_call": {"action": "transfer", "to": "+15550001111"}})

    async def scenario() -> None:
        async with media_env(make_config(), hooks) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.audio_delta(rid, item, b"\x33" * 800)
            await rt.function_call(rid, "transfer_call", json.dumps({"reason": "billing"}))
            await rt.end_response(rid)
            await rt.wait_for("conversation.item.create")
            await phone.wait_for("mark")
            record = env.host.hooks[0]
            await phone.send_audio(b"\x02" * FRAME)
            await rt.wait_audio(FRAME)
            assert record.transfers == []  # announcement not heard yet
            await phone.echo_marks()
            await record.wait(lambda h: h.transfers == ["+15550001111"])
            (stats,) = await env.host.wait_finished()  # ends after the hand-off grace
        assert stats.handoff == "transfer" and stats.end_reason == "handoff"
        # The dashboard event carries no phone number.
        assert all("+1555" not in json.dumps(data) for _, data in record.events)

    run(scenario())


def test_tool_errors_become_error_outputs_and_the_call_goes_on() -> None:
    def hooks() -> RecordingHooks:
        return RecordingHooks(tools={"find_slots": RuntimeError("calendar down")})

    async def scenario() -> None:
        async with media_env(make_config(), hooks) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            await rt.function_call(rid, "find_slots", json.dumps({"day": "Friday"}))
            await rt.end_response(rid)
            failed = await rt.wait_for("conversation.item.create")
            assert json.loads(failed["item"]["output"])["error"] == "tool_failed"
            assert "calendar down" not in failed["item"]["output"]
            await rt.wait_for("response.create")

            rid = await rt.begin_response()
            await rt.function_call(rid, "book_appointment", "{not json")
            await rt.end_response(rid)
            bad = await rt.wait_for("conversation.item.create", nth=2)
            assert json.loads(bad["item"]["output"])["error"] == "invalid_arguments"
            await rt.wait_for("response.create", nth=2)

            rid = await rt.begin_response()
            await rt.function_call(rid, "book_appointment", "[1, 2]")
            await rt.end_response(rid)
            bad = await rt.wait_for("conversation.item.create", nth=3)
            assert json.loads(bad["item"]["output"])["error"] == "invalid_arguments"

            record = env.host.hooks[0]
            assert [name for name, _, _ in record.tool_calls] == ["find_slots"]
            # Still alive: audio flows.
            await phone.send_audio(b"\x07" * FRAME)
            await rt.wait_audio(FRAME)
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.end_reason == "telnyx_stop" and stats.fallback is False

    run(scenario())


def test_a_hanging_tool_times_out_into_an_error_output() -> None:
    async def never(args: dict[str, object]) -> dict[str, object]:
        await asyncio.Event().wait()
        return {}

    loop: dict[str, object] = {}
    loop["self"] = loop  # json.dumps raises on a circular result

    def hooks() -> RecordingHooks:
        return RecordingHooks(tools={"find_slots": never, "book_appointment": loop})

    async def scenario() -> None:
        async with media_env(make_config(tool_timeout_s=0.2), hooks) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            await rt.function_call(rid, "find_slots", "{}")
            await rt.function_call(rid, "book_appointment", "{}")  # result is not JSON-able
            await rt.end_response(rid)
            outputs = {}
            for nth in (1, 2):
                item = (await rt.wait_for("conversation.item.create", nth=nth))["item"]
                outputs[item["call_id"]] = json.loads(item["output"])
            errors = sorted(output["error"] for output in outputs.values())
            assert errors == ["timeout", "tool_failed"]
            await rt.wait_for("response.create")  # one follow-up for both results
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.fallback is False

    run(scenario())


def test_follow_up_waits_for_an_active_response() -> None:
    """A tool result landing while another response runs is followed up after it."""

    async def scenario() -> None:
        release = asyncio.Event()

        async def slow_tool(args: dict[str, object]) -> dict[str, object]:
            await release.wait()
            return {"slots": []}

        def hooks() -> RecordingHooks:
            return RecordingHooks(tools={"find_slots": slow_tool})

        async with media_env(make_config(), hooks) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            await rt.function_call(rid, "find_slots", "{}")
            await rt.end_response(rid)
            record = env.host.hooks[0]
            await record.wait(lambda h: len(h.tool_calls) == 1)
            other = await rt.begin_response()  # e.g. the caller spoke meanwhile
            await rt.caller_transcript("hello?")  # barrier: response.created was handled
            await record.wait(lambda h: len(h.transcripts) == 1)
            release.set()
            await rt.wait_for("conversation.item.create")
            await phone.send_audio(b"\x02" * FRAME)
            await rt.wait_audio(FRAME)
            assert rt.of_type("response.create") == []
            await rt.end_response(other)
            await rt.wait_for("response.create")
            await phone.stop()
            await env.host.wait_finished()

    run(scenario())


def test_refused_response_create_is_retried_after_the_active_response() -> None:
    """The server may start a response (VAD) just before our response.create lands."""

    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            await rt.function_call(rid, "find_slots", "{}")
            rt.active_response = "resp_vad"  # server-side response the bridge has not seen
            await rt.end_response(rid)
            refused = await rt.wait_for("response.create")
            assert refused["event_id"].startswith("vrai_response_")
            record = env.host.hooks[0]
            await record.wait(lambda h: "realtime_error" in h.event_names())
            await rt.send(
                {
                    "type": "response.created",
                    "response": {"id": "resp_vad", "object": "realtime.response"},
                }
            )
            await rt.end_response("resp_vad")
            await rt.wait_for("response.create", nth=2)  # retried once the other finished
            await phone.stop()
            await env.host.wait_finished()

    run(scenario())


def test_dtmf_and_transcripts_reach_the_hooks() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller() as phone:
            await phone.start()
            rt = await env.rt.next_session()
            await phone.dtmf("1")
            await phone.dtmf("#")
            await rt.caller_transcript("Hi, is the clinic open Saturday?")
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.assistant_transcript(rid, item, "Yes, from 9 to 1.")
            await rt.end_response(rid)
            record = env.host.hooks[0]
            await record.wait(lambda h: h.dtmf == ["1", "#"] and len(h.transcripts) == 2)
            assert record.transcripts == [
                ("caller", "Hi, is the clinic open Saturday?"),
                ("assistant", "Yes, from 9 to 1."),
            ]
            assert record.call_control_id == phone.call_control_id
            await phone.stop()
            await env.host.wait_finished()
        await record.wait(lambda h: "call_summary" in h.event_names())

    run(scenario())
