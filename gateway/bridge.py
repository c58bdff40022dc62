"""The async bridge from the event loop to the actor system; the loop never blocks on an actor.

Thespian's system handle is not thread-safe and ``ask()`` does not match replies to requests
(docs/ARCHITECTURE.md, "Thespian facts we rely on"). So: a bounded pool of worker threads, each
holding its own long-lived ``private()`` context; every request carries a correlation id and a
reply with another id (a late answer to an earlier, timed-out ask) is discarded; a context that
timed out is replaced. Asks come back to the loop as futures. Pushes from actors (dashboard
events) come through one listener thread with its own context, handed to the loop with
``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from thespian.actors import ActorSystemFailure, ActorSystemRequestTimeout

from actors.messages import (
    Category,
    Failure,
    GetDirectory,
    Published,
    Subscribe,
)
from actors.system import join_system, root_address

log = logging.getLogger("vrai.gateway.bridge")


#: The root's events when a service or supervisor starts again at a new address. The gateway
#: keeps the addresses it read, and Thespian drops a tell to a dead one without a word: after
#: a knowledge actor restart every text waited for the supervisors' sweep (10 s).
MOVED_EVENTS = frozenset({"actor.restarted", "actor.failed"})


class ActorUnavailable(RuntimeError):
    """The actor did not answer in time (it may be restarting)."""


class _Context:
    """One thread's private Thespian endpoint."""

    def __init__(self, system):
        self._manager = system.private()
        self.handle = self._manager.__enter__()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._manager.__exit__(None, None, None)


class ActorBridge:
    def __init__(self, settings, workers: int = 8, ask_timeout_s: float = 10.0):
        self.settings = settings
        self.ask_timeout_s = ask_timeout_s
        self._system = join_system(settings)
        self._root = root_address(self._system)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="actor-ask")
        self._local = threading.local()
        self._contexts: list[_Context] = []
        self._lock = threading.Lock()
        self._directory: dict = {}
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ asks

    def _context(self) -> _Context:
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            with self._lock:
                ctx = _Context(self._system)
                self._contexts.append(ctx)
            self._local.ctx = ctx
        return ctx

    def _replace_context(self) -> None:
        ctx = getattr(self._local, "ctx", None)
        if ctx is not None:
            with self._lock:
                if ctx in self._contexts:
                    self._contexts.remove(ctx)
            ctx.close()
        self._local.ctx = None

    def ask_sync(self, address, message, timeout_s: float | None = None):
        """Blocking ask from a worker thread; returns the reply whose ``corr`` matches."""
        timeout_s = timeout_s or self.ask_timeout_s
        deadline = time.monotonic() + timeout_s
        ctx = self._context()
        try:
            reply = ctx.handle.ask(address, message, timeout_s)
        except (ActorSystemFailure, ActorSystemRequestTimeout) as error:  # a dead address
            self._replace_context()
            raise ActorUnavailable(f"{type(message).__name__} not delivered: {error}") from None
        while True:
            if reply is None:
                self._replace_context()
                raise ActorUnavailable(f"{type(message).__name__} timed out")
            if getattr(reply, "corr", None) == message.corr:
                return reply
            remaining = deadline - time.monotonic()  # a stale reply: discard it and keep waiting
            if remaining <= 0:
                self._replace_context()
                raise ActorUnavailable(f"{type(message).__name__} timed out")
            reply = ctx.handle.listen(remaining)

    async def ask(self, address, message, timeout_s: float | None = None):
        timeout_s = timeout_s or self.ask_timeout_s
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self.ask_sync, address, message, timeout_s)
        try:
            return await asyncio.wait_for(future, timeout_s + 1.0)
        except ActorUnavailable:
            self._directory = {}
            raise

    async def ask_root(self, message, timeout_s: float | None = None):
        return await self.ask(self._root, message, timeout_s)

    async def ask_service(self, name: str, message, timeout_s: float | None = None):
        """Ask a service actor or conversation supervisor by name (addresses from the root)."""
        address = (await self.directory()).get(name)
        if address is None:
            return Failure(
                getattr(message, "corr", ""), Category.UNAVAILABLE, f"{name} is not running"
            )
        return await self.ask(address, message, timeout_s)

    async def tell_service(self, name: str, message) -> None:
        """Tell a service or supervisor by name. An address from before its restart is dead
        (Thespian raises ``SENDSTS_DEADTARGET``): the directory is read again and the message
        sent once more to the new address; failing that, ``ActorUnavailable``."""
        for attempt in range(2):
            address = (await self.directory()).get(name)
            if address is None:
                raise ActorUnavailable(f"{name} is not running")
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self._executor, self._tell_sync, address, message)
                return
            except ActorUnavailable:
                self._directory = {}
                if attempt:
                    raise

    def _tell_sync(self, address, message) -> None:
        try:
            self._context().handle.tell(address, message)
        except (ActorSystemFailure, ActorSystemRequestTimeout) as error:
            self._replace_context()
            raise ActorUnavailable(f"{type(message).__name__} not delivered: {error}") from None

    async def directory(self) -> dict:
        if not self._directory:
            reply = await self.ask_root(GetDirectory(uuid.uuid4().hex), timeout_s=5.0)
            self._directory = dict(reply.value.addresses)
        return self._directory

    # ------------------------------------------------------------------ pushes

    def start_listener(self, loop: asyncio.AbstractEventLoop, deliver: Callable) -> None:
        """Subscribe to dashboard events; ``deliver(Published)`` runs on the loop."""
        self._listener = threading.Thread(
            target=self._listen, args=(loop, deliver), name="actor-listener", daemon=True
        )
        self._listener.start()

    def _listen(self, loop: asyncio.AbstractEventLoop, deliver: Callable) -> None:
        subscriber_id = uuid.uuid4().hex
        ctx = _Context(self._system)

        def on_push(message) -> None:
            if isinstance(message, Published):
                if message.type in MOVED_EVENTS and message.clinic_id is None:
                    self._directory = {}  # a service or supervisor moved: read it again
                loop.call_soon_threadsafe(deliver, message)

        renew_every_s, renewed = 5.0, 0.0
        try:
            while not self._stopping.is_set():
                if time.monotonic() - renewed > renew_every_s:
                    renewed = time.monotonic()
                    self._subscribe(ctx, subscriber_id, on_push)
                on_push(ctx.handle.listen(0.5))
        except Exception:
            log.exception("event listener stopped")
        finally:
            ctx.close()

    def _subscribe(self, ctx: _Context, subscriber_id: str, on_push: Callable) -> None:
        """(Re)subscribe; the events actor may have restarted at a new address."""
        corr = uuid.uuid4().hex
        reply = ctx.handle.ask(self._root, GetDirectory(corr), 2.0)
        while reply is not None and getattr(reply, "corr", None) != corr:
            on_push(reply)  # a push that arrived while we waited for the directory
            reply = ctx.handle.listen(2.0)
        if reply is None:
            return
        self._directory = dict(reply.value.addresses)  # at worst renew_every_s stale
        events = reply.value.addresses.get("events")
        if events is not None:
            ctx.handle.tell(events, Subscribe(subscriber_id))

    # ------------------------------------------------------------------ shutdown

    def close(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=3)
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for ctx in self._contexts:
                ctx.close()
            self._contexts.clear()
