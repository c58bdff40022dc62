"""The domain, as peewee models. Every tenant-owned row carries its clinic.

Instants are UTC (``UtcDateTimeField``); local wall-clock rules (opening hours) are stored as
``HH:MM`` text with the clinic's IANA time zone, so DST is resolved when a slot is computed.
Money is integer cents. Statuses are short strings checked against the tuples below.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    Check,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from store.db import db
from store.fields import JSONField, UtcDateTimeField, utcnow

APPOINTMENT_STATUSES = ("pending_deposit", "booked", "cancelled", "completed", "no_show")
DEPOSIT_STATUSES = ("pending", "paid", "waived", "refunded", "kept", "expired")
MESSAGE_STATUSES = ("received", "handled", "queued", "outbox", "sent", "delivered", "failed")
ROLES = ("admin", "staff", "ops")
# The texts an appointment gets (actors/reminder_plan.py says when each is due).
REMINDER_KINDS = (
    "confirmation",
    "reminder_24h",
    "reminder_2h",
    "follow_up",
    "no_show",
    "deposit_reminder",
)


def _in(column: str, values: tuple[str, ...]) -> Check:
    quoted = ", ".join(f"'{v}'" for v in values)
    return Check(f"{column} IN ({quoted})")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Clinic(BaseModel):
    """A tenant: one clinic, its phone number, time zone and booking policies."""

    id = AutoField()
    name = CharField()
    phone = CharField(unique=True)  # E.164, the number callers and texters use
    timezone = CharField()
    staff_phone = CharField(null=True)  # where transfer_to_staff sends a call
    email = CharField(null=True)
    address = TextField(null=True)
    instructions = TextField(default="")  # extra guidance for the conversation brain
    voice = CharField(default="marin")
    min_notice_min = IntegerField(default=60)
    horizon_days = IntegerField(default=30)
    buffer_before_min = IntegerField(default=0)
    buffer_after_min = IntegerField(default=0)
    slot_step_min = IntegerField(default=15)
    refund_window_h = IntegerField(default=24)  # cancel at least this early: deposit refunded
    refund_percent = IntegerField(default=100)  # of the deposit, when refunded by policy
    deposit_hold_min = IntegerField(default=30)  # an unpaid card deposit holds the slot this long
    currency = CharField(default="usd")
    reminder_hours_before = IntegerField(default=24)  # the appointment reminder's lead time
    retention_days = IntegerField(null=True)  # transcripts and texts older than this: redacted
    quiet_hours_start = CharField(default="21:00")  # local; reminders wait out this window
    quiet_hours_end = CharField(default="08:00")
    second_reminder_hours = IntegerField(null=True, default=2)  # "reply C or R"; None: none
    follow_up_hours = IntegerField(null=True, default=2)  # thank-you after the visit; None: none
    review_url = CharField(null=True)  # where the thank-you asks for a review
    generic_reminders = BooleanField(default=False)  # reminders name no treatment (privacy)
    # A clinic's own words for its appointment texts, by kind ({clinic}, {service}, {when}...):
    # actors/appointment_texts.py; a kind not set reads the default.
    reminder_texts = JSONField(null=True)
    waitlist_hold_min = IntegerField(default=15)  # a waitlist offer holds its slot this long
    created_at = UtcDateTimeField(default=utcnow)


class StaffUser(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="staff", on_delete="CASCADE")
    email = CharField()
    name = CharField()
    role = CharField(constraints=[_in("role", ROLES)])
    active = BooleanField(default=True)
    created_at = UtcDateTimeField(default=utcnow)
    password_hash = CharField(null=True)  # store/passwords.py; None: cannot log in

    class Meta:
        indexes = ((("clinic", "email"), True),)


class RefreshToken(BaseModel):
    """One refresh token (only its hash is kept). Each use makes the next in its family; a
    token used twice means it was stolen, and the whole family is revoked."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    user = ForeignKeyField(StaffUser, backref="refresh_tokens", on_delete="CASCADE")
    family = CharField(index=True)
    token_hash = CharField(unique=True)
    expires_at = UtcDateTimeField()
    used_at = UtcDateTimeField(null=True)
    revoked_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField(default=utcnow)


