"""Column types with one meaning everywhere: instants are UTC, structured data is JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from peewee import DateTimeField, TextField


class UtcDateTimeField(DateTimeField):
    """Stores naive UTC, returns aware UTC; refuses naive input so no local time sneaks in."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime; pass an aware one")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class JSONField(TextField):
    """JSON text; portable across SQLite and Postgres without extensions."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


def utcnow() -> datetime:
    return datetime.now(UTC)
