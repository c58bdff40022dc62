"""Benchmark of the availability engine against a naive minute-grid baseline.

Builds a synthetic but realistic clinic (10 providers with lunch breaks, a 60-day horizon over
a DST change, a few hundred appointments, holidays, time off, two lasers) and measures:

* ``first10``: the next 10 slots for "any provider" (what a caller waits for);
* ``full_horizon``: every slot of the 60-day horizon for "any provider";
* ``baseline_full_horizon``: the same answer from ``naive_slots`` below, which marks a
  minute array per provider-day and scans every appointment linearly.  It doubles as an
  independent oracle: the run fails if the two disagree.

Usage: ``python bench/availability.py [--quick]``.  The last line printed is one JSON object.
"""

from __future__ import annotations

import gc
import random
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actors.scheduling.availability import (
    Appointment,
    AppointmentStatus,
    Availability,
    ClinicCalendar,
    Closure,
    ProviderSchedule,
    Resource,
    ServiceSpec,
    Slot,
    check_slot,
    next_slots,
    weekly_hours,
)

TZ = "America/Los_Angeles"
BENCH_NOW = datetime(2025, 10, 20, 8, 5, tzinfo=ZoneInfo(TZ))  # horizon spans the Nov 2 fall-back
BENCH_SERVICE = 3  # 45 min facial with buffers, offered by most providers

_PATTERNS = (
    weekly_hours(range(5), "09:00-12:00", "13:00-17:00"),
    weekly_hours(range(1, 6), "10:00-14:00", "14:30-19:00"),
    weekly_hours((0, 2, 4), "08:00-12:30", "13:30-16:00") + weekly_hours((5,), "09:00-15:00"),
    weekly_hours(range(5), "08:00-11:45", "12:45-15:30"),
    weekly_hours((1, 3), "12:00-19:00") + weekly_hours((5,), "09:00-13:00"),
)
_SERVICES = (
    ServiceSpec(1, 15),
    ServiceSpec(2, 30, buffer_after_min=10),
    ServiceSpec(3, 45, buffer_before_min=5, buffer_after_min=10),
    ServiceSpec(4, 60, buffer_after_min=15, resource_kind="laser"),
    ServiceSpec(5, 90, buffer_before_min=10, buffer_after_min=10),
)
_STATUSES = (
    [AppointmentStatus.BOOKED] * 14
    + [AppointmentStatus.PENDING_DEPOSIT] * 2
    + [AppointmentStatus.CANCELLED] * 3
    + [AppointmentStatus.NO_SHOW]
)


