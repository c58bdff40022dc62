"""The desk's settings through the running service: clinic policies, services, providers, hours,
closures and holidays, with the roles that may change each, and bookings that obey them.

One actor system and gateway for the file (bookings go through the calendar actor); each test
works on its own days, names and rows, and puts back any clinic policy it changes.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.auth import make_token
from store.accounts import add_user
from store.demo import ALIGN_PHONE, GLOW_PHONE
from store.models import Appointment, AuditLog, Closure, DashboardEvent, Provider, Service
from tests.conftest import make_settings, running_gateway
from tests.helpers import http

pytestmark = pytest.mark.multiproc

LA = ZoneInfo("America/Los_Angeles")
PASSWORD = "a long enough passphrase"


class Desk:
    """The gateway, with tokens and ids of the two demo clinics at hand."""

    def __init__(self, gateway):
        self.gateway, self.url = gateway, gateway.url
        self.glow, self.align = gateway.clinics[GLOW_PHONE], gateway.clinics[ALIGN_PHONE]

    def token(self, role: str = "admin", clinic: int | None = None, user_id=None) -> str:
        secret = self.gateway.settings.jwt_secret
        return make_token(secret, clinic or self.glow, role, 600, user_id=user_id)

    def call(self, method: str, path: str, body=None, token: str | None = None):
        return http(method, self.url + path, body, token or self.token())

    def login(self, clinic: int, email: str, role: str) -> tuple[int, str]:
        """A real staff member's session: (user id, access token)."""
        user = add_user(clinic, email, email.split("@")[0], role, PASSWORD)
        body = {"email": email, "password": PASSWORD}
        return user.id, http("POST", self.url + "/api/auth/login", body)[2]["access_token"]

    def clinic(self, clinic: int | None = None) -> dict:
        return self.call("GET", "/api/clinic", token=self.token(clinic=clinic))[2]

    def book(self, start: datetime, phone: str, provider: str = "Dr. Maya Patel", **extra):
        body = {
            "service": "Consultation",
            "start": start.isoformat(),
            "customer_phone": phone,
            "customer_name": "Sam Rivera",
            "provider": provider,
            **extra,
        }
        return self.call("POST", "/api/appointments", body, self.token("staff"))


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
        with running_gateway(make_settings(tmp_path_factory.mktemp("desk"))) as gateway:
            yield Desk(gateway)


def tuesday(weeks: int, hour: int = 0) -> datetime:
    """A Tuesday (Glow is open 9-18) ``weeks`` after the coming one, at ``hour`` LA time."""
    today = datetime.now(LA).date()
    day = today + timedelta(days=(1 - today.weekday()) % 7 or 7, weeks=weeks)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LA)


@contextlib.contextmanager
def policy(desk: Desk, clinic: int, **changes):
    """Change a clinic's settings for a block and put the old values back."""
    before = desk.clinic(clinic)
    status, _, body = desk.call("PATCH", "/api/clinic", changes, desk.token(clinic=clinic))
    assert status == 200, body
    try:
        yield body
    finally:
        old = {name: before[name] for name in changes}
        assert desk.call("PATCH", "/api/clinic", old, desk.token(clinic=clinic))[0] == 200


def ids(items: list[dict]) -> list[int]:
    return [item["id"] for item in items]


# ---------------------------------------------------------------------------- roles


def test_the_desk_reads_the_clinic_and_its_hours(desk):
    status, _, clinic = desk.call("GET", "/api/clinic", token=desk.token("staff"))
    assert status == 200
    assert clinic["timezone"] == "America/Los_Angeles" and clinic["min_notice_min"] == 120
    assert clinic["retention_days"] is None and clinic["currency"] == "usd"
    assert clinic["hours"] == [
        {"weekday": d, "start": "09:00", "end": "18:00"} for d in range(1, 6)
    ]


def test_ops_is_refused_every_desk_route(desk):
    ops = desk.token("ops")
    maya = Provider.get(Provider.name == "Dr. Maya Patel").id
    for method, path in [
        ("GET", "/api/clinic"),
        ("GET", "/api/services"),
        ("GET", "/api/providers"),
        ("GET", f"/api/providers/{maya}/hours"),
        ("GET", "/api/closures"),
        ("GET", "/api/holidays"),
        ("POST", "/api/closures"),
        ("DELETE", "/api/holidays/1"),
    ]:
        assert desk.call(method, path, {}, ops)[0] == 403, path


