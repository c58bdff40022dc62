"""Availability engine: which appointment starts can a clinic offer, and why not a given one.

Pure and deterministic: callers pass one clinic as plain frozen dataclasses (no ORM objects, no
I/O) and an explicit ``now``; nothing here reads the wall clock.  ``Availability(calendar)``
indexes a calendar once so several questions (``check_slot`` then ``nearest_slots``) share the
work; the module-level functions are one-shot shortcuts.

Rules, and the choices made where the issue left room:

* **Instants.** Internally every instant is an int of UTC epoch seconds and every set of
  instants a sorted list of half-open ``[start, end)`` intervals (``intervals.py``); work is done
  per provider-day with bisection, never minute by minute.
* **Working time** of a provider on a local day = their ``WorkInterval``s for that weekday
  intersected with the clinic's opening hours for that weekday (wall-clock times, several
  intervals a day for breaks; touching intervals join up), minus whole-clinic closures, minus
  that provider's time off.  ``holidays`` (local dates) close the whole day.  A provider with no
  intervals on a weekday does not work that day.  Intervals never cross midnight; an ``end`` of
  ``00:00`` means 24:00.
* **Buffers.** The *service* ``[start, start + duration)`` must lie inside one stretch of working
  time.  The *occupied* interval ``[start - buffer_before, end + buffer_after)`` must not overlap
  any other blocking appointment's occupied interval (same provider, or same resource).  Buffers
  may therefore spill outside working time (set-up before opening, clean-up over lunch), but never
  onto another booking.  ``Appointment`` carries its own buffers; the engine applies them.
* **Grid.** Candidate starts are local wall-clock times ``00:00 + k * grid_min`` (aligned to local
  midnight, so a 45-minute service on a 15-minute grid can start at :00/:15/:30/:45 whatever the
  working interval's start).  Each wall time is offered at most once a day: a wall time that does
  not exist (spring-forward gap) is skipped, and a repeated one (fall-back) is offered only at its
  first occurrence.  A start off this grid is answered with ``Reason.OFF_GRID``.  Durations are
  real elapsed time, so a service may span a DST change.
* **Notice and horizon.** A start is bookable iff ``now + min_notice <= start < now + horizon``,
  the horizon being ``horizon_days * 24 h`` of elapsed time.
* **Blocking statuses.** ``booked``, ``pending_deposit`` and ``completed`` hold their occupied time
  and count towards daily caps; ``cancelled`` and ``no_show`` are ignored.
* **Daily cap** counts a provider's blocking appointments that *start* on the local day.
* **Resources.** A service with ``resource_kind`` needs one resource of that kind free for its
  whole occupied interval; the lowest free resource id is assigned.
* **Any provider.** Without ``provider_id`` the candidates are the providers offering the service.
  By default one slot per start time is returned, given to the provider with the fewest blocking
  appointments that local day, ties to the lowest provider id (spreads load, deterministic
  regardless of input order).  ``one_per_start=False`` lists every (start, provider) pair, each
  start's providers in that same preference order.
* **Sorting.** Slots come sorted by start, then provider preference, truncated to ``limit``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from actors.scheduling import intervals as iv
from actors.scheduling.calendar_model import (  # noqa: F401  (the engine's vocabulary, re-exported)
    _FIVE_PM_S,
    _NOON_S,
    _REASON_RANK,
    BLOCKING_STATUSES,
    DAY_S,
    Appointment,
    AppointmentStatus,
    ClinicCalendar,
    Closure,
    PartOfDay,
    ProviderSchedule,
    Reason,
    Resource,
    ServiceSpec,
    Slot,
    SlotCheck,
    WorkInterval,
    _parse_time,
    _require_aware,
    _seconds,
    _ts,
    _ts_end,
    weekly_hours,
)


@dataclass(frozen=True, slots=True)
class _Day:
    """One local calendar day: its UTC bounds and the UTC instants of its start grid."""

    date: date
    start: int
    end: int
    grid: list[int]
    labels: list[int]  # seconds after local midnight of each grid instant
    tz: ZoneInfo

    def to_utc(self, seconds: int) -> int:
        """Wall-clock seconds after midnight to UTC; a time in a DST gap moves past the gap."""
        if self.end - self.start == DAY_S:
            return self.start + seconds
        if seconds >= DAY_S:
            return self.end
        return _wall_to_utc(self.date, seconds, self.tz)


def _wall_to_utc(day: date, seconds: int, tz: ZoneInfo) -> int:
    hour, rest = divmod(seconds, 3600)
    local = datetime(day.year, day.month, day.day, hour, rest // 60, rest % 60, tzinfo=tz)
    return int(local.timestamp())  # fold=0: first occurrence, or shifted forward in a gap


def _make_day(day: date, tz: ZoneInfo, step_s: int) -> _Day:
    start = _wall_to_utc(day, 0, tz)
    end = _wall_to_utc(day + timedelta(days=1), 0, tz)
    labels = list(range(0, DAY_S, step_s))
    if end - start == DAY_S:  # no DST change today: the grid is plain arithmetic
        return _Day(day, start, end, [start + s for s in labels], labels, tz)
    grid, kept = [], []
    for label in labels:
        ts = _wall_to_utc(day, label, tz)
        local = datetime.fromtimestamp(ts, tz)
        if local.date() == day and _seconds(local.time()) == label and not local.fold:
            grid.append(ts)
            kept.append(label)
    return _Day(day, start, end, grid, kept, tz)


def _by_weekday(hours: Iterable[WorkInterval]) -> list[list[iv.Interval]]:
    days: list[list[iv.Interval]] = [[] for _ in range(7)]
    for interval in hours:
        days[interval.weekday].append((interval.start_s, interval.end_s))
    return [iv.merge(day) for day in days]


class Availability:
    """An indexed clinic calendar answering availability questions; build once per calendar."""

    def __init__(self, calendar: ClinicCalendar) -> None:
        self.calendar = calendar
        self.tz = ZoneInfo(calendar.tz)
        self._step_s = calendar.grid_min * 60
        self._notice_s = calendar.min_notice_min * 60
        self._horizon_s = calendar.horizon_days * DAY_S
        self._services = {s.service_id: s for s in calendar.services}
        self._providers = {p.provider_id: p for p in calendar.providers}
        self._opening = _by_weekday(calendar.opening_hours)
        # Provider wall-clock hours already intersected with the clinic's, per weekday.
        self._hours = {
            pid: [
                iv.intersect(o, h) for o, h in zip(self._opening, _by_weekday(p.hours), strict=True)
            ]
            for pid, p in self._providers.items()
        }
        clinic_off: list[iv.Interval] = []
        own_off: dict[int, list[iv.Interval]] = {pid: [] for pid in self._providers}
        for closure in calendar.closures:
            span = (_ts(closure.start, "start"), _ts_end(closure.end, "end"))
            if closure.provider_id is None:
                clinic_off.append(span)
            elif closure.provider_id in own_off:
                own_off[closure.provider_id].append(span)
        self._clinic_off = iv.merge(clinic_off)
        self._time_off = {pid: iv.merge(spans) for pid, spans in own_off.items()}
        self._off = {pid: iv.merge(clinic_off + spans) for pid, spans in own_off.items()}

        busy: dict[int, list[iv.Interval]] = {pid: [] for pid in self._providers}
        resource_busy: dict[int, list[iv.Interval]] = {}
        self._counts: Counter[tuple[int, date]] = Counter()
        for appt in calendar.appointments:
            if not appt.blocking:
                continue
            occupied = appt.occupied
            busy.setdefault(appt.provider_id, []).append(occupied)
            if appt.resource_id is not None:
                resource_busy.setdefault(appt.resource_id, []).append(occupied)
            self._counts[appt.provider_id, appt.start.astimezone(self.tz).date()] += 1
        self._busy = {pid: iv.merge(spans) for pid, spans in busy.items()}
        self._resource_busy = {rid: iv.merge(spans) for rid, spans in resource_busy.items()}
        self._resources: dict[str, list[int]] = {}
        for r in sorted(calendar.resources, key=lambda r: r.resource_id):
            self._resources.setdefault(r.kind, []).append(r.resource_id)
        self._days: dict[date, _Day] = {}

    # ----------------------------------------------------------------- public questions

    def next_slots(
        self,
        service_id: int,
        *,
        now: datetime,
        provider_id: int | None = None,
        day: date | None = None,
        part_of_day: PartOfDay | None = None,
        after: datetime | None = None,
        limit: int | None = 10,
        one_per_start: bool = True,
    ) -> list[Slot]:
        """The earliest bookable slots from ``max(now + notice, after)`` on; ``limit=None``: all.

        ``day`` restricts to one local date, ``part_of_day`` to a local start-time band.
        """
        service = self._service(service_id)
        lo, hi = self._bounds(now)
        if after is not None:
            lo = max(lo, _ts(after, "after"))
        out: list[Slot] = []
        if limit is not None and limit <= 0:
            return out
        candidates = self._candidates(service, provider_id)
        for local_day in self._local_days(lo, hi, day):
            out.extend(
                self._slots_on(local_day, service, candidates, lo, hi, part_of_day, one_per_start)
            )
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    def nearest_slots(
        self,
        service_id: int,
        requested_start: datetime,
        n: int = 3,
        *,
        now: datetime,
        provider_id: int | None = None,
        part_of_day: PartOfDay | None = None,
        one_per_start: bool = True,
    ) -> list[Slot]:
        """The ``n`` bookable slots closest to ``requested_start``, before or after it.

        Ordered by distance from the request, earlier first on equal distance, so the first
        one is the best alternative to offer.
        """
        service = self._service(service_id)
        requested = _ts(requested_start, "requested_start")
        lo, hi = self._bounds(now)
        candidates = self._candidates(service, provider_id)
        found = self.next_slots(
            service_id,
            now=now,
            provider_id=provider_id,
            part_of_day=part_of_day,
            after=requested_start,
            limit=n,
            one_per_start=one_per_start,
        )
        before: list[Slot] = []
        end = min(requested, hi)
        if lo < end:
            for local_day in reversed(list(self._local_days(lo, end, None))):
                day_slots = self._slots_on(
                    local_day, service, candidates, lo, end, part_of_day, one_per_start
                )
                before = day_slots + before
                if len(before) >= n:
                    break
        pool = before[-n:] + found if n > 0 else []
        pool.sort(key=lambda s: (abs(int(s.start.timestamp()) - requested), s.start))
        return pool[: max(n, 0)]

    def check_slot(
        self,
        service_id: int,
        start: datetime,
        *,
        now: datetime,
        provider_id: int | None = None,
    ) -> SlotCheck:
        """Whether exactly ``start`` is bookable and, if not, the typed reason why."""
        service = self._service(service_id)
        s = _ts(start, "start")
        lo, hi = self._bounds(now)
        now_s = _ts(now, "now")
        if s < now_s:
            return SlotCheck(False, Reason.IN_PAST)
        if s < lo:
            return SlotCheck(False, Reason.TOO_SOON)
        if s >= hi:
            return SlotCheck(False, Reason.BEYOND_HORIZON)
        local = start.astimezone(self.tz)
        label = _seconds(local.time())
        if local.fold or local.microsecond or label % self._step_s:
            return SlotCheck(False, Reason.OFF_GRID)
        candidates = self._candidates(service, provider_id)
        if not candidates:
            return SlotCheck(False, Reason.PROVIDER_DOES_NOT_OFFER_SERVICE)
        end = s + service.duration_min * 60
        weekday = local.weekday()
        if (
            local.date() in self.calendar.holidays
            or not self._opening[weekday]
            or iv.overlaps(self._clinic_off, s, end)
        ):
            return SlotCheck(False, Reason.CLINIC_CLOSED)
        day = self._day(local.date())
        worst = Reason.PROVIDER_DOES_NOT_OFFER_SERVICE
        for pid in self._ranked(candidates, day.date):
            reason = self._provider_reason(pid, day, service, s)
            if reason is not None:
                worst = max(worst, reason, key=_REASON_RANK.__getitem__)
                continue
            has_resource, resource_id = self._free_resource(service, s)
            if not has_resource:
                return SlotCheck(False, Reason.NO_RESOURCE)
            return SlotCheck(True, None, self._slot(service, s, pid, resource_id))
        return SlotCheck(False, worst)

    def hours_on(self, local_day: date, provider_id: int | None = None) -> list[tuple[int, int]]:
        """Opening hours (or a provider's working hours within them) on a local day, as
        seconds after midnight; empty when closed (weekday off, holiday)."""
        if local_day in self.calendar.holidays:
            return []
        if provider_id is None:
            return list(self._opening[local_day.weekday()])
        return list(self._hours[self._provider(provider_id).provider_id][local_day.weekday()])

    def working_on(self, local_day: date, provider_id: int) -> list[tuple[int, int]]:
        """When a provider is actually in on a local day (hours minus time off and clinic
        closures), as seconds after local midnight; empty when they are not in."""
        self._provider(provider_id)
        if local_day in self.calendar.holidays:
            return []
        day = self._day(local_day)
        work = self._work(provider_id, day)
        if not work:
            return []
        free = iv.subtract(work, iv.window(self._off[provider_id], work[0][0], work[-1][1]))
        return [(a - day.start, b - day.start) for a, b in free]

    def calendar_opening(self, weekday: int) -> list[tuple[int, int]]:
        """The clinic's usual opening hours on a weekday (0 = Monday), before closures."""
        return list(self._opening[weekday])

    def calendar_service(self, service_id: int) -> ServiceSpec:
        """The service's duration and buffers as this calendar knows them."""
        return self._service(service_id)

    @property
    def notice_min(self) -> int:
        return self.calendar.min_notice_min

    @property
    def horizon_days(self) -> int:
        return self.calendar.horizon_days

    # ----------------------------------------------------------------- internals

    def _service(self, service_id: int) -> ServiceSpec:
        try:
            return self._services[service_id]
        except KeyError:
            raise ValueError(f"unknown service id {service_id}") from None

    def _provider(self, provider_id: int) -> ProviderSchedule:
        try:
            return self._providers[provider_id]
        except KeyError:
            raise ValueError(f"unknown provider id {provider_id}") from None

    def _bounds(self, now: datetime) -> tuple[int, int]:
        """Half-open range of bookable start instants: notice to horizon."""
        now_s = _ts(now, "now")
        return now_s + self._notice_s, now_s + self._horizon_s

    def _candidates(self, service: ServiceSpec, provider_id: int | None) -> list[int]:
        if provider_id is not None:
            provider = self._provider(provider_id)
            return [provider_id] if service.service_id in provider.service_ids else []
        return sorted(
            pid for pid, p in self._providers.items() if service.service_id in p.service_ids
        )

    def _ranked(self, candidates: list[int], day: date) -> list[int]:
        """Tie-break order for one day: fewest blocking appointments, then lowest id."""
        return sorted(candidates, key=lambda pid: (self._counts[pid, day], pid))

    def _local_days(self, lo: int, hi: int, only: date | None) -> Iterator[date]:
        if lo >= hi:
            return
        first = datetime.fromtimestamp(lo, self.tz).date()
        last = datetime.fromtimestamp(hi - 1, self.tz).date()
        if only is not None:
            if first <= only <= last:
                yield only
            return
        current = first
        while current <= last:
            yield current
            current += timedelta(days=1)

    def _day(self, local_day: date) -> _Day:
        day = self._days.get(local_day)
        if day is None:
            day = self._days[local_day] = _make_day(local_day, self.tz, self._step_s)
        return day

    def _work(self, pid: int, day: _Day) -> list[iv.Interval]:
        """The provider's working time that day as UTC intervals, before time off."""
        spans = [(day.to_utc(a), day.to_utc(b)) for a, b in self._hours[pid][day.date.weekday()]]
        return [(a, b) for a, b in spans if a < b]

    def _capped(self, pid: int, day: date) -> bool:
        cap = self._providers[pid].daily_cap
        return cap is not None and self._counts[pid, day] >= cap

    def _start_ranges(self, pid: int, day: _Day, service: ServiceSpec) -> list[iv.Interval]:
        """UTC start instants at which the provider could take the service (ignoring grid)."""
        work = self._work(pid, day)
        if not work:
            return []
        work = iv.subtract(work, iv.window(self._off[pid], work[0][0], work[-1][1]))
        duration = service.duration_min * 60
        starts = [(a, b - duration + 1) for a, b in work if b - duration >= a]
        if not starts:
            return []
        before = service.buffer_before_min * 60
        after = duration + service.buffer_after_min * 60
        # Occupied [s - before, s + after) hits busy [x, y) iff x - after < s < y + before.
        busy = iv.window(self._busy.get(pid, []), starts[0][0] - before, starts[-1][1] + after)
        blocked = iv.merge((x - after + 1, y + before) for x, y in busy)
        return iv.subtract(starts, blocked)

    def _free_resource(self, service: ServiceSpec, s: int) -> tuple[bool, int | None]:
        """(bookable, lowest free resource id); the id is None when no resource is needed."""
        if service.resource_kind is None:
            return True, None
        lo = s - service.buffer_before_min * 60
        hi = s + (service.duration_min + service.buffer_after_min) * 60
        for rid in self._resources.get(service.resource_kind, ()):
            if not iv.overlaps(self._resource_busy.get(rid, []), lo, hi):
                return True, rid
        return False, None

    def _provider_reason(self, pid: int, day: _Day, service: ServiceSpec, s: int) -> Reason | None:
        end = s + service.duration_min * 60
        if not iv.contains(self._work(pid, day), s, end):
            return Reason.OUTSIDE_HOURS
        if iv.overlaps(self._time_off[pid], s, end):
            return Reason.PROVIDER_UNAVAILABLE
        if self._capped(pid, day.date):
            return Reason.DAILY_CAP_REACHED
        lo = s - service.buffer_before_min * 60
        hi = end + service.buffer_after_min * 60
        if iv.overlaps(self._busy.get(pid, []), lo, hi):
            return Reason.SLOT_TAKEN
        return None

    def _slots_on(
        self,
        local_day: date,
        service: ServiceSpec,
        candidates: list[int],
        lo: int,
        hi: int,
        part_of_day: PartOfDay | None,
        one_per_start: bool = True,
    ) -> list[Slot]:
        """All slots of one local day with starts in ``[lo, hi)``, sorted."""
        if local_day in self.calendar.holidays or not self._opening[local_day.weekday()]:
            return []
        day = self._day(local_day)
        g0, g1 = bisect_left(day.grid, lo), bisect_left(day.grid, hi)
        if part_of_day is not None:
            band_lo, band_hi = part_of_day.bounds
            g0 = max(g0, bisect_left(day.labels, band_lo))
            g1 = min(g1, bisect_left(day.labels, band_hi))
        if g0 >= g1:
            return []
        window_lo, window_hi = day.grid[g0], day.grid[g1 - 1] + 1
        # For each grid start in the window, the providers free then, in preference order.
        free_at: list[list[int]] = [[] for _ in range(g1 - g0)]
        for pid in self._ranked(candidates, local_day):
            if self._capped(pid, local_day):
                continue
            ranges = iv.clip(self._start_ranges(pid, day, service), window_lo, window_hi)
            for i in iv.points_in(day.grid, ranges):
                free_at[i - g0].append(pid)
        out: list[Slot] = []
        for i, pids in enumerate(free_at, start=g0):
            if not pids:
                continue
            has_resource, resource_id = self._free_resource(service, day.grid[i])
            if not has_resource:
                continue
            start, end = self._local_span(service, day.grid[i])
            for pid in pids[:1] if one_per_start else pids:
                out.append(Slot(start, end, pid, resource_id, service.service_id))
        return out

    def _local_span(self, service: ServiceSpec, s: int) -> tuple[datetime, datetime]:
        end = s + service.duration_min * 60
        return datetime.fromtimestamp(s, self.tz), datetime.fromtimestamp(end, self.tz)

    def _slot(self, service: ServiceSpec, s: int, pid: int, resource_id: int | None) -> Slot:
        start, end = self._local_span(service, s)
        return Slot(start, end, pid, resource_id, service.service_id)


# --------------------------------------------------------------------- one-shot shortcuts


def next_slots(
    calendar: ClinicCalendar,
    service_id: int,
    *,
    now: datetime,
    provider_id: int | None = None,
    day: date | None = None,
    part_of_day: PartOfDay | None = None,
    after: datetime | None = None,
    limit: int | None = 10,
    one_per_start: bool = True,
) -> list[Slot]:
    """See ``Availability.next_slots``."""
    return Availability(calendar).next_slots(
        service_id,
        now=now,
        provider_id=provider_id,
        day=day,
        part_of_day=part_of_day,
        after=after,
        limit=limit,
        one_per_start=one_per_start,
    )


def nearest_slots(
    calendar: ClinicCalendar,
    service_id: int,
    requested_start: datetime,
    n: int = 3,
    *,
    now: datetime,
    provider_id: int | None = None,
    part_of_day: PartOfDay | None = None,
    one_per_start: bool = True,
) -> list[Slot]:
    """See ``Availability.nearest_slots``."""
    return Availability(calendar).nearest_slots(
        service_id,
        requested_start,
        n,
        now=now,
        provider_id=provider_id,
        part_of_day=part_of_day,
        one_per_start=one_per_start,
    )


def check_slot(
    calendar: ClinicCalendar,
    service_id: int,
    start: datetime,
    *,
    now: datetime,
    provider_id: int | None = None,
) -> SlotCheck:
    """See ``Availability.check_slot``."""
    return Availability(calendar).check_slot(service_id, start, now=now, provider_id=provider_id)


def is_slot_free(
    calendar: ClinicCalendar,
    service_id: int,
    start: datetime,
    *,
    now: datetime,
    provider_id: int | None = None,
) -> bool:
    """``check_slot(...).ok``, for callers that only need yes or no."""
    return check_slot(calendar, service_id, start, now=now, provider_id=provider_id).ok
