"""Behaviour of the availability engine: every rule of the issue, with a fixed ``now``."""

from __future__ import annotations

import random
import time as clock
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors.scheduling import intervals as iv
from actors.scheduling.availability import (
    Appointment,
    AppointmentStatus,
    Availability,
    ClinicCalendar,
    Closure,
    PartOfDay,
    ProviderSchedule,
    Reason,
    Resource,
    ServiceSpec,
    Slot,
    WorkInterval,
    check_slot,
    is_slot_free,
    nearest_slots,
    next_slots,
    weekly_hours,
)
from bench.availability import BENCH_NOW, as_tuples, build_clinic, naive_slots

LA = ZoneInfo("America/Los_Angeles")
MON = date(2025, 6, 2)  # a Monday far from any DST change
TUE = MON + timedelta(days=1)
SUN = MON + timedelta(days=6)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=LA)  # the Sunday before, noon

ONE_HOUR, HALF_HOUR, FORTY_FIVE, LASER, NOT_OFFERED = 1, 2, 3, 4, 9


def at(day: date, hhmm: str, fold: int = 0) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA, fold=fold)


def provider(pid: int = 1, *ranges: str, days=range(5), **kw) -> ProviderSchedule:
    hours = weekly_hours(days, *(ranges or ("09:00-12:00", "13:00-17:00")))
    offered = kw.pop("service_ids", frozenset({ONE_HOUR, HALF_HOUR, FORTY_FIVE, LASER}))
    return ProviderSchedule(pid, hours, offered, **kw)


def appt(day: date, start: str, end: str, pid: int = 1, **kw) -> Appointment:
    return Appointment(at(day, start), at(day, end), pid, **kw)


def calendar(**changes) -> ClinicCalendar:
    base = ClinicCalendar(
        tz="America/Los_Angeles",
        opening_hours=weekly_hours(range(6), "08:00-20:00"),
        providers=(provider(),),
        services=(
            ServiceSpec(ONE_HOUR, 60),
            ServiceSpec(HALF_HOUR, 30),
            ServiceSpec(FORTY_FIVE, 45),
            ServiceSpec(LASER, 30, resource_kind="laser"),
            ServiceSpec(NOT_OFFERED, 30),
        ),
        min_notice_min=0,
        horizon_days=30,
    )
    return replace(base, **changes)


def day_slots(cal: ClinicCalendar, service_id: int, day: date = MON, **kw) -> list[Slot]:
    now = kw.pop("now", NOW)
    return next_slots(cal, service_id, now=now, day=day, limit=None, **kw)


def hhmm(slots: list[Slot]) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


def quarter_hours(first: str, last: str) -> list[str]:
    start, end = at(MON, first), at(MON, last)
    out = []
    while start <= end:
        out.append(start.strftime("%H:%M"))
        start += timedelta(minutes=15)
    return out


# ------------------------------------------------------------------ working hours


def test_lunch_break_splits_the_day():
    starts = hhmm(day_slots(calendar(), ONE_HOUR))
    assert starts == quarter_hours("09:00", "11:00") + quarter_hours("13:00", "16:00")


def test_provider_hours_are_intersected_with_clinic_opening_hours():
    cal = calendar(opening_hours=weekly_hours(range(6), "10:00-16:00"))
    starts = hhmm(day_slots(cal, ONE_HOUR))
    assert starts == quarter_hours("10:00", "11:00") + quarter_hours("13:00", "15:00")


def test_touching_intervals_join_into_one_stretch():
    cal = calendar(providers=(provider(1, "09:00-12:00", "12:00-14:00"),))
    assert "11:30" in hhmm(day_slots(cal, ONE_HOUR))


def test_clinic_closed_weekday_has_no_slots_even_if_provider_works():
    cal = calendar(providers=(provider(days=range(7)),))
    assert day_slots(cal, ONE_HOUR, SUN) == []
    assert check_slot(cal, ONE_HOUR, at(SUN, "10:00"), now=NOW).reason is Reason.CLINIC_CLOSED


def test_provider_without_hours_that_weekday_has_no_slots():
    saturday = MON + timedelta(days=5)
    assert day_slots(calendar(), ONE_HOUR, saturday) == []


