"""Which of the clinic's services and providers a text names, typos included.

Exact names and synonyms win; ``difflib`` only tries typos on words that are not everyday
English, so "message" is never read as "massage".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from actors.brain.base import ProviderInfo, ServiceInfo
from actors.brain.nlu.text import MONTHS, WEEKDAY_WORDS, normalise, tokens, wordset

# --------------------------------------------------------------------------- services

# Everyday words that sit within typo distance of a service alias ("message" ~ "massage",
# "just" ~ "adjust"): they are never read as a misspelt service.
_NOT_A_SERVICE = (
    wordset(
        """
        a an the and or to for with at on in of my me i you we it is are be can could would
        like want need book booking booked appointment appointments appt time times today
        tomorrow next this that some any just please thanks thank get got do does have has
        message messages morning afternoon evening week day days free open price cost much how
        what when where who about also another one first last new leave left call text back
        face feel peer past paste pay best rest place nice hello hey hi yes no not okay sure
        """
    )
    | frozenset(WEEKDAY_WORDS)
    | frozenset(MONTHS)
)
_FUZZY_MIN = 0.8


def _aliases(service: ServiceInfo) -> list[str]:
    """The service's name and synonyms, each squashed to letters and digits ("hydrafacial")."""
    out: list[str] = []
    for alias in (service.name, *service.synonyms):
        squashed = "".join(tokens(alias))
        if squashed and squashed not in out:
            out.append(squashed)
    return out


def _grams(words: Sequence[str], longest: int = 3) -> set[str]:
    """Squashed runs of 1..longest consecutive words, plus each run without a plural "s"."""
    out: set[str] = set()
    for n in range(1, longest + 1):
        for i in range(len(words) - n + 1):
            gram = "".join(words[i : i + n])
            out.add(gram)
            if len(gram) > 4 and gram.endswith("s"):
                out.add(gram[:-1])
    return out


def match_services(text: str, services: Sequence[ServiceInfo]) -> list[ServiceInfo]:
    """Services the text names, best first: one is a clear match, several are ambiguous.

    Exact aliases win (spacing and plurals ignored: "hydra facial", "peels"); only when none
    is present are typos tried ("botx", "chemcial peel"), and only on words that are not
    everyday English and that start with the alias's first letter.
    """
    words = tokens(text)
    grams = _grams(words)
    exact = [s for s in services if any(a in grams for a in _aliases(s))]
    if exact:
        return exact
    fuzzy_words = [w for w in words if w not in _NOT_A_SERVICE and not w.isdigit()]
    fuzzy_grams = {g for g in _grams(fuzzy_words) if len(g) >= 4}
    scored: list[tuple[float, int, ServiceInfo]] = []
    for order, service in enumerate(services):
        best = 0.0
        for alias in _aliases(service):
            for gram in fuzzy_grams:
                if gram[0] == alias[0]:
                    best = max(best, difflib.SequenceMatcher(None, gram, alias).ratio())
        if best >= _FUZZY_MIN:
            scored.append((best, order, service))
    if not scored:
        return []
    scored.sort(key=lambda item: (-item[0], item[1]))
    top = scored[0][0]
    return [service for score, _, service in scored if score >= top - 0.05]


def service_named(name: str, services: Sequence[ServiceInfo]) -> ServiceInfo | None:
    """The clinic's service with exactly this name (as stored in the brain's state)."""
    return next((s for s in services if s.name.lower() == name.lower()), None)


# --------------------------------------------------------------------------- providers

_TITLES = frozenset({"dr", "doctor", "md", "dc", "np", "rn", "pa", "mrs", "mr", "ms"})
_ANY_PROVIDER = re.compile(
    r"\b(any ?one|any ?body|whoever|no preference|doesn'?t matter|don'?t mind|don'?t care|"
    r"any provider)\b"
)


def match_providers(text: str, providers: Sequence[ProviderInfo]) -> list[ProviderInfo]:
    """Providers the text names: by a nickname the clinic set ("Dr. Ben", "Dr. B"), which wins,
    else by first or last name ("with Jess", "Dr. Patel", "dr patle")."""
    said = _called(text)
    nicknamed = [p for p in providers if any(_says(said, _called(n)) for n in p.nicknames)]
    if nicknamed:
        return nicknamed
    words = set(said)
    found = []
    for provider in providers:
        names = [n for n in tokens(provider.name) if n not in _TITLES and len(n) >= 3]
        if any(n in words for n in names) or any(
            difflib.SequenceMatcher(None, n, w).ratio() >= _FUZZY_MIN
            for n in names
            if len(n) >= 5
            for w in words
            if len(w) >= 5 and w[0] == n[0]
        ):
            found.append(provider)
    return found


def _called(text: str) -> list[str]:
    """Words for nickname matching: "doctor" said as "dr", so "Doctor Ben" is "Dr. Ben"."""
    return ["dr" if w == "doctor" else w for w in tokens(text)]


def _says(words: list[str], phrase: list[str]) -> bool:
    """Whether ``phrase`` appears in ``words`` as consecutive whole words."""
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def wants_any_provider(text: str) -> bool:
    """ "Anyone is fine", "no preference": drop a provider asked for earlier."""
    return bool(_ANY_PROVIDER.search(normalise(text)))


def provider_words(name: str) -> list[str]:
    """The words a provider is called by ("Dr. Maya Patel" -> ["maya", "patel"])."""
    return [n for n in tokens(name) if n not in _TITLES and len(n) >= 3]
