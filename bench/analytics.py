"""Benchmark of the owner's analytics (``store.analytics.report``) over a busy clinic's year.

Builds a fresh SQLite database in a temporary directory: Glow Med Spa with, per day, 60 calls
(5 turn latencies and 5 transcript lines each), 80 inbound texts from a pool of customers
(each answered), 40 appointments (a third with a paid deposit, some refunded), and Align with
a quarter of that, so the clinic filter matters. Bulk inserts; the year spans both DST changes.
Then it times, several runs each:

* ``report`` for the whole year by day and by week (what the endpoint runs);
* ``count_calls``: ``SELECT COUNT(*)`` of the clinic's calls (the floor: one indexed scan);
* ``naive``: the same calls, bookings, texts and latency figures by loading every row of
  the year through peewee and bucketing them in Python. It doubles as an oracle: the run
  fails if its figures differ from the report's.

The report is timed again with the indexes an index-minded reader would add first (created
in this throwaway database only), to show what they would gain.

Usage: ``python bench/analytics.py [--quick]`` (``--quick``: 60 days, fewer runs, a few
seconds). The last line printed is one JSON object.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import tempfile
import time as clock
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import analytics
from store.db import close_database, db, open_database, write
from store.demo import ALIGN_PHONE, GLOW_PHONE, seed_demo_clinics
from store.migrations import migrate
from store.models import (
    Appointment,
    Call,
    CallEvent,
    Clinic,
    Customer,
    Deposit,
    Message,
    Provider,
    Refund,
    Service,
    SmsThread,
)

FIRST = date(2026, 1, 1)
PER_DAY = {"calls": 60, "texts": 80, "appointments": 40}
OUTCOMES = [*analytics.CALL_OUTCOMES, None]
SOURCES = ["sms"] * 4 + ["call"] * 3 + ["staff"] * 2 + ["api"]
STATUSES = ["completed"] * 12 + ["booked"] * 4 + ["cancelled"] * 3 + ["no_show"]
PROPOSED_INDEXES = (
    'CREATE INDEX bench_call ON "call" (clinic_id, started_at)',
    'CREATE INDEX bench_event ON "call_event" (clinic_id, kind, created_at)',
    'CREATE INDEX bench_appointment ON "appointment" (clinic_id, created_at)',
)
BATCH = 500


def _bulk(model, rows: list[dict]) -> None:
    """Rows of one shape (peewee takes the columns from the first row)."""
    for at in range(0, len(rows), BATCH):
        model.insert_many(rows[at : at + BATCH]).execute()


def _instant(zone: ZoneInfo, day: date, rng: random.Random) -> datetime:
    """A moment of the clinic's day: mostly opening hours, a few late."""
    minute = rng.randint(8 * 60, 19 * 60) if rng.random() < 0.95 else rng.randint(0, 1439)
    local = datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)), zone)
    return local.astimezone(UTC)


def build_clinic(clinic: Clinic, days: int, scale: float, rng: random.Random) -> None:
    """``days`` of one clinic at ``scale`` times PER_DAY, inserted in bulk."""
    zone = ZoneInfo(clinic.timezone)
    service = Service.select().where(Service.clinic == clinic).first()
    provider = Provider.select().where(Provider.clinic == clinic).first()
    phones = [f"+1555{clinic.id:02d}{n:05d}" for n in range(3000)]
    _bulk(Customer, [{"clinic": clinic, "phone": p} for p in phones])
    customers = dict(
        Customer.select(Customer.phone, Customer.id).where(Customer.clinic == clinic).tuples()
    )
    _bulk(SmsThread, [{"clinic": clinic, "customer_phone": p} for p in phones])
    threads = dict(
        SmsThread.select(SmsThread.customer_phone, SmsThread.id)
        .where(SmsThread.clinic == clinic)
        .tuples()
    )
    calls, messages, appointments = [], [], []
    for n in range(days):
        day = FIRST + timedelta(n)
        for _ in range(round(PER_DAY["calls"] * scale)):
            started = _instant(zone, day, rng)
            calls.append(
                {
                    "clinic": clinic,
                    "call_control_id": f"{clinic.id}-{len(calls)}",
                    "from_phone": rng.choice(phones),
                    "to_phone": clinic.phone,
                    "outcome": rng.choice(OUTCOMES),
                    "started_at": started,
                }
            )
        for _ in range(round(PER_DAY["texts"] * scale)):
            when, thread = _instant(zone, day, rng), threads[rng.choice(phones)]
            for direction, lag in (("in", 0), ("out", 3)):
                messages.append(
                    {
                        "clinic": clinic,
                        "thread": thread,
                        "direction": direction,
                        "text": "hello",
                        "status": "handled" if direction == "in" else "sent",
                        "created_at": when + timedelta(seconds=lag),
                    }
                )
        for _ in range(round(PER_DAY["appointments"] * scale)):
            created = _instant(zone, day, rng)
            start = created + timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
            status = rng.choice(STATUSES)
            appointments.append(
                {
                    "clinic": clinic,
                    "customer": customers[rng.choice(phones)],
                    "service": service,
                    "provider": provider,
                    "start_at": start,
                    "end_at": start + timedelta(minutes=45),
                    "status": status,
                    "source": rng.choice(SOURCES),
                    "created_at": created,
                    "cancelled_at": created + timedelta(hours=20)
                    if status == "cancelled"
                    else None,
                    "cancelled_by": "staff:1" if status == "cancelled" else None,
                }
            )
    _bulk(Call, calls)
    _bulk(Message, messages)
    _bulk(Appointment, appointments)
    _events(clinic, rng)
    _deposits(clinic, rng)