def test_holiday_closes_the_whole_local_day():
    cal = calendar(holidays=frozenset({MON}))
    assert day_slots(cal, ONE_HOUR) == []
    assert day_slots(cal, ONE_HOUR, TUE) != []


def test_clinic_closure_removes_only_its_hours():
    cal = calendar(closures=(Closure(at(MON, "10:00"), at(MON, "11:00")),))
    starts = hhmm(day_slots(cal, HALF_HOUR))
    assert "09:30" in starts and "11:00" in starts
    assert not {"09:45", "10:00", "10:30", "10:45"} & set(starts)


def test_provider_time_off_blocks_only_that_provider():
    cal = calendar(
        providers=(provider(1), provider(2)),
        closures=(Closure(at(MON, "00:00"), at(TUE, "00:00"), provider_id=1),),
    )
    assert day_slots(cal, ONE_HOUR, provider_id=1) == []
    assert len(day_slots(cal, ONE_HOUR, provider_id=2)) == 9 + 13
    assert {s.provider_id for s in day_slots(cal, ONE_HOUR)} == {2}


def test_service_must_end_by_the_end_of_the_working_interval():
    starts = hhmm(day_slots(calendar(), FORTY_FIVE))
    assert "11:15" in starts and "11:30" not in starts
    assert starts[-1] == "16:15"


def test_work_interval_parses_database_strings_including_midnight_end():
    interval = WorkInterval.parse(4, "18:00", "24:00")
    assert (interval.start_s, interval.end_s) == (18 * 3600, 24 * 3600)
    with pytest.raises(ValueError):
        WorkInterval.parse(0, "12:00", "09:00")


# ------------------------------------------------------------------ buffers


def test_new_slot_buffers_must_not_overlap_a_neighbouring_appointment():
    cal = calendar(
        services=(ServiceSpec(HALF_HOUR, 30, buffer_before_min=15, buffer_after_min=15),),
        appointments=(appt(MON, "10:00", "10:30"),),
    )
    starts = hhmm(day_slots(cal, HALF_HOUR))
    assert "09:15" in starts and "09:30" not in starts  # 09:30 + 30 + 15 runs into 10:00
    assert "10:45" in starts and "10:30" not in starts  # 10:30 - 15 runs into 10:30


def test_existing_appointment_buffers_block_neighbours():
    cal = calendar(appointments=(appt(MON, "10:00", "10:30", buffer_after_min=20),))
    starts = hhmm(day_slots(cal, HALF_HOUR))
    assert "10:45" not in starts and "11:00" in starts
    assert "09:30" in starts  # no buffer before the existing appointment


def test_appointment_ending_a_fraction_past_a_grid_time_still_blocks_that_start():
    end = at(MON, "10:00") + timedelta(microseconds=500_000)
    cal = calendar(appointments=(Appointment(at(MON, "09:30"), end, 1),))
    assert hhmm(day_slots(cal, HALF_HOUR))[:2] == ["09:00", "10:15"]


def test_buffers_may_spill_outside_working_hours_but_the_service_may_not():
    cal = calendar(services=(ServiceSpec(ONE_HOUR, 60, buffer_before_min=30, buffer_after_min=30),))
    starts = hhmm(day_slots(cal, ONE_HOUR))
    assert starts[0] == "09:00" and "11:00" in starts and starts[-1] == "16:00"


# ------------------------------------------------------------------ notice, horizon, grid


def test_min_notice_is_counted_from_the_given_now():
    cal = calendar(min_notice_min=60)
    now = at(MON, "09:07")
    assert hhmm(next_slots(cal, HALF_HOUR, now=now, limit=2)) == ["10:15", "10:30"]
    reason = check_slot(cal, HALF_HOUR, at(MON, "10:00"), now=now).reason
    assert reason is Reason.TOO_SOON


def test_horizon_excludes_starts_at_or_after_now_plus_days():
    cal = calendar(horizon_days=2)  # NOW is Sunday 12:00 -> Tuesday 12:00 exclusive
    slots = next_slots(cal, HALF_HOUR, now=NOW, limit=None)
    assert slots[-1].start == at(TUE, "11:30")
    assert check_slot(cal, HALF_HOUR, at(TUE, "12:00"), now=NOW).reason is Reason.BEYOND_HORIZON


