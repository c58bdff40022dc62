"""Thespian's select pass as one poll(2) call instead of an epoll set built and torn down.

Thespian 4.0.1's TCP transport makes a new ``selectors.DefaultSelector`` on every pass of its
loop (its own comment: "creates selector on each loop, perhaps this could be optimized"). On
Linux that is epoll: ``epoll_create``, one ``epoll_ctl`` per socket the process holds, the wait
and a ``close``, several passes per message. An SMS supervisor holds a socket or two per
conversation, so its cost per message grew with its conversations (145 us per pass at 60
sockets, measured). ``apply()`` hands the transport module a ``selectors`` whose
``DefaultSelector`` is a one-shot poll set: registering is bookkeeping, the pass is a single
``poll``. What Thespian relies on is kept: ``key.fd`` and the event bits of each ready socket,
and a closed descriptor raises ``OSError(EBADF)`` (epoll raised it at registration), which
sends Thespian down its own bad-descriptor recovery.
"""

from __future__ import annotations

import errno
import math
import select
import selectors
import types

from thespian.system.transport import TCPTransport as tcp_transport  # the module


class OnePassPollSelector:
    """The part of the ``selectors`` interface Thespian's transport uses, for one pass."""

    def __init__(self) -> None:
        self._poll = select.poll()
        self._events: dict[int, int] = {}

    def register(self, fd: int, events: int, data=None) -> None:
        if not isinstance(fd, int) or fd < 0:
            raise ValueError(f"invalid file descriptor {fd!r}")
        events |= self._events.get(fd, 0)
        self._events[fd] = events
        mask = select.POLLIN if events & selectors.EVENT_READ else 0
        self._poll.register(fd, mask | (select.POLLOUT if events & selectors.EVENT_WRITE else 0))

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None:  # poll counts milliseconds; wait at least what was asked
            timeout = 0 if timeout <= 0 else math.ceil(timeout * 1e3)
        ready = []
        for fd, revents in self._poll.poll(timeout):
            if revents & select.POLLNVAL:
                raise OSError(errno.EBADF, "a polled file descriptor is not open")
            events = 0
            if revents & ~select.POLLOUT:  # readable, or an error/hang-up a read will report
                events |= selectors.EVENT_READ
            if revents & ~select.POLLIN:
                events |= selectors.EVENT_WRITE
            wanted = self._events[fd]
            ready.append((selectors.SelectorKey(fd, fd, wanted, None), events & wanted))
        return ready

    def close(self) -> None:
        self._events.clear()


_selectors = types.SimpleNamespace(
    DefaultSelector=OnePassPollSelector,
    EVENT_READ=selectors.EVENT_READ,
    EVENT_WRITE=selectors.EVENT_WRITE,
)


def apply() -> None:
    """Point Thespian's TCP transport at the one-pass poll selector (idempotent)."""
    tcp_transport.selectors = _selectors