def test_staff_cannot_change_settings_services_or_providers(desk):
    staff = desk.token("staff")
    before = desk.clinic()
    botox = Service.get(Service.name == "Botox").id
    maya = Provider.get(Provider.name == "Dr. Maya Patel").id
    week = {"items": [{"weekday": 0, "start": "09:00", "end": "10:00"}]}
    for method, path, body in [
        ("PATCH", "/api/clinic", {"min_notice_min": 0}),
        ("PUT", "/api/clinic/hours", week),
        ("POST", "/api/services", {"name": "Peel Plus", "duration_min": 30}),
        ("PATCH", f"/api/services/{botox}", {"price_cents": 1}),
        ("DELETE", f"/api/services/{botox}", None),
        ("POST", "/api/providers", {"name": "Dr. Nobody"}),
        ("PATCH", f"/api/providers/{maya}", {"title": "DO"}),
    ]:
        status, _, refused = desk.call(method, path, body, staff)
        assert status == 403 and refused["error"]["code"] == "forbidden", path
    assert desk.clinic() == before
    assert Service.get_by_id(botox).active and Service.get_by_id(botox).price_cents == 30000


# ---------------------------------------------------------------------------- clinic


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"min_notice_min": -1},
        {"min_notice_min": 10081},
        {"min_notice_min": "60"},
        {"min_notice_min": 60.5},
        {"horizon_days": 0},
        {"horizon_days": True},
        {"slot_step_min": 7},
        {"deposit_hold_min": 30},  # Stripe Checkout holds 30 minutes at the least
        {"refund_percent": 101},
        {"reminder_hours_before": 0},
        {"retention_days": 6},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "../../etc/passwd"},
        {"staff_phone": "555-0100"},
        {"email": "front desk"},
        {"voice": "robot"},
        {"name": "   "},
        {"instructions": "x" * 4001},
        {"phone": "+15550100009"},  # the Telnyx number is not the desk's to change
        {"currency": "eur"},
        {"favourite_colour": "teal"},
    ],
)
def test_bad_clinic_changes_are_400_and_change_nothing(desk, change):
    before = desk.clinic()
    status, _, body = desk.call("PATCH", "/api/clinic", change)
    assert status == 400 and body["error"]["code"] == "invalid", body
    assert desk.clinic() == before


def test_an_admin_changes_settings_and_the_audit_keeps_the_policy(desk):
    user_id, token = desk.login(desk.align, "owner@align.test", "admin")
    before = desk.clinic(desk.align)
    change = {
        "timezone": "America/Denver",
        "staff_phone": "+1 555 010 0099",
        "retention_days": 90,
        "voice": "cedar",
        "instructions": "Mention free parking.",
    }
    status, _, after = desk.call("PATCH", "/api/clinic", change, token)
    try:
        assert status == 200, after
        assert after["timezone"] == "America/Denver" and after["staff_phone"] == "+15550100099"
        assert after["retention_days"] == 90 and after["instructions"] == "Mention free parking."
        assert after["phone"] == before["phone"] and after["hours"] == before["hours"]
        entry = (
            AuditLog.select()
            .where((AuditLog.action == "clinic.update") & (AuditLog.clinic == desk.align))
            .order_by(AuditLog.id.desc())
            .first()
        )
        assert entry.actor == f"staff:{user_id}"
        assert entry.data == {
            "fields": sorted(change),
            "policy": {"timezone": "America/Denver", "retention_days": 90, "voice": "cedar"},
        }
        event = DashboardEvent.select().where(DashboardEvent.type == "clinic.updated")
        assert {"clinic_id": desk.align} in [e.data for e in event]
    finally:
        keys = ("timezone", "staff_phone", "retention_days", "voice", "instructions")
        put_back = {k: before[k] for k in keys}
        assert desk.call("PATCH", "/api/clinic", put_back, token)[0] == 200


def first_slot(desk: Desk, clinic: int, service: str) -> datetime:
    path = f"/api/availability?service={service}&limit=1"
    status, _, found = desk.call("GET", path, token=desk.token("staff", clinic))
    assert status == 200 and found["slots"], found
    return datetime.fromisoformat(found["slots"][0]["start"])


def test_a_longer_minimum_notice_moves_the_first_free_slot(desk):
    week_out = datetime.now(LA) + timedelta(days=7)
    assert first_slot(desk, desk.align, "adjustment") < week_out
    with policy(desk, desk.align, min_notice_min=7 * 24 * 60):
        assert first_slot(desk, desk.align, "adjustment") >= week_out


