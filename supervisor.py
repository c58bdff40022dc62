"""VRAI launcher and command line: the one place that reads the environment and wires it all.

    python supervisor.py serve [--host H] [--port P] [--data-dir D]
    python supervisor.py seed-demo [--if-empty]
    python supervisor.py token --clinic CLINIC_NUMBER_OR_ID --role admin|staff|ops [--ttl S]
    python supervisor.py status
    python supervisor.py restart ACTOR_ID
    python supervisor.py simulate sms --to CLINIC --from CUSTOMER TEXT
    python supervisor.py simulate call --to CLINIC [--text "..."]... [--audio FILE.wav]

``serve`` starts the actor system (before any thread exists), the root supervisor, and the
gateway as its own process; it watches both, keeps the pid ledger, and on SIGTERM/SIGINT stops
everything it started, leaving no process and no bound port behind.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

from store.logs import log_config
from store.settings import Backends, ConfigError, Settings, load_settings

log = logging.getLogger("vrai.launcher")

ROOT_PROBE_EVERY_S = 2.0
GATEWAY_RESTARTS = 5


# ---------------------------------------------------------------------------- settings


def choose_backends(settings: Settings) -> Settings:
    """The one place each integration's backend is chosen: the production backend where its
    settings configure it, else the embedded one. Everything below builds what this names."""
    telnyx = settings.telnyx_api_key is not None
    openai = settings.openai_api_key is not None
    stripe = settings.stripe_api_key is not None  # with its webhook secret: both or neither
    backends = Backends(
        sms_sender="telnyx" if telnyx else "outbox",
        call_control="telnyx" if telnyx else "recorded",
        voice="openai_realtime" if openai else "local",
        brain="openai" if openai else "local",
        embedder="openai" if openai else "local",
        payments="stripe" if stripe else "local",
        calendar="google" if settings.google_service_account_file is not None else "local",
    )
    return settings.replace(backends=backends)


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {}
    for name in ("host", "port", "data_dir"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return choose_backends(load_settings(os.environ, **overrides))


def prepare_database(settings: Settings) -> None:
    from store.db import open_for
    from store.migrations import migrate

    open_for(settings)
    migrate()


# ---------------------------------------------------------------------------- serve


class Launcher:
    """Runs the actor system and the gateway process until told to stop."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.stopping = threading.Event()
        self.asys = None
        self.root = None
        self.gateway: subprocess.Popen | None = None
        self.gateway_starts: list[float] = []
        self.probe_seq = 0
        self.admin_sessions: set[int] = set()
        self.ledger: list[int] = []

    def run(self) -> int:
        from actors import system

        os.environ["THESPIAN_BASE_IPADDR"] = self.settings.actor_host
        os.environ.setdefault("THESPLOG_FILE", str(self.settings.data_dir / "thespian.log"))
        system.kill_leftovers(self.settings)
        self.asys = system.start_system(self.settings)
        try:
            self._start_root()
            self._start_gateway()
            self._write_ledger()
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stopping.set())
            if self._wait_gateway_ready():
                self._announce()
            while not self.stopping.wait(ROOT_PROBE_EVERY_S / 2):
                self._write_ledger()
                self._watch_gateway()
                self._watch_root()
        finally:
            self.stop()
        return 0

    def _family(self, fresh: bool = True) -> list:
        """Every process this launcher is responsible for.

        Finding the admin's session means reading every socket of every process, which under
        load cost a tenth of a core once a second; the session is kept until it is empty.
        """
        from actors import system

        if fresh or not self.admin_sessions:
            self.admin_sessions = system.system_sessions(self.settings)
        actors = system.system_processes(self.settings, self.admin_sessions)
        if not actors:
            self.admin_sessions = set()
        return system.descendants(os.getpid()) + actors

    def _write_ledger(self) -> None:
        """Record the family for the next start's cleanup, when it changed."""
        from actors import system

        family = self._family(fresh=False)
        pids = sorted(p.pid for p in family)
        if pids != self.ledger:
            system.write_ledger(self.settings, family)
            self.ledger = pids

    def _start_root(self) -> None:
        from actors.messages import RootInit
        from actors.system import root_address

        self.root = root_address(self.asys)
        reply = self.asys.ask(self.root, RootInit(self.settings), 30)
        if reply is None:
            raise RuntimeError("the root supervisor did not start")

    def _watch_root(self) -> None:
        from actors.messages import Ping

        self.probe_seq += 1
        corr = uuid.uuid4().hex
        reply = self.asys.ask(self.root, Ping(self.probe_seq, corr), 5)
        while reply is not None and getattr(reply, "corr", None) != corr:
            reply = self.asys.listen(1)
        if reply is None and not self.stopping.is_set():
            log.error("root supervisor did not answer; starting a new one")
            try:
                self._start_root()
            except Exception:
                log.exception("the actor system itself is gone; starting a new one")
                self._restart_system()

    def _restart_system(self) -> None:
        from actors import system

        gateway_pid = self.gateway.pid if self.gateway else None
        system.end_processes([p for p in self._family() if p.pid != gateway_pid])
        self.asys = system.start_system(self.settings)
        self.admin_sessions = set()  # the new admin has a session of its own
        self._start_root()

    def _start_gateway(self) -> None:
        from actors.base import die_with_parent

        self.gateway_starts.append(time.monotonic())
        self.gateway = subprocess.Popen(
            [sys.executable, "-m", "gateway"],
            stdin=subprocess.PIPE,
            cwd=os.path.dirname(os.path.abspath(__file__)),
            preexec_fn=die_with_parent,  # a kill -9 of the launcher takes the gateway with it
        )
        self.gateway.stdin.write(pickle.dumps(self.settings))
        self.gateway.stdin.close()

    def _watch_gateway(self) -> None:
        if self.gateway.poll() is None or self.stopping.is_set():
            return
        recent = [t for t in self.gateway_starts if time.monotonic() - t < 60]
        if len(recent) >= GATEWAY_RESTARTS:
            log.error("gateway keeps exiting (code %s); stopping", self.gateway.returncode)
            self.stopping.set()
            return
        log.error("gateway exited with code %s; restarting it", self.gateway.returncode)
        self._start_gateway()

    def _wait_gateway_ready(self, timeout_s: float = 30.0) -> bool:
        url = f"http://{self._local_host()}:{self.settings.port}/healthz"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stopping.is_set():
            if self.gateway.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return True
            except OSError:
                self.stopping.wait(0.1)
        return False

    def _local_host(self) -> str:
        return "127.0.0.1" if self.settings.host in ("0.0.0.0", "") else self.settings.host

    def _announce(self) -> None:
        base = f"http://{self._local_host()}:{self.settings.port}"
        print(
            f"VRAI is up: {base}\n"
            f"  the dashboard: {base}/ (sign in with a login seed-demo printed, or add one with"
            " python supervisor.py user add)\n"
            f"  the API:       {base}/api/openapi.json, live events at {base}/api/events\n"
            "  get a token:  python supervisor.py token --clinic +15550100001 --role admin\n"
            f"  then:         curl -H 'Authorization: Bearer TOKEN' {base}/api/ops/actors\n"
            "  text it:      python supervisor.py simulate sms --to +15550100001 "
            '--from +15555550123 "Can I book a facial next Tuesday afternoon?"',
            flush=True,
        )

    def stop(self) -> None:
        from actors import system

        if self.gateway is not None and self.gateway.poll() is None:
            self.gateway.terminate()
            try:
                self.gateway.wait(10)
            except subprocess.TimeoutExpired:
                self.gateway.kill()
                self.gateway.wait(5)
        leftovers = self._family()
        if self.asys is not None:
            try:
                self.asys.shutdown()
            except Exception:
                log.exception("actor system shutdown failed; ending its processes")
        system.end_processes(leftovers + self._family())
        system.ledger_path(self.settings).unlink(missing_ok=True)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    logfile = str(settings.data_dir / "launcher.log")
    logging.config.dictConfig(log_config(settings.log_level, logfile))
    prepare_database(settings)
    return Launcher(settings).run()


