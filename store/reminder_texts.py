"""A clinic's own wording of its appointment texts: templates with named blanks.

A template fills only the blanks its kind offers, by exact name (``{when}``), with no
attribute, index, conversion or format spec: what staff write can say nothing but words and
the appointment's own facts. A deposit nudge must carry its ``{link}``.
"""

from __future__ import annotations

from string import Formatter

from store.models import REMINDER_KINDS

MAX_LEN = 480  # three SMS segments
_COMMON = ("clinic", "service", "provider", "when")
BLANKS: dict[str, tuple[str, ...]] = {kind: _COMMON for kind in REMINDER_KINDS}
BLANKS["follow_up"] = (*_COMMON, "review_link")
BLANKS["no_show"] = (*_COMMON, "deposit")
BLANKS["deposit_reminder"] = (*_COMMON, "link", "until")
REQUIRED = {"deposit_reminder": ("link",)}


def template_problem(kind: str, text: str) -> str | None:
    """What is wrong with a template for ``kind``, or None."""
    if kind not in BLANKS:
        return f"no text kind {kind!r}; kinds are {', '.join(BLANKS)}"
    if not text.strip():
        return f"{kind} is empty (send null to go back to the default)"
    if len(text) > MAX_LEN:
        return f"{kind} is longer than {MAX_LEN} characters"
    try:
        parts = list(Formatter().parse(text))
    except ValueError as error:
        return f"{kind}: {error} (write {{{{ and }}}} for a brace)"
    named = set()
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in BLANKS[kind] or spec or conversion:
            return f"{kind}: {{{field}}} is not a blank here; use {', '.join(BLANKS[kind])}"
        named.add(field)
    missing = [b for b in REQUIRED.get(kind, ()) if b not in named]
    if missing:
        return f"{kind} must include {{{missing[0]}}}"
    return None


def render(template: str, values: dict[str, str]) -> str:
    """Fill a template checked by ``template_problem``."""
    return template.format_map(values)
