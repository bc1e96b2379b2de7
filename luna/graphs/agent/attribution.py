"""A figure is answered only for the meter it was computed for.

Every data figure carries the meters its tool read (``figures["meters"]``). A follow-up that
only switched the meter ("und bei M-003?") was once answered with the previous meter's figure
under the new meter's name: the model copied it from the thread, or the figure was a sum over
all meters. ``compose`` checks every answer here before the customer sees it: each meter the
question or a model-written answer names must have a figure of its own in this turn, else the
answer says so and gives the figures with the meters they belong to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from luna.core.language import Language
from luna.graphs.agent.data_answer import written_answer
from luna.graphs.agent.meters import METER


def computed_meters(sources: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The meters each of this turn's metered figures was computed for (one tuple per figure:
    a single meter, or several summed); prices and passages have none."""
    found = []
    for source in sources:
        figures = source.get("figures") if source.get("kind") == "data" else None
        if isinstance(figures, dict) and figures.get("meters"):
            found.append(tuple(str(m).upper() for m in figures["meters"]))
    return found


def unattributed_meters(
    questions: Sequence[str], answer: str | None, sources: Sequence[dict[str, Any]]
) -> list[str]:
    """Meters the ``questions`` (the user's words, and the question spelled out) or a
    model-written ``answer`` name that no figure of this turn was computed for on its own;
    empty when no figure of this turn is a meter's (nothing can be misattributed)."""
    computed = computed_meters(sources)
    if not computed:
        return []
    alone = {meters[0] for meters in computed if len(meters) == 1}
    named: list[str] = []
    for text in [*questions, answer or ""]:
        named += [m.upper() for m in METER.findall(text) if m.upper() not in named]
    return [m for m in named if m not in alone]


def _degraded_lines(sources: Sequence[dict[str, Any]]) -> str:
    return " ".join(
        f"{s.get('summary') or s.get('label')} [{s['n']}]." for s in sources if "n" in s
    )


def attributed_answer(
    missing: Sequence[str],
    question: str,
    sources: Sequence[dict[str, Any]],
    language: Language,
    tz: str,
) -> str:
    """The answer when a figure would have been given for a meter it was not computed for:
    which meters have no figure of their own here, then the figures with their meters named
    (written by code, or the tool's own summaries, which name their meters)."""
    which = ", ".join(missing)
    computed = written_answer(question, sources, language, tz, name_meters=True)
    if language == "de":
        head = (
            f"Für Zähler {which} habe ich hier keinen eigenen Wert berechnet, daher nenne ich "
            "dafür keinen. Berechnet habe ich:"
        )
    else:
        noun = "meters" if len(missing) > 1 else "meter"
        head = f"I have not computed a figure of its own for {noun} {which}, so I give none."
        head += " I computed:"
    return f"{head} {computed or _degraded_lines(sources)}"
