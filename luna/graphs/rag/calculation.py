"""Figures that need arithmetic: the model plans the calculation, code checks and computes it.

The local 1.5B model copies figures well but gets sums wrong, so for a question like "what do
350 kWh cost?" it only writes a :class:`CalculationPlan` (operands picked from the numbers of
the question and the passages, and an expression over their names). Code verifies the plan
(:mod:`luna.graphs.rag.calculation_plan`), computes it in :class:`~decimal.Decimal` with units
converted (:mod:`luna.core.arithmetic`, :mod:`luna.core.units`) and renders the calculation in
the user's language and number format (:meth:`Calculation.render`). Whether a question needs
this at all is :func:`wants_calculation` (:mod:`luna.graphs.rag.calculation_cues`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ConfigDict

from luna.core.arithmetic import Expression, format_number, written_decimals
from luna.core.language import Language
from luna.core.units import parse_unit
from luna.graphs.rag.bill_formulas import bill_formula_plan
from luna.graphs.rag.calculation_cues import (
    ASKS_NET_AND_GROSS,
    GROSS_WORD,
    NET_WORD,
    RATE_BEFORE_VAT,
    net_side_only,
    wants_calculation,
)
from luna.graphs.rag.calculation_plan import (
    NUMBERED_SCHEMA,
    PLAN_SCHEMA,
    UNIT_MISMATCH,
    CalculationPlan,
    Checked,
    ListedNumber,
    Operand,
    check_plan,
    compute,
    is_percent,
    listed_numbers,
    numbered_block,
    numbers_block,
    parse_plan,
    passages_block,
    plan_from_ids,
    unused_question_quantities,
    verify_plan,
    with_expression_unit,
    without_unused_operands,
)
from luna.graphs.rag.comparison_plans import comparison_plan
from luna.graphs.rag.payback_plans import payback_plan
from luna.graphs.rag.rate_plans import rate_plan
from luna.graphs.rag.scaled_amounts import scaled_plan, stated_vat
from luna.graphs.rag.share_plans import share_plan
from luna.graphs.rag.soc_windows import soc_window_plan
from luna.graphs.rag.stated_formulas import formula_plan
from luna.llm.llama_cpp_chat import json_schema_format
from luna.prompts.registry import LoadedPrompt

__all__ = [
    "PLAN_SCHEMA",
    "Calculation",
    "CalculationPlan",
    "CitedOperand",
    "Figures",
    "Operand",
    "calculate",
    "calculated_by_code",
    "plan_calculation",
    "verify_plan",
    "wants_calculation",
]

log = logging.getLogger(__name__)

# At the prompt's temperature 0 the model sent its own plan back unchanged in most dev-loop
# retries; a little randomness lets the retry try another plan (verification still decides).
RETRY_OPTIONS: dict[str, Any] = {"temperature": 0.5}


# --- the result ------------------------------------------------------------------------------

_LABELS: dict[Language, str] = {"de": "Rechnung", "en": "Calculation"}
_ARGUMENT_SEPARATOR: dict[Language, str] = {"de": "; ", "en": ", "}  # "," is the German decimal
_MONEY_UNIT = re.compile(r"^(€|eur|euro|ct|cent)", re.IGNORECASE)
_ADDITIVE = re.compile(r"[\w\s()+-]+")  # names, brackets, plus and minus only


class CitedOperand(BaseModel):
    """An operand of a computed figure: its value as the source writes it, and the source
    (passage number, 0 for the question) to cite."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: Decimal
    written: str
    unit: str
    source: int


def display_decimals(unit: str) -> tuple[int, bool]:
    """Decimals to show a result in ``unit`` with, and whether trailing zeros are trimmed:
    money and ct/kWh to the cent (2, fixed), €/kWh to 4, energy per mass (a specific
    consumption such as 0,459 kWh/kg) up to 3, energy and the rest up to 2."""
    compact = unit.replace(" ", "").casefold()
    if _MONEY_UNIT.match(compact):
        per_energy = compact.endswith(("/kwh", "/wh"))
        return (4, False) if per_energy and not compact.startswith(("ct", "cent")) else (2, False)
    if compact.endswith(("/kg", "/t")):
        return 3, True
    return 2, True


def display_unit(result_unit: str) -> str:
    """The unit a result is shown in: the plan's, except that an amount in cents is shown in
    euros ("333,00 €", not "33.300,00 ct"); prices per kWh stay in ct/kWh."""
    unit = result_unit.strip()
    return "€" if parse_unit(unit) == parse_unit("ct") else unit