class Resource(BaseModel):
    """A room or device a service needs (e.g. the laser); one booking at a time."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="resources", on_delete="CASCADE")
    name = CharField()
    kind = CharField()


class Service(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="services", on_delete="CASCADE")
    name = CharField()
    description = TextField(default="")
    synonyms = TextField(default="")  # comma-separated words callers use for it
    duration_min = IntegerField(constraints=[Check("duration_min > 0")])
    price_cents = IntegerField(default=0, constraints=[Check("price_cents >= 0")])
    deposit_cents = IntegerField(default=0, constraints=[Check("deposit_cents >= 0")])
    resource_kind = CharField(null=True)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("clinic", "name"), True),)


class Provider(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="providers", on_delete="CASCADE")
    name = CharField()
    title = CharField(default="")
    daily_cap = IntegerField(null=True)
    active = BooleanField(default=True)
    google_calendar_id = CharField(null=True)  # their own calendar, shared with our account
    nicknames = TextField(default="")  # comma-separated names callers use ("Dr. Ben")

    class Meta:
        indexes = ((("clinic", "name"), True),)


class ProviderService(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    provider = ForeignKeyField(Provider, backref="offers", on_delete="CASCADE")
    service = ForeignKeyField(Service, backref="offered_by", on_delete="CASCADE")

    class Meta:
        indexes = ((("provider", "service"), True),)


class WorkingHours(BaseModel):
    """One interval of a weekday; several per day express breaks. provider NULL = clinic hours."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="hours", on_delete="CASCADE")
    provider = ForeignKeyField(Provider, null=True, backref="hours", on_delete="CASCADE")
    weekday = IntegerField(constraints=[Check("weekday BETWEEN 0 AND 6")])  # 0 = Monday
    start = CharField()  # "09:00" local
    end = CharField()  # "18:00" local

    class Meta:
        constraints = [Check('"start" < "end"')]


class Closure(BaseModel):
    """A holiday or closure (provider NULL) or one provider's time off."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="closures", on_delete="CASCADE")
    provider = ForeignKeyField(Provider, null=True, backref="time_off", on_delete="CASCADE")
    starts_at = UtcDateTimeField()
    ends_at = UtcDateTimeField()
    reason = CharField(default="")

    class Meta:
        constraints = [Check("starts_at < ends_at")]


class Customer(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="customers", on_delete="CASCADE")
    phone = CharField()  # E.164
    name = CharField(null=True)
    email = CharField(null=True)
    notes = TextField(default="")
    created_at = UtcDateTimeField(default=utcnow)
    last_seen_at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("clinic", "phone"), True),)


class Appointment(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="appointments", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="appointments", on_delete="RESTRICT")
    service = ForeignKeyField(Service, on_delete="RESTRICT")
    provider = ForeignKeyField(Provider, on_delete="RESTRICT")
    resource = ForeignKeyField(Resource, null=True, on_delete="SET NULL")
    start_at = UtcDateTimeField(index=True)
    end_at = UtcDateTimeField()
    status = CharField(constraints=[_in("status", APPOINTMENT_STATUSES)])
    source = CharField(default="staff")  # sms, call, staff, api
    idempotency_key = CharField(null=True, unique=True)
    notes = TextField(default="")
    cancel_reason = TextField(null=True)
    cancelled_by = CharField(null=True)
    cancelled_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField(default=utcnow)
    updated_at = UtcDateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        constraints = [Check("start_at < end_at")]
        indexes = ((("clinic", "provider", "start_at"), False),)


class Deposit(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    appointment = ForeignKeyField(Appointment, backref="deposits", on_delete="CASCADE")
    amount_cents = IntegerField(constraints=[Check("amount_cents >= 0")])
    currency = CharField(default="usd")
    status = CharField(constraints=[_in("status", DEPOSIT_STATUSES)])
    backend = CharField(default="local")  # local | stripe
    external_id = CharField(null=True, unique=True)  # Checkout Session / PaymentIntent id
    checkout_url = TextField(null=True)
    created_at = UtcDateTimeField(default=utcnow)
    paid_at = UtcDateTimeField(null=True)
    hold_until = UtcDateTimeField(null=True)  # an unpaid hold lapses then (card deposits)
    # The clinic's policy when this was booked: a later change never rewrites old bookings.
    refund_window_h = IntegerField(null=True)
    refund_percent = IntegerField(default=100)


class Refund(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    deposit = ForeignKeyField(Deposit, backref="refunds", on_delete="CASCADE")
    amount_cents = IntegerField(constraints=[Check("amount_cents > 0")])
    status = CharField(default="pending")
    external_id = CharField(null=True, unique=True)
    reason = CharField(default="")
    created_at = UtcDateTimeField(default=utcnow)


class Call(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="calls", on_delete="CASCADE")
    call_control_id = CharField(unique=True)
    customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    from_phone = CharField()
    to_phone = CharField()
    status = CharField(default="initiated")  # initiated, answered, ended
    outcome = CharField(null=True)  # booked, answered_question, message_taken, transferred, ...
    hangup_cause = CharField(null=True)
    started_at = UtcDateTimeField(default=utcnow)
    answered_at = UtcDateTimeField(null=True)
    ended_at = UtcDateTimeField(null=True)
    duration_s = IntegerField(null=True)


class CallEvent(BaseModel):
    """One line of a call's history: a transcript line, a tool call or result, a DTMF, a latency."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    call = ForeignKeyField(Call, backref="events", on_delete="CASCADE")
    kind = CharField()
    text = TextField(default="")
    data = JSONField(null=True)
    created_at = UtcDateTimeField(default=utcnow)


