"""PDF tables as reportlab draws them: header and body cells that wrap, headings set apart from
values."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from luna.ingest import parse_document


def _pdf_table(
    header: list[str],
    rows: list[list[str]],
    valign: str,
    widths: list[int],
    wrap_rows: bool = False,
) -> str:
    """The text of the one table Luna's parser finds in a PDF holding this table; with
    ``wrap_rows`` the body cells are paragraphs too, wrapping within their column."""
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontName="Helvetica-Bold", fontSize=8.5, leading=10)
    body = styles["BodyText"].clone("body", fontSize=8.5, leading=10)
    cells = [[Paragraph(c, body) for c in row] for row in rows] if wrap_rows else rows
    table = Table([[Paragraph(h, cell) for h in header], *cells], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), valign),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("FONTSIZE", (0, 1), (-1, -1), 8.5),
                ("GRID", (0, 0), (-1, -1), 0.5, "grey"),
            ]
        )
    )
    buffer = io.BytesIO()
    intro = Paragraph("Die Speicher im Überblick, Stand März 2026.", styles["BodyText"])
    SimpleDocTemplate(buffer, pagesize=A4).build([intro, table])
    document = parse_document(buffer.getvalue(), "datenblatt.pdf")
    tables = [e.text for e in document.elements if e.kind == "table"]
    assert len(tables) == 1, [(e.kind, e.text) for e in document.elements]
    return tables[0]


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_header_cells_that_wrap_stay_one_header_row(valign: str):
    header = [
        "Modell",
        "Nutzbare Kapazität (kWh)",
        "Max. Lade- und Entladeleistung dauerhaft (kW)",
        "Empfohlene Absicherung",
        "Gewicht",
    ]
    rows = [
        ["KX 20", "19,2", "10", "3 × 20 A", "240 kg"],
        ["KX 40", "38,4", "20", "3 × 32 A", "455 kg"],
    ]
    text = _pdf_table(header, rows, valign, [50, 80, 90, 90, 60])
    assert text.splitlines() == [
        " | ".join(header),
        "KX 20 | 19,2 | 10 | 3 × 20 A | 240 kg",
        "KX 40 | 38,4 | 20 | 3 × 32 A | 455 kg",
    ]


def test_a_heading_left_of_right_aligned_values_is_their_column():
    header = ["Stichtag", "Vertragsjahr", "Kaufpreis (EUR, netto)"]
    rows = [["31.08.2031", "8", "61.200"], ["31.08.2033", "10", "48.500"]]
    text = _pdf_table(header, rows, "TOP", [90, 140, 120])
    assert text.splitlines() == [
        "Stichtag | Vertragsjahr | Kaufpreis (EUR, netto)",
        "31.08.2031 | 8 | 61.200",
        "31.08.2033 | 10 | 48.500",
    ]


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_body_cells_that_wrap_stay_one_row(valign: str):
    # a tariff's rows: the label and the time window wrap, the unit and prices do not
    header = ["Preisbestandteil", "Zeitfenster", "Einheit", "netto", "brutto"]
    rows = [
        ["Arbeitspreis Hochtarif (HT)", "Mo–Fr 07:00–20:00 Uhr", "ct/kWh", "21,30", "25,35"],
        [
            "Arbeitspreis Niedertarif (NT)",
            "Mo–Fr 20:00–07:00 Uhr, Sa, So und gesetzliche Feiertage ganztägig",
            "ct/kWh",
            "16,10",
            "19,16",
        ],
        ["Grundpreis", "–", "€/Monat", "64,00", "76,16"],
        [
            "Leistungspreis",
            "Jahreshöchstleistung (15-min-Mittelwert)",
            "€/kW/Jahr",
            "96,50",
            "114,84",
        ],
    ]
    text = _pdf_table(header, rows, valign, [95, 120, 55, 45, 45], wrap_rows=True)
    assert text.splitlines() == [" | ".join(row) for row in [header, *rows]]
