"""A text is handed to the carrier exactly once: claimed before the request, so two notifiers
racing, or a restart after kill -9 mid-request, never send it again."""

from __future__ import annotations

from datetime import timedelta

from store.db import write
from store.fields import utcnow
from store.models import SendAttempt
from store.send_attempts import claim_sends, give_up_on_unanswered, unclaimed_queued
from store.sms import record_message, thread_for


def queued(database, count: int) -> list[int]:
    with write():
        thread = thread_for(database["+15550100001"], "+15555550123")
        return [record_message(thread, "out", f"text {i}", "queued").id for i in range(count)]


def test_two_notifiers_claiming_the_same_texts_send_each_once(database):
    ids = queued(database, 3)
    first, second = claim_sends(ids), claim_sends(ids)
    assert sorted(m.id for m in first) == ids and second == []


def test_a_send_cut_off_by_kill_9_is_not_resent_after_restart_and_is_marked_for_staff(database):
    ids = queued(database, 2)
    claim_sends(ids[:1])  # the request went out; the process died before the answer was kept
    assert unclaimed_queued(50) == ids[1:]  # the restarted sweep sends only the other one
    assert give_up_on_unanswered(utcnow() + timedelta(seconds=30)) == 0  # may still be answered
    assert give_up_on_unanswered(utcnow() + timedelta(minutes=3)) == 1
    assert SendAttempt.get(SendAttempt.message == ids[0]).outcome == "uncertain"
    assert claim_sends(ids[:1]) == []  # and never claimed again
