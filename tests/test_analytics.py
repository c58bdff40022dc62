"""The owner's analytics: exact figures for a known week and a half of a clinic, by day and by
week, across both DST changes, on SQLite and PostgreSQL; and the route's refusals.

The rows below are Glow Med Spa's (America/Los_Angeles; 2026's DST starts Sunday 8 March at
02:00 and ends Sunday 1 November at 02:00). Each expected figure is worked out from them by
hand in the comments; Align's rows (another clinic) must never be counted.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from actors import call_lifecycle
from gateway.routes.analytics import RESPONSE
from store import analytics
from store.db import write
from store.demo import ALIGN_PHONE, GLOW_PHONE
from store.models import (
    Appointment,
    Call,
    CallEvent,
    Customer,
    Deposit,
    Message,
    Provider,
    Refund,
    Service,
    SmsThread,
)
from tests import test_postgres
from tests.helpers import http
from tests.test_postgres import pg, postgres_url  # noqa: F401 (fixtures, for the PostgreSQL run)

LA = ZoneInfo("America/Los_Angeles")
P1, P2, P3 = "+15557770001", "+15557770002", "+15557770003"


def la(month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LA, fold=fold)


class Rows:
    """Inserts one clinic's rows as the service would have stored them."""

    _ids = itertools.count()

    def __init__(self, clinic_id: int):
        self.clinic = clinic_id
        self.service = Service.select().where(Service.clinic == clinic_id).first()
        self.provider = Provider.select().where(Provider.clinic == clinic_id).first()
        self.customers: dict[str, Customer] = {}

    def customer(self, phone: str) -> Customer:
        if phone not in self.customers:
            self.customers[phone] = Customer.create(clinic=self.clinic, phone=phone)
        return self.customers[phone]

    def call(self, started: datetime, outcome: str | None = None) -> Call:
        return Call.create(
            clinic=self.clinic,
            call_control_id=f"cc-{next(self._ids)}",
            from_phone=P1,
            to_phone=GLOW_PHONE,
            started_at=started,
            outcome=outcome,
        )

    def text(self, phone: str, when: datetime, direction: str = "in") -> Message:
        thread, _ = SmsThread.get_or_create(clinic=self.clinic, customer_phone=phone)
        status = "handled" if direction == "in" else "sent"
        return Message.create(
            clinic=self.clinic,
            thread=thread,
            direction=direction,
            text="hi",
            status=status,
            created_at=when,
        )

    def booking(self, phone, created, start, status="booked", source="sms", **more):
        return Appointment.create(
            clinic=self.clinic,
            customer=self.customer(phone),
            service=self.service,
            provider=self.provider,
            start_at=start,
            end_at=start + timedelta(minutes=30),
            status=status,
            source=source,
            created_at=created,
            **more,
        )

    def deposit(self, appointment, cents, status, paid_at=None) -> Deposit:
        return Deposit.create(
            clinic=self.clinic,
            appointment=appointment,
            amount_cents=cents,
            status=status,
            paid_at=paid_at,
        )

    def refund(self, deposit, cents, created, status="recorded") -> Refund:
        return Refund.create(
            clinic=self.clinic,
            deposit=deposit,
            amount_cents=cents,
            status=status,
            created_at=created,
        )

    def event(self, call, when, data, kind="latency") -> CallEvent:
        return CallEvent.create(
            clinic=self.clinic, call=call, kind=kind, data=data, created_at=when
        )


LATENCIES = [310, 120, 450, 200, 981, 150, 610, 275, 330, 505]
LATENCIES += [140, 720, 260, 190, 405, 880, 230, 560, 300, 640]


