"""Yes/no questions a source answers with an outright "no" are answered by code
(luna.graphs.rag.denials), on phrasings and documents of this test's own."""

from __future__ import annotations

import pytest

from luna.graphs.rag.denials import asks_yes_no, denial

SHEET = {
    "n": 1,
    "title": "SonnenStrom Basis – Preisblatt 2026",
    "section": "5 Vertrag",
    "text": "5 Vertrag\nDer Tarif läuft zwölf Monate. Eine Preisgarantie wird nicht gewährt. "
    "Eine Kaution wird nicht erhoben. Die Abschläge sind nicht höher als 150 € im Monat.",
}
LETTER = {
    "n": 2,
    "title": "Bestätigung Ihrer Anmeldung",
    "text": "Ihre Wallbox ist angemeldet.\nDie Reduzierung des Netzentgelts wird über Ihren "
    "Lieferanten verrechnet; wir zahlen nichts an Sie aus, und eine Erstattung durch uns erfolgt "
    "nicht.",
}
MANUAL = {
    "n": 3,
    "title": "HeatCore 9 – Installation manual",
    "section": "2 Safety",
    "text": "2 Safety\nThe unit is not suitable for outdoor installation. A residual current "
    "device is not required if the circuit already has one.",
}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Gibt es eine Preisgarantie?", True),
        ("Erstattet der Netzbetreiber mir die Reduzierung?", True),
        ("Is the HeatCore 9 suitable for outdoor installation?", True),
        ("Wie hoch ist der Grundpreis?", False),  # an open question
        ("Gilt der Preis ab März oder ab April?", False),  # two alternatives
        ("Gibt es eine Kaution, und wie hoch ist sie?", False),  # asks more than yes or no
        ("Does the export limit comply with the requirement of the grid operator?", False),
    ],
)
def test_what_counts_as_a_yes_no_question(question: str, expected: bool):
    assert asks_yes_no(question) is expected


def test_a_stated_no_answers_with_its_sentence_and_source():
    found = denial("Gibt es bei SonnenStrom Basis eine Preisgarantie?", [SHEET, LETTER])
    assert found is not None
    assert found.source == 1
    answer = found.render("de")
    assert answer.startswith("Nein.")
    assert "Eine Preisgarantie wird nicht gewährt" in answer
    assert answer.endswith("[1]")
    # The action the question names, in other words in the source ("erstattet" ~ Erstattung,
    # "überweist" ~ "zahlen … aus"), with another of its words in the sentence.
    refund = denial("Überweist mir der Netzbetreiber die Reduzierung des Netzentgelts?", [LETTER])
    assert refund is not None
    assert "Lieferanten verrechnet" in refund.sentence
    outdoor = denial("Is the HeatCore 9 suitable for outdoor installation?", [MANUAL])
    assert outdoor is not None
    assert outdoor.render("en").startswith("No. According to HeatCore 9 – Installation manual:")


def test_no_answer_without_a_plain_denial_of_the_thing_asked():
    # a bound is no denial ("nicht höher als 150 €")
    assert denial("Sind die Abschläge höher als 100 €?", [SHEET]) is None
    # a condition is no denial ("not required if …")
    assert denial("Is a residual current device required?", [MANUAL]) is None
    # nothing about the thing asked
    assert denial("Gibt es einen Bonus für Neukunden?", [SHEET, LETTER]) is None
    # an open question is left to the model even where a source denies something
    assert denial("Welche Kaution wird erhoben?", [SHEET]) is None


def test_informal_sources_and_contradicting_sources_give_no_answer():
    faq = SHEET | {"n": 4, "title": "Häufige Fragen (FAQ) 2025", "section": None}
    assert denial("Gibt es eine Preisgarantie?", [faq]) is None  # informal: may be the trap
    affirming = {
        "n": 5,
        "title": "SonnenStrom Basis – Vertragsbedingungen",
        "text": "Wir gewähren eine Preisgarantie bis zum 31.12.2026.",
    }
    assert denial("Gibt es eine Preisgarantie?", [SHEET, affirming]) is None
