"""A clinic's quiet hours: the local window in which no reminder or follow-up text goes out.

The window is two local wall-clock times and may span midnight (21:00-08:00, the default).
Being inside it is decided in the clinic's own zone at the instant asked about, so a DST
change moves the window with the clinic's clocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(start: str, end: str, zone: str, now: datetime) -> datetime | None:
    """When the quiet window that ``now`` falls in ends (UTC), or None when it is not quiet."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    begins, ends = _clock(start), _clock(end)
    at = local.time().replace(tzinfo=None)
    if begins < ends:  # a window within one day, e.g. 12:00-13:00
        quiet = begins <= at < ends
        end_day = local.date()
    else:  # spans midnight: evening part, or the morning part
        quiet = at >= begins or at < ends
        end_day = local.date() + timedelta(days=1) if at >= begins else local.date()
    if not quiet:
        return None
    return datetime.combine(end_day, ends, tz).astimezone(UTC)
