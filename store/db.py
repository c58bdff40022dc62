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
import fcntl
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
_queue: dict = {"file": None, "pid": None, "path": None, "depth": 0}


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
    lock_path = None if database_url else database_path.with_name(database_path.name + ".lock")
    _opened.update(pid=os.getpid(), key=key, lock_path=lock_path)
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
    with _write_lock, _writers_queue(), db.atomic():
        yield


@contextlib.contextmanager
def _writers_queue() -> Iterator[None]:
    """SQLite only: writers of every process queue on an ``flock`` before ``BEGIN IMMEDIATE``.

    A writer that finds the database locked is otherwise left to SQLite's busy handler, which
    sleeps 1, 2, 5, 10 ... up to 100 ms between tries: with a hundred conversation processes
    writing, a 1 ms transaction made others wait 45 ms at p99 and 700 ms at worst. The kernel
    wakes an ``flock`` waiter the moment the holder lets go (or dies: the lock goes with the
    process). The busy timeout stays as the backstop for writers outside this path. Called
    with ``_write_lock`` held, so the nesting depth needs no lock of its own.
    """
    lock = _lock_file()
    if lock is None or _queue["depth"]:
        _queue["depth"] += 1
        try:
            yield
        finally:
            _queue["depth"] -= 1
        return
    fcntl.flock(lock, fcntl.LOCK_EX)
    _queue["depth"] = 1
    try:
        yield
    finally:
        _queue["depth"] = 0
        fcntl.flock(lock, fcntl.LOCK_UN)


def _lock_file():
    """This process's own descriptor of the lock file: one inherited across a fork shares its
    lock with the parent's, so it would not exclude the parent."""
    path = _opened.get("lock_path")
    if path is None:
        return None
    if _queue["pid"] != os.getpid() or _queue["path"] != path:
        if _queue["pid"] == os.getpid():
            _queue["file"].close()
        _queue.update(file=open(path, "a+b"), pid=os.getpid(), path=path, depth=0)  # noqa: SIM115
    return _queue["file"]


def is_sqlite() -> bool:
    return isinstance(db.obj, SqliteDatabase)
