"""What the booking engine tells a customer when a checkpoint fails, whatever the channel.

The SMS brain relays these verbatim and a voice engine reads them to the caller, so they are
plain sentences with no channel's conventions (no "reply 1", no markup). One place, so a
clinic's wording can later be overridden here.
"""

from __future__ import annotations

from collections.abc import Iterable

from actors.scheduling.availability import Reason

REASONS = {
    Reason.IN_PAST: "That time has already passed.",
    Reason.TOO_SOON: "That's sooner than we can book; we need a little more notice.",
    Reason.BEYOND_HORIZON: "That's further out than we book.",
    Reason.OFF_GRID: "Appointments start on the quarter hour.",
    Reason.PROVIDER_DOES_NOT_OFFER_SERVICE: "That provider doesn't offer this service.",
    Reason.CLINIC_CLOSED: "We're closed that day.",
    Reason.OUTSIDE_HOURS: "That's outside our opening hours.",
    Reason.PROVIDER_UNAVAILABLE: "That provider is away then.",
    Reason.DAILY_CAP_REACHED: "That provider is fully booked that day.",
    Reason.SLOT_TAKEN: "That time is already taken.",
    Reason.NO_RESOURCE: "The room for that service is booked then.",
}
TIME_NOT_AVAILABLE = "That time isn't available."
UNKNOWN_CLINIC = "Unknown clinic."
UNREADABLE_TIME = "I couldn't read that time."
UNREADABLE_DATE = "I couldn't read that date."
BAD_PHONE = "That phone number doesn't look right."
NAME_NEEDED = "What name should I put the booking under?"
OVERLAP = "You already have an appointment at that time."
NOT_ACTIVE = "That appointment isn't active any more."
APPOINTMENT_NOT_FOUND = "I couldn't find that appointment."
NOT_ONE_OF_YOURS = "I couldn't find that one."
NO_UPCOMING = "You have no upcoming visits."
WHICH_APPOINTMENT = "You have more than one upcoming visit; which one?"
MESSAGE_TAKEN = "The team will get back to you."
REFUND_UNAVAILABLE = (
    "I couldn't reach the payment service to refund your deposit, so the visit is still booked. "
    "Please try again in a few minutes."
)
DEPOSIT_UNAVAILABLE = (
    "I couldn't create the deposit link just now, so nothing was booked. Please try again in a "
    "few minutes."
)


def reason(check_reason: Reason | None) -> str:
    return REASONS.get(check_reason, TIME_NOT_AVAILABLE)


def service_unknown(offered: Iterable[str]) -> str:
    return f"We don't offer that. We offer: {', '.join(offered)}."


def which_service(names: Iterable[str]) -> str:
    return "Which one do you mean: " + " or ".join(names) + "?"


def provider_unknown(names: Iterable[str]) -> str:
    return f"We don't have that provider. Ours: {', '.join(names)}."


def provider_does_not_do(provider: str, service: str) -> str:
    return f"{provider} doesn't do {service}."


# ---------------------------------------------------------------- reasons with their facts

WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def clock(seconds: int) -> str:
    """Seconds after midnight as "9:00 AM" (24:00 is midnight)."""
    hour, minute = divmod(seconds // 60, 60)
    hour %= 24
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def hhmm(seconds: int) -> str:
    """Seconds after midnight as "09:00" (24:00 stays 24:00: the end of the day)."""
    hour, minute = divmod(seconds // 60, 60)
    return f"{hour:02d}:{minute:02d}"


def spans(hours: Iterable[tuple[int, int]]) -> str:
    """ "9:00 AM-12:00 PM and 1:00 PM-6:00 PM"."""
    parts = [f"{clock(a)}-{clock(b)}" for a, b in hours]
    return " and ".join(parts)


def closed_on(weekday: int | None, day: str) -> str:
    """Closed every such weekday ("on Mondays"), or only that day (a holiday, a closure)."""
    if weekday is None:
        return f"We're closed on {day}."
    return f"We're closed on {WEEKDAYS[weekday]}."


def opens_at(weekday: int, opening: int) -> str:
    return f"We open at {clock(opening)} on {WEEKDAYS[weekday]}."


def closes_at(weekday: int, closing: int, runs_past: bool, service: str, at: int) -> str:
    if runs_past:
        return (
            f"{service} at {clock(at)} would run past our {clock(closing)} close on "
            f"{WEEKDAYS[weekday]}."
        )
    return f"We close at {clock(closing)} on {WEEKDAYS[weekday]}."


def provider_hours_then(provider: str, weekday: int, hours: list[tuple[int, int]]) -> str:
    if not hours:
        return f"{provider} doesn't work on {WEEKDAYS[weekday]}."
    return f"{provider} works {spans(hours)} on {WEEKDAYS[weekday]}."


def between_hours(weekday: int, hours: list[tuple[int, int]]) -> str:
    return f"That's outside our hours on {WEEKDAYS[weekday]} ({spans(hours)})."


def notice(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        amount, owned = (f"{hours} hours", f"{hours} hours'") if hours != 1 else ("1 hour",) * 2
        owned = owned if hours != 1 else "an hour's"
    else:
        amount, owned = f"{minutes} minutes", f"{minutes} minutes'"
    return f"That's less than {amount} away; we need {owned} notice."


def horizon(days: int) -> str:
    return f"We only book up to {days} days ahead."


def provider_away(provider: str | None) -> str:
    return f"{provider or 'That provider'} is away then."


def provider_full(provider: str | None) -> str:
    return f"{provider or 'That provider'} is fully booked that day."


def slot_booked(label: str) -> str:
    return f"{label} is already booked."
