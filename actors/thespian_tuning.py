"""Thespian's per-message debug descriptions, made cheap and free of patient details.

Thespian 4.0.1 builds a description of every message it sends or receives
(``TransmitIntent.identify`` / ``ReceiveEnvelope.identify``) and passes it to its debug log,
whether or not debug logging is on: ``str()`` of the whole message, the target address and
several timer readings, two or three times per message. Under SMS load that was a third of a
thread actor's CPU. The same text goes into Thespian's error log when a send fails, and our
messages carry texts and phone numbers, which must never reach a log. ``apply()`` replaces both
descriptions with the message's type name, in every process that runs a Thespian transport.
"""

from __future__ import annotations

from thespian.system import transport

_applied: list[bool] = []


def apply() -> None:
    if _applied:
        return
    transport.TransmitIntent.identify = _describe_intent
    transport.ReceiveEnvelope.identify = _describe_envelope
    _applied.append(True)


def _describe_intent(self) -> str:
    state = "pending" if self.result is None else str(self.result)
    return f"TransmitIntent({type(self.message).__name__}, {state})"


def _describe_envelope(self) -> str:
    return f"ReceiveEnvelope({type(self.message).__name__})"
