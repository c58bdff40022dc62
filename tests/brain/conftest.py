"""Fixtures for the brain tests: the demo clinics as ``ClinicInfo``, an in-memory ``FakeTools``
that keeps the tool contract of ``actors/tools.py``, and the local intent classifier (the MiniLM
model is loaded once per session)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors.brain.base import (
    BrainReply,
    ClinicInfo,
    CustomerInfo,
    ProviderInfo,
    ServiceInfo,
    Turn,
)
from actors.brain.intents import EmbeddingIntentClassifier
from actors.brain.local import LocalBrain
from actors.brain.replies import SMS_LIMIT, when_label
from actors.tools import TOOLS
from store.demo import DEMO, NICKNAMES

LA = ZoneInfo("America/Los_Angeles")
CHICAGO = ZoneInfo("America/Chicago")
# A Wednesday morning: Glow (Tue-Sat 9-18) is open, "next Tuesday" is Dec 1.
GLOW_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LA)
ALIGN_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CHICAGO)
_SCHEMAS = {tool["name"]: tool["parameters"] for tool in TOOLS}
_TYPES = {"string": str, "integer": int, "boolean": bool}


def _hours_text(hours: list[tuple[int, str, str]]) -> str:
    days = [d for d, _, _ in hours]
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return f"{names[days[0]]}-{names[days[-1]]} {hours[0][1]}-{hours[0][2]}"


def demo_clinic(index: int) -> tuple[ClinicInfo, dict[int, tuple[time, time]]]:
    """A demo clinic of ``store/demo.py`` as the brain sees it, and its opening hours."""
    spec = DEMO[index]
    services = tuple(
        ServiceInfo(
            id=i,
            name=s.name,
            duration_min=s.duration_min,
            price_cents=s.price_cents,
            deposit_cents=s.deposit_cents,
            synonyms=tuple(x.strip() for x in s.synonyms.split(",") if x.strip()),
            description=s.description,
        )
        for i, s in enumerate(spec["services"], 1)
    )
    providers = tuple(
        ProviderInfo(
            id=j,
            name=name,
            service_ids=tuple(s.id for s in services if offers is None or s.name in offers),
            nicknames=tuple(n for n in NICKNAMES.get(name, "").split(",") if n),
        )
        for j, (name, _title, offers, _hours) in enumerate(spec["providers"], 1)
    )
    c = spec["clinic"]
    clinic = ClinicInfo(
        id=index + 1,
        name=c["name"],
        phone=c["phone"],
        timezone=c["timezone"],
        staff_phone=c["staff_phone"],
        address=c["address"],
        services=services,
        providers=providers,
        hours_text=_hours_text(spec["hours"]),
    )
    hours = {d: (time.fromisoformat(a), time.fromisoformat(b)) for d, a, b in spec["hours"]}
    return clinic, hours


GLOW, GLOW_HOURS = demo_clinic(0)
ALIGN, ALIGN_HOURS = demo_clinic(1)

DEFAULT_FAQ = {  # a word of the question -> the clinic's answer
    "hydrafacial": "A HydraFacial is $199 and takes about 60 minutes.",
    "botox": "Botox is $300 per area; a $50 deposit holds your appointment.",
    "park": "Free parking is available behind the building on Ocean Park Blvd.",
    "hours": "We're open Tuesday to Saturday, 9 AM to 6 PM.",
    "fee": "Cancelling with less than 24 hours' notice forfeits the deposit.",
}


@dataclass
class FakeTools:
    """The conversation tools in memory: a calendar of free slots, bookings, a tiny FAQ.

    It follows the result contract of ``actors/tools.py`` (``ok``, error codes, ``message``,
    ``alternatives``) and records every call; arguments that break a tool's JSON schema are
    collected in ``invalid`` (the dialogue helper fails the test on any).
    """

    clinic: ClinicInfo
    now: datetime
    hours: dict[int, tuple[time, time]]
    grid_min: int = 30
    min_notice_min: int = 120
    horizon_days: int = 60
    refund_window_h: int = 24
    limit: int = 5
    faq: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FAQ))
    calls: list[tuple[str, dict]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    appointments: list[dict] = field(default_factory=list)
    taken: set[datetime] = field(default_factory=set)  # starts someone else holds
    messages: list[dict] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)
    down: set[str] = field(default_factory=set)  # tools answering "unavailable"
    broken: set[str] = field(default_factory=set)  # tools raising instead of answering

    # ------------------------------------------------------------------ plumbing

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def call(self, name: str, args: dict) -> dict:
        self.calls.append((name, dict(args)))
        self._validate(name, args)
        if name in self.broken:
            raise RuntimeError(f"{name} exploded (test)")
        if name in self.down:
            return self._error("unavailable", "Our calendar isn't responding right now.")
        return getattr(self, name)(**args)

    def called(self, name: str) -> list[dict]:
        return [args for n, args in self.calls if n == name]

    def _validate(self, name: str, args: dict) -> None:
        schema = _SCHEMAS.get(name)
        if schema is None:
            self.invalid.append(f"unknown tool {name}")
            return
        props = schema["properties"]
        for key in schema.get("required", []):
            if key not in args:
                self.invalid.append(f"{name}: missing {key}")
        for key, value in args.items():
            if key not in props:
                self.invalid.append(f"{name}: unexpected {key}")
                continue
            expected = _TYPES[props[key]["type"]]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                self.invalid.append(f"{name}: {key}={value!r} is not {props[key]['type']}")
            if "enum" in props[key] and value not in props[key]["enum"]:
                self.invalid.append(f"{name}: {key}={value!r} not in enum")

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def add_appointment(
        self, service: str, start: datetime, provider: str | None = None, status: str = "booked"
    ) -> dict:
        svc = self._service(service)
        assert svc is not None
        provider = provider or self._providers_for(svc)[0].name
        appointment = {
            "id": len(self.appointments) + 1,
            "service": svc.name,
            "provider": provider,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=svc.duration_min)).isoformat(),
            "status": status,
            "label": when_label(start.astimezone(self.tz)),
        }
        self.appointments.append(appointment)
        return appointment

    def steal(self, start: datetime) -> None:
        """Someone else books ``start`` (for every provider) between offer and confirm."""
        self.taken.add(start)

    # ------------------------------------------------------------------ calendar

    def _service(self, name: str) -> ServiceInfo | None:
        return next((s for s in self.clinic.services if s.name.lower() == name.lower()), None)

    def _provider(self, name: str) -> ProviderInfo | None:
        return next((p for p in self.clinic.providers if p.name.lower() == name.lower()), None)

    def _providers_for(self, service: ServiceInfo) -> list[ProviderInfo]:
        return [p for p in self.clinic.providers if service.id in p.service_ids]

    def _busy(self, provider: str, start: datetime, end: datetime, skip: int | None) -> bool:
        if start in self.taken:
            return True
        for a in self.appointments:
            if a["id"] == skip or a["provider"] != provider or a["status"] == "cancelled":
                continue
            a_start, a_end = datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"])
            if start < a_end and a_start < end:
                return True
        return False

    def _slots(
        self,
        service: ServiceInfo,
        provider: ProviderInfo | None = None,
        day: date | None = None,
        part: str | None = None,
        skip: int | None = None,
    ) -> list[dict]:
        today = self.now.astimezone(self.tz).date()
        earliest = self.now + timedelta(minutes=self.min_notice_min)
        days = [day] if day else [today + timedelta(days=k) for k in range(self.horizon_days)]
        providers = [provider] if provider else self._providers_for(service)
        out = []
        for d in days:
            if d.weekday() not in self.hours:
                continue
            opens, closes = self.hours[d.weekday()]
            start, close = self.at(d, opens.hour, opens.minute), self.at(d, closes.hour)
            while start + timedelta(minutes=service.duration_min) <= close:
                end = start + timedelta(minutes=service.duration_min)
                band = {"morning": start.hour < 12, "afternoon": 12 <= start.hour < 17}
                if start >= earliest and (part is None or band.get(part, start.hour >= 17)):
                    for p in providers:
                        if not self._busy(p.name, start, end, skip):
                            out.append(self._slot(start, end, p.name))
                            break
                start += timedelta(minutes=self.grid_min)
        return out

    def _slot(self, start: datetime, end: datetime, provider: str) -> dict:
        label = f"{when_label(start)} with {provider}"
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "provider": provider,
            "label": label,
        }

    def _nearest(self, slots: list[dict], near: datetime) -> list[dict]:
        close = sorted(slots, key=lambda s: abs(datetime.fromisoformat(s["start"]) - near))
        return sorted(close[: self.limit], key=lambda s: s["start"])

    @staticmethod
    def _error(code: str, message: str, **extra: object) -> dict:
        return {"ok": False, "error": code, "message": message, **extra}

    def _resolve(self, service: str, provider: str | None) -> tuple:
        svc = self._service(service)
        if svc is None:
            return None, None, self._error("service_unknown", f"We don't offer {service}.")
        prov = None
        if provider:
            prov = self._provider(provider)
            if prov is None:
                return None, None, self._error("provider_unknown", f"I don't know {provider}.")
            if svc.id not in prov.service_ids:
                msg = f"{prov.name} doesn't offer {svc.name}."
                return None, None, self._error("provider_does_not_offer_service", msg)
        return svc, prov, None

    def _check_start(self, svc: ServiceInfo, start: datetime) -> dict | None:
        """The booking rules, in the availability engine's order."""
        local = start.astimezone(self.tz)
        if start < self.now:
            return self._error("in_past", "That time has already passed.")
        if start < self.now + timedelta(minutes=self.min_notice_min):
            return self._error("too_soon", "That's too soon; we need 2 hours' notice.")
        if start >= self.now + timedelta(days=self.horizon_days):
            return self._error("beyond_horizon", "We only book 60 days ahead.")
        if local.weekday() not in self.hours:
            return self._error("clinic_closed", f"We're closed on {local:%A}s.")
        opens, closes = self.hours[local.weekday()]
        end = local + timedelta(minutes=svc.duration_min)
        if local.time() < opens or end.time() > closes or end.date() != local.date():
            return self._error("outside_hours", "That's outside our opening hours.")
        if (local.hour * 60 + local.minute) % self.grid_min:
            return self._error("off_grid", "Appointments start on the half hour.")
        return None

    def _place(
        self, svc: ServiceInfo, prov: ProviderInfo | None, start: datetime, skip: int | None
    ) -> tuple[str | None, dict | None]:
        """(provider, None) for a free start, else (None, an error with alternatives)."""
        problem = self._check_start(svc, start)
        if problem is None:
            end = start + timedelta(minutes=svc.duration_min)
            for p in [prov] if prov else self._providers_for(svc):
                if not self._busy(p.name, start, end, skip):
                    return p.name, None
            problem = self._error("slot_taken", "Sorry, that time was just taken.")
        problem["alternatives"] = self._nearest(self._slots(svc, prov, skip=skip), start)[:3]
        return None, problem

    # ------------------------------------------------------------------ the tools

    def check_availability(
        self,
        service: str,
        provider: str | None = None,
        date: str | None = None,
        part_of_day: str | None = None,
        near: str | None = None,
        party: int = 1,
    ) -> dict:
        svc, prov, error = self._resolve(service, provider)
        if error:
            return error
        if party > 1:  # back to back: each next slot starts once the one before has ended
            day = datetime.fromisoformat(date).date() if date else None
            slots = self._slots(svc, prov, day, part_of_day)
            groups = []
            for first in slots:
                group = [first]
                while len(group) < party:
                    after = [s for s in slots if s["start"] >= group[-1]["end"]]
                    if not after or after[0]["start"][:10] != first["start"][:10]:
                        break
                    group.append(after[0])
                if len(group) == party:
                    groups.append({**first, "group": group})
            return {"ok": True, "service": svc.name, "slots": groups[:3]}
        day = datetime.fromisoformat(date).date() if date else None
        today = self.now.astimezone(self.tz).date()
        if day is not None:
            noon = self.at(day, 12)
            if day < today:
                alts = self._slots(svc, prov)[:3]
                return self._error("in_past", "That date has already passed.", alternatives=alts)
            if day.weekday() not in self.hours:
                alts = self._nearest(self._slots(svc, prov), noon)[:3]
                msg = f"We're closed on {day:%A}s."
                return self._error("clinic_closed", msg, alternatives=alts)
        slots = self._slots(svc, prov, day, part_of_day)
        if not near:
            return {"ok": True, "service": svc.name, "slots": slots[: self.limit]}
        at = datetime.fromisoformat(near)
        closest = sorted(slots, key=lambda s: abs(datetime.fromisoformat(s["start"]) - at))
        slots = sorted(closest[:3], key=lambda s: s["start"])  # the closest three, in order
        free, problem = self._place(svc, prov, at, None)
        if free is None:  # why not, and the nearest instead (the engine's contract)
            found = {"exact": False, "reason": problem["error"], "message": problem["message"]}
            return {"ok": True, "service": svc.name, "slots": slots[: self.limit], **found}
        hit = self._slot(at, at + timedelta(minutes=svc.duration_min), free)
        slots = [hit, *(s for s in slots if s["start"] != hit["start"])]
        return {"ok": True, "service": svc.name, "slots": slots[: self.limit], "exact": True}

    def provider_hours(self, provider: str, date: str | None = None) -> dict:
        prov = self._provider(provider)
        if prov is None:
            return self._error("provider_unknown", f"I don't know {provider}.")
        today = self.now.astimezone(self.tz).date()
        days = (
            [datetime.fromisoformat(date).date()]
            if date
            else [today + timedelta(days=k) for k in range(7)]
        )
        listed = []
        for d in days:
            opens, closes = self.hours.get(d.weekday(), (None, None))
            hours = [[f"{opens:%H:%M}", f"{closes:%H:%M}"]] if opens else []
            listed.append({"date": d.isoformat(), "weekday": f"{d:%A}", "hours": hours})
        return {"ok": True, "provider": prov.name, "days": listed}

    def book_appointment(
        self,
        service: str,
        start: str,
        customer_name: str,
        provider: str | None = None,
        notes: str | None = None,
    ) -> dict:
        svc, prov, error = self._resolve(service, provider)
        if error:
            return error
        if not customer_name.strip():
            return self._error("name_required", "I'll need your full name to book.")
        begins = datetime.fromisoformat(start)
        placed, problem = self._place(svc, prov, begins, None)
        if problem:
            return problem
        appointment = self.add_appointment(
            svc.name, begins, placed, "pending_deposit" if svc.deposit_cents else "booked"
        )
        appointment["customer_name"] = customer_name
        deposit = {"required": False, "amount": 0, "status": "none", "link": None}
        if svc.deposit_cents:
            link = f"https://pay.example/d/{appointment['id']}"
            deposit = {
                "required": True,
                "amount": svc.deposit_cents,
                "status": "pending",
                "link": link,
            }
        return {"ok": True, "appointment": appointment, "deposit": deposit}

    def _mine(self, appointment_id: int | None) -> dict | None:
        upcoming = self.list_my_appointments()["appointments"]
        if appointment_id is None:
            return upcoming[0] if len(upcoming) == 1 else None
        return next((a for a in upcoming if a["id"] == appointment_id), None)

    def reschedule_appointment(
        self, new_start: str, appointment_id: int | None = None, provider: str | None = None
    ) -> dict:
        appointment = self._mine(appointment_id)
        if appointment is None:
            return self._error("not_found", "I couldn't find that appointment.")
        svc, prov, error = self._resolve(appointment["service"], provider)
        if error:
            return error
        begins = datetime.fromisoformat(new_start)
        placed, problem = self._place(svc, prov, begins, appointment["id"])
        if problem:
            return problem
        appointment.update(
            start=begins.isoformat(),
            end=(begins + timedelta(minutes=svc.duration_min)).isoformat(),
            provider=placed,
            label=when_label(begins.astimezone(self.tz)),
        )
        return {"ok": True, "appointment": appointment}

    def cancel_appointment(self, appointment_id: int | None = None, reason: str | None = None):
        appointment = self._mine(appointment_id)
        if appointment is None:
            return self._error("not_found", "I couldn't find that appointment.")
        svc = self._service(appointment["service"])
        appointment["status"] = "cancelled"
        start = datetime.fromisoformat(appointment["start"])
        if not svc or not svc.deposit_cents:
            deposit = "none"
        elif start - self.now >= timedelta(hours=self.refund_window_h):
            deposit = "refunded"
        else:
            deposit = "kept"
        return {"ok": True, "appointment": appointment, "deposit": deposit}

    def list_my_appointments(self) -> dict:
        upcoming = [
            a
            for a in self.appointments
            if a["status"] in ("booked", "pending_deposit")
            and datetime.fromisoformat(a["start"]) > self.now
        ]
        return {"ok": True, "appointments": sorted(upcoming, key=lambda a: a["start"])}

    def answer_question(self, question: str) -> dict:
        words = question.lower()
        for key, answer in self.faq.items():
            if key in words:
                return {"ok": True, "found": True, "answer": answer, "sources": [1]}
        return {"ok": True, "found": False, "answer": None, "sources": []}

    def take_message(self, message: str, urgent: bool = False) -> dict:
        self.messages.append({"message": message, "urgent": urgent})
        return {"ok": True}

    def transfer_to_staff(self, reason: str) -> dict:
        self.transfers.append(reason)
        return {"ok": True, "staff_phone": self.clinic.staff_phone, "action": "transfer"}

    def end_conversation(self) -> dict:
        return {"ok": True, "action": "end_call"}


