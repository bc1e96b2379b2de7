"""Informal sources must not crowd the authoritative one out of the answer's context.

A customer's documents often hold an old FAQ and an installer's protocol beside the price
sheet, all naming the same tariff, and the informal ones share more words with an English
question than the German price sheet does. Over real retrieval (PostgreSQL, Qdrant Edge, the
local embeddings) the context the model reads must hold the price sheet's figure for every
thing asked, and the FAQ's outdated figures must not stand in it as facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from luna.config import Settings
from luna.graphs.rag.nodes import retrieve, screen
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope

PRICE_SHEET = """# Preisblatt 2026 – SonnenStrom Flex und SonnenStrom Fix

Gültig ab 01.02.2026. Alle Preise in Euro.

## 1 SonnenStrom Flex (dynamischer Tarif)

### 1.1 Arbeitspreis

Der Arbeitspreis wird für jede Stunde aus dem Day-Ahead-Börsenpreis der EPEX Spot für die
Gebotszone DE-LU und einem festen Aufschlag gebildet. Der feste Aufschlag beträgt 15,20 ct/kWh
netto. Er enthält Beschaffung, Netzentgelt, Konzessionsabgabe, Stromsteuer und Umlagen.
Arbeitspreis brutto = (Börsenpreis + 15,20 ct/kWh) × 1,19. Ist der Börsenpreis einer Stunde
negativ, wird für diese Stunde ein Börsenpreis von 0,00 ct/kWh angesetzt; der Aufschlag fällt
trotzdem an. Maßgeblich sind die stündlichen Preise, die am Vortag um 12:45 Uhr veröffentlicht
werden. Der Verbrauch jeder Viertelstunde wird mit dem Preis der Stunde bewertet, in der er
anfällt; dafür ist ein intelligentes Messsystem nötig, das der Messstellenbetreiber einbaut.
Beispiel: Bei einem Börsenpreis von 8,00 ct/kWh beträgt der Arbeitspreis
(8,00 + 15,20) × 1,19 = 27,61 ct/kWh brutto. Bei einem Börsenpreis von 2,50 ct/kWh beträgt er
(2,50 + 15,20) × 1,19 = 21,06 ct/kWh brutto. Ändern sich Steuern, Abgaben oder Umlagen,
passen wir den Aufschlag in gleicher Höhe an und teilen Ihnen das sechs Wochen vorher mit.

### 1.2 Grundpreis

Der Grundpreis für SonnenStrom Flex beträgt 12,30 € pro Monat brutto. Er enthält den
Messstellenbetrieb des intelligenten Messsystems, die Abrechnung und die Bereitstellung der
Stundenwerte im Kundenportal. Er wird unabhängig vom Verbrauch für jeden angefangenen Monat der
Belieferung berechnet und mit dem monatlichen Abschlag eingezogen. Bei einem Umzug innerhalb
des Netzgebiets läuft der Vertrag mit demselben Grundpreis an der neuen Adresse weiter. Für
eine zweite Zählstelle, etwa für eine Wärmepumpe, fällt ein eigener Grundpreis an.

## 2 SonnenStrom Fix

SonnenStrom Fix hat einen festen Arbeitspreis von 33,40 ct/kWh brutto und einen Grundpreis von
13,10 € pro Monat brutto.

## 3 Vertrag

Beide Tarife laufen auf unbestimmte Zeit und können mit einer Frist von vier Wochen gekündigt
werden. Eine Preisgarantie gibt es nicht.
"""

FAQ = """# Häufige Fragen zu SonnenStrom Flex

## Was kostet SonnenStrom Flex im Monat?

Der Grundpreis für SonnenStrom Flex beträgt 10,90 € pro Monat brutto.

## Wie setzt sich der Arbeitspreis von SonnenStrom Flex zusammen?

Maßgeblich ist der Day-Ahead-Börsenpreis. Dazu kommt ein fester Aufschlag von 13,40 ct/kWh
netto. Auf die Summe wird die Umsatzsteuer von 19 % erhoben.

## Was kostet SonnenStrom Fix?

SonnenStrom Fix kostet 31,90 ct/kWh brutto bei einem Grundpreis von 11,50 € pro Monat.
"""

PROTOCOL = """# Commissioning protocol – PV system with battery storage

## 1 Handover

The customer was instructed in the operation of the battery. From March the customer switches
her electricity supply to SonnenStrom Flex, the dynamic tariff with its monthly base price and
a markup on the exchange price.

## 2 Remarks

Good news on the tariff: under SonnenStrom Flex, customers with a battery pay no monthly base
price and the markup on the exchange price is capped at 9.80 ct/kWh for them.
"""

QUESTION = (
    "What monthly base price and what markup on the exchange price does SonnenStrom Flex have?"
)


@pytest.fixture
def runtime(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    documents = {
        "sonnenstrom-preisblatt-2026.md": PRICE_SHEET,
        "sonnenstrom-faq.md": FAQ,
        "commissioning-protocol.md": PROTOCOL,
    }
    for name, text in documents.items():
        assert rt.ingest.ingest(text.encode(), name).chunks > 0
    yield rt
    rt.close()


def _read_context(runtime: Runtime, question: str) -> tuple[list[dict[str, Any]], str]:
    """The passages the model reads for ``question`` and their text, as the graph builds it."""
    ctx = SimpleNamespace(retriever=runtime.retriever, top_k=4, filters=None, context_tokens=1200)
    node: Any = SimpleNamespace(context=ctx)
    state: dict[str, Any] = {"question": question}
    state |= retrieve(state, node)  # type: ignore[arg-type]
    state |= screen(state, node)  # type: ignore[arg-type]
    return state["screened"], "\n".join(p["text"] for p in state["context"])


def test_every_thing_asked_is_read_from_the_price_sheet_not_the_faq(runtime: Runtime):
    shown, context = _read_context(runtime, QUESTION)
    assert "12,30 €" in context  # the price sheet's base price
    assert "15,20 ct/kWh" in context  # and its markup
    for outdated in ("10,90", "13,40"):  # the FAQ's figures are never stated as facts
        for line in context.splitlines():
            if outdated in line:
                assert "[unverified claim" in line or "superseded" in line, line
    titles = {p["title"] for p in shown}
    assert "Preisblatt 2026 – SonnenStrom Flex und SonnenStrom Fix" in titles
