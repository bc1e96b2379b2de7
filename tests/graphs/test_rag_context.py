"""What the answer's context keeps: each line once, and no passage that screening emptied."""

from __future__ import annotations

from luna.graphs.rag.compress import compress, without_repeats
from luna.graphs.rag.guard import CONTRADICTED_CLAIM, has_content

HEADER = "Modul | Art | Höhe 2026"
TABLE = f"{HEADER}\nModul 1 | pauschal | 168,00 €\nModul 2 | prozentual | 60 %"
ROW_1 = f"{HEADER}\nModul 1 | pauschal | 168,00 €\nModul: Modul 1 · Höhe 2026: 168,00 €"
ROW_3 = f"{HEADER}\nModul 3 | zeitvariabel | siehe 4.2\nModul: Modul 3 · Art: zeitvariabel"


def test_a_row_an_earlier_passage_shows_is_dropped_with_its_spelled_out_form():
    passages = [
        {"n": n, "text": f"4.1 Module\n{t}"} for n, t in ((1, TABLE), (2, ROW_1), (3, ROW_3))
    ]
    table, row_1, row_3 = without_repeats(passages)
    assert table["text"] == passages[0]["text"]
    assert row_1["text"] == "4.1 Module"  # nothing new: the heading alone
    assert row_3["text"] == f"4.1 Module\n{ROW_3}"  # a new row keeps the table's header row
    assert not has_content(row_1)
    assert has_content(row_3)


def test_a_passage_whose_figures_all_gave_way_has_no_content_but_a_current_one_has():
    emptied = {
        "text": "FAQ 2025\nMit Wärmepumpe zahlen Sie weniger Netzentgelt, wenn Sie angemeldet sind."
        "\n[claim in FAQ removed: [2] states a different value]",
        "flags": [CONTRADICTED_CLAIM],
    }
    assert not has_content(emptied)
    assert has_content(emptied | {"flags": []})  # a plain sentence is content
    dated = emptied | {"text": emptied["text"] + "\nSeit dem 01.04.2025 gilt Modul 3."}
    assert has_content(dated)


def test_a_month_keeps_the_tariff_row_of_its_quarter_when_a_passage_is_cut():
    """Tariff tables give time windows per quarter; a question about July must keep the row
    for Q3, not only the row that shares the most words with the question."""
    section = "4.2 Zeitvariables Netzentgelt"
    rows = [
        "Tarifstufe | Zeitfenster | Quartale | netto",
        "Niedertarif | 00:00–06:00 Uhr | Q1–Q4 | 2,44 ct/kWh",
        "Hochtarif | 16:00–20:00 Uhr | Q1 und Q4 | 13,40 ct/kWh",
        "Standardtarif | 16:00–20:00 Uhr | Q2 und Q3 | 8,12 ct/kWh",
    ]
    prose = "Das Netzentgelt des Zeitfensters ersetzt den Standardwert im Aufschlag. " * 6
    passage = {"n": 1, "text": "\n".join([section, prose, *rows])}
    question = "Gilt im Juli zwischen 16 und 20 Uhr ein Hochtarif beim Netzentgelt?"
    [cut] = compress([passage], question, budget=80)  # the header and two of its rows
    assert "Q2 und Q3" in cut["text"]
    assert "Tarifstufe | Zeitfenster" in cut["text"]  # the kept row keeps its header


def test_a_cut_passage_keeps_a_spelled_out_row_whole_and_abbreviations_inside_sentences():
    """A row's spelled-out form is one unit however long, and "inkl." or "max." ends no
    sentence: a cut at either dropped the gross price or the upper limit."""
    spelled = (
        "Preisbestandteil: Arbeitspreis Niedertarif (NT) · Zeitfenster: Mo–Fr 22:00–06:00 Uhr, "
        "Sa, So und Feiertage ganztägig · Einheit: ct/kWh · Nettopreis (ohne USt.): 17,40 · "
        "Bruttopreis (inkl. 19 % USt.): 20,71"
    )
    limits = (
        "Der Speicher wird im Bereich min. 10 % bis max. 95 % Ladezustand betrieben, die "
        "Entladeleistung ist auf max. 150 kW begrenzt, laut Protokoll der Inbetriebnahme vom "
        "Herbst."
    )
    filler = (
        "Die Anlage steht im Keller des Hauptgebäudes neben der Niederspannungsverteilung. " * 4
    )
    passage = {"n": 1, "text": "\n".join(["Preise und Grenzen", filler, spelled, limits])}
    [cut] = compress([passage], "Niedertarif brutto und Ladezustand max?", budget=140)
    assert spelled in cut["text"]
    assert limits in cut["text"]
    assert "Keller" not in cut["text"]  # the cut took the sentences the question does not need
