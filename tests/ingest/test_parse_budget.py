"""The parse budget: element counts and wall time bounded inside the parsers, each refusal
naming the setting to raise (a 1 MB DOCX of empty paragraphs once took 79 s and 650 MB)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from luna.ingest import ParseBudgetExceededError, ParseLimits, parse_document
from luna.ingest.budget import ELEMENTS_LIMIT, SECONDS_LIMIT, XML_ELEMENTS_LIMIT
from tests.ingest.padded_docx import padded_docx

KNOWLEDGE = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
SAMPLE_DOCX = KNOWLEDGE / "luna-therm-lw9-anleitung-auszug.docx"
SAMPLE_PDF = KNOWLEDGE / "luna-store-10-manual-excerpt.pdf"


def test_docx_of_200k_empty_paragraphs_is_refused_quickly_naming_the_paragraph_limit() -> None:
    data = padded_docx(200_000)
    assert len(data) < 2 * 1024 * 1024  # small on disk: the size limits let it through
    started = time.perf_counter()
    with pytest.raises(ParseBudgetExceededError) as refused:
        parse_document(data, "leer.docx")
    elapsed = time.perf_counter() - started
    print(f"\n200,000 empty paragraphs ({len(data):,} bytes) refused in {elapsed:.3f} s")
    assert refused.value.limit == ELEMENTS_LIMIT
    assert refused.value.code == "over_budget"
    assert ELEMENTS_LIMIT in str(refused.value)
    assert "leer.docx" in str(refused.value)
    assert elapsed < 30


def test_docx_under_the_paragraph_limit_still_parses() -> None:
    document = parse_document(padded_docx(2_000), "ok.docx", limits=ParseLimits(max_elements=5_000))
    assert document.text == "Preisblatt"


def test_docx_of_many_empty_runs_is_refused_by_the_xml_element_limit() -> None:
    """One paragraph holding 50,000 empty runs: few paragraphs, many XML elements."""
    data = padded_docx(1, empty='<w:p w:rsidR="{rsid}">' + "<w:r/>" * 50_000 + "</w:p>")
    with pytest.raises(ParseBudgetExceededError) as refused:
        parse_document(data, "runs.docx", limits=ParseLimits(max_xml_elements=20_000))
    assert refused.value.limit == XML_ELEMENTS_LIMIT


@pytest.mark.parametrize("path", [SAMPLE_DOCX, SAMPLE_PDF], ids=["docx", "pdf"])
def test_the_clock_is_checked_inside_the_parser(path: Path) -> None:
    with pytest.raises(ParseBudgetExceededError) as refused:
        parse_document(path.read_bytes(), path.name, limits=ParseLimits(max_parse_seconds=1e-9))
    assert refused.value.limit == SECONDS_LIMIT
    assert SECONDS_LIMIT in str(refused.value)


def test_pdf_text_lines_count_against_the_element_limit() -> None:
    data = SAMPLE_PDF.read_bytes()
    assert parse_document(data, SAMPLE_PDF.name).elements  # fits the default budget
    with pytest.raises(ParseBudgetExceededError) as refused:
        parse_document(data, SAMPLE_PDF.name, limits=ParseLimits(max_elements=5))
    assert refused.value.limit == ELEMENTS_LIMIT
    assert "text lines" in str(refused.value)
