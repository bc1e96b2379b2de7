"""Chunking keeps budgets, overlap, section boundaries and order, deterministically."""

from __future__ import annotations

import itertools

import pytest

from luna.ingest import Chunk, Element, ParsedDocument, approx_token_count, chunk_elements
from luna.ingest.model import SECTION_SEPARATOR
from tests.ingest.conftest import SAMPLE_FILES

BUDGETS = [(300, 50), (120, 30), (60, 15)]


def _word_count(text: str) -> int:
    return len(text.split())


def _top(section: str | None) -> str | None:
    return section.split(SECTION_SEPARATOR)[0] if section else None


@pytest.mark.parametrize("name", SAMPLE_FILES)
@pytest.mark.parametrize(("max_tokens", "overlap"), BUDGETS)
def test_sample_chunks_respect_budget_order_and_heading_line(
    name: str, max_tokens: int, overlap: int, parsed_samples: dict[str, ParsedDocument]
) -> None:
    doc = parsed_samples[name]
    chunks = chunk_elements(doc, max_tokens=max_tokens, overlap_tokens=overlap)
    assert chunks
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.token_count == approx_token_count(chunk.text) <= max_tokens
        # the heading path, shortened from the left only when it would eat the budget
        heading = chunk.text.splitlines()[0]
        assert (chunk.section or doc.title).endswith(heading)
        if max_tokens >= 120:
            assert heading == (chunk.section or doc.title)
        assert all(_top(s) == _top(chunk.section) for s in chunk.metadata["sections"])


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_body_element_lands_in_some_chunk(
    name: str, parsed_samples: dict[str, ParsedDocument]
) -> None:
    doc = parsed_samples[name]
    chunks = chunk_elements(doc, max_tokens=60, overlap_tokens=15)
    texts = " ".join(" ".join(c.text.split()) for c in chunks)
    for element in doc.elements:
        for word in element.text.split():
            assert word in texts, (name, word)


def test_chunk_order_follows_the_document(parsed_samples: dict[str, ParsedDocument]) -> None:
    doc = parsed_samples["luna-strom-dynamisch-preisblatt.pdf"]
    chunks = chunk_elements(doc, max_tokens=120, overlap_tokens=30)
    pages = [c.page for c in chunks]
    assert pages == sorted(pages)  # type: ignore[type-var]
    assert chunks[0].section is None
    assert chunks[-1].section == "6 Beispielrechnung"


def test_chunking_is_deterministic(parsed_samples: dict[str, ParsedDocument]) -> None:
    doc = parsed_samples["netzbetreiber-14a-regeln.txt"]
    first = chunk_elements(doc, max_tokens=80, overlap_tokens=20)
    second = chunk_elements(doc, max_tokens=80, overlap_tokens=20)
    assert first == second


def _long_section_doc(sentences: int = 40) -> ParsedDocument:
    body = " ".join(
        f"Satz {i} beschreibt die Regel Nummer {i} für steuerbare Verbraucher."
        for i in range(sentences)
    )
    return ParsedDocument(
        "Regeln",
        "text/plain",
        None,
        [
            Element("title", "1 Regeln", None, "1 Regeln"),
            Element("text", body, None, "1 Regeln"),
            Element("title", "2 Anhang", None, "2 Anhang"),
            Element("text", "Kurzer Anhang.", None, "2 Anhang"),
        ],
    )


def test_consecutive_chunks_of_a_split_section_overlap_within_the_limit() -> None:
    chunks = chunk_elements(_long_section_doc(), max_tokens=80, overlap_tokens=20)
    rules = [c for c in chunks if c.section == "1 Regeln"]
    assert len(rules) > 2
    for previous, current in itertools.pairwise(rules):
        assert current.metadata["continued"] is True
        assert 0 < current.metadata["overlap_tokens"] <= 20
        body_prev = previous.text.split("\n", 1)[1]
        body_next = current.text.split("\n", 1)[1]
        first_sentence = body_next.split(". ")[0]
        assert first_sentence in body_prev  # the next chunk starts with the previous one's end


def test_zero_overlap_repeats_nothing() -> None:
    chunks = chunk_elements(_long_section_doc(), max_tokens=80, overlap_tokens=0)
    bodies = [c.text.split("\n", 1)[1] for c in chunks if c.section == "1 Regeln"]
    words = " ".join(bodies).split()
    assert len(words) == len(_long_section_doc().elements[1].text.split())


def test_top_level_sections_are_never_merged_even_when_small() -> None:
    chunks = chunk_elements(_long_section_doc(sentences=1), max_tokens=300)
    assert [c.section for c in chunks] == ["1 Regeln", "2 Anhang"]