def _events(clinic: Clinic, rng: random.Random) -> None:
    events = []
    for call_id, started in (
        Call.select(Call.id, Call.started_at).where(Call.clinic == clinic).tuples()
    ):
        for turn in range(5):
            at = started + timedelta(seconds=20 * turn + 5)
            events.append(
                {
                    "clinic": clinic,
                    "call": call_id,
                    "kind": "transcript",
                    "text": "hi",
                    "data": None,
                    "created_at": at,
                }
            )
            ms = round(rng.lognormvariate(6.0, 0.4), 1)
            events.append(
                {
                    "clinic": clinic,
                    "call": call_id,
                    "kind": "latency",
                    "text": "",
                    "data": {"ms": ms},
                    "created_at": at,
                }
            )
    _bulk(CallEvent, events)


def _deposits(clinic: Clinic, rng: random.Random) -> None:
    booked = Appointment.select(Appointment.id, Appointment.created_at, Appointment.status)
    deposits = []
    for appointment_id, created, status in booked.where(Appointment.clinic == clinic).tuples():
        if rng.random() < 0.33:
            refunded = status == "cancelled" and rng.random() < 0.5
            deposits.append(
                {
                    "clinic": clinic,
                    "appointment": appointment_id,
                    "amount_cents": rng.choice((2500, 5000, 7500)),
                    "status": "refunded" if refunded else "paid",
                    "paid_at": created + timedelta(minutes=rng.randint(1, 30)),
                }
            )
    _bulk(Deposit, deposits)
    refunds = [
        {
            "clinic": clinic,
            "deposit": d,
            "amount_cents": cents,
            "status": "recorded",
            "created_at": paid + timedelta(days=2),
        }
        for d, cents, paid in Deposit.select(Deposit.id, Deposit.amount_cents, Deposit.paid_at)
        .where((Deposit.clinic == clinic) & (Deposit.status == "refunded"))
        .tuples()
    ]
    _bulk(Refund, refunds)


# --------------------------------------------------------------------------- the baseline


def naive(clinic_id: int, first: date, last: date) -> dict:
    """Calls, bookings, inbound texts per local day and latency mean/p90, row by row."""
    zone = ZoneInfo(Clinic.get_by_id(clinic_id).timezone)
    lo = datetime.combine(first, time(0), zone)
    hi = datetime.combine(last + timedelta(1), time(0), zone)

    def local_day(instant: datetime) -> str:
        return instant.astimezone(zone).date().isoformat()

    calls: dict[str, Counter] = defaultdict(Counter)
    for call in Call.select().where(
        (Call.clinic == clinic_id) & (Call.started_at >= lo) & (Call.started_at < hi)
    ):
        calls[local_day(call.started_at)][analytics.CALL_OUTCOMES.get(call.outcome, "other")] += 1
    bookings: dict[str, Counter] = defaultdict(Counter)
    for a in Appointment.select().where(
        (Appointment.clinic == clinic_id)
        & (Appointment.created_at >= lo)
        & (Appointment.created_at < hi)
    ):
        bookings[local_day(a.created_at)][a.source] += 1
    texts: Counter = Counter()
    for m in Message.select().where(
        (Message.clinic == clinic_id)
        & (Message.direction == "in")
        & (Message.created_at >= lo)
        & (Message.created_at < hi)
    ):
        texts[local_day(m.created_at)] += 1
    latencies = sorted(
        e.data["ms"]
        for e in CallEvent.select().where(
            (CallEvent.clinic == clinic_id)
            & (CallEvent.kind == "latency")
            & (CallEvent.created_at >= lo)
            & (CallEvent.created_at < hi)
        )
    )
    p90 = latencies[math.ceil(0.9 * len(latencies)) - 1] if latencies else None
    mean = round(sum(latencies) / len(latencies), 1) if latencies else None
    return {"calls": calls, "bookings": bookings, "texts": texts, "p90": p90, "mean": mean}


