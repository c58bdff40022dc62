"""The launcher as a user runs it: serve, token, status, SIGTERM, and recovery after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.helpers import free_port, http, wait_until

pytestmark = pytest.mark.multiproc

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VRAI_", "OPENAI", "TELNYX"))}
    clean.update(
        VRAI_DATA_DIR=str(tmp_path / "data"),
        PORT=str(free_port()),
        VRAI_ADMIN_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    for name in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "JWT_SECRET"):
        clean.pop(name, None)
    run(clean, "seed-demo")
    return clean


def run(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "supervisor.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start(env) -> subprocess.Popen:
    with open(Path(env["VRAI_DATA_DIR"]) / "serve.out", "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "supervisor.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{env['PORT']}"
    wait_until(lambda: _ready(url) or proc.poll() is not None, timeout_s=60, interval_s=0.1)
    assert proc.poll() is None, "serve exited during start-up"
    return proc


def _ready(url) -> bool:
    try:
        return http("GET", url + "/readyz", timeout=2)[0] == 200
    except OSError:
        return False


def launched_processes(proc, env) -> list[psutil.Process]:
    from actors.system import system_processes
    from store.settings import load_settings

    settings = load_settings(env)
    return psutil.Process(proc.pid).children(recursive=True) + system_processes(settings)


def port_free(port: int) -> bool:
    """Nothing listens on the port (TIME_WAIT leftovers of closed connections do not count)."""
    return not any(
        c.status == psutil.CONN_LISTEN and c.laddr.port == port
        for c in psutil.net_connections(kind="tcp")
    )


def test_serve_answers_with_a_cli_token_and_stops_cleanly_on_sigterm(env):
    proc = start(env)
    try:
        url = f"http://127.0.0.1:{env['PORT']}"
        token = run(env, "token", "--clinic", "+15550100001", "--role", "admin").strip()
        status, _, body = http("GET", url + "/api/ops/actors", token=token)
        assert status == 200
        assert {"service:events", "service:crm", "supervisor:call"} <= {
            i["id"] for i in body["items"]
        }
        assert "service:knowledge" in run(env, "status")
        family = launched_processes(proc, env)
        assert len(family) >= 10  # admin, logger, root, services, supervisors, gateway

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    assert port_free(int(env["PORT"])) and port_free(int(env["VRAI_ADMIN_PORT"]))
    announced = (Path(env["VRAI_DATA_DIR"]) / "serve.out").read_text()
    assert f"VRAI is up: http://127.0.0.1:{env['PORT']}" in announced
    assert "supervisor.py token --clinic +15550100001 --role admin" in announced


def test_a_restart_after_kill_9_ends_what_the_dead_run_left_behind(env):
    first = start(env)
    leftovers = launched_processes(first, env)
    first.kill()  # no clean-up at all
    first.wait(10)
    second = start(env)  # same ports: only works if the old admin and actors are gone
    try:
        assert not any(p.is_running() and p.status() != "zombie" for p in leftovers)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0


def test_status_without_a_running_system_says_so(env):
    done = subprocess.run(
        [sys.executable, "supervisor.py", "status"], cwd=ROOT, env=env, capture_output=True
    )
    assert done.returncode == 1
    assert b"start it with" in done.stdout


def test_token_for_unknown_clinic_fails_clearly(env):
    done = subprocess.run(
        [sys.executable, "supervisor.py", "token", "--clinic", "+15550109999", "--role", "admin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "no clinic" in done.stdout


def test_seed_demo_prints_each_demo_login_once_and_it_works(tmp_path):
    import re

    from store.accounts import login
    from store.db import close_database, open_database

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VRAI_", "STRIPE", "GOOGLE"))}
    clean["VRAI_DATA_DIR"] = str(tmp_path / "fresh")
    first = run(clean, "seed-demo")
    logins = re.findall(r"^  (.+): (\S+@\S+) / (\S+) \((admin|staff|ops)\)$", first, re.M)
    assert {(c, role) for c, _, _, role in logins} == {
        (clinic, role)
        for clinic in ("Glow Med Spa", "Align Chiropractic")
        for role in ("admin", "staff", "ops")
    }
    assert "open http://127.0.0.1:" in first  # where to use them
    assert "demo logins" not in run(clean, "seed-demo")  # shown once, never again
    open_database(tmp_path / "fresh" / "vrai.sqlite3")
    try:
        for _, email, password, role in logins:
            assert login(email, password)[0].role == role
    finally:
        close_database()
