"""Hot starts (issue 17 item 8): a new texter's conversation actor comes from a pool of warm,
pre-started actors instead of a fork, the pool refills in the background and sizes itself from
the bursts it sees, and nothing sent in a burst larger than the pool is lost."""

from __future__ import annotations

import math
import os
import signal

import pytest

from actors.messages import ListPool, TextReceived, new_corr
from actors.warm_pool import BURST_S, HEADROOM, WINDOW_S, WarmPool
from tests.helpers import wait_until

GLOW = "+15550100001"


# ---------------------------------------------------------------------------- sizing


def test_the_pool_keeps_its_floor_and_grows_past_the_recent_burst():
    pool = WarmPool(floor=3, ceiling=20)
    assert pool.target(0.0) == 3
    for n in range(7):  # seven new conversations within one second
        pool.take(100.0 + n * BURST_S / 10)
    assert pool.target(101.0) == math.ceil(7 * HEADROOM)  # room for a bigger next wave
    assert pool.target(100.0 + WINDOW_S / 2) == math.ceil(7 * HEADROOM)  # minutes later, too
    assert pool.target(100.0 + WINDOW_S + 2) == 3  # then the burst is forgotten
    for n in range(30):
        pool.take(200.0 + WINDOW_S + n * 0.01)
    assert pool.target(200.5 + WINDOW_S) == 20  # never past its ceiling


def test_restarts_do_not_grow_the_pool():
    pool = WarmPool(floor=2)
    for n in range(5):
        pool.take(50.0 + n * 0.01, new=False)
    assert pool.target(50.1) == 2


def test_only_ready_members_are_handed_out_and_the_surplus_is_retired():
    pool = WarmPool(floor=1)
    forking, ready = pool.add("a", 0.0), pool.add("b", 0.0)
    ready.pid = 42
    assert pool.take(1.0) is ready and pool.handed_out == 1
    assert pool.take(1.1) is None and pool.cold == 1  # "a" has not said it is ready
    forking.pid = 43
    extra = pool.add("c", 2.0)
    extra.pid = 44
    assert pool.surplus(WINDOW_S + 10) is forking and pool.members == [extra]


# ---------------------------------------------------------------------------- the real system


def help_text(key: str) -> TextReceived:
    """A text that needs no brain (HELP): these tests are about which process answers."""
    return TextReceived(
        corr=new_corr(),
        key=key,
        clinic_id=1,
        message_id=None,
        text="HELP",
        customer_phone=key.split(":")[1],
        wants_reply=True,
    )


def text(system, key: str):
    return system.ask(help_text(key), system.address("sms"), timeout_s=20)


def pool_of(system) -> dict:
    return system.ask(ListPool(new_corr()), system.address("sms")).value


@pytest.mark.multiproc
def test_a_new_texter_is_answered_by_a_warm_actor_and_the_pool_refills(actor_system):
    assert wait_until(lambda: len(pool_of(actor_system)["pids"]) == 2, timeout_s=20)
    warm = set(pool_of(actor_system)["pids"])
    key = f"{GLOW}:+15555550101"
    assert text(actor_system, key).value  # answered
    info = actor_system.actors()[f"sms:{key}"]
    assert info.pid in warm, "the conversation was forked instead of taken from the pool"
    assert pool_of(actor_system)["handed_out"] == 1
    assert wait_until(lambda: len(pool_of(actor_system)["pids"]) == 2, timeout_s=20)
    assert info.pid not in pool_of(actor_system)["pids"]


@pytest.mark.multiproc
def test_a_burst_larger_than_the_pool_loses_nothing(actor_system):
    assert wait_until(lambda: len(pool_of(actor_system)["pids"]) == 2, timeout_s=20)
    keys = [f"{GLOW}:+155555502{n:02d}" for n in range(6)]
    sms = actor_system.address("sms")
    corrs = []
    for key in keys:  # all sent before any answer is read
        message = help_text(key)
        corrs.append(message.corr)
        actor_system.asys.tell(sms, message)
    answered = set()
    while len(answered) < len(keys):
        reply = actor_system.asys.listen(20)
        assert reply is not None, f"only {len(answered)} of {len(keys)} answered"
        answered.add(getattr(reply, "corr", None))
    assert set(corrs) <= answered
    pool = pool_of(actor_system)
    assert pool["handed_out"] >= 2 and pool["handed_out"] + pool["cold"] == len(keys)
    # It sizes itself for the next such burst, with headroom, and refills to that size.
    assert pool["target"] == math.ceil(len(keys) * HEADROOM)
    assert wait_until(lambda: len(pool_of(actor_system)["pids"]) == pool["target"], timeout_s=30)


@pytest.mark.multiproc
def test_a_killed_warm_conversation_is_restarted_with_its_state(actor_system):
    assert wait_until(lambda: len(pool_of(actor_system)["pids"]) == 2, timeout_s=20)
    key = f"{GLOW}:+15555550301"
    text(actor_system, key)
    before = actor_system.actors()[f"sms:{key}"]
    os.kill(before.pid, signal.SIGKILL)
    assert wait_until(
        lambda: (i := actor_system.actors().get(f"sms:{key}")) and i.pid and i.pid != before.pid,
        timeout_s=20,
    )
    text(actor_system, key)
    after = actor_system.actors()[f"sms:{key}"]
    assert after.restarts == before.restarts + 1
    assert wait_until(lambda: actor_system.actors()[f"sms:{key}"].checkpoint_version == 2)


def test_a_member_that_never_gets_ready_is_dropped_so_the_pool_cannot_stall():
    pool = WarmPool(floor=2)
    stuck, fine = pool.add("stuck", 0.0), pool.add("fine", 0.0)
    fine.pid = 7
    assert pool.stale(5.0) == []
    assert pool.stale(31.0) == [stuck] and pool.members == [fine]
    assert pool.short(31.0)  # so it is replaced
