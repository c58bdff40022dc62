"""The flow engine: fold what the customer said into the request, then ask for the first thing
the flow still needs (``NEEDS``), so any order of details ends at the same confirmation.

The ``need_*`` methods here ask questions; finding slots is a need of its own (``slots.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

from actors.brain import nlu
from actors.brain.local.context import appointment_memo
from actors.brain.local.dialogue import MAX_PARTY, NEEDS
from actors.brain.local.signals import Signals
from actors.wording import sms as wording


class Flow(Signals):
    """``advance`` and the questions it asks; starting and merging into a flow."""

    def merge_details(self) -> None:
        """Fold this message's service, provider and time into the request (change of mind
        included: a new day keeps an asked-for time unless the message gives a new one)."""
        r, msg = self.request, self.msg
        if self.state.get("flow") != "reschedule" and msg.services:
            names = [s.name for s in msg.services]
            r["service"], r["service_options"] = (
                (names[0], []) if len(names) == 1 else (None, names)
            )
        if msg.any_provider:
            r["provider"] = None
        elif len(msg.providers) == 1:
            r["provider"] = msg.providers[0]
        when = msg.target_when if self.state.get("flow") == "reschedule" else msg.when
        if when.day or when.week_of or when.before:
            r["day"] = when.day.isoformat() if when.day else None
            r["week_of"] = when.week_of.isoformat() if when.week_of else None
            r["before"] = when.before.isoformat() if when.before else None
        if when.at:
            r["at"], r["part_of_day"] = when.at.strftime("%H:%M"), None
        elif when.part_of_day:
            r["at"], r["part_of_day"] = None, when.part_of_day
        if self.state.get("flow") == "book" and msg.party:
            self.state["party"] = min(msg.party, MAX_PARTY)
        if not self.turn.customer.name and not self.state.get("name"):
            name = nlu.extract_name(msg.text)
            if name:
                self.state["name"] = name
        self.state.pop("slot", None)
        self.state.pop("slots", None)

    def recall_said(self) -> None:
        """Start the request from what the customer already said (a past day is dropped)."""
        said = dict(self.state.get("said") or {})
        today = self.turn.now.astimezone(self.tz).date()
        if said.get("day") and date.fromisoformat(said["day"]) < today:
            said.pop("day")
            said.pop("at", None)
        self.request.update(said)

    def have(self, need: str) -> bool:
        r = self.request
        return {
            "clear_service": lambda: not r.get("service_options"),
            "service": lambda: bool(r.get("service")),
            "slot": lambda: bool(self.state.get("slot")),
            "name": lambda: bool(self.customer_name()),
            "guests": lambda: len(self.state.get("guests") or []) >= self.party_size() - 1,
            "appointment": lambda: bool(self.state.get("appointment")),
            "when": lambda: any(
                r.get(k) for k in ("day", "at", "part_of_day", "week_of", "before")
            ),
            "confirmation": lambda: False,
        }[need]()

    def advance(self) -> None:
        """Ask for the first thing the current flow still needs."""
        for need, action in NEEDS[self.state["flow"]]:
            if not self.have(need):
                getattr(self, f"need_{action}")()
                return

    def need_pick_service(self) -> None:
        self.ask("pick_service", wording.pick_service(self.request["service_options"]))

    def need_ask_service(self) -> None:
        self.ask("ask_service", wording.ask_service([s.name for s in self.offered_services()]))

    def offered_services(self) -> list:
        """The clinic's services, or only the asked-for provider's."""
        named = self.request.get("provider")
        provider = next((p for p in self.clinic.providers if p.name == named), None)
        services = list(self.clinic.services)
        if provider is None:
            return services
        return [s for s in services if s.id in provider.service_ids] or services

    def party_size(self) -> int:
        return int(self.state.get("party") or 1)

    def need_ask_guests(self) -> None:
        self.ask("ask_guests", wording.ask_guest_names(self.party_size() - 1))

    def need_ask_waitlist_name(self) -> None:
        self.ask("ask_name", wording.ask_waitlist_name())

    def need_join_waitlist(self) -> None:
        """The waitlist flow's end: the wish as the customer put it, from today (or the day
        they named) for the reach they said, else the next two weeks."""
        r, wish = self.request, self.state.get("wish") or {}
        args: dict = {"service": r["service"], "customer_name": self.customer_name()}
        if r.get("provider"):
            args["provider"] = r["provider"]
        if wish.get("weekdays"):
            args["weekdays"] = wish["weekdays"]
        elif r.get("day"):  # one day named ("next Tuesday"): that day only
            args["from_date"] = args["until_date"] = r["day"]
        elif r.get("week_of"):
            monday = date.fromisoformat(r["week_of"])
            args["from_date"] = monday.isoformat()
            args["until_date"] = (monday + timedelta(days=6)).isoformat()
        elif r.get("before"):  # "before the 19th": until the day before it
            args["until_date"] = (date.fromisoformat(r["before"]) - timedelta(days=1)).isoformat()
        if r.get("part_of_day"):
            args["part_of_day"] = r["part_of_day"]
        if wish.get("days_ahead") and "until_date" not in args:
            today = self.turn.now.astimezone(self.tz).date()
            args["until_date"] = (today + timedelta(days=wish["days_ahead"])).isoformat()
        result = self.tools.call("join_waitlist", args)
        self.forget()
        if result.get("ok"):
            self.say(wording.waitlist_joined(result["service"], result["window"]))
        else:
            self.say(wording.tool_trouble(result.get("message")))

    def need_ask_name(self) -> None:
        """Ask whose booking it is, naming the time picked unless "Good news, ..." just did."""
        label = wording.ask_name_for(self.slot_label(self.state["slot"]))
        self.ask("ask_name", wording.ask_name() if self.prefix else label)
        self.state["prompt"] = label

    def need_pick_appointment(self) -> None:
        options = self.state.get("appointments") or []
        action = "reschedule" if self.state["flow"] == "reschedule" else "cancel"
        labels = [self.appointment_text(a) for a in options]
        self.ask("pick_appointment", wording.pick_appointment(action, labels))

    def need_ask_new_time(self) -> None:
        self.ask("ask_time", wording.ask_new_time(self.appointment_text(self.state["appointment"])))

    def need_confirm(self) -> None:
        flow = self.state["flow"]
        if flow == "cancel":
            text = wording.confirm_cancel(self.appointment_text(self.state["appointment"]))
        elif flow == "reschedule":
            appointment, slot = self.state["appointment"], self.state["slot"]
            text = wording.confirm_reschedule(
                appointment.get("service", "appointment"),
                wording.when_label(self.local(appointment["start"])),
                wording.when_label(self.local(slot["start"])),
                slot.get("provider"),
            )
        elif self.state["slot"].get("group"):
            slot, service = self.state["slot"], self.request["service"]
            info = self.service_info(service)
            text = wording.confirm_party(
                service,
                self.party_entries(slot),
                info.deposit_cents if info else 0,
            )
        else:
            slot, service = self.state["slot"], self.request["service"]
            info = self.service_info(service)
            text = wording.confirm_booking(
                service,
                slot.get("provider"),
                wording.when_label(self.local(slot["start"])),
                info.deposit_cents if info else 0,
                None if self.turn.customer.name else self.customer_name(),
            )
        self.ask("confirm", text)

    def party_entries(self, slot: dict) -> list[tuple[str, str, str | None]]:
        """(whose, when, provider) for each slot of a party booking, the texter first."""
        names = [self.customer_name() or "you", *(self.state.get("guests") or [])]
        return [
            (name, wording.when_label(self.local(s["start"])), s.get("provider"))
            for name, s in zip(names, slot["group"], strict=False)
        ]

    def flow_service(self) -> str:
        if self.state.get("flow") == "reschedule":
            return self.state["appointment"].get("service", "")
        return self.request["service"]

    # ------------------------------------------------------------------ existing appointments

    def load_appointments(self) -> list[dict] | None:
        result = self.tools.call("list_my_appointments", {})
        if not result.get("ok"):
            self.say(wording.tool_trouble(result.get("message")))
            return None
        return [
            a
            for a in result.get("appointments") or []
            if a.get("status") not in ("cancelled", "no_show", "completed")
        ]

    def start_existing(self, flow: str) -> None:
        """Begin a reschedule or cancel: find which appointment, then follow ``NEEDS``."""
        self.reset()
        appointments = self.load_appointments()
        if appointments is None:
            return
        if not appointments:
            if self.msg.wants_a_time:  # nothing to move: they are asking for a visit
                self.do_start_booking()  # type: ignore[attr-defined]
                return
            self.ask("offer_booking", wording.no_appointments())
            return
        self.state["flow"] = flow
        self.state["appointments"] = [appointment_memo(a) for a in appointments]
        if len(appointments) == 1:
            self.state["appointment"] = self.state["appointments"][0]
        else:
            index = self.sig_appointment_choice()
            if index is not None and (self.msg.services or self.msg.when.day):
                self.state["appointment"] = self.state["appointments"][index]
        if flow == "reschedule" and self.state.get("appointment"):
            self.merge_new_time()
        self.advance()

    def merge_new_time(self) -> None:
        """Only a time that is not the old appointment's own counts as the new time."""
        when = self.msg.target_when
        appointment_day = self.local(self.state["appointment"]["start"]).date()
        if when and not (when.day == appointment_day and when.at is None):
            self.merge_details()
