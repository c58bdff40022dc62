"""What each appointment job texts, and whether it still should when its time comes.

A job is checked again at send time, inside the transaction that records it: the visit is
still in the state the text is about, at the time it was planned for (a moved visit's old jobs
are dropped), and the text is not stale (a reminder after the visit began, a deposit nudge
after the hold lapsed). ``deadline`` is also what quiet hours weigh: a job whose morning comes
after its deadline is skipped rather than sent late.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from actors.brain.base import money
from actors.wording import sms
from store.models import Appointment, Deposit, Reminder
from store.reminder_texts import render

STALE_AFTER = timedelta(days=2)  # a thank-you or no-show text later than this helps no one


def _pending_deposit(appointment: Appointment) -> Deposit | None:
    return (
        Deposit.select()
        .where((Deposit.appointment == appointment) & (Deposit.status == "pending"))
        .order_by(Deposit.id.desc())
        .first()
    )


def deadline(kind: str, appointment: Appointment) -> datetime | None:
    """After this the job is pointless: skipped, not sent."""
    if kind == "deposit_reminder":
        deposit = _pending_deposit(appointment)
        return deposit.hold_until if deposit is not None else None
    if kind in ("follow_up",):
        return appointment.end_at + STALE_AFTER
    if kind == "no_show":
        return appointment.start_at + STALE_AFTER
    return appointment.start_at


def still_wanted(reminder: Reminder, appointment: Appointment) -> bool:
    """The visit is as the job expects: in its state, at its planned time."""
    planned = (reminder.payload or {}).get("start")
    if planned is not None and planned != appointment.start_at.isoformat():
        return False
    kind = reminder.kind
    if kind == "deposit_reminder":
        deposit = _pending_deposit(appointment)
        return appointment.status == "pending_deposit" and bool(deposit and deposit.checkout_url)
    if kind == "follow_up":
        return appointment.status in ("booked", "completed")
    if kind == "no_show":
        return appointment.status == "no_show"
    return appointment.status == "booked"


def text_for(kind: str, appointment: Appointment) -> str:
    """The clinic's own wording of the kind, when it set one, else the default."""
    clinic = appointment.clinic
    own = (clinic.reminder_texts or {}).get(kind)
    tz = ZoneInfo(clinic.timezone)
    start = appointment.start_at.astimezone(tz)
    service = "appointment" if clinic.generic_reminders else appointment.service.name
    provider = appointment.provider.name
    if own:
        return render(own, _blanks(kind, appointment, service, provider, start))
    if kind == "confirmation":
        return sms.confirmation(clinic.name, service, provider, start)
    if kind == "reminder_24h":
        return sms.reminder(clinic.name, service, provider, start)
    if kind == "reminder_2h":
        return sms.reminder_soon(clinic.name, service, provider, start)
    if kind == "follow_up":
        return sms.follow_up(clinic.name, clinic.review_url)
    if kind == "no_show":
        kept = _kept_deposit(appointment)
        return sms.no_show(clinic.name, kept.amount_cents if kept else None)
    if kind == "deposit_reminder":
        deposit = _pending_deposit(appointment)
        until = deposit.hold_until.astimezone(tz)
        return sms.deposit_due(clinic.name, service, start, deposit.checkout_url, until)
    raise ValueError(f"no text for {kind!r}")


def _kept_deposit(appointment: Appointment) -> Deposit | None:
    return (
        Deposit.select()
        .where((Deposit.appointment == appointment) & (Deposit.status == "kept"))
        .first()
    )


def _blanks(kind: str, appointment: Appointment, service: str, provider: str, start) -> dict:
    """What a clinic's template may say (``store/reminder_texts.py`` BLANKS)."""
    clinic = appointment.clinic
    values = {
        "clinic": clinic.name,
        "service": service,
        "provider": provider,
        "when": sms.when_label(start),
    }
    if kind == "follow_up":
        values["review_link"] = clinic.review_url or ""
    if kind == "no_show":
        kept = _kept_deposit(appointment)
        values["deposit"] = money(kept.amount_cents) if kept else ""
    if kind == "deposit_reminder":
        deposit = _pending_deposit(appointment)
        values["link"] = deposit.checkout_url or ""
        values["until"] = sms.time_label(deposit.hold_until.astimezone(start.tzinfo))
    return values
