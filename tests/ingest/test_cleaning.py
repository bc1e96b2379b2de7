"""Text cleaning, sentence splitting and structure heuristics."""

from __future__ import annotations

import pytest

from luna.ingest.cleaning import (
    clean_text,
    is_page_number,
    join_lines,
    repeated_lines,
    running_line_key,
)
from luna.ingest.sentences import split_sentences
from luna.ingest.structure import numbered_heading_level, strip_bullet


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["die Netz-", "entgelte"], "die Netzentgelte"),
        (["das Smart-Meter-", "Gateway"], "das Smart-Meter-Gateway"),
        (["Arbeits-", "und Grundpreis"], "Arbeits- und Grundpreis"),
        (["im Zeitraum 2025-", "2026"], "im Zeitraum 2025-2026"),
        (["Wärme-", "pumpe mit  Heiz-", "stab"], "Wärmepumpe mit Heizstab"),
    ],
)
def test_line_end_hyphenation_is_undone_only_inside_words(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined


def test_cleaning_composes_umlauts_and_keeps_units_and_symbols() -> None:
    decomposed = "Gru\u0308ndpreis Stra\u00dfe \ufb01x\u00ad 14,90\u00a0€ § 14a 8,21 ct/kWh  °C"
    assert clean_text(decomposed) == "Gründpreis Straße fix 14,90 € § 14a 8,21 ct/kWh °C"
    assert clean_text("a\r\n\r\n  b\x00  c ") == "a\nb c"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("7", True),
        ("- 7 -", True),
        ("Seite 2 von 3", True),
        ("Page 1 of 2", True),
        ("3/12", True),
        ("3 Preise", False),
        ("2025 war warm", False),
    ],
)
def test_page_number_lines_are_recognised(line: str, expected: bool) -> None:
    assert is_page_number(line) is expected


def test_running_lines_must_repeat_on_most_pages() -> None:
    pages = [["Luna GmbH · Preisblatt", "Seite 1"], ["Luna GmbH · Preisblatt", "Seite 2"], ["x"]]
    running = repeated_lines(pages)
    assert running_line_key("Luna GmbH · Preisblatt") in running
    assert running_line_key("Seite 9") in running  # page numbers differ only in digits
    assert running_line_key("x") not in running
    assert repeated_lines([["only page"]]) == set()


def test_sentences_split_at_ends_but_not_at_abbreviations_or_ordinals() -> None:
    text = (
        "Die Rechnung kommt bis zum 10. Werktag. Sie wird z. B. per SEPA eingezogen. "
        "Preise gem. Abs. 3 gelten ab 2025. See e.g. Modul 3! Fertig?"
    )
    assert split_sentences(text) == [
        "Die Rechnung kommt bis zum 10. Werktag.",
        "Sie wird z. B. per SEPA eingezogen.",
        "Preise gem. Abs. 3 gelten ab 2025.",
        "See e.g. Modul 3!",
        "Fertig?",
    ]
    typed = "Was hat der Strom von Samstag bis einschl. Pfingstmontag gekostet? insb. die WP"
    assert split_sentences(typed, typed=True) == [
        "Was hat der Strom von Samstag bis einschl. Pfingstmontag gekostet?",
        "insb. die WP",
    ]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("3 Preise", 1),
        ("3.1 Arbeitspreis", 2),
        ("1. Einleitung", 1),
        ("§ 51 Negative Preise", 1),
        ("2.1 Die Anmeldung erfolgt durch den Installateur.", None),
        ("10 kWh", None),
        ("3 | 0,75", None),
    ],
)
def test_numbered_heading_levels(text: str, level: int | None) -> None:
    assert numbered_heading_level(text) == level


def test_bullets_are_stripped_but_negative_numbers_are_not_bullets() -> None:
    assert strip_bullet("• Punkt") == (True, "Punkt")
    assert strip_bullet("a) Punkt") == (True, "Punkt")
    assert strip_bullet("-16 ct/kWh") == (False, "-16 ct/kWh")
    assert strip_bullet("*fett*") == (False, "*fett*")
