"""The harder retrieval evaluation (tests/kb/hard_eval.toml) with the real local model.

Retrieval was tuned on the ``dev`` split only; the targets are asserted on ``held_out`` and on
all questions together (docs/KB.md, "Harder evaluation"). Every out-of-scope question must be
refused by both clinics, except the one known limit below, which is marked so that a fix shows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb.service import KnowledgeBase
from store.db import close_database, open_database
from tests.kb import hard_eval

RECALL_AT_1 = 0.85
RECALL_AT_3 = 0.97
FOUND = 0.9  # in-scope questions that answer() finds something for

EVALSET = hard_eval.load()

#: Out-of-scope questions that are answered anyway, and why. Worded exactly like a question
#: about the clinic's own hours, they pass any similarity threshold (docs/KB.md, known limits).
KNOWN_LIMITS = {
    "what time does the post office close": "another business's hours read like ours",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, local_embedder, fresh_database) -> Iterator[tuple]:
    path = tmp_path_factory.mktemp("kb-hard-eval") / "kb.db"
    fresh_database(path)
    kb = KnowledgeBase(local_embedder)
    ids = hard_eval.seed(kb, EVALSET)
    results = {split: hard_eval.evaluate(kb, EVALSET, ids, split) for split in hard_eval.SPLITS}
    yield kb, ids, results, path
    close_database()


@pytest.fixture
def kb(seeded) -> KnowledgeBase:
    open_database(seeded[3])  # idempotent; rebinds if another module's test opened another db
    return seeded[0]


def _combined(results: dict[str, hard_eval.Result]) -> hard_eval.Result:
    out = hard_eval.Result()
    for r in results.values():
        out.questions += r.questions
        out.at1 += r.at1
        out.at3 += r.at3
        out.found += r.found
    return out


def test_the_evaluation_set_is_the_one_described():
    assert len(EVALSET.clinics) == 2 and EVALSET.documents == 47
    assert {s: len(q) for s, q in EVALSET.questions.items()} == {"dev": 123, "held_out": 48}


def test_recall_targets_hold_on_held_out_and_on_all_questions(seeded, capsys):
    results = seeded[2]
    every = _combined(results)
    with capsys.disabled():
        for name, r in [*results.items(), ("all", every)]:
            print(
                f"\nkb hard eval {name}: {r.questions} questions, recall@1={r.recall_at_1:.3f}"
                f" recall@3={r.recall_at_3:.3f} found={r.found_rate:.3f}"
            )
        for miss in results["dev"].misses:  # held_out is only ever reported as totals
            print(f"  dev not first: {miss}")
    for r in (results["held_out"], every):
        assert r.recall_at_1 >= RECALL_AT_1
        assert r.recall_at_3 >= RECALL_AT_3
        assert r.found_rate >= FOUND


def _out_of_scope() -> list:
    questions = [q for split in hard_eval.SPLITS for q in EVALSET.out_of_scope[split]]
    return [
        pytest.param(q, marks=pytest.mark.xfail(reason=KNOWN_LIMITS[q], strict=True))
        if q in KNOWN_LIMITS
        else q
        for q in questions
    ]


@pytest.mark.parametrize("question", _out_of_scope())
def test_out_of_scope_questions_are_refused_by_both_clinics(kb, seeded, question):
    for clinic_id in seeded[1].values():
        answer = kb.answer(clinic_id, question)
        assert not answer.found, (question, answer.passages[:1])
