"""Slot finding: turn the request into availability checks, propose an exact hit or offer the
nearest options, and relay the tools' reasons when a time or a booking fails.

The tools own the booking rules (notice, hours, conflicts); this module only decides what to
ask them and how to put their answer to the customer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from actors.brain.local.context import slot_memo
from actors.brain.local.dialogue import MAX_OFFER
from actors.brain.local.flow import Flow
from actors.wording import sms as wording

#: How many days "before the 19th" looks through at most (the booking horizon is 60 days).
BEFORE_DAYS_MAX = 60


class Slots(Flow):
    """The ``find_slots`` need, offering slots, and what to say when a time fails."""

    def when_text(self) -> str | None:
        """The asked-for day/part of day in words ("on Tue Dec 1 in the afternoon")."""
        r = self.request
        return wording.when_asked(
            date.fromisoformat(r["day"]) if r.get("day") else None,
            date.fromisoformat(r["week_of"]) if r.get("week_of") else None,
            r.get("part_of_day"),
            date.fromisoformat(r["before"]) if r.get("before") else None,
        )

    def exact_start(self) -> datetime | None:
        """The exact start asked for; a time without a day means the next such time (for a
        reschedule: that time on the appointment's own day)."""
        r = self.request
        if not r.get("at"):
            return None
        at = time.fromisoformat(r["at"])
        if r.get("day"):
            return datetime.combine(date.fromisoformat(r["day"]), at, tzinfo=self.tz)
        appointment = self.state.get("appointment")
        if self.state.get("flow") == "reschedule" and appointment:
            day = self.local(appointment["start"]).date()
        else:
            now = self.turn.now.astimezone(self.tz)
            day = now.date() if at > now.time() else now.date() + timedelta(days=1)
        r["day"] = day.isoformat()
        return datetime.combine(day, at, tzinfo=self.tz)

    def need_find_slots(self) -> None:
        """Check availability for the request; propose an exact hit, else offer options."""
        r = self.request
        service = self.flow_service()
        exact = self.exact_start()
        args: dict = {"service": service}
        provider = r.get("provider") or self.kept_provider()
        if provider:
            args["provider"] = provider
        if r.get("day"):
            args["date"] = r["day"]
        if r.get("part_of_day"):
            args["part_of_day"] = r["part_of_day"]
        if exact is not None:
            args["near"] = exact.isoformat()
        args.update(self.party_args())
        if exact is None and not r.get("day") and r.get("week_of"):
            self.offer_week(service, args)
            return
        if exact is None and not r.get("day") and r.get("before"):
            self.offer_before(service, args)
            return
        result = self.tools.call("check_availability", args)
        if not result.get("ok"):
            self.availability_failed(result)
            return
        slots = list(result.get("slots") or [])
        if exact is not None:
            if result.get("exact") and slots:
                hit = slots[0]
                self.prefix_with(
                    wording.slot_open(wording.when_label(exact), service, hit.get("provider"))
                    if self.state["flow"] == "book" and not self.customer_name()
                    else wording.time_open()
                )
                self.state["slot"] = slot_memo(hit)
                self.advance()
                return
            if slots:
                reason = result.get("message")
                self.offer(
                    slots,
                    wording.reason_then_nearest(reason)
                    if reason
                    else wording.exact_taken_intro(wording.when_label(exact)),
                )
                return
        if slots:
            self.offer(slots, wording.openings_intro(service, self.when_text()))
            return
        self.find_nearest(service, exact)

    def kept_provider(self) -> str | None:
        """A move keeps the appointment's provider unless the customer names another or says
        anyone will do."""
        appointment = self.state.get("appointment") or {}
        if self.state.get("flow") != "reschedule" or self.msg.any_provider:
            return None
        return appointment.get("provider")

    def party_args(self) -> dict:
        """A party booking asks for back-to-back times for everyone, in every search."""
        party = int(self.state.get("party") or 1)
        return {"party": party} if party > 1 and self.state.get("flow") == "book" else {}

    def offer_week(self, service: str, args: dict) -> None:
        """ "Next week": the first opening of each day, until there are enough to offer."""
        monday = date.fromisoformat(self.request["week_of"])
        days = self.open_days(args, monday, monday + timedelta(days=6))
        self.offer_or_none(service, [slots[0] for slots in days])

    def offer_before(self, service: str, args: dict) -> None:
        """ "Before my wedding on the 19th": the first opening of each day from today, never
        on the day named or after it; with fewer open days than options, more of their times."""
        deadline = date.fromisoformat(self.request["before"])
        today = self.turn.now.astimezone(self.tz).date()
        last = min(deadline - timedelta(days=1), today + timedelta(days=BEFORE_DAYS_MAX))
        days = self.open_days(args, today, last)
        found = [slots[0] for slots in days]
        found += [s for slots in days for s in slots[1:]][: MAX_OFFER - len(found)]
        self.offer_or_none(service, sorted(found, key=lambda s: s["start"]))

    def open_days(self, args: dict, first: date, last: date) -> list[list[dict]]:
        """Each day's openings from ``first`` to ``last``, for the first ``MAX_OFFER`` days
        that have any."""
        days: list[list[dict]] = []
        day = first
        while day <= last and len(days) < MAX_OFFER:
            result = self.tools.call("check_availability", {**args, "date": day.isoformat()})
            if result.get("ok") and result.get("slots"):
                days.append(list(result["slots"]))
            day += timedelta(days=1)
        return days

    def offer_or_none(self, service: str, found: list[dict]) -> None:
        if found:
            self.offer(found, wording.openings_intro(service, self.when_text()))
        else:
            self.ask("ask_time", wording.no_openings(service, self.when_text()))

    def find_nearest(self, service: str, exact: datetime | None) -> None:
        """Nothing on the asked day or part of day: look around it instead."""
        r = self.request
        when = self.when_text() or (wording.when_label(exact) if exact else None)
        if r.get("day") or r.get("part_of_day"):
            today = self.turn.now.astimezone(self.tz).date()
            day = date.fromisoformat(r["day"]) if r.get("day") else today
            near = exact or datetime.combine(day, time(12), tzinfo=self.tz)
            args = {"service": service, "near": near.isoformat(), **self.party_args()}
            if r.get("provider"):
                args["provider"] = r["provider"]
            result = self.tools.call("check_availability", args)
            slots = (result.get("slots") or []) if result.get("ok") else []
            if slots:
                self.offer(slots, wording.nearest_intro(service, when))
                return
        self.ask("ask_time", wording.no_openings(service, when))

    def availability_failed(self, result: dict) -> None:
        """Relay the tool's reason; offer its alternatives, or ask for another time."""
        error = result.get("error")
        r = self.request
        if error in ("provider_does_not_offer_service", "provider_unknown") and r.get("provider"):
            self.prefix_with(result.get("message") or "")  # one text: why, then who can
            r["provider"] = None
            self.need_find_slots()
            return
        if error == "service_ambiguous" and result.get("options"):
            r["service"], r["service_options"] = None, list(result["options"])
            self.advance()
            return
        if error == "service_unknown":
            r["service"] = None
            self.say(result.get("message") or "")
            self.advance()
            return
        if error == "unavailable":
            self.say(wording.tool_trouble(result.get("message")))
            return
        alternatives = result.get("alternatives") or []
        message = result.get("message") or wording.time_not_available()
        if alternatives:
            self.offer(alternatives, wording.reason_and_alternatives(message))
        else:
            self.ask("ask_time", wording.reason_and_ask_time(message))

    def offer(self, slots: list[dict], intro: str) -> None:
        offered = [slot_memo(s) for s in slots[:MAX_OFFER]]
        labels = [self.slot_label(s) for s in offered]
        self.state["slots"] = offered
        self.state.pop("slot", None)
        self.ask("offer_slots", wording.offer_slots(intro, labels))
        self.state["prompt"] = wording.offer_slots(
            wording.open_times_intro(self.flow_service()), labels
        )

    def relay_failure(self, result: dict, chosen: dict) -> None:
        """A booking or move failed: say why and offer the tool's alternatives if any."""
        error = result.get("error")
        self.state.pop("slot", None)
        if error == "name_required":
            self.state.pop("name", None)
            self.state["slot"] = chosen
            self.say(result.get("message") or "")
            self.advance()
            return
        if error == "unavailable":
            self.ask("confirm", wording.tool_trouble(result.get("message")))
            self.state["slot"] = chosen
            return
        alternatives = result.get("alternatives") or []
        label = wording.when_label(self.local(chosen["start"]))
        if error == "slot_taken":
            intro = wording.slot_taken_intro(label)
            if alternatives:
                self.offer(alternatives, intro)
                return
            self.request["day"] = self.local(chosen["start"]).date().isoformat()
            self.request["at"] = self.local(chosen["start"]).strftime("%H:%M")
            self.say(wording.just_taken(label))
            self.need_find_slots()
            return
        message = result.get("message") or wording.could_not_book(label)
        if alternatives:
            self.offer(alternatives, wording.reason_and_alternatives(message))
        else:
            self.ask("ask_time", wording.reason_and_ask_time(message))