@pytest.mark.parametrize(
    "week",
    [
        [{"weekday": 7, "start": "09:00", "end": "12:00"}],
        [{"weekday": 0, "start": "9:00", "end": "12:00"}],
        [{"weekday": 0, "start": "09:00", "end": "25:00"}],
        [{"weekday": 0, "start": "12:00", "end": "09:00"}],
        [{"weekday": 0, "start": "09:00", "end": "09:00"}],
        [
            {"weekday": 0, "start": "09:00", "end": "13:00"},
            {"weekday": 0, "start": "12:00", "end": "17:00"},
        ],
        [{"weekday": 0, "start": "09:00"}],
        [{"weekday": 0, "start": "09:00", "end": "12:00", "provider": 1}],
        "Mon-Fri 9-5",
    ],
)
def test_bad_opening_hours_are_400_and_the_week_stands(desk, week):
    before = desk.clinic()["hours"]
    status, _, body = desk.call("PUT", "/api/clinic/hours", {"items": week})
    assert status == 400 and body["error"]["code"] == "invalid", body
    assert desk.clinic()["hours"] == before


def test_opening_hours_are_replaced_whole(desk):
    token = desk.token(clinic=desk.align)
    before = desk.clinic(desk.align)["hours"]
    week = [
        {"weekday": 0, "start": "13:00", "end": "17:00"},
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 6, "start": "10:00", "end": "24:00"},
    ]
    status, _, body = desk.call("PUT", "/api/clinic/hours", {"items": week}, token)
    try:
        assert status == 200
        assert body["items"] == [week[1], week[0], week[2]]
        assert desk.clinic(desk.align)["hours"] == body["items"]
    finally:
        assert desk.call("PUT", "/api/clinic/hours", {"items": before}, token)[0] == 200


# ---------------------------------------------------------------------------- services


def new_service(desk: Desk, token: str | None = None, **fields):
    body = {"name": "Microneedling", "duration_min": 60, **fields}
    return desk.call("POST", "/api/services", body, token)


def test_a_new_service_is_found_by_its_synonyms_and_booked_with_its_provider(desk):
    maya = Provider.get(Provider.name == "Dr. Maya Patel").id
    status, _, service = new_service(
        desk,
        price_cents=30000,
        deposit_cents=0,
        synonyms=["micro needling", "collagen induction"],
        description="Collagen induction therapy.",
        provider_ids=[maya],
    )
    assert status == 201, service
    assert service["synonyms"] == ["micro needling", "collagen induction"]
    assert service["provider_ids"] == [maya] and service["active"] is True

    path = "/api/availability?service=collagen%20induction&limit=3"
    found = desk.call("GET", path, token=desk.token("staff"))[2]
    assert found["service"] == "Microneedling"
    assert {s["provider"] for s in found["slots"]} == {"Dr. Maya Patel"}
    listed = desk.call("GET", "/api/services", token=desk.token("staff"))[2]["items"]
    assert service in listed
    assert AuditLog.get(AuditLog.action == "service.create").data["fields"] == [
        "deposit_cents",
        "description",
        "duration_min",
        "name",
        "price_cents",
        "provider_ids",
        "synonyms",
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"duration_min": 0},
        {"duration_min": 601},
        {"duration_min": None},
        {"price_cents": -1},
        {"price_cents": 1000, "deposit_cents": 1001},
        {"synonyms": ["tox, botox"]},
        {"synonyms": "tox"},
        {"provider_ids": [1, 1]},
        {"provider_ids": ["1"]},
        {"resource_kind": "hyperbaric chamber"},
        {"name": ""},
        {"colour": "red"},
    ],
)
def test_bad_services_are_400_and_nothing_is_stored(desk, fields):
    before = Service.select().count()
    status, _, body = new_service(desk, **{"name": "Bad Idea", **fields})
    assert status == 400 and body["error"]["code"] == "invalid", body
    assert Service.select().count() == before


def test_a_taken_name_is_409_and_another_clinics_provider_is_400(desk):
    status, _, body = new_service(desk, name="botox")
    assert status == 409 and body["error"]["code"] == "conflict"
    ortiz = Provider.get(Provider.name == "Dr. Ben Ortiz").id
    status, _, body = new_service(desk, name="Dermaplaning", provider_ids=[ortiz])
    assert status == 400 and str(ortiz) in body["error"]["message"]
    assert not Service.select().where(Service.name == "Dermaplaning").exists()


