"""The periodic work of the whole service, declared in one place with ``schedule``.

The root supervisor, which lives as long as the service, runs these on its heartbeat: each
due job is a ``Housekeep`` message to the service actor that owns it. Every job works off its
own durable table (the reminder, message and waitlist-offer tables, stored Stripe events and
deposits, calendar sync jobs), so a tick lost to a restart loses nothing: the next one finds
the same rows. The first tick runs every job once, so a restarted service catches up at once.
"""

from __future__ import annotations

from collections.abc import Callable

import schedule

from actors.messages import Housekeep

# (service, job, every how many seconds)
JOBS: tuple[tuple[str, str, int], ...] = (
    ("notifier", "due_texts", 5),  # due reminders and text-backs, then queued texts
    ("notifier", "waitlist_offers", 5),  # offers past their hold pass to the next in line
    ("notifier", "unanswered_sends", 60),  # sends cut off mid-request become "uncertain"
    ("notifier", "retention", 3600),  # bodies and transcripts past a clinic's period
    ("payments", "deposits", 10),  # stored Stripe events, unopened deposits, lapsed holds
    ("calendar", "calendar_sync", 5),  # bookings mirrored to providers' Google Calendars
)


def declare(send: Callable[[str, Housekeep], None]) -> schedule.Scheduler:
    """A scheduler whose jobs ``send(service, Housekeep(job))`` when due."""
    jobs = schedule.Scheduler()
    for service, job, every_s in JOBS:
        jobs.every(every_s).seconds.do(send, service, Housekeep(job))
    return jobs