def test_45_minute_service_starts_on_every_quarter_hour():
    assert hhmm(day_slots(calendar(), FORTY_FIVE))[:5] == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
    ]


def test_grid_is_aligned_to_local_midnight_not_to_the_interval_start():
    cal = calendar(providers=(provider(1, "09:10-12:00"),))
    assert hhmm(day_slots(cal, HALF_HOUR))[:2] == ["09:15", "09:30"]
    cal = replace(cal, grid_min=20)
    assert hhmm(day_slots(cal, HALF_HOUR))[:3] == ["09:20", "09:40", "10:00"]


def test_off_grid_start_is_rejected():
    assert check_slot(calendar(), HALF_HOUR, at(MON, "09:07"), now=NOW).reason is Reason.OFF_GRID


# ------------------------------------------------------------------ appointments and caps


def test_pending_deposit_blocks_but_cancelled_and_no_show_do_not():
    cal = calendar(
        appointments=(
            appt(MON, "09:00", "10:00", status=AppointmentStatus.PENDING_DEPOSIT),
            appt(MON, "10:00", "11:00", status="cancelled"),
            appt(MON, "11:00", "12:00", status="no_show"),
        )
    )
    starts = hhmm(day_slots(cal, ONE_HOUR))
    assert starts[:2] == ["10:00", "10:15"] and "11:00" in starts


def test_daily_cap_counts_existing_appointments():
    cal = calendar(
        providers=(provider(daily_cap=2),),
        appointments=(appt(MON, "09:00", "10:00"), appt(MON, "13:00", "14:00")),
    )
    assert day_slots(cal, HALF_HOUR) == []
    assert day_slots(cal, HALF_HOUR, TUE) != []
    reason = check_slot(cal, HALF_HOUR, at(MON, "15:00"), now=NOW, provider_id=1).reason
    assert reason is Reason.DAILY_CAP_REACHED


def test_cancelled_appointments_do_not_count_towards_the_daily_cap():
    cal = calendar(
        providers=(provider(daily_cap=1),),
        appointments=(appt(MON, "09:00", "10:00", status="cancelled"),),
    )
    assert hhmm(day_slots(cal, HALF_HOUR))[0] == "09:00"


# ------------------------------------------------------------------ resources


def laser_calendar(appointments: tuple[Appointment, ...]) -> ClinicCalendar:
    return calendar(
        providers=(provider(1), provider(2)),
        resources=(Resource(8, "laser"), Resource(5, "laser"), Resource(1, "room")),
        appointments=appointments,
    )


def test_resource_service_gets_the_lowest_free_resource():
    cal = laser_calendar((appt(MON, "09:00", "09:30", pid=2, resource_id=5),))
    first = day_slots(cal, LASER, provider_id=1)[0]
    assert (hhmm([first]), first.resource_id) == (["09:00"], 8)
    later = day_slots(cal, LASER, provider_id=1)[2]
    assert (hhmm([later]), later.resource_id) == (["09:30"], 5)


def test_no_slot_when_every_resource_of_the_kind_is_busy():
    cal = laser_calendar(
        (
            appt(MON, "09:00", "10:00", pid=2, resource_id=5),
            appt(MON, "09:00", "10:00", pid=3, resource_id=8),
        )
    )
    starts = hhmm(day_slots(cal, LASER, provider_id=1))
    assert starts[0] == "10:00"
    reason = check_slot(cal, LASER, at(MON, "09:30"), now=NOW, provider_id=1).reason
    assert reason is Reason.NO_RESOURCE


def test_resource_occupancy_includes_buffers():
    cal = replace(
        laser_calendar(
            (
                appt(MON, "09:00", "09:30", pid=2, resource_id=5, buffer_after_min=15),
                appt(MON, "09:00", "09:30", pid=2, resource_id=8, buffer_after_min=15),
            )
        ),
        services=(ServiceSpec(LASER, 30, resource_kind="laser"),),
    )
    assert hhmm(day_slots(cal, LASER, provider_id=1))[0] == "09:45"


def test_service_without_resource_reports_none():
    assert day_slots(laser_calendar(()), HALF_HOUR)[0].resource_id is None


# ------------------------------------------------------------------ any provider


