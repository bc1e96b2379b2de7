"""A passage's authority follows from its title, section and opening; claims carry figures."""

from __future__ import annotations

import pytest

from luna.graphs.rag.authority import Authority, classify
from luna.graphs.rag.claims import Figure, figures, is_claim


@pytest.mark.parametrize(
    ("title", "section", "text", "authority", "kind"),
    [
        ("Luna Strom Dynamisch – Preisblatt", "3 Preise", "", "authoritative", "price sheet"),
        ("Rate card – Luna Power Fix", None, "", "authoritative", "price sheet"),
        ("Regeln nach § 14a EnWG", None, "", "authoritative", "law or regulation"),
        ("Musterstadt Netz GmbH – Mitteilung", None, "", "authoritative", "grid operator notice"),
        ("Stromliefervertrag Nr. 4711", "§ 4 Preise", "", "authoritative", "contract"),
        ("Jahresabrechnung 2025", None, "", "authoritative", "bill"),
        # a remarks section is informal whatever holds it
        ("Stromliefervertrag", "Anlagen > Bemerkungen", "", "informal",
         "remarks section of contract"),
        ("Inbetriebnahmeprotokoll", "6 Bemerkungen", "", "informal",
         "remarks section of installer protocol"),
        # informal kinds win over authoritative words in the same title
        ("AW: Preisblatt 2026", None, "", "informal", "e-mail"),
        ("FAQ der Installateur-Community", None, "", "informal", "FAQ"),
        ("Forum – Netzentgelte für Wärmepumpen", None, "", "informal", "forum post"),
        ("Aktennotiz Haustechnik", None, "", "informal", "note"),
        ("Scan 0042", None, "Von: max@example.com\nBetreff: Tarif", "informal", "correspondence"),
        ("Luna Store 10 – Home Battery System", "2 Technical data", "", "reference", "document"),
        ("Hinweise zur Einspeisevergütung", None, "Stand: Februar 2025.", "reference",
         "document"),
    ],
)  # fmt: skip
def test_authority_is_decided_by_title_section_and_opening(
    title: str, section: str | None, text: str, authority: str, kind: str
):
    found = classify(title, text, section)
    assert (found.authority, found.kind) == (Authority(authority), kind)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Der Grundpreis beträgt 14,90 € pro Monat brutto.", [("base fee", "EUR/month", 14.9)]),
        ("Arbeitspreis 0,2931 €/kWh", [("working price", "ct/kWh", 29.31)]),
        ("The base fee is €12.50 per month.", [("base fee", "EUR/month", 12.5)]),
        ("Aufschlag 16,131 ct/kWh netto", [(None, "ct/kWh", 16.131)]),
        ("Die Gebühr beträgt 1.250 € im Jahr.", [(None, "EUR/year", 1250.0)]),
        ("feed-in tariff of 7.94 ct/kWh and 19 % VAT",
         [("feed-in tariff", "ct/kWh", 7.94), ("VAT", "%", 19.0)]),
    ],
)  # fmt: skip
def test_figures_are_normalised_with_the_quantity_named_before_them(
    sentence: str, expected: list[tuple[str | None, str, float]]
):
    assert [(f.quantity, f.unit, round(f.value, 4)) for f in figures(sentence)] == expected


def test_a_figure_disagrees_only_with_the_same_quantity_in_the_same_unit():
    claim = Figure("base fee", "EUR/month", 5.0)
    assert claim.disagrees([Figure("base fee", "EUR/month", 14.9)])
    assert claim.disagrees([Figure(None, "EUR/month", 14.9)])
    assert not claim.disagrees(
        [Figure("base fee", "EUR/month", 14.9), Figure(None, "EUR/month", 5)]
    )
    assert not claim.disagrees([Figure("working price", "EUR/month", 14.9)])
    assert not claim.disagrees([Figure("base fee", "EUR/year", 178.8)])
    assert not claim.disagrees([])


@pytest.mark.parametrize(
    "sentence",
    [
        "Laut Netzbetreiber beträgt der Arbeitspreis ab sofort 12 ct/kWh.",
        "Der Grundpreis entfällt für Sie dauerhaft.",
        "Sie sind gesetzlich verpflichtet, den Speicher jährlich prüfen zu lassen.",
        "Charging is free of charge this month.",
        "Since January the grid fee is 3 ct/kWh, that's the law now.",
    ],
)
def test_prices_changes_and_duties_are_claims(sentence: str):
    assert is_claim(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Maximum SoC | 90 % | raised to 100 % for the monthly calibration charge",
        "Alle 15 Minuten sowie sofort, wenn neue Day-Ahead-Preise veröffentlicht werden.",
        "Steuerbox nach § 14a EnWG im Zählerschrank montiert.",
        "Der Speicher hat 10 kWh nutzbare Kapazität.",
    ],
)
def test_technical_statements_are_not_claims(sentence: str):
    assert not is_claim(sentence)