def _quantity(number: str, unit: str, language: Language) -> str:
    """A number with its unit: "19 %" in German, "19%" in English, "8,50 ct/kWh"."""
    if unit == "%":
        return f"{number} %" if language == "de" else f"{number}%"
    return f"{number} {unit}" if unit else number


class Calculation(BaseModel):
    """A computed figure with what it was computed from; ``render`` writes it for the user."""

    model_config = ConfigDict(frozen=True)

    value: Decimal
    result_unit: str
    expression: str
    operands: list[CitedOperand]
    # Intermediate figures shown on lines of their own before this one ("55 kW × 7 h =
    # 385 kWh" before the cost; a period's two sums before their quotient).
    steps: tuple[Calculation, ...] = ()

    @property
    def sources(self) -> list[int]:
        """The passage numbers the operands (and the steps') come from (the question, 0,
        excluded)."""
        own = {o.source for o in self.operands if o.source > 0}
        return sorted(own.union(*(step.sources for step in self.steps)))

    def decimals(self) -> tuple[int, bool]:
        """Decimals to show the value with, and whether trailing zeros are trimmed: the
        unit's (:func:`display_decimals`), or more where a sum or difference of operands
        written with more is exact with them (8,12 − 3,248 ct/kWh = 4,872 ct/kWh)."""
        decimals, trim = display_decimals(self.result_unit)
        if _ADDITIVE.fullmatch(self.expression):
            written = max(written_decimals(o.value) for o in self.operands)
            decimals = max(decimals, written)
        return decimals, trim

    def rounded(self) -> Decimal:
        """The value as :meth:`render` shows it (half up to its decimals)."""
        decimals, _ = self.decimals()
        return self.value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)

    def render(self, language: Language) -> str:
        """One line, after one per step: "Rechnung: (8,50 ct/kWh + 16,131 ct/kWh) ×
        (1 + 19 %) = 29,31 ct/kWh [1]"."""
        by_name = {o.name: o for o in self.operands}

        def label(name: str) -> str:
            o = by_name[name]
            number = format_number(o.value, language, written_decimals(o.value))
            return _quantity(number, o.unit, language)

        expression = Expression.parse(self.expression)
        shown = expression.render(
            label,
            lambda c: format_number(c, language, written_decimals(c)),
            percent_names=[o.name for o in self.operands if o.unit == "%"],
            separator=_ARGUMENT_SEPARATOR[language],
        )
        decimals, trim = self.decimals()
        result = _quantity(
            format_number(self.value, language, decimals, trim=trim), self.result_unit, language
        )
        own = sorted({o.source for o in self.operands if o.source > 0})
        cited = " ".join(f"[{n}]" for n in own)
        line = f"{_LABELS[language]}: {shown} = {result}" + (f" {cited}" if cited else "")
        return "\n".join([*(step.render(language) for step in self.steps), line])

    def with_steps(self, *steps: Calculation) -> Calculation:
        """This figure with intermediate figures shown before it."""
        return self.model_copy(update={"steps": (*self.steps, *steps)})


class Figures(BaseModel):
    """Several computed figures one question asks for ("in total, and the monthly average"),
    rendered one line each."""

    model_config = ConfigDict(frozen=True)

    items: list[Calculation]

    @property
    def sources(self) -> list[int]:
        return sorted({n for item in self.items for n in item.sources})

    def render(self, language: Language) -> str:
        return "\n".join(item.render(language) for item in self.items)


def _reply_text(reply: BaseMessage) -> str:
    content = reply.content
    return content if isinstance(content, str) else json.dumps(content)


def _ask(
    chat_model: BaseChatModel,
    prompt: LoadedPrompt,
    question: str,
    passages: Sequence[dict[str, Any]],
    history: list[BaseMessage],
    options: dict[str, Any] | None = None,
    listed: Sequence[ListedNumber] = (),
) -> str:
    """One constrained model call; the prompt version declares which views of the sources it
    takes (``numbered``: the numbers by id, the reply only an expression over them;
    ``numbers`` or ``passages``: the reply a whole :class:`CalculationPlan`) besides the
    question."""
    offered = {
        "passages": lambda: passages_block(passages),
        "numbers": lambda: numbers_block(question, passages),
        "numbered": lambda: numbered_block(listed),
        "question": lambda: question,
    }
    variables = {name: offered[name]() for name in prompt.spec.variables if name in offered}
    messages = prompt.render(history=history, **variables)
    schema = NUMBERED_SCHEMA if _numbered(prompt) else PLAN_SCHEMA
    params = prompt.spec.params | (options or {}) | json_schema_format(chat_model, schema)
    return _reply_text(chat_model.invoke(messages, **params))