def three_providers(appointments=()) -> ClinicCalendar:
    return calendar(
        providers=(provider(3), provider(1), provider(2), provider(4, service_ids=frozenset())),
        appointments=appointments,
    )


def test_any_provider_prefers_the_least_booked_that_day_then_the_lowest_id():
    cal = three_providers((appt(MON, "16:00", "17:00", pid=1),))
    slots = day_slots(cal, HALF_HOUR)
    assert slots[0].provider_id == 2  # 1 has a booking today, 2 < 3
    assert [s.provider_id for s in day_slots(cal, HALF_HOUR, TUE)][:3] == [1, 1, 1]


def test_any_provider_falls_back_to_the_next_provider_when_the_preferred_is_away():
    cal = replace(
        three_providers(),
        closures=(Closure(at(MON, "09:00"), at(MON, "10:00"), provider_id=1),),
    )
    slots = day_slots(cal, HALF_HOUR)
    assert hhmm(slots)[:5] == ["09:00", "09:15", "09:30", "09:45", "10:00"]
    assert [s.provider_id for s in slots[:5]] == [2, 2, 2, 2, 1]
    assert len(set(hhmm(slots))) == len(slots)  # one slot per start


def test_any_provider_assignment_is_independent_of_input_order():
    cal = build_clinic(seed=3, appointments=200, horizon_days=21)
    expected = next_slots(cal, 3, now=BENCH_NOW, limit=None)
    rng = random.Random(0)
    for _ in range(3):
        shuffled = replace(
            cal,
            providers=tuple(rng.sample(cal.providers, len(cal.providers))),
            appointments=tuple(rng.sample(cal.appointments, len(cal.appointments))),
            closures=tuple(rng.sample(cal.closures, len(cal.closures))),
            resources=tuple(rng.sample(cal.resources, len(cal.resources))),
        )
        assert next_slots(shuffled, 3, now=BENCH_NOW, limit=None) == expected


def test_all_pairs_lists_every_provider_per_start_in_preference_order():
    cal = three_providers((appt(MON, "16:00", "17:00", pid=1),))
    slots = day_slots(cal, HALF_HOUR, one_per_start=False)
    assert [(hhmm([s])[0], s.provider_id) for s in slots[:3]] == [
        ("09:00", 2),
        ("09:00", 3),
        ("09:00", 1),
    ]


def test_requested_provider_restricts_the_search():
    cal = three_providers()
    assert {s.provider_id for s in day_slots(cal, HALF_HOUR, provider_id=3)} == {3}


def test_provider_not_offering_the_service_gets_no_slots():
    cal = three_providers()
    assert day_slots(cal, HALF_HOUR, provider_id=4) == []
    reason = check_slot(cal, HALF_HOUR, at(MON, "10:00"), now=NOW, provider_id=4).reason
    assert reason is Reason.PROVIDER_DOES_NOT_OFFER_SERVICE


# ------------------------------------------------------------------ DST (America/Los_Angeles)


QUARTER, TWO_HOURS = 5, 7


def dst_calendar(hours: str) -> ClinicCalendar:
    """Open every day; the provider offers a 15-minute and a 2-hour service too."""
    offered = frozenset({HALF_HOUR, QUARTER, TWO_HOURS})
    return calendar(
        opening_hours=weekly_hours(range(7), hours),
        providers=(provider(1, hours, days=range(7), service_ids=offered),),
        services=(
            ServiceSpec(HALF_HOUR, 30),
            ServiceSpec(QUARTER, 15),
            ServiceSpec(TWO_HOURS, 120),
        ),
    )


DST_NOW = datetime(2025, 3, 1, 12, tzinfo=LA)
SPRING = date(2025, 3, 9)  # 02:00 PST -> 03:00 PDT
FALL = date(2025, 11, 2)  # 02:00 PDT -> 01:00 PST


def test_spring_forward_day_has_no_slot_in_missing_hour():
    slots = day_slots(dst_calendar("00:00-04:00"), QUARTER, SPRING, now=DST_NOW)
    labels = hhmm(slots)
    assert not [label for label in labels if label.startswith("02:")]
    assert labels[7:9] == ["01:45", "03:00"]
    assert len(slots) == 12  # the working interval is three real hours long
    assert [s.start.utcoffset() for s in slots[7:9]] == [timedelta(hours=-8), timedelta(hours=-7)]
    utc = [s.start_utc for s in slots]
    assert utc == sorted(set(utc))


