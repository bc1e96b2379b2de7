"""Passages cut to the sentences that bear on the question, within a token budget.

On two CPU cores the local model reads a prompt at about 20 tokens a second, so four whole
300-token chunks cost a minute before the first answer token, and most of their sentences do
not concern the question. Each passage keeps its first line (the heading path, which says
where it comes from) and its sentences or table rows that share the most terms with the
question: its words (compared by their first letters, so inflections match), the other
language's words for its things and attributes, its designations and its periods' months
and quarters.
A kept table row keeps its table's header row, so cells are never read without their
columns. The order inside a passage is the document's; the stored chunk and its citation
stay whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from luna.core.stopwords import STOP_WORDS
from luna.ingest.sentences import split_sentences
from luna.ingest.table_rows import header_rows
from luna.ingest.tokens import approx_token_count
from luna.retrieval.designations import designations
from luna.retrieval.lexicon import translations
from luna.retrieval.periods import period_terms, quarter_terms

_WORD = re.compile(r"[^\W_]+")
_STEM = 5  # words compare by this many leading letters ("Grundpreises" ~ "Grundpreis")


def question_terms(question: str) -> set[str]:
    """The stems a relevant sentence may share with the question."""
    words = {w.casefold() for w in _WORD.findall(question) if len(w) > 2}
    words |= set(translations(question))
    words |= {t.casefold() for t in period_terms(question) + quarter_terms(question)}
    words |= {p.casefold() for d in designations(question) for p in re.split(r"[\s-]", d)}
    return {w[:_STEM] for w in words - STOP_WORDS if w}


def _units(text: str) -> list[str]:
    """Lines, and sentences within prose lines; table rows and their spelled-out forms stay
    whole ("… · Bruttopreis (inkl. 19 % USt.): 21,66" is no sentence that ends at "inkl.")."""
    units: list[str] = []
    for line in text.split("\n"):
        if " | " in line or " · " in line or len(line) < 120:
            units.append(line)
        else:
            units.extend(split_sentences(line))
    return [u for u in units if u.strip()]


def stems(unit: str) -> set[str]:
    """The word stems of ``unit``, as :func:`question_terms` gives them."""
    return {w.casefold()[:_STEM] for w in _WORD.findall(unit)}


def term_weights(units: list[str], terms: set[str]) -> dict[str, float]:
    """Rarer question terms count more: a term in every sentence ("Netzentgelt" in a grid-fee
    section) says little about which sentence answers; one in a single row says a lot."""
    df = {t: sum(t in stems(u) for u in units) for t in terms}
    return {t: math.log(1 + len(units) / n) for t, n in df.items() if n}


def term_score(unit: str, weights: dict[str, float]) -> float:
    """The summed weights of the question terms ``unit`` shares; ``fsum`` because the stems
    are a set: a plain sum's rounding follows the set's order, which changes with the
    process's hash seed, and broke ties between equal rows differently on every run."""
    return math.fsum(weights.get(stem, 0.0) for stem in stems(unit))


def _table_header(units: list[str], index: int) -> int | None:
    """The index of the header row of the table row at ``index`` (the block's first row)."""
    if " | " not in units[index]:
        return None
    start = index
    while start > 0 and " | " in units[start - 1]:
        start -= 1
    return start if start != index else None


def compress_passage(text: str, terms: set[str], budget: int) -> str:
    """``text`` within ``budget`` tokens where it can be, dropping what bears least on the
    question: first prose sentences that share no term with it, then table rows that share
    none, then the weakest of the rest. The first line and the header row of every kept
    table row always stay."""
    units = _units(text)
    if approx_token_count(text) <= budget or len(units) <= 2:
        return text
    weights = term_weights(units, terms)
    scores = [term_score(u, weights) for u in units]
    keep = set(range(len(units)))

    def size() -> int:
        return sum(approx_token_count(units[i]) for i in keep)

    def protected(index: int) -> bool:
        if index == 0:
            return True
        rows = [i for i in keep if _table_header(units, i) == index]
        return bool(rows)

    stages = [
        [i for i in range(len(units)) if " | " not in units[i] and scores[i] == 0],
        [i for i in range(len(units)) if " | " in units[i] and scores[i] == 0],
        sorted(range(len(units)), key=lambda i: (scores[i], -i)),
    ]
    for stage in stages:
        for index in stage:
            if size() <= budget:
                return "\n".join(units[i] for i in sorted(keep))
            if index in keep and not protected(index):
                keep.discard(index)
    return "\n".join(units[i] for i in sorted(keep))


def without_repeats(passages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The passages without the lines an earlier passage already shows: a table row repeated
    by its row chunk (with the spelled-out form under it), a paragraph two overlapping chunks
    share. Heading lines stay; a table's header row stays while one of its rows does. Each
    line costs prefill time, and a figure shown twice looks like two sources agreeing."""
    seen: set[str] = set()
    out = []
    for passage in passages:
        lines = passage["text"].split("\n")
        keys = [" ".join(line.split()) for line in lines]
        is_row = [" | " in line for line in lines]
        headers = [i for i in header_rows(lines) if i > 0]
        keep = [True] * len(lines)
        for i in range(1, len(lines)):
            if i in headers:
                continue
            spelled_out = " · " in lines[i] and not is_row[i] and is_row[i - 1]
            keep[i] = keys[i] not in seen and not (spelled_out and not keep[i - 1])
        for i in headers:
            block = range(
                i + 1, next((j for j in range(i + 1, len(lines)) if not is_row[j]), len(lines))
            )
            keep[i] = any(keep[j] for j in block)
        seen.update(keys[1:])
        text = "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)
        out.append(passage | {"text": text})
    return out


def compress(
    passages: Sequence[dict[str, Any]], question: str, budget: int
) -> list[dict[str, Any]]:
    """The passages with ``text`` cut to an even share of ``budget`` tokens each."""
    if not passages:
        return []
    terms = question_terms(question)
    share = max(budget // len(passages), 40)
    return [p | {"text": compress_passage(p["text"], terms, share)} for p in passages]
