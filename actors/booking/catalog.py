"""Find a clinic's service or provider from what a customer (or a model) called it.

Exact names and synonyms first, then close spellings (difflib), so "hydra facial", "botx" and
"Dr. Patel" resolve; several equally good matches are returned so the caller can ask.
"""

from __future__ import annotations

import difflib
import re

from store.clinic_reads import ACTIVE_PROVIDERS, ACTIVE_SERVICES
from store.models import Clinic, Provider, Service

_TITLES = re.compile(r"\b(dr|doctor|mr|mrs|ms)\b\.?", re.I)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _as_id(name: str | int) -> int | None:
    """A service or provider named by its id: an int, or plain ASCII digits ("²" is a digit
    to ``str.isdigit`` but not to ``int``, and crashed the calendar)."""
    if isinstance(name, int):
        return name
    if isinstance(name, str) and name.isascii() and name.isdigit():
        return int(name)
    return None


def find_service(clinic: Clinic, name: str | int) -> list[Service]:
    services = ACTIVE_SERVICES.rows(clinic=clinic)
    if _as_id(name) is not None:
        return [s for s in services if s.id == _as_id(name)]
    wanted = _norm(name or "")
    if not wanted:
        return []
    names: dict[str, set[int]] = {}
    for s in services:
        for alias in [s.name, *s.synonyms.split(",")]:
            if alias.strip():
                names.setdefault(_norm(alias), set()).add(s.id)
    by_id = {s.id: s for s in services}
    if wanted in names:
        return [by_id[i] for i in sorted(names[wanted])]
    contains = {
        i for alias, ids in names.items() if alias in wanted.split() or wanted in alias for i in ids
    }
    if len(contains) >= 1:
        return [by_id[i] for i in sorted(contains)]
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.75)
    ids = sorted({i for alias in close for i in names[alias]})
    return [by_id[i] for i in ids]


def find_provider(clinic: Clinic, name: str | int) -> Provider | None:
    providers = ACTIVE_PROVIDERS.rows(clinic=clinic)
    if _as_id(name) is not None:
        return next((p for p in providers if p.id == _as_id(name)), None)
    wanted = _norm(_TITLES.sub("", name or ""))
    if not wanted:
        return None
    for p in providers:
        full = _norm(_TITLES.sub("", p.name))
        if wanted == full or wanted in full.split() or full.startswith(wanted):
            return p
    close = difflib.get_close_matches(
        wanted, [_norm(_TITLES.sub("", p.name)) for p in providers], n=1, cutoff=0.7
    )
    if close:
        return next(p for p in providers if _norm(_TITLES.sub("", p.name)) == close[0])
    return None