def _numbered(prompt: LoadedPrompt) -> bool:
    return "numbered" in prompt.spec.variables


def plan_calculation(
    chat_model: BaseChatModel,
    prompt: LoadedPrompt,
    question: str,
    passages: Sequence[dict[str, Any]],
) -> CalculationPlan | None:
    """One model call with the ``rag_calculate`` prompt; None when the reply is no plan.

    ``passages`` are the graph's sources (``{"n", "title", "text", ...}``). Prompt v1.0.0 shows
    the model their numbers as a list, each with its source and the words around it, rather
    than whole passages: in the dev loop the model cited sources more reliably that way (on
    number-dense tariff sheets the list costs about as many tokens as the passages).
    """
    return parse_plan(_ask(chat_model, prompt, question, passages, []))


def _result(plan: CalculationPlan, checked: Checked, expression: Expression) -> Calculation:
    operands = [
        CitedOperand(
            name=o.name,
            value=checked.values[o.name],
            written=o.value,
            unit="%" if is_percent(o) else o.unit.strip(),
            source=o.source,
        )
        for o in plan.operands
    ]
    unit = display_unit(plan.result_unit)
    return Calculation(
        value=compute(plan, checked.values, expression, unit),
        result_unit=unit,
        expression=expression.text,
        operands=operands,
    )


def _with_energy_step(result: Calculation) -> Calculation:
    """A cost of a power over hours with the energy shown first ("55 kW × 7 h = 385 kWh"):
    the figure a reader checks against the meter."""
    by_name = {o.name: o for o in result.operands}
    if not {"power", "hours"} <= by_name.keys() or by_name["power"].unit.casefold() != "kw":
        return result
    power, hours = by_name["power"], by_name["hours"]
    energy = Calculation(
        value=power.value * hours.value,
        result_unit="kWh",
        expression="power * hours",
        operands=[power, hours],
    )
    return result.with_steps(energy)


def calculated_by_code(
    question: str, passages: Sequence[dict[str, Any]], language: Language
) -> Calculation | Figures | None:
    """The figure code computes without a model: a payback time
    (:mod:`luna.graphs.rag.payback_plans`), a formula a passage states
    (:mod:`luna.graphs.rag.stated_formulas`), a stated rate times the question's quantity
    (:mod:`luna.graphs.rag.rate_plans`) or its shares (:mod:`luna.graphs.rag.share_plans`),
    and the other shapes :func:`_coded` tries, verified like any plan; None when none fits. A
    question that asks the figure net and gives a VAT rate to apply ("netto im Jahr, und was
    macht das mit 19 % MwSt.?") gets both: the net figure, then that figure with the VAT."""
    vat = RATE_BEFORE_VAT.search(question)
    if vat is not None and NET_WORD.search(question):
        net = _coded(f"{question[: vat.start()]}{question[vat.end() :]}", passages, language)
        if net is not None:
            return Figures(items=[net, _with_vat(net, vat.group("rate"))])
    return _coded(question, passages, language)


def _with_vat(net: Calculation, written: str, source: int = 0) -> Calculation:
    """``net`` with a VAT rate applied: the question's (``source`` 0) or a passage's."""
    rate = Decimal(written.replace(",", "."))
    vat = CitedOperand(name="vat", value=rate, written=written, unit="%", source=source)
    return Calculation(
        value=net.value * (1 + rate / 100),
        result_unit=net.result_unit,
        expression=f"({net.expression}) * (1 + vat / 100)",
        operands=[*net.operands, vat],
    )


def _coded(
    question: str, passages: Sequence[dict[str, Any]], language: Language
) -> Calculation | None:
    for kind, coded in (
        ("payback", payback_plan(question, passages)),
        ("stated formula", formula_plan(question, passages)),
        ("bill formula", bill_formula_plan(question, passages)),
        ("rate plan", rate_plan(question, passages)),
        ("shares of a quantity", share_plan(question, passages)),
        ("comparison", comparison_plan(question, passages)),
        ("scaled amount", scaled_plan(question, passages)),
        ("state-of-charge window", soc_window_plan(question, passages)),
    ):
        if coded is None:
            continue
        checked = check_plan(coded, question, passages, language)
        if not checked.problems and checked.expression is not None:
            return _with_energy_step(_result(coded, checked, checked.expression))
        log.info("%s rejected: %s", kind, "; ".join(checked.problems))
    return None


