"""The hard retrieval evaluation (tests/kb/hard_eval.toml): load it, seed it, score a KB on it.

Shared by tests/kb/test_kb_hard_eval.py and bench/kb.py so both measure the same thing. The
data are two fresh clinics (not the demo ones) with near-duplicate documents and questions in
customers' own wording; see the TOML file's header for how it was written.
"""

from __future__ import annotations

import statistics
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kb.service import KnowledgeBase
from store.db import write
from store.models import Clinic, Service

DATA = Path(__file__).with_name("hard_eval.toml")
SPLITS = ("dev", "held_out")


@dataclass(frozen=True)
class Question:
    clinic: str
    text: str
    expected: frozenset[str]  # document titles that answer it


@dataclass(frozen=True)
class EvalSet:
    clinics: list[dict]
    questions: dict[str, list[Question]]  # split -> questions
    out_of_scope: dict[str, list[str]]  # split -> questions

    @property
    def documents(self) -> int:
        return sum(len(c["document"]) for c in self.clinics)


def load(path: Path = DATA) -> EvalSet:
    """The evaluation set, with each question's document keys turned into titles."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    questions: dict[str, list[Question]] = {s: [] for s in SPLITS}
    for clinic in data["clinic"]:
        titles = {d["key"]: d["title"] for d in clinic["document"]}
        for split in SPLITS:
            for text, keys in clinic[split]["questions"]:
                expected = frozenset(titles[k] for k in keys)
                questions[split].append(Question(clinic["key"], text, expected))
    out = {s: list(data[f"out_of_scope_{s}"]) for s in SPLITS}
    return EvalSet(clinics=data["clinic"], questions=questions, out_of_scope=out)


def seed(kb: KnowledgeBase, evalset: EvalSet) -> dict[str, int]:
    """Create the clinics and their services (synonyms) and ingest the documents.

    The database must be open and migrated; returns ``{clinic key: clinic id}``.
    """
    ids: dict[str, int] = {}
    for spec in evalset.clinics:
        with write():
            clinic = Clinic.get_or_none(Clinic.phone == spec["phone"])
            if clinic is None:
                clinic = Clinic.create(
                    name=spec["name"], phone=spec["phone"], timezone=spec["timezone"]
                )
                for name, synonyms in spec["services"]:
                    Service.create(clinic=clinic, name=name, synonyms=synonyms, duration_min=30)
        ids[spec["key"]] = clinic.id
        for document in spec["document"]:
            kb.ingest(clinic.id, document["title"], document["text"], source="eval")
    return ids


@dataclass
class Result:
    questions: int = 0
    at1: int = 0
    at3: int = 0
    found: int = 0
    out_of_scope: int = 0  # questions x clinics asked
    refused: int = 0
    misses: list[str] = field(default_factory=list)  # "question -> top titles", not first
    wrongly_found: list[str] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)

    @property
    def recall_at_1(self) -> float:
        return self.at1 / max(1, self.questions)

    @property
    def recall_at_3(self) -> float:
        return self.at3 / max(1, self.questions)

    @property
    def found_rate(self) -> float:
        return self.found / max(1, self.questions)

    @property
    def refusal_rate(self) -> float:
        return self.refused / max(1, self.out_of_scope)

    def summary(self) -> dict:
        return {
            "questions": self.questions,
            "recall_at_1": round(self.recall_at_1, 3),
            "recall_at_3": round(self.recall_at_3, 3),
            "found": round(self.found_rate, 3),
            "out_of_scope": self.out_of_scope,
            "refused": round(self.refusal_rate, 3),
            "answer_p50_ms": round(statistics.median(self.answer_ms), 2) if self.answer_ms else 0,
        }


def ranked(
    kb: KnowledgeBase, clinic_id: int, question: str, expected
) -> tuple[bool, bool, list[str]]:
    """Whether an expected title is first, whether one is in the top three, and the titles."""
    titles = [h.title for h in kb.search(clinic_id, question, k=3)]
    return bool(titles) and titles[0] in expected, any(t in expected for t in titles), titles


def evaluate(kb: KnowledgeBase, evalset: EvalSet, clinic_ids: dict[str, int], split: str) -> Result:
    """recall@1/@3 (search, k=3), found (answer) and out-of-scope refusals on one split."""
    result = Result()
    for question in evalset.questions[split]:
        clinic_id = clinic_ids[question.clinic]
        first, top3, titles = ranked(kb, clinic_id, question.text, question.expected)
        result.questions += 1
        result.at1 += first
        result.at3 += top3
        if not first:
            result.misses.append(f"{question.text!r} -> {titles}")
        start = time.perf_counter()
        answer = kb.answer(clinic_id, question.text)
        result.answer_ms.append((time.perf_counter() - start) * 1e3)
        result.found += answer.found
    for text in evalset.out_of_scope[split]:
        for clinic_id in clinic_ids.values():
            result.out_of_scope += 1
            answer = kb.answer(clinic_id, text)
            result.refused += not answer.found
            if answer.found:
                result.wrongly_found.append(f"{text!r} -> {answer.passages[0].title}")
    return result
