"""What a clinic's owner asks of a date range, answered by aggregate SQL in the clinic's zone.

A range is whole local days, ``first`` to ``last`` inclusive, cut into day buckets or weeks
(Monday to Sunday, the first and last clipped to the range). Every figure is a ``GROUP BY`` in
the database; Python only folds the grouped rows (a few hundred at most) into the answer.

Buckets by local day, across DST. Instants are stored UTC, so a row's local day is
``(epoch seconds + the zone's offset at that instant) / 86400``. The offset changes at DST, so
the range is cut in Python into stretches of one offset (``_offset_periods``) and the SQL picks
a row's offset with a ``CASE`` over the instants where those stretches start (a year needs
two ``WHEN`` branches). The same local seconds give the local hour and weekday. Epoch
seconds come from ``strftime('%s')`` on SQLite (instants are text there) and ``EXTRACT(EPOCH)``
on PostgreSQL; a latency's ms from ``json_extract`` and ``->>`` respectively (``data`` is JSON
text on both).

What is counted (``report``'s figures):
- calls: by ``started_at``, by outcome (``CALL_OUTCOMES``; undecided or unknown: ``other``);
- texts: SMS threads with an inbound message in the bucket; ``booked`` when an appointment with
  source ``sms`` was created in the same bucket for the thread's customer (matched by phone:
  threads do not link their customer), else ``answered``; ``inbound_messages`` counts texts;
- bookings: appointments created in the bucket, by source, whatever became of them;
- deposits: ``collected`` are deposits paid in the bucket (status now paid, refunded or kept),
  ``refunds`` are refund rows created in the bucket (not failed or cancelled ones);
- cancellations by ``cancelled_at``, no-shows by the appointment's start; an unpaid deposit
  hold that lapsed (cancelled by ``system``) was never a confirmed booking and is in neither;
- rates: of the appointments starting in the range that were confirmed (not pending a deposit,
  not a lapsed hold), the share cancelled and the share marked no-show;
- turn latency: ``CallEvent(kind="latency")`` rows in the range, mean and nearest-rank p90.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.db import db, is_sqlite
from store.models import Clinic

BUCKETS = ("day", "week")
MAX_DAYS = 400
DEFAULT_DAYS = 30
FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(9999, 12, 30)  # epoch seconds stay positive
EPOCH_DAY = date(1970, 1, 1)  # a Thursday: local day number + 3 counts from a Monday

CALL_KINDS = ("booked", "answered", "message_taken", "transferred", "abandoned", "other")
#: ``Call.outcome`` as ``actors/call_lifecycle.py`` decides it -> what the owner reads.
CALL_OUTCOMES = {
    "booked": "booked",
    "answered_question": "answered",
    "rescheduled": "answered",  # the caller's request was handled
    "cancelled": "answered",
    "message_taken": "message_taken",
    "transferred": "transferred",
    "completed": "abandoned",  # talked to the assistant, nothing came of it (texted back)
    "missed": "abandoned",  # nobody talked to the caller
}
SOURCES = ("sms", "call", "staff", "api")
COLLECTED = ("paid", "refunded", "kept")  # deposit statuses once money came in
NOT_REFUNDED = ("failed", "canceled", "cancelled")  # refund statuses that moved no money
STEP = timedelta(hours=6)  # DST probes: offsets change far less often than this


class InvalidRange(ValueError):
    """The dates asked for make no range this report answers."""


@dataclass(frozen=True)
class Span:
    """The local days asked for, their UTC bounds and the zone's offsets in between."""

    first: date
    last: date
    bucket: str
    lo: datetime  # UTC, the first day's local midnight
    hi: datetime  # UTC, the local midnight after the last day
    periods: tuple[tuple[int, int], ...]  # (first epoch second, UTC offset in seconds)

    def edges(self) -> list[tuple[int, date, date]]:
        """Each bucket's SQL key with the first and last local day it counts."""
        if self.bucket == "day":
            days = (self.last - self.first).days + 1
            return [(_day(d), d, d) for d in (self.first + timedelta(n) for n in range(days))]
        out = []
        monday = self.first - timedelta(self.first.weekday())
        while monday <= self.last:
            sunday = monday + timedelta(6)
            out.append(((_day(monday) + 3) // 7, max(monday, self.first), min(sunday, self.last)))
            monday += timedelta(7)
        return out


def span(zone: ZoneInfo, first: date | None, last: date | None, bucket: str, today: date) -> Span:
    """The range asked for, defaults filled: the last 30 days ending today, by day."""
    if bucket not in BUCKETS:
        raise InvalidRange("bucket must be day or week")
    last = last or today
    first = first or last - timedelta(DEFAULT_DAYS - 1)
    if not (FIRST_DAY <= first <= LAST_DAY and FIRST_DAY <= last <= LAST_DAY):
        raise InvalidRange(f"dates must fall between {FIRST_DAY} and {LAST_DAY}")
    if first > last:
        raise InvalidRange("from must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRange(f"a range covers at most {MAX_DAYS} days")
    lo = _midnight(first, zone)
    hi = _midnight(last + timedelta(1), zone)
    return Span(first, last, bucket, lo, hi, _offset_periods(zone, lo, hi))


def _day(d: date) -> int:
    return (d - EPOCH_DAY).days


def _midnight(d: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)


def _offset_at(second: int, zone: ZoneInfo) -> int:
    return int(datetime.fromtimestamp(second, zone).utcoffset().total_seconds())


def _offset_periods(zone: ZoneInfo, lo: datetime, hi: datetime) -> tuple[tuple[int, int], ...]:
    """Stretches of [lo, hi) with one UTC offset: probed every 6 h, each change bisected to
    its second."""
    start, end = int(lo.timestamp()), int(hi.timestamp())
    periods = [(start, _offset_at(start, zone))]
    step = int(STEP.total_seconds())
    for probe in range(start, end, step):
        later = min(probe + step, end - 1)
        if _offset_at(later, zone) == periods[-1][1]:
            continue
        before, after = probe, later  # the offset changes in (before, after]
        while after - before > 1:
            middle = (before + after) // 2
            if _offset_at(middle, zone) == periods[-1][1]:
                before = middle
            else:
                after = middle
        periods.append((after, _offset_at(after, zone)))
    return tuple(periods)


# ---------------------------------------------------------------------------- SQL pieces


def _epoch(column: str) -> str:
    if is_sqlite():
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _latency_ms(column: str) -> str:
    if is_sqlite():
        return f"json_extract({column}, '$.ms')"
    return f"CAST(CAST({column} AS json) ->> 'ms' AS DOUBLE PRECISION)"


def _local(column: str, periods: tuple[tuple[int, int], ...]) -> tuple[str, list]:
    """Local seconds since the epoch of ``column``: its offset picked by the stretch it is in
    (compared as stored, so the epoch is worked out once a row)."""
    epoch = _epoch(column)
    if len(periods) == 1:
        return f"({epoch} + ?)", [periods[0][1]]
    whens, params = [], []
    for (starts, _), (_, offset) in zip(periods[1:], periods, strict=False):
        whens.append(f"WHEN {column} < ? THEN ?")
        params += [_naive(datetime.fromtimestamp(starts, UTC)), offset]
    return f"({epoch} + CASE {' '.join(whens)} ELSE ? END)", [*params, periods[-1][1]]


def _key(column: str, s: Span, bucket: str | None) -> tuple[str, list]:
    """The bucket key of ``column``: local day number, Monday-week number, or 0 (the range)."""
    if bucket is None:
        return "0", []
    local, params = _local(column, s.periods)
    if bucket == "day":
        return f"({local} / 86400)", params
    return f"(({local} / 86400 + 3) / 7)", params


def _rows(sql: str, params: list) -> list[tuple]:
    """Run SQL written with ``?`` placeholders on either database."""
    if db.param != "?":
        sql = sql.replace("?", db.param)
    return db.execute_sql(sql, params).fetchall()


def _naive(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)  # as UtcDateTimeField stores it


def _grouped(
    clinic_id: int, s: Span, table: str, column: str, aggregates: str, where: str = "", by=""
) -> list[tuple]:
    """``(key, [by,] aggregates...)`` per bucket of the rows whose ``column`` is in the span."""
    key, params = _key(column, s, s.bucket)
    extra = f", {by}" if by else ""
    sql = (
        f'SELECT {key} AS k{extra}, {aggregates} FROM "{table}" '
        f"WHERE clinic_id = ? AND {column} >= ? AND {column} < ? {where} GROUP BY k{extra}"
    )
    return _rows(sql, [*params, clinic_id, _naive(s.lo), _naive(s.hi)])


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # constants of this module, never input


# ---------------------------------------------------------------------------- the figures


def _figures() -> dict:
    return {
        "calls": dict.fromkeys(("total", *CALL_KINDS), 0),
        "texts": {"total": 0, "booked": 0, "answered": 0, "inbound_messages": 0},
        "bookings": dict.fromkeys(("total", *SOURCES, "other"), 0),
        "deposits": {"collected": 0, "collected_cents": 0, "refunds": 0, "refunded_cents": 0},
        "cancellations": 0,
        "no_shows": 0,
    }


def _add(into: dict, more: dict) -> None:
    for name, value in more.items():
        if isinstance(value, dict):
            _add(into[name], value)
        else:
            into[name] += value


def _fill(clinic_id: int, s: Span, by_key: dict[int, dict]) -> None:
    """Every bucketed figure but texts, each one grouped query."""
    for k, outcome, n in _grouped(clinic_id, s, "call", "started_at", "COUNT(*)", by="outcome"):
        calls = by_key[k]["calls"]
        calls[CALL_OUTCOMES.get(outcome, "other")] += n
        calls["total"] += n
    for k, source, n in _grouped(
        clinic_id, s, "appointment", "created_at", "COUNT(*)", by="source"
    ):
        bookings = by_key[k]["bookings"]
        bookings[source if source in SOURCES else "other"] += n
        bookings["total"] += n
    money = "COUNT(*), SUM(amount_cents)"
    paid = f"AND status IN ({_quoted(COLLECTED)})"
    for k, n, cents in _grouped(clinic_id, s, "deposit", "paid_at", money, paid):
        by_key[k]["deposits"].update(collected=n, collected_cents=cents)
    moved = f"AND status NOT IN ({_quoted(NOT_REFUNDED)})"
    for k, n, cents in _grouped(clinic_id, s, "refund", "created_at", money, moved):
        by_key[k]["deposits"].update(refunds=n, refunded_cents=cents)
    by_owner = "AND status = 'cancelled' AND COALESCE(cancelled_by, '') <> 'system'"
    for k, n in _grouped(clinic_id, s, "appointment", "cancelled_at", "COUNT(*)", by_owner):
        by_key[k]["cancellations"] = n
    for k, n in _grouped(
        clinic_id, s, "appointment", "start_at", "COUNT(*)", "AND status = 'no_show'"
    ):
        by_key[k]["no_shows"] = n


def _texts(clinic_id: int, s: Span, bucket: str | None) -> list[tuple]:
    """``(key, threads, booked, inbound messages)``: threads texting in a bucket, and those
    whose customer booked by SMS in the same bucket."""
    texted, texted_params = _key("m.created_at", s, bucket)
    booked, booked_params = _key("a.created_at", s, bucket)
    window = [_naive(s.lo), _naive(s.hi)]
    sql = f"""
        SELECT t.k, COUNT(*), SUM(CASE WHEN b.k IS NULL THEN 0 ELSE 1 END), SUM(t.n)
        FROM (SELECT m.thread_id AS thread_id, {texted} AS k, COUNT(*) AS n
              FROM "message" m
              WHERE m.clinic_id = ? AND m.direction = 'in'
                AND m.created_at >= ? AND m.created_at < ?
              GROUP BY m.thread_id, k) t
        JOIN "sms_thread" th ON th.id = t.thread_id
        LEFT JOIN (SELECT DISTINCT c.phone AS phone, {booked} AS k
                   FROM "appointment" a JOIN "customer" c ON c.id = a.customer_id
                   WHERE a.clinic_id = ? AND a.source = 'sms'
                     AND a.created_at >= ? AND a.created_at < ?) b
          ON b.phone = th.customer_phone AND b.k = t.k
        GROUP BY t.k"""
    params = [*texted_params, clinic_id, *window, *booked_params, clinic_id, *window]
    return _rows(sql, params)


def _text_figures(row: tuple) -> dict:
    _, threads, booked, messages = (int(n) for n in row)  # PostgreSQL sums to numeric
    return {
        "total": threads,
        "booked": booked,
        "answered": threads - booked,
        "inbound_messages": messages,
    }


def _rates(clinic_id: int, s: Span) -> dict:
    sql = """
        SELECT COUNT(*),
               SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'no_show' THEN 1 ELSE 0 END)
        FROM "appointment"
        WHERE clinic_id = ? AND start_at >= ? AND start_at < ?
          AND status <> 'pending_deposit'
          AND NOT (status = 'cancelled' AND COALESCE(cancelled_by, '') = 'system')"""
    confirmed, cancelled, no_show = _rows(sql, [clinic_id, _naive(s.lo), _naive(s.hi)])[0]

    def share(n):
        return round((n or 0) / confirmed, 4) if confirmed else None

    return {
        "appointments_in_range": confirmed,
        "cancellation_rate": share(cancelled),
        "no_show_rate": share(no_show),
    }


def _busiest(clinic_id: int, s: Span) -> dict:
    """Calls and inbound texts by local hour (0-23) and weekday (0 = Monday)."""
    called, called_params = _local("started_at", s.periods)
    texted, texted_params = _local("created_at", s.periods)
    sql = f"""
        SELECT l / 3600 - (l / 86400) * 24 AS h,
               (l / 86400 + 3) - ((l / 86400 + 3) / 7) * 7 AS w, what, COUNT(*)
        FROM (SELECT {called} AS l, 'calls' AS what FROM "call"
              WHERE clinic_id = ? AND started_at >= ? AND started_at < ?
              UNION ALL
              SELECT {texted} AS l, 'texts' AS what FROM "message"
              WHERE clinic_id = ? AND direction = 'in' AND created_at >= ? AND created_at < ?) x
        GROUP BY h, w, what"""
    window = [_naive(s.lo), _naive(s.hi)]
    rows = _rows(sql, [*called_params, clinic_id, *window, *texted_params, clinic_id, *window])
    hours = [{"hour": h, "calls": 0, "texts": 0} for h in range(24)]
    weekdays = [{"weekday": w, "calls": 0, "texts": 0} for w in range(7)]
    for hour, weekday, what, n in rows:
        hours[hour][what] += n
        weekdays[weekday][what] += n
    return {"busiest_hours": hours, "busiest_weekdays": weekdays}


def _latency(clinic_id: int, s: Span) -> dict:
    """Mean and nearest-rank p90 in one sort: the smallest latency that at least 90 % of the
    turns are at or under (``CUME_DIST``), i.e. the one ranked ceil(0.9 n)."""
    sql = f"""
        SELECT COUNT(*), AVG(ms), MIN(CASE WHEN share >= 0.9 THEN ms END)
        FROM (SELECT ms, CUME_DIST() OVER (ORDER BY ms) AS share
              FROM (SELECT {_latency_ms("data")} AS ms FROM "call_event"
                    WHERE clinic_id = ? AND kind = 'latency'
                      AND created_at >= ? AND created_at < ?) e
              WHERE ms IS NOT NULL) r"""
    n, mean, p90 = _rows(sql, [clinic_id, _naive(s.lo), _naive(s.hi)])[0]
    return {
        "count": n,
        "avg_ms": None if mean is None else round(float(mean), 1),
        "p90_ms": None if p90 is None else float(p90),
    }


def report(
    clinic_id: int,
    first: date | None = None,
    last: date | None = None,
    bucket: str = "day",
    today: date | None = None,
) -> dict:
    """The analytics answer for one clinic (``gateway/routes/analytics.py`` declares its
    shape); ``InvalidRange`` when the dates make no range."""
    clinic = Clinic.get_by_id(clinic_id)
    zone = ZoneInfo(clinic.timezone)
    s = span(zone, first, last, bucket, today or datetime.now(zone).date())
    edges = s.edges()
    by_key = {k: _figures() for k, _, _ in edges}
    _fill(clinic_id, s, by_key)
    for row in _texts(clinic_id, s, s.bucket):
        by_key[row[0]]["texts"] = _text_figures(row)
    totals = _figures()
    for figures in by_key.values():
        _add(totals, figures)
    whole = _texts(clinic_id, s, None)
    totals["texts"] = _text_figures(whole[0]) if whole else _figures()["texts"]
    totals |= _rates(clinic_id, s) | _busiest(clinic_id, s)
    totals["turn_latency"] = _latency(clinic_id, s)
    return {
        "clinic_id": clinic_id,
        "timezone": clinic.timezone,
        "currency": clinic.currency,
        "from": s.first.isoformat(),
        "to": s.last.isoformat(),
        "bucket": s.bucket,
        "buckets": [
            {"start": start.isoformat(), "end": end.isoformat(), **by_key[k]}
            for k, start, end in edges
        ],
        "totals": totals,
    }
