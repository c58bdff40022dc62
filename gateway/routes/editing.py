"""What the desk's settings routes share: body rules that are both enforced and published, and
one way to run a store edit.

A route declares its body as a dict of rules; the same rules check a request (unknown fields,
wrong types, out of range: 400) and describe it in the OpenAPI document, so the two cannot
disagree. Store refusals become 404/400/409, and a committed edit rings the live dashboards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

from actors.messages import Published
from gateway import keys
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.routes.common import YEARS, int_param, path_id
from gateway.schemas import obj
from store.edits import Conflict, Edited, Invalid, NotFound, Refused

MAX_ID = 2**53  # beyond any row id, inside what SQLite and JSON clients hold exactly


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid", message)


class Rule:
    """One field: ``schema`` is what the document says, ``clean`` enforces it."""

    schema: dict

    def clean(self, name: str, value: Any) -> Any:
        raise NotImplementedError


def _types(kind: str, nullable: bool) -> str | list[str]:
    return [kind, "null"] if nullable else kind


def _encodable(value: str) -> bool:
    """No lone surrogates (nothing can store them) and no NUL (Postgres refuses it)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


@dataclass(frozen=True)
class Text(Rule):
    """A string, stripped; ``blank_ok=False`` wants something in it, ``check`` normalises it
    (raising ValueError with what it wants)."""

    max_len: int
    blank_ok: bool = True
    nullable: bool = False
    check: Callable[[str], Any] | None = None
    fmt: str | None = None
    pattern: str | None = None
    hint: str = ""  # what the pattern asks for, in words
    strip: bool = True
    min_len: int = 0

    @property
    def schema(self) -> dict:
        schema: dict = {"type": _types("string", self.nullable), "maxLength": self.max_len}
        if self.min_len:
            schema["minLength"] = self.min_len
        if not self.blank_ok:
            schema["pattern"] = r"\S"
        if self.pattern:
            schema["pattern"] = self.pattern
        if self.fmt:
            schema["format"] = self.fmt
        return schema

    def clean(self, name: str, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, str):
            raise invalid(f"{name} must be a string" + (" or null" if self.nullable else ""))
        if not _encodable(value):
            raise invalid(f"{name} must be text (no NUL characters or unpaired surrogates)")
        if len(value) > self.max_len:
            raise invalid(f"{name} must be at most {self.max_len} characters")
        if len(value) < self.min_len:
            raise invalid(f"{name} must be at least {self.min_len} characters")
        if self.strip:
            value = value.strip()
        if not value.strip() and not self.blank_ok:
            raise invalid(f"{name} must not be blank")
        if not value and self.nullable:
            return None
        if self.pattern and not re.search(self.pattern, value):
            raise invalid(f"{name} must be {self.hint or 'like ' + self.pattern}")
        if self.check is None:
            return value
        try:
            return self.check(value)
        except ValueError as error:
            raise invalid(f"{name}: {error}") from None


