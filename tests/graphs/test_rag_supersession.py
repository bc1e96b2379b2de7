"""The newest valid source wins: older versions and contradicted older figures leave the prompt,
and the answer names what it supersedes."""

from __future__ import annotations

import uuid

from luna.graphs.rag.answerability import missing_attributes
from luna.graphs.rag.supersession import Supersession, statements, supersede

FAQ, SHEET, POLICY_V1, POLICY_V2 = (str(uuid.uuid4()) for _ in range(4))


def _source(n: int, item: str, title: str, valid_from: str | None, text: str, **extra: object):
    return {"n": n, "item_id": item, "title": title, "valid_from": valid_from, "text": text} | extra


def test_an_older_documents_contradicted_figure_is_removed_and_named():
    sources = [
        _source(
            1,
            FAQ,
            "TalStrom Dynamik: FAQ 2025",
            "2025-03-03",
            "Der Grundpreis beträgt 11,90 € im Monat. Wir sind für Sie da.",
        ),
        _source(
            2,
            SHEET,
            "TalStrom Dynamik – Preisblatt 2026",
            "2026-01-01",
            "Grundpreis: 13,90 € pro Monat brutto.",
        ),
    ]
    context, found = supersede(sources)
    assert "11,90" not in context[0]["text"]
    assert "Wir sind für Sie da." in context[0]["text"]  # the rest of the passage stays
    assert sources[0]["text"].startswith("Der Grundpreis beträgt 11,90")  # input untouched
    assert [(s.old_value, s.new_value, s.old_n, s.new_n) for s in found] == [
        ("11,90", "13,90", 1, 2)
    ]
    note = found[0].note("de")
    assert "„TalStrom Dynamik: FAQ 2025“ nennt noch 11,90 €" in note
    assert "gültig ab 01.01.2026" in note


def test_figures_of_other_attributes_or_undated_passages_do_not_conflict():
    sources = [
        _source(1, FAQ, "FAQ", None, "Der Grundpreis beträgt 11,90 € im Monat."),
        _source(
            2,
            SHEET,
            "Preisblatt",
            "2026-01-01",
            "Der Arbeitspreis enthält 16,926 ct/kWh Aufschlag.",
        ),
    ]
    context, found = supersede(sources)
    assert found == []
    assert [s["text"] for s in context] == [s["text"] for s in sources]


def test_documents_about_different_things_do_not_contradict_each_other():
    sources = [
        _source(
            1,
            FAQ,
            "BrightCell battery manual",
            "2025-09-15",
            "Peak shaving lowers the peak by at most 100 kW.",
        ),
        _source(
            2, SHEET, "Energy Management Policy", "2025-11-20", "The peak-load limit is 190 kW."
        ),
    ]
    _, found = supersede(sources)
    assert found == []


def test_a_figure_of_another_product_of_the_same_supplier_supersedes_nothing():
    sources = [
        _source(
            1,
            FAQ,
            "Häufige Fragen zu QuellStrom Flex",
            "2025-04-01",
            "Der Grundpreis für QuellStrom Takt beträgt 10,60 € pro Monat brutto.\n"
            "Der Grundpreis für QuellStrom Flex beträgt 9,95 € pro Monat brutto.",
        ),
        _source(
            2,
            SHEET,
            "QuellStrom Flex und QuellStrom Takt – Preisblatt 2026",
            "2026-03-01",
            "Der Grundpreis für QuellStrom Flex beträgt 11,45 € pro Monat brutto.",
        ),
    ]
    context, found = supersede(sources)
    assert [(s.old_value, s.new_value) for s in found] == [("9,95", "11,45")]
    assert "10,60" in context[0]["text"]  # Takt's base price: the sheet states no other


def test_a_superseded_version_is_dropped_when_its_successor_is_present():
    sources = [
        _source(
            1,
            POLICY_V1,
            "Energy Policy",
            None,
            "The peak-load limit is 220 kW.",
            superseded_by=POLICY_V2,
        ),
        _source(2, POLICY_V2, "Energy Policy", "2025-11-20", "The peak-load limit is 190 kW."),
    ]
    context, _ = supersede(sources)
    assert [s["n"] for s in context] == [2]
    alone, _ = supersede(sources[:1])  # without its successor it is all there is
    assert [s["n"] for s in alone] == [1]