def seed_march(glow: int, align: int) -> None:
    """Glow from Monday 2 to Tuesday 10 March 2026, and rows just outside; Align's look-alikes."""
    g, a = Rows(glow), Rows(align)
    # Calls, by local day: 2nd booked+answered+missed; 3rd message+transfer+completed (23:30
    # PST is already the 4th in UTC); 7th 23:30 PST (8th in UTC) cancelled; 8th 23:30 PDT
    # rescheduled; 9th 00:30 PDT (still the 8th under PST) undecided. Outside: 1st, 11th.
    first = g.call(la(3, 2, 9, 15), "booked")
    g.call(la(3, 2, 9, 40), "answered_question")
    g.call(la(3, 2, 14, 5), "missed")
    g.call(la(3, 3, 10), "message_taken")
    g.call(la(3, 3, 10, 30), "transferred")
    g.call(la(3, 3, 23, 30), "completed")
    g.call(la(3, 7, 23, 30), "cancelled")
    g.call(la(3, 8, 23, 30), "rescheduled")
    g.call(la(3, 9, 0, 30))
    g.call(la(3, 1, 23, 50), "booked")
    g.call(la(3, 11, 0, 10), "booked")
    # Texts: P1 on the 2nd (twice, and our reply) and the 4th; P2 on the 2nd and the 9th at
    # 00:15 PDT; P3 on the 8th.
    for when in (la(3, 2, 8), la(3, 2, 8, 5), la(3, 4, 12)):
        g.text(P1, when)
    g.text(P1, la(3, 2, 8, 6), "out")
    g.text(P2, la(3, 2, 19))
    g.text(P2, la(3, 9, 0, 15))
    g.text(P3, la(3, 8, 12))
    # Appointments (created; start; what became of them).
    g.booking(P1, la(3, 2, 8, 10), la(3, 5, 10))  # P1 booked by text the day they texted
    g.booking(  # P2 texted on the 2nd, booked by text on the 3rd, cancelled on the 4th
        P2,
        la(3, 3, 9),
        la(3, 6, 11),
        "cancelled",
        cancelled_at=la(3, 4, 15),
        cancelled_by="staff:1",
    )
    g.booking(P3, la(3, 8, 12, 30), la(3, 9, 10), "no_show", "call")  # P3 booked by phone
    paid = g.booking(P1, la(3, 5, 10), la(3, 10, 15), source="staff")
    g.deposit(paid, 5000, "paid", la(3, 5, 10, 5))
    refunded = g.booking(P2, la(3, 6, 9), la(3, 7, 9), "completed", "api")
    g.refund(g.deposit(refunded, 2500, "refunded", la(3, 6, 9, 10)), 2500, la(3, 7, 12))
    kept = g.booking(
        P3,
        la(3, 6, 10),
        la(3, 8, 10),
        "cancelled",
        "call",
        cancelled_at=la(3, 7, 20),
        cancelled_by="call",
    )
    g.deposit(kept, 3000, "kept", la(3, 6, 10, 2))
    lapsed = g.booking(  # an unpaid hold that lapsed: a booking made, never a confirmed one
        P1,
        la(3, 9, 9),
        la(3, 10, 9),
        "cancelled",
        cancelled_at=la(3, 9, 9, 30),
        cancelled_by="system",
    )
    g.deposit(lapsed, 4000, "expired")
    g.deposit(g.booking(P2, la(3, 10, 8), la(3, 10, 16), "pending_deposit"), 1000, "pending")
    g.booking(P1, la(3, 10, 11), la(3, 11, 10))  # starts after the range
    g.booking(P2, la(3, 10, 12), la(3, 12, 10), source="walk_in")
    older = g.booking(P3, la(2, 20, 9), la(3, 4, 10), "completed", "staff")  # made before
    old_deposit = g.deposit(older, 2000, "kept", la(2, 20, 9, 5))
    g.refund(old_deposit, 1000, la(3, 4, 16), "failed")
    g.refund(old_deposit, 500, la(3, 4, 16, 5), "succeeded")
    g.booking(P2, la(2, 25, 9), la(3, 3, 14), "completed", "staff")
    # Turn latencies on the 2nd; one outside the range, one without ms, one not a latency.
    for ms in LATENCIES:
        g.event(first, la(3, 2, 9, 16), {"ms": float(ms)})
    g.event(first, la(3, 11, 9), {"ms": 9000.0})
    g.event(first, la(3, 2, 9, 17), None)
    g.event(first, la(3, 2, 9, 18), {"ms": 9000.0}, kind="transcript")
    # Align: a call, a text from P1 with an SMS booking the same day as P1's text to Glow on
    # the 4th, a paid and refunded deposit, a slow turn.
    other = a.call(la(3, 2, 10), "booked")
    a.text(P1, la(3, 4, 11))
    a_booked = a.booking(P1, la(3, 4, 12, 5), la(3, 6, 10), "no_show")
    a.refund(a.deposit(a_booked, 9900, "refunded", la(3, 4, 12, 6)), 9900, la(3, 4, 13))
    a.event(other, la(3, 2, 10, 1), {"ms": 8000.0})


