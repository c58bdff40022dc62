"""Phone numbers: one rule for what counts as an E.164 number, for every channel and check."""

from __future__ import annotations

import phonenumbers


def e164(value: object) -> str | None:
    """``value`` normalised to E.164 (``+15555550123``) if it is a possible international
    number written with its country code, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
