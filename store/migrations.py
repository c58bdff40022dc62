"""Versioned schema migrations, so an existing database upgrades in place.

Each migration is a function of the database, applied once inside one transaction, in order;
``schema_version`` records what has run. Add a migration by appending to ``MIGRATIONS``; never
edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import Database

from store.db import db, write
from store.fields import utcnow
from store.models import ALL_MODELS


def _v1_initial_schema(database: Database) -> None:
    database.create_tables(ALL_MODELS)


def _v2_card_deposits(database: Database) -> None:
    """Deposit holds and their policy copy, the clinic's hold and refund share, and stored
    Stripe events. A database created at v1 by this code already has them."""
    added = {
        "clinic": [
            ("refund_percent", "INTEGER NOT NULL DEFAULT 100"),
            ("deposit_hold_min", "INTEGER NOT NULL DEFAULT 30"),
        ],
        "deposit": [
            ("hold_until", "TIMESTAMP"),
            ("refund_window_h", "INTEGER"),
            ("refund_percent", "INTEGER NOT NULL DEFAULT 100"),
        ],
        "webhook_event": [("payload", "TEXT")],
    }
    for table, columns in added.items():
        _add_missing(database, table, columns)


def _v3_provider_calendars(database: Database) -> None:
    """Each provider's Google Calendar id (present already where v1 created the table)."""
    if "google_calendar_id" not in {c.name for c in database.get_columns("provider")}:
        database.execute_sql('ALTER TABLE "provider" ADD COLUMN "google_calendar_id" VARCHAR(255)')


def _v4_staff_logins(database: Database) -> None:
    """Staff passwords and refresh tokens."""
    from store.models import RefreshToken

    if "password_hash" not in {c.name for c in database.get_columns("staff_user")}:
        database.execute_sql('ALTER TABLE "staff_user" ADD COLUMN "password_hash" VARCHAR(255)')
    database.create_tables([RefreshToken], safe=True)


def _v5_desk_settings(database: Database) -> None:
    """Clinic reminder lead time and retention; staff taking over an SMS thread."""
    added = {
        "clinic": [
            ("reminder_hours_before", "INTEGER NOT NULL DEFAULT 24"),
            ("retention_days", "INTEGER"),
        ],
        "sms_thread": [("ai_paused_by", "VARCHAR(255)"), ("ai_paused_at", "TIMESTAMP")],
    }
    for table, columns in added.items():
        _add_missing(database, table, columns)


def _v6_quiet_hours(database: Database) -> None:
    """The clinic's quiet hours, when no reminder or follow-up text is sent."""
    _add_missing(
        database,
        "clinic",
        [
            ("quiet_hours_start", "VARCHAR(5) NOT NULL DEFAULT '21:00'"),
            ("quiet_hours_end", "VARCHAR(5) NOT NULL DEFAULT '08:00'"),
        ],
    )


def _v7_thread_flags(database: Database) -> None:
    """Why staff should look at an SMS thread."""
    _add_missing(database, "sms_thread", [("flag", "VARCHAR(255)")])


def _v8_reminder_kinds(database: Database) -> None:
    """A second reminder, a follow-up with a review link, reminders without treatment names;
    the 24 h reminder gets its name."""
    _add_missing(
        database,
        "clinic",
        [
            ("second_reminder_hours", "INTEGER DEFAULT 2"),
            ("follow_up_hours", "INTEGER DEFAULT 2"),
            ("review_url", "VARCHAR(255)"),
            ("generic_reminders", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ],
    )
    database.execute_sql(
        "UPDATE reminder SET kind = 'reminder_24h' WHERE kind = 'appointment_reminder'"
    )


def _v9_send_attempts(database: Database) -> None:
    """Texts handed to the carrier, recorded before the request (exactly once)."""
    from store.models import SendAttempt

    database.create_tables([SendAttempt], safe=True)


def _v10_waitlist(database: Database) -> None:
    """The waitlist, its offers of freed slots, and how long an offer holds its slot."""
    from store.models import WaitlistEntry, WaitlistOffer

    _add_missing(database, "clinic", [("waitlist_hold_min", "INTEGER NOT NULL DEFAULT 15")])
    database.create_tables([WaitlistEntry, WaitlistOffer], safe=True)


def _v11_reminder_texts(database: Database) -> None:
    _add_missing(database, "clinic", [("reminder_texts", "TEXT")])


def _v12_provider_nicknames(database: Database) -> None:
    _add_missing(database, "provider", [("nicknames", "TEXT NOT NULL DEFAULT ''")])


def _add_missing(database: Database, table: str, columns: list[tuple[str, str]]) -> None:
    have = {column.name for column in database.get_columns(table)}
    for name, kind in columns:
        if name not in have:
            database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {kind}')


MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "initial schema", _v1_initial_schema),
    (2, "card deposits: holds, policy copies, stored Stripe events", _v2_card_deposits),
    (3, "providers' Google Calendar ids", _v3_provider_calendars),
    (4, "staff logins: passwords and refresh tokens", _v4_staff_logins),
    (5, "desk settings: reminder lead time, retention, staff-held threads", _v5_desk_settings),
    (6, "clinic quiet hours for reminders", _v6_quiet_hours),
    (7, "flags on SMS threads for staff", _v7_thread_flags),
    (8, "reminder kinds: second reminder, follow-up, review link", _v8_reminder_kinds),
    (9, "send attempts: a text is handed to the carrier once", _v9_send_attempts),
    (10, "waitlist: entries and offers of freed slots", _v10_waitlist),
    (11, "a clinic's own wording of its appointment texts", _v11_reminder_texts),
    (12, "the names customers call providers by", _v12_provider_nicknames),
]


def current_version(database: Database) -> int:
    database.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_version"
        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    row = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate() -> list[int]:
    """Apply every pending migration; returns the versions applied (idempotent)."""
    database = db.obj
    applied = []
    for version, name, apply in MIGRATIONS:
        with write():
            if current_version(database) >= version:
                continue
            apply(database)
            database.execute_sql(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"
                if not _is_postgres(database)
                else "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                (version, name, utcnow().isoformat()),
            )
        applied.append(version)
    return applied


def latest_version() -> int:
    return MIGRATIONS[-1][0]


def _is_postgres(database: Database) -> bool:
    return type(database).__name__.lower().startswith(("postgres", "pooledpostgres"))
