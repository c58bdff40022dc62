"""A stop ends as soon as the processes it killed have exited, reaped or not."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import psutil

from actors.process_exit import wait_exited


def _fork_a_grandchild_and_never_reap_it(pids) -> None:
    grandchild = os.fork()
    if grandchild == 0:
        signal.pause()
        os._exit(0)
    pids.put(grandchild)
    signal.pause()  # alive, and never waits for its child: a killed grandchild stays a zombie


def test_a_killed_process_nobody_reaps_counts_as_exited_at_once():
    """The actor processes a stop kills belong to the daemonised admin, and are zombies until
    someone reaps them; waiting on them used to take the whole timeout."""
    ctx = multiprocessing.get_context("fork")
    pids = ctx.Queue()
    parent = ctx.Process(target=_fork_a_grandchild_and_never_reap_it, args=(pids,))
    parent.start()
    try:
        grandchild = psutil.Process(pids.get(timeout=30))
        grandchild.kill()
        started = time.monotonic()
        assert wait_exited([grandchild], timeout_s=10) == []
        assert time.monotonic() - started < 5
        assert grandchild.status() == psutil.STATUS_ZOMBIE  # not ours to reap, and still exited
    finally:
        parent.kill()
        parent.join(30)


def test_our_own_killed_children_are_reaped():
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=signal.pause)
    child.start()
    proc = psutil.Process(child.pid)
    proc.kill()
    assert wait_exited([proc], timeout_s=10) == []
    assert not psutil.pid_exists(child.pid) or proc.status() != psutil.STATUS_ZOMBIE
    child.join(1)


def test_a_process_that_keeps_running_is_returned_after_the_timeout():
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=signal.pause)
    child.start()
    try:
        proc = psutil.Process(child.pid)
        assert wait_exited([proc], timeout_s=0.2) == [proc]
    finally:
        child.kill()
        child.join(30)


def test_a_process_already_gone_is_not_waited_for():
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=signal.pause)
    child.start()
    handle = psutil.Process(child.pid)  # kept from while it ran
    child.kill()
    child.join(30)
    started = time.monotonic()
    assert wait_exited([handle], timeout_s=10) == []
    assert time.monotonic() - started < 5


def test_killing_a_whole_system_returns_once_its_processes_are_dead(actor_system):
    """Every test that ends a system, and every kill -9 recovery, pays for this wait."""
    from actors.system import kill_system, system_processes

    family = system_processes(actor_system.settings)
    assert len(family) > 5  # the admin, the root supervisor and its services
    started = time.monotonic()
    kill_system(actor_system.settings)
    assert time.monotonic() - started < 1.0
    assert all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in family)
