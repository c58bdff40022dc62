"""Waiting for processes to exit, on the kernel's word rather than by polling.

Thespian's admin daemonises, so the actor processes a stop kills are not the launcher's
children: nobody here can reap them, and where PID 1 does not reap either (a container's init,
a microVM's agent) they stay zombies. ``psutil.wait_procs`` waits for a zombie until its
timeout, which made every stop of a whole system take two seconds longer than the kill. A
zombie holds no port, file or lock any more: for a stop it has exited. A pidfd (Linux 5.3+)
becomes readable the moment its process exits, so the wait ends at once.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time

import psutil


def wait_exited(processes: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until every process has exited (a zombie counts); return those still running.

    Our own children among them are reaped, so they leave no zombie behind.
    """
    if not hasattr(os, "pidfd_open"):
        return _poll_exited(processes, timeout_s)
    selector = selectors.DefaultSelector()
    try:
        for proc in processes:
            try:
                fd = os.pidfd_open(proc.pid)
            except ProcessLookupError:
                continue
            if not proc.is_running():  # the pid already names another process
                os.close(fd)
                continue
            selector.register(fd, selectors.EVENT_READ, proc)
        deadline = time.monotonic() + timeout_s
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in selector.select(remaining):
                selector.unregister(key.fd)
                os.close(key.fd)
                _reap(key.data.pid)
        return [key.data for key in selector.get_map().values()]
    finally:
        for key in list(selector.get_map().values()):
            os.close(key.fd)
        selector.close()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not ours: whoever is its parent reaps it
        os.waitpid(pid, os.WNOHANG)


def _poll_exited(processes: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Where pidfds are missing: ask each process's status until it is gone or a zombie."""
    deadline = time.monotonic() + timeout_s
    alive = list(processes)
    while True:
        alive = [proc for proc in alive if _running(proc)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.01)


def _running(proc: psutil.Process) -> bool:
    try:
        if proc.status() != psutil.STATUS_ZOMBIE:
            return True
    except psutil.Error:
        return False
    _reap(proc.pid)
    return False
