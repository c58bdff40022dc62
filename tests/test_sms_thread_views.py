"""Thread actors' views of their clinic: refreshed, and not all at the same moment."""

from __future__ import annotations

import multiprocessing

from actors import sms_thread


def _ttl_in_child(queue) -> None:
    queue.put(sms_thread._view_ttl())


def test_threads_forked_together_refresh_their_clinic_view_at_different_times():
    """Hundreds of threads forked together inherit views read at one moment; with one time to
    live they all re-read their clinic in the same second (a p99 spike every 30 s)."""
    sms_thread._view_ttl()  # the parent's own value is drawn before the forks, as in a supervisor
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_ttl_in_child, args=(queue,)) for _ in range(12)]
    for child in children:
        child.start()
    ttls = sorted(queue.get(timeout=30) for _ in children)
    for child in children:
        child.join(timeout=30)
    full = sms_thread.CLINIC_INFO_TTL_S
    assert all(full / 2 <= ttl <= full for ttl in ttls)
    assert ttls[-1] - ttls[0] > full / 8  # spread, not one shared deadline


def test_a_view_is_read_again_once_its_time_to_live_is_over(database, monkeypatch):
    from store.db import write
    from store.models import Clinic

    monkeypatch.setattr(sms_thread, "_CLINICS", {})  # this test's database, not an earlier one's
    _, info = sms_thread.clinic_view(1)
    with write():
        Clinic.update(name="Glow Med Spa & Laser").where(Clinic.id == 1).execute()
    assert sms_thread.clinic_view(1)[1].name == info.name  # still fresh: reused
    read_at, row, view = sms_thread._CLINICS[1]
    sms_thread._CLINICS[1] = (read_at - sms_thread._view_ttl() - 1, row, view)
    assert sms_thread.clinic_view(1)[1].name == "Glow Med Spa & Laser"