class Chat:
    """A conversation with the brain: each ``say`` is one turn carrying the state forward,
    checking every reply is SMS-sized, JSON-serialisable and used only valid tool arguments."""

    def __init__(
        self,
        brain: LocalBrain,
        tools: FakeTools,
        customer: CustomerInfo | None = None,
        channel: str = "sms",
    ) -> None:
        self.brain, self.tools = brain, tools
        self.customer = customer or CustomerInfo(phone="+15555550123", name=None, returning=False)
        self.channel = channel
        self.state: dict = {}
        self.history: list[dict] = []
        self.replies: list[BrainReply] = []

    def say(self, text: str) -> BrainReply:
        turn = Turn(
            text=text,
            now=self.tools.now,
            clinic=self.tools.clinic,
            customer=self.customer,
            channel=self.channel,
            history=tuple(self.history),
            state=self.state,
        )
        reply = self.brain.respond(turn, self.tools)
        assert reply.messages, "the brain must always answer"
        for message in reply.messages:
            assert 0 < len(message) <= SMS_LIMIT, message
        assert json.loads(json.dumps(reply.state)) == reply.state
        assert not self.tools.invalid, self.tools.invalid
        self.state = reply.state
        self.history += [{"role": "customer", "text": text}]
        self.history += [{"role": "assistant", "text": m} for m in reply.messages]
        self.replies.append(reply)
        return reply

    def text(self, reply: BrainReply | None = None) -> str:
        return "\n".join((reply or self.replies[-1]).messages)


