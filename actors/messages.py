"""The one message vocabulary: everything actors (and the gateway) say to each other.

Messages are small frozen dataclasses, never ORM objects or sockets. Requests carry a
correlation id (``corr``) because Thespian's ``ask()`` does not match replies to requests;
replies echo it. Replies are ``Ok`` or ``Failure``: a failure has a category and says whether
retrying can help, and the receiver decides what to do with it.

``Urgent`` messages (hang-up, barge-in, shutdown) are distinguishable by type from ordered
conversation input, the way pipecat separates system frames from data frames.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from store.settings import Settings


def new_corr() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Ok:
    """A successful reply; ``value`` is plain data (dicts, lists, str, numbers)."""

    corr: str
    value: Any = None


class Category(StrEnum):
    """What kind of failure crossed a boundary; the receiver maps it (to an HTTP status, a
    spoken apology, a retry). A str enum, so it compares equal to its wire name."""

    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later (a busy or restarting service)."""
        return self in (Category.UNAVAILABLE, Category.RATE_LIMITED)


@dataclass(frozen=True)
class Failure:
    """A typed error crossing an actor boundary. ``retryable`` defaults to the category's."""

    corr: str
    category: Category
    message: str
    retryable: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", Category(self.category))
        if self.retryable is None:
            object.__setattr__(self, "retryable", self.category.retryable)


# ---------------------------------------------------------------------------- tool results
# The one shape of a conversation tool's result, whoever builds it (the tools, the booking
# engine, the gateway when the call actor cannot be reached): models and the local brain read
# ``ok`` first, then ``error`` (a code) and ``message`` (words a customer may hear).


def tool_ok(**data: Any) -> dict:
    """A tool's successful result: ``{"ok": True, ...data}``."""
    return {"ok": True, **data}


def tool_error(code: str, message: str | None, **extra: Any) -> dict:
    """An expected tool failure: ``{"ok": False, "error": code, "message": message, ...}``."""
    return {"ok": False, "error": code, "message": message, **extra}


# ---------------------------------------------------------------------------- lifecycle


@dataclass(frozen=True)
class Urgent:
    """Marker base: handled ahead of ordered work by whoever queues messages."""


@dataclass(frozen=True)
class RootInit:
    """First message to the root supervisor, from the launcher."""

    settings: Settings


@dataclass(frozen=True)
class ServiceInit:
    """First message to a long-lived service actor."""

    settings: Settings
    name: str


@dataclass(frozen=True)
class ConversationInit:
    """First message to a conversation actor: its key, and where its checkpoint lives."""

    settings: Settings
    kind: str  # "sms" | "call"
    key: str
    clinic_id: int
    incarnation: int  # 0 at first start, +1 per restart
    directory: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Started:
    """A child tells its parent it is initialised, and its pid (for heartbeats and kills)."""

    name: str
    pid: int


@dataclass(frozen=True)
class Prestart:
    """To a warm conversation actor of a supervisor's pool: get ready (settings, database),
    then wait for the ``ConversationInit`` that hands it a conversation."""

    settings: Settings


@dataclass(frozen=True)
class Prestarted:
    """A pooled conversation actor is ready to be handed a conversation."""

    pid: int


@dataclass(frozen=True)
class FillPool:
    """A conversation supervisor's note to itself: start one more warm actor if the pool is
    short (one per message, so routing texts goes on between forks)."""


@dataclass(frozen=True)
class ListPool:
    """Ask a conversation supervisor for the pids of its warm, unassigned actors."""

    corr: str


@dataclass(frozen=True)
class Ping(Urgent):
    seq: int
    corr: str = ""


@dataclass(frozen=True)
class Pong:
    seq: int
    pid: int
    corr: str = ""


@dataclass(frozen=True)
class Finished:
    """A conversation is over (hang-up, idle): its exit is not a crash and is not restarted."""

    key: str


@dataclass(frozen=True)
class Shutdown(Urgent):
    """Ask the root to stop its children in order before the system shuts down."""

    corr: str = ""


# ---------------------------------------------------------------------------- directory


@dataclass(frozen=True)
class Directory:
    """Current addresses of the service actors and conversation supervisors, by name."""

    addresses: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GetDirectory:
    corr: str


# ---------------------------------------------------------------------------- conversations


@dataclass(frozen=True, kw_only=True)
class ConversationMessage:
    """One ordered input to a conversation; each event is its own subclass, dispatched by class.

    With ``wants_reply`` the result goes back to the sender (the supervisor fills in
    ``reply_to`` with the sender's address); without it the input is fire-and-forget and its
    effects (outbound texts, events) are the result. ``kind`` says which supervisor and actor
    class own the conversation.
    """

    kind: ClassVar[str] = ""
    corr: str
    key: str
    clinic_id: int
    wants_reply: bool = False
    reply_to: Any = None


@dataclass(frozen=True, kw_only=True)
class SmsInput(ConversationMessage):
    kind: ClassVar[str] = "sms"


@dataclass(frozen=True, kw_only=True)
class CallInput(ConversationMessage):
    kind: ClassVar[str] = "call"


