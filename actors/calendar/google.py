"""Providers' own Google Calendars: their busy times removed from what we offer, and each
booking mirrored there as an event.

google-api-python-client with its bundled discovery document (no network to build the
client), service-account credentials through google-auth (the key file's own ``token_uri``),
the API root from ``GOOGLE_API_BASE``. The database stays the source of truth for bookings:
busy times are our appointments (``LocalCalendar``) plus each provider's freebusy blocks,
cached briefly per calendar set and range. A calendar freebusy cannot read means that
provider's times are unknown and are not offered, never "free".

Mirroring is idempotent: the event id is derived from our appointment id (a retried insert
answered 409 is done), ``extendedProperties.private`` links it back, a delete of a gone event
is done. Failures raise ``CalendarUnavailable`` for the durable sync job to retry.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import ClassVar

import google.auth.exceptions
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from actors.calendar import Busy, CalendarUnavailable
from actors.calendar.local import LocalCalendar
from store.models import Appointment, Provider

SCOPES = ["https://www.googleapis.com/auth/calendar"]
RETRIES = 2  # the client retries 429 and 5xx with backoff
CACHE_S = 30.0
# A booking's own re-check falls back on an answer this recent if Google fails just then:
# the time was offered from it a moment ago, and Google being down must not fail the booking.
STALE_OK_S = 300.0
MIRRORED = ("booked", "pending_deposit")  # what shows on the provider's calendar


def event_id(appointment_id: int) -> str:
    """Ours, stable, and in Google's alphabet for ids (base32hex: 0-9, a-v)."""
    return f"vrai{appointment_id:010d}"


class GoogleCalendar:
    name: ClassVar[str] = "google"

    def __init__(self, key_file, api_base: str, cache_s: float = CACHE_S, clock=time.monotonic):
        credentials = service_account.Credentials.from_service_account_file(
            str(key_file), scopes=SCOPES
        )
        self.service = build(
            "calendar",
            "v3",
            credentials=credentials,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": f"{api_base.rstrip('/')}/calendar/v3/"},
        )
        self.local = LocalCalendar()
        self.cache_s, self.clock = cache_s, clock
        self._cache: dict[tuple, tuple[float, dict | None]] = {}
        self._lock = threading.Lock()  # one client, possibly several threads (the gateway's)

    # ------------------------------------------------------------------ busy times

    def busy(
        self,
        clinic_id: int,
        start: datetime,
        end: datetime,
        exclude_appointment: int | None,
        fresh: bool = False,
    ) -> list[Busy]:
        ours = self.local.busy(clinic_id, start, end, exclude_appointment)
        providers = list(
            Provider.select().where(
                (Provider.clinic == clinic_id)
                & Provider.google_calendar_id.is_null(False)
                & (Provider.active == True)  # noqa: E712 (peewee builds SQL from it)
            )
        )
        if not providers:
            return ours
        calendar_ids = tuple(sorted(p.google_calendar_id for p in providers))
        calendars = self._freebusy(calendar_ids, start, end, fresh)
        # Our own bookings are on those calendars too (we mirror them): not twice, and the one
        # being moved must not block its own new time.
        mirrored = {
            (a.provider_id, a.start_at, a.end_at)
            for a in Appointment.select().where(
                (Appointment.clinic == clinic_id)
                & (Appointment.status.in_(MIRRORED))
                & (Appointment.end_at > start)
                & (Appointment.start_at < end)
            )
        }
        blocks = list(ours)
        for provider in providers:
            answer = (calendars or {}).get(provider.google_calendar_id)
            if answer is None or answer.get("errors"):
                blocks.append(Busy(provider.id, start, end, "unknown"))
                continue
            for block in answer.get("busy", []):
                b_start, b_end = _instant(block["start"]), _instant(block["end"])
                if (provider.id, b_start, b_end) not in mirrored:
                    blocks.append(Busy(provider.id, b_start, b_end, "external"))
        return blocks

    def _freebusy(
        self, calendar_ids: tuple[str, ...], start: datetime, end: datetime, fresh: bool = False
    ):
        # Whole hours: every availability check asks from its own "now", and the answer for
        # the hour around it is the same one.
        start = start.replace(minute=0, second=0, microsecond=0)
        end = end.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        key = (calendar_ids, start, end)
        now = self.clock()
        with self._lock:
            cached = self._cache.get(key)
            if not fresh and cached is not None and now - cached[0] < self.cache_s:
                return cached[1]
        body = {
            "timeMin": start.isoformat(),
            "timeMax": end.isoformat(),
            "items": [{"id": cid} for cid in calendar_ids],
        }
        try:
            answer = self.service.freebusy().query(body=body).execute(num_retries=RETRIES)
            calendars = answer.get("calendars", {})
        except (HttpError, OSError, google.auth.exceptions.GoogleAuthError):
            if fresh and cached is not None and now - cached[0] < STALE_OK_S:
                return cached[1]  # a booking of a time just offered: not failed by a blip
            calendars = None  # every provider's time unknown: offered to nobody
        with self._lock:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = (now, calendars)
        return calendars

    # ------------------------------------------------------------------ mirroring

    def mirror(self, appointment_id: int) -> None:
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None or appointment.provider.google_calendar_id is None:
            return
        calendar_id = appointment.provider.google_calendar_id
        events = self.service.events()
        eid = event_id(appointment.id)
        try:
            if appointment.status not in MIRRORED:
                _done_unless_failed(
                    lambda: events.delete(
                        calendarId=calendar_id, eventId=eid, sendUpdates="none"
                    ).execute(num_retries=RETRIES),
                    gone_is_done=True,
                )
                return
            body = _event_body(appointment, eid)
            try:
                events.insert(calendarId=calendar_id, body=body, sendUpdates="none").execute(
                    num_retries=RETRIES
                )
            except HttpError as error:
                if error.status_code != 409:  # 409: inserted before (a retry): bring it up to date
                    raise
                changes = {k: v for k, v in body.items() if k != "id"}
                events.patch(calendarId=calendar_id, eventId=eid, body=changes).execute(
                    num_retries=RETRIES
                )
        except (HttpError, OSError, google.auth.exceptions.GoogleAuthError) as error:
            raise CalendarUnavailable(str(error)[:200]) from error
        with self._lock:
            self._cache.clear()  # what we just wrote shows in the next freebusy


def _done_unless_failed(call, gone_is_done: bool) -> None:
    try:
        call()
    except HttpError as error:
        if not (gone_is_done and error.status_code in (404, 410)):
            raise


def _event_body(appointment: Appointment, eid: str) -> dict:
    tz = appointment.clinic.timezone
    first_name = (appointment.customer.name or "").split(" ")[0]
    return {
        "id": eid,
        "summary": f"{appointment.service.name} ({first_name})"
        if first_name
        else appointment.service.name,
        "description": "Booked by the VRAI receptionist",
        "start": {"dateTime": appointment.start_at.isoformat(), "timeZone": tz},
        "end": {"dateTime": appointment.end_at.isoformat(), "timeZone": tz},
        "status": "confirmed" if appointment.status == "booked" else "tentative",
        "extendedProperties": {
            "private": {
                "appointment_id": str(appointment.id),
                "clinic_id": str(appointment.clinic_id),
            }
        },
    }


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