def calculate(
    chat_model: BaseChatModel,
    prompt: LoadedPrompt,
    question: str,
    passages: Sequence[dict[str, Any]],
    language: Language,
) -> Calculation | Figures | None:
    """Plan, verify and compute; None when no plan passes verification.

    A formula a passage states that answers the question with the value the question gives is
    evaluated without a model call (:mod:`luna.graphs.rag.stated_formulas`), and so is an
    amount of money that is a stated rate times the question's quantity
    (:mod:`luna.graphs.rag.rate_plans`).

    A question that asks the figure both net and gross gets the net figure so computed, then
    that figure with the VAT rate the passages state (:func:`net_side_only`).

    A prompt that takes ``numbered`` (v1.1.0 on) gets the numbers by id and writes only an
    expression over them; code builds the plan (operands, their sources, the result's unit)
    and also requires every quantity the question states to be used. With an older prompt
    the model writes the whole plan, and operands the expression never reads are dropped
    first (they cannot change the result); a plan whose only fault is a result unit that does
    not fit its expression takes the expression's unit (:func:`with_expression_unit`). A
    rejected plan is sent back once with
    its problems listed, at :data:`RETRY_OPTIONS` (llama.cpp reuses the prompt prefix, so the
    retry costs about the decoding of a plan); a second rejection gives None, and the caller
    answers without a computed figure or refuses.
    Model errors propagate.
    """
    vat = stated_vat(question, passages) if ASKS_NET_AND_GROSS.search(question) else None
    if vat is not None:  # "netto und brutto bitte": the net figure, then with the stated VAT
        net = calculate(chat_model, prompt, net_side_only(question), passages, language)
        if isinstance(net, Calculation):
            return Figures(items=[net, _with_vat(net, vat.value, vat.source)])
        return net
    coded = calculated_by_code(question, passages, language) or _gross_of_net(
        question, passages, language
    )
    if coded is not None:
        return coded
    history: list[BaseMessage] = []
    listed = listed_numbers(question, passages) if _numbered(prompt) else None
    for attempt in (1, 2):
        options = RETRY_OPTIONS if history else None
        raw = _ask(chat_model, prompt, question, passages, history, options, listed or ())
        plan, problems = _read_plan(raw, listed, question)
        if plan is not None:
            checked = check_plan(plan, question, passages, language)
            problems = checked.problems + unused_question_quantities(plan, listed or ())
            if problems and all(p.startswith(UNIT_MISMATCH) for p in problems):
                corrected = with_expression_unit(plan, question, listed is None)
                if corrected is not None:
                    plan, checked = corrected, check_plan(corrected, question, passages, language)
                    problems = checked.problems
            if not problems and checked.expression is not None:
                return _result(plan, checked, checked.expression)
        log.info(
            "calculation plan %d rejected: %s; reply %r", attempt, "; ".join(problems), raw[:200]
        )
        history = [
            AIMessage(raw),
            HumanMessage(f"Rejected: {'; '.join(problems)}. Write the JSON again."),
        ]
    return None


def _gross_of_net(
    question: str, passages: Sequence[dict[str, Any]], language: Language
) -> Figures | None:
    """A figure asked gross that code computes only net (the grid operator's letter states
    its fees net): the net figure, then with the VAT rate the passages state."""
    gross = GROSS_WORD.search(question)
    if gross is None or NET_WORD.search(question):
        return None
    vat = stated_vat(question, passages)
    if vat is None:
        return None
    as_net = f"{question[: gross.start()]}netto{question[gross.end() :]}"
    net = calculated_by_code(as_net, passages, language)
    if not isinstance(net, Calculation):
        return None
    return Figures(items=[net, _with_vat(net, vat.value, vat.source)])


def _read_plan(
    raw: str, listed: Sequence[ListedNumber] | None, question: str
) -> tuple[CalculationPlan | None, list[str]]:
    """The plan a reply means, or None and the problem: with ``listed`` (a numbered prompt)
    the reply is an expression over their ids; otherwise a whole plan, less the operands its
    expression never reads."""
    if listed is not None:
        plan = plan_from_ids(raw, listed, question)
        return (None, [plan]) if isinstance(plan, str) else (plan, [])
    whole = parse_plan(raw)
    if whole is None:
        return None, ["the reply is not a JSON plan with operands, expression and result_unit"]
    return without_unused_operands(whole), []