@dataclass(frozen=True, kw_only=True)
class TextReceived(SmsInput):
    """A stored inbound text; ``understanding`` (intents, best answer) is added on the way."""

    message_id: int | None  # None: not a stored text (tests, benchmarks)
    text: str
    customer_phone: str
    understanding: dict | None = None


@dataclass(frozen=True, kw_only=True)
class StaffReply(SmsInput):
    """A staff member texts the customer from the dashboard; the AI is silent on the thread
    from then on until they hand it back. The reply value is the stored message."""

    text: str
    customer_phone: str
    staff: str  # the audit actor, staff:<user id>


@dataclass(frozen=True, kw_only=True)
class StaffHandBack(SmsInput):
    """Staff give the thread back to the AI."""

    customer_phone: str
    staff: str


@dataclass(frozen=True, kw_only=True)
class CallStarted(CallInput):
    """A call was answered; the reply is what a voice engine needs for it (instructions,
    tools, voice, greeting), so the gateway builds no prompt itself."""

    call_id: int
    customer_phone: str


@dataclass(frozen=True, kw_only=True)
class CallStreaming(CallInput):
    """A voice engine session is live on the call's audio (the caller is being talked to)."""

    engine: str


@dataclass(frozen=True, kw_only=True)
class CallTranscript(CallInput):
    """One finished line of the conversation (``role``: caller or assistant)."""

    role: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCall(CallInput):
    """The voice engine asks to run one tool; the reply is the tool's result (one shape)."""

    name: str
    arguments: dict
    call_id: str
    customer_phone: str


@dataclass(frozen=True, kw_only=True)
class CallDtmf(CallInput):
    digit: str


@dataclass(frozen=True, kw_only=True)
class CallFallback(CallInput):
    """The call could not be talked to (no voice engine, the engine failed) and was handed to
    staff; the call actor decides what that makes of the call's outcome."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class CallBargeIn(CallInput, Urgent):
    """The caller spoke over the assistant: only ``heard`` (if known) of its line reached them."""

    heard: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallEnded(CallInput, Urgent):
    """The call hung up. Urgent: it overtakes queued input (a tool call still waiting for a
    restarted actor is answered as 'the call has ended', not run for nobody)."""

    call_id: int
    hangup_cause: str = "unknown"
    duration_s: int = 0


@dataclass(frozen=True)
class ConversationOutput:
    """A conversation's answer to one input, routed back through its supervisor."""

    corr: str
    key: str
    result: Any  # Ok | Failure
    reply_to: Any = None
    checkpoint_version: int | None = None
    relay: tuple = ()  # (service name, message) pairs the supervisor delivers for the turn


# ---------------------------------------------------------------------------- ops


@dataclass(frozen=True)
class ActorInfo:
    """What ops see of one supervised actor."""

    id: str
    kind: str  # "service" | "supervisor" | "sms" | "call"
    name: str
    clinic_id: int | None
    address: str
    pid: int | None
    started_at: float
    restarts: int
    state: str  # starting, running, restarting, retiring, failed
    last_exit: str | None = None
    checkpoint_version: int | None = None


@dataclass(frozen=True)
class ListActors:
    corr: str


@dataclass(frozen=True)
class ChildrenReport:
    """A conversation supervisor's children, pushed to the root: every change as a delta (the
    children that changed, the ids that are gone), and the whole list once per heartbeat."""

    supervisor: str
    children: tuple[ActorInfo, ...]
    complete: bool = True
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestartActor:
    corr: str
    actor_id: str
    reply_to: Any = None  # set by the root when it forwards to a conversation supervisor


# ---------------------------------------------------------------------------- dashboard events


@dataclass(frozen=True)
class Subscribe:
    """A gateway listener subscribes to dashboard pushes (idempotent by subscriber id)."""

    subscriber_id: str


@dataclass(frozen=True)
class Published:
    """A dashboard event already committed to dashboard_event; fan it out to subscribers."""

    event_id: int
    clinic_id: int | None
    type: str
    data: dict
    created_at: str


# ---------------------------------------------------------------------------- CRM


@dataclass(frozen=True)
class FindCustomer:
    corr: str
    clinic_id: int
    phone: str


@dataclass(frozen=True)
class SaveCustomer:
    """Create or update a customer by phone (E.164); ``actor`` says who, for the audit log."""

    corr: str
    clinic_id: int
    phone: str
    name: str | None = None
    email: str | None = None
    actor: str = "system"


# ---------------------------------------------------------------------------- knowledge


@dataclass(frozen=True)
class KbSearch:
    corr: str
    clinic_id: int
    query: str
    k: int = 5


@dataclass(frozen=True)
class KbAnswer:
    """A grounded answer: the best passage and its sources, or found=False (ask staff)."""

    corr: str
    clinic_id: int
    question: str


@dataclass(frozen=True)
class KbIngest:
    """Create (document_id None) or replace a document; chunks are replaced atomically."""

    corr: str
    clinic_id: int
    title: str | None
    text: str | None
    document_id: int | None = None
    source: str = "staff"


