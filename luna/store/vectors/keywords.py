"""Keyword (BM25) vectors beside the dense ones, for hybrid search.

Dense embeddings of a 384-d model blur exact designations ("WP-9 S" vs "WP-12 S", "Modul 1"
vs "Modul 3") and figures; BM25 over the same chunk text catches them. Qdrant computes the IDF
part itself (sparse vectors with the ``Idf`` modifier), so a document vector only carries term
frequencies and the collection never needs re-weighting as documents come and go.

Tokenising is Qdrant Edge's own BM25 model (no server or inference service needed), used for
both backends so a chunk indexed in the embedded store and on a Qdrant server scores the same.
Chunks are indexed twice, with the German and the English Snowball stemmer; a query uses the
index of its own language ("Grundpreises" finds "Grundpreis", "heat pumps" finds "heat pump").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import qdrant_edge as qe

KeywordLanguage = Literal["de", "en"]

# Named sparse vectors in a collection; the suffix names the format version, so a change of
# tokenisation is a new name and `luna reindex` rebuilds instead of mixing two schemes.
KEYWORD_VECTORS: dict[KeywordLanguage, str] = {"de": "bm25_de_v1", "en": "bm25_en_v1"}
_STEMMER_LANGUAGE: dict[KeywordLanguage, str] = {"de": "german", "en": "english"}
# Chunks are at most a few hundred tokens; BM25's length normalisation is relative to this.
_AVG_CHUNK_TOKENS = 120.0


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


class KeywordEncoder:
    """Text → BM25 sparse vectors, one per keyword index (stateless, thread-safe)."""

    def __init__(self) -> None:
        self._models = {
            language: qe.Bm25(
                qe.Bm25Config(
                    language=stemmer,
                    avg_len=_AVG_CHUNK_TOKENS,
                    tokenizer=qe.TokenizerType.Multilingual,
                )
            )
            for language, stemmer in _STEMMER_LANGUAGE.items()
        }

    def documents(self, text: str) -> dict[str, SparseVector]:
        """The vectors to store with a chunk, by vector name."""
        return {
            KEYWORD_VECTORS[language]: _plain(model.embed_document(text))
            for language, model in self._models.items()
        }

    def query(self, text: str, language: KeywordLanguage) -> tuple[str, SparseVector]:
        """The vector name to search and the query's sparse vector."""
        return KEYWORD_VECTORS[language], _plain(self._models[language].embed_query(text))


def _plain(vector: qe.SparseVector) -> SparseVector:
    return SparseVector(list(vector.indices), [float(v) for v in vector.values])