def test_a_service_is_edited_with_the_same_checks(desk):
    peel = Service.get(Service.name == "Chemical Peel").id
    url = f"/api/services/{peel}"
    assert desk.call("PATCH", url, {"deposit_cents": 20000})[0] == 400  # the price is 15000
    assert desk.call("PATCH", url, {"name": "HydraFacial"})[0] == 409
    assert desk.call("PATCH", url, {})[0] == 400
    status, _, changed = desk.call("PATCH", url, {"price_cents": 16000, "deposit_cents": 4000})
    assert status == 200 and (changed["price_cents"], changed["deposit_cents"]) == (16000, 4000)
    assert changed["name"] == "Chemical Peel"


def test_a_deleted_service_is_deactivated_and_no_longer_bookable(desk):
    created = new_service(desk, name="Dermaplaning", provider_ids=[])[2]
    status, _, removed = desk.call("DELETE", f"/api/services/{created['id']}")
    assert status == 200 and removed["active"] is False
    staff = desk.token("staff")
    assert created["id"] not in ids(desk.call("GET", "/api/services", token=staff)[2]["items"])
    everything = desk.call("GET", "/api/services?include_inactive=true", token=staff)[2]
    assert created["id"] in ids(everything["items"])
    assert desk.call("GET", "/api/services?include_inactive=yes", token=staff)[0] == 400
    assert desk.call("GET", "/api/availability?service=dermaplaning", token=staff)[0] == 400


def test_services_are_paged(desk):
    staff = desk.token("staff")
    every = ids(desk.call("GET", "/api/services?include_inactive=true", token=staff)[2]["items"])
    paged = desk.call("GET", "/api/services?include_inactive=true&limit=2&offset=1", token=staff)
    assert ids(paged[2]["items"]) == every[1:3]
    assert desk.call("GET", "/api/services?limit=0", token=staff)[0] == 400


# ---------------------------------------------------------------------------- providers


def test_an_admin_adds_a_provider_and_the_desk_sets_their_hours(desk):
    botox = Service.get(Service.name == "Botox").id
    status, _, lena = desk.call(
        "POST", "/api/providers", {"name": "Dr. Lena Cho", "title": "NP", "service_ids": [botox]}
    )
    assert status == 201, lena
    assert lena["service_ids"] == [botox] and lena["daily_cap"] is None and lena["active"]
    assert desk.call("POST", "/api/providers", {"name": "dr. lena cho"})[0] == 409
    hours = f"/api/providers/{lena['id']}/hours"
    staff = desk.token("staff")
    assert desk.call("GET", hours, token=staff)[2] == {"items": []}  # the clinic's hours

    week = [{"weekday": 2, "start": "09:00", "end": "12:00"}]
    status, _, body = desk.call("PUT", hours, {"items": week}, staff)
    assert status == 200 and body["items"] == week
    bad = [{"weekday": 2, "start": "12:00", "end": "11:00"}]
    assert desk.call("PUT", hours, {"items": bad}, staff)[0] == 400
    assert desk.call("GET", hours, token=staff)[2]["items"] == week

    wednesday = tuesday(2) + timedelta(days=1)
    path = f"/api/availability?service=botox&provider={lena['id']}&date={wednesday.date()}&limit=50"
    slots = desk.call("GET", path, token=staff)[2]["slots"]
    assert slots and all(9 <= datetime.fromisoformat(s["start"]).hour < 12 for s in slots)


def test_a_provider_is_edited_and_checked(desk):
    jess = Provider.get(Provider.name == "Jess Kim")
    url = f"/api/providers/{jess.id}"
    ortiz_service = Service.get(Service.name == "Adjustment").id
    for bad in ({"daily_cap": 0}, {"daily_cap": "4"}, {"active": "no"}, {"name": ""}):
        assert desk.call("PATCH", url, bad)[0] == 400, bad
    status, _, body = desk.call("PATCH", url, {"service_ids": [ortiz_service]})
    assert status == 400 and str(ortiz_service) in body["error"]["message"]
    assert desk.call("PATCH", url, {"name": "Dr. Maya Patel"})[0] == 409

    status, _, changed = desk.call("PATCH", url, {"title": "Lead Esthetician", "daily_cap": 6})
    assert status == 200 and (changed["title"], changed["daily_cap"]) == ("Lead Esthetician", 6)
    assert changed["service_ids"] == sorted(
        Service.get(Service.name == n).id for n in ("HydraFacial", "Chemical Peel")
    )
    linked = desk.call("PATCH", url, {"google_calendar_id": "jess@glow.test"})[2]
    assert linked["google_calendar_id"] == "jess@glow.test"
    assert desk.call("PATCH", url, {"google_calendar_id": None})[2]["google_calendar_id"] is None
    listed = desk.call("GET", "/api/providers", token=desk.token("staff"))[2]["items"]
    assert next(p for p in listed if p["id"] == jess.id)["daily_cap"] == 6


