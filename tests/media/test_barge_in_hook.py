"""``on_barge_in``: told when the caller really cuts the assistant off, with what they heard."""

from __future__ import annotations

from gateway.media import BaseBridgeHooks
from gateway.media.bridge import heard_prefix
from tests.fakes.harness import make_config, media_env, run

FRAME = 160
ANSWER = "Your appointment is on Tuesday at ten in the morning."


def test_barge_in_tells_the_hook_what_the_caller_heard() -> None:
    async def scenario() -> None:
        async with media_env(make_config()) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            await rt.wait_for("session.update")
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            words = ANSWER.split(" ")
            await rt.assistant_transcript_delta(rid, item, " ".join(words[:5]) + " ")
            await rt.assistant_transcript_delta(rid, item, " ".join(words[5:]))
            for _ in range(4):  # 4 x 800 bytes = 400 ms sent
                await rt.audio_delta(rid, item, b"\x33" * 800)
            await phone.wait_for("mark", nth=4)
            await phone.echo_marks(2)  # 200 ms confirmed played
            await phone.send_audio(b"\x02" * FRAME)  # barrier: the echoes are handled
            await rt.wait_audio(FRAME)
            record = env.host.hooks[0]
            assert record.barge_ins == []

            await rt.speech_started(5000)
            await record.wait(lambda h: len(h.barge_ins) == 1)
            truncate = await rt.wait_for("conversation.item.truncate")
            assert truncate["audio_end_ms"] == 200
            # Half the audio played: the first half of the text, to a word boundary.
            assert record.barge_ins == ["Your appointment is on"]
            assert record.barge_ins[0] == heard_prefix(ANSWER, 200, 400)
            await record.wait(lambda h: "barge_in" in h.event_names())
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.barge_ins == 1 and record.barge_ins == ["Your appointment is on"]

    run(scenario())


def test_only_a_barge_in_past_the_guard_calls_the_hook() -> None:
    async def scenario() -> None:
        config = make_config(min_barge_in_ms=300)
        async with media_env(config) as env, env.caller(auto_marks=False) as phone:
            await phone.start()
            rt = await env.rt.next_session()
            rid = await rt.begin_response()
            item = await rt.audio_item(rid)
            await rt.audio_delta(rid, item, b"\x33" * 1600)
            await phone.wait_media_bytes(1600)
            record = env.host.hooks[0]

            await rt.speech_started(1000)
            await rt.speech_stopped(1150)  # a 150 ms "mm-hm": ignored
            await record.wait(lambda h: "interruption_ignored" in h.event_names())
            assert record.barge_ins == []

            await rt.speech_started(2000)
            await rt.speech_stopped(2500)  # 500 ms: a real interruption
            await record.wait(lambda h: len(h.barge_ins) == 1)
            await phone.wait_for("clear")
            assert record.barge_ins == [None]  # the engine sent no text for that answer
            await phone.stop()
            (stats,) = await env.host.wait_finished()
        assert stats.ignored_interruptions == 1 and stats.barge_ins == 1

    run(scenario())


def test_the_default_hook_does_nothing() -> None:
    assert run(BaseBridgeHooks().on_barge_in("Hello")) is None


def test_heard_prefix_cuts_at_a_word_boundary() -> None:
    assert heard_prefix(ANSWER, 0, 400) == ""
    assert heard_prefix(ANSWER, 10, 400) == ""  # not even the first word yet
    assert heard_prefix(ANSWER, 100, 400) == "Your"
    assert heard_prefix(ANSWER, 400, 400) == ANSWER
    assert heard_prefix(ANSWER, 500, 400) == ANSWER  # more confirmed than sent: all of it
    assert heard_prefix("", 100, 400) == ""
