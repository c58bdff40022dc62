"""Hybrid scoring: dense cosine plus a normalised BM25 keyword score.

Why both: the embedding captures what a question means ("where do I leave my car" ~ parking),
while exact names (a product such as "HydraFacial", a provider such as "Jess Kim") are rare
words that an embedding blurs but keyword matching nails. The formula, per passage ``c`` and
question ``q``::

    score(q, c)      = cos(e_q, e_c) + ALPHA * kw(q, c)             ranks the passages
    confidence(q, c) = cos(e_q, e_c) + CONFIDENCE_ALPHA * kw(q, c)  is held against THRESHOLDS

    kw(q, c)    = sum_{t in T(q) ∩ c} idf(t) * sat(t, c)  /  sum_{t in T(q)} idf(t)
    idf(t)      = ln(1 + (N - df_t + 0.5) / (df_t + 0.5))          (BM25 idf; df_t = 0 if unseen)
    sat(t, c)   = tf / (tf + K1 (1 - B + B len_c / avglen))     (BM25 saturation / (K1 + 1))

Two weights, because ranking and refusing want different things. Among a clinic's own
near-duplicate pages (one treatment's aftercare and another's) the cosines are close and the
rare words the question shares with a page tell them apart, so ranking weighs keywords as much
as the cosine. But an off-topic question can share a word or two with some page, so whether
anything was found is decided on the cosine-led confidence that the threshold was calibrated
on; with ALPHA for both, more off-topic questions pass it (docs/KB.md, "Harder evaluation").

``T(q)`` are the question's content terms (lower-cased, stop words dropped, Snowball English
stems); optional terms count only where some passage has them: adjacent pairs joined
("hydra facial" -> "hydrafacial") and the canonical name of a service synonym the question
uses ("tox" -> "botox"). ``kw`` is in [0, 1): the idf-weighted share of the question's terms
that the passage contains, so a question made only of words the clinic never uses ("capital of
France") scores 0, and a rare name outweighs a common word. N, df and avglen are per clinic; a
passage's terms are its heading path (counted twice, chunking.keyword_text) and its text.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import snowballstemmer

ALPHA = 1.0  # weight of the keyword score against the cosine, for ranking
CONFIDENCE_ALPHA = 0.3  # the same, for the confidence held against the threshold
K1 = 1.2
B = 0.75

#: Minimum confidence of a top passage for ``answer()`` to say it found something, per
#: embedding model. Calibrated on the demo KB: in-scope questions' best scores 0.29-1.0 (all
#: but 3 of 66 >= 0.41), out-of-scope ones <= 0.33 (tests/kb/test_kb_retrieval.py, docs/KB.md);
#: re-checked on the harder evaluation's dev split (tests/kb/hard_eval.toml).
THRESHOLDS: dict[str, float] = {
    "all-MiniLM-L6-v2-onnx-int8": 0.38,
    # Its int8 build: re-swept 0.30-0.46 on the same questions, 0.38 is still best (docs/KB.md).
    "all-MiniLM-L6-v2-onnx-int8-dynamic": 0.38,
    # Not calibrated on real traffic: text-embedding-3-small cosines run lower than MiniLM's.
    "text-embedding-3-small": 0.35,
}
DEFAULT_THRESHOLD = 0.38

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORD_TEXT = """
    a about above again all am an and any anything are aren't as at be been
    being below between both but by can can't could did didn't do does doesn't doing don't
    down during each else ever few for from further get got had has have having he her here
    hers him his how i i'd i'll i'm i've if in into is isn't it it's its just me mine more
    most much must my myself need no nor not now of off on once only or other our ours out
    over own please same she should so some such than that that's the their theirs them then
    there there's these they this those through to too under until up very want was wasn't
    we we're were what what's when where where's which while who who's whom why will with
    would you you'd you'll you're your yours hi hello hey thanks thank ok okay yes
    whats wheres hows whos im ive id dont cant wont didnt doesnt isnt arent youre ur u r pls
    plz thx ya yeah yep nope gonna wanna lemme btw
"""
#: "before" and "after" are not stop words here: they tell preparation from aftercare.
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_STEMMER = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball English stem, the same for passages and questions: "peels" and "peel",
    "pricing" and "price", "taping" and "tape", "cancelled" and "cancel" meet. Cached: a
    clinic's vocabulary is small, and the stemmer is pure Python (~25 us a word)."""
    if word.endswith("'s"):
        word = word[:-2]
    return _STEMMER.stemWord(word)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, stop words kept (phrase matching needs them)."""
    return _WORD.findall(text.lower().replace("’", "'"))


def terms(text: str) -> list[str]:
    """The keyword terms of a passage or question: content words, stemmed, in order."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