def test_fall_back_day_has_no_duplicate_slot_in_repeated_hour():
    now = datetime(2025, 10, 30, tzinfo=LA)
    slots = day_slots(dst_calendar("00:00-03:00"), QUARTER, FALL, now=now)
    labels = hhmm(slots)
    assert len(labels) == len(set(labels)) == 12
    ones = [s for s in slots if s.start.hour == 1]
    assert len(ones) == 4 and all(s.start.utcoffset() == timedelta(hours=-7) for s in ones)
    utc = [s.start_utc for s in slots]
    assert utc == sorted(set(utc))
    assert slots[-1].end_utc - slots[0].start_utc == timedelta(hours=4)  # real hours worked


def test_second_occurrence_of_repeated_hour_is_off_grid():
    cal = dst_calendar("00:00-03:00")
    now = datetime(2025, 10, 30, tzinfo=LA)
    assert check_slot(cal, HALF_HOUR, at(FALL, "01:30"), now=now).ok
    second = check_slot(cal, HALF_HOUR, at(FALL, "01:30", fold=1), now=now)
    assert second.reason is Reason.OFF_GRID


@pytest.mark.parametrize(
    ("days", "utc_hours"),
    [
        ((date(2025, 3, 8), SPRING, date(2025, 3, 10)), (17, 16, 16)),
        ((date(2025, 11, 1), FALL, date(2025, 11, 3)), (16, 17, 17)),
    ],
)
def test_nine_am_stays_nine_am_on_both_sides_of_dst_changes(days, utc_hours):
    cal = dst_calendar("09:00-17:00")
    now = datetime.combine(days[0] - timedelta(days=1), datetime.min.time(), tzinfo=LA)
    for day, utc_hour in zip(days, utc_hours, strict=True):
        first = next_slots(cal, HALF_HOUR, now=now, day=day, limit=1)[0]
        assert (first.start.hour, first.start.minute, first.start.date()) == (9, 0, day)
        assert first.start_utc.hour == utc_hour


def test_service_spanning_the_dst_change_lasts_its_real_duration():
    cal = dst_calendar("00:00-06:00")
    after = at(SPRING, "01:00")
    slot = next_slots(cal, TWO_HOURS, now=DST_NOW, day=SPRING, after=after, limit=1)[0]
    assert slot.start == after
    assert slot.end.strftime("%H:%M") == "04:00"
    assert slot.end_utc - slot.start_utc == timedelta(hours=2)


# ------------------------------------------------------------------ filters and search


def test_part_of_day_filters_by_local_start_time():
    cal = calendar(providers=(provider(1, "08:00-20:00"),))
    morning = hhmm(day_slots(cal, HALF_HOUR, part_of_day=PartOfDay.MORNING))
    afternoon = hhmm(day_slots(cal, HALF_HOUR, part_of_day=PartOfDay.AFTERNOON))
    evening = hhmm(day_slots(cal, HALF_HOUR, part_of_day=PartOfDay.EVENING))
    assert (morning[0], morning[-1]) == ("08:00", "11:45")
    assert (afternoon[0], afternoon[-1]) == ("12:00", "16:45")
    assert (evening[0], evening[-1]) == ("17:00", "19:30")


def test_day_filter_returns_only_that_local_day():
    slots = next_slots(calendar(), HALF_HOUR, now=NOW, day=TUE, limit=None)
    assert {s.start.date() for s in slots} == {TUE}


def test_next_slots_default_limit_is_ten_and_results_are_sorted():
    slots = next_slots(calendar(providers=(provider(1), provider(2))), HALF_HOUR, now=NOW)
    assert len(slots) == 10
    assert slots == sorted(slots, key=lambda s: (s.start_utc, s.provider_id))


def test_next_slots_after_searches_from_a_point_in_time():
    slots = next_slots(calendar(), HALF_HOUR, now=NOW, after=at(MON, "14:10"), limit=2)
    assert [s.start for s in slots] == [at(MON, "14:15"), at(MON, "14:30")]


