"""Hot statements whose SQL is built once, then run with new values.

peewee turns a query into SQL by walking its expression tree every time it runs; for the few
statements every text runs (store the message, mark it handled, save the checkpoint, read the
thread) that walk was about half of the CPU of the database call. A prepared statement is
written once as an ordinary peewee query with ``Param`` where the values go. Its SQL is built on
first use (and again for another kind of database: SQLite and Postgres differ), and each run
binds the values through the converters peewee would have applied to them (the column
compared with or written to), so the rows written and read are the same as peewee's own. The
SQL depends only on the kind of database, so a process that forks children compiles every
statement first (``compile_all``) and none of them builds it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from peewee import Field, Model, Node

from store.db import db


class Param(Node):
    """A named value in a prepared statement, converted like the column it meets."""

    def __init__(self, name: str, field: Field | None = None) -> None:
        super().__init__()
        self.name = name
        self.field = field

    def __sql__(self, ctx):
        convert = self.field.db_value if self.field is not None else ctx.state.converter
        ctx._values.append(_Slot(self.name, convert))
        return ctx.literal(ctx.state.param or "?")


class _Slot(NamedTuple):
    name: str
    convert: Callable[[Any], Any] | None


class _Compiled(NamedTuple):
    dialect: type  # the SQL depends on the kind of database only, not on its connection
    query: Any
    sql: str
    params: list


_ALL: list[_Statement] = []


def compile_all() -> int:
    """Build every prepared statement's SQL now, for the open database. A process about to fork
    children (an SMS supervisor) does it once for all of them: the SQL is the same for a
    child's own connection, so a new thread's first text builds none. Answers how many."""
    database = db.obj
    for statement in _ALL:
        statement._compile(database)
    return len(_ALL)


class _Statement:
    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._compiled: _Compiled | None = None
        _ALL.append(self)

    def _compile(self, database) -> _Compiled:
        compiled = self._compiled
        if compiled is None or compiled.dialect is not type(database):
            query = self._prepare(self._build(), database)
            sql, params = query.sql()
            compiled = self._compiled = _Compiled(type(database), query, sql, params)
        return compiled

    def _prepare(self, query, database):
        return query

    def _run(self, values: dict[str, Any]):
        database = db.obj
        compiled = self._compile(database)
        bound = []
        for param in compiled.params:
            if type(param) is _Slot:
                value = values[param.name]
                bound.append(param.convert(value) if param.convert is not None else value)
            else:
                bound.append(param)
        return compiled, database.execute_sql(compiled.sql, bound)


class Select(_Statement):
    """``Select(lambda: Model.select().where(Model.x == Param("x")))``; rows as peewee's."""

    def rows(self, **values) -> list:
        compiled, cursor = self._run(values)
        return list(compiled.query._get_cursor_wrapper(cursor))

    def first(self, **values):
        rows = self.rows(**values)
        return rows[0] if rows else None

    def scalar(self, **values):
        _, cursor = self._run(values)
        row = cursor.fetchone()
        return None if row is None else row[0]


class Write(_Statement):
    """An UPDATE or DELETE; ``run`` answers how many rows it changed."""

    def run(self, **values) -> int:
        _, cursor = self._run(values)
        return db.obj.rows_affected(cursor)


class Insert(_Statement):
    """One row of ``model``: every column is a parameter, and a column left out gets its
    default (a callable one is called on every insert, as ``Model.create`` does).

    ``ignore_duplicate``: a row that would break a unique constraint is not inserted and
    ``run`` answers None (``INSERT OR IGNORE`` / ``ON CONFLICT DO NOTHING``): no savepoint is
    needed around an insert that may meet a duplicate.
    """

    def __init__(self, model: type[Model], *, ignore_duplicate: bool = False) -> None:
        self.model = model
        self.fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
        self._defaults = model._meta.defaults
        self._ignore = ignore_duplicate
        super().__init__(
            lambda: model.insert({f: Param(f.name, f) for f in self.fields})  # type: ignore[misc]
        )

    def _prepare(self, query, database):
        if self._ignore:
            query = query.on_conflict_ignore()
        if database.returning_clause:
            query = query.returning(self.model._meta.primary_key)
        return query

    def run(self, **values) -> int | None:
        """Insert one row; its new primary key, or None when ``ignore_duplicate`` skipped it."""
        return self._insert(self._row(values))

    def create(self, **values) -> Model:
        """Insert one row and answer it as a model instance, like ``Model.create``."""
        row = self._row(values)
        instance = self.model(**row)
        instance._pk = self._insert(row)
        return instance

    def _row(self, values: dict[str, Any]) -> dict[str, Any]:
        row = {}
        for field in self.fields:
            if field.name in values:
                row[field.name] = values[field.name]
            elif field in self._defaults:
                default = self._defaults[field]
                row[field.name] = default() if callable(default) else default
            elif field.null:
                row[field.name] = None
            else:
                raise ValueError(f"{self.model.__name__}: missing value for {field.name}")
        return row

    def _insert(self, row: dict[str, Any]) -> int | None:
        _, cursor = self._run(row)
        if db.obj.returning_clause:
            returned = cursor.fetchall()
            return returned[0][0] if returned else None
        if self._ignore and cursor.rowcount == 0:
            return None
        return cursor.lastrowid
