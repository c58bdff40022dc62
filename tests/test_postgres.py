"""The store on Postgres (DATABASE_URL): migrations, the booking write path, events.

Starts a throwaway PostgreSQL cluster on 127.0.0.1 for this module (the machine image ships
PostgreSQL 15); skipped where no server binaries are installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(
    not (BIN / "initdb").exists() or os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="needs PostgreSQL 15 server binaries (and root to run them as 'postgres')",
)

LA = ZoneInfo("America/Los_Angeles")


def as_postgres(*args: str) -> None:
    # No pipes: the server pg_ctl starts would inherit them and the call would never return.
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.fixture(scope="module")
def postgres_url():
    data = Path(tempfile.mkdtemp(prefix="vrai-pg-"))
    shutil.chown(data, "postgres")
    port = free_port()
    as_postgres(str(BIN / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "postgres")
    as_postgres(
        str(BIN / "pg_ctl"),
        "-D",
        str(data / "db"),
        "-o",
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
        "-l",
        str(data / "server.log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        as_postgres(str(BIN / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def pg(postgres_url, tmp_path):
    from store.db import close_database, db, open_for
    from store.demo import seed_demo_clinics
    from store.migrations import migrate
    from store.models import ALL_MODELS
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, DATABASE_URL=postgres_url)
    open_for(settings)
    db.obj.drop_tables(ALL_MODELS, cascade=True)
    db.execute_sql("DROP TABLE IF EXISTS schema_version")
    migrate()
    seed_demo_clinics()
    yield settings
    close_database()


def test_migrations_run_on_postgres_and_are_idempotent(pg):
    from store.db import db
    from store.migrations import current_version, latest_version, migrate

    assert current_version(db.obj) == latest_version()
    assert migrate() == []


def test_booking_and_cancelling_on_postgres(pg):
    from actors.booking import engine
    from actors.booking.engine import BookingError, BookingRequest
    from store.models import Appointment, DashboardEvent

    now = datetime(2026, 12, 1, 8, tzinfo=LA)
    start = datetime(2026, 12, 2, 14, tzinfo=LA)
    booked = engine.book(
        BookingRequest(1, "HydraFacial", start, "+15555550123", "Ana", provider="Jess Kim"),
        now=now,
    )
    assert booked["appointment"]["start"] == "2026-12-02T14:00:00-08:00"
    with pytest.raises(BookingError) as taken:
        engine.book(
            BookingRequest(1, "HydraFacial", start, "+15555550124", "Bo", provider="Jess Kim"),
            now=now,
        )
    assert taken.value.code == "slot_taken"
    engine.cancel(1, booked["appointment"]["id"], "staff", "test", now=now)
    assert Appointment.get().status == "cancelled"
    types = [e.type for e in DashboardEvent.select().order_by(DashboardEvent.id)]
    assert types == ["appointment.booked", "appointment.cancelled"]


def test_an_inbound_text_and_its_turn_are_stored_once_on_postgres(pg):
    """The SMS write path's prepared statements (ids by RETURNING, duplicates skipped by
    ON CONFLICT DO NOTHING) on Postgres."""
    from actors.conversation import load_checkpoint, save_checkpoint
    from gateway.routes.webhooks_sms import store_inbound
    from store.db import write
    from store.events import events_after
    from store.models import Message, SmsThread, WebhookEvent
    from store.sms import opted_out, record_message, set_message_status, set_opt_out

    clinic_id, first = store_inbound("ev-1", "+15550100001", "+15555550123", "Hi", "tx-1")
    assert store_inbound("ev-1", "+15550100001", "+15555550123", "Hi", "tx-1") == "duplicate"
    _, second = store_inbound("ev-2", "+15550100001", "+15555550123", "Still there?", "tx-2")
    assert store_inbound("ev-3", "+15550199999", "+15555550123", "Hi", "tx-3") is None
    assert (WebhookEvent.select().count(), SmsThread.select().count()) == (2, 1)
    assert second > first
    with write():
        assert set_message_status(first, "handled")
        reply = record_message(SmsThread.get(), "out", "Hello!", "outbox")
        save_checkpoint(clinic_id, "sms", "k", {"turns": 1}, 1)
        save_checkpoint(clinic_id, "sms", "k", {"turns": 2}, 2)
        set_opt_out(clinic_id, "+15555550123", active=True, keyword="STOP")
    assert Message.get_by_id(first).status == "handled" and reply.id > second
    assert load_checkpoint("sms", "k") == ({"turns": 2}, 2)
    assert opted_out(clinic_id, "+15555550123")
    assert [e.type for e in events_after(clinic_id, 0)] == ["message.received"] * 2