def agrees(answer: dict, oracle: dict) -> bool:
    for b in answer["buckets"]:
        day = b["start"]
        kinds = {k: v for k, v in b["calls"].items() if k != "total" and v}
        sources = {k: v for k, v in b["bookings"].items() if k != "total" and v}
        if kinds != dict(oracle["calls"].get(day, {})) or sources != dict(
            oracle["bookings"].get(day, {})
        ):
            return False
        if b["texts"]["inbound_messages"] != oracle["texts"].get(day, 0):
            return False
    latency = answer["totals"]["turn_latency"]
    same_mean = math.isclose(latency["avg_ms"], oracle["mean"], abs_tol=0.051)  # rounding
    return latency["p90_ms"] == oracle["p90"] and same_mean


# --------------------------------------------------------------------------- measuring


def _timed(fn, reps: int) -> list[float]:
    gc.collect()
    samples = []
    for _ in range(reps):
        t0 = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - t0) * 1000)
    return samples


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(ordered[len(ordered) // 2], 1), "max_ms": round(ordered[-1], 1)}


def run(quick: bool) -> dict[str, object]:
    days, reps, naive_reps = (60, 5, 1) if quick else (365, 15, 3)
    last = FIRST + timedelta(days - 1)
    directory = Path(tempfile.mkdtemp(prefix="vrai-bench-analytics-"))
    open_database(directory / "vrai.db")
    migrate()
    seed_demo_clinics()
    glow = Clinic.get(Clinic.phone == GLOW_PHONE)
    rng = random.Random(14)
    t0 = clock.perf_counter()
    with write():
        build_clinic(glow, days, 1.0, rng)
        build_clinic(Clinic.get(Clinic.phone == ALIGN_PHONE), days, 0.25, rng)
    setup_s = clock.perf_counter() - t0
    db.execute_sql("ANALYZE")

    def report(bucket: str) -> dict:
        return analytics.report(glow.id, FIRST, last, bucket)

    by_day = report("day")
    oracle = naive(glow.id, FIRST, last)
    if not agrees(by_day, oracle):
        raise SystemExit("report and naive baseline disagree")
    figures: dict[str, object] = {
        "days": days,
        "rows": {
            m.__name__.lower(): m.select().count()
            for m in (Call, CallEvent, Message, Appointment, Deposit, Refund)
        },
        "setup_s": round(setup_s, 1),
        "report_day": _summary(_timed(lambda: report("day"), reps)),
        "report_week": _summary(_timed(lambda: report("week"), reps)),
        "count_calls": _summary(
            _timed(lambda: Call.select().where(Call.clinic == glow.id).count(), reps)
        ),
        "naive": _summary(_timed(lambda: naive(glow.id, FIRST, last), naive_reps)),
        "baseline_matches": True,
    }
    for statement in PROPOSED_INDEXES:
        db.execute_sql(statement)
    db.execute_sql("ANALYZE")
    figures["indexed_report_day"] = _summary(_timed(lambda: report("day"), reps))
    figures["indexed_report_week"] = _summary(_timed(lambda: report("week"), reps))
    figures["naive_over_report_day"] = round(
        figures["naive"]["p50_ms"] / figures["report_day"]["p50_ms"], 1
    )
    figures["reps"] = {"report": reps, "naive": naive_reps}
    figures["python"] = sys.version.split()[0]
    close_database()
    return figures


if __name__ == "__main__":
    from bench import _report

    _report.main(__doc__.splitlines()[0], "60 days, fewer runs (seconds)", run, width=24)
