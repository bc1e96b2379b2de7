"""Designations, years and months a question names must occur in the retrieved text; the
attributes it asks for must be stated there; an answer that only says the documents do not
give something is a refusal."""

from __future__ import annotations

import pytest

from luna.graphs.rag.answerability import (
    asking_part,
    missing_attributes,
    missing_commodities,
    missing_months,
    missing_year_attributes,
    unexplained_specifics,
)
from luna.graphs.rag.nodes import is_refusal
from luna.retrieval.designations import mentioned, missing_specifics, named_specifics


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What is the usable capacity of the Luna Store 15 battery?", ["Store 15"]),
        ("Welches Kältemittel verwendet die Luna Therm LW 9?", ["LW 9"]),
        ("Wie hoch ist die Vergütung für Anlagen, die 2021 in Betrieb gingen?", ["2021"]),
        ("Was gilt im Modul 3 ab März 2025?", ["Modul 3", "2025"]),
        ("Was macht die Wärmepumpe im SG-Ready-Zustand 1?", []),  # a compound, not a name
        ("Was steht auf Seite 3 und in Abschnitt 4?", []),
        ("Wie viel kostet Strom am 3. Oktober um 14 Uhr?", []),
        ("Wie teuer sind 10,5 kWh im Tarif?", []),
        ("What does the PowerBlock PB 20.8 weigh?", ["PB 20.8"]),  # a decimal designation
        ("Was sagt Version 2.0 der Richtlinie?", ["Version 2.0"]),
        ("Wir haben Modul 1 und 3 gewählt.", ["Modul 1", "Modul 3"]),  # an enumeration
        ("Module 1+3 here, stage 2 or 4?", ["Module 1", "Module 3", "Stage 2", "Stage 4"]),
        ("Modul 1 und 3 kW", ["Modul 1"]),  # a quantity, not a third module
    ],
)
def test_named_specifics(question: str, named: list[str]):
    assert named_specifics(question) == named


def test_missing_specifics_ignores_spacing_and_hyphens_but_not_other_numbers():
    passages = ["Die Luna Therm LW9 nutzt R290.", "Luna Store 10: 10 kWh nutzbar, Stand 2025."]
    assert missing_specifics("Was kostet die LW 9?", passages) == []
    assert missing_specifics("What does the Luna Store 15 hold?", passages) == ["Store 15"]
    assert missing_specifics("What does the Store 1 hold?", passages) == ["Store 1"]
    assert missing_specifics("Sätze für 2021 und 2025?", passages) == ["2021"]


def test_a_decimal_designation_is_not_its_integer_neighbour():
    assert not mentioned("PB 10", ["Ardentis PB 10.4 mit 10,4 kWh"])
    assert mentioned("PB 10.4", ["Ardentis PB 10.4 mit 10,4 kWh"])
    assert mentioned("Version 2", ["Richtlinie Version 2.0"])
    assert mentioned("Version 2.0", ["Richtlinie, Version 2, gültig ab"])
    assert mentioned("Version 2.0", ["Document | EMP-01\nVersion | 2.0\nEffective date"])


def test_a_month_of_a_year_no_passage_covers_is_missing():
    rows = ["Monat | Spitzenlast\nJanuar 2026 | 287\nJuni 2026 | 301"]
    assert missing_months("Wie hoch war die Spitzenlast im Juli 2026?", rows) == ["Juli 2026"]
    assert missing_months("What was the peak load in June 2026?", rows) == []  # Juni = June
    assert missing_months("Wie hoch war die Spitze im Juli 2026?", ["Spitze am 17.07.2026"]) == []
    # passages that do not go by months: the month is when the question's action happens
    tariff = ["Preisblatt 2026, gültig ab 01.01.2026: Niedertarif 2,44 ct/kWh netto"]
    assert missing_months("Was spare ich im Januar 2026 mit 40 kWh im Niedertarif?", tariff) == []


