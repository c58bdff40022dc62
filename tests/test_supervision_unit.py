"""Supervision bookkeeping with a fake clock: restart intensity (OTP's MaxR within MaxT), the
registry, and what one heartbeat decides."""

from actors.supervision import RUNNING, Child, Children, RestartBudget, plan_beat


def test_budget_allows_n_restarts_within_window_then_refuses():
    budget = RestartBudget(intensity=3, window_s=30)
    assert [budget.allow(t) for t in (0, 1, 2)] == [True, True, True]
    assert budget.allow(3) is False


def test_budget_forgets_restarts_older_than_the_window():
    budget = RestartBudget(intensity=2, window_s=10)
    assert budget.allow(0) and budget.allow(5)
    assert budget.allow(9) is False
    assert budget.allow(15.5) is True  # the restart at t=0 and t=5 have aged out


def test_registry_finds_children_by_address_not_hash():
    class Unhashable:
        __hash__ = None

        def __init__(self, n):
            self.n = n

        def __eq__(self, other):
            return isinstance(other, Unhashable) and other.n == self.n

    children = Children()
    child = children.add(Child("sms:a", "sms", "a", 1, RestartBudget(3, 30), address=Unhashable(7)))
    assert children.find_address(Unhashable(7)) is child
    assert children.find_address(Unhashable(8)) is None


# ---------------------------------------------------------------------------- the heartbeat


def running(n: int, **fields) -> list[Child]:
    return [
        Child(f"sms:{i}", "sms", str(i), 1, RestartBudget(3, 30), state=RUNNING, **fields)
        for i in range(n)
    ]


def beat(children, now, weigh_max=8):
    return plan_beat(
        children,
        now,
        hung_after_s=30,
        idle_after_s=600,
        ping_after_s=10,
        heartbeat_s=2,
        weigh_max=weigh_max,
    )


def test_a_child_that_answered_recently_is_not_pinged():
    busy, quiet = running(2, last_activity=100.0)
    busy.last_pong, quiet.last_pong = 99.0, 85.0
    assert beat([busy, quiet], now=100.0).ping == [quiet]


def test_children_that_fell_quiet_together_are_pinged_over_several_beats_not_at_once():
    children = running(300, last_pong=0.0, last_activity=0.0)
    pinged = beat(children, now=12.0).ping
    assert len(pinged) == 60  # 300 children * 2 s beat / 10 s: each once per 10 s
    for child in pinged:
        child.last_pong = 12.5
    assert not {c.id for c in beat(children, now=14.0).ping} & {c.id for c in pinged}


def test_a_silent_child_is_hung_and_not_pinged_or_weighed():
    (child,) = running(1, last_pong=0.0, last_activity=0.0)
    result = beat([child], now=31.0)
    assert result.hung == [child] and not result.ping and not result.weigh


def test_only_children_that_worked_since_last_weighed_are_weighed_a_few_per_beat():
    children = running(20, last_pong=99.0, last_activity=50.0)
    first = beat(children, now=100.0).weigh
    assert len(first) == 8
    second = beat(children, now=102.0).weigh
    assert len(second) == 8 and not {c.id for c in first} & {c.id for c in second}
    for child in children:
        child.memory_checked_at = 103.0  # everyone weighed; nobody has worked since
    assert beat(children, now=104.0).weigh == []
    children[3].last_activity = 104.5
    assert beat(children, now=106.0).weigh == [children[3]]


def test_an_idle_child_with_no_work_in_flight_is_retired():
    idle, waiting = running(2, last_pong=699.0, last_activity=0.0)
    waiting.inflight["corr"] = object()
    assert beat([idle, waiting], now=700.0).retire == [idle]


def test_an_sms_thread_always_belongs_to_the_same_supervisor():
    from actors.messages import sms_supervisor_for, sms_supervisors

    assert sms_supervisors(3) == ["sms", "sms-1", "sms-2"]
    keys = [f"+15550100001:+1555700{n:04d}" for n in range(300)]
    owners = [sms_supervisor_for(key, 3) for key in keys]
    assert owners == [sms_supervisor_for(key, 3) for key in keys]  # stable
    assert all(owners.count(name) > 60 for name in sms_supervisors(3))  # spread
    assert {sms_supervisor_for(key, 1) for key in keys} == {"sms"}


def test_memory_cap_compares_a_process_own_memory_with_the_cap():
    import os

    from actors.supervision import over_memory_cap

    assert over_memory_cap(os.getpid(), 1)  # a Python process holds more than 1 MB of its own
    assert not over_memory_cap(os.getpid(), 1_000_000)  # within the cap: USS is not even read
    assert not over_memory_cap(None, 1)
    assert not over_memory_cap(2**22 + 12345, 1)  # no such process: nothing to kill