def test_slot_times_are_in_clinic_zone_and_utc():
    slot = next_slots(calendar(), HALF_HOUR, now=NOW, limit=1)[0]
    assert slot.start.tzinfo == LA and slot.start_utc.tzinfo == UTC
    assert slot.start_utc == at(MON, "09:00") and slot.end == at(MON, "09:30")


def nearest_calendar() -> ClinicCalendar:
    return calendar(appointments=(appt(MON, "10:00", "11:30"),))


def test_nearest_slots_returns_closest_before_and_after_by_distance():
    slots = nearest_slots(nearest_calendar(), HALF_HOUR, at(MON, "10:30"), 3, now=NOW)
    assert hhmm(slots) == ["09:30", "11:30", "09:15"]


def test_nearest_slots_never_offers_a_start_before_now_plus_notice():
    now = at(MON, "09:40")
    slots = nearest_slots(nearest_calendar(), HALF_HOUR, at(MON, "10:30"), 3, now=now)
    assert hhmm(slots) == ["11:30", "13:00", "13:15"]


def test_nearest_slots_looks_back_over_previous_days():
    cal = calendar(closures=(Closure(at(TUE, "00:00"), at(TUE + timedelta(days=3), "00:00")),))
    slots = nearest_slots(cal, HALF_HOUR, at(TUE, "10:00"), 2, now=NOW)
    assert [s.start for s in slots] == [at(MON, "16:30"), at(MON, "16:15")]


# ------------------------------------------------------------------ check_slot reasons


def _reason_cases():
    cap = calendar(providers=(provider(daily_cap=1),), appointments=(appt(MON, "09:00", "09:30"),))
    taken = calendar(appointments=(appt(MON, "10:00", "11:00"),))
    off = calendar(closures=(Closure(at(MON, "09:00"), at(MON, "12:00"), provider_id=1),))
    closed = calendar(closures=(Closure(at(MON, "09:00"), at(MON, "12:00")),))
    no_laser = calendar(
        providers=(provider(1), provider(2)),
        resources=(Resource(5, "laser"),),
        appointments=(appt(MON, "10:00", "10:30", pid=2, resource_id=5),),
    )
    notice = calendar(min_notice_min=120)
    return [
        (Reason.IN_PAST, calendar(), NOW - timedelta(hours=1), None),
        (Reason.TOO_SOON, notice, NOW + timedelta(hours=1), None),
        (Reason.BEYOND_HORIZON, calendar(), at(MON + timedelta(days=40), "10:00"), None),
        (Reason.OFF_GRID, calendar(), at(MON, "10:05"), None),
        (Reason.PROVIDER_DOES_NOT_OFFER_SERVICE, calendar(), at(MON, "10:00"), 1),
        (Reason.CLINIC_CLOSED, calendar(), at(SUN, "10:00"), None),
        (Reason.CLINIC_CLOSED, calendar(holidays=frozenset({MON})), at(MON, "10:00"), None),
        (Reason.CLINIC_CLOSED, closed, at(MON, "10:00"), None),
        (Reason.OUTSIDE_HOURS, calendar(), at(MON, "12:15"), None),
        (Reason.OUTSIDE_HOURS, calendar(), at(MON, "16:45"), None),
        (Reason.OUTSIDE_HOURS, calendar(), at(MON, "08:00"), 1),
        (Reason.PROVIDER_UNAVAILABLE, off, at(MON, "10:00"), 1),
        (Reason.DAILY_CAP_REACHED, cap, at(MON, "14:00"), None),
        (Reason.SLOT_TAKEN, taken, at(MON, "10:30"), 1),
        (Reason.NO_RESOURCE, no_laser, at(MON, "10:00"), 1),
    ]


@pytest.mark.parametrize(
    ("reason", "cal", "start", "pid"),
    _reason_cases(),
    ids=[f"{case[0].value}-{i}" for i, case in enumerate(_reason_cases())],
)
def test_check_slot_gives_a_typed_reason(reason, cal, start, pid):
    service = NOT_OFFERED if reason is Reason.PROVIDER_DOES_NOT_OFFER_SERVICE else HALF_HOUR
    service = LASER if reason is Reason.NO_RESOURCE else service
    result = check_slot(cal, service, start, now=NOW, provider_id=pid)
    assert (result.ok, result.reason, result.slot) == (False, reason, None)
    assert not result and not is_slot_free(cal, service, start, now=NOW, provider_id=pid)