@dataclass(frozen=True)
class KbDelete:
    corr: str
    clinic_id: int
    document_id: int


@dataclass(frozen=True)
class KbList:
    corr: str
    clinic_id: int


@dataclass(frozen=True)
class KbGet:
    corr: str
    clinic_id: int
    document_id: int


@dataclass(frozen=True)
class WarmUp:
    """An actor's note to itself: do slow start-up work after saying it has started."""


@dataclass(frozen=True)
class ClassifyIntent:
    """Intents of one customer message by similarity to example phrases (local brain)."""

    corr: str
    text: str


# ---------------------------------------------------------------------------- notifier


@dataclass(frozen=True)
class PaymentEventStored:
    """A verified payment provider event is stored: apply it now (the sweep would, later)."""


@dataclass(frozen=True)
class Housekeep:
    """Run one periodic job now (``actors/housekeeping.py`` declares them; the root sends)."""

    job: str


@dataclass(frozen=True)
class SendQueued:
    """Outbound texts committed as ``queued``: send them through Telnyx (production)."""

    message_ids: list


def sms_supervisors(count: int) -> list[str]:
    """The SMS supervisors' names: ``sms``, then ``sms-1`` ... ``sms-<count - 1>``."""
    return ["sms"] + [f"sms-{index}" for index in range(1, count)]


def sms_supervisor_for(key: str, count: int) -> str:
    """The supervisor that owns an SMS thread. Each one's cost per message grows with its
    children (Thespian walks every open connection), and one process uses one core; so threads
    are spread by a hash of their key that every process computes alike (crc32, not hash())."""
    return _owner(key, sms_supervisors(count))


def knowledge_actors(count: int) -> list[str]:
    """The knowledge actors' names: ``knowledge``, then ``knowledge-1`` ... Requests about
    documents go to ``knowledge``; texts to understand are spread over all of them."""
    return ["knowledge"] + [f"knowledge-{index}" for index in range(1, count)]


def knowledge_actor_for(key: str, count: int) -> str:
    """The knowledge actor that understands a thread's texts. Embedding a text with the local
    model is ~6 ms of CPU, so one process caps how many texts a second are understood; a
    thread keeps to one of them (its recent texts' embeddings are cached there)."""
    return _owner(key, knowledge_actors(count))


def _owner(key: str, names: list[str]) -> str:
    """One of ``names`` for ``key``, the same in every process (crc32, not the salted hash())."""
    return names[zlib.crc32(key.encode()) % len(names)]


def sms_received(
    clinic_id: int, clinic_phone: str, customer: str, message_id: int, text: str
) -> TextReceived:
    """The turn for one stored inbound text. The correlation id is the stored message's id, so
    the webhook path and the recovery sweep can both deliver it and it is handled once."""
    return TextReceived(
        corr=f"sms-in-{message_id}",
        key=f"{clinic_phone}:{customer}",
        clinic_id=clinic_id,
        message_id=message_id,
        text=text,
        customer_phone=customer,
    )


# ---------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class FindSlots:
    corr: str
    clinic_id: int
    service: str
    provider: str | None = None
    date: str | None = None
    part_of_day: str | None = None
    limit: int = 10


@dataclass(frozen=True)
class StaffBook:
    """Staff books through the API: the same checkpoints as a customer's booking."""

    corr: str
    clinic_id: int
    service: str
    start: str
    customer_phone: str
    customer_name: str | None
    provider: str | None = None
    notes: str = ""
    actor: str = "staff"
    idempotency_key: str | None = None


@dataclass(frozen=True)
class StaffReschedule:
    corr: str
    clinic_id: int
    appointment_id: int
    start: str
    provider: str | None = None
    actor: str = "staff"


@dataclass(frozen=True)
class StaffCancel:
    corr: str
    clinic_id: int
    appointment_id: int
    reason: str = ""
    actor: str = "staff"


@dataclass(frozen=True)
class StaffNoShow:
    """The customer did not come: the appointment is a no-show and a paid deposit is kept."""

    corr: str
    clinic_id: int
    appointment_id: int
    actor: str = "staff"


@dataclass(frozen=True)
class StaffRefund:
    """Refund a paid deposit by hand (all of what is left of it, or ``amount_cents``)."""

    corr: str
    clinic_id: int
    appointment_id: int
    amount_cents: int | None = None
    actor: str = "staff"


@dataclass(frozen=True)
class UnderstandAndRoute:
    """A customer's text on its way to its conversation, by way of the knowledge actor.

    The knowledge actor (the one process holding the embedding model) adds the text's intents
    and the knowledge base's best answer to the turn's payload as ``understanding`` and hands
    the turn to the named conversation supervisor. The gateway sends one message and waits for
    nothing; the thread actor rarely needs to ask the knowledge actor itself (hundreds of
    conversation processes each holding a connection to it made every ask slower: Thespian's
    TCP transport does work per connected peer on every message).
    """

    turn: TextReceived
    supervisor: str = "sms"
