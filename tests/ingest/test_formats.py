"""Plain text, Markdown and HTML parsing on small inline documents."""

from __future__ import annotations

from luna.ingest import parse_document


def _kinds(
    doc_text: bytes, name: str, mime: str | None = None
) -> list[tuple[str, str, str | None]]:
    doc = parse_document(doc_text, name, mime)
    return [(e.kind, e.text, e.section) for e in doc.elements]


def test_plain_text_reflows_paragraphs_and_keeps_list_items() -> None:
    text = (
        b"Hinweise\n\n1 Allgemeines\n\nDer Preis gilt ab\nsofort und bis auf Weiteres.\n"
        b"- erster Punkt\n- zweiter Punkt, der\n  umbricht\n"
    )
    assert _kinds(text, "a.txt") == [
        ("title", "Hinweise", None),
        ("title", "1 Allgemeines", "1 Allgemeines"),
        ("text", "Der Preis gilt ab sofort und bis auf Weiteres.", "1 Allgemeines"),
        ("list_item", "erster Punkt", "1 Allgemeines"),
        ("list_item", "zweiter Punkt, der umbricht", "1 Allgemeines"),
    ]


def test_plain_text_table_ruled_with_dashes_keeps_its_header_row() -> None:
    """A rule under a fixed-width table's header (and one closing it) frames the table: the
    header is the table's first row, not a heading underlined, and the last row no heading."""
    text = (
        b"Messwerte\n=========\n\n"
        b"Monat       Verbrauch kWh   Spitzenlast kW\n"
        b"------------------------------------------\n"
        b"Jan 2025          38.420           168,2\n"
        b"Feb 2025          36.905           171,6\n"
        b"------------------------------------------\n\n"
        b"Zwischentitel\n-------------\n\nText.\n"
    )
    assert _kinds(text, "notiz.txt") == [
        ("title", "Messwerte", None),
        (
            "table",
            "Monat | Verbrauch kWh | Spitzenlast kW\n"
            "Jan 2025 | 38.420 | 168,2\n"
            "Feb 2025 | 36.905 | 171,6",
            None,
        ),
        ("title", "Zwischentitel", "Zwischentitel"),
        ("text", "Text.", "Zwischentitel"),
    ]


def test_plain_text_table_ruled_per_column_keeps_its_header_row_and_drops_the_rule() -> None:
    text = (
        b"Register\n\n"
        b"Adresse  Name              Einheit  Faktor\n"
        b"-------  ----------------  -------  ------\n"
        b"40210    Ladeleistung max  kW       0.01\n"
        b"40211    Entladegrenze     %        1\n"
    )
    assert _kinds(text, "register.txt")[1] == (
        "table",
        "Adresse | Name | Einheit | Faktor\n"
        "40210 | Ladeleistung max | kW | 0.01\n"
        "40211 | Entladegrenze | % | 1",
        None,
    )


def test_numbered_heading_in_capitals_over_its_text_is_a_heading_not_an_item() -> None:
    text = (
        b"3. EINWEISUNG\nKunde eingewiesen in App und Not-Aus.\n\n"
        b"1. Erster Schritt\n2. Zweiter Schritt\n"
    )
    assert _kinds(text, "protokoll.txt") == [
        ("title", "3. EINWEISUNG", "3. EINWEISUNG"),
        ("text", "Kunde eingewiesen in App und Not-Aus.", "3. EINWEISUNG"),
        ("list_item", "Erster Schritt", "3. EINWEISUNG"),
        ("list_item", "Zweiter Schritt", "3. EINWEISUNG"),
    ]


def test_plain_text_in_windows_1252_keeps_umlauts() -> None:
    doc = parse_document("Grundgebühr: 14,90 € für Größe ß\n".encode("cp1252"), "alt.txt")
    assert doc.elements[-1].text == "Grundgebühr: 14,90 € für Größe ß"


