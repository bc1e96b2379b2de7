"""What a comparison question compares: "By how much is the net grid fee lower under Module 2
than the standard grid fee?" names two things, often stated in two documents (a monthly peak
in a facility note, the limit in a policy). Retrieval searches each side on its own
(:func:`luna.retrieval.queries.question_parts`), and code subtracts the two values the sides
pick (:mod:`luna.graphs.rag.comparison_plans`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The question asks for the size of a difference: "um wie viel", "by how much", "how much
# lower", "wie viel mehr", "the difference between".
# "wie viele kWh mehr", "how many kWh more": the unit may stand between.
_UNIT_BETWEEN = r"(?:[^\W\d_]{1,4}\s+)?"
ASKS_DIFFERENCE = re.compile(
    r"\bum\s+wie\s?viele?\b(?!\s+uhr)|"
    rf"\bwie\s?viele?\s+{_UNIT_BETWEEN}(mehr|weniger|höher|niedriger|größer|kleiner)\b|"
    r"\b(differenz|unterschied)\b|\bby\s+how\s+(much|many)\b|"
    r"\bhow\s+much\s+(more|less|higher|lower|greater|smaller|bigger)\b|"
    rf"\bhow\s+many\s+{_UNIT_BETWEEN}(more|less|fewer)\b|\bdifference\b|"
    # "wie viele kW lag die über dem Grenzwert", "how many kW was it above the limit"
    rf"\bwie\s?viele?\s+{_UNIT_BETWEEN}[^?]{{0,40}}\b(über|unter|oberhalb|unterhalb)\s|"
    rf"\bhow\s+(many\s+{_UNIT_BETWEEN}|far\s)[^?]{{0,40}}\b(above|below|over|under)\s",
    re.IGNORECASE,
)
# ... as a percentage of the side compared against.
ASKS_PERCENT = re.compile(
    r"\b(wie\s?viel|welche[nm]?)\s+(prozent\b|%)|\bprozentual\w*\b|"
    r"\b(what|which)\s+percentage\b|\bhow\s+many\s+(percent\b|%)|\bby\s+what\s+percent\w*\b|"
    r"\bin\s+(prozent|percent)\b|\bin\s+%",
    re.IGNORECASE,
)
# The words that join the two sides, strongest first: "A than B" before "A under/above B"
# (where "under Module 2" may also mean "in the case of").
_AGAINST = (
    re.compile(
        r"\b(than|als|gegenüber|compared\s+(to|with)|im\s+vergleich\s+zu[mr]?|"
        r"verglichen\s+mit|versus|vs\.)\s",
        re.IGNORECASE,
    ),
    re.compile(r"\b(über|unter|oberhalb|unterhalb|above|below|over|under)\s", re.IGNORECASE),
)
# "zwischen A und B", "between A and B": the sides of "the difference between".
_BETWEEN = re.compile(r"\b(zwischen|between)\s+(?P<a>.+?)\s+(und|and)\s+(?P<b>.+)$", re.I)
# A change "from A to B" ("von A auf B"), asked with a verb of change: B is compared to A.
CHANGE = re.compile(
    r"\b(ris|rose|increas|decreas|fall|fell|drop|chang|grow|grew|went|go(?:es|ne)?\s+up|"
    r"going\s+up|go(?:es|ne)?\s+down|climb|jump|lower|reduc|cut|rais|"
    r"steig|stieg|sink|sank|erhöh|senk|veränder|änder|gestiegen|gesunken|reduzier)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d.,])(?:19|20)\d\d(?![\d.,])")
_FROM_TO = re.compile(
    r"\b(from|von)\s+(?P<a>.+?)\s+(to|auf|zu[mr]?|bis\s+zu[mr]?)\s+(?P<b>.+)$", re.I
)


@dataclass(frozen=True)
class Sides:
    """The two sides of a comparison: the one asked about and the one it is compared to."""

    compared: str
    reference: str


def asks_difference(question: str) -> bool:
    """Whether the question asks by how much two values differ, or by what percentage one
    changed ("um wie viel kW … über", "how many kWh more", "by how many percent did … go
    up"): a computation over two values, never a total over the periods it names."""
    changed = ASKS_PERCENT.search(question) and CHANGE.search(question)
    return bool(ASKS_DIFFERENCE.search(question) or changed)


def asks_comparison(question: str) -> bool:
    """Whether the question asks by how much (or by what percentage) two things differ."""
    return bool(ASKS_DIFFERENCE.search(question) or ASKS_PERCENT.search(question))


def comparison_sides(question: str) -> Sides | None:
    """A comparison question split at its comparison word ("… lower under Module 2 than the
    standard grid fee …" → "… under Module 2" / "the standard grid fee …"), or a change
    "from A to B" into B and A, each with what changed; None when it asks no comparison or
    has no such word."""
    if not asks_comparison(question):
        return None
    text = question.strip().rstrip("?.! ")
    between = _BETWEEN.search(text)
    if between is not None:
        return Sides(between.group("a"), between.group("b"))
    change = _FROM_TO.search(text) if CHANGE.search(text) else None
    if change is not None:  # what changed, said before "from", belongs to both sides
        before = text[: change.start()].strip()
        return Sides(f"{before} {change.group('b')}", f"{before} {change.group('a')}")
    for pattern in _AGAINST:
        matches = list(pattern.finditer(text))
        if matches:
            at = matches[-1]
            return _older_as_reference(
                Sides(text[: at.start()].strip(), text[at.end() :].strip()), text
            )
    return None


def _older_as_reference(sides: Sides, question: str) -> Sides:
    """A change between two years ("gestiegen – FAQ 2025 im Vergleich zum Preisblatt 2026")
    is measured against the earlier one, whichever side the question names it on."""
    if not CHANGE.search(question):
        return sides
    compared, reference = _YEAR.findall(sides.compared), _YEAR.findall(sides.reference)
    if len(set(compared)) == 1 and len(set(reference)) == 1 and compared[0] < reference[0]:
        return Sides(sides.reference, sides.compared)
    return sides
