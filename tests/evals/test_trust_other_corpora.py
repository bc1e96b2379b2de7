"""The trust eval's splits on corpora of their own: ``probe``, ``fresh``, ``blind``, ``unseen``,
``holdout``.

``evals/trust_qa.<split>.v1.jsonl`` asks about ``evals/corpus/trust_<split>`` (built by
``scripts/build_trust_<split>_corpus.py``), written later than the dev and test splits by
someone who had not seen the tuning (``fresh``, ``blind``, ``unseen`` and ``holdout``: nor the
code, nor any question set). Same checks as the dev and test splits: the file loads, has its
type and language mix, and every evidence string is text Luna's own parser extracts from the
named document (whitespace collapsed).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from luna.evals.datasets import EVALS_DIR, TrustCase, load_jsonl
from tests.evals.test_trust_dataset import KINDS, ROOT, _collapse, parsed_corpus


@dataclass(frozen=True)
class Split:
    name: str
    mix: dict[str, int]
    text_documents: dict[str, str]  # file name → the builder's name of its text (a function's)

    @property
    def corpus(self) -> Path:
        return EVALS_DIR / "corpus" / f"trust_{self.name}"


SPLITS = [
    Split(
        "probe",
        {
            "fact": 5,
            "table": 5,
            "multi_document": 6,
            "numeric": 8,
            "cross_lingual": 4,
            "version_conflict": 4,
            "unanswerable": 5,
            "injection": 3,
        },
        {
            "stadtwerke-quellbrunn-faq-flex-2025.md": "FAQ_2025",
            "northgate-commissioning-protocol-halvorsen.txt": "PROTOCOL",
            "ardentis-support-ticket-07731.txt": "TICKET",
            "kornhaus-notiz-messwerte-2026-h1.md": "facility_note",
        },
    ),
    Split(
        "fresh",
        {
            "fact": 5,
            "table": 5,
            "multi_document": 8,
            "numeric": 12,
            "cross_lingual": 4,
            "version_conflict": 5,
            "unanswerable": 5,
            "injection": 4,
        },
        {
            "falkenried_preisblatt_2025.md": "tariff_2025",
            "ferrolith_terrastack_modbus.md": "REGISTERS",
            "lastgang_notiz_2025.txt": "facility_note",
            "inbetriebnahmeprotokoll_ibn-25-0412.txt": "PROTOCOL",
        },
    ),
    Split(
        "blind",
        {
            "fact": 5,
            "table": 5,
            "multi_document": 6,
            "numeric": 14,
            "cross_lingual": 4,
            "version_conflict": 5,
            "unanswerable": 5,
            "injection": 4,
        },
        {
            "TerraCell_HX_Modbus_Register_Map_v3.4.txt": "MODBUS_MAP",
            "Inbetriebnahmeprotokoll_Speicher_2025-01-27.txt": "COMMISSIONING",
            "Haustechnik_Notiz_Verbrauch_2024-2025.md": "FM_NOTE",
            "Protokoll_Energieteam_2025-03-05.md": "TEAM_MINUTES",
        },
    ),
    Split(
        "unseen",
        {
            "fact": 5,
            "table": 5,
            "multi_document": 8,
            "numeric": 16,
            "cross_lingual": 4,
            "version_conflict": 4,
            "unanswerable": 3,
            "injection": 3,
        },
        {
            "ibn_protokoll_gridblock400_bergmoos.txt": "PROTOCOL",
            "norrcell_gridblock400_modbus_map_rev2.1.txt": "REGISTERS",
            "bergmoos_notiz_haustechnik_strombezug_2025.md": "FM_NOTE",
            "bergmoos_energy_team_minutes_2026-01-20.md": "MINUTES",
        },
    ),
    Split(
        "holdout",
        {
            "fact": 3,
            "table": 4,
            "multi_document": 10,
            "numeric": 16,
            "cross_lingual": 4,
            "version_conflict": 4,
            "unanswerable": 4,
            "injection": 3,
        },
        {
            "blattwerk_inbetriebnahme_speicher_c150.txt": "COMMISSIONING_TXT",
            "blattwerk_aushang_schichtleitung_lastmanagement.txt": "SHIFT_NOTICE_TXT",
            "blattwerk_energiebericht_verbrauch_2025.md": "CONSUMPTION_MD",
            "blattwerk_energierichtlinie_v2.md": "POLICY_V2_MD",
            "blattwerk_energy_steering_minutes_2026-02-12.md": "MINUTES_MD",
        },
    ),
]


@pytest.fixture(scope="module", params=SPLITS, ids=lambda s: s.name)
def split(request: pytest.FixtureRequest) -> Split:
    return request.param


@pytest.fixture(scope="module")
def cases(split: Split) -> list[TrustCase]:
    return load_jsonl(EVALS_DIR / f"trust_qa.{split.name}.v1.jsonl", TrustCase)


def test_split_has_the_type_and_language_mix(split: Split, cases: list[TrustCase]):
    assert set(split.mix) == set(KINDS)
    assert [c.id for c in cases] == [f"{split.name}-{n:03d}" for n in range(1, len(cases) + 1)]
    assert Counter(c.kind for c in cases) == split.mix
    languages = Counter(c.language for c in cases)
    assert languages["de"] == languages["en"] == len(cases) // 2, languages


def test_cases_are_consistent(cases: list[TrustCase]):
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


def test_every_reference_quotes_the_parsed_document(split: Split, cases: list[TrustCase]):
    parsed_text = parsed_corpus(split.corpus)
    for case in cases:
        for ref in case.references:
            assert ref.document in parsed_text, (case.id, ref.document)
            assert _collapse(ref.evidence) in parsed_text[ref.document], (
                case.id,
                ref.document,
                ref.evidence,
            )


def test_manifest_lists_every_corpus_file(split: Split, cases: list[TrustCase]):
    manifest = json.loads((split.corpus / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["files"]
    on_disk = {p.name for p in split.corpus.iterdir() if p.name != "manifest.json"}
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
    superseded = {
        e["file"]
        for e in entries
        if "superseded" in " ".join((e["kind"], e["title"], e["description"])).casefold()
    }
    assert on_disk - used <= superseded, "only a superseded document may go unquoted"
    for other in ("trust", *(s.name for s in SPLITS if s != split)):
        folder = EVALS_DIR / "corpus" / ("trust" if other == "trust" else f"trust_{other}")
        assert not on_disk & {p.name for p in folder.iterdir()}, f"files shared with {other}"


def test_text_documents_match_their_builder(split: Split, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("reportlab")
    pytest.importorskip("docx")
    name = f"build_trust_{split.name}_corpus"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, builder)
    spec.loader.exec_module(builder)
    for file_name, attribute in split.text_documents.items():
        text = getattr(builder, attribute)
        text = text() if callable(text) else text
        assert (split.corpus / file_name).read_bytes() == text.encode("utf-8"), file_name
