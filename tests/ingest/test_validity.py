"""Validity extraction: the date from which a document applies, its version and what it
supersedes, from realistic German and English headers, footers, letters and revision tables —
and no date where a document only mentions deadlines, birth dates or body dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from luna.ingest import Element, ParsedDocument, parse_document
from luna.ingest.validity import Validity, extract_validity, parse_date

BODY = (
    "Die Anmeldung einer steuerbaren Verbrauchseinrichtung erfolgt über das Installateurportal "
    "spätestens vier Wochen vor der geplanten Inbetriebnahme."
)


def doc(title: str, *elements: str | tuple[str, str] | tuple[str, str, str]) -> ParsedDocument:
    """A parsed document: plain strings are text elements, tuples (kind, text[, section])."""
    parsed = []
    for element in elements:
        if isinstance(element, str):
            parsed.append(Element("text", element))
        else:
            kind, text, *section = element
            parsed.append(Element(kind, text, section=section[0] if section else None))
    return ParsedDocument(title, "text/plain", None, [Element("title", title), *parsed])


def text_file(name: str, content: str) -> ParsedDocument:
    return parse_document(content.encode(), name)


CASES: list[tuple[str, ParsedDocument, dict[str, Any]]] = [
    (
        "de price sheet: gültig ab with a numeric date",
        doc(
            "Preisblatt Luna Strom Basis",
            "Preise gültig ab 01.01.2026 für Haushaltskunden im Netzgebiet der Musterstadt Netz.",
            BODY,
        ),
        {"valid_from": date(2026, 1, 1), "kind": "valid_from"},
    ),
    (
        "de: Gültig ab with a colon and a written month",
        doc("Allgemeine Preise", "Gültig ab: 1. Januar 2026", BODY),
        {
            "valid_from": date(2026, 1, 1),
            "kind": "valid_from",
            "evidence": "Gültig ab: 1. Januar 2026",
        },
    ),
    (
        "de: gültig für Lieferungen vom, outranking the Stand after it",
        doc(
            "Preisblatt Nordstrom Takt 2027",
            "Gültig für Lieferungen vom 01.01.2027 bis 31.12.2027. Stand: 14.11.2026.",
            BODY,
        ),
        {"valid_from": date(2027, 1, 1), "kind": "valid_from"},
    ),
    (
        "en: valid for deliveries from",
        doc("Price sheet Luna Power", "Valid for deliveries from 1 March 2027.", BODY),
        {"valid_from": date(2027, 3, 1), "kind": "valid_from"},
    ),
    (
        "en: valid from in the first paragraph",
        doc("Price sheet Luna Power Flex", "This price sheet is valid from 1 January 2026."),
        {"valid_from": date(2026, 1, 1), "kind": "valid_from"},
    ),
    (
        "en: effective with an ISO date, and what it supersedes",
        doc(
            "Grid connection policy", "Effective 2026-01-01 · Supersedes the policy of 1 July 2025"
        ),
        {
            "valid_from": date(2026, 1, 1),
            "kind": "valid_from",
            "supersedes": "policy of 1 July 2025",
        },
    ),
    (
        "de footer: Stand month/year at the end of the document",
        doc(
            "Hinweise zur Wallbox",
            BODY,
            BODY,
            BODY,
            BODY,
            BODY,
            BODY,
            BODY,
            BODY,
            "Luna Energie GmbH · Stand: 03/2026",
        ),
        {"valid_from": date(2026, 3, 1), "kind": "as_of", "evidence": "Stand: 03/2026"},
    ),
    (
        "de: Stand with a month name is the first of that month",
        doc("FAQ Wärmepumpe", "Stand: März 2026", BODY),
        {"valid_from": date(2026, 3, 1), "kind": "as_of"},
    ),
    (
        "en: as of month and year",
        doc("Customer FAQ", "As of March 2026. Answers to the most common questions."),
        {"valid_from": date(2026, 3, 1), "kind": "as_of"},
    ),
    (
        "de manual: a version without a date",
        doc("Luna Therm LW 9", "Installationsanleitung, Version 2.1", BODY),
        {"valid_from": None, "version": "2.1", "kind": "version"},
    ),
    (
        "en: v2 in the title",
        doc("Privacy policy v2", "How we process your data."),
        {"valid_from": None, "version": "2", "kind": "version"},
    ),
    (
        "en: Revision number beside a Stand date",
        doc("Operating instructions", "Revision 3 · Stand: 12.05.2026"),
        {"valid_from": date(2026, 5, 12), "version": "3", "kind": "as_of"},
    ),
    (
        "en: a dated revision letter",
        doc("Safety manual", "Revision C, 12 March 2026"),
        {"valid_from": date(2026, 3, 12), "version": "C", "kind": "revision"},
    ),
    (
        "de letter: place and date on a line of their own; the deadline is ignored",
        doc(
            "Ihr Netzanschluss",
            "Musterstadt Netz GmbH · Postfach 10 20 30 · 12345 Musterstadt",
            "Herrn\nMax Mustermann\nLindenweg 5\n12345 Musterstadt",
            "Musterstadt, 12.02.2026",
            "Bitte senden Sie uns die Unterlagen bis zum 15.03.2026 zurück.",
        ),
        {"valid_from": date(2026, 2, 12), "kind": "letter_date"},
    ),
    (
        "de letter: Datum field, not the date of the customer's own letter",
        doc(
            "Anpassung Ihres Abschlags",
            "Ihre Nachricht vom 03.02.2026\nKundennummer: 4711\nDatum: 12. Februar 2026",
        ),
        {"valid_from": date(2026, 2, 12), "kind": "letter_date"},
    ),
    (
        "en letter: Date field, not the date of birth",
        doc("Your contract", "Date of birth: 04.05.1971\nDate: 12 February 2026"),
        {"valid_from": date(2026, 2, 12), "kind": "letter_date"},
    ),
    (
        "de FAQ: Jahr 2025 in the title",
        doc("Häufige Fragen – Jahr 2025", "Wie melde ich meine Wärmepumpe an?"),
        {"valid_from": date(2025, 1, 1), "kind": "year"},
    ),
    (
        "en FAQ: 2025 edition in a heading",
        doc("Luna FAQ", ("title", "Questions and answers – 2025 edition"), "Q: ..."),
        {"valid_from": date(2025, 1, 1), "kind": "year"},
    ),
    (
        "de policy: new version supersedes the old one; the old number and date are not taken",
        doc(
            "Richtlinie Homeoffice",
            "Version 3 – gültig ab 01.04.2026. Diese Fassung ersetzt Version 2 vom 01.09.2024.",
        ),
        {
            "valid_from": date(2026, 4, 1),
            "version": "3",
            "kind": "valid_from",
            "supersedes": "Version 2 vom 01.09.2024",
        },
    ),
    (
        "en policy: supersedes in parentheses before the effective date",
        doc(
            "Travel policy",
            "Version 2.0 (supersedes version 1.3 of 12 May 2025)",
            "Effective: 1 June 2026",
        ),
        {
            "valid_from": date(2026, 6, 1),
            "version": "2.0",
            "kind": "valid_from",
            "supersedes": "version 1.3 of 12 May 2025",
        },
    ),
    (
        "de: Stand at the top wins over a gilt-ab date deep in the body",
        doc(
            "Hinweise zur Einspeisevergütung",
            "Stand: Februar 2025. Diese Hinweise ersetzen keine Rechtsberatung.",
            *[BODY] * 9,
            "Für Anlagen ab 100 kWp gilt ab 01.08.2025 die Direktvermarktungspflicht.",
            BODY,
        ),
        {"valid_from": date(2025, 2, 1), "kind": "as_of", "supersedes": None},
    ),
    (
        "de manual: Version 1.4 (2025) gives the year and the version",
        doc("Luna Therm LW 9", "Auszug aus der Bedienungsanleitung, Version 1.4 (2025)"),
        {"valid_from": date(2025, 1, 1), "version": "1.4", "kind": "year"},
    ),
]

NOTHING: list[tuple[str, ParsedDocument]] = [
    ("a manual without any date", doc("Sicherheitshinweise", BODY, "Nur Elektrofachkräfte.")),
    (
        "deadlines, birth and due dates are no validity",
        doc(
            "Anmeldung",
            "Bitte melden Sie die Anlage bis zum 15.03.2026 an. Geburtsdatum: 12.03.1980.",
            "Due date: 01.04.2026",
        ),
    ),
    (
        "a price table with a date column is no revision history",
        doc(
            "Preise",
            ("table", "Datum | Preis ct/kWh\n01.01.2026 | 27,4\n01.02.2026 | 28,1"),
        ),
    ),
    ("a law's year in the title is not the document's", doc("Hinweise zum EEG 2023", BODY)),
    (
        "a firmware version is not the document's",
        doc("Update-Hinweise", "Benötigt Firmware-Version 3.2 oder neuer."),
    ),
    ("the end of a validity is not its start", doc("Preisgarantie", "Gültig bis 31.12.2026.")),
    ("an impossible date", doc("Preisblatt", "Gültig ab 31.02.2026")),
]


@pytest.mark.parametrize(("name", "document", "expected"), CASES, ids=[c[0] for c in CASES])
def test_header_footer_and_letter_snippets_give_the_documents_validity(
    name: str, document: ParsedDocument, expected: dict[str, Any]
):
    validity = extract_validity(document)
    for field, value in expected.items():
        if field == "evidence":
            assert validity.evidence is not None
            assert value in validity.evidence, (name, validity)
        else:
            assert getattr(validity, field) == value, (name, field, validity)
    if "version" not in expected:
        assert validity.version is None, validity


@pytest.mark.parametrize(("name", "document"), NOTHING, ids=[c[0] for c in NOTHING])
def test_documents_without_a_validity_cue_give_none(name: str, document: ParsedDocument):
    assert extract_validity(document) == Validity(), name


def test_revision_table_gives_the_latest_rows_version_and_date_in_any_row_order():
    document = text_file(
        "richtlinie.md",
        "# Richtlinie Dienstwagen\n\nRegeln für die Nutzung.\n\n## Änderungshistorie\n\n"
        "| Version | Datum | Änderung |\n|---|---|---|\n"
        "| 1.0 | 01.07.2025 | Erstausgabe |\n"
        "| 2.0 | 15.03.2026 | Neue Ladekarte |\n"
        "| 1.1 | 01.10.2025 | Korrektur |\n",
    )
    validity = extract_validity(document)
    assert (validity.valid_from, validity.version, validity.kind) == (
        date(2026, 3, 15),
        "2.0",
        "revision",
    )
    assert validity.evidence == "2.0 | 15.03.2026 | Neue Ladekarte"


def test_revision_table_prefers_the_effective_date_column_over_the_release_date():
    document = doc(
        "Grid code",
        (
            "table",
            "Rev. | Date | Effective date | Description\nA | 2025-05-02 | 2025-07-01 | First\n"
            "B | 2026-02-10 | 2026-04-01 | Module 3",
        ),
    )
    validity = extract_validity(document)
    assert (validity.valid_from, validity.version, validity.kind) == (
        date(2026, 4, 1),
        "B",
        "revision",
    )


def test_revision_history_as_a_list_under_its_heading():
    document = doc(
        "Data policy",
        ("title", "Revision history", "Revision history"),
        ("list_item", "v1 – 1 March 2025 – first issue", "Revision history"),
        ("list_item", "v2 – 1 March 2026 – retention shortened", "Revision history"),
    )
    validity = extract_validity(document)
    assert (validity.valid_from, validity.version) == (date(2026, 3, 1), "2")


def test_a_valid_from_date_outranks_the_revision_table_date_but_keeps_its_version():
    document = doc(
        "Richtlinie Reisekosten",
        "Gültig ab 01.04.2026",
        ("table", "Version | Datum | Änderung\n2.1 | 15.03.2026 | Pauschalen"),
    )
    validity = extract_validity(document)
    assert (validity.valid_from, validity.version, validity.kind) == (
        date(2026, 4, 1),
        "2.1",
        "valid_from",
    )


def test_plain_text_letter_parsed_from_bytes():
    document = text_file(
        "schreiben.txt",
        "Musterstadt Netz GmbH\nPostfach 10 20 30\n12345 Musterstadt\n\n"
        "Frankfurt am Main, den 12. Februar 2026\n\n"
        "Betreff: Umstellung auf Modul 3\n\nSehr geehrte Damen und Herren,\n\n"
        "bitte melden Sie Ihre Wärmepumpe bis zum 31.03.2026 an.\n",
    )
    validity = extract_validity(document)
    assert (validity.valid_from, validity.kind) == (date(2026, 2, 12), "letter_date")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.01.2026", date(2026, 1, 1)),
        ("1. 1. 26", date(2026, 1, 1)),
        ("2026-03-01", date(2026, 3, 1)),
        ("12 February 2026", date(2026, 2, 12)),
        ("February 12th, 2026", date(2026, 2, 12)),
        ("1. Jan. 2026", date(2026, 1, 1)),
        ("März 2026", date(2026, 3, 1)),
        ("03/2026", date(2026, 3, 1)),
        ("2026-03", date(2026, 3, 1)),
        ("31.02.2026", None),
        ("13/2026", None),
        ("01.01.1850", None),
    ],
)
def test_dates_in_german_and_english_month_only_is_the_first(text: str, expected: date | None):
    assert parse_date(text) == expected


def test_sample_knowledge_base_validities(parsed_samples: dict[str, ParsedDocument]):
    found = {name: extract_validity(d) for name, d in parsed_samples.items()}
    assert found["luna-strom-dynamisch-preisblatt.pdf"].valid_from == date(2025, 1, 1)
    assert found["luna-strom-dynamisch-preisblatt.pdf"].kind == "valid_from"
    assert found["netzbetreiber-14a-regeln.txt"].valid_from == date(2025, 1, 1)
    assert found["pv-einspeiseverguetung-hinweise.txt"].valid_from == date(2025, 2, 1)
    store = found["luna-store-10-manual-excerpt.pdf"]
    assert (store.valid_from, store.version) == (date(2025, 3, 1), "2.1")
    assert found["luna-therm-lw9-anleitung-auszug.docx"].version == "1.4"
    assert found["luna-iems-faq.md"] == Validity()  # the FAQ names no date


def test_a_document_control_table_gives_version_and_effective_date():
    # "Version | 1.0" and "Effective date | 2024-02-01": label and value in two cells
    document = doc(
        "Energy Management Policy",
        ("title", "Energy Management Policy"),
        "Vogt GmbH · Site Lindenbrück",
        ("table", "Document | EMP-01\nVersion | 1.0\nEffective date | 2024-02-01\nOwner | J. A."),
        ("title", "1 Purpose"),
        "This policy sets binding rules.",
    )
    validity = extract_validity(document)
    assert (validity.valid_from, validity.version, validity.kind) == (
        date(2024, 2, 1),
        "1.0",
        "valid_from",
    )
    german = doc("Richtlinie", ("table", "Fassung | 3\nGültig ab | 01.01.2026"), "Regeln.")
    assert extract_validity(german).valid_from == date(2026, 1, 1)
