"""Schema and constraints: bad data is refused by the database, never half-written."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from peewee import IntegrityError

from store.db import db, write
from store.migrations import current_version, latest_version, migrate
from store.models import (
    ALL_MODELS,
    Appointment,
    Clinic,
    Customer,
    Provider,
    Service,
    WebhookEvent,
)

UTC_NOON = datetime(2026, 12, 1, 20, 0).astimezone()


def glow():
    return Clinic.get(Clinic.phone == "+15550100001")


def test_sqlite_runs_wal_with_foreign_keys_and_a_busy_timeout(database):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_are_recorded_and_idempotent(database):
    assert current_version(db.obj) == latest_version()
    assert migrate() == []


def test_a_database_made_before_card_deposits_gains_their_columns(database):
    """A clinic's existing v1 database upgrades in place; its rows keep their values."""
    added = {
        "clinic": [
            "refund_percent",
            "deposit_hold_min",
            "reminder_hours_before",
            "retention_days",
            "quiet_hours_start",
            "quiet_hours_end",
            "second_reminder_hours",
            "follow_up_hours",
            "review_url",
            "generic_reminders",
            "waitlist_hold_min",
            "reminder_texts",
        ],
        "sms_thread": ["ai_paused_by", "ai_paused_at", "flag"],
        "deposit": ["hold_until", "refund_window_h", "refund_percent"],
        "webhook_event": ["payload"],
    }
    for table, columns in added.items():
        for column in columns:
            db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    db.execute_sql('ALTER TABLE "provider" DROP COLUMN "google_calendar_id"')
    db.execute_sql('ALTER TABLE "provider" DROP COLUMN "nicknames"')
    db.execute_sql('DROP TABLE "waitlist_offer"')
    db.execute_sql('DROP TABLE "waitlist_entry"')
    db.execute_sql("DELETE FROM schema_version WHERE version >= 2")
    assert migrate() == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert {"waitlist_entry", "waitlist_offer"} <= set(db.get_tables())
    assert {"google_calendar_id", "nicknames"} <= {c.name for c in db.get_columns("provider")}
    assert Provider.get(Provider.name == "Jess Kim").nicknames == ""  # kept rows, default value
    for table, columns in added.items():
        have = {c.name for c in db.get_columns(table)}
        assert set(columns) <= have, table
    assert (glow().refund_percent, glow().deposit_hold_min) == (100, 30)
    assert (glow().reminder_hours_before, glow().retention_days) == (24, None)
    assert (glow().quiet_hours_start, glow().quiet_hours_end) == ("21:00", "08:00")


def test_every_tenant_owned_table_carries_its_clinic(database):
    global_tables = {"clinic", "webhook_event", "dashboard_event"}
    for model in ALL_MODELS:
        if model._meta.table_name in global_tables:
            continue
        assert "clinic" in model._meta.fields, model.__name__


def test_two_clinics_cannot_share_a_phone_number(database):
    with pytest.raises(IntegrityError), write():
        Clinic.create(name="Copy", phone="+15550100001", timezone="UTC")


def test_service_duration_must_be_positive(database):
    with pytest.raises(IntegrityError), write():
        Service.create(clinic=glow(), name="Zero", duration_min=0)


def test_unknown_appointment_status_is_refused(database):
    clinic = glow()
    with write():
        customer = Customer.create(clinic=clinic, phone="+15555550123")
    with pytest.raises(IntegrityError), write():
        Appointment.create(
            clinic=clinic,
            customer=customer,
            service=Service.get(Service.clinic == clinic),
            provider=Provider.get(Provider.clinic == clinic),
            start_at=UTC_NOON,
            end_at=UTC_NOON + timedelta(minutes=30),
            status="maybe",
        )


def test_naive_datetimes_are_refused(database):
    clinic = glow()
    with write():
        customer = Customer.create(clinic=clinic, phone="+15555550123")
    with pytest.raises(ValueError, match="naive"), write():
        Appointment.create(
            clinic=clinic,
            customer=customer,
            service=Service.get(Service.clinic == clinic),
            provider=Provider.get(Provider.clinic == clinic),
            start_at=datetime(2026, 12, 1, 12, 0),
            end_at=datetime(2026, 12, 1, 12, 30),
            status="booked",
        )


def test_datetimes_come_back_as_aware_utc(database):
    clinic = glow()
    with write():
        customer = Customer.create(clinic=clinic, phone="+15555550123")
    loaded = Customer.get_by_id(customer.id)
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_a_failed_write_leaves_nothing_behind(database):
    clinic = glow()
    with pytest.raises(IntegrityError), write():
        Customer.create(clinic=clinic, phone="+15555550777")
        Customer.create(clinic=clinic, phone="+15555550777")  # duplicate: whole write rolls back
    assert not Customer.select().where(Customer.phone == "+15555550777").exists()


def test_foreign_keys_are_enforced(database):
    with pytest.raises(IntegrityError), write():
        Customer.create(clinic=9999, phone="+15555550123")


def test_a_webhook_event_id_is_stored_once(database):
    with write():
        WebhookEvent.create(provider="telnyx", event_id="evt-1", event_type="message.received")
    with pytest.raises(IntegrityError), write():
        WebhookEvent.create(provider="telnyx", event_id="evt-1", event_type="message.received")


def test_concurrent_writers_in_separate_processes_never_see_database_is_locked(database, settings):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(
            _write_many, [(str(settings.database_path), n, 50) for n in range(4)]
        )
    assert results == [50, 50, 50, 50]
    assert Customer.select().count() == 200


def _write_many(path: str, worker: int, count: int) -> int:
    from pathlib import Path

    from store.db import open_database
    from store.db import write as write_
    from store.models import Customer as C

    open_database(Path(path))
    for i in range(count):
        with write_():
            C.create(clinic=1, phone=f"+1555{worker:03d}{i:04d}")
    return count


def test_a_waiting_writer_gets_the_database_as_soon_as_the_holder_commits(database, settings):
    """Writers of other processes queue in the kernel, not in SQLite's sleep-and-retry busy
    handler (which sleeps up to 100 ms between tries): the hand-over takes about as long as
    waking a process at all, measured in the same run as the baseline (so a busy machine
    slows both alike)."""
    import multiprocessing
    import statistics

    ctx = multiprocessing.get_context("spawn")
    handovers, wakeups = [], []
    for attempt in range(5):
        holding, trying, poke = ctx.Event(), ctx.Event(), ctx.Event()
        times = ctx.Queue()
        waiter = ctx.Process(
            target=_write_when_free,
            args=(str(settings.database_path), holding, trying, poke, times),
        )
        waiter.start()
        with write():
            Customer.create(clinic=1, phone=f"+1555888{attempt:04d}")
            holding.set()
            # A spawned interpreter can take longer than the hold to start on a loaded
            # machine: only once it is about to write is it queued behind this transaction.
            assert trying.wait(30)
            _busy(0.3)
            waiter_blocked = times.empty()
            released = time.perf_counter()
        handovers.append(times.get(timeout=30) - released)
        _busy(0.05)
        poked = time.perf_counter()
        poke.set()
        wakeups.append(times.get(timeout=30) - poked)
        waiter.join(30)
        assert waiter_blocked
    assert statistics.median(handovers) < statistics.median(wakeups) + 0.01, (handovers, wakeups)


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _write_when_free(path: str, holding, trying, poke, times) -> None:
    from pathlib import Path

    from store.db import open_database
    from store.db import write as write_

    open_database(Path(path))
    holding.wait(30)
    trying.set()
    with write_():
        times.put(time.perf_counter())
    poke.wait(30)
    times.put(time.perf_counter())