def test_an_energy_carrier_no_passage_mentions_is_missing():
    electricity = [
        "Preisblatt Gewerbe 2026 | Arbeitspreis HT | ct/kWh | 24,60 | 29,27",
        "Die Wärmepumpe ersetzt den alten Kessel im Kesselhaus.",
    ]
    asked = "Wie hoch ist der Gaspreis für unseren Dampfkessel im Kesselhaus?"
    assert missing_commodities(asked, electricity) == ["Gaspreis"]
    assert missing_commodities("What do we pay per kvarh of reactive energy?", electricity) == [
        "kvarh"
    ]
    assert missing_commodities("Was kostet die Blindarbeit pro kvarh?", electricity) == [
        "Blindarbeit"
    ]
    # mentioned in the other language, or as another form of the same carrier: answerable
    gas_contract = [*electricity, "Natural gas supply contract: 6.10 ct/kWh from 1 Jan 2026."]
    assert missing_commodities(asked, gas_contract) == []
    assert missing_commodities("Was kostet Erdgas?", gas_contract) == []
    # a carrier set as the scene of an electricity question is no subject of it; nor is a guest
    scene = "Wir heizen mit Fernwärme. Was kostet eine kWh Strom im Hochtarif?"
    assert missing_commodities(scene, electricity) == []
    assert missing_commodities("Wie viel Strom verbraucht die Gastronomie?", electricity) == []


def test_a_month_missing_from_a_monthly_table_is_missing_though_prose_names_it():
    note = [
        "Stand: 03.12.2026. Der Dezember 2026 fehlt noch, die Werte kommen im Januar.",
        "Monat | Verbrauch kWh\nOkt 2026 | 41.200\nNov 2026 | 44.950",
        "Im Dezember 2026 ist die Anlage zwei Tage abgeschaltet.",
    ]
    asked = "Wie viel Strom haben wir im Dezember 2026 verbraucht?"
    assert missing_months(asked, note) == ["Dezember 2026"]
    # an abbreviated row covers its month; a figure stated in prose covers it too
    assert missing_months("Wie viel Strom haben wir im Oktober 2026 verbraucht?", note) == []
    stated = [*note, "Im Dezember 2026 lag der Verbrauch bei 39.800 kWh."]
    assert missing_months(asked, stated) == []


def test_an_attribute_stated_only_for_another_year_is_missing_for_the_year_asked():
    note = [
        "Kosten: Leistungspreis 2027 laut Preisblatt des Netzbetreibers: 97,10 €/kW und Jahr.",
        "Arbeitspreis Netz 2027: 2,05 ct/kWh netto.",
    ]
    assert missing_year_attributes("Wie hoch war 2026 der Leistungspreis pro kW?", note) == [
        "leistungspreis 2026"
    ]
    assert missing_year_attributes("Wie hoch ist 2027 der Leistungspreis?", note) == []
    # a line that states it without a year may be any year's: no refusal
    assert missing_year_attributes("Leistungspreis 2026?", ["Leistungspreis: 97,10 €/kW"]) == []
    # a monthly table's rows state its columns for the years their labels name
    table = [*note, "Monat | Leistungspreis €/kW\nJan 2026 | 96,00\nFeb 2026 | 96,00"]
    assert missing_year_attributes("Wie hoch war 2026 der Leistungspreis?", table) == []
    # a stating line whose year stands far from the attribute says nothing of the year
    policy = ["Der Verbrauch sinkt jedes Jahr um 3 % gegenüber dem Basisjahr 2023 mit 41 kWh."]
    assert missing_year_attributes("Wie hoch war 2025 der Verbrauch?", policy) == []
    # a year only in the question's scene is no year asked
    scene = "Wir haben 2026 die Anlage gebaut. Wie hoch ist der Leistungspreis?"
    assert missing_year_attributes(scene, note) == []


def test_only_the_asking_sentence_asks_for_attributes():
    question = (
        "Ich verbrauche im April 340 kWh; der verbrauchsgewichtete Börsenpreis liegt bei "
        "8,62 ct/kWh. Wie hoch ist meine Monatsrechnung einschließlich Grundpreis?"
    )
    assert asking_part(question) == "Wie hoch ist meine Monatsrechnung einschließlich Grundpreis?"
    assert asking_part("Was gilt ab dem 1. April 2027?") == "Was gilt ab dem 1. April 2027?"
    passages = ["Grundpreis 11,45 € pro Monat brutto."]
    assert missing_attributes(question, passages) == []  # no weight, no consumption asked
    assert missing_attributes("Wie schwer ist das Gerät?", passages) == ["schwer"]


