"""Which retrieved passages an answer rests on, and the span to quote from each.

The small local model often answers correctly without the ``[n]`` markers the prompt asks
for. Citing the top-ranked passage then tends to cite a document's title chunk instead of the
passage the figures came from, so attribution falls back to evidence in the text: passages
that contain the answer's figures (amounts, prices, times) first, then shared content words.
"""

from __future__ import annotations

import re
from typing import Any

from luna.core.stopwords import STOP_WORDS

_FIGURE = re.compile(r"\d+(?:[.,:]\d+)*")
_WORD = re.compile(r"[^\W\d_]{4,}")

QUOTE_CHARS = 300


def _figures(text: str) -> set[str]:
    return {f.replace(".", ",") for f in _FIGURE.findall(text) if len(f) > 1 or f != "0"}


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - STOP_WORDS


def supporting(answer: str, sources: list[dict[str, Any]], limit: int = 2) -> list[dict[str, Any]]:
    """The passages the answer draws on, best first (at least one when there are any)."""
    figures, words = _figures(answer), _words(answer)
    scored = []
    for source in sources:
        text = source["text"]
        shared_figures = len(figures & _figures(text))
        score = 3 * shared_figures + len(words & _words(text))
        scored.append((shared_figures, score, -source["n"], source))
    scored.sort(key=lambda s: s[:3], reverse=True)
    with_figures = [s[3] for s in scored if s[0] > 0]
    if with_figures:
        return with_figures[:limit]
    return [scored[0][3]] if scored else []


def quote(answer: str, text: str) -> str:
    """A span of ``text`` around the first figure of the answer it contains (else its start)."""
    if len(text) <= QUOTE_CHARS:
        return text
    for figure in _FIGURE.findall(answer):
        for variant in (figure, figure.replace(",", "."), figure.replace(".", ",")):
            at = text.find(variant)
            if at >= 0:
                start = max(0, min(at - QUOTE_CHARS // 3, len(text) - QUOTE_CHARS))
                return text[start : start + QUOTE_CHARS]
    return text[:QUOTE_CHARS]
