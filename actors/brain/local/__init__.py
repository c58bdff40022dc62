"""The local brain: a rule-based receptionist that needs no LLM and answers deterministically.

One turn = read the message (``message.Message``: deterministic extraction from ``nlu`` plus,
only when needed, one call to the intent classifier), then run the first matching row of the
tables in ``dialogue`` (the declared state machine, and the meaning of every ``state`` key),
calling the shared tools (``actors/tools.py``) for every fact and change. The tools own the
booking rules; this package owns the dialogue. Everything the customer reads comes from
``actors.wording.sms``.

Modules, each building on the ones before: ``dialogue`` (tables), ``message`` (parsing),
``context`` (what a turn shares), ``signals``, ``flow`` (what a flow still needs), ``slots``
(finding times), ``actions``, ``brain`` (``LocalBrain`` and the turn driver).
"""

from actors.brain.local.brain import LocalBrain
from actors.brain.local.dialogue import (
    INTENT_ACTIONS,
    INTERRUPTS,
    MAX_OFFER,
    MIN_INTENT_SCORE,
    NEEDS,
    TRANSITIONS,
)

__all__ = [
    "INTENT_ACTIONS",
    "INTERRUPTS",
    "MAX_OFFER",
    "MIN_INTENT_SCORE",
    "NEEDS",
    "TRANSITIONS",
    "LocalBrain",
]
