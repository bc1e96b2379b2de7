"""Which of the user's meters a message names, in German and English.

By id ("Und bei M-003?", "what about meter m-003?"), or by its place among the user's meters:
"für den anderen Zähler", "the other meter" (the one the thread did not ask about), "mein
zweiter Zähler", "my first meter", and "beide Zähler zusammen", "all my meters" (every meter,
summed). A follow-up that names only a meter changes only the meter: the rules keep the
thread's measure and period (see :mod:`luna.graphs.agent.intents`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_I = re.IGNORECASE

METER = re.compile(r"\b([A-Z]{1,4}-\d{2,6})\b", _I)
_NOUN = r"(?:zähler\w*|stromzähler\w*|messstelle\w*|meters?|smart meters?)"
_OTHER = re.compile(
    rf"\b(?:andere[nmrs]?|other|zweite[nmrs]?|second|erste[nmrs]?|first|dritte[nmrs]?|third)"
    rf"\s+{_NOUN}",
    _I,
)
_PLACES = {"erst": 0, "first": 0, "zweit": 1, "second": 1, "dritt": 2, "third": 2}
_ALL = re.compile(
    rf"\b((beide[nmrs]?|alle[nmrs]?|both|all)\s+(?:(?:meine[nmr]?|unsere[nmr]?|my|our|of my|"
    rf"the)\s+)?{_NOUN}|(beide|both)\s+(zusammen|together|of them|combined)|"
    r"(alle|all)\s+(zusammen|together|combined))\b",
    _I,
)


_TOGETHER = re.compile(
    r"\b(zusammen|gemeinsam|insgesamt|summiert|addiert|together|combined|in total|summed|"
    r"added up|altogether)\b",
    _I,
)


def named_meters(message: str) -> list[str]:
    """The meter ids the message names, in its order, each once."""
    return list(dict.fromkeys(m.upper() for m in METER.findall(message)))


def _all_together(message: str, meters: Sequence[str] | None) -> bool:
    """Whether the message names every one of the user's meters by id, to be summed ("M-001
    und M-003 zusammen")."""
    named = named_meters(message)
    return (
        len(named) >= 2
        and meters is not None
        and set(named) == {m.upper() for m in meters}
        and _TOGETHER.search(message) is not None
    )


def names_several_meters(message: str, meters: Sequence[str] | None) -> bool:
    """Whether the message names two or more meters by id other than as all of the user's
    meters summed: a comparison or a part of the meters, which one query of one meter (or of
    all summed) does not answer."""
    return len(named_meters(message)) >= 2 and not _all_together(message, meters)


def names_meter_by_place(message: str) -> bool:
    """Whether the message names a meter by its place ("the other meter"), which needs the
    user's meters to resolve."""
    return _OTHER.search(message) is not None


@dataclass(frozen=True)
class MeterRef:
    """A meter a message names: ``meter_id`` None means all the user's meters, summed."""

    meter_id: str | None


def meter_reference(
    message: str, previous: str | None, meters: Sequence[str] | None
) -> MeterRef | None:
    """The meter ``message`` names, or None when it names none or it is unclear which.
    ``previous`` is the meter the thread asked about last (None: all of them), ``meters`` the
    user's (sorted); without them only ids are understood."""
    if _all_together(message, meters):
        return MeterRef(None)
    found = METER.search(message)
    if found is not None:
        return MeterRef(found.group(1).upper())
    if _ALL.search(message):
        return MeterRef(None)
    other = _OTHER.search(message)
    if other is None or not meters:
        return None
    word = other.group(0).split()[0].casefold()
    if word.startswith(("andere", "other")):
        rest = [m for m in meters if m != previous]
        return MeterRef(rest[0]) if previous is not None and len(rest) == 1 else None
    place = next((i for stem, i in _PLACES.items() if word.startswith(stem)), None)
    if place is None or place >= len(meters):
        return None
    return MeterRef(sorted(meters)[place])
