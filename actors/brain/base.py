"""What every conversation brain is given and gives back: one interface for every channel.

A brain turns one customer message into replies, calling the shared conversation tools
(``actors/tools.py``) to look things up and change things. It owns no I/O of its own beyond
those tools (and, for the OpenAI brain, the model API), and keeps its conversation memory in
``state``, a JSON-serialisable dict that the conversation actor checkpoints after every turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    name: str
    duration_min: int
    price_cents: int
    deposit_cents: int
    synonyms: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class ProviderInfo:
    id: int
    name: str
    service_ids: tuple[int, ...]
    nicknames: tuple[str, ...] = ()  # what customers call them ("Dr. Ben"), editable data


@dataclass(frozen=True)
class ClinicInfo:
    id: int
    name: str
    phone: str
    timezone: str  # IANA, e.g. America/Los_Angeles
    staff_phone: str | None
    address: str | None
    services: tuple[ServiceInfo, ...]
    providers: tuple[ProviderInfo, ...]
    hours_text: str  # e.g. "Tue-Sat 9:00 AM-6:00 PM"
    instructions: str = ""


@dataclass(frozen=True)
class CustomerInfo:
    phone: str  # E.164
    name: str | None  # known name of a returning customer, else None
    returning: bool


@dataclass(frozen=True)
class Turn:
    """One inbound message and everything the brain may know when answering it."""

    text: str
    now: datetime  # aware; the brain interprets dates in clinic.timezone relative to this
    clinic: ClinicInfo
    customer: CustomerInfo
    channel: str  # "sms" | "call"
    history: tuple[dict, ...]  # earlier turns: {"role": "customer"|"assistant", "text": ...}
    state: dict  # the brain's own memory from the last turn ({} at the start)


@dataclass(frozen=True)
class BrainReply:
    messages: tuple[str, ...]  # what to send back, in order (each a complete SMS-sized thought)
    state: dict  # the brain's memory after this turn (JSON-serialisable)
    end: bool = False  # the conversation is over (goodbye, transferred)
    tool_calls: tuple[dict, ...] = field(default_factory=tuple)  # {"name", "args", "result"} log


class ToolRunner(Protocol):
    """Runs the conversation tools (``actors/tools.py``) for this customer and clinic."""

    def call(self, name: str, args: dict) -> dict:
        """Run one tool; returns its JSON result. Never raises for a business failure:
        failures come back as ``{"ok": False, "error": code, "message": ...}``."""


class IntentClassifier(Protocol):
    def classify(self, text: str) -> list[tuple[str, float]]:
        """Intents by similarity to example phrases, best first: [(intent, score), ...]."""


class Brain(Protocol):
    def respond(self, turn: Turn, tools: ToolRunner) -> BrainReply: ...


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}".replace(".00", "")


Json = dict[str, Any]
