"""The eval datasets load, meet their size and mix requirements, and point at real text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from luna.evals.datasets import (
    PlaybookCase,
    QaCase,
    RoutingCase,
    dataset_path,
    load_jsonl,
)
from luna.ingest import parse_document

KNOWLEDGE = Path(__file__).resolve().parents[2] / "samples" / "knowledge"


@pytest.fixture(scope="module")
def qa_cases() -> list[QaCase]:
    return load_jsonl(dataset_path("qa"), QaCase)


def test_qa_set_has_the_required_mix(qa_cases: list[QaCase]):
    kinds = Counter(c.kind for c in qa_cases)
    languages = Counter(c.language for c in qa_cases)
    assert len(qa_cases) >= 40
    assert kinds["unanswerable"] >= 5
    assert kinds["multi_hop"] >= 3
    assert kinds["paraphrase"] >= 10
    assert languages["de"] >= 15
    assert languages["en"] >= 15
    documents = {r.document for c in qa_cases for r in c.references}
    assert documents == {p.name for p in KNOWLEDGE.iterdir() if p.name != "manifest.json"}


def test_every_reference_quotes_its_document_in_the_named_section(qa_cases: list[QaCase]):
    parsed = {}
    for case in qa_cases:
        for ref in case.references:
            if ref.document not in parsed:
                data = (KNOWLEDGE / ref.document).read_bytes()
                parsed[ref.document] = parse_document(data, ref.document)
            doc = parsed[ref.document]
            assert doc.title == ref.title, case.id
            evidence = " ".join(ref.evidence.split())
            located = [
                (e.section, e.page) for e in doc.elements if evidence in " ".join(e.text.split())
            ]
            assert (ref.section, ref.page) in located, (case.id, ref.evidence, located)


def test_routing_set_covers_every_tool_and_no_tool():
    cases = load_jsonl(dataset_path("routing"), RoutingCase)
    assert len(cases) >= 30
    tools = Counter(c.expected_tool for c in cases)
    for tool in (
        "search_documents",
        "query_timeseries",
        "forecast",
        "optimise_schedule",
        "get_tariff",
        "none",
    ):
        assert tools[tool] >= 3, tool
    assert sum(bool(c.expected_args) for c in cases) >= 25


def test_playbook_set_covers_every_kind_with_checkable_constraints():
    cases = load_jsonl(dataset_path("playbook"), PlaybookCase)
    assert len(cases) >= 10
    assert {c.request.kind for c in cases} == {"battery", "load_shift", "tariff_check", "anomaly"}
    checks = Counter(k.check for c in cases for k in c.constraints)
    assert checks["savings_positive"] >= 3
    assert checks["soc_within_bounds"] >= 3
    assert checks["cites"] >= 5


def test_a_malformed_line_is_reported_with_its_number(tmp_path: Path):
    good = dataset_path("routing").read_text(encoding="utf-8").splitlines()[0]
    bad = good.replace('"expected_tool": "query_timeseries"', '"expected_tool": "send_email"')
    path = tmp_path / "routing.jsonl"
    path.write_text(f"{good}\n{bad}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_jsonl(path, RoutingCase)
    path.write_text(f"{good}\n{good}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate case ids"):
        load_jsonl(path, RoutingCase)
