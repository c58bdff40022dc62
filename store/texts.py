"""One outgoing text's size, and the one way a reply longer than that is split, for every
channel and sender.

Telnyx joins up to ten SMS segments into one message of at most 1,600 characters, so a reply
goes out whole up to ``MESSAGE_LIMIT``. Only past it is it cut, in order, at a paragraph, else
a sentence, else a word (a single word longer than the limit is the only thing ever cut
inside); each part keeps its own line breaks, so a numbered list still reads as a list.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 1600  # characters Telnyx delivers as one (concatenated) message

_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as the messages to send: itself when it fits, else parts of at most ``limit``
    characters in order, packed as full as their boundaries allow; never an empty part."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    for joiner, piece in _pieces(text, limit):
        if parts and len(parts[-1]) + len(joiner) + len(piece) <= limit:
            parts[-1] += joiner + piece
        else:
            parts.append(piece)
    return parts


def _pieces(text: str, limit: int) -> list[tuple[str, str]]:
    """(what joined it to the piece before, piece): paragraphs, else sentences, else words,
    each no longer than ``limit``."""
    out: list[tuple[str, str]] = []
    for paragraph in (p.strip() for p in _PARAGRAPH.split(text)):
        if not paragraph:
            continue
        first = True
        for sentence in _fitting(paragraph, _SENTENCE_END, limit):
            for word_run in _fitting(sentence, re.compile(r"[ \t]+"), limit):
                for chunk in _cut(word_run, limit):
                    out.append(("\n\n" if first else " ", chunk))
                    first = False
    return out


def _fitting(text: str, boundary: re.Pattern[str], limit: int) -> list[str]:
    """``text`` whole if it fits, else split at ``boundary`` (the pieces may still be long)."""
    if len(text) <= limit:
        return [text]
    return [p for p in boundary.split(text) if p]


def _cut(word: str, limit: int) -> list[str]:
    """A run with no boundary left is cut every ``limit`` characters (the last resort)."""
    return [word[i : i + limit] for i in range(0, len(word), limit)]
