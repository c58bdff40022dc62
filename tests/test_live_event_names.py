"""The dashboard hears every event the service records: EventSource delivers a named event
only to a listener for that name, so a type missing from live.js never shows live."""

from __future__ import annotations

import re
from pathlib import Path

from store.models import OFFER_STATUSES

ROOT = Path(__file__).resolve().parent.parent
LITERAL = re.compile(r"""record_event\(\s*[^,]+,\s*["']([a-z_]+\.[a-z_]+)["']""")


def _listened() -> set[str]:
    source = (ROOT / "gateway/static/live.js").read_text()
    block = source.split("export const EVENT_TYPES = [", 1)[1].split("];", 1)[0]
    return set(re.findall(r'"([a-z_.]+)"', block))


def test_every_recorded_event_type_is_listened_for():
    recorded = set()
    for folder in ("actors", "store", "gateway"):
        for path in (ROOT / folder).rglob("*.py"):
            recorded |= set(LITERAL.findall(path.read_text()))
    # the offer's end is recorded as waitlist.<its status> (store/waitlist.py close_offer)
    recorded |= {f"waitlist.{s}" for s in OFFER_STATUSES if s != "holding"}
    assert recorded, "no record_event calls found: the pattern is out of date"
    assert recorded - _listened() == set()
