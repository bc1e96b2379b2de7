"""Query helpers: designations across languages, bridge and part queries, periods, translations."""

from __future__ import annotations

import pytest

from luna.retrieval.designations import designations, is_code, missing_specifics
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.fusion import RankedList, reciprocal_rank_fusion
from luna.retrieval.lexicon import attribute_groups, translations
from luna.retrieval.periods import period_months, row_month
from luna.retrieval.queries import (
    asked_parts,
    attribute_queries,
    attribute_query,
    bridge_queries,
    bridges,
    description_query,
    named_documents,
    question_parts,
    states_asked,
    translated_query,
)


def test_designations_with_a_letter_suffix_and_codes():
    text = "Calora ALW 9 T (SN-WP-25-04417), Wallbox Home 11, Modul 3, R290"
    assert designations(text)[:3] == ["ALW 9 T", "Home 11", "Modul 3"]
    assert is_code("ALW 9 T")
    assert is_code("Modul 3")
    assert not is_code("Inbetriebnahme 1")


def test_module_and_modul_are_the_same_designation_but_other_numbers_are_not():
    passages = ["Modul 1 – pauschale Reduzierung: 168,00 € brutto im Jahr."]
    assert missing_specifics("How much does Module 1 pay per year?", passages) == []
    assert missing_specifics("And Module 2?", passages) == ["Module 2"]


def test_bridge_queries_hop_from_a_named_device_without_the_description():
    letter = "Wir bestätigen die Anmeldung Ihrer Wärmepumpe Aurex HP 7 X bei der Netz GmbH."
    hops = bridge_queries(
        "Wie schwer ist die Wärmepumpe, die die Netz GmbH bestätigt?", [(letter, 1)]
    )
    assert [(q.split()[:4], key) for q, key in hops] == [(["HP", "7", "X", "schwer"], 1)]
    assert "Anmeldung" not in hops[0][0]  # words the letter explains are left out
    assert bridge_queries("Wie schwer ist die HP 5 X?", [(letter, 1)]) == []  # named: no hop


def test_multi_part_questions_are_split():
    parts = question_parts(
        "When did the peaks occur in 2025, and what charging power is allowed then?"
    )
    assert parts == ["When did the peaks occur in 2025", "what charging power is allowed then"]
    assert question_parts("Wie hoch ist der Grundpreis?") == []
    # a comma before an English question word ends a part; "und" between figures does not
    assert question_parts("who installed our battery, when is the next service due?") == [
        "who installed our battery",
        "when is the next service due",
    ]
    assert (
        question_parts("Gilt im Juli zwischen 16 und 20 Uhr ein Hochtarif beim Netzentgelt?") == []
    )


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Welche Firmware läuft auf dem Speicher und passt die Registerkarte Rev. 2.1 dazu?",
            ["Welche Firmware läuft auf dem Speicher", "passt die Registerkarte Rev. 2.1 dazu"],
        ),
        (
            "bis wann muss der Zähler drin sein, und wer kümmert sich laut Protokoll darum?",
            ["bis wann muss der Zähler drin sein", "wer kümmert sich laut Protokoll darum"],
        ),
        # a scene, a condition or an instruction among the parts: one question, not several
        ("If the grid operator throttles the heat pump for 2 hours, how much energy is left?", []),
        ("Was kostet der Januar brutto? Börsenpreis bitte aus der Notiz nehmen.", []),
        ("Hab keine Wallbox angemeldet. Was kostet die kWh und was der Grundpreis?", []),
        # indirect German questions after a comma stay in their sentence
        ("Bis wann müssen wir dem Netzbetreiber mitteilen, welches Modul wir wollen?", []),
    ],
)
def test_asked_parts_are_the_parts_that_each_ask(question: str, parts: list[str]):
    assert asked_parts(question) == parts


@pytest.mark.parametrize(
    ("question", "months"),
    [
        ("Verbrauch im ersten Quartal 2025?", [1, 2, 3]),
        ("total in the fourth quarter", [10, 11, 12]),
        ("Q2 und Juli", [4, 5, 6, 7]),
        ("second half of 2025", [7, 8, 9, 10, 11, 12]),
        ("Wie hoch ist der Grundpreis?", []),
        ("von Januar bis April", [1, 2, 3, 4]),
        ("Januar bis einschl. März", [1, 2, 3]),
        ("from February up to and including April", [2, 3, 4]),
        ("between October and December", [10, 11, 12]),
        ("im Januar und März", [1, 3]),  # a list, not a range
    ],
)
def test_periods_become_months(question: str, months: list[int]):
    assert period_months(question) == months