def test_form_feeds_are_pages_and_repeated_footers_are_dropped() -> None:
    bodies = ["Erster Absatz\nüber zwei Zeilen.", "Zweiter Absatz\nmit Text.", "Dritter Absatz."]
    pages = [
        f"Luna GmbH · Preisblatt\n\n{body}\n\nNoch ein Satz {n}.\n\nLuna GmbH · Vertraulich\n"
        f"Seite {n} von 3"
        for n, body in enumerate(bodies, start=1)
    ]
    doc = parse_document("\f".join(pages).encode(), "paged.txt")
    assert doc.pages == 3
    assert [(e.text, e.page) for e in doc.elements] == [
        ("Erster Absatz über zwei Zeilen.", 1),
        ("Noch ein Satz 1.", 1),
        ("Zweiter Absatz mit Text.", 2),
        ("Noch ein Satz 2.", 2),
        ("Dritter Absatz.", 3),
        ("Noch ein Satz 3.", 3),
    ]


def test_markdown_nested_headings_lists_tables_and_code() -> None:
    markdown = (
        b"# Titel\n\nIntro mit **fett** und [Link](http://x).\n\n## A\n\n### A1\n\n"
        b"- eins\n- zwei\n\n| k | v |\n|---|---|\n| x | 1 |\n\n```\ncode()\n```\n\n## B\n\nEnde\n"
    )
    assert _kinds(markdown, "f.md") == [
        ("title", "Titel", None),
        ("text", "Intro mit fett und Link.", None),
        ("title", "A", "A"),
        ("title", "A1", "A > A1"),
        ("list_item", "eins", "A > A1"),
        ("list_item", "zwei", "A > A1"),
        ("table", "k | v\nx | 1", "A > A1"),
        ("text", "code()", "A > A1"),
        ("title", "B", "B"),
        ("text", "Ende", "B"),
    ]


def test_html_headings_paragraphs_items_and_tables_without_scripts() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>Seite</title><script>alert(1)</script></head><body>"
        "<h1>Preise</h1><p>Der Grundpreis beträgt <b>14,90&nbsp;€</b>.</p>"
        "<ul><li>Modul 1</li><li>Modul 2</li></ul>"
        "<table><tr><th>Stufe</th><th>ct/kWh</th></tr><tr><td>NT</td><td>1,64</td></tr></table>"
        "</body></html>"
    ).encode()
    doc = parse_document(html, "seite.bin", None)
    assert doc.mime_type == "text/html"
    assert doc.title == "Seite"
    assert [(e.kind, e.text, e.section) for e in doc.elements] == [
        ("title", "Preise", "Preise"),
        ("text", "Der Grundpreis beträgt 14,90 €.", "Preise"),
        ("list_item", "Modul 1", "Preise"),
        ("list_item", "Modul 2", "Preise"),
        ("table", "Stufe | ct/kWh\nNT | 1,64", "Preise"),
    ]


def test_a_protocols_underlined_sections_keep_their_headings_and_labelled_values() -> None:
    """An installer's protocol (invented figures): a numbered heading underlined with dashes over
    aligned "Label:  value" lines, and a section whose labels are too long to align. The dashes
    are the heading's, not a table's edge; each unaligned "Label: value" line stays a statement
    of its own instead of one paragraph that a sentence split cuts at "Max."."""
    text = (
        "PRÜFPROTOKOLL SPEICHER\n\n"
        "1. Kenndaten\n------------\n"
        "Nennkapazität:            215,0 kWh\n"
        "Max. Entladeleistung:     100 kW\n\n"
        "2. Betriebsart\n--------------\n"
        "Betriebsmodus: Eigenverbrauch\n"
        "Max. Ladeleistung aus dem Netz: 40 kW (nur nachts)\n"
    ).encode()
    assert _kinds(text, "protokoll.txt")[1:] == [
        ("title", "1. Kenndaten", "1. Kenndaten"),
        ("table", "Nennkapazität: | 215,0 kWh\nMax. Entladeleistung: | 100 kW", "1. Kenndaten"),
        ("title", "2. Betriebsart", "2. Betriebsart"),
        ("text", "Betriebsmodus: Eigenverbrauch", "2. Betriebsart"),
        ("text", "Max. Ladeleistung aus dem Netz: 40 kW (nur nachts)", "2. Betriebsart"),
    ]
