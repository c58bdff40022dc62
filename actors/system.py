"""Starting, joining and stopping the Thespian actor system, and cleaning up after a crash.

The launcher (``supervisor.py serve``) starts the system before any thread exists, so the admin
process forks from a clean parent. Everyone else (the gateway, ``status``, ``restart``) joins
the running system by its admin port and never starts one by accident.

Thespian's transport is unauthenticated pickle: it binds to ``settings.actor_host``
(127.0.0.1 unless configured); only put it on a private network when spreading over hosts.

``kill -9`` of the launcher or the admin leaves actor processes running (they survive
``shutdown()`` and keep their ports). Each actor asks the kernel to kill it with its parent
(``PR_SET_PDEATHSIG``) and the launcher keeps a ledger of every process it started (pid and
start time) in the data dir; the next start ends whatever an earlier run left behind.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

import psutil
from thespian.actors import ActorSystem

from actors import transport_bind
from actors.process_exit import wait_exited
from store.logs import log_config
from store.settings import Settings

log = logging.getLogger("vrai.system")

ROOT_NAME = "vrai-root"
ROOT_CLASS = "actors.root.RootSupervisor"


class SystemNotRunning(RuntimeError):
    """No actor system answers on the configured admin port."""


def capabilities(settings: Settings) -> dict:
    return {"Admin Port": settings.admin_port}


def admin_listening(settings: Settings) -> bool:
    try:
        with socket.create_connection((settings.actor_host, settings.admin_port), timeout=0.5):
            return True
    except OSError:
        return False


def start_system(settings: Settings) -> ActorSystem:
    """Start a new actor system (the launcher only)."""
    transport_bind.bind_to(settings.actor_host)
    if settings.actor_system_base != "simpleSystemBase" and admin_listening(settings):
        raise RuntimeError(
            f"port {settings.admin_port} is in use: is another VRAI already running? "
            "Stop it or set VRAI_ADMIN_PORT."
        )
    logfile = str(settings.data_dir / "actors.log")
    return ActorSystem(
        settings.actor_system_base,
        capabilities(settings),
        logDefs=log_config(settings.log_level, logfile),
        transientUnique=True,  # no process-wide singleton: each start is its own system
    )


def join_system(settings: Settings) -> ActorSystem:
    """Join the running system as an external client (gateway, CLI)."""
    transport_bind.bind_to(settings.actor_host)
    if not admin_listening(settings):
        raise SystemNotRunning(
            f"no VRAI actor system on {settings.actor_host}:{settings.admin_port}; "
            "start it with `python supervisor.py serve`"
        )
    return ActorSystem(settings.actor_system_base, capabilities(settings), transientUnique=True)


def root_address(asys: ActorSystem):
    """The root supervisor's address (a global name: the same for every joining process)."""
    return asys.createActor(ROOT_CLASS, globalName=ROOT_NAME)


# ---------------------------------------------------------------------------- the pid ledger


def ledger_path(settings: Settings) -> Path:
    return settings.data_dir / "run" / "processes.json"


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def system_sessions(settings: Settings) -> set[int]:
    """Session ids of the processes listening on the admin port."""
    sessions = set()
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == settings.admin_port:
            try:
                sessions.add(os.getsid(conn.pid))
            except (OSError, TypeError):
                continue
    return sessions


def system_processes(settings: Settings, sessions: set[int] | None = None) -> list[psutil.Process]:
    """The admin and every actor process: the session Thespian's admin creates with setsid.

    The admin daemonises away from the launcher, so it is not a descendant; it is found by
    the admin port, and its session holds all the actor processes forked under it.
    """
    sessions = system_sessions(settings) if sessions is None else sessions
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) in sessions:
                found.append(proc)
        except OSError:
            continue
    return found


def write_ledger(settings: Settings, processes: list[psutil.Process]) -> None:
    entries = []
    for proc in processes:
        try:
            entries.append({"pid": proc.pid, "create_time": proc.create_time()})
        except psutil.Error:
            continue
    path = ledger_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries))
    tmp.replace(path)


def kill_leftovers(settings: Settings) -> int:
    """SIGKILL every process an earlier run recorded that is still the same process."""
    path = ledger_path(settings)
    if not path.exists():
        return 0
    killed = []
    try:
        entries = json.loads(path.read_text())
    except ValueError:
        entries = []
    for entry in entries:
        try:
            proc = psutil.Process(entry["pid"])
            if abs(proc.create_time() - entry["create_time"]) < 0.01:
                proc.kill()
                killed.append(proc)
        except (psutil.Error, KeyError, TypeError):
            continue
    wait_exited(killed, timeout_s=5)  # their ports are free only once they are gone
    path.unlink(missing_ok=True)
    if killed:
        log.warning("ended %d processes left by an earlier run", len(killed))
    return len(killed)


def kill_system(settings: Settings, rounds: int = 5) -> None:
    """SIGKILL the whole actor system at once, again until its session is empty (a supervisor
    may spawn a replacement in the instant before it dies itself)."""
    sessions = system_sessions(settings)
    for _ in range(rounds):
        family = system_processes(settings, sessions)
        if not family:
            return
        for proc in family:
            try:
                proc.kill()
            except psutil.Error:
                continue
        wait_exited(family, timeout_s=2)


def end_processes(processes: list[psutil.Process], grace_s: float = 3.0) -> None:
    """Terminate, wait, then kill whatever is left: nothing outlives a clean stop."""
    alive = []
    for proc in processes:
        try:
            proc.terminate()
            alive.append(proc)
        except psutil.Error:
            continue
    alive = wait_exited(alive, timeout_s=grace_s)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            continue
    wait_exited(alive, timeout_s=grace_s)


def wait_for(predicate, timeout_s: float, interval_s: float = 0.05) -> bool:
    """Poll ``predicate`` until true or timeout (process start-up has no event to wait on)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()
