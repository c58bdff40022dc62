"""Signals: what a message carries that a stage can act on (``sig_<name>`` for ``TRANSITIONS``).

Each is computed at most once per turn (``signal``) and reads only the message and the state,
never the tools, so trying the rows of a stage in order is cheap and has no effects.
"""

from __future__ import annotations

import re

from actors.brain import nlu
from actors.brain.local.context import TurnContext


class Signals(TurnContext):
    """The ``sig_*`` readers that ``INTERRUPTS`` and ``TRANSITIONS`` name."""

    def signal(self, name: str) -> object:
        """The value of a signal (a choice index, a name, a flag), computed once per turn."""
        if name not in self._signals:
            self._signals[name] = getattr(self, f"sig_{name}")()
        return self._signals[name]

    def present(self, name: str) -> bool:
        """Whether the message carries the signal (option 0 counts: only None/False do not)."""
        value = self.signal(name)
        return value is not None and value is not False and value != ""

    def sig_opt_out(self) -> bool:
        return self.msg.keyword == "opt_out"

    def sig_human(self) -> bool:
        return self.msg.keyword == "human"

    def sig_abort(self) -> bool:
        return nlu.is_abort(self.msg.text)

    def sig_yes(self) -> bool:
        return self.msg.answer == "yes"

    def sig_no(self) -> bool:
        return self.msg.answer == "no"

    def sig_details(self) -> bool:
        """The message changes what is asked for: a service, a time, a provider."""
        flow = self.state.get("flow")
        if flow == "cancel" or self.msg.keyword in ("cancel", "reschedule"):
            return False
        if self.msg.asks_question or self.msg.asks_provider_hours or self.msg.asks_duration:
            return False  # "how long does a facial take?" mid-booking is a question
        r = self.request
        providers = [p for p in self.msg.providers if p != r.get("provider")]
        new_provider = bool(providers) or (self.msg.any_provider and r.get("provider"))
        if flow == "reschedule":
            return bool(self.msg.target_when or new_provider)
        services = [s for s in self.msg.services if s.name != r.get("service")]
        return bool(services or self.msg.when or new_provider)

    def sig_service_number(self) -> str | None:
        names = [s.name for s in self.offered_services()]  # type: ignore[attr-defined]
        index = nlu.choose_option(self.msg.text, [None] * len(names))
        return names[index] if index is not None else None

    def sig_service_option(self) -> str | None:
        options = self.request.get("service_options") or []
        index = nlu.choose_option(self.msg.text, [None] * len(options))
        if index is not None:
            return options[index]
        named = [s.name for s in self.msg.services if s.name in options]
        return named[0] if len(named) == 1 else None

    def sig_slot_choice(self) -> int | None:
        slots = self.state.get("slots") or []
        return nlu.choose_option(
            self.msg.text,
            [self.local(s["start"]) for s in slots],
            [s.get("provider") for s in slots],
            self.turn.now,
            self.tz,
        )

    def sig_appointment_choice(self) -> int | None:
        options = self.state.get("appointments") or []
        index = nlu.choose_option(
            self.msg.text,
            [self.local(a["start"]) for a in options],
            [a.get("provider") for a in options],
            self.turn.now,
            self.tz,
        )
        if index is not None:
            return index
        named = {s.name for s in self.msg.services}
        fits = [i for i, a in enumerate(options) if a.get("service") in named]
        return fits[0] if len(fits) == 1 else None

    def sig_new_name(self) -> str | None:
        """At the confirmation, a bare name corrects the one asked for (never a returning
        customer's, which comes from our records)."""
        if self.turn.customer.name or self.state.get("flow") != "book":
            return None
        name = self.sig_name()
        return name if name and name != self.state.get("name") else None

    def sig_name(self) -> str | None:
        if self.msg.services or self.msg.when:
            return None  # "Massage Therapy" or "Friday" is not a name, whatever the clinic
        return nlu.extract_name(self.msg.text, expecting=True)

    def sig_guest_names(self) -> list[str] | None:
        """The other people's names for a party booking ("Jo Lee and Sam Park")."""
        wanted = int(self.state.get("party") or 1) - 1
        own = self.customer_name()
        parts = [p for p in re.split(r"\s*(?:,|&|\+|\band\b)\s*", self.msg.text) if p.strip()]
        names = [nlu.extract_name(p, expecting=True) for p in parts]
        found = [n for n in names if n and n != own]
        return found if len(found) == wanted and len(names) == len(found) else None