def test_a_typed_question_may_start_its_sentences_in_lower_case():
    question = "hab gestern den speicher bekommen. wie viel kwh fasst der z. b. im winter?"
    assert asking_part(question) == "wie viel kwh fasst der z. b. im winter?"
    assert asking_part("my bill is high. how much did i use?") == "how much did i use?"


def test_a_word_asks_for_one_attribute_its_longest_term_names():
    """ "Notstromreserve" asks for the reserve (a percentage), not for the emergency power (in
    kW) its first letters spell; "after Dr." the question goes on asking."""
    question = "Welche Notstromreserve hat der Installateur bei Frau Dr. Halvorsen eingestellt?"
    assert missing_attributes(question, ["Backup reserve (EPS) | 20 %"]) == []
    assert missing_attributes(question, ["Max. charge power | 4.0 kW"]) == ["notstromreserve"]


def test_feeding_in_is_not_the_feed_in_tariff():
    """A limit on what a site may feed in needs no passage on the feed-in tariff; a question
    for the tariff still does."""
    letter = ["Die Wirkleistungseinspeisung ist auf 60 % der installierten Modulleistung begrenzt."]
    assert missing_attributes("What's the max we may actually feed-in?", letter) == []
    tariff = "What feed-in tariff do we get for the PV?"
    assert missing_attributes(tariff, letter) == ["feed in tariff"]
    assert missing_attributes(tariff, ["Einspeisevergütung: 8,03 ct/kWh"]) == []


def test_amounts_and_deadlines_are_stated_in_either_order_and_word():
    fees = ["Basic O&M fee | EUR 1,140.00 per month"]
    assert missing_attributes("Wie hoch ist die monatliche Grundgebühr?", fees) == []
    notice = ["Kündbar mit einer Frist von vier Wochen zum Monatsende."]
    assert missing_attributes("What notice period applies?", notice) == []
    assert missing_attributes("What notice period applies?", fees) == ["notice period"]


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        ("The warranty of the PB 10.4 is not part of this datasheet.", True),
        ("Eine Garantiezeit ist im Datenblatt nicht angegeben.", True),
        ("The PB 10.4 stores 10.4 kWh; its warranty is not stated.", False),  # a partial answer
        ("No, there is no minimum term; notice is four weeks.", False),
        ("Das weiß ich anhand der vorliegenden Dokumente nicht.", True),
    ],
)
def test_an_answer_that_only_says_what_is_not_given_is_a_refusal(answer: str, refused: bool):
    assert is_refusal(answer) is refused


def test_a_designation_that_only_sets_the_scene_need_not_be_in_the_passages():
    """The customer's setup beside the question is context; what the question asks about, or
    a thing that stands alone as the subject "it" refers to, must be in the passages."""
    passages = ["Calora ALW 9 T: Heizstab 6 kW", "Modul 3: Niedertarif 00:00–06:00 (2026)"]
    setup = "Reuter hier (Calora ALW 9 T, Modul 1 und 3). Was hat mich der Heizstab gekostet?"
    assert unexplained_specifics(setup, passages) == []
    # Nothing of the setup is in the passages: no sign they are about this site.
    assert unexplained_specifics(setup, ["Heizstab 6 kW"]) == ["ALW 9 T", "Modul 1", "Modul 3"]
    # Asked about, it must be there.
    asked = "Module 1+3 here. What does Module 1 save me?"
    assert unexplained_specifics(asked, passages) == ["Module 1"]
    # Alone in its sentence, it is the subject of the question.
    alone = "Ich habe eine Luna Store 15. Wie lange ist die Garantie?"
    assert unexplained_specifics(alone, ["Luna Store 10: Garantie 10 Jahre"]) == ["Store 15"]


def test_an_attribute_is_asked_of_the_subject_not_of_the_setup_described():
    setup = "Reuter hier (Calora ALW 9 T, Modul 1 und 3). Wie viel Leistung hat der Heizstab?"
    assert missing_attributes(setup, ["Elektroheizstab: 6 kW, dreiphasig"]) == []
    alone = "Ich habe eine Luna Store 15. Wie lange ist die Garantie?"
    assert missing_attributes(alone, ["Luna Store 10: Garantie 10 Jahre"]) == [
        "garantie (Store 15)"
    ]
