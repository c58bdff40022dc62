"""Tenant isolation, route by route: a token for one clinic can neither read nor change another
clinic's data. Every route of the OpenAPI document with an id is tried with the other clinic's
ids and a body that would otherwise succeed; a route added without a case here fails the test."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from store.db import write
from store.models import (
    ALL_MODELS,
    Appointment,
    Call,
    ClinicHoliday,
    Closure,
    Customer,
    KbDocument,
    Provider,
    Service,
    SmsThread,
    StaffUser,
    WaitlistEntry,
)
from store.sms import record_message, thread_for
from tests.helpers import http
from tests.test_staff_desk import staff_token

pytestmark = pytest.mark.multiproc

GLOW, ALIGN = "+15550100001", "+15550100002"
MARKERS = ("Tenant Alice", "+15555557777", "glow-only closure", "Glow-only notes", "only-glow")
LA = ZoneInfo("America/Los_Angeles")

# The model whose row each id route names, by the path's first part after /api/.
MODEL_OF = {
    "appointments": Appointment,
    "calls": Call,
    "closures": Closure,
    "customers": Customer,
    "holidays": ClinicHoliday,
    "kb": KbDocument,
    "providers": Provider,
    "services": Service,
    "threads": SmsThread,
    "users": StaffUser,
    "waitlist": WaitlistEntry,
}


def _tuesday(hour: int) -> str:
    today = datetime.now(LA).date()
    day = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LA).isoformat()


# A body each changing route would accept for a row of the caller's own clinic.
BODIES = {
    "PATCH /api/appointments/{id}": {"start": _tuesday(11)},
    "POST /api/appointments/{id}/cancel": {"reason": "x"},
    "POST /api/appointments/{id}/no-show": None,
    "POST /api/appointments/{id}/refund": {},
    "PATCH /api/customers/{id}": {"notes": "changed"},
    "DELETE /api/closures/{id}": None,
    "DELETE /api/holidays/{id}": None,
    "DELETE /api/kb/documents/{id}": None,
    "PUT /api/kb/documents/{id}": {"title": "t", "text": "changed"},
    "PATCH /api/providers/{id}": {"title": "changed"},
    "PUT /api/providers/{id}/hours": {"items": [{"weekday": 0, "start": "09:00", "end": "17:00"}]},
    "PATCH /api/services/{id}": {"price_cents": 1},
    "DELETE /api/services/{id}": None,
    "PATCH /api/users/{id}": {"name": "changed"},
    "DELETE /api/users/{id}": None,
    "POST /api/threads/{id}/messages": {"text": "hi"},
    "POST /api/threads/{id}/handback": None,
    "DELETE /api/threads/{id}/flag": None,
    "DELETE /api/waitlist/{id}": None,
}


def _glow_rows(glow: int) -> dict:
    """Everything stored for the first clinic, to compare before and after."""
    rows = {}
    for model in ALL_MODELS:
        if "clinic" in model._meta.fields:
            query = model.select().where(model.clinic == glow).order_by(model.id)
            rows[model.__name__] = [repr(sorted(r.__data__.items())) for r in query]
    return rows


def _seed_glow(gateway, glow: int) -> None:
    admin = staff_token(gateway, GLOW, "admin")
    booked = http(
        "POST",
        gateway.url + "/api/appointments",
        {
            "service": "HydraFacial",
            "start": _tuesday(10),
            "customer_phone": MARKERS[1],
            "customer_name": MARKERS[0],
        },
        admin,
    )
    assert booked[0] == 201, booked
    assert http(
        "POST", gateway.url + "/api/kb/documents", {"title": MARKERS[4], "text": "x y z"}, admin
    )[0] in (200, 201)
    closure = {
        "starts_at": _tuesday(15),
        "ends_at": _tuesday(16),
        "reason": MARKERS[2],
    }
    assert http("POST", gateway.url + "/api/closures", closure, admin)[0] in (200, 201)
    assert http(
        "POST", gateway.url + "/api/holidays", {"day": "2031-12-25", "name": MARKERS[4]}, admin
    )[0] in (200, 201)
    wish = {"phone": MARKERS[1], "service_id": _glow_id(Service, glow), "weekdays": ["tue"]}
    assert http("POST", gateway.url + "/api/waitlist", wish, admin)[0] == 201
    with write():
        Customer.update(notes=MARKERS[3]).where(Customer.phone == MARKERS[1]).execute()
        record_message(thread_for(glow, MARKERS[1]), "in", MARKERS[4], "handled")
        Call.create(clinic=glow, call_control_id="only-glow", from_phone=MARKERS[1], to_phone=GLOW)


def _glow_id(model, glow: int) -> int:
    return model.select(model.id).where(model.clinic == glow).order_by(model.id).first().id


def test_another_clinics_token_reaches_nothing(gateway):
    glow = gateway.clinics[GLOW]
    _seed_glow(gateway, glow)
    before = _glow_rows(glow)
    intruder = staff_token(gateway, ALIGN, "admin")
    _, _, document = http("GET", gateway.url + "/api/openapi.json")

    tried = set()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/") or "{" not in path or path.startswith("/api/ops/"):
            continue
        model = MODEL_OF[path.split("/")[2]]
        url = gateway.url + path.replace("{id}", str(_glow_id(model, glow)))
        for method in operations:
            name = f"{method.upper()} {path}"
            body = BODIES.get(name) if method != "get" else None
            assert method == "get" or name in BODIES, f"add a body for {name}"
            status, _, answer = http(method.upper(), url, body, intruder)
            assert status == 404, (name, status, answer)
            tried.add(name)
    assert set(BODIES) <= tried  # the table names no route that is gone

    restart = f"{gateway.url}/api/ops/actors/sms:{GLOW}:{MARKERS[1]}/restart"
    assert http("POST", restart, None, intruder)[0] == 404

    for path, operations in document["paths"].items():  # lists and reads without an id
        if path.startswith("/api/") and "{" not in path and "get" in operations:
            if path in ("/api/events", "/api/openapi.json"):
                continue
            query = "?q=Tenant" if path.endswith("/search") or path == "/api/customers" else ""
            if path == "/api/availability":
                query = "?service=HydraFacial"
            status, _, answer = http("GET", gateway.url + path + query, token=intruder)
            assert status in (200, 400), (path, status)
            assert not any(m in json.dumps(answer) for m in MARKERS), path

    assert _glow_rows(glow) == before
