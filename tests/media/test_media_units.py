"""Small pure pieces of the bridge: frames, playout accounting, latency, session shape."""

from __future__ import annotations

import asyncio

from gateway.media.engines.openai_realtime import message_item, realtime_format, session_config
from gateway.media.latency import LatencyObserver
from gateway.media.playout import PlayoutTracker
from gateway.media.telnyx_frames import (
    dtmf_digit,
    inbound_payload,
    mark_name,
    parse_start,
    sequence_number,
)
from tests.fakes.harness import make_config
from tests.fakes.realtime_server import validate_client_event, validate_server_event


def test_start_frame_is_read_defensively() -> None:
    info = parse_start({"event": "start", "stream_id": "s1", "start": {}})
    assert (info.stream_id, info.encoding, info.sample_rate) == ("s1", "PCMU", 8000)
    assert realtime_format(info.encoding) == "audio/pcmu" and info.supported
    pcma = parse_start(
        {
            "event": "start",
            "start": {
                "call_control_id": "v3:x",
                "media_format": {"encoding": "PCMA", "sample_rate": "8000", "channels": 1},
            },
        }
    )
    assert realtime_format(pcma.encoding) == "audio/pcma" and pcma.call_control_id == "v3:x"
    wideband = parse_start({"start": {"media_format": {"encoding": "L16", "sample_rate": 16000}}})
    assert not wideband.supported


def test_frame_field_helpers() -> None:
    media = {"sequence_number": "7", "media": {"track": "inbound", "payload": "AAA="}}
    assert sequence_number(media) == 7 and inbound_payload(media) == "AAA="
    assert inbound_payload({"media": {"track": "outbound", "payload": "AAA="}}) is None
    assert inbound_payload({"media": {"payload": ""}}) is None
    assert sequence_number({"sequence_number": "x"}) is None
    assert dtmf_digit({"dtmf": {"digit": "5"}}) == "5" and dtmf_digit({}) is None
    assert mark_name({"mark": {"name": "i:1"}}) == "i:1" and mark_name({"mark": 3}) is None


def test_playout_truncates_at_the_smaller_of_sent_and_confirmed() -> None:
    playout = PlayoutTracker()
    names = [playout.on_audio_sent("item_a", 800) for _ in range(3)]
    assert playout.is_playing and playout.truncation_points() == [("item_a", 0)]
    assert playout.on_mark_echo(names[0])
    assert playout.truncation_points() == [("item_a", 100)]
    # An echo confirms every earlier mark too (marks play in order).
    second = PlayoutTracker()
    marks = [second.on_audio_sent("item_a", 400) for _ in range(4)]
    second.on_mark_echo(marks[2])
    assert second.truncation_points() == [("item_a", 150)]
    assert not second.on_mark_echo("unknown:1")
    second.on_mark_echo(marks[3])
    assert not second.is_playing and second.truncation_points() == []


def test_small_chunks_share_a_mark_and_the_tail_is_flushed() -> None:
    playout = PlayoutTracker(mark_interval_ms=100)
    names = [playout.on_audio_sent("item_a", 160) for _ in range(7)]  # 7 x 20 ms
    assert names[:4] == [None] * 4 and names[4] is not None and names[5:] == [None, None]
    assert playout.is_playing  # 40 ms not yet marked still counts as playing
    assert playout.on_mark_echo(names[4])
    assert playout.is_playing and playout.truncation_points() == [("item_a", 100)]
    (tail,) = playout.flush()
    assert playout.flush() == []
    playout.on_mark_echo(tail)
    assert not playout.is_playing and playout.played_bytes("item_a") == 7 * 160
    big = PlayoutTracker(mark_interval_ms=100)
    assert all(big.on_audio_sent("i", 800) for _ in range(3))  # >= interval: one mark each


def test_playout_lists_every_item_still_queued_and_clears() -> None:
    playout = PlayoutTracker()
    a = playout.on_audio_sent("item_a", 800)
    playout.on_audio_sent("item_b", 160)
    playout.on_mark_echo(a)
    assert playout.truncation_points() == [("item_b", 0)]
    playout.clear()
    assert not playout.is_playing and not playout.on_mark_echo(a)

    async def drained() -> tuple[bool, bool]:
        tracker = PlayoutTracker()
        name = tracker.on_audio_sent("x", 160)
        timed_out = await tracker.wait_drained(0.01)
        waiter = asyncio.create_task(tracker.wait_drained(2.0))
        await asyncio.sleep(0)  # let the waiter block
        tracker.on_mark_echo(name)
        return timed_out, await waiter

    assert asyncio.run(drained()) == (False, True)


def test_latency_counts_only_answers_created_after_the_caller_stopped() -> None:
    latency = LatencyObserver()
    assert latency.on_audio_sent(now=5.0, response_created_at=1.0) is None  # not armed
    latency.on_caller_stopped(10.0)
    assert latency.on_audio_sent(now=10.1, response_created_at=9.0) is None  # old answer
    assert latency.on_audio_sent(now=10.5, response_created_at=10.2) == 500.0
    assert latency.on_audio_sent(now=10.7, response_created_at=10.2) is None  # once per turn
    latency.on_caller_stopped(20.0)
    latency.on_caller_started()  # spoke again before we answered
    assert latency.on_audio_sent(now=21.0, response_created_at=20.5) is None
    latency.on_caller_stopped(30.0)
    latency.on_audio_sent(now=30.2, response_created_at=30.1)
    summary = latency.summary()
    assert summary.turns == 2 and summary.max_ms == 500.0 and 200 <= summary.p50_ms <= 500


def test_session_config_and_items_are_valid_ga_client_events() -> None:
    config = make_config(tools=({"name": "lookup", "description": "d", "parameters": {}},))
    session = session_config(config, "audio/pcmu")
    assert session["tools"] == [
        {"type": "function", "name": "lookup", "description": "d", "parameters": {}}
    ]
    validate_client_event({"type": "session.update", "session": session})
    for role in ("user", "assistant", "system"):
        validate_client_event({"type": "conversation.item.create", "item": message_item(role, "x")})


def test_fake_server_validation_rejects_a_malformed_event() -> None:
    bad = {"type": "response.output_audio.delta", "event_id": "e", "delta": "AA=="}
    try:
        validate_server_event(bad)
    except ValueError as exc:
        assert "response_id" in str(exc)
    else:
        raise AssertionError("a delta without response_id must be rejected")