# ---------------------------------------------------------------------------- closures


def test_a_closure_from_the_desk_blocks_booking_until_it_is_removed(desk):
    user_id, staff = desk.login(desk.glow, "desk@glow.test", "staff")
    day = tuesday(3)
    closure = {
        "starts_at": day.replace(hour=9).isoformat(),
        "ends_at": day.replace(hour=18).isoformat(),
        "reason": "Staff training",
    }
    status, _, created = desk.call("POST", "/api/closures", closure, staff)
    assert status == 201, created
    assert created["provider_id"] is None and created["standing_appointment_ids"] == []

    status, _, refused = desk.book(day.replace(hour=10), "+15555550201")
    assert status == 400 and refused["error"]["code"] == "invalid", refused
    path = f"/api/availability?service=consultation&date={day.date()}"
    assert desk.call("GET", path, token=staff)[2]["slots"] == []
    assert not Appointment.select().where(Appointment.start_at >= day).exists()

    entry = AuditLog.get(
        (AuditLog.action == "closure.create") & (AuditLog.entity_id == str(created["id"]))
    )
    assert entry.actor == f"staff:{user_id}" and "training" not in str(entry.data)
    events = DashboardEvent.select().where(DashboardEvent.type == "closure.updated")
    assert {"closure_id": created["id"]} in [e.data for e in events]

    status, _, removed = desk.call("DELETE", f"/api/closures/{created['id']}", token=staff)
    assert status == 200 and removed["id"] == created["id"]
    assert desk.call("DELETE", f"/api/closures/{created['id']}", token=staff)[0] == 404
    assert desk.book(day.replace(hour=10), "+15555550201")[0] == 201


def test_one_providers_time_off_lists_what_it_leaves_standing(desk):
    day = tuesday(4)
    facial = {"provider": "Jess Kim", "service": "HydraFacial"}
    status, _, booked = desk.book(day.replace(hour=11), "+15555550202", **facial)
    assert status == 201, booked
    jess = Provider.get(Provider.name == "Jess Kim").id
    off = {
        "starts_at": day.replace(hour=9).isoformat(),
        "ends_at": day.replace(hour=18).isoformat(),
        "provider_id": jess,
    }
    status, _, created = desk.call("POST", "/api/closures", off, desk.token("staff"))
    assert status == 201
    assert created["standing_appointment_ids"] == [booked["appointment"]["id"]]
    assert desk.book(day.replace(hour=14), "+15555550203", **facial)[0] == 400
    assert desk.book(day.replace(hour=14), "+15555550203")[0] == 201  # Dr. Patel still works


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "2030-01-08T09:00:00"},  # no offset: whose 9 o'clock?
        {"starts_at": "next tuesday"},
        {"starts_at": 1893488400},
        {"starts_at": "0001-01-01T00:00:00+14:00"},
        {"ends_at": "2030-01-08T08:00:00-08:00"},  # before it starts
        {"ends_at": "2031-01-10T09:00:00-08:00"},  # longer than 366 days
        {"provider_id": "1"},
        {"reason": "x" * 201},
        {"kind": "holiday"},
    ],
)
def test_bad_closures_are_400_and_nothing_is_stored(desk, change):
    before = Closure.select().count()
    body = {
        "starts_at": "2030-01-08T09:00:00-08:00",
        "ends_at": "2030-01-08T18:00:00-08:00",
        **change,
    }
    status, _, refused = desk.call("POST", "/api/closures", body, desk.token("staff"))
    assert status == 400 and refused["error"]["code"] == "invalid", refused
    assert Closure.select().count() == before


def test_closures_are_listed_by_range(desk):
    staff = desk.token("staff")
    made = []
    for start, end in (
        ("2031-03-01T00:00:00Z", "2031-03-02T00:00:00Z"),
        ("2031-04-01T00:00:00Z", "2031-04-03T00:00:00Z"),
    ):
        body = {"starts_at": start, "ends_at": end}
        made.append(desk.call("POST", "/api/closures", body, staff)[2]["id"])
    march = "/api/closures?from=2031-03-01T12:00:00%2B00:00&to=2031-03-31T00:00:00Z"
    assert ids(desk.call("GET", march, token=staff)[2]["items"]) == made[:1]
    assert made == [
        i for i in ids(desk.call("GET", "/api/closures", token=staff)[2]["items"]) if i in made
    ]
    assert desk.call("GET", "/api/closures?from=tomorrow", token=staff)[0] == 400
    backwards = "/api/closures?from=2031-04-01T00:00:00Z&to=2031-03-01T00:00:00Z"
    assert desk.call("GET", backwards, token=staff)[0] == 400


