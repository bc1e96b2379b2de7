"""The probe split of the trust eval: a second, independent dev set on a corpus of its own.

``evals/trust_qa.probe.v1.jsonl`` asks about ``evals/corpus/trust_probe`` (built by
``scripts/build_trust_probe_corpus.py``). Same checks as the dev and test splits: the file
loads, has its type and language mix, and every evidence string is text Luna's own parser
extracts from the named document (whitespace collapsed).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from luna.evals.datasets import EVALS_DIR, TrustCase, load_jsonl
from tests.evals.test_trust_dataset import KINDS, ROOT, _collapse, parsed_corpus

CORPUS = EVALS_DIR / "corpus" / "trust_probe"
PROBE = EVALS_DIR / "trust_qa.probe.v1.jsonl"
MIX = {
    "fact": 5,
    "table": 5,
    "multi_document": 6,
    "numeric": 8,
    "cross_lingual": 4,
    "version_conflict": 4,
    "unanswerable": 5,
    "injection": 3,
}


@pytest.fixture(scope="module")
def cases() -> list[TrustCase]:
    return load_jsonl(PROBE, TrustCase)


@pytest.fixture(scope="module")
def parsed_text() -> dict[str, str]:
    return parsed_corpus(CORPUS)


def test_probe_split_has_the_type_and_language_mix(cases: list[TrustCase]):
    assert set(MIX) == set(KINDS)
    assert [c.id for c in cases] == [f"probe-{n:03d}" for n in range(1, len(cases) + 1)]
    assert Counter(c.kind for c in cases) == MIX
    languages = Counter(c.language for c in cases)
    assert languages["de"] == languages["en"] == len(cases) // 2, languages


def test_probe_cases_are_consistent(cases: list[TrustCase]):
    for case in cases:
        if case.kind == "unanswerable":
            assert case.required == [], case.id
            assert case.references == [], case.id
        if case.kind in ("version_conflict", "injection"):
            assert case.forbidden, f"{case.id}: name the superseded or planted value"
        answer = _collapse(case.answer).lower()
        for bad in case.forbidden:
            assert _collapse(bad).lower() not in answer, (case.id, bad)
        for group in case.required:
            assert any(_collapse(alt).lower() in answer for alt in group), (case.id, group)


def test_every_probe_reference_quotes_the_parsed_document(
    cases: list[TrustCase], parsed_text: dict[str, str]
):
    for case in cases:
        for ref in case.references:
            assert ref.document in parsed_text, (case.id, ref.document)
            assert _collapse(ref.evidence) in parsed_text[ref.document], (
                case.id,
                ref.document,
                ref.evidence,
            )


def test_probe_manifest_lists_every_corpus_file(cases: list[TrustCase]):
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["files"]
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.json"}
    assert {entry["file"] for entry in entries} == on_disk
    formats = Counter(Path(name).suffix for name in on_disk)
    assert set(formats) == {".pdf", ".docx", ".txt", ".md"}
    assert min(formats.values()) >= 2, formats
    languages = Counter(entry["language"] for entry in entries)
    assert languages["de"] >= 4, languages
    assert languages["en"] >= 2, languages
    assert sum(1 for entry in entries if entry["planted"]) >= 3
    used = {ref.document for case in cases for ref in case.references}
    assert used <= on_disk, used - on_disk
    superseded = {e["file"] for e in entries if e["description"].startswith("Superseded")}
    assert on_disk - used <= superseded, "only a superseded document may go unquoted"
    other = {p.name for p in (EVALS_DIR / "corpus" / "trust").iterdir()}
    assert not on_disk & other, "the probe corpus must not share files with the trust corpus"


def _builder(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    pytest.importorskip("reportlab")
    pytest.importorskip("docx")
    name = "build_trust_probe_corpus"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_probe_text_documents_match_their_builder(monkeypatch: pytest.MonkeyPatch):
    builder = _builder(monkeypatch)
    expected = {
        "stadtwerke-quellbrunn-faq-flex-2025.md": builder.FAQ_2025,
        "northgate-commissioning-protocol-halvorsen.txt": builder.PROTOCOL,
        "ardentis-support-ticket-07731.txt": builder.TICKET,
        "kornhaus-notiz-messwerte-2026-h1.md": builder.facility_note(),
    }
    for name, text in expected.items():
        assert (CORPUS / name).read_bytes() == text.encode("utf-8"), name