# ---------------------------------------------------------------------------- data commands


def cmd_seed_demo(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    prepare_database(settings)
    from store.demo import seed_demo_clinics
    from store.models import Clinic

    if args.if_empty and Clinic.select().exists():
        print("database already has clinics; demo not seeded")
        return 0
    created = seed_demo_clinics()
    from kb.service import seed_demo_documents

    documents = seed_demo_documents()
    names = ", ".join(c.name for c in created) or "none (already there)"
    print(f"demo clinics created: {names}; knowledge-base documents added: {documents}")
    from store.demo import seed_demo_users

    users = seed_demo_users()
    if users:
        where = f"http://{'127.0.0.1' if settings.host in ('0.0.0.0', '') else settings.host}"
        print(f"demo logins (shown once; open {where}:{settings.port}/ and sign in):")
        for clinic, email, role, password in users:
            print(f"  {clinic}: {email} / {password} ({role})")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    """Add a staff login; the password is one line of standard input (never an argument)."""
    settings = settings_from(args)
    prepare_database(settings)
    from peewee import IntegrityError

    from store.accounts import add_user

    clinic = find_clinic(args.clinic)
    if clinic is None:
        print(f"no clinic {args.clinic!r}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    try:
        user = add_user(clinic.id, args.email, args.name or "", args.role, password)
    except ValueError as error:
        print(f"not added: {error}", file=sys.stderr)
        return 2
    except IntegrityError:
        print("not added: that email already has a login at this clinic", file=sys.stderr)
        return 2
    print(f"added user {user.id} ({user.role}) at {clinic.name}")
    return 0


def find_clinic(ref: str):
    from store.models import Clinic

    if ref.isdigit():
        return Clinic.get_or_none(Clinic.id == int(ref))
    return Clinic.get_or_none(Clinic.phone == ref)


def cmd_token(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    prepare_database(settings)
    from gateway.auth import make_token

    clinic = find_clinic(args.clinic)
    if clinic is None:
        print(f"no clinic {args.clinic!r} (seed the demo with: python supervisor.py seed-demo)")
        return 2
    print(make_token(settings.jwt_secret, clinic.id, args.role, args.ttl))
    return 0


# ---------------------------------------------------------------------------- ops commands


def _ask_running(settings: Settings, message, timeout_s: float = 10.0):
    from actors.system import join_system, root_address

    os.environ["THESPIAN_BASE_IPADDR"] = settings.actor_host
    # A joined client must never call shutdown(): that would stop the whole running system.
    asys = join_system(settings)
    reply = asys.ask(root_address(asys), message, timeout_s)
    while reply is not None and getattr(reply, "corr", None) != message.corr:
        reply = asys.listen(timeout_s)
    return reply


def cmd_status(args: argparse.Namespace) -> int:
    from actors.messages import ListActors
    from actors.system import SystemNotRunning

    settings = settings_from(args)
    try:
        reply = _ask_running(settings, ListActors(uuid.uuid4().hex))
    except SystemNotRunning as error:
        print(error)
        return 1
    if reply is None:
        print("the actor system did not answer")
        return 1
    print(f"{'ID':<44} {'STATE':<10} {'PID':>7} {'RESTARTS':>8}  LAST EXIT")
    for info in reply.value:
        print(
            f"{info.id:<44} {info.state:<10} {info.pid or '-':>7} {info.restarts:>8}  "
            f"{info.last_exit or ''}"
        )
    return 0


def cmd_restart(args: argparse.Namespace) -> int:
    from actors.messages import Failure, RestartActor
    from actors.system import SystemNotRunning

    settings = settings_from(args)
    try:
        reply = _ask_running(settings, RestartActor(uuid.uuid4().hex, args.actor))
    except SystemNotRunning as error:
        print(error)
        return 1
    if reply is None or isinstance(reply, Failure):
        print(f"restart failed: {reply.message if reply else 'no answer'}")
        return 1
    print(f"restarting {args.actor}")
    return 0


# ---------------------------------------------------------------------------- CLI


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="supervisor.py", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        if func is not None:
            sub.add_argument("--data-dir", dest="data_dir", help="data directory (VRAI_DATA_DIR)")
            sub.set_defaults(func=func)
        return sub

    serve = add("serve", cmd_serve, "run the actor system and the gateway")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    seed = add("seed-demo", cmd_seed_demo, "create the two demo clinics")
    seed.add_argument("--if-empty", action="store_true", help="only when there are no clinics")
    token = add("token", cmd_token, "print an API token (JWT)")
    token.add_argument("--clinic", required=True, help="clinic phone number or id")
    token.add_argument("--role", required=True, choices=("admin", "staff", "ops"))
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    user = commands.add_parser("user", help="staff logins")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_add = user_commands.add_parser("add", help="add a login (password on standard input)")
    user_add.add_argument("--data-dir", dest="data_dir", help="data directory (VRAI_DATA_DIR)")
    user_add.add_argument("--clinic", required=True, help="clinic phone number or id")
    user_add.add_argument("--email", required=True)
    user_add.add_argument("--role", required=True, choices=("admin", "staff", "ops"))
    user_add.add_argument("--name", help="shown in the audit log; default the email")
    user_add.set_defaults(func=cmd_user_add)
    add("status", cmd_status, "list every actor of the running system")
    restart = add("restart", cmd_restart, "restart one actor by id (see status)")
    restart.add_argument("actor")
    from cli.simulate import add_simulate_commands

    add_simulate_commands(commands, add)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "simulate":  # outside clients: handed settings, they read none
            return args.func(args, settings_from(args))
        return args.func(args)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