@pytest.mark.parametrize(
    ("label", "month"),
    [
        ("März", (3, None)),
        ("Januar 2026", (1, 2026)),
        ("Jan 2026", (1, 2026)),
        ("Sept.", (9, None)),
        ("01/2026", (1, 2026)),
        ("2026-11", (11, 2026)),
        ("Summe", None),
        ("Q1", None),
        ("13/2026", None),
    ],
)
def test_table_row_labels_name_a_month_and_maybe_its_year(
    label: str, month: tuple[int, int | None] | None
):
    assert row_month(label) == month


def test_quarters_and_half_years_are_periods_not_designations():
    assert designations("Spitzenlast im Q1 2026 und im H2 gegenüber Modul 3") == ["Modul 3"]


def test_a_grid_charge_is_the_grid_fee_and_a_limit_translates_without_being_an_attribute():
    """ "the per-kWh grid charge" is the Netzentgelt, not charging from the grid; "Grenzwert"
    is "limit" for matching, though no passage must write "limit" to state one."""
    found = set(translations("What does the per-kWh grid charge come to?"))
    assert "netzentgelt" in found
    assert "netzladung" not in found
    assert "limit" in translations("Wie hoch ist der Grenzwert der Richtlinie?")
    assert not any("limit" in group for group in attribute_groups())


def test_translations_are_single_words_of_the_other_language():
    assert {"grundpreis", "grundgebühr"} <= set(translations("What is the base price?"))
    assert "warranty" in translations("Welche Garantie gibt es?")
    query = translated_query("How much is Module 1 per year?")
    assert query is not None
    assert "modul 1" in query


def test_reciprocal_rank_fusion_rewards_agreement_and_weights():
    a, b, c = "a", "b", "c"
    fused = reciprocal_rank_fusion([RankedList([a, b]), RankedList([b, c])])  # type: ignore[list-item]
    assert [pid for pid, _ in fused] == [b, a, c]
    weighted = reciprocal_rank_fusion([RankedList([a], 2.0), RankedList([b])])  # type: ignore[list-item]
    assert weighted[0][0] == a


def test_a_quantity_is_not_a_designation():
    question = "Was kostet LindenStrom Dynamik 420 kWh im Monat, und was die Store 15?"
    assert designations(question) == ["Store 15"]
    assert missing_specifics("Wie teuer sind Tarif 300 kWh?", ["Grundpreis 13,90 €"]) == []


def test_a_designation_with_an_ampersand_is_read_whole():
    assert designations("the BrightCell C&I 215 battery") == ["C&I 215"]
    assert missing_specifics("Register of the C&I 215?", ["BrightCell C&I 215: 40310"]) == []


def test_a_bridge_is_the_designation_beside_the_kind_of_thing_asked_not_a_tables_column():
    letter = (
        "Nr. | Einrichtung | Hersteller / Typ\n"
        "1 | Wärmepumpe mit Heizstab | Calora ALW 9 T\n"
        "2 | Ladepunkt (Wallbox) | Voltaro Home 11"
    )
    sheet = "Modell | ALW 9 | ALW 9 T\nWeight outdoor unit (kg) | 121 | 126"
    passages = [(sheet, "sheet"), (letter, "letter")]
    asked = "How heavy is the outdoor unit of the heat pump that the grid operator confirmed?"
    assert list(bridges(asked, passages)) == ["ALW 9 T"]
    wallbox = "Wie viel wiegt die Wallbox, die bei Herrn Reuter angemeldet ist?"
    assert list(bridges(wallbox, passages)) == ["Home 11"]


def test_a_description_by_role_is_searched_on_its_own_with_its_kind_of_thing():
    asked = "What is the minimum run time of the heat pump that Seetal Netz confirmed for Ms Ode?"
    assert description_query(asked) == "the heat pump that Seetal Netz confirmed for Ms Ode"
    german = "Wie schwer ist die Wärmepumpe, die laut Bestätigung bei Frau Ode angemeldet ist?"
    described = "die Wärmepumpe die laut Bestätigung bei Frau Ode angemeldet ist"
    assert description_query(german) == described
    assert description_query("Wie schwer ist die ALW 9 T, die angemeldet ist?") is None  # named
    assert description_query("Wie hoch ist der Grundpreis?") is None


def test_a_passage_states_the_asked_attribute_in_either_language():
    row = "Model | ALW 6 | ALW 9 T\nWeight outdoor unit (kg) | 98 | 126"
    assert states_asked("Wie schwer ist die Außeneinheit?", row)
    assert not states_asked("Wie schwer ist die Außeneinheit?", "Gerät / Typ | ALW 9 T")
    assert states_asked("Wer hat die Anlage installiert?", "Gerät / Typ | ALW 9 T")  # none asked