class SmsThread(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="threads", on_delete="CASCADE")
    customer_phone = CharField()
    customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    created_at = UtcDateTimeField(default=utcnow)
    last_message_at = UtcDateTimeField(default=utcnow)
    # Staff took the thread over: the AI stays silent until they hand it back.
    ai_paused_by = CharField(null=True)
    ai_paused_at = UtcDateTimeField(null=True)
    # Why staff should look at this thread (e.g. a bare CANCEL from someone with a visit booked).
    flag = CharField(null=True)

    class Meta:
        indexes = ((("clinic", "customer_phone"), True),)


class Message(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    thread = ForeignKeyField(SmsThread, backref="messages", on_delete="CASCADE")
    direction = CharField(constraints=[_in("direction", ("in", "out"))])
    text = TextField()
    status = CharField(constraints=[_in("status", MESSAGE_STATUSES)])
    external_id = CharField(null=True, unique=True)  # Telnyx message id
    error = TextField(null=True)
    created_at = UtcDateTimeField(default=utcnow, index=True)


class SendAttempt(BaseModel):
    """A text handed to the carrier, written before the request: a text with an attempt is
    never handed over again. ``outcome`` None while the request is out (or the process died
    during it); ``uncertain`` when the carrier may or may not have it (left for its delivery
    webhook or for staff), ``reconciled`` when that webhook told us."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    message = ForeignKeyField(Message, unique=True, backref="attempt", on_delete="CASCADE")
    started_at = UtcDateTimeField(default=utcnow)
    outcome = CharField(null=True)  # sent, failed, uncertain, reconciled


class KbDocument(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="documents", on_delete="CASCADE")
    title = CharField()
    text = TextField()
    source = CharField(default="staff")
    content_hash = CharField()
    created_at = UtcDateTimeField(default=utcnow)
    updated_at = UtcDateTimeField(default=utcnow)


class KbChunk(BaseModel):
    """A searchable passage with its embedding (float32 bytes) and the model that made it."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    document = ForeignKeyField(KbDocument, backref="chunks", on_delete="CASCADE")
    ordinal = IntegerField()
    heading = CharField(default="")
    text = TextField()
    embedding = BlobField(null=True)
    model = CharField(default="")
    dim = IntegerField(default=0)

    class Meta:
        indexes = ((("document", "ordinal"), True),)


class Reminder(BaseModel):
    """A durable job: due_at passes, a worker claims it (locked_until), sends, marks it done."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    appointment = ForeignKeyField(Appointment, null=True, backref="reminders", on_delete="CASCADE")
    kind = CharField()  # actors/reminder_plan.py KINDS, missed_call_text, customer_text, ...
    due_at = UtcDateTimeField(index=True)
    status = CharField(default="pending")  # pending, sent, cancelled, failed, skipped
    attempts = IntegerField(default=0)
    locked_until = UtcDateTimeField(null=True)
    payload = JSONField(null=True)
    created_at = UtcDateTimeField(default=utcnow)


class WebhookEvent(BaseModel):
    """Every accepted webhook's id, stored before we answer 2xx: a redelivery changes nothing."""

    id = AutoField()
    provider = CharField()  # telnyx, stripe
    event_id = CharField()
    event_type = CharField()
    clinic = ForeignKeyField(Clinic, null=True, on_delete="CASCADE")
    received_at = UtcDateTimeField(default=utcnow)
    processed_at = UtcDateTimeField(null=True)
    payload = JSONField(null=True)  # kept where the event is applied after the 200 (Stripe)

    class Meta:
        indexes = ((("provider", "event_id"), True),)


class ConversationCheckpoint(BaseModel):
    """A conversation actor's state after its last turn; a restarted actor resumes from it."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    kind = CharField()  # sms, call
    key = CharField()
    version = IntegerField(default=0)
    state = JSONField()
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "key"), True),)


class OptOut(BaseModel):
    """One ledger for every channel: an opted-out number is sent nothing but the confirmation."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    phone = CharField()
    active = BooleanField(default=True)
    keyword = CharField(default="")
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("clinic", "phone"), True),)