def test_small_subsections_of_one_top_level_section_are_packed_with_their_headings() -> None:
    doc = ParsedDocument(
        "Tarif",
        "text/markdown",
        None,
        [
            Element("text", "Preise im Überblick.", None, "3 Preise"),
            Element("title", "3.1 Arbeitspreis", None, "3 Preise > 3.1 Arbeitspreis"),
            Element("text", "Day-Ahead plus 16,131 ct/kWh.", None, "3 Preise > 3.1 Arbeitspreis"),
            Element("title", "3.2 Grundpreis", None, "3 Preise > 3.2 Grundpreis"),
            Element("text", "14,90 € pro Monat.", None, "3 Preise > 3.2 Grundpreis"),
        ],
    )
    (chunk,) = chunk_elements(doc, max_tokens=300)
    assert chunk.section == "3 Preise"
    assert chunk.text.splitlines() == [
        "3 Preise",
        "Preise im Überblick.",
        "3.1 Arbeitspreis",
        "Day-Ahead plus 16,131 ct/kWh.",
        "3.2 Grundpreis",
        "14,90 € pro Monat.",
    ]
    assert chunk.metadata["sections"] == [
        "3 Preise",
        "3 Preise > 3.1 Arbeitspreis",
        "3 Preise > 3.2 Grundpreis",
    ]
    unmerged = chunk_elements(doc, max_tokens=300, merge_sections=False)
    assert [c.section for c in unmerged] == [
        "3 Preise",
        "3 Preise > 3.1 Arbeitspreis",
        "3 Preise > 3.2 Grundpreis",
    ]


def _table_doc(rows: int) -> ParsedDocument:
    table = "\n".join(
        ["Register | Name | Einheit"] + [f"{40000 + i} | Wert {i} | W" for i in range(rows)]
    )
    return ParsedDocument("M", "application/pdf", 1, [Element("table", table, 1, "5 Modbus")])


def test_a_table_that_fits_stays_whole() -> None:
    (chunk,) = chunk_elements(_table_doc(5), max_tokens=300)
    assert chunk.text.splitlines()[1:] == _table_doc(5).elements[0].text.splitlines()


def test_a_large_table_is_split_by_rows_repeating_its_header() -> None:
    chunks = chunk_elements(_table_doc(60), max_tokens=80, overlap_tokens=10)
    assert len(chunks) > 1
    rows: list[str] = []
    for chunk in chunks:
        lines = chunk.text.splitlines()
        assert lines[:2] == ["5 Modbus", "Register | Name | Einheit"]
        assert chunk.token_count <= 80
        rows.extend(lines[2:])
    assert rows == _table_doc(60).elements[0].text.splitlines()[1:]  # no row lost or repeated


def test_a_sentence_longer_than_the_budget_is_cut_at_words() -> None:
    words = " ".join(f"Wort{i}" for i in range(200))
    doc = ParsedDocument("T", "text/plain", None, [Element("text", words, None, None)])
    chunks = chunk_elements(doc, max_tokens=40, overlap_tokens=0, count_tokens=_word_count)
    assert all(c.token_count <= 40 for c in chunks)
    assert " ".join(c.text.split("\n", 1)[1] for c in chunks) == words


def test_a_custom_token_counter_sets_the_budget() -> None:
    chunks = chunk_elements(_long_section_doc(), max_tokens=50, overlap_tokens=10,
                            count_tokens=_word_count)  # fmt: skip
    assert all(isinstance(c, Chunk) and _word_count(c.text) <= 50 for c in chunks)
    assert all(c.token_count == _word_count(c.text) for c in chunks)


def test_headings_only_document_still_yields_chunks() -> None:
    doc = ParsedDocument("T", "text/plain", None, [Element("title", "Nur Titel", None, None)])
    assert [c.text for c in chunk_elements(doc)] == ["T\nNur Titel"]


def test_page_is_where_the_chunks_own_text_starts() -> None:
    doc = ParsedDocument(
        "T",
        "application/pdf",
        2,
        [Element("text", "Seite eins.", 1, "A"), Element("text", "Seite zwei.", 2, "A")],
    )
    (chunk,) = chunk_elements(doc)
    assert (chunk.page, chunk.metadata["page_end"]) == (1, 2)


@pytest.mark.parametrize(("max_tokens", "overlap"), [(10, 0), (100, 60), (100, -1)])
def test_invalid_budgets_are_rejected(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="tokens"):
        chunk_elements(_long_section_doc(), max_tokens=max_tokens, overlap_tokens=overlap)
