"""The sample knowledge base parses with the right pages, sections and facts."""

from __future__ import annotations

from typing import Any

import pytest

from luna.ingest import ParsedDocument
from tests.ingest.conftest import SAMPLE_FILES

TARIFF = "luna-strom-dynamisch-preisblatt.pdf"
BATTERY = "luna-store-10-manual-excerpt.pdf"
HEAT_PUMP = "luna-therm-lw9-anleitung-auszug.docx"
GRID_RULES = "netzbetreiber-14a-regeln.txt"
FEED_IN = "pv-einspeiseverguetung-hinweise.txt"
FAQ = "luna-iems-faq.md"


def _elements_with(doc: ParsedDocument, needle: str) -> list[Any]:
    needle = " ".join(needle.split())
    return [e for e in doc.elements if needle in " ".join(e.text.split())]


def test_manifest_lists_every_sample_with_three_to_five_facts(manifest: dict[str, Any]) -> None:
    assert len(manifest["files"]) == 6
    for entry in manifest["files"]:
        assert entry["language"] in {"de", "en", "de+en"}
        assert 3 <= len(entry["facts"]) <= 5, entry["path"]


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_manifest_fact_is_found_in_its_section_and_page(
    name: str, manifest: dict[str, Any], parsed_samples: dict[str, ParsedDocument]
) -> None:
    entry = next(e for e in manifest["files"] if e["path"] == name)
    doc = parsed_samples[name]
    assert doc.title == entry["title"]
    for fact in entry["facts"]:
        hits = _elements_with(doc, fact["evidence"])
        assert hits, f"{fact['evidence']!r} not in {name}"
        located = [(e.section, e.page) for e in hits]
        assert (fact["section"], fact["page"]) in located, (fact, located)


def test_tariff_pdf_has_three_pages_and_the_working_price_on_page_two(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    doc = parsed_samples[TARIFF]
    assert doc.mime_type == "application/pdf"
    assert doc.pages == 3
    (table,) = _elements_with(doc, "Summe feste Aufschläge | 16,131 ct/kWh | 19,20 ct/kWh")
    assert table.kind == "table"
    assert table.page == 2
    assert table.section == "3 Preise > 3.1 Arbeitspreis"


def test_pdf_headings_become_title_elements_with_nested_paths(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    headings = [(e.text, e.section) for e in parsed_samples[TARIFF].elements if e.kind == "title"]
    assert headings[0] == ("Luna Strom Dynamisch – Preisblatt", None)  # the document title
    assert ("3 Preise", "3 Preise") in headings
    assert ("3.2 Grundpreis", "3 Preise > 3.2 Grundpreis") in headings
    assert ("5 Abrechnung", "5 Abrechnung") in headings


def test_a_section_continues_across_a_page_break(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    (body,) = _elements_with(parsed_samples[TARIFF], "um 60 % auf 3,28 ct/kWh")
    heading = next(e for e in parsed_samples[TARIFF].elements if e.text.startswith("4.3 Modul 2"))
    assert (heading.page, body.page) == (2, 3)
    assert body.section == heading.section


def test_pdf_running_headers_and_page_numbers_are_dropped(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    for name in (TARIFF, BATTERY):
        text = parsed_samples[name].text
        assert "Seite 1 von 3" not in text
        assert "Page 1 of 2" not in text
        assert "Stand 01.01.2025" not in text  # the running header of the tariff sheet
        assert "Installation and operating manual\n" not in text


def test_pdf_table_with_a_wrapped_cell_keeps_rows_together(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    (table,) = _elements_with(parsed_samples[TARIFF], "Tarifstufe | Zeitfenster")
    assert "Standardtarif (ST) | 06:00–17:00 und 21:00–24:00 Uhr | 8,21 ct/kWh" in table.text


def test_pdf_bullets_become_list_items(parsed_samples: dict[str, ParsedDocument]) -> None:
    items = [e.text for e in parsed_samples[BATTERY].elements if e.kind == "list_item"]
    assert "Install the unit indoors in a dry, frost-free room." in items
    assert any(i.startswith("Self-consumption (default)") and i.endswith("household load.")
               for i in items)  # fmt: skip


def test_umlauts_eszett_and_units_survive_every_format(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    expectations = {
        TARIFF: ["Änderungen", "Zählpunkt", "Börsenpreis", "§ 14a EnWG", "ct/kWh", "14,90 €"],
        HEAT_PUMP: ["Außentemperatur", "Wärmepumpe", "70 °C", "§ 14a EnWG"],
        GRID_RULES: ["Störung", "Gleichzeitigkeitsfaktor", "160,00 €"],
        FEED_IN: ["Einspeisevergütung", "§ 51 EEG", "7,94 ct/kWh"],
        FAQ: ["Häufige Fragen", "unterstützt", "180 €"],
    }
    for name, words in expectations.items():
        text = parsed_samples[name].text
        for word in words:
            assert word in text, (name, word)


def test_docx_heading_styles_give_sections_and_tables_rows(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    doc = parsed_samples[HEAT_PUMP]
    assert doc.pages is None
    (states,) = _elements_with(doc, "4 – Einschaltbefehl | 1 : 1")
    assert states.kind == "table"
    assert states.section == "2 SG-Ready-Schnittstelle > 2.2 Betriebszustände"
    assert states.text.splitlines()[0] == "Zustand | EVU1 : EVU2 | Verhalten"
    items = [e for e in doc.elements if e.kind == "list_item"]
    assert {e.section for e in items} == {
        "3 Mindestlaufzeiten und Pausen",
        "4 Steuerung nach § 14a EnWG > 4.1 Verhalten bei Dimmung",
    }


def test_docx_page_header_is_not_body_text(parsed_samples: dict[str, ParsedDocument]) -> None:
    assert "Installations- und Bedienungsanleitung" not in " ".join(
        e.text for e in parsed_samples[HEAT_PUMP].elements if e.kind != "text"
    )
    assert not _elements_with(parsed_samples[HEAT_PUMP], "Luna Therm LW 9 · Installations")


def test_plain_text_numbered_and_underlined_headings_give_sections(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    rules = parsed_samples[GRID_RULES]
    sections = {e.section for e in rules.elements if e.kind == "title"}
    assert "3 Mindestleistung bei Steuerung > 3.2 Mehrere Verbrauchseinrichtungen" in sections
    (table,) = [e for e in rules.elements if e.kind == "table"]
    assert table.text.splitlines()[:2] == ["Anzahl SteuVE | GZF", "2 | 0,80"]
    feed_in = parsed_samples[FEED_IN]
    assert [e.text for e in feed_in.elements if e.kind == "title"][1:] == [
        "Vergütungssätze",
        "Teileinspeisung und Volleinspeisung",
        "Direktvermarktung",
        "Negative Preise (§ 51 EEG)",
    ]


def test_markdown_single_h1_is_the_title_and_h2_the_top_level_sections(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    doc = parsed_samples[FAQ]
    assert doc.mime_type == "text/markdown"
    top_levels = {e.section.split(" > ")[0] for e in doc.elements if e.section}
    assert top_levels == {
        "Allgemein / General",
        "Optimierung / Optimisation",
        "Tarife / Tariffs",
        "Datenschutz / Privacy",
    }
    (table,) = [e for e in doc.elements if e.kind == "table"]
    assert "Price horizon | 36 h | day-ahead prices plus forecast" in table.text.splitlines()