def test_names_and_brands_go_into_the_translated_query_as_they_are():
    dictionary = Dictionary.shared()
    if dictionary is None:
        pytest.skip("the Ding dictionary (trans-de-en) is not installed")
    query = translated_query("Which fee did Seetal Netz confirm for LindenStrom?", dictionary) or ""
    assert {"Seetal", "LindenStrom"} <= set(query.split())
    assert "Linden" not in query.split()  # a brand is not split into a compound's parts


def test_each_attribute_of_a_list_of_them_is_searched_on_its_own():
    assert attribute_queries("How heavy and how tall is the PowerBlock PB 15.6?") == [
        "PB 15.6 gewicht heavy masse schwer weigh weighs weight wiegen wiegt",
        "PB 15.6 bauhöhe height tall",
    ]
    # a multi-word term is one attribute ("base price", not a price), a brand the subject
    assert attribute_queries(
        "Dr Halvorsen switches to QuellStrom Flex. What monthly base price and what markup "
        "will she pay?"
    ) == [
        "QuellStrom Flex grundgebühr grundpreis",
        "QuellStrom Flex aufschlag aufschläge markup markups surcharge surcharges",
    ]
    # "Dr." ends no sentence: the whole question asks, and each word counts once
    assert attribute_queries(
        "Welche Notstromreserve und welchen minimalen Ladezustand hat der Installateur beim "
        "Speicher von Frau Dr. Halvorsen eingestellt?"
    ) == ["speicher installateur notstromreserve", "speicher installateur ladezustand soc"]
    # one attribute, a compound of two ("Preisgarantie"), or the inputs of a calculation
    assert attribute_queries("Wie hoch ist der Grundpreis?") == []
    assert attribute_queries("Gibt es bei QuellStrom Flex eine Preisgarantie?") == []
    assert (
        attribute_queries(
            "Was kostet ein Monat mit 300 kWh Verbrauch einschließlich Grundpreis, wenn der "
            "Börsenpreis 8,00 ct/kWh beträgt?"
        )
        == []
    )


def test_the_one_attribute_asked_is_searched_in_both_languages_with_its_subject():
    # the English question's one word that matters ("standing charge") as the German
    # documents write it, and the multi-word terms as they are
    query = attribute_query(
        "By how many percent did the monthly standing charge of QuellStrom Flex go up in the "
        "2026 price sheet compared with the 2025 FAQ?"
    )
    assert query is not None
    assert query.startswith("QuellStrom Flex ")
    assert "grundpreis" in query.split()
    assert "standing charge" in query
    assert "base fee" in query
    # a German one asks for the same concept
    assert "standing charge" in (attribute_query("Wie hoch ist der Grundpreis?") or "")
    # a price in general, a value the question gives, or a list of several: not this query
    assert attribute_query("Was kostet die kWh bei QuellStrom Flex?") is None
    assert attribute_query("Was kostet ein Monat bei einem Grundpreis von 12 €?") is None
    assert attribute_query("How heavy and how tall is the PowerBlock PB 15.6?") is None


def test_a_document_named_by_its_kind_is_found_by_its_title_in_either_language():
    titles = {
        "policy": "Energy Management Policy",
        "manual": "BrightCell C&I 215 – Commercial Battery Storage, Installation Manual",
        "faq": "Häufige Fragen zu LindenStrom Dynamik (FAQ 2025)",
        "note": "Aktennotiz Haustechnik",
    }
    assert named_documents("Laut neuer Energierichtlinie muss die Schwelle …?", titles) == [
        "policy"
    ]
    assert named_documents("… so that it complies with our new energy policy?", titles) == [
        "policy"
    ]
    assert named_documents("Um wie viel stieg der Preis gegenüber der FAQ?", titles) == ["faq"]
    assert named_documents("Was steht in der Notiz zum Juli?", titles) == ["note"]
    assert named_documents("Wie hoch ist der Grundpreis?", titles) == []
    # a kind that most documents share names none of them
    many = {n: f"Datasheet {n}" for n in range(3)}
    assert named_documents("What does the datasheet say?", many) == []


def test_a_kind_of_thing_typed_in_lower_case_with_a_number_is_a_designation():
    assert designations("module 3 customer - gross price per kWh at 17:30?") == ["Module 3"]
    assert designations("Wir haben modul 1 und stufe 2.") == ["Modul 1", "Stufe 2"]
    # other lower-case words with a number are not: quantities, counts, times
    assert designations("we have 3 meters, use 20 kwh and start at 5 pm") == []
    assert designations("um 5 Uhr mit 11 kW laden") == []
