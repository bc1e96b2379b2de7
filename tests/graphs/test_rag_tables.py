"""Tables in the answer's context: the model reads only the columns of the thing asked about,
also when the question describes that thing by role and another document names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from luna.config import AnswerCheck, Settings
from luna.graphs.rag.graph import build_rag_graph
from luna.graphs.rag.state import RagContext
from luna.graphs.rag.table_columns import project_columns
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from tests.scripted_model import ScriptedModel

LETTER = """Nordhang Netz GmbH – Bestätigung Ihrer Anmeldung nach § 14a EnWG

Sehr geehrte Frau Albers,

wir bestätigen die Anmeldung der folgenden Einrichtungen an Ihrem Netzanschluss:

Die Wärmepumpe Thermix AW 11 S wurde am 03.02.2026 registriert.
Der Ladepunkt Voltbox CX 22 wurde am 05.02.2026 registriert.
"""
DATASHEET = """# Thermix AW – Technische Daten

## Leistungsdaten

| Modell | AW 7 | AW 11 | AW 11 S | AW 14 S |
|---|---|---|---|---|
| Heizleistung A7/W35 (kW) | 7,2 | 10,8 | 11,3 | 14,1 |
| Gewicht Außeneinheit (kg) | 94 | 118 | 131 | 149 |
| Mindestlaufzeit Verdichter (min) | 8 | 10 | 12 | 15 |
"""
NOTE = """Aktennotiz Energie

Datum: 10.01.2026
Betreff: Monatswerte 2025 der Kühlhalle

Die Monatswerte aus dem Lastgang des Zählers der Kühlhalle:

Monat         Verbrauch kWh    Spitzenlast kW
Januar               31.200             118,4
Februar              29.850             126,9
März                 30.110             109,7
April                27.300              98,2
Mai                  26.940             131,5
Juni                 28.010             124,0
Summe               173.410             131,5

Die Spitzen entstehen beim Abtauen der Verdampfer.
"""


@pytest.fixture
def runtime(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    rt.ingest.ingest(LETTER.encode(), "nordhang-bestaetigung-albers.txt")
    rt.ingest.ingest(DATASHEET.encode(), "thermix-aw-datenblatt.md")
    rt.ingest.ingest(NOTE.encode(), "aktennotiz-kuehlhalle-2025.txt")
    yield rt
    rt.close()


def _ask(
    runtime: Runtime,
    model: ScriptedModel,
    question: str,
    answer_check: AnswerCheck = AnswerCheck.NAMES,
) -> dict[str, Any]:
    """The RAG graph's final state for ``question``."""
    ctx = RagContext(
        retriever=runtime.retriever,
        chat_model=model,
        sessions=runtime.stores.sessions,
        model_name="scripted",
        top_k=4,
        answer_check=answer_check,
    )
    state: dict[str, Any] = build_rag_graph().invoke(
        {"messages": [HumanMessage(question)], "question": question}, context=ctx
    )
    return state


def test_a_table_keeps_the_row_headings_and_the_named_columns_only():
    table = "Modell | AW 7 | AW 11 | AW 11 S\nGewicht (kg) | 94 | 118 | 131\nHinweis ohne Tabelle"
    assert project_columns(table, ["AW 11"]) == (
        "Modell | AW 11\nGewicht (kg) | 118\nHinweis ohne Tabelle"  # not AW 11 S
    )
    row = "Modell: Gewicht (kg) · AW 7: 94 · AW 11: 118 · AW 11 S: 131"
    assert project_columns(row, ["AW 11 S"]) == "Modell: Gewicht (kg) · AW 11 S: 131"
    assert project_columns(row, ["Modul 3"]) == row  # no such column: the table stays whole


def test_a_table_of_one_row_per_model_keeps_the_header_and_the_named_rows_only():
    table = (
        "Modell | Heizleistung (kW) | COP\nTH-12 | 12,0 | 3,87\nTH-16 | 16,0 | 3,81\n"
        "TH-22 | 22,0 | 3,73\nModell: TH-12 · Heizleistung (kW): 12,0 · COP: 3,87\nHinweis"
    )
    assert project_columns(table, ["TH-16"]) == (
        "Modell | Heizleistung (kW) | COP\nTH-16 | 16,0 | 3,81\nHinweis"  # not TH-12's line
    )
    assert project_columns(table, ["TH-16", "TH-22"]).count("\nTH-") == 2
    # rows that are no models (a regular and a reduced fee) stay, whatever a row names
    fees = "Netzentgelt | netto\nregulär | 6,85 ct/kWh\nreduziert Modul 2 | 2,74 ct/kWh"
    assert project_columns(fees, ["Modul 2"]) == fees


def test_the_model_reads_the_column_of_the_device_another_document_names(runtime: Runtime):
    question = "Wie schwer ist die Außeneinheit der Wärmepumpe, die Nordhang Netz registriert hat?"
    model = ScriptedModel(script=["Die Außeneinheit wiegt 131 kg [1]."])
    state = _ask(runtime, model, question)
    prompt = str(model.seen[0][-1].content)
    assert "AW 11 S: 131" in prompt or "| 131" in prompt  # the registered model's weight
    assert "AW 11: 118" not in prompt  # the neighbouring column (AW 11) is not shown
    assert "| 118 |" not in prompt
    assert "149" not in prompt
    titles = {s["title"] for s in state["sources"]}
    assert any("Bestätigung" in t for t in titles)  # the letter that names it
    assert any("Thermix" in t for t in titles)  # and the datasheet that rates it


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "In welchen Monaten lag die Spitzenlast der Kühlhalle über 120 kW?",
            "Spitzenlast lag in 3 Monaten über 120 kW: Februar (126,9 kW), Mai (131,5 kW) "
            "und Juni (124,0 kW).",
        ),
        (
            "In which month was the cold store's consumption lowest?",
            "The lowest value (Verbrauch) was in May: 26,940 kWh.",
        ),
    ],
)
def test_months_past_a_threshold_or_at_an_extreme_are_picked_by_code(
    runtime: Runtime, question: str, expected: str
):
    model = ScriptedModel(script=[])  # any model call fails the test, the check's too
    state = _ask(runtime, model, question, AnswerCheck.MODEL)
    assert state["calculated"] is True
    assert state["answer"].startswith(expected)
    assert state["citations"][0]["title"].startswith("Aktennotiz")
