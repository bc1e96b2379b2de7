"""An amount a passage states, scaled to what the question asks: per year where the passage
states it per month (× 12), net of the VAT where the passage states it gross (÷ (1 + VAT)),
or gross where it states it net. The VAT rate is the one the question gives ("net of the 19 %
VAT") or, where it only asks "without VAT", the one rate the passages state ("zuzüglich 19 %
Umsatzsteuer").

"What is the gross base price for a whole year?" over "Grundpreis 13,90 € brutto pro Monat",
"How much is the Module 1 reduction per year net of the 19 % VAT?" over "168,00 € brutto pro
Jahr (14,00 € pro Monat)": the amount is read, not computed, but the figure asked is not the
one written, and the 1.5B model scaled it wrongly or not at all. Code picks the amount (the
passage's amount in money, not a rate, whose words share most with the question: net or gross
as the passage must state it, a yearly one before a monthly one where the question asks per
year) and scales it; where nothing needs scaling, the figure is a look-up and there is no plan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from luna.graphs.rag.calculation_cues import RATE_BEFORE_VAT, VAT_WORD, asks_per_year
from luna.graphs.rag.calculation_plan import (
    CalculationPlan,
    ListedNumber,
    in_brackets,
    is_monthly,
    is_yearly,
    listed_numbers,
    stated_side,
)
from luna.graphs.rag.comparison_plans import value_scope
from luna.graphs.rag.compress import question_terms, term_score, term_weights
from luna.graphs.rag.rate_plans import (
    UNDISTINCTIVE,
    asked_net,
    best_rate,
    is_money,
    operand,
    rate_per,
    scored_rates,
)
from luna.ingest.sentences import split_sentences
from luna.retrieval.queries import asked_attributes, states_asked

_AFTER_CHARS = 40
_CLAUSE_END = re.compile(r"[.;:|\n]\s")
_VAT_WORDS = rf"(the\s+|der\s+)?{VAT_WORD.pattern}"
_WITHOUT_VAT = re.compile(
    r"\b(without|excluding|excl|exclusive of|net of|before|ohne|exkl|exklusive|abzüglich|vor)"
    rf"\.?\s+{_VAT_WORDS}",
    re.IGNORECASE,
)
_WITH_VAT = re.compile(
    r"\b(incl|including|inclusive of|with|plus|after|inkl|inklusive|einschließlich|einschl|mit)"
    rf"\.?\s+{_VAT_WORDS}",
    re.IGNORECASE,
)


def _after(number: ListedNumber, text: str) -> str:
    """The words right after a value in its passage, to the end of its clause ("168,00 €
    brutto pro Jahr", "11,45 € pro Monat brutto."): a table cell's context is its headings,
    which need not say net or gross."""
    at = text.find(number.value)
    if at < 0:
        return ""
    after = text[at + len(number.value) : at + len(number.value) + _AFTER_CHARS]
    end = _CLAUSE_END.search(after + " ")
    return after[: end.start() + 1] if end else after


def _sentence(number: ListedNumber, text: str) -> str:
    """The sentence (a table's row) of the passage that states the value."""
    sentences = (s for line in text.split("\n") for s in split_sentences(line))
    return next((s for s in sentences if number.value in s), "")


def _vat(question: str) -> ListedNumber | None:
    """The VAT rate the question gives, when it gives one and no other number."""
    given = listed_numbers(question, [])
    if len(given) != 1 or given[0].unit != "%" or not VAT_WORD.search(question):
        return None
    return given[0]


def stated_vat(question: str, passages: Sequence[dict[str, Any]]) -> ListedNumber | None:
    """The VAT rate the passages state beside a VAT word, when they state exactly one; a
    table's column heading states it too ("Arbeitspreis brutto inkl. 19 % USt.")."""
    rates = {
        n.value: n
        for n in listed_numbers(question, passages, limit=None)  # rates by their words
        if n.source > 0 and n.unit == "%" and VAT_WORD.search(n.context)
    }
    for passage in passages:
        for match in RATE_BEFORE_VAT.finditer(str(passage["text"])):
            rate = match.group("rate")
            if rate not in rates:
                rates[rate] = ListedNumber(rate, "%", int(passage["n"]), match.group())
    return next(iter(rates.values())) if len(rates) == 1 else None


def _best_amount(
    scored: Sequence[tuple[ListedNumber, float]], texts: dict[int, str]
) -> ListedNumber | None:
    """The best-scoring amount; of amounts that score alike, the one the sentence states over
    those it adds in brackets ("Der Grundpreis beträgt 13,90 € …, enthält den
    Netz-Grundpreis (5,20 € brutto)")."""
    return best_rate(scored) or best_rate(
        [(n, s) for n, s in scored if not in_brackets(n, texts[n.source])]
    )


def scaled_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The plan of a stated amount scaled to the period and VAT the question asks (see the
    module's docstring), or None when the amount needs no scaling or is not unambiguous."""
    vat = _vat(question)
    if listed_numbers(question, []) and vat is None:
        return None  # the question brings a quantity of its own: a rate plan's shape
    asked = asked_net(question)
    if vat is None and (_WITHOUT_VAT.search(question) or _WITH_VAT.search(question)):
        vat, asked = stated_vat(question, passages), bool(_WITHOUT_VAT.search(question))
    texts = {int(p["n"]): " ".join(str(p["text"]).split()) for p in passages}
    # With the VAT to convert, an amount stated on the other side of net/gross will do.
    scored = [
        (n, score)
        for n, score in scored_rates(question, passages, "", None if vat else asked)
        if is_money(n.unit) and not rate_per(n.unit)
    ]
    # The amount must be of what is asked ("Grundpreis" for "base price"): a year or a name
    # the question shares with any amount is no reason to scale it.
    by_number = {int(p["n"]): p for p in passages}
    what = VAT_WORD.sub(" ", question) if vat is not None else question  # VAT: how, not what
    # An amount named by the asked attribute's term in the other language ("Basic fee" for
    # "Grundgebühr") shares no word with the question, but the lexicon says it is the one.
    named = 1.0 if asked_attributes(what.casefold()) else 0.0
    scored = [
        (n, s)
        for n, s in scored
        if n.source in texts and states_asked(what, value_scope(n, by_number[n.source]))
    ]
    # Scored on the whole sentence: "Grundpreis Flex: 19,90 € netto pro Monat (23,68 € brutto)"
    # names the base price for 23,68 € too, though its few words around do not.
    said_of = {
        n: f"{n.context} {_sentence(n, str(by_number[n.source]['text']))}" for n, _ in scored
    }
    weights = term_weights(list(said_of.values()), question_terms(what) - UNDISTINCTIVE)
    scored = [(n, term_score(said_of[n], weights) + named) for n, _ in scored]
    yearly = asks_per_year(question)
    monthly = {n for n, _ in scored if is_monthly(operand("amount", n), texts[n.source])}
    if yearly:
        stated_yearly = [
            (n, s) for n, s in scored if is_yearly(operand("amount", n), texts[n.source])
        ]
        amount = _best_amount(stated_yearly, texts) or _best_amount(scored, texts)
    else:
        amount = _best_amount(scored, texts)
    if amount is None:
        return None
    operands = [operand("amount", amount)]
    expression = "amount * 12" if yearly and amount in monthly else "amount"
    said = f"{amount.context} {_after(amount, texts[amount.source])}"
    side = stated_side(ListedNumber(amount.value, amount.unit, amount.source, said))
    stated_gross, stated_as_net = side == "gross", side == "net"
    if vat is not None and asked is True and stated_gross:
        operands.append(operand("vat", vat))
        expression = f"{expression} / (1 + vat / 100)"
    elif vat is not None and asked is False and stated_as_net:
        operands.append(operand("vat", vat))
        expression = f"{expression} * (1 + vat / 100)"
    if expression == "amount":
        return None  # read as written: a look-up, not a calculation
    return CalculationPlan(operands=operands, expression=expression, result_unit="€")