def test_check_slot_accepts_a_free_slot_and_says_who_and_what():
    cal = laser_calendar((appt(MON, "10:00", "10:30", pid=2, resource_id=8),))
    result = check_slot(cal, LASER, at(MON, "10:00"), now=NOW)
    assert result.ok and result.reason is None
    assert (result.slot.provider_id, result.slot.resource_id) == (1, 5)
    assert result.slot.start == at(MON, "10:00")


def test_check_slot_for_any_provider_reports_the_most_specific_obstacle():
    cal = calendar(
        providers=(provider(1), provider(2)),
        closures=(Closure(at(MON, "00:00"), at(TUE, "00:00"), provider_id=1),),
        appointments=(appt(MON, "10:00", "11:00", pid=2),),
    )
    assert check_slot(cal, HALF_HOUR, at(MON, "10:00"), now=NOW).reason is Reason.SLOT_TAKEN
    assert check_slot(cal, HALF_HOUR, at(MON, "11:00"), now=NOW).slot.provider_id == 2


def test_check_slot_agrees_with_next_slots_at_every_grid_start():
    cal = build_clinic(seed=11, providers=5, appointments=120, horizon_days=20)
    engine = Availability(cal)
    for service_id in (3, 4):
        for pid in (None, 1, 2, 3):
            slots = engine.next_slots(service_id, now=BENCH_NOW, provider_id=pid, limit=None)
            by_start = {s.start_utc: s for s in slots}
            start = datetime(2025, 10, 31, tzinfo=LA)  # three days around the fall-back
            while start < datetime(2025, 11, 3, tzinfo=LA):
                result = engine.check_slot(service_id, start, now=BENCH_NOW, provider_id=pid)
                assert result.slot == by_start.get(start), (service_id, pid, start)
                start = (start.astimezone(UTC) + timedelta(minutes=15)).astimezone(LA)


# ------------------------------------------------------------------ oracle, validation, speed


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_engine_matches_the_naive_minute_grid_oracle(seed):
    cal = build_clinic(seed=seed, providers=4, appointments=150, horizon_days=16)
    for service_id in (2, 3, 4, 5):
        expected = naive_slots(cal, service_id, BENCH_NOW)
        assert as_tuples(next_slots(cal, service_id, now=BENCH_NOW, limit=None)) == expected


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="aware"):
        next_slots(calendar(), HALF_HOUR, now=datetime(2025, 6, 1, 12))
    with pytest.raises(ValueError, match="aware"):
        Closure(datetime(2025, 6, 1), datetime(2025, 6, 2))


def test_unknown_service_or_provider_is_a_caller_error():
    with pytest.raises(ValueError, match="service"):
        next_slots(calendar(), 999, now=NOW)
    with pytest.raises(ValueError, match="provider"):
        next_slots(calendar(), HALF_HOUR, now=NOW, provider_id=999)


def test_interval_arithmetic_basics():
    assert iv.merge([(5, 7), (1, 3), (3, 4), (6, 9), (10, 10)]) == [(1, 4), (5, 9)]
    assert iv.subtract([(0, 10), (20, 30)], [(2, 3), (8, 22)]) == [(0, 2), (3, 8), (22, 30)]
    assert iv.intersect([(0, 5), (8, 12)], [(3, 9), (11, 20)]) == [(3, 5), (8, 9), (11, 12)]
    assert iv.contains([(0, 5), (8, 12)], 8, 12) and not iv.contains([(0, 5), (8, 12)], 4, 9)
    assert iv.overlaps([(0, 5)], 4, 6) and not iv.overlaps([(0, 5)], 5, 6)


def test_full_horizon_for_the_bench_clinic_is_well_under_200_ms():
    cal = build_clinic()
    timings = []
    for _ in range(3):
        t0 = clock.perf_counter()
        slots = next_slots(cal, 3, now=BENCH_NOW, limit=None)
        timings.append(clock.perf_counter() - t0)
    assert len(slots) > 1000
    assert min(timings) < 0.2
