"""Split a clinic document (Markdown, plain text or FAQ pairs) into retrievable passages.

Why this shape: a caller's question is answered by one passage quoted or paraphrased in an SMS,
so a passage must stand on its own. Passages therefore never cross a heading (each keeps its
heading path, "Title > Section > Subsection", which is also embedded for context), are sized
for one answer (~40-80 words, balanced within a section: an SMS quotes at most ~480 characters
of a passage, and a short passage's vector is about one thing), repeat the previous passage's
last sentence (one sentence of overlap) so a fact at a boundary is never cut off from its
lead-in, and an FAQ pair ("Q: ... A: ...") is kept whole: the question is the best match for a
caller asking the same thing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

MAX_WORDS = 80  # was 120: measured on the harder evaluation (docs/KB.md)
HEADING_WEIGHT = 2  # keyword scoring counts a passage's heading path this many times
HEADING_MAX_CHARS = 255  # kb_chunk.heading is a CharField
PATH_SEPARATOR = " > "

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_RULE = re.compile(r"^ {0,3}([-*_=])(\s*\1){2,}\s*$")
_QUESTION = re.compile(r"^\s*(?:\*\*)?(?:Q|Question)\s*:\s*(?:\*\*)?\s*(.*)$", re.IGNORECASE)
_ANSWER = re.compile(r"^\s*(?:\*\*)?(?:A|Answer)\s*:\s*(?:\*\*)?\s*(.*)$", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^[\s|:-]+$")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$])")
_ABBREVIATION_WORDS = (
    "dr mr mrs ms mx prof st ave blvd rd ste apt no vs e.g i.e a.m p.m approx jr sr inc ltd"
    " co dept mt ft u.s"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())


@dataclass(frozen=True)
class Chunk:
    """One passage: its heading path and its text (what a hit quotes)."""

    heading: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def embedding_text(heading: str, text: str) -> str:
    """What is embedded for a passage: its heading path gives the model the context."""
    return f"{heading}: {text}" if heading else text


def keyword_text(heading: str, text: str) -> str:
    """What keyword scoring reads for a passage: its heading path names the topic, so it counts
    ``HEADING_WEIGHT`` times (BM25F's field weight, done by repetition): the page titled with a
    treatment outranks a page that mentions it in passing."""
    return " ".join([heading] * HEADING_WEIGHT + [text]) if heading else text


# --- inline cleanup and sentences ---------------------------------------------------------


def clean_inline(text: str) -> str:
    """Drop Markdown emphasis and link syntax; keep the words (and link targets)."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", _link, text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()


def _link(match: re.Match[str]) -> str:
    label, target = match.group(1), match.group(2)
    return label if label == target or target.startswith("#") else f"{label} ({target})"


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph; abbreviations such as "Dr." or "a.m." do not end one."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start() + 1].split()
        last = before[-1].lstrip("(\"'[").rstrip(".").lower() if before else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


# --- document structure -------------------------------------------------------------------


@dataclass
class _Unit:
    """A sentence (joined to its neighbour with a space) or a line (list item, table row)."""

    text: str
    line: bool = False

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class _Faq:
    question: list[str] = field(default_factory=list)
    answer: list[list[str]] = field(default_factory=list)  # paragraphs of lines


@dataclass
class _Section:
    path: tuple[str, ...]
    blocks: list[list[_Unit] | _Faq] = field(default_factory=list)


class _Parser:
    """Line-by-line Markdown reader: headings, paragraphs, list items, tables and FAQ pairs."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.stack: list[tuple[int, str]] = []
        self.sections = [_Section(path=())]
        self.paragraph: list[str] = []
        self.item = False
        self.faq: _Faq | None = None
        self.in_answer = False

    def feed(self, line: str) -> None:
        if heading := _HEADING.match(line):
            self._flush()
            self._end_faq()
            self._heading(len(heading.group(1)), clean_inline(heading.group(2)))
        elif question := _QUESTION.match(line):
            self._flush()
            self._end_faq()
            self.faq = _Faq(question=[question.group(1)])
        elif self.faq is not None and not self.in_answer and (answer := _ANSWER.match(line)):
            self.in_answer = True
            self.faq.answer.append([answer.group(1)])
        elif self.faq is not None:
            self._faq_line(line)
        elif not line.strip() or _RULE.match(line):
            self._flush()
        elif item := _ITEM.match(line):
            self._flush()
            self.paragraph, self.item = [item.group(1)], True
        elif row := _TABLE_ROW.match(line):
            self._flush()
            if not _TABLE_RULE.match(row.group(1)):
                cells = [clean_inline(c) for c in row.group(1).split("|")]
                self._block([_Unit(" | ".join(c for c in cells if c), line=True)])
        else:
            self.paragraph.append(line)

    def finish(self) -> list[_Section]:
        self._flush()
        self._end_faq()
        return [s for s in self.sections if s.blocks]

    def _heading(self, level: int, text: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        path = tuple(
            t for lvl, t in self.stack if not (lvl == 1 and t.lower() == self.title.lower())
        )
        self.sections.append(_Section(path=path))

    def _faq_line(self, line: str) -> None:
        assert self.faq is not None
        if not self.in_answer:
            if line.strip():
                self.faq.question.append(line)
        elif not line.strip():
            if self.faq.answer[-1]:
                self.faq.answer.append([])
        else:
            self.faq.answer[-1].append(line)

    def _end_faq(self) -> None:
        if self.faq is not None and any(p for p in self.faq.answer):
            self.sections[-1].blocks.append(self.faq)
        elif self.faq is not None:  # a question with no answer is ordinary text
            self._block(self._paragraph_units(["Q: " + " ".join(self.faq.question)], False))
        self.faq, self.in_answer = None, False

    def _flush(self) -> None:
        if self.paragraph:
            self._block(self._paragraph_units(self.paragraph, self.item))
        self.paragraph, self.item = [], False

    @staticmethod
    def _paragraph_units(lines: list[str], item: bool) -> list[_Unit]:
        sentences = split_sentences(clean_inline(" ".join(lines)))
        units = [_Unit(s) for s in sentences]
        if item and units:
            units[0] = _Unit("- " + units[0].text, line=True)
        return units

    def _block(self, units: list[_Unit]) -> None:
        if units:
            self.sections[-1].blocks.append(units)


# --- packing ------------------------------------------------------------------------------


def _join(units: list[_Unit]) -> str:
    out = units[0].text
    for unit in units[1:]:
        out += ("\n" if unit.line else " ") + unit.text
    return out


def _split_long(unit: _Unit, max_words: int) -> list[_Unit]:
    """A run-on "sentence" longer than a passage is cut by words."""
    words = unit.text.split()
    if len(words) <= max_words:
        return [unit]
    return [
        _Unit(" ".join(words[i : i + max_words]), line=unit.line and i == 0)
        for i in range(0, len(words), max_words)
    ]


def pack(units: list[_Unit], max_words: int, overlap: bool = True) -> list[list[_Unit]]:
    """Group units into passages of at most ``max_words``, balanced, with one unit of overlap.

    The section's words are spread over ``ceil(total / max_words)`` passages, so 130 words
    become two of ~65 rather than 120 + 10.
    """
    units = [piece for u in units for piece in _split_long(u, max_words)]
    total = sum(u.words for u in units)
    if total == 0:
        return []
    goal = total / max(1, math.ceil(total / max_words))
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = fresh = 0
    for unit in units:
        if fresh and (size + unit.words > max_words or fresh >= goal):
            groups.append(current)
            keep = overlap and current[-1].words <= max_words // 2
            current = [current[-1]] if keep else []
            size, fresh = (current[0].words if keep else 0), 0
        current.append(unit)
        size += unit.words
        fresh += unit.words
    if fresh:
        groups.append(current)
    return groups


def _faq_chunks(path: str, faq: _Faq, max_words: int) -> list[Chunk]:
    question = clean_inline(" ".join(faq.question))
    units = [u for p in faq.answer if p for u in _Parser._paragraph_units(p, False)]
    if not units:
        return []
    budget = max(20, max_words - len(question.split()))
    return [Chunk(path, f"Q: {question}\nA: {_join(group)}") for group in pack(units, budget)]


def chunk_document(title: str, text: str, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Passages of one document, in order; empty when the text holds no words."""
    title = clean_inline(title)
    parser = _Parser(title)
    for line in text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n"):
        parser.feed(line.expandtabs(4))
    chunks: list[Chunk] = []
    for section in parser.finish():
        path = PATH_SEPARATOR.join((title, *section.path))[:HEADING_MAX_CHARS]
        pending: list[_Unit] = []
        for block in section.blocks:
            if isinstance(block, _Faq):
                chunks += [Chunk(path, _join(g)) for g in pack(pending, max_words)]
                chunks += _faq_chunks(path, block, max_words)
                pending = []
            else:
                pending += block
        chunks += [Chunk(path, _join(g)) for g in pack(pending, max_words)]
    return chunks


def faq_answer(text: str) -> str:
    """The answer half of an FAQ passage ("Q: ...\\nA: ..."), else the passage unchanged."""
    if text.startswith("Q: ") and "\nA: " in text:
        return text.split("\nA: ", 1)[1]
    return text