class AuditLog(BaseModel):
    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    actor = CharField()  # who: staff:<id>, sms, call, system
    action = CharField()
    entity = CharField()
    entity_id = CharField()
    data = JSONField(null=True)
    created_at = UtcDateTimeField(default=utcnow)


class DashboardEvent(BaseModel):
    """The SSE log: the id is the SSE event id, so Last-Event-ID replays what a client missed."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, null=True, on_delete="CASCADE")  # NULL: ops-wide
    type = CharField()
    data = JSONField()
    created_at = UtcDateTimeField(default=utcnow)


class ClinicHoliday(BaseModel):
    """A whole local day the clinic is closed (e.g. Thanksgiving), in the clinic's time zone."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="holidays", on_delete="CASCADE")
    day = DateField()
    name = CharField(default="")

    class Meta:
        indexes = ((("clinic", "day"), True),)


WAITLIST_STATUSES = ("waiting", "offered", "booked", "removed", "expired")
OFFER_STATUSES = ("holding", "accepted", "declined", "expired", "withdrawn")
PARTS_OF_DAY = ("morning", "afternoon", "evening")


class WaitlistEntry(BaseModel):
    """A customer waiting for an opening: a service, a provider (None: any) and a window of
    local days (``from_day``..``until_day``, ``weekdays`` 0=Monday, empty: any) and part of
    day (None: any time). First come, first offered."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, backref="waitlist", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="waitlist", on_delete="CASCADE")
    service = ForeignKeyField(Service, on_delete="CASCADE")
    provider = ForeignKeyField(Provider, null=True, on_delete="CASCADE")
    weekdays = JSONField(default=list)
    part_of_day = CharField(null=True, constraints=[_in("part_of_day", PARTS_OF_DAY)])
    from_day = DateField()
    until_day = DateField()
    status = CharField(default="waiting", constraints=[_in("status", WAITLIST_STATUSES)])
    source = CharField(default="staff")  # sms, call, staff
    appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
    created_at = UtcDateTimeField(default=utcnow)
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("clinic", "status", "created_at"), False),)


class WaitlistOffer(BaseModel):
    """One freed slot offered to one waiting customer, held for them until ``hold_until``.
    ``slot_key`` is set only while holding and is unique: the database itself refuses to
    offer one slot to two customers at once."""

    id = AutoField()
    clinic = ForeignKeyField(Clinic, on_delete="CASCADE")
    entry = ForeignKeyField(WaitlistEntry, backref="offers", on_delete="CASCADE")
    provider = ForeignKeyField(Provider, on_delete="CASCADE")
    resource = ForeignKeyField(Resource, null=True, on_delete="SET NULL")
    start_at = UtcDateTimeField()
    end_at = UtcDateTimeField()
    hold_until = UtcDateTimeField(index=True)
    status = CharField(default="holding", constraints=[_in("status", OFFER_STATUSES)])
    slot_key = CharField(null=True, unique=True)
    message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
    appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
    created_at = UtcDateTimeField(default=utcnow)
    answered_at = UtcDateTimeField(null=True)


ALL_MODELS: tuple[type[BaseModel], ...] = (
    Clinic,
    StaffUser,
    RefreshToken,
    Resource,
    Service,
    Provider,
    ProviderService,
    WorkingHours,
    Closure,
    ClinicHoliday,
    Customer,
    Appointment,
    Deposit,
    Refund,
    Call,
    CallEvent,
    SmsThread,
    Message,
    SendAttempt,
    KbDocument,
    KbChunk,
    Reminder,
    WebhookEvent,
    ConversationCheckpoint,
    OptOut,
    AuditLog,
    DashboardEvent,
    WaitlistEntry,
    WaitlistOffer,
)
