"""The service's periodic work is declared once; each job reaches the actor that owns it."""

from __future__ import annotations

from actors.housekeeping import JOBS, declare


def test_every_periodic_job_is_declared_once_for_the_actor_that_owns_it():
    sent: list[tuple[str, str]] = []
    jobs = declare(lambda service, message: sent.append((service, message.job)))
    jobs.run_all()  # what the first tick does, to catch up after a start
    assert sorted(sent) == sorted((service, job) for service, job, _ in JOBS)
    assert len(set(sent)) == len(sent)
    assert {job.interval for job in jobs.jobs} == {every for *_, every in JOBS}