@dataclass(frozen=True)
class QueryTerms:
    """The question's own terms, and extra terms that count only where a passage has them."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.required or self.optional)


def query_terms(query: str, synonyms: Mapping[str, str] | None = None) -> QueryTerms:
    """The question's terms; optional: joined adjacent pairs and synonym expansions.

    A required term the clinic never uses still weighs in the denominator of ``kw`` (the
    question is partly about something else); an optional one is ignored unless some passage
    has it, so "hydra facial" gains "hydrafacial" without being penalised for "hydrafacial"
    elsewhere.
    """
    words = [t for t in tokens(query) if t not in STOPWORDS]
    required = list(dict.fromkeys(stem(w) for w in words))
    optional = [stem(a + b) for a, b in itertools.pairwise(words)]
    if synonyms:
        padded = f" {' '.join(tokens(query))} "
        for phrase, canonical in synonyms.items():
            if f" {phrase} " in padded:
                optional += terms(canonical)
    optional = [t for t in dict.fromkeys(optional) if t not in required]
    return QueryTerms(tuple(required), tuple(optional))


def synonym_map(services: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{synonym phrase: service name}`` from (name, "comma,separated,synonyms") pairs."""
    out: dict[str, str] = {}
    for name, synonyms in services:
        for phrase in (synonyms or "").split(","):
            phrase = " ".join(tokens(phrase))
            if phrase and phrase != " ".join(tokens(name)):
                out[phrase] = name
    return out


#: How close two passages of one page must score for the one that says what was asked in its
#: own words to go first (see ``prefer_own_words``); a fifth of a typical gap between pages.
OWN_WORDS_MARGIN = 0.1


def own_terms(heading: str, text: str) -> set[str]:
    """A passage's terms without those it only inherits from its page's title: its own
    section heading (the last part of the heading path) and its text."""
    section = heading.rsplit(">", 1)[-1] if ">" in heading else ""
    return set(terms(f"{section} {text}"))


def prefer_own_words(hits: list, required: Iterable[str]) -> list:
    """Near ties within one page go to the passage whose own words cover more of the question.

    Every passage of a page carries the page's title in its heading path, so "what is your
    cancellation policy?" matched the policy page's opening lines ("Book by text ...") as well
    as its cancelling section, and the shorter opening won. Among passages of the top hit's
    page scoring within ``OWN_WORDS_MARGIN`` of it, the one with the most question terms in its
    own heading and text goes first (the top hit stays on a tie); other pages are untouched.
    """
    wanted = set(required)
    if len(hits) < 2 or not wanted:
        return hits
    top = hits[0]
    rivals = [
        h
        for h in hits[1:]
        if h.document_id == top.document_id and top.score - h.score <= OWN_WORDS_MARGIN
    ]
    if not rivals:
        return hits

    def covered(hit) -> int:
        return len(wanted & own_terms(hit.heading, hit.text))

    best = max(rivals, key=covered)
    if covered(best) <= covered(top):
        return hits
    return [best, *(h for h in hits if h is not best)]


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def saturation(tf: np.ndarray, lengths: np.ndarray, avg_length: float) -> np.ndarray:
    """BM25 term-frequency saturation with length normalisation, scaled into [0, 1)."""
    norm = K1 * (1.0 - B + B * lengths / max(avg_length, 1e-9))
    return tf / (tf + norm)


def fuse(dense: np.ndarray, keyword: np.ndarray | float) -> np.ndarray:
    """The ranking score."""
    return dense + ALPHA * keyword


def confidence(dense: np.ndarray | float, keyword: np.ndarray | float) -> np.ndarray | float:
    """The score ``answer()`` holds against the threshold."""
    return dense + CONFIDENCE_ALPHA * keyword


_ARGMAX_K = 16


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first (ties: lower index first).

    For the usual k <= 16, k passes of argmax over a copy beat argpartition ~15x at 50k rows
    (argmax is one vectorised scan; introselect is not); larger k use argpartition.
    """
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k <= _ARGMAX_K:
        work = scores.copy()
        best = np.empty(k, dtype=np.int64)
        for i in range(k):
            best[i] = int(work.argmax())
            work[best[i]] = -np.inf
        return best
    best = np.argpartition(scores, n - k)[n - k :] if k < n else np.arange(n)
    return best[np.lexsort((best, -scores[best]))]


def threshold_for(model: str) -> float:
    return THRESHOLDS.get(model, DEFAULT_THRESHOLD)
