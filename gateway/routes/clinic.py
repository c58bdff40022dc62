"""``/api/clinic``: the clinic's details and booking policies; the desk reads, the admin edits.

Not editable here: ``phone`` is the Telnyx number the clinic is reached on, and ``currency``
is its Stripe account's. Each policy is bounded to what the rest of the system can honour
(Stripe Checkout holds a card for 30 minutes at least, so a deposit hold is longer).
"""

from __future__ import annotations

import functools
import zoneinfo

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.dbio import run_db
from gateway.routes.editing import (
    Bool,
    Choice,
    Fields,
    Int,
    Rule,
    Text,
    edit,
    email_address,
    invalid,
    read_fields,
)
from gateway.routes.schedule import HOURS
from gateway.schemas import (
    BOOLEAN,
    INTEGER,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    STRING,
    obj,
    schema,
)
from store.clinic_settings import clinic_view, update_clinic
from store.phones import e164
from store.reminder_texts import BLANKS, MAX_LEN, template_problem

routes = web.RouteTableDef()

VOICES = ("alloy", "ash", "ballad", "cedar", "coral", "echo", "marin", "sage", "shimmer", "verse")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _zone(value: str) -> str:
    if value not in _zones():
        raise ValueError("must be an IANA time zone, e.g. America/Los_Angeles")
    return value


def _web_address(value: str) -> str:
    if not value.startswith("https://") or " " in value or len(value) < 12:
        raise ValueError("must be an https:// address")
    return value


def _phone(value: str) -> str:
    number = e164(value)
    if number is None or not value.startswith("+"):
        raise ValueError("must be an E.164 number, e.g. +15555550123")
    return number


QUIET = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"  # local wall-clock times; the window may span midnight
POLICIES = {
    "min_notice_min": Int(0, 10080),  # up to a week's notice
    "horizon_days": Int(1, 365),
    "buffer_before_min": Int(0, 240),
    "buffer_after_min": Int(0, 240),
    "slot_step_min": Int(5, 60, choices=(5, 10, 15, 20, 30, 60)),
    "refund_window_h": Int(0, 720),
    "refund_percent": Int(0, 100),
    "deposit_hold_min": Int(31, 1440),
    "reminder_hours_before": Int(1, 168),
    "retention_days": Int(7, 3650, nullable=True),  # null: kept forever
    "second_reminder_hours": Int(1, 24, nullable=True),  # null: no second reminder
    "follow_up_hours": Int(1, 72, nullable=True),  # null: no thank-you text
    "waitlist_hold_min": Int(5, 240),  # how long an opening is held for the one offered it
}


class Templates(Rule):
    """The clinic's own wording, by text kind: a string replaces the default, null restores it."""

    @property
    def schema(self) -> dict:
        text = {"type": ["string", "null"], "maxLength": MAX_LEN}
        return {
            "type": "object",
            "properties": {kind: text for kind in BLANKS},
            "additionalProperties": False,
        }

    def clean(self, name: str, value) -> dict:
        if not isinstance(value, dict):
            raise invalid(f"{name} must be an object of text kind to wording")
        for kind, text in value.items():
            if text is None:
                continue
            problem = (
                f"{kind} must be a string or null"
                if not isinstance(text, str)
                else template_problem(kind, text)
            )
            if problem:
                raise invalid(f"{name}.{problem}")
        return value


CLINIC_IN = Fields(
    {
        "name": Text(120, blank_ok=False),
        "timezone": Text(64, blank_ok=False, check=_zone),
        "staff_phone": Text(32, nullable=True, check=_phone),
        "email": Text(254, nullable=True, check=email_address),
        "address": Text(500, nullable=True),
        "instructions": Text(4000),
        "voice": Choice(VOICES),
        "review_url": Text(300, nullable=True, check=_web_address, fmt="uri"),
        "generic_reminders": Bool(),
        "quiet_hours_start": Text(5, pattern=QUIET, hint="HH:MM, 24-hour"),
        "quiet_hours_end": Text(5, pattern=QUIET, hint="HH:MM, 24-hour"),
        "reminder_texts": Templates(),
        **POLICIES,
    },
    nonempty=True,
)
CLINIC = obj(
    {
        "id": INTEGER,
        "name": STRING,
        "phone": STRING,
        "timezone": STRING,
        "staff_phone": NULLABLE_STRING,
        "email": NULLABLE_STRING,
        "address": NULLABLE_STRING,
        "instructions": STRING,
        "voice": STRING,
        "currency": STRING,
        **{name: NULLABLE_INTEGER if rule.nullable else INTEGER for name, rule in POLICIES.items()},
        "quiet_hours_start": STRING,
        "quiet_hours_end": STRING,
        "review_url": NULLABLE_STRING,
        "generic_reminders": BOOLEAN,
        "reminder_texts": {"type": "object"},
        "hours": HOURS["properties"]["items"],
    }
)


@routes.get("/api/clinic")
@roles("admin", "staff")
@schema(response=CLINIC)
async def get_clinic(request: web.Request) -> web.Response:
    """The clinic's details, booking policies and weekly opening hours."""
    return web.json_response(await run_db(clinic_view, request[keys.CLINIC_ID]))


@routes.patch("/api/clinic")
@roles("admin")
@schema(request=CLINIC_IN.schema, response=CLINIC)
async def patch_clinic(request: web.Request) -> web.Response:
    """Change any of the clinic's details or policies (admin); applies from the next booking."""
    changes = await read_fields(request, CLINIC_IN)
    updated = await edit(
        request, update_clinic, request[keys.CLINIC_ID], actor_of(request), changes
    )
    return web.json_response(updated)