def build_clinic(
    seed: int = 7,
    now: datetime = BENCH_NOW,
    providers: int = 10,
    appointments: int = 400,
    horizon_days: int = 60,
) -> ClinicCalendar:
    """A deterministic synthetic clinic; appointments may overlap (data is not always clean)."""
    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    schedules = []
    for pid in range(1, providers + 1):
        offered = {1, 3} | set(rng.sample([2, 4, 5], k=rng.randint(1, 3)))
        schedules.append(
            ProviderSchedule(
                provider_id=pid,
                hours=_PATTERNS[(pid - 1) % len(_PATTERNS)],
                service_ids=frozenset(offered),
                daily_cap=rng.choice([None, None, 6, 8]),
            )
        )
    services = {s.service_id: s for s in _SERVICES}
    start_day = now.astimezone(tz).date()
    appts = []
    while len(appts) < appointments:
        provider = rng.choice(schedules)
        day = start_day + timedelta(days=rng.randrange(horizon_days))
        hours = [h for h in provider.hours if h.weekday == day.weekday()]
        if not hours:
            continue
        block = rng.choice(hours)
        minute = rng.randrange(block.start_s // 60, block.end_s // 60 - 15, 15)
        service = services[rng.choice(sorted(provider.service_ids))]
        start = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
        appts.append(
            Appointment(
                start=start,
                end=start + timedelta(minutes=service.duration_min),
                provider_id=provider.provider_id,
                status=rng.choice(_STATUSES),
                resource_id=rng.choice([101, 102]) if service.resource_kind else None,
                buffer_before_min=service.buffer_before_min,
                buffer_after_min=service.buffer_after_min,
            )
        )
    closures = [
        Closure(datetime(2025, 12, 24, 14, tzinfo=tz), datetime(2025, 12, 26, 0, tzinfo=tz)),
        Closure(datetime(2025, 11, 11, 12, tzinfo=tz), datetime(2025, 11, 11, 15, tzinfo=tz)),
    ]
    for pid in rng.sample(range(1, providers + 1), k=min(4, providers)):
        first = start_day + timedelta(days=rng.randrange(horizon_days))
        off = datetime.combine(first, time(0), tzinfo=tz)
        closures.append(Closure(off, off + timedelta(days=rng.randint(1, 5)), pid))
        half = datetime.combine(first + timedelta(days=9), time(13), tzinfo=tz)
        closures.append(Closure(half, half + timedelta(hours=4), pid))
    return ClinicCalendar(
        tz=TZ,
        opening_hours=weekly_hours(range(5), "08:00-19:00") + weekly_hours((5,), "09:00-15:00"),
        providers=tuple(schedules),
        services=_SERVICES,
        resources=(Resource(101, "laser"), Resource(102, "laser"), Resource(201, "room")),
        closures=tuple(closures),
        appointments=tuple(appts),
        holidays=frozenset({date(2025, 11, 27)}),
        min_notice_min=120,
        horizon_days=horizon_days,
        grid_min=15,
    )


# --------------------------------------------------------------------------- naive oracle


def naive_slots(
    cal: ClinicCalendar, service_id: int, now: datetime, provider_id: int | None = None
) -> list[tuple[datetime, int, int | None]]:
    """Every (start UTC, provider, resource) the rules allow, one per start, by brute force.

    Per provider-day it fills a minute array (working minutes, then every appointment and
    closure checked linearly), then tests each grid start minute by minute.  Assumes
    minute-aligned input, which the bench data is.
    """
    tz = ZoneInfo(cal.tz)
    service = next(s for s in cal.services if s.service_id == service_id)
    now = now.astimezone(UTC)  # elapsed-time arithmetic, not wall-clock
    lo = now + timedelta(minutes=cal.min_notice_min)
    hi = now + timedelta(days=cal.horizon_days)
    margin = 24 * 60  # minutes kept either side of the day for buffers reaching over midnight
    out = []
    day = lo.astimezone(tz).date()
    while datetime.combine(day, time(0), tzinfo=tz) < hi:
        if day not in cal.holidays:
            out.extend(_naive_day(cal, service, tz, day, lo, hi, margin, provider_id))
        day += timedelta(days=1)
    return out


def _naive_day(cal, service, tz, day, lo, hi, margin, provider_id):
    day_start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    base = day_start - timedelta(minutes=margin)
    size = 3 * margin

    def minute(instant: datetime) -> int:
        return int((instant - base).total_seconds() // 60)

    def wall(t: time) -> datetime:
        if t == time(0):
            return datetime.combine(day + timedelta(days=1), t, tzinfo=tz).astimezone(UTC)
        return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)

    def mark(array, start, end, value):
        for m in range(max(0, minute(start)), min(size, minute(end))):
            array[m] = value

    clinic = [False] * size
    for h in cal.opening_hours:
        if h.weekday == day.weekday():
            mark(clinic, wall(h.start), wall(h.end), True)
    free = {}
    count = {}
    for p in cal.providers:
        if service.service_id not in p.service_ids:
            continue
        if provider_id is not None and p.provider_id != provider_id:
            continue
        count[p.provider_id] = sum(
            1
            for a in cal.appointments
            if a.provider_id == p.provider_id
            and a.blocking
            and a.start.astimezone(tz).date() == day
        )
        if p.daily_cap is not None and count[p.provider_id] >= p.daily_cap:
            continue
        work = [False] * size
        for h in p.hours:
            if h.weekday == day.weekday():
                mark(work, wall(h.start), wall(h.end), True)
        work = [w and c for w, c in zip(work, clinic, strict=True)]
        for c in cal.closures:
            if c.provider_id in (None, p.provider_id):
                mark(work, c.start.astimezone(UTC), c.end.astimezone(UTC), False)
        busy = [False] * size
        for a in cal.appointments:
            if a.provider_id == p.provider_id and a.blocking:
                mark(
                    busy,
                    a.start.astimezone(UTC) - timedelta(minutes=a.buffer_before_min),
                    a.end.astimezone(UTC) + timedelta(minutes=a.buffer_after_min),
                    True,
                )
        free[p.provider_id] = (work, busy)
    ranked = sorted(free, key=lambda pid: (count[pid], pid))
    out = []
    for label in range(0, 24 * 60, cal.grid_min):
        local = datetime.combine(day, time(label // 60, label % 60), tzinfo=tz)
        back = local.astimezone(UTC).astimezone(tz)
        if back.replace(tzinfo=None) != local.replace(tzinfo=None) or back.fold:
            continue  # skipped (gap) or second occurrence (repeated hour)
        start = local.astimezone(UTC)
        if not lo <= start < hi:
            continue
        s = minute(start)
        e = s + service.duration_min
        occ = (s - service.buffer_before_min, e + service.buffer_after_min)
        chosen = next(
            (
                pid
                for pid in ranked
                if all(free[pid][0][s:e]) and not any(free[pid][1][occ[0] : occ[1]])
            ),
            None,
        )
        if chosen is None:
            continue
        resource = None
        if service.resource_kind:
            resource = _naive_resource(cal, service, start)
            if resource is None:
                continue
        out.append((start, chosen, resource))
    return out


def _naive_resource(cal, service, start):
    lo = start - timedelta(minutes=service.buffer_before_min)
    hi = start + timedelta(minutes=service.duration_min + service.buffer_after_min)
    for r in sorted(cal.resources, key=lambda r: r.resource_id):
        if r.kind != service.resource_kind:
            continue
        if not any(
            a.resource_id == r.resource_id
            and a.blocking
            and a.start - timedelta(minutes=a.buffer_before_min) < hi
            and a.end + timedelta(minutes=a.buffer_after_min) > lo
            for a in cal.appointments
        ):
            return r.resource_id
    return None


def as_tuples(slots: list[Slot]) -> list[tuple[datetime, int, int | None]]:
    return [(s.start_utc, s.provider_id, s.resource_id) for s in slots]


# --------------------------------------------------------------------------- measuring


def _timed(fn, reps: int) -> list[float]:
    gc.collect()
    samples = []
    for _ in range(reps):
        t0 = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - t0) * 1000)
    return samples


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def run(quick: bool) -> dict[str, object]:
    cal = build_clinic()
    reps_fast, reps_full, reps_base = (300, 100, 3) if quick else (3000, 1000, 10)

    def first10() -> list[Slot]:
        return next_slots(cal, BENCH_SERVICE, now=BENCH_NOW, limit=10)

    def full() -> list[Slot]:
        return next_slots(cal, BENCH_SERVICE, now=BENCH_NOW, limit=None)

    def full_pairs() -> list[Slot]:
        return next_slots(cal, BENCH_SERVICE, now=BENCH_NOW, limit=None, one_per_start=False)

    def laser_full() -> list[Slot]:
        return next_slots(cal, 4, now=BENCH_NOW, limit=None)

    probe = full()[len(full()) // 2].start + timedelta(minutes=15)

    def check_then_alternatives() -> None:
        engine = Availability(cal)
        engine.check_slot(BENCH_SERVICE, probe, now=BENCH_NOW)
        engine.nearest_slots(BENCH_SERVICE, probe, 3, now=BENCH_NOW)

    baseline_result = naive_slots(cal, BENCH_SERVICE, BENCH_NOW)
    matches = as_tuples(full()) == baseline_result
    laser_matches = as_tuples(laser_full()) == naive_slots(cal, 4, BENCH_NOW)
    if not (matches and laser_matches):
        raise SystemExit("engine and naive baseline disagree")

    t_first = _timed(first10, reps_fast)
    t_full = _timed(full, reps_full)
    t_pairs = _timed(full_pairs, reps_full)
    t_laser = _timed(laser_full, reps_full)
    t_check = _timed(lambda: check_slot(cal, BENCH_SERVICE, probe, now=BENCH_NOW), reps_fast)
    t_alt = _timed(check_then_alternatives, reps_fast)
    t_base = _timed(lambda: naive_slots(cal, BENCH_SERVICE, BENCH_NOW), reps_base)
    return {
        "providers": len(cal.providers),
        "horizon_days": cal.horizon_days,
        "appointments": len(cal.appointments),
        "closures": len(cal.closures),
        "full_horizon_slots": len(full()),
        "first10_p50_ms": _pct(t_first, 0.5),
        "first10_p99_ms": _pct(t_first, 0.99),
        "full_horizon_p50_ms": _pct(t_full, 0.5),
        "full_horizon_p99_ms": _pct(t_full, 0.99),
        "full_horizon_all_pairs_p99_ms": _pct(t_pairs, 0.99),
        "full_horizon_laser_p99_ms": _pct(t_laser, 0.99),
        "check_slot_p99_ms": _pct(t_check, 0.99),
        "check_then_nearest3_p99_ms": _pct(t_alt, 0.99),
        "baseline_full_horizon_p50_ms": _pct(t_base, 0.5),
        "speedup_vs_baseline": round(_pct(t_base, 0.5) / _pct(t_full, 0.5), 1),
        "baseline_matches": matches and laser_matches,
        "reps": {"fast": reps_fast, "full": reps_full, "baseline": reps_base},
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    from bench import _report

    _report.main(__doc__.splitlines()[0], "fewer repetitions (< 60 s)", run, width=32)
