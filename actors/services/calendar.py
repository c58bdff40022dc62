"""Calendar: availability and the booking write path (local DB is the source of truth)."""

from __future__ import annotations

from actors.services.base import ServiceActor


class CalendarActor(ServiceActor):
    """Booking operations arrive with the booking engine."""