# ---------------------------------------------------------------------------- holidays


def test_a_holiday_closes_the_whole_day(desk):
    staff = desk.token("staff")
    wednesday = tuesday(5) + timedelta(days=1)
    body = {"day": wednesday.date().isoformat(), "name": "Founders' Day"}
    status, _, holiday = desk.call("POST", "/api/holidays", body, staff)
    assert status == 201 and holiday["day"] == body["day"]
    assert desk.call("POST", "/api/holidays", {**body, "name": "again"}, staff)[0] == 409
    assert desk.book(wednesday.replace(hour=15), "+15555550204")[0] == 400
    assert holiday in desk.call("GET", "/api/holidays", token=staff)[2]["items"]

    assert desk.call("DELETE", f"/api/holidays/{holiday['id']}", token=staff)[0] == 200
    assert desk.call("DELETE", f"/api/holidays/{holiday['id']}", token=staff)[0] == 404
    assert desk.book(wednesday.replace(hour=15), "+15555550204")[0] == 201


@pytest.mark.parametrize(
    "body",
    [
        {"day": "2030-02-30"},
        {"day": "tomorrow"},
        {"day": "20300101"},
        {"name": "No day"},
        {"day": "1999-12-31"},
    ],
)
def test_bad_holidays_are_400(desk, body):
    status, _, refused = desk.call("POST", "/api/holidays", body, desk.token("staff"))
    assert status == 400 and refused["error"]["code"] == "invalid", refused


# ---------------------------------------------------------------------------- tenants


def test_another_clinic_cannot_see_or_change_this_clinics_rows(desk):
    botox = Service.get(Service.name == "Botox").id
    maya = Provider.get(Provider.name == "Dr. Maya Patel").id
    closure = desk.call(
        "POST",
        "/api/closures",
        {"starts_at": "2032-01-01T00:00:00Z", "ends_at": "2032-01-02T00:00:00Z"},
    )[2]["id"]
    holiday = desk.call("POST", "/api/holidays", {"day": "2032-07-04"})[2]["id"]
    other = desk.token(clinic=desk.align)
    week = {"items": [{"weekday": 0, "start": "01:00", "end": "02:00"}]}
    for method, path, body in [
        ("PATCH", f"/api/services/{botox}", {"price_cents": 1}),
        ("DELETE", f"/api/services/{botox}", None),
        ("PATCH", f"/api/providers/{maya}", {"name": "Mallory"}),
        ("GET", f"/api/providers/{maya}/hours", None),
        ("PUT", f"/api/providers/{maya}/hours", week),
        ("DELETE", f"/api/closures/{closure}", None),
        ("DELETE", f"/api/holidays/{holiday}", None),
    ]:
        assert desk.call(method, path, body, other)[0] == 404, path
    for path, mine in [
        ("/api/services?include_inactive=true", botox),
        ("/api/providers", maya),
        ("/api/closures", closure),
        ("/api/holidays", holiday),
    ]:
        assert mine not in ids(desk.call("GET", path, token=other)[2]["items"]), path
    ortiz = Provider.get(Provider.name == "Dr. Ben Ortiz").id
    time_off = {"starts_at": "2032-01-01T00:00:00Z", "ends_at": "2032-01-02T00:00:00Z"}
    assert desk.call("POST", "/api/closures", {**time_off, "provider_id": ortiz})[0] == 400
    assert Service.get_by_id(botox).active and Provider.get_by_id(maya).name == "Dr. Maya Patel"


def test_ids_that_are_not_rows_are_404(desk):
    for method, path in [
        ("PATCH", "/api/services/abc"),
        ("DELETE", "/api/services/" + "9" * 40),
        ("PATCH", "/api/providers/1x"),
        ("GET", "/api/providers/%C2%B2/hours"),  # a superscript two is a digit to str.isdigit
        ("PUT", "/api/providers/99999/hours"),
        ("DELETE", "/api/closures/-1"),
        ("DELETE", "/api/holidays/99999"),
    ]:
        body = {"items": []} if method == "PUT" else {"name": "x"}
        assert desk.call(method, path, body)[0] == 404, path