def figures(**parts) -> dict:
    """A bucket's figures: zero but for ``parts``."""
    out = {
        "calls": {
            "total": 0,
            "booked": 0,
            "answered": 0,
            "message_taken": 0,
            "transferred": 0,
            "abandoned": 0,
            "other": 0,
        },
        "texts": {"total": 0, "booked": 0, "answered": 0, "inbound_messages": 0},
        "bookings": {"total": 0, "sms": 0, "call": 0, "staff": 0, "api": 0, "other": 0},
        "deposits": {"collected": 0, "collected_cents": 0, "refunds": 0, "refunded_cents": 0},
        "cancellations": 0,
        "no_shows": 0,
    }
    for name, value in parts.items():
        if isinstance(value, dict):
            out[name].update(value)
        else:
            out[name] = value
    return out


def day(d: int, **parts) -> dict:
    iso = date(2026, 3, d).isoformat()
    return {"start": iso, "end": iso, **figures(**parts)}


MARCH_DAYS = [
    day(
        2,
        calls={"total": 3, "booked": 1, "answered": 1, "abandoned": 1},
        texts={"total": 2, "booked": 1, "answered": 1, "inbound_messages": 3},
        bookings={"total": 1, "sms": 1},
    ),
    day(
        3,
        calls={"total": 3, "message_taken": 1, "transferred": 1, "abandoned": 1},
        bookings={"total": 1, "sms": 1},
    ),
    day(
        4,
        texts={"total": 1, "answered": 1, "inbound_messages": 1},
        deposits={"refunds": 1, "refunded_cents": 500},
        cancellations=1,
    ),
    day(
        5,
        bookings={"total": 1, "staff": 1},
        deposits={"collected": 1, "collected_cents": 5000},
    ),
    day(
        6,
        bookings={"total": 2, "call": 1, "api": 1},
        deposits={"collected": 2, "collected_cents": 5500},
    ),
    day(
        7,
        calls={"total": 1, "answered": 1},
        deposits={"refunds": 1, "refunded_cents": 2500},
        cancellations=1,
    ),
    day(
        8,
        calls={"total": 1, "answered": 1},
        texts={"total": 1, "answered": 1, "inbound_messages": 1},
        bookings={"total": 1, "call": 1},
    ),
    day(
        9,
        calls={"total": 1, "other": 1},
        texts={"total": 1, "answered": 1, "inbound_messages": 1},  # P2 books on the 10th
        bookings={"total": 1, "sms": 1},
        no_shows=1,
    ),
    day(10, bookings={"total": 3, "sms": 2, "other": 1}),
]


def hours(**by_hour: tuple[int, int]) -> list[dict]:
    return [
        {
            "hour": h,
            "calls": by_hour.get(f"h{h}", (0, 0))[0],
            "texts": by_hour.get(f"h{h}", (0, 0))[1],
        }
        for h in range(24)
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=test_postgres.pytestmark)])
def clinics(request) -> dict[str, int]:
    """The demo clinics' ids, on a fresh database of each kind."""
    request.getfixturevalue("pg" if request.param == "postgres" else "database")
    from store.models import Clinic

    return {c.phone: c.id for c in Clinic.select()}


@pytest.fixture
def march(clinics) -> int:
    with write():
        seed_march(clinics[GLOW_PHONE], clinics[ALIGN_PHONE])
    return clinics[GLOW_PHONE]


def test_each_day_counts_what_happened_that_local_day(march):
    answer = analytics.report(march, date(2026, 3, 2), date(2026, 3, 10))
    assert answer["buckets"] == MARCH_DAYS
    assert (answer["from"], answer["to"], answer["bucket"]) == ("2026-03-02", "2026-03-10", "day")
    assert (answer["timezone"], answer["currency"]) == ("America/Los_Angeles", "usd")


def test_totals_add_up_the_days_and_count_each_thread_once(march):
    totals = analytics.report(march, date(2026, 3, 2), date(2026, 3, 10))["totals"]
    expected = figures(
        calls={
            "total": 9,
            "booked": 1,
            "answered": 3,
            "message_taken": 1,
            "transferred": 1,
            "abandoned": 2,
            "other": 1,
        },
        # P1, P2, P3 texted; P1 and P2 booked by text within the range, P3 by phone.
        texts={"total": 3, "booked": 2, "answered": 1, "inbound_messages": 6},
        bookings={"total": 10, "sms": 5, "call": 2, "staff": 1, "api": 1, "other": 1},
        deposits={"collected": 3, "collected_cents": 10500, "refunds": 2, "refunded_cents": 3000},
        cancellations=2,
        no_shows=1,
    )
    assert {name: totals[name] for name in expected} == expected


