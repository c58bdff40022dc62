"""Actions: what a stage row or an intent does (``do_<name>``), including the commits that
book, move or cancel once the customer said YES.

An action changes the state, calls the tools it needs and says what happened; a failed tool is
relayed (``Slots.relay_failure``), never hidden. Notes left for the staff are written here;
everything the customer reads comes from ``actors.wording.sms``.
"""

from __future__ import annotations

import re
from datetime import date

from actors.brain import nlu, safety
from actors.brain.local.slots import Slots
from actors.wording import sms as wording

# A booking refused because the provider is busy then: with no preference, try anyone else.
TAKEN = ("slot_taken", "daily_cap_reached", "provider_unavailable", "outside_hours")
_WANTS_SOMETHING = re.compile(r"\b(book|appointment|schedule|get an?|do you (do|offer))\b", re.I)


class Actions(Slots):
    """The ``do_*`` actions that ``TRANSITIONS``, ``INTERRUPTS`` and ``INTENT_ACTIONS`` name."""

    def do_safety(self, found: safety.Screen) -> None:
        self.tools.call("take_message", found.staff_message(self.msg.text))
        self.say(found.reply)

    def do_opt_out(self) -> None:
        self.forget()
        self.state["opted_out"] = True
        self.say(wording.opted_out(self.clinic.name, self.clinic.phone))
        self.end = True

    def do_transfer(self) -> None:
        result = self.tools.call("transfer_to_staff", {"reason": self.msg.text[:500]})
        self.forget()
        if result.get("ok"):
            self.say(wording.transferred())
        else:
            self.tools.call("take_message", {"message": f"Please contact me: {self.msg.text}"})
            self.say(wording.transfer_failed(self.clinic.phone))
        self.end = True

    def do_abort(self) -> None:
        flow = self.state.get("flow")
        self.forget()
        self.say(
            wording.kept_appointment() if flow in ("cancel", "reschedule") else wording.aborted()
        )

    def do_start_waitlist(self) -> None:
        """ "Put me on the waitlist for Tuesday or Thursday afternoons": the service, provider
        and part of day are read as a booking reads them; days of the week and reach here."""
        self.reset()
        self.state["flow"] = "waitlist"
        self.merge_details()
        text = self.msg.text
        self.state["wish"] = {"weekdays": nlu.weekdays(text), "days_ahead": nlu.days_ahead(text)}
        self.advance()

    def do_leave_waitlist(self) -> None:
        self.reset()
        result = self.tools.call("leave_waitlist", {})
        if not result.get("ok"):
            self.say(wording.tool_trouble(result.get("message")))
        else:
            self.say(wording.waitlist_left(result["services"]))

    def do_set_service(self) -> None:
        name = self.signal("service_number") or self.signal("service_option")
        self.merge_details()
        self.request["service"], self.request["service_options"] = name, []
        self.advance()

    def do_update_request(self) -> None:
        self.state.setdefault("flow", "book")
        self.merge_details()
        self.advance()

    def do_take_slot(self) -> None:
        index = int(self.signal("slot_choice"))  # type: ignore[call-overload]
        self.state["slot"] = self.state["slots"][index]
        self.advance()

    def do_take_only_slot(self) -> None:
        """A yes to one offered time takes it; to several, asks which (once, then changes
        tack like any other unusable answer)."""
        slots = self.state.get("slots") or []
        if len(slots) == 1:
            self.state["slot"] = slots[0]
            self.advance()
        elif self.state.get("misses"):
            self.reprompt_or("")
        else:
            self.missed = True
            self.state["misses"] = 1
            self.say(wording.which_slot(len(slots)))

    def do_ask_other_time(self) -> None:
        self.state.pop("slots", None)
        self.ask("ask_time", wording.ask_other_time())

    def do_set_guests(self) -> None:
        self.state["guests"] = list(self.signal("guest_names"))  # type: ignore[call-overload]
        self.advance()

    def do_set_name(self) -> None:
        self.state["name"] = self.signal("name") or self.signal("new_name")
        self.advance()

    def do_decline(self) -> None:
        flow = self.state.get("flow")
        if flow == "cancel":
            self.forget()
            self.say(wording.kept_appointment())
            return
        self.state.pop("slot", None)
        self.ask("ask_time", wording.ask_other_time())

    def do_commit(self) -> None:
        getattr(self, f"commit_{self.state['flow']}")()

    def commit_party(self) -> None:
        """Each person's booking through the same checkpoints, in order; if one fails, say
        which were booked and why the rest could not be."""
        slot, service = self.state["slot"], self.request["service"]
        names = [self.customer_name(), *(self.state.get("guests") or [])]
        booked: list[tuple[str, dict, dict | None]] = []
        for index, (name, part) in enumerate(zip(names, slot["group"], strict=False)):
            args = {"service": service, "start": part["start"], "customer_name": names[0]}
            if part.get("provider"):
                args["provider"] = part["provider"]
            if index:
                args["notes"] = f"For {name} (booked with {names[0]})"
            result = self.book_or_another_provider(args, part)
            if not result.get("ok"):
                if not booked:
                    self.relay_failure(result, slot)
                    return
                label = wording.when_label(self.local(part["start"]))
                self.forget()
                self.say(
                    wording.party_partly_booked(
                        self.party_done(booked), name, label, result.get("message")
                    )
                )
                return
            booked.append((name, result.get("appointment") or {}, result.get("deposit")))
        self.forget()
        self.say(wording.party_booked(service, self.party_done(booked)))

    def party_done(self, booked) -> list[tuple[str, str, str | None, dict | None]]:
        return [
            (name, wording.when_label(self.local(a["start"])), a.get("provider"), deposit)
            for name, a, deposit in booked
        ]

    def book_or_another_provider(self, args: dict, slot: dict) -> dict:
        """Book; with no provider preference, a provider taken at the last moment is replaced
        by another qualified one free then, before any "that was just taken"."""
        result = self.tools.call("book_appointment", args)
        if result.get("error") in TAKEN and slot.get("provider") and not self.request["provider"]:
            retry = self.tools.call(
                "book_appointment", {k: v for k, v in args.items() if k != "provider"}
            )
            if retry.get("ok"):
                other = (retry.get("appointment") or {}).get("provider")
                self.prefix_with(wording.provider_switched(slot["provider"], other))
                return retry
        return result

    def commit_book(self) -> None:
        if self.state["slot"].get("group"):
            self.commit_party()
            return
        slot, service = self.state["slot"], self.request["service"]
        args = {"service": service, "start": slot["start"], "customer_name": self.customer_name()}
        if slot.get("provider"):
            args["provider"] = slot["provider"]
        result = self.book_or_another_provider(args, slot)
        if not result.get("ok"):
            self.relay_failure(result, slot)
            return
        appointment = result.get("appointment") or {}
        start = appointment.get("start") or slot["start"]
        self.forget()
        self.say(
            wording.booked(
                appointment.get("service") or service,
                appointment.get("provider") or slot.get("provider"),
                wording.when_label(self.local(start)),
                result.get("deposit"),
            )
        )

    def commit_reschedule(self) -> None:
        slot, appointment = self.state["slot"], self.state["appointment"]
        args: dict = {"appointment_id": appointment["id"], "new_start": slot["start"]}
        if slot.get("provider"):
            args["provider"] = slot["provider"]
        result = self.tools.call("reschedule_appointment", args)
        if not result.get("ok"):
            self.relay_failure(result, slot)
            return
        moved = result.get("appointment") or {}
        self.forget()
        self.say(
            wording.rescheduled(
                moved.get("service") or appointment.get("service", "appointment"),
                wording.when_label(self.local(moved.get("start") or slot["start"])),
                moved.get("provider") or slot.get("provider"),
            )
        )

    def commit_cancel(self) -> None:
        appointment = self.state["appointment"]
        result = self.tools.call("cancel_appointment", {"appointment_id": appointment["id"]})
        error = result.get("error")
        if not result.get("ok") and error != "too_late_to_cancel":
            self.forget()
            message = result.get("message")
            self.say(
                wording.tool_trouble(message) if error == "unavailable" or not message else message
            )
            return
        info = self.service_info(appointment.get("service"))
        deposit = result.get("deposit") or ("none" if result.get("ok") else "kept")
        if isinstance(deposit, dict):
            deposit = str(deposit.get("status") or "none")
        self.forget()
        self.say(
            wording.cancelled(
                self.appointment_text(appointment),
                deposit,
                info.deposit_cents if info else 0,
                result.get("message") if deposit == "kept" else None,
            )
        )

    def do_take_appointment(self) -> None:
        index = int(self.signal("appointment_choice"))  # type: ignore[call-overload]
        self.state["appointment"] = self.state["appointments"][index]
        if self.state["flow"] == "reschedule":
            self.merge_new_time()
        self.advance()

    def do_start_booking(self) -> None:
        offered = self.state.get("offer_service")
        self.reset()
        self.state["flow"] = "book"
        self.recall_said()
        self.merge_details()
        if offered and not self.request.get("service") and not self.request.get("service_options"):
            self.request["service"] = offered
        self.advance()

    def do_start_reschedule(self) -> None:
        self.start_existing("reschedule")

    def do_start_cancel(self) -> None:
        self.start_existing("cancel")

    def do_no_thanks(self) -> None:
        self.forget()
        self.say(wording.idle_no())

    def do_list_appointments(self) -> None:
        appointments = self.load_appointments()
        if appointments is None:
            return
        if not appointments:
            if self.msg.wants_a_time:  # "I'm a new patient, can I come in Tuesday at 9?"
                self.do_start_booking()
                return
            self.reset()
            self.ask("offer_booking", wording.no_appointments())
            return
        self.say(wording.your_appointments([self.appointment_text(a) for a in appointments]))
        self.repeat_prompt()

    def do_answer_question(self) -> None:
        result = self.tools.call("answer_question", {"question": self.msg.text[:1000]})
        if result.get("ok") and result.get("found") and result.get("answer"):
            self.say(wording.fit(str(result["answer"])))
            if self.state["stage"] not in ("idle", "offer_booking"):
                self.repeat_prompt()
                return
            service = self.msg.services[0].name if len(self.msg.services) == 1 else None
            self.reset()
            if service:
                self.state["offer_service"] = service
            self.ask("offer_booking", wording.offer_booking(service))
            return
        sent = self.tools.call(
            "take_message", {"message": f"Customer question: {self.msg.text[:1000]}"}
        )
        if sent.get("ok"):
            self.say(wording.question_forwarded(mid_flow=self.state["stage"] != "idle"))
        else:
            self.say(wording.question_not_forwarded(self.clinic.phone))
        self.repeat_prompt()

    def do_provider_hours(self) -> None:
        """ "Is Dr. Patel in on Saturday?" gets her hours that day, then a booking offer."""
        provider, day = self.msg.providers[0], self.msg.when.day
        args = {"provider": provider, **({"date": day.isoformat()} if day else {})}
        result = self.tools.call("provider_hours", args)
        if not result.get("ok"):
            self.say(wording.tool_trouble(result.get("message")))
            self.repeat_prompt()
            return
        name = result["provider"]
        days = [(date.fromisoformat(d["date"]), d["hours"]) for d in result["days"]]
        if day is None:
            self.say(wording.provider_week(name, [(d, h) for d, h in days if h]))
        elif days and days[0][1]:
            self.say(wording.provider_in_on(name, day, days[0][1]))
        else:
            week = self.tools.call("provider_hours", {"provider": provider})
            later = [
                (date.fromisoformat(d["date"]), d["hours"])
                for d in (week.get("days") or [])
                if d["hours"] and d["date"] > day.isoformat()
            ]
            nearest = later[0] if later else (None, [])
            self.say(wording.provider_not_in(name, day, *nearest))
            day = nearest[0]
        self.offer_after_answer(wording.offer_booking_with(name, day), provider=name, day=day)

    def do_service_length(self) -> None:
        service = self.msg.services[0]
        self.say(wording.service_length(service.name, service.duration_min))
        self.offer_after_answer(wording.offer_booking(service.name), service=service.name)

    def offer_after_answer(self, offer: str, **said) -> None:
        """After answering: back to the pending question mid-flow, else offer to book with
        what the answer was about remembered."""
        if self.state["stage"] not in ("idle", "offer_booking"):
            self.repeat_prompt()
            return
        self.reset()
        remembered = self.state.setdefault("said", {})
        for key, value in said.items():
            if value:
                remembered[key] = value.isoformat() if isinstance(value, date) else value
        if said.get("service"):
            self.state["offer_service"] = said["service"]
        self.ask("offer_booking", offer)

    def do_greet(self) -> None:
        if self.state["stage"] != "idle" and self.state.get("prompt"):
            self.say(wording.hi_again(self.state["prompt"]))
            return
        if not self.customer_name():
            given = nlu.extract_name(self.msg.text)  # "Hi, this is Jane Doe"
            if given:
                self.state["name"] = given
        self.say(wording.greeting(self.clinic.name, self.customer_name()))

    def do_goodbye(self) -> None:
        self.forget()
        self.say(wording.goodbye(self.customer_name()))
        if self.turn.channel == "call":
            self.tools.call("end_conversation", {})
        self.end = True

    def do_stray_yes(self) -> None:
        self.reprompt_or(wording.idle_yes())

    def do_stray_no(self) -> None:
        self.reprompt_or(wording.idle_no())

    def do_help(self) -> None:
        self.say(wording.help_menu(self.clinic.name))
        self.repeat_prompt()

    def do_fallback(self) -> None:
        if _WANTS_SOMETHING.search(self.msg.text) and not self.msg.services:
            # "Can I book a tattoo removal?": say what we do offer rather than "didn't get that"
            self.reprompt_or(wording.ask_service([s.name for s in self.clinic.services]))
            return
        self.reprompt_or(wording.fallback(self.clinic.name))
