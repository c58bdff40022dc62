"""The real service for a benchmark: ``supervisor.py serve`` on a fresh data dir, loopback only.

Shared by the benchmarks that measure through the whole service (sms, media). The caller's own
VRAI_/OPENAI/TELNYX settings are left out, so a run is embedded mode plus what it asks for.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

from store.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RealService:
    """Seeds the demo clinics and starts the service; ``stop`` ends it."""

    def __init__(self, name: str, **env_extra: str) -> None:
        skip = ("VRAI_", "OPENAI", "TELNYX")
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        env.update(
            VRAI_DATA_DIR=tempfile.mkdtemp(prefix=f"vrai-bench-{name}-"),
            PORT=str(free_port()),
            VRAI_ADMIN_PORT=str(free_port()),
            VRAI_LOG_LEVEL="WARNING",
            **env_extra,
        )
        self.settings: Settings = load_settings(env)
        self._joined = None  # the actor system, joined on first use
        self.base = f"http://127.0.0.1:{self.settings.port}"
        run = [sys.executable, "supervisor.py"]
        subprocess.run([*run, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        self.process = subprocess.Popen(
            [*run, "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Block until ``/readyz`` answers 200."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("service did not become ready")

    def gateway_pid(self) -> int:
        """The gateway process (``python -m gateway``, a child of the launcher)."""
        for child in psutil.Process(self.process.pid).children():
            try:
                if "gateway" in child.cmdline():
                    return child.pid
            except psutil.Error:  # the actor system's first process exits as it daemonises
                continue
        raise RuntimeError("gateway process not found")

    def pools(self) -> dict:
        """Each SMS supervisor's warm pool: ready pids, size, target, handed out, cold starts."""
        from actors.messages import GetDirectory, ListPool, sms_supervisors
        from actors.system import join_system, root_address

        if self._joined is None:
            os.environ["THESPIAN_BASE_IPADDR"] = self.settings.actor_host  # as the CLI joins
            # A joined client never calls shutdown(): that would stop the whole running system.
            self._joined = join_system(self.settings)
        asys = self._joined
        names = sms_supervisors(self.settings.sms_supervisors)
        addresses = _ask(asys, root_address(asys), GetDirectory("bench-dir")).addresses
        return {n: _ask(asys, addresses[n], ListPool(f"bench-{n}")) for n in names}

    def wait_warm(self, timeout_s: float = 180.0) -> dict:
        """Block until every SMS supervisor's warm pool holds as many ready actors as its size
        from load (``target``), so a measurement "from the pool" is not one of forks."""
        deadline = time.monotonic() + timeout_s
        while True:
            pools = self.pools()
            if all(len(p["pids"]) >= max(1, p["target"]) for p in pools.values()):
                return pools
            if time.monotonic() > deadline:
                raise RuntimeError(f"the warm pools did not fill: {pools}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def ask(asys, address, message, timeout=10.0):
    """The reply answering ``message`` (other replies on the way are skipped), or None."""
    reply = asys.ask(address, message, timeout)
    while reply is not None and getattr(reply, "corr", None) != message.corr:
        reply = asys.listen(timeout)
    return reply


def _ask(asys, address, message):
    """The ``Ok`` value answering ``message``; no answer is an error."""
    reply = ask(asys, address, message)
    if reply is None:
        raise RuntimeError(f"no answer to {type(message).__name__}")
    return reply.value