def test_rates_are_of_confirmed_appointments_starting_in_the_range(march):
    totals = analytics.report(march, date(2026, 3, 2), date(2026, 3, 10))["totals"]
    # Starting 2-10 March: 5th booked, 6th cancelled, 9th no-show, 10th booked, 7th completed,
    # 8th cancelled, 4th completed, 3rd completed; not the lapsed hold or the pending one.
    assert totals["appointments_in_range"] == 8
    assert totals["cancellation_rate"] == 0.25
    assert totals["no_show_rate"] == 0.125


def test_busiest_hours_and_weekdays_are_local(march):
    totals = analytics.report(march, date(2026, 3, 2), date(2026, 3, 10))["totals"]
    assert totals["busiest_hours"] == hours(
        h0=(1, 1), h8=(0, 2), h9=(2, 0), h10=(2, 0), h12=(0, 2), h14=(1, 0), h19=(0, 1), h23=(3, 0)
    )
    calls_texts = [(w["calls"], w["texts"]) for w in totals["busiest_weekdays"]]
    assert calls_texts == [(4, 4), (3, 0), (0, 1), (0, 0), (0, 0), (1, 0), (1, 1)]


def test_turn_latency_mean_and_p90_of_the_clinics_own_turns(march):
    latency = analytics.report(march, date(2026, 3, 2), date(2026, 3, 10))["totals"]["turn_latency"]
    # 20 samples summing to 8256; the 18th smallest is 720.
    assert latency == {"count": 20, "avg_ms": 412.8, "p90_ms": 720.0}


def test_weeks_start_monday_and_a_thread_books_within_its_week(march):
    answer = analytics.report(march, date(2026, 3, 2), date(2026, 3, 10), "week")
    first, second = answer["buckets"]
    assert (first["start"], first["end"], second["start"], second["end"]) == (
        "2026-03-02",
        "2026-03-08",
        "2026-03-09",
        "2026-03-10",
    )
    assert first["calls"]["total"] == 8
    assert first["bookings"]["total"] == 6
    assert first["deposits"] == {
        "collected": 3,
        "collected_cents": 10500,
        "refunds": 2,
        "refunded_cents": 3000,
    }
    # P1 (3 texts) and P2 booked by text that week; P3 booked by phone.
    assert first["texts"] == {"total": 3, "booked": 2, "answered": 1, "inbound_messages": 5}
    # P2 texted on the 9th and booked by text on the 10th: the same week.
    assert second["texts"] == {"total": 1, "booked": 1, "answered": 0, "inbound_messages": 1}
    assert (second["calls"]["total"], second["bookings"]["total"], second["no_shows"]) == (1, 4, 1)


def test_a_range_starting_midweek_clips_its_first_and_last_week(march):
    answer = analytics.report(march, date(2026, 3, 4), date(2026, 3, 15), "week")
    spans = [(b["start"], b["end"], b["calls"]["total"]) for b in answer["buckets"]]
    # The 7th and 8th; the 9th and 11th.
    assert spans == [("2026-03-04", "2026-03-08", 2), ("2026-03-09", "2026-03-15", 2)]


def test_the_autumn_change_keeps_the_repeated_hour_on_its_day(clinics):
    glow = clinics[GLOW_PHONE]
    with write():
        g = Rows(glow)
        g.call(la(10, 31, 23, 30))  # PDT; already 1 November in UTC
        g.call(la(11, 1, 1, 30, fold=0))  # 01:30 PDT
        g.call(la(11, 1, 1, 30, fold=1))  # 01:30 PST, an hour later
        g.call(la(11, 1, 23, 30))  # PST; 2 November in UTC, 00:30 under PDT
        g.call(la(11, 2, 0, 30))
    answer = analytics.report(glow, date(2026, 10, 31), date(2026, 11, 2))
    assert [b["calls"]["total"] for b in answer["buckets"]] == [1, 3, 1]
    busiest = {h["hour"]: h["calls"] for h in answer["totals"]["busiest_hours"] if h["calls"]}
    assert busiest == {0: 1, 1: 2, 23: 2}


def test_offset_periods_change_at_the_transitions_second():
    s = analytics.span(LA, date(2026, 1, 1), date(2026, 12, 31), "day", date(2026, 12, 31))
    assert [(datetime.fromtimestamp(t, UTC), offset) for t, offset in s.periods] == [
        (datetime(2026, 1, 1, 8, tzinfo=UTC), -8 * 3600),
        (datetime(2026, 3, 8, 10, tzinfo=UTC), -7 * 3600),
        (datetime(2026, 11, 1, 9, tzinfo=UTC), -8 * 3600),
    ]


