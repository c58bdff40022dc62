"""Database setup and the single write path.

SQLite (default): one file in the data dir, WAL so readers never wait for the writer, foreign
keys on, and every transaction opened with ``BEGIN IMMEDIATE``: a writer takes the write lock up
front, so two writers queue on the busy timeout instead of deadlocking on a lock upgrade (the
source of "database is locked"). Inside one process all writes also pass one lock, so at most one
connection per process ever waits for the file lock. Postgres: ``DATABASE_URL``.

Actors are forked processes; a connection must never cross a fork. ``open_database`` remembers
the pid that opened it and opens a fresh connection in any other process.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from peewee import Database, DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect as connect_url

db = DatabaseProxy()

BUSY_TIMEOUT_S = 15
_opened: dict[str, object] = {"pid": None, "key": None}
_write_lock = threading.RLock()


def sqlite_database(path: Path) -> SqliteDatabase:
    return SqliteDatabase(
        str(path),
        timeout=BUSY_TIMEOUT_S,
        lock_type="IMMEDIATE",
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": BUSY_TIMEOUT_S * 1000,
            "synchronous": "normal",  # with WAL: durable across process crashes (kill -9)
        },
    )


def open_database(database_path: Path | None = None, database_url: str | None = None) -> Database:
    """Bind the models to the database in this process (idempotent, fork-aware)."""
    key = database_url or str(database_path)
    if _opened["pid"] == os.getpid() and _opened["key"] == key and db.obj is not None:
        return db.obj
    if database_url:
        database = connect_url(database_url)
    else:
        assert database_path is not None, "a database path or URL is required"
        database_path.parent.mkdir(parents=True, exist_ok=True)
        database = sqlite_database(database_path)
    db.initialize(database)
    _opened.update(pid=os.getpid(), key=key)
    return database


def open_for(settings) -> Database:
    """Open the database the settings name (SQLite in the data dir unless DATABASE_URL)."""
    return open_database(settings.database_path, settings.database_url)


def close_database() -> None:
    if db.obj is not None and _opened["pid"] == os.getpid() and not db.is_closed():
        db.close()
    _opened.update(pid=None, key=None)


@contextlib.contextmanager
def write() -> Iterator[None]:
    """The one write path: a process-wide lock, then one immediate transaction.

    Everything written inside commits together or not at all, so a failed request leaves no
    half-written record.
    """
    with _write_lock, db.atomic():
        yield


def is_sqlite() -> bool:
    return isinstance(db.obj, SqliteDatabase)
