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
