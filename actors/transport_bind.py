"""Keep Thespian's unauthenticated pickle transport off the network unless asked.

Thespian 4.0.1 binds every externally reachable socket (the admin, each actor) to ``''``, all
interfaces, whatever ``THESPIAN_BASE_IPADDR`` says: that variable only chooses the address the
sockets are *named* by. Anyone who can reach one of those ports can make the process run code.
``bind_to(host)`` makes those sockets bind to ``host`` instead; the launcher calls it before the
system starts, so every actor process (forked from it) inherits it. With ``host`` 0.0.0.0 (a
multi-host convention on a private network) Thespian's own behaviour is kept.
"""

from __future__ import annotations

from thespian.system.transport import IPBase

from actors import thespian_poll, thespian_tuning

_original_init = IPBase.IPActorAddress.__init__
_bound_host: list[str] = []


def bind_to(host: str) -> None:
    thespian_tuning.apply()  # every process that binds a transport also gets the tuning
    thespian_poll.apply()
    _bound_host[:] = [host]
    if IPBase.IPActorAddress.__init__ is not _patched_init:
        IPBase.IPActorAddress.__init__ = _patched_init


def _patched_init(self, *args, **kwargs) -> None:
    _original_init(self, *args, **kwargs)
    host = _bound_host[0] if _bound_host else ""
    if host not in ("", "0.0.0.0") and self.bindname[0] == "":
        self.bindname = (host, self.bindname[1])
