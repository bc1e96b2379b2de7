"""Whether a stated value meets a requirement another document states, decided by code.

"Erfüllt die im Wartungsvertrag vereinbarte Zeit bis zum Technikereinsatz vor Ort die Vorgabe
der Energieleitlinie?", "Does the export limit set at commissioning comply with the grid
operator's requirement?": the answer is a comparison of two values from two documents, and the
1.5B model answered a bare "Ja", often the wrong one. Here code splits the question into the
thing checked and the requirement ("… die Vorgabe der Energieleitlinie", "… the requirement of
the grid operator"), takes the requirement from the document the requirement side names (a
value with a bound: "höchstens 4 Stunden", "at most 7.44 kW", "mindestens 98,5 %", "within 24
hours"), the checked value from another document (the value in the same unit whose words share
most with the thing checked, across languages through the dictionary) and compares them. The
answer states the verdict with both values and their sources.

Anything unclear gives no verdict and the question goes on to the model: no requirement side,
no document or no bounded value for it, a tie between two checked values, values in different
units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from luna.core.arithmetic import format_number, number_language, parse_number, written_decimals
from luna.core.language import Language, guess_language
from luna.graphs.rag.compress import question_terms, term_score, term_weights
from luna.graphs.rag.guard import neutralise, without_unverified
from luna.ingest.sentences import split_sentences
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.queries import translated_query

Bound = Literal["max", "min"]

# A yes/no question whose verb asks for compliance: "Entspricht …", "Erfüllt …", "Hält … ein",
# or an auxiliary with a compliance word later ("Does … comply with …", "Ist … zulässig").
_ASKS = re.compile(
    r"^\s*(?:(?:entspricht|entsprechen|erfüllt|erfüllen|genügt|genügen|hält|halten)\b|"
    r"(?:liegt|liegen|ist|sind|war|waren|does|do|did|is|are|was|were)\b.*\b(?:"
    r"entspricht|entsprechen|erfüllt|erfüllen|genügt|genügen|einhält|eingehalten|konform|"
    r"innerhalb|vereinbar|zulässig|meet|meets|comply|complies|compliant|conform\w*|"
    r"satisf\w*|within|in line with|permitted|allowed|match\w*)\b)",
    re.IGNORECASE | re.DOTALL,
)
# The requirement side: its noun and what follows ("der Vorgabe der Hohenrode Netz GmbH").
_REQUIREMENT = re.compile(
    r"\b(?:vorgabe\w*|anforderung\w*|grenzwert\w*|begrenzung\w*|regel\w*|verpflichtung\w*|"
    r"requirement\w*|rule\w*|limit\w*|obligation\w*|specification\w*|stipulation\w*)\b"
    r"(?P<whose>[^?.!]*)",
    re.IGNORECASE,
)
_UNITS: dict[str, str] = {
    "kw": "kW", "mw": "MW", "w": "W", "kwh": "kWh", "mwh": "MWh", "kwp": "kWp", "kva": "kVA",
    "%": "%", "€": "€", "eur": "€", "ct/kwh": "ct/kWh", "°c": "°C", "a": "A", "v": "V",
    "h": "h", "std": "h", "stunde": "h", "stunden": "h", "hour": "h", "hours": "h",
    "min": "min", "minute": "min", "minuten": "min", "minutes": "min",
    "tag": "d", "tage": "d", "tagen": "d", "day": "d", "days": "d",
    "werktag": "wd", "werktage": "wd", "werktagen": "wd", "working day": "wd",
    "working days": "wd", "business days": "wd",
    "woche": "wk", "wochen": "wk", "week": "wk", "weeks": "wk",
}  # fmt: skip
_UNIT_WORDS = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_VALUE = re.compile(
    rf"(?<![\w.,])(?P<n>\d+(?:[.,]\d+)*)\s?(?P<u>{_UNIT_WORDS})(?![\w/])", re.IGNORECASE
)
_MAX = re.compile(
    r"(höchstens|maximal|max\.?|bis zu|nicht mehr als|nicht über|spätestens|innerhalb( von)?|"
    r"begrenzt auf|at most|no more than|up to|maximum( of)?|not exceed\w*|within|"
    r"no later than|limited to|≤)\s*$",
    re.IGNORECASE,
)
_MIN = re.compile(
    r"(mindestens|minimal|min\.|wenigstens|nicht weniger als|nicht unter|at least|"
    r"no less than|minimum( of)?|≥)\s*$",
    re.IGNORECASE,
)
# Durations are shown in the answer's language ("8 hours" of a contract → "8 Stunden").
_DURATIONS: dict[str, dict[Language, tuple[str, str]]] = {
    "h": {"de": ("Stunde", "Stunden"), "en": ("hour", "hours")},
    "min": {"de": ("Minute", "Minuten"), "en": ("minute", "minutes")},
    "d": {"de": ("Tag", "Tage"), "en": ("day", "days")},
    "wd": {"de": ("Werktag", "Werktage"), "en": ("working day", "working days")},
    "wk": {"de": ("Woche", "Wochen"), "en": ("week", "weeks")},
}
_SPELLED_OUT = " · "
_BOUND_REACH = 40  # characters before a value that may hold its bound ("innerhalb von höchstens")
_WORDS: dict[Language, dict[str, str]] = {
    "de": {
        "yes": "Ja",
        "no": "Nein",
        "max": "höchstens",
        "min": "mindestens",
        "meets": "hält die Vorgabe ein",
        "over": "überschreitet die Vorgabe",
        "under": "unterschreitet die Vorgabe",
    },
    "en": {
        "yes": "Yes",
        "no": "No",
        "max": "at most",
        "min": "at least",
        "meets": "meets the requirement",
        "over": "exceeds the requirement",
        "under": "falls short of the requirement",
    },
}


@dataclass(frozen=True)
class Stated:
    """A value a passage states, with the words it is known by and its bound, if any."""

    value: Decimal
    written: str
    unit: str  # canonical ("h" for "Stunden" and "hours")
    unit_written: str
    bound: Bound | None
    context: str
    source: int
    document: str


@dataclass(frozen=True)
class Verdict:
    """A checked value against a requirement, and whether it meets it."""

    checked: Stated
    requirement: Stated
    meets: bool

    @property
    def sources(self) -> list[int]:
        return sorted({self.checked.source, self.requirement.source})

    def render(self, language: Language) -> str:
        words = _WORDS[language]

        def shown(stated: Stated) -> str:
            number = format_number(stated.value, language, written_decimals(stated.value))
            names = _DURATIONS.get(stated.unit)
            unit = names[language][stated.value != 1] if names else stated.unit_written
            return f"{number} {unit}"

        bound = self.requirement.bound or "max"
        missed = words["over"] if bound == "max" else words["under"]
        verb = words["meets"] if self.meets else missed
        verdict = words["yes"] if self.meets else words["no"]
        return (
            f"{verdict}. {shown(self.checked)} [{self.checked.source}] {verb}: "
            f"{words[bound]} {shown(self.requirement)} [{self.requirement.source}]."
        )


def asks_compliance(question: str) -> bool:
    """Whether the question asks if something meets a requirement it names."""
    return bool(_ASKS.search(question) and _REQUIREMENT.search(question))


def _stated_values(passage: dict[str, Any]) -> list[Stated]:
    """The values with a unit of one passage: in prose with their sentence as context, in a
    table with their row's and column's headings."""
    text = without_unverified(neutralise(str(passage["text"])))
    language = number_language(text, guess_language(text))
    title = str(passage.get("title") or "")
    found: list[Stated] = []
    header: list[str] | None = None
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split(" | ")] if " | " in line else None
        if cells is not None and header is None:
            header = cells
            continue
        if cells is None and header is not None and _SPELLED_OUT in line:
            continue  # the row above spelled out ("Fault category: Critical · …"): no new value
        if cells is None:
            header = None
        pieces = (
            [(cell, f"{cells[0]} {header[i] if header and i < len(header) else ''}")
             for i, cell in enumerate(cells) if i > 0]
            if cells is not None
            else [(sentence, sentence) for sentence in split_sentences(line)]
        )  # fmt: skip
        for piece, context in pieces:
            for match in _VALUE.finditer(piece):
                before = piece[max(0, match.start() - _BOUND_REACH) : match.start()]
                bound: Bound | None = (
                    "max" if _MAX.search(before) else "min" if _MIN.search(before) else None
                )
                try:
                    value = parse_number(match["n"], language)
                except ValueError:
                    continue
                found.append(
                    Stated(
                        value=value,
                        written=match["n"],
                        unit=_UNITS[match["u"].casefold()],
                        unit_written=match["u"],
                        bound=bound,
                        context=context,
                        source=int(passage["n"]),
                        document=title,
                    )
                )
    return found


def _terms(text: str, dictionary: Dictionary | None) -> set[str]:
    """A side's stems, with those of its words' translations into the other language."""
    translated = translated_query(text, dictionary) or ""
    return question_terms(f"{text} {translated}")


def _unique_best(scored: Sequence[tuple[Stated, float]]) -> Stated | None:
    if not scored:
        return None
    top = max(score for _, score in scored)
    best = {(s.value, s.unit) for s, score in scored if score == top}
    if top <= 0 or len(best) != 1:
        return None
    return next(s for s, score in scored if score == top)


def compliance_verdict(
    question: str, passages: Sequence[dict[str, Any]], dictionary: Dictionary | None = None
) -> Verdict | None:
    """The verdict on the question's requirement (see the module's docstring), or None."""
    if not asks_compliance(question):
        return None
    requirement = _REQUIREMENT.search(question)
    assert requirement is not None
    whose, checked_side = requirement.group(), question[: requirement.start()]
    whose_terms = _terms(whose, dictionary) - _terms(checked_side, dictionary)
    checked_terms = _terms(checked_side, dictionary) - whose_terms
    documents = {str(p.get("title") or ""): p for p in passages}
    heads = {
        title: f"{title} {' '.join(str(p['text']).split()[:40])}" for title, p in documents.items()
    }
    weights = term_weights(list(heads.values()), whose_terms)
    by_document = {title: term_score(head, weights) for title, head in heads.items()}
    top = max(by_document.values(), default=0.0)
    named = [title for title, score in by_document.items() if score == top]
    if top <= 0 or len(named) != 1:
        return None
    values = [v for p in passages for v in _stated_values(p)]
    bounded = [v for v in values if v.document == named[0] and v.bound is not None]
    required_weights = term_weights([v.context for v in bounded], checked_terms | whose_terms)
    required = _unique_best([(v, term_score(v.context, required_weights) + 1) for v in bounded])
    if required is None:
        return None
    others = [v for v in values if v.document != named[0] and v.unit == required.unit]
    scopes = [f"{v.context} {v.document}" for v in others]
    checked_weights = term_weights(scopes, checked_terms)
    checked = _unique_best(
        [(v, term_score(scope, checked_weights)) for v, scope in zip(others, scopes, strict=True)]
    )
    if checked is None:
        return None
    meets = (
        checked.value <= required.value
        if required.bound == "max"
        else (checked.value >= required.value)
    )
    return Verdict(checked=checked, requirement=required, meets=meets)


__all__ = ["Verdict", "asks_compliance", "compliance_verdict"]
