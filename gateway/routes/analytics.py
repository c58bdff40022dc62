"""``GET /api/analytics``: the clinic owner's figures for a range of local days.

Admin only: it shows the clinic's money (deposits, refunds). The figures and what each one
counts are ``store/analytics.py``'s; this module reads the query and declares the answer.
"""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from gateway import keys
from gateway.auth import roles
from gateway.dbio import run_db
from gateway.errors import ApiError
from gateway.schemas import INTEGER, NUMBER, STRING, enum, nullable, obj, schema
from store import analytics

routes = web.RouteTableDef()
DATE = {"type": "string", "format": "date"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _counts(*names: str) -> dict:
    return obj(dict.fromkeys(names, INTEGER), extra=False)


def _rows(key: str, size: int) -> dict:
    row = obj({key: INTEGER, "calls": INTEGER, "texts": INTEGER}, extra=False)
    return {"type": "array", "items": row, "minItems": size, "maxItems": size}


FIGURES = {
    "calls": _counts("total", *analytics.CALL_KINDS),
    "texts": _counts("total", "booked", "answered", "inbound_messages"),
    "bookings": _counts("total", *analytics.SOURCES, "other"),
    "deposits": _counts("collected", "collected_cents", "refunds", "refunded_cents"),
    "cancellations": INTEGER,
    "no_shows": INTEGER,
}
RESPONSE = obj(
    {
        "clinic_id": INTEGER,
        "timezone": STRING,
        "currency": STRING,
        "from": DATE,
        "to": DATE,
        "bucket": enum(analytics.BUCKETS),
        "buckets": {
            "type": "array",
            "items": obj({"start": DATE, "end": DATE, **FIGURES}, extra=False),
        },
        "totals": obj(
            {
                **FIGURES,
                "appointments_in_range": INTEGER,
                "cancellation_rate": nullable(NUMBER),
                "no_show_rate": nullable(NUMBER),
                "busiest_hours": _rows("hour", 24),
                "busiest_weekdays": _rows("weekday", 7),
                "turn_latency": obj(
                    {"count": INTEGER, "avg_ms": nullable(NUMBER), "p90_ms": nullable(NUMBER)},
                    extra=False,
                ),
            },
            extra=False,
        ),
    },
    extra=False,
)
QUERY = {"from": DATE, "to": DATE, "bucket": enum(analytics.BUCKETS)}


def _date(request: web.Request, name: str) -> date | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be a date, YYYY-MM-DD") from None


@routes.get("/api/analytics")
@roles("admin")
@schema(response=RESPONSE, query=QUERY)
async def clinic_analytics(request: web.Request) -> web.Response:
    """Calls, texts, bookings and deposits per day or week, with totals (admin).

    ``from`` and ``to`` are local days of the clinic, both included (default: the 30 days
    ending today), at most 400 days; ``bucket`` is ``day`` (default) or ``week`` (Monday to
    Sunday, clipped to the range).
    """
    first, last = _date(request, "from"), _date(request, "to")
    bucket = request.query.get("bucket") or "day"
    try:
        answer = await run_db(analytics.report, request[keys.CLINIC_ID], first, last, bucket)
    except analytics.InvalidRange as error:
        raise ApiError(400, "invalid", str(error)) from None
    return web.json_response(answer)
