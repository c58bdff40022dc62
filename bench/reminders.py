"""Benchmark of the reminder sender: many due at once, and the idle tick among many stored.

Builds a fresh SQLite database in a temporary directory with 50 clinics, each with one
service, one provider and its customers, and one appointment per customer, then times:

* ``send_all``: 10,000 day-ahead reminders falling due at once, sent (through the outbox:
  stored texts, as the embedded backend does) by the notifier's own call, batch after batch,
  until none is left; each is claimed, checked again (visit as planned, not opted out, not in
  quiet hours, not past its point) and recorded in its own transaction;
* ``idle_tick``: the same call when nothing is due, with 100,000 jobs stored for later, against
  the same tick with none stored (the baseline); and once more with the index on the due
  time dropped, to show what the index does.

Target: the tick's work grows with the jobs due, not the jobs stored.

Usage: ``python bench/reminders.py [--quick]`` (``--quick``: 2,000 due, 20,000 stored). The
last line printed is one JSON object.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actors.reminders import send_due_reminders
from store.db import close_database, db, open_database, write
from store.migrations import migrate
from store.models import (
    Appointment,
    Clinic,
    Customer,
    Message,
    Provider,
    Reminder,
    Service,
)

CLINICS = 50
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)  # noon in the clinics' zone: not quiet hours


def _build(due: int, stored: int) -> None:
    """``due`` reminders due now and ``stored`` due tomorrow, spread over the clinics."""
    per_clinic = (due + stored) // CLINICS
    with write():
        for c in range(CLINICS):
            clinic = Clinic.create(name=f"Clinic {c}", phone=f"+1555020{c:04d}", timezone="UTC")
            service = Service.create(clinic=clinic, name="Visit", duration_min=30)
            provider = Provider.create(clinic=clinic, name=f"Dr. {c}")
            Customer.insert_many(
                [{"clinic": clinic.id, "phone": f"+1556{c:03d}{i:04d}"} for i in range(per_clinic)]
            ).execute()
            customers = [
                row.id for row in Customer.select(Customer.id).where(Customer.clinic == clinic)
            ]
            start = NOW + timedelta(days=2)
            Appointment.insert_many(
                [
                    {
                        "clinic": clinic.id,
                        "customer": customer,
                        "service": service.id,
                        "provider": provider.id,
                        "start_at": start + timedelta(minutes=30 * i),
                        "end_at": start + timedelta(minutes=30 * i + 30),
                        "status": "booked",
                    }
                    for i, customer in enumerate(customers)
                ]
            ).execute()
    appointments = list(
        Appointment.select(Appointment.id, Appointment.clinic, Appointment.start_at)
    )
    rows = [
        {
            "clinic": a.clinic_id,
            "appointment": a.id,
            "kind": "reminder_24h",
            "due_at": NOW - timedelta(minutes=1) if n < due else NOW + timedelta(days=1),
            "payload": {"start": a.start_at.isoformat()},
        }
        for n, a in enumerate(appointments)
    ]
    with write():
        for chunk in range(0, len(rows), 5000):
            Reminder.insert_many(rows[chunk : chunk + 5000]).execute()


def _tick_ms(runs: int) -> dict:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        assert send_due_reminders("outbox", now=NOW) == []
        samples.append((time.perf_counter() - started) * 1e3)
    return {"p50_ms": round(statistics.median(samples), 3), "max_ms": round(max(samples), 3)}


def _fresh(directory: Path, name: str) -> None:
    close_database()
    open_database(directory / f"{name}.sqlite3")
    migrate()


def run(quick: bool) -> dict:
    due, stored = (2_000, 20_000) if quick else (10_000, 100_000)
    figures: dict = {"due": due, "stored": stored, "clinics": CLINICS}
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        _fresh(directory, "empty")
        figures["idle_tick_no_jobs"] = _tick_ms(50)

        _fresh(directory, "busy")
        started = time.perf_counter()
        _build(due, stored)
        figures["setup_s"] = round(time.perf_counter() - started, 1)

        started, sent = time.perf_counter(), 0
        while batch := send_due_reminders("outbox", now=NOW):
            sent += len(batch)
        elapsed = time.perf_counter() - started
        assert sent == due == Message.select().count(), (sent, due)
        figures["send_all_s"] = round(elapsed, 2)
        figures["sent_per_s"] = round(sent / elapsed)

        figures["idle_tick_stored_jobs"] = _tick_ms(50)
        figures["stored_over_empty"] = round(
            figures["idle_tick_stored_jobs"]["p50_ms"] / figures["idle_tick_no_jobs"]["p50_ms"], 2
        )
        index = next(i.name for i in db.get_indexes("reminder") if i.columns == ["due_at"])
        db.execute_sql(f'DROP INDEX "{index}"')
        figures["idle_tick_stored_jobs_without_due_index"] = _tick_ms(10)
        close_database()
    figures["python"] = sys.version.split()[0]
    return figures


if __name__ == "__main__":
    from bench import _report

    _report.main(__doc__.splitlines()[0], "2,000 due and 20,000 stored (seconds)", run)