@pytest.fixture(scope="session")
def intent_classifier() -> EmbeddingIntentClassifier:
    from kb.embedders.local import LocalEmbedder

    classifier = EmbeddingIntentClassifier(LocalEmbedder())
    classifier.warm_up()
    return classifier


@pytest.fixture(scope="session")
def brain(intent_classifier: EmbeddingIntentClassifier) -> LocalBrain:
    return LocalBrain(intent_classifier)


@pytest.fixture
def glow() -> ClinicInfo:
    """Glow Med Spa (Los Angeles, Tue-Sat 9-18); its "now" is Wed 2026-11-25 10:00."""
    return GLOW


@pytest.fixture
def align() -> ClinicInfo:
    """Align Chiropractic (Chicago, Mon-Fri 8-17, Sat 9-12); same wall-clock "now"."""
    return ALIGN


@pytest.fixture
def new_glow_tools() -> Callable[[], FakeTools]:
    return lambda: FakeTools(GLOW, GLOW_NOW, GLOW_HOURS)


@pytest.fixture
def glow_tools(new_glow_tools: Callable[[], FakeTools]) -> FakeTools:
    return new_glow_tools()


@pytest.fixture
def align_tools() -> FakeTools:
    return FakeTools(ALIGN, ALIGN_NOW, ALIGN_HOURS, min_notice_min=60, horizon_days=30)


@pytest.fixture
def make_chat(brain: LocalBrain, glow_tools: FakeTools) -> Callable[..., Chat]:
    """``make_chat(tools=glow_tools, customer=None, channel="sms", brain=brain)``."""

    def make(
        tools: FakeTools | None = None,
        customer: CustomerInfo | None = None,
        channel: str = "sms",
        brain_: LocalBrain | None = None,
    ) -> Chat:
        return Chat(brain_ or brain, tools or glow_tools, customer, channel)

    return make


@pytest.fixture
def chat(make_chat: Callable[..., Chat]) -> Chat:
    return make_chat()