def test_p90_is_the_nearest_rank(database):
    glow = database[GLOW_PHONE]
    with write():
        g = Rows(glow)
        call = g.call(la(5, 4, 10))
        for ms in (7, 3, 11, 1, 9, 5, 2, 10, 4, 8, 6):
            g.event(call, la(5, 4, 10, 1), {"ms": ms + 0.5})
    latency = analytics.report(glow, date(2026, 5, 4), date(2026, 5, 4))["totals"]["turn_latency"]
    assert latency == {"count": 11, "avg_ms": 6.5, "p90_ms": 10.5}  # rank ceil(9.9) = 10


def test_a_quiet_range_answers_zeros_and_no_rates(database):
    answer = analytics.report(database[GLOW_PHONE], date(2026, 5, 4), date(2026, 5, 10), "week")
    assert [b["start"] for b in answer["buckets"]] == ["2026-05-04"]
    totals = answer["totals"]
    assert (totals["cancellation_rate"], totals["no_show_rate"]) == (None, None)
    assert totals["turn_latency"] == {"count": 0, "avg_ms": None, "p90_ms": None}
    assert totals["texts"] == {"total": 0, "booked": 0, "answered": 0, "inbound_messages": 0}


def test_the_answer_has_the_declared_shape(march):
    for bucket in ("day", "week"):
        jsonschema.validate(
            analytics.report(march, date(2026, 3, 2), date(2026, 3, 10), bucket), RESPONSE
        )


def test_every_call_outcome_the_lifecycle_decides_is_mapped():
    decided = {result for _, result in call_lifecycle.OUTCOME_BY_TOOL}
    assert decided | call_lifecycle.UNHELPED_OUTCOMES == set(analytics.CALL_OUTCOMES)
    assert set(analytics.CALL_OUTCOMES.values()) < set(analytics.CALL_KINDS)


def test_the_default_range_is_the_30_days_ending_today(database):
    answer = analytics.report(database[GLOW_PHONE], today=date(2026, 3, 10))
    assert (answer["from"], answer["to"], len(answer["buckets"])) == (
        "2026-02-09",
        "2026-03-10",
        30,
    )


@pytest.mark.parametrize(
    ("first", "last", "bucket", "problem"),
    [
        (date(2026, 3, 10) - timedelta(400), date(2026, 3, 10), "day", "at most 400 days"),
        (date(2026, 3, 11), date(2026, 3, 10), "day", "from must not be after to"),
        (date(2026, 3, 1), date(2026, 3, 10), "month", "bucket must be day or week"),
        (date(1969, 12, 31), date(1970, 1, 5), "day", "dates must fall between"),
    ],
)
def test_a_range_the_report_cannot_answer_says_why(database, first, last, bucket, problem):
    with pytest.raises(analytics.InvalidRange, match=problem):
        analytics.report(database[GLOW_PHONE], first, last, bucket)


def test_400_days_is_the_longest_range(database):
    first = date(2026, 3, 10) - timedelta(399)
    answer = analytics.report(database[GLOW_PHONE], first, date(2026, 3, 10))
    assert (answer["from"], len(answer["buckets"])) == ("2025-02-04", 400)


# ---------------------------------------------------------------------------- HTTP


def get(gateway, query: str, role: str = "admin"):
    return http("GET", f"{gateway.url}/api/analytics{query}", token=gateway.token(role=role))


def test_the_owner_gets_the_declared_answer(shared_gateway):
    status, _, body = get(shared_gateway, "?from=2026-03-02&to=2026-03-10&bucket=week")
    assert status == 200
    jsonschema.validate(body, RESPONSE)
    assert body["clinic_id"] == shared_gateway.clinics[GLOW_PHONE]
    assert [b["start"] for b in body["buckets"]] == ["2026-03-02", "2026-03-09"]
    status, _, body = get(shared_gateway, "")
    assert (status, len(body["buckets"])) == (200, 30)


@pytest.mark.parametrize("role", ["staff", "ops"])
def test_only_the_owner_may_read_analytics(shared_gateway, role):
    status, _, body = get(shared_gateway, "", role)
    assert (status, body["error"]["code"]) == (403, "forbidden")


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-3-2",
        "?from=20260302",
        "?to=2026-02-30",
        "?to=yesterday",
        "?from=2026-03-10&to=2026-03-02",
        "?bucket=month",
        "?from=2025-01-01&to=2026-02-05",  # 401 days
        "?from=0001-01-01&to=0001-01-02",
    ],
)
def test_bad_input_is_a_400_that_says_what(shared_gateway, query):
    status, _, body = get(shared_gateway, query)
    assert status == 400
    assert body["error"]["code"] == "invalid"
    assert body["error"]["message"]