def whole(value: Any) -> int | None:
    """A JSON integer; 3.0 is one too (JSON Schema says so), true is not."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True)
class Int(Rule):
    low: int
    high: int
    nullable: bool = False
    choices: tuple[int, ...] = ()

    @property
    def schema(self) -> dict:
        schema: dict = {"type": _types("integer", self.nullable)}
        if self.choices:
            schema["enum"] = [*self.choices, *([None] if self.nullable else [])]
        else:
            schema.update(minimum=self.low, maximum=self.high)
        return schema

    def clean(self, name: str, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        value = whole(value)
        if value is None:
            raise invalid(f"{name} must be a whole number" + (" or null" if self.nullable else ""))
        if self.choices and value not in self.choices:
            raise invalid(f"{name} must be one of {', '.join(map(str, self.choices))}")
        if not self.low <= value <= self.high:
            raise invalid(f"{name} must be between {self.low} and {self.high}")
        return value


class Bool(Rule):
    schema = {"type": "boolean"}

    def clean(self, name: str, value: Any) -> bool:
        if type(value) is not bool:
            raise invalid(f"{name} must be true or false")
        return value


@dataclass(frozen=True)
class Choice(Rule):
    values: tuple[str, ...]

    @property
    def schema(self) -> dict:
        return {"type": "string", "enum": list(self.values)}

    def clean(self, name: str, value: Any) -> str:
        if value not in self.values or not isinstance(value, str):
            raise invalid(f"{name} must be one of {', '.join(self.values)}")
        return value


@dataclass(frozen=True)
class Ids(Rule):
    """A set of row ids, sent as a list without repeats."""

    max_items: int = 200

    @property
    def schema(self) -> dict:
        return {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "maxItems": self.max_items,
            "uniqueItems": True,
        }

    def clean(self, name: str, value: Any) -> list[int]:
        value = [whole(i) for i in value] if isinstance(value, list) else None
        if value is None or any(i is None or not 1 <= i <= MAX_ID for i in value):
            raise invalid(f"{name} must be a list of ids")
        if len(value) > self.max_items:
            raise invalid(f"{name} must hold at most {self.max_items} ids")
        if len(set(value)) != len(value):
            raise invalid(f"{name} must not repeat an id")
        return value


@dataclass(frozen=True)
class Many(Rule):
    """A list whose items each follow one rule."""

    item: Rule
    max_items: int

    @property
    def schema(self) -> dict:
        return {"type": "array", "items": self.item.schema, "maxItems": self.max_items}

    def clean(self, name: str, value: Any) -> list:
        if not isinstance(value, list) or len(value) > self.max_items:
            raise invalid(f"{name} must be a list of at most {self.max_items}")
        return [self.item.clean(f"{name}[{n}]", v) for n, v in enumerate(value)]


@dataclass(frozen=True)
class Fields(Rule):
    """A JSON object of named rules: unknown fields and missing required ones are refused."""

    rules: dict[str, Rule]
    required: tuple[str, ...] = ()
    nonempty: bool = False

    @property
    def schema(self) -> dict:
        wanted = {n: r.schema for n, r in self.rules.items() if n in self.required}
        optional = {n: r.schema for n, r in self.rules.items() if n not in self.required}
        schema = obj(wanted, optional, extra=False)
        if self.nonempty:
            schema["minProperties"] = 1
        return schema

    def clean(self, name: str, value: Any) -> dict:
        where = f"{name}: " if name else ""
        if not isinstance(value, dict):
            raise invalid(f"{name} must be an object")
        unknown = sorted(set(value) - set(self.rules))
        if unknown:
            raise invalid(
                f"{where}unknown field {', '.join(unknown)}; "
                f"send any of {', '.join(sorted(self.rules))}"
            )
        missing = [n for n in self.required if n not in value]
        if missing:
            raise invalid(f"{where}{', '.join(missing)} required")
        if self.nonempty and not value:
            raise invalid(f"{where}send one or more of {', '.join(sorted(self.rules))}")
        prefix = f"{name}." if name else ""
        return {n: self.rules[n].clean(prefix + n, v) for n, v in value.items()}


async def read_fields(request: web.Request, fields: Fields) -> dict:
    """The request's JSON body, cleaned by ``fields`` (400 on the first thing wrong)."""
    return fields.clean("", await read_json(request))


def record_id(request: web.Request) -> int:
    """The path's id (``path_id``), within what these routes publish as an id (``MAX_ID``)."""
    found = path_id(request)
    if found > MAX_ID:
        raise ApiError(404, "not_found", "no such id")
    return found


def query_value(request: web.Request, name: str) -> str | None:
    """One query parameter, or None when absent. Sent empty or twice, it is a client's
    mistake worth saying (``?limit=`` is not "the default")."""
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise invalid(f"send {name} once")
    if values and not values[0]:
        raise invalid(f"{name} is empty")
    return values[0] if values else None


def page(request: web.Request, default: int = 100) -> tuple[int, int]:
    """``?limit=&offset=`` of a list that can grow."""
    limit = int_param(query_value(request, "limit"), "limit", default, 1, 500)
    offset = int_param(query_value(request, "offset"), "offset", 0, 0, 10**9)
    return limit, offset


PAGE_QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 500},
    "offset": {"type": "integer", "minimum": 0, "maximum": 10**9},
}
STATUS_OF = {NotFound: (404, "not_found"), Invalid: (400, "invalid"), Conflict: (409, "conflict")}


async def stored(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a store function off the loop; a refusal becomes its HTTP answer."""
    try:
        return await run_db(fn, *args)
    except Refused as refused:
        status, code = STATUS_OF[type(refused)]
        raise ApiError(status, code, str(refused)) from None


async def edit(request: web.Request, fn: Callable[..., Edited], *args: Any) -> dict:
    """Run a store edit; once it has committed, ring the live dashboards (they read the
    event table, so a lost ring costs only a heartbeat's delay)."""
    edited = await stored(fn, *args)
    event = edited.event
    request.app[keys.HUB].publish(
        Published(event.id, event.clinic_id, event.type, event.data, event.created_at.isoformat())
    )
    return edited.value


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_address(value: str) -> str:
    """Lower-cased, as accounts are looked up."""
    if not EMAIL.match(value):
        raise ValueError("must be an email address")
    return value.lower()


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date, YYYY-MM-DD") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValueError(f"must be between {YEARS[0]} and {YEARS[1]}")
    return day


# A local calendar day, within the years parse_instant takes too.
DAY = Text(
    10,
    check=_day,
    fmt="date",
    pattern=r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
    hint="YYYY-MM-DD, 2000 to 2100",
)