def test_an_older_source_the_question_names_by_year_or_version_is_kept_whole():
    sources = [
        _source(1, FAQ, "TalStrom FAQ", "2025-03-03", "Der Grundpreis beträgt 11,90 € im Monat."),
        _source(2, SHEET, "TalStrom Preisblatt", "2026-01-01", "Grundpreis: 13,90 € pro Monat."),
        _source(3, POLICY_V1, "Policy", None, "Limit 220 kW.", version="1.0",
                superseded_by=POLICY_V2),
        _source(4, POLICY_V2, "Policy", "2025-11-20", "Limit 190 kW.", version="2.0"),
    ]  # fmt: skip
    context, found = supersede(sources, "Um wie viel stieg der Grundpreis von 2025 auf 2026?")
    assert "11,90" in context[0]["text"]
    assert context[0]["asked"] is True
    assert found == []
    context, _ = supersede(sources, "What did version 1 of the policy set as the limit?")
    assert [s["n"] for s in context if s.get("asked")] == [3]
    context, found = supersede(sources, "Wie hoch ist der Grundpreis?")  # asks for neither
    assert [s["n"] for s in context] == [1, 2, 4]
    assert "11,90" not in context[0]["text"]
    assert [s.old_value for s in found] == ["11,90"]


def test_statements_tie_a_figure_to_the_attribute_named_before_it():
    found = statements("Grundpreis 13,90 € pro Monat, Arbeitspreis (Börsenpreis + 16,926 ct/kWh).")
    assert [(s.written, s.unit) for s in found] == [("13,90", "€"), ("16,926", "ct/kwh")]
    assert found[0].concept != found[1].concept


def test_supersession_round_trips_through_the_checkpointed_state():
    item = Supersession(
        1, 2, "FAQ 2025", "Preisblatt 2026", "2026-01-01", "11,90", "13,90", "€", "x"
    )
    assert Supersession(**item.__dict__) == item
    assert "valid from 2026-01-01" in item.note("en")


def test_an_attribute_no_passage_states_for_the_named_device_is_missing():
    passages = [
        "Model: Weight (kg) · ALW 9 T: 126 · ALW 12 T: 158",
        "Brightcell battery: warranty 10 years.",
    ]
    assert missing_attributes("What warranty does the ALW 9 T have?", passages) == [
        "warranty (ALW 9 T)"
    ]
    assert missing_attributes("Wie schwer ist die ALW 9 T?", passages) == []  # schwer ~ weight
    assert missing_attributes("Welche Garantie hat der Speicher?", passages) == []
    assert "grundpreis" in missing_attributes("Wie hoch ist der Grundpreis?", passages)


def test_a_number_in_the_attributes_unit_states_the_attribute():
    """ "3.7 kW per charge point" answers a question about charging power; a price in € does
    not state a weight."""
    passages = ["Company vehicles are charged with at most 3.7 kW per charge point."]
    question = "What charging power per charge point does the policy allow?"
    assert missing_attributes(question, passages) == []
    assert missing_attributes("What does the wallbox weigh?", ["Wallbox: 899 € incl. VAT"]) == [
        "weigh"
    ]
    assert missing_attributes("How much does it weigh?", ["Outdoor unit: 126 kg"]) == []


def test_a_duration_states_a_deadline_and_a_clock_range_states_a_time_window():
    """ "Innerhalb von 2 Arbeitstagen" answers "innerhalb welcher Frist"; "00:00–06:00 Uhr"
    answers "which time window"; a sentence without either still lacks them."""
    report = ["Überschreitungen meldet sie der Geschäftsführung innerhalb von zwei Arbeitstagen."]
    assert missing_attributes("Innerhalb welcher Frist meldet sie?", report) == []
    assert missing_attributes("Within which deadline must she report?", report) == []
    assert missing_attributes("Innerhalb welcher Frist meldet sie?", ["Sie meldet es."]) == [
        "frist"
    ]
    sheet = ["Modul 3: Niedertarif täglich 00:00–06:00 Uhr, 2,44 ct/kWh netto."]
    question = "Which time window is the low-tariff period of Module 3?"
    assert missing_attributes(question, sheet) == []
    assert missing_attributes(question, ["Modul 3: Niedertarif 2,44 ct/kWh netto."]) == [
        "time window (Module 3)"
    ]


def test_a_unit_states_an_attribute_only_beside_the_thing_and_guaranteed_is_no_warranty():
    protocol = ["Wallbox Voltaro Home 11 montiert, 11 kW.\nKältemittelfüllung R290: 1,3 kg"]
    assert missing_attributes("Wie viel wiegt die Voltaro Home 11?", protocol) == [
        "wiegt (Home 11)"  # the 1,3 kg are the refrigerant's, in another line
    ]
    row = ["Model: Weight outdoor unit (kg) · ALW 9 T: 126"]
    assert missing_attributes("Wie viel wiegt die ALW 9 T?", row) == []
    question = "If the grid operator dims the heat pump, how much power is still guaranteed?"
    assert missing_attributes(question, ["Mindestleistung von 6,72 kW"]) == []
