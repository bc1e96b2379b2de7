"""Metric definitions of the eval suites: pure functions, checked on hand-computed examples.

Retrieval (per question, over the ranked hits): hit@k, evidence@k (every required fact in the
first k passages), reciprocal rank, nDCG@k with graded
relevance (2 = a chunk of the expected document in the expected section, 1 = the expected
document elsewhere, 0 = another document), ideal ranking taken from every chunk of the
expected documents. QA: token F1 (SQuAD-style bag of words, German and English stop words
removed, decimal commas and points unified so "14,90" matches "14.90"), faithfulness (share of
answer sentences whose figures all occur in the cited context and most of whose content words
do), refusal correctness and citation recall/precision. Routing: tool and argument accuracy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"[-−]?\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[-−]?\d+(?:[.,]\d+)*|[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
_CITATION = re.compile(r"\[\d{1,2}\]")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_STOP_EN = (
    "a an and are as at be by for from has have in is it its of on or the to was were will with "
    "this that what which who how when does do"
)
_STOP_DE = (
    "der die das den dem des ein eine einer eines einem einen und oder ist sind war wird werden "
    "mit von für auf im in zu zum zur bei als auch an aus es er sie wie was wann welche welcher "
    "welches nicht noch nur pro je"
)
STOP_WORDS = frozenset(f"{_STOP_EN} {_STOP_DE}".split())


# --- retrieval ---------------------------------------------------------------------------


def hit_at_k(grades: Sequence[float], k: int) -> float:
    """1.0 if any of the first ``k`` results is relevant (grade > 0)."""
    return 1.0 if any(g > 0 for g in grades[:k]) else 0.0


def reciprocal_rank(grades: Sequence[float]) -> float:
    """1 / rank of the first relevant result; 0.0 if none is."""
    for rank, grade in enumerate(grades, start=1):
        if grade > 0:
            return 1.0 / rank
    return 0.0


def ranking_scores(grades: Sequence[float], k: int) -> dict[str, float]:
    """MRR, hit@1 and hit@k of one ranked result list (the learning gate's figures)."""
    return {
        "mrr": reciprocal_rank(grades),
        "hit@1": hit_at_k(grades, 1),
        f"hit@{k}": hit_at_k(grades, k),
    }


def dcg_at_k(grades: Sequence[float], k: int) -> float:
    """Discounted cumulative gain with exponential gain ``2^g - 1`` and a ``log2(rank + 1)``
    discount."""
    return float(sum((2.0**g - 1.0) / math.log2(rank + 1) for rank, g in enumerate(grades[:k], 1)))


def ndcg_at_k(grades: Sequence[float], ideal: Iterable[float], k: int) -> float:
    """DCG of the ranking over the DCG of the best possible ranking of ``ideal`` (the grades
    of every candidate that exists, retrieved or not); 0.0 when nothing is relevant."""
    best = dcg_at_k(sorted(ideal, reverse=True), k)
    return dcg_at_k(grades, k) / best if best > 0 else 0.0


def _norm_path(section: str | None) -> str:
    return " > ".join(p.strip().casefold() for p in (section or "").split(">") if p.strip())


def section_matches(chunk_section: str | None, chunk_text: str, expected: str | None) -> bool:
    """Whether a chunk lies in the expected section (a heading path like ``3 Preise > 3.1 …``).

    Chunks carry the heading path where they start and may span sibling subsections, so a
    chunk of a parent section counts when its text contains the expected subsection's heading.
    """
    if expected is None:
        return True
    want, have = _norm_path(expected), _norm_path(chunk_section)
    if not have:
        return False
    if want == have or have.startswith(want + " > "):
        return True
    if want.startswith(have + " > "):
        heading = want.rsplit(" > ", 1)[-1]
        return heading in " ".join(chunk_text.split()).casefold()
    return False


def flat_text(text: str) -> str:
    """Casefolded, whitespace collapsed: how evidence and required strings are compared."""
    return " ".join(text.split()).casefold()


def evidence_found(passages: Sequence[str], evidence: Iterable[str]) -> list[bool]:
    """For each evidence string, whether some passage contains it (case and whitespace
    ignored)."""
    flat = [flat_text(p) for p in passages]
    return [any(flat_text(e) in p for p in flat) for e in evidence]


def evidence_at_k(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    """1.0 when every required fact (evidence string) is in the first ``k`` passages: the
    answer is possible from what the model is shown. Stricter than hit@k, which only asks
    for the right document."""
    return 1.0 if all(evidence_found(passages[:k], evidence)) else 0.0


# --- text similarity ---------------------------------------------------------------------


def canonical_number(text: str) -> str:
    """``14,90`` and ``14.90`` compare equal; the minus sign is unified."""
    return text.replace("−", "-").replace(",", ".")


def tokens(text: str) -> list[str]:
    """Lower-case content words and canonical numbers; citation markers and stop words go."""
    text = _CITATION.sub(" ", text)
    out = []
    for token in _WORD.findall(text.casefold()):
        if _NUMBER.fullmatch(token):
            out.append(canonical_number(token))
        elif token not in STOP_WORDS:
            out.append(token)
    return out


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall of the prediction against the reference."""
    pred, ref = Counter(tokens(prediction)), Counter(tokens(reference))
    common = sum((pred & ref).values())
    if common == 0:
        return 0.0
    precision = common / sum(pred.values())
    recall = common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def numbers_in(text: str) -> set[str]:
    return {canonical_number(n) for n in _NUMBER.findall(_CITATION.sub(" ", text))}


@dataclass(frozen=True)
class Faithfulness:
    score: float | None  # supported claims / claims; None for an answer without claims
    claims: int
    supported: int
    unsupported_numbers: list[str]


def faithfulness(answer: str, context: str, *, word_support: float = 0.5) -> Faithfulness:
    """Share of the answer's claims (sentences) supported by the context.

    A claim is supported when every figure in it occurs in the context and at least
    ``word_support`` of its content words do. Deterministic and strict on numbers, which is
    where a small model's answers go wrong; paraphrases in other words count less.
    """
    context_words = set(tokens(context))
    context_numbers = numbers_in(context)
    claims = [s for s in _SENTENCE.split(answer) if tokens(s)]
    supported = 0
    unsupported: list[str] = []
    for claim in claims:
        missing = sorted(numbers_in(claim) - context_numbers)
        words = [t for t in tokens(claim) if not _NUMBER.fullmatch(t)]
        covered = sum(w in context_words for w in words) / len(words) if words else 1.0
        if not missing and covered >= word_support:
            supported += 1
        unsupported.extend(missing)
    score = supported / len(claims) if claims else None
    return Faithfulness(score, len(claims), supported, unsupported)


def citation_scores(cited: Iterable[str], expected: Iterable[str]) -> tuple[float, float | None]:
    """(recall, precision) of cited documents against the expected ones; precision is None
    when nothing was cited."""
    cited_set, expected_set = set(cited), set(expected)
    hit = len(cited_set & expected_set)
    recall = hit / len(expected_set) if expected_set else 0.0
    precision = hit / len(cited_set) if cited_set else None
    return recall, precision


# --- routing ------------------------------------------------------------------------------


def lookup(args: Mapping[str, Any], path: str) -> Any:
    """``loads.0.energy_kwh`` → ``args["loads"][0]["energy_kwh"]``; None where missing."""
    value: Any = args
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, Sequence) and not isinstance(value, str) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return None
    return None


def argument_matches(expected: Any, actual: Any) -> bool:
    """One expected argument against the value the router produced.

    Plain values match exactly (strings case-insensitively, numbers within 1e-6); the
    pydantic forms from :mod:`luna.evals.datasets` mean "contains any of these words",
    "between" and "starts with".
    """
    if actual is None:
        return False
    contains = getattr(expected, "contains_any", None)
    if contains is not None:
        text = str(actual).casefold()
        return any(word.casefold() in text for word in contains)
    between = getattr(expected, "between", None)
    if between is not None:
        number = _as_float(actual)
        return number is not None and between[0] <= number <= between[1]
    prefix = getattr(expected, "prefix", None)
    if prefix is not None:
        return str(actual).startswith(prefix)
    if isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int | float):
        number = _as_float(actual)
        return number is not None and abs(number - float(expected)) <= 1e-6
    return str(actual).strip().casefold() == str(expected).strip().casefold()


def argument_accuracy(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> float | None:
    """Share of expected arguments the router got right; None when none are expected."""
    if not expected:
        return None
    right = sum(argument_matches(want, lookup(actual, key)) for key, want in expected.items())
    return right / len(expected)


# --- aggregation --------------------------------------------------------------------------


def mean_metrics(rows: Iterable[Mapping[str, float | None]]) -> dict[str, float]:
    """Mean of every metric over the cases that have it (None means 'not applicable')."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for row in rows:
        for key, value in row.items():
            if value is None:
                continue
            sums[key] = sums.get(key, 0.0) + float(value)
            counts[key] = counts.get(key, 0) + 1
    return {key: round(sums[key] / counts[key], 4) for key in sorted(sums)}
