"""The topic of a question: nearest centroid over question embeddings, fixed energy topics.

Each topic is seeded from a few short German and English descriptions; its centroid is the
normalised mean of their query embeddings (computed once per process and embedding model).
A question gets the topic whose centroid is most similar, so labelling works from the first
question on, needs no training data and is deterministic. Off-topic questions land in
``other``, which has its own seeds (greetings, weather, sports) rather than a threshold, since
e5 similarities crowd into a narrow band.

Where the topic is stored: ``answers.topic`` (what learning and stats group answers by) and a
``labels`` row ``name='topic'`` on the ``ask`` event (target_type ``event``, target_id the event
id), which exists for failed asks too, so unanswered questions can be counted per topic.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from langchain_core.embeddings import Embeddings
from sqlalchemy.orm import Session

from luna.store.sql.models import Answer, Label, LabelTarget

TOPIC_LABEL = "topic"
CLASSIFIER_VERSION = "topics:centroid-v1"  # the labels' source; bump when the seeds change

# Topic name → seed descriptions (DE and EN). Names match the item labels (``topic=tariff``).
TOPIC_SEEDS: dict[str, tuple[str, ...]] = {
    "tariff": (
        "Strompreis und Stromtarif: Grundpreis, Arbeitspreis in Cent pro kWh, dynamischer Tarif",
        "Was kostet der Strom, wie hoch sind Grundgebühr und Preis pro Kilowattstunde?",
        "electricity tariff and prices: base fee, price per kWh, dynamic tariff, cost of power",
    ),
    "battery": (
        "Batteriespeicher und Heimspeicher: Ladezustand, Kapazität, Laden und Entladen",
        "home battery storage: state of charge, capacity, charging and discharging the battery",
    ),
    "heat_pump": (
        "Wärmepumpe und Heizung: Vorlauftemperatur, Wartung, Jahresarbeitszahl, Heizstab",
        "heat pump and heating: flow temperature, maintenance, efficiency, defrosting",
    ),
    "pv": (
        "Photovoltaik und Solaranlage: Einspeisevergütung, Eigenverbrauch, Ertrag, Wechselrichter",
        "solar PV system: feed-in tariff, self-consumption, solar yield, inverter",
    ),
    "grid_rules": (
        "§ 14a EnWG: steuerbare Verbrauchseinrichtungen, Netzbetreiber darf die Leistung "
        "begrenzen, reduziertes Netzentgelt",
        "grid operator rules: controllable devices, power curtailment by the grid operator, "
        "reduced grid fees, Section 14a",
    ),
    "consumption": (
        "Stromverbrauch und Zählerdaten: Verbrauch in kWh letzte Woche, Lastspitze, Smart Meter",
        "electricity consumption and meter data: kWh used last week, peak load, smart meter",
    ),
    "optimisation": (
        "Verbrauch in günstige Stunden verschieben, Lastverschiebung, Zeitplan optimieren, sparen",
        "load shifting to cheap hours, optimise the schedule, when to run appliances to save money",
    ),
    "other": (
        "Hallo, wie geht es dir? Allgemeine Frage, Wetter, Sport, Nachrichten",
        "hello, general question, small talk, weather, football, news, who won the world cup",
    ),
}
TOPICS: tuple[str, ...] = tuple(TOPIC_SEEDS)

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    score: float  # cosine similarity to the topic's centroid


def _unit(vectors: Matrix) -> Matrix:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class TopicClassifier:
    """Nearest centroid over query embeddings of :data:`TOPIC_SEEDS`."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings
        rows = []
        for seeds in TOPIC_SEEDS.values():
            vectors = _unit(np.asarray([embeddings.embed_query(s) for s in seeds], np.float32))
            rows.append(vectors.mean(axis=0))
        self._centroids = _unit(np.asarray(rows, dtype=np.float32))

    def classify_vector(self, vector: list[float]) -> TopicMatch:
        similarities = self._centroids @ _unit(np.asarray(vector, dtype=np.float32))
        best = int(np.argmax(similarities))
        return TopicMatch(TOPICS[best], round(float(similarities[best]), 4))

    def classify(self, question: str, embeddings: Embeddings | None = None) -> TopicMatch:
        """The topic of ``question``, embedded by ``embeddings`` (an instance of the same model)
        or the one the centroids were built with."""
        return self.classify_vector((embeddings or self._embeddings).embed_query(question))


_classifiers: dict[tuple[str, str], TopicClassifier] = {}
_classifiers_lock = threading.Lock()


def _model_key(embeddings: Embeddings) -> tuple[str, str]:
    """Which model embeds: instances of one model share centroids (one per process)."""
    name = getattr(embeddings, "model_name", None) or getattr(embeddings, "model", None)
    return type(embeddings).__qualname__, str(name) if name else f"instance-{id(embeddings)}"


def classifier_for(embeddings: Embeddings) -> TopicClassifier:
    """The process's classifier for this embedding model (centroids are computed once)."""
    key = _model_key(embeddings)
    with _classifiers_lock:
        classifier = _classifiers.get(key)
        if classifier is None:
            classifier = _classifiers[key] = TopicClassifier(embeddings)
        return classifier


def classify_question(embeddings: Embeddings, question: str) -> TopicMatch:
    return classifier_for(embeddings).classify(question, embeddings)


def store_topic(
    session: Session, match: TopicMatch, *, event_id: int, answer_id: uuid.UUID | None = None
) -> None:
    """Label the ``ask`` event with the topic and set it on the answer (when there is one)."""
    session.add(
        Label(
            target_type=LabelTarget.EVENT,
            target_id=str(event_id),
            name=TOPIC_LABEL,
            value=match.topic,
            score=match.score,
            source=CLASSIFIER_VERSION,
        )
    )
    if answer_id is not None:
        answer = session.get(Answer, answer_id)
        if answer is not None:
            answer.topic = match.topic


def assign_topic(
    session: Session,
    embeddings: Embeddings,
    question: str,
    *,
    event_id: int,
    answer_id: uuid.UUID | None = None,
) -> TopicMatch:
    """Classify ``question`` and store the topic (labels row on the event, ``answers.topic``)."""
    match = classify_question(embeddings, question)
    store_topic(session, match, event_id=event_id, answer_id=answer_id)
    return match
