"""The trust eval set: both splits load, have the required mix, and quote their corpus exactly.

Evidence strings are checked against the text Luna's own parser extracts from each corpus file
(whitespace collapsed), so a case only counts as answerable when its evidence can be retrieved.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import get_args

import pytest

from luna.evals.datasets import (
    EVALS_DIR,
    TrustCase,
    TrustKind,
    TrustReference,
    dataset_path,
    load_jsonl,
)
from luna.ingest import parse_document

ROOT = Path(__file__).resolve().parents[2]
CORPUS = EVALS_DIR / "corpus" / "trust"
SPLITS = {
    "dev": EVALS_DIR / "trust_qa.dev.v1.jsonl",
    "test": EVALS_DIR / "trust_qa.test.v1.jsonl",
}
KINDS = get_args(TrustKind)
# Numeric questions over the dev corpus, written after the dev split's tuning by someone who
# had read neither split: the calculation code is tuned on them and the probe split, never
# on the test split.
DEV2 = EVALS_DIR / "trust_qa.dev2.v1.jsonl"


def _collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def splits() -> dict[str, list[TrustCase]]:
    return {name: load_jsonl(path, TrustCase) for name, path in SPLITS.items()}


def parsed_corpus(corpus: Path) -> dict[str, str]:
    """Each corpus file's text as Luna's parser extracts it, element by element, collapsed."""
    texts = {}
    for path in sorted(corpus.iterdir()):
        if path.name == "manifest.json":
            continue
        document = parse_document(path.read_bytes(), path.name)
        texts[path.name] = "\n".join(_collapse(e.text) for e in document.elements)
    return texts


@pytest.fixture(scope="module")
def parsed_text() -> dict[str, str]:
    return parsed_corpus(CORPUS)


def test_dev_split_is_the_default_trust_dataset():
    assert dataset_path("trust") == SPLITS["dev"]


def test_both_splits_have_the_required_mix(splits: dict[str, list[TrustCase]]):
    cases = [c for split in splits.values() for c in split]
    assert len(cases) >= 60
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique across both splits"
    assert all(i.startswith("trust-") for i in ids)
    for name, split in splits.items():
        kinds = Counter(c.kind for c in split)
        for kind in KINDS:
            assert kinds[kind] >= 4, (name, kind, kinds[kind])
    languages = Counter(c.language for c in cases)
    assert min(languages["de"], languages["en"]) >= len(cases) // 3, languages


def test_unanswerable_cases_expect_a_refusal(splits: dict[str, list[TrustCase]]):
    for case in (c for split in splits.values() for c in split):
        if case.kind == "unanswerable":
            assert case.required == [], case.id
            assert case.references == [], case.id
        if case.kind in ("version_conflict", "injection"):
            assert case.forbidden, f"{case.id}: name the superseded or planted value"


def test_every_reference_quotes_the_parsed_document(
    splits: dict[str, list[TrustCase]], parsed_text: dict[str, str]
):
    for case in (c for split in splits.values() for c in split):
        for ref in case.references:
            assert ref.document in parsed_text, (case.id, ref.document)
            assert _collapse(ref.evidence) in parsed_text[ref.document], (
                case.id,
                ref.document,
                ref.evidence,
            )


def test_forbidden_strings_do_not_contradict_the_reference_answer(
    splits: dict[str, list[TrustCase]],
):
    for case in (c for split in splits.values() for c in split):
        answer = _collapse(case.answer).lower()
        for bad in case.forbidden:
            assert _collapse(bad).lower() not in answer, (case.id, bad)
        for group in case.required:
            assert any(_collapse(alt).lower() in answer for alt in group), (case.id, group)


def test_the_numeric_dev2_split_quotes_the_corpus_and_shares_no_case_with_the_others(
    splits: dict[str, list[TrustCase]], parsed_text: dict[str, str]
):
    cases = load_jsonl(DEV2, TrustCase)
    assert len(cases) >= 20
    assert {c.kind for c in cases} == {"numeric"}
    assert Counter(c.language for c in cases) == {"de": 10, "en": 10}
    others = {c.question for split in splits.values() for c in split}
    assert [c.id for c in cases if c.question in others] == []
    for case in cases:
        answer = _collapse(case.answer).lower()
        assert all(any(alt.lower() in answer for alt in group) for group in case.required)
        for ref in case.references:
            assert _collapse(ref.evidence) in parsed_text[ref.document], (case.id, ref.evidence)


def test_manifest_lists_every_corpus_file():
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["file"] for entry in manifest["files"]}
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.json"}
    assert listed == on_disk
    assert {entry["language"] for entry in manifest["files"]} == {"de", "en"}
    assert {Path(name).suffix for name in on_disk} == {".pdf", ".docx", ".txt", ".md"}


def _builder(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    pytest.importorskip("reportlab")
    pytest.importorskip("docx")
    spec = importlib.util.spec_from_file_location(
        "build_trust_corpus", ROOT / "scripts" / "build_trust_corpus.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_text_documents_match_their_builder(monkeypatch: pytest.MonkeyPatch):
    builder = _builder(monkeypatch)
    expected = {
        "stadtwerke-lindenbrueck-faq-dynamik-2025.md": builder.FAQ_2025,
        "haustechnik-notiz-lastgang-2025.txt": builder.facility_note(),
        "wendler-inbetriebnahmeprotokoll-reuter.txt": builder.PROTOCOL,
    }
    for name, text in expected.items():
        assert (CORPUS / name).read_bytes() == text.encode("utf-8"), name


def test_a_superseded_value_named_as_such_is_not_asserted_but_stated_plainly_it_fails():
    from luna.evals.suites.trust import score_answer

    case = TrustCase(
        id="trust-999",
        language="en",
        kind="version_conflict",
        question="What markup applies?",
        answer="16,926 ct/kWh",
        answerable=True,
        required=[["16,926"]],
        forbidden=["15,5"],
        references=[TrustReference(document="preisblatt.pdf", evidence="16,926 ct/kWh")],
    )
    noted = (
        'The markup is 16,926 ct/kWh [1]. Note: "FAQ 2025" still states 15,5 ct/kWh; this is '
        'superseded by "Preisblatt 2026" (valid from 2026-01-01) [1].'
    )
    assert score_answer(case, noted, refused=False)[0]
    plain = "The markup is 16,926 ct/kWh [1], or 15,5 ct/kWh according to the FAQ [2]."
    passed, why = score_answer(case, plain, refused=False)
    assert not passed
    assert why["forbidden_used"] == ["15,5"]
