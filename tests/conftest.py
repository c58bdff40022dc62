"""Shared fixtures. The suite sets its own settings: the developer's environment cannot leak in."""

from __future__ import annotations

import contextlib
import os

import psutil
import pytest

from store.db import close_database, open_for
from store.demo import seed_demo_clinics
from store.migrations import migrate
from store.models import Clinic
from store.settings import Supervision, load_settings
from supervisor import choose_backends
from tests.helpers import free_port

# Beats are fast so tests of restarts are quick. The hang limit is not: on a loaded two-core CI
# machine a healthy supervisor was silent for over 1.5 s and was killed mid-test, taking its
# threads with it. Tests of hangs ask for a short limit themselves (``HANG_TEST_LIMIT_S``).
HANG_TEST_LIMIT_S = 1.5
FAST_SUPERVISION = Supervision(
    heartbeat_s=0.2,
    hung_after_s=6.0,
    conversation_restarts=3,
    conversation_window_s=30.0,
    service_restarts=3,
    service_window_s=30.0,
    service_backoff_s=60.0,
)


def make_settings(tmp_path, **env):
    base = {
        "VRAI_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(free_port()),
        "VRAI_ADMIN_PORT": str(free_port()),
        # One SMS supervisor: each warms the brain up at start, and the suite starts well over
        # a hundred actor systems. Tests of spreading ask for more with @pytest.mark.env.
        "VRAI_SMS_SUPERVISORS": "1",
        "VRAI_KNOWLEDGE_ACTORS": "1",  # each loads the embedding model
        # Two warm thread actors, not forty: the pool is tested on its own (test_warm_pool.py).
        "VRAI_WARM_THREADS": "2",
    }
    base.update(env)
    settings = choose_backends(load_settings(base))
    return settings.replace(supervision=FAST_SUPERVISION, sse_heartbeat_s=0.5)


@pytest.fixture
def settings(tmp_path, request):
    marker = request.node.get_closest_marker("env")
    return make_settings(tmp_path, **(marker.kwargs if marker else {}))


@pytest.fixture
def database(settings):
    """A migrated database with the two demo clinics; yields {phone: clinic_id}."""
    open_for(settings)
    migrate()
    seed_demo_clinics()
    yield {c.phone: c.id for c in Clinic.select()}
    close_database()


@pytest.fixture(scope="session", autouse=True)
def no_orphan_processes():
    """Whatever a test starts (actor systems, gateways) must be gone when the suite ends."""
    before = {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}
    yield
    left = [
        p
        for p in psutil.Process(os.getpid()).children(recursive=True)
        if p.pid not in before
        and p.is_running()
        and p.status() != psutil.STATUS_ZOMBIE
        and "resource_tracker" not in " ".join(p.cmdline())  # multiprocessing's own helper
    ]
    for proc in left:
        proc.kill()
    assert not left, f"processes left running after the suite: {[p.pid for p in left]}"


class RunningSystem:
    """A real multiprocTCPBase actor system with the root supervisor, owned by one test."""

    def __init__(self, settings):
        from actors.messages import RootInit
        from actors.system import root_address, start_system

        self.settings = settings
        self._before = {p.pid for p in psutil.Process().children(recursive=True)}
        self.asys = start_system(settings)
        self.root = root_address(self.asys)
        reply = self.asys.ask(self.root, RootInit(settings), 30)
        assert reply is not None, "root supervisor did not start"

    def ask(self, message, address=None, timeout_s: float = 10.0):
        """Ask and return the reply with the same correlation id (stale replies discarded)."""
        reply = self.asys.ask(address or self.root, message, timeout_s)
        while reply is not None and getattr(reply, "corr", None) != message.corr:
            reply = self.asys.listen(timeout_s)
        return reply

    def actors(self) -> dict:
        from actors.messages import ListActors, new_corr

        return {info.id: info for info in self.ask(ListActors(new_corr())).value}

    def address(self, name: str):
        from actors.messages import GetDirectory, new_corr

        return self.ask(GetDirectory(new_corr())).value.addresses[name]

    def stop(self) -> None:
        from actors.system import end_processes, kill_system

        # Tests end systems by signal (fast); the graceful path is tested in test_serve.py.
        kill_system(self.settings)
        mine = [p for p in psutil.Process().children(recursive=True) if p.pid not in self._before]
        end_processes(mine, grace_s=1.0)


@pytest.fixture
def actor_system(settings, database, monkeypatch):
    monkeypatch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
    system = RunningSystem(settings)
    yield system
    system.stop()


class Gateway:
    """The real gateway app, joined to a real actor system, served on 127.0.0.1."""

    def __init__(self, url: str, settings, system: RunningSystem, clinics: dict):
        self.url, self.settings, self.system, self.clinics = url, settings, system, clinics

    def token(self, clinic: str | int = "+15550100001", role: str = "admin", ttl: int = 600):
        from gateway.auth import make_token

        clinic_id = self.clinics[clinic] if isinstance(clinic, str) else clinic
        return make_token(self.settings.jwt_secret, clinic_id, role, ttl)


@pytest.fixture
def gateway(settings, database, actor_system):
    from gateway.app import create_app
    from gateway.bridge import ActorBridge
    from tests.helpers import serve_app

    bridge = ActorBridge(settings, workers=4)
    with serve_app(create_app(settings, bridge)) as url:
        yield Gateway(url, settings, actor_system, database)


@contextlib.contextmanager
def running_gateway(settings, workers: int = 4):
    """A migrated database with the demo clinics, a system and the gateway, for ``settings``
    (tests whose settings are their own: a shared system, Telnyx or Stripe fakes)."""
    from gateway.app import create_app
    from gateway.bridge import ActorBridge
    from tests.helpers import serve_app

    open_for(settings)
    migrate()
    seed_demo_clinics()
    clinics = {c.phone: c.id for c in Clinic.select()}
    system = RunningSystem(settings)
    try:
        with serve_app(create_app(settings, ActorBridge(settings, workers=workers))) as url:
            yield Gateway(url, settings, system, clinics)
    finally:
        system.stop()
        close_database()


@pytest.fixture(scope="module")
def _module_gateway(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
        with running_gateway(make_settings(tmp_path_factory.mktemp("shared"))) as gateway:
            yield gateway


@pytest.fixture
def shared_gateway(_module_gateway):
    """One system and gateway for all of a module's tests that write nothing: refusals and
    reads. Starting a system costs about a second; these tests need no isolation from each
    other, and each still asserts that nothing was stored. A test that writes takes `gateway`.
    """
    open_for(_module_gateway.settings)  # a test between may have bound its own database
    yield _module_gateway
    close_database()
