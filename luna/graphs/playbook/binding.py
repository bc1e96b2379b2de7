"""The optimiser's binding constraints in the reader's language, for a plan's assumptions.

The optimiser phrases them in English with its rule descriptions; German is written from each
constraint's kind, subject and time, and the saving relaxing it would bring.
"""

from __future__ import annotations

from luna.graphs.playbook.figures import clock, number_text, window_text
from luna.graphs.playbook.schema import Language
from luna.graphs.playbook.texts import BINDING_DE, MESSAGES
from luna.optimisation import BindingConstraint
from luna.optimisation.explain import WORTH_MENTIONING_EUR


def binding_text(constraint: BindingConstraint, language: Language) -> str:
    if language == "en":
        return constraint.message
    subject = MESSAGES[language].get(f"device.{constraint.subject}", constraint.subject)
    words = BINDING_DE[constraint.kind].format(subject=subject, when=_when(constraint))
    saving = constraint.relax_saving_eur
    if saving is not None and saving >= WORTH_MENTIONING_EUR:
        words += BINDING_DE["saving"].format(saving=number_text(saving, 2, language))
    return words


def _when(constraint: BindingConstraint) -> str:
    start, end = constraint.start, constraint.end
    if start == end:
        return f"{start:%d.%m.} {clock(start)} Uhr"
    return window_text(start, end, "de")
