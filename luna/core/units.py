"""Units of tariff arithmetic: money and energy, each with its scale, read from how documents
write them ("ct/kWh", "€ pro Monat", "EUR/MWh", "kWh").

Reading a unit into a dimension and a scale lets code convert every operand to base units
(€, kWh) before computing, so the model never converts ct to € itself (the 1.5B model often
left the /100 out), and lets it refuse expressions that add unlike quantities (a price per kWh
plus a percentage). Time is deliberately no dimension: tariffs say "per month", questions ask
"per year", and the model writes the 12; the units it writes for periods are too loose to
check (the calculation plan checks the common monthly-fee-per-year case on its own). Power
counts as energy for the same reason (kW × hours is kWh). Words this table does not know
("Monate", "Personen", "netto") are plain numbers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from luna.core.arithmetic import Expression, ExpressionError

# word → (dimension, scale in the base unit of that dimension: € for money, kWh for energy)
UNITS: dict[str, tuple[str, Decimal]] = {
    "€": ("money", Decimal(1)),
    "eur": ("money", Decimal(1)),
    "euro": ("money", Decimal(1)),
    "euros": ("money", Decimal(1)),
    "ct": ("money", Decimal("0.01")),
    "cent": ("money", Decimal("0.01")),
    "cents": ("money", Decimal("0.01")),
    "wh": ("energy", Decimal("0.001")),
    "kwh": ("energy", Decimal(1)),
    "mwh": ("energy", Decimal(1000)),
    "gwh": ("energy", Decimal(1_000_000)),
    "w": ("energy", Decimal("0.001")),
    "wp": ("energy", Decimal("0.001")),
    "kw": ("energy", Decimal(1)),
    "kwp": ("energy", Decimal(1)),
    "mw": ("energy", Decimal(1000)),
}
_BASE = {"money": "€", "energy": "kWh"}
_PER = re.compile(r"\s+(?:pro|per|je)\s+|/", re.IGNORECASE)
_WORD = re.compile(r"€|[^\W\d_]+\.?", re.UNICODE)


class UnitError(ExpressionError):
    """The expression combines quantities whose units do not fit (money plus energy, ...)."""


@dataclass(frozen=True)
class Unit:
    """A dimension (exponents of money and energy) and the scale to its base units."""

    scale: Decimal = Decimal(1)
    money: int = 0
    energy: int = 0

    @property
    def dimension(self) -> tuple[int, int]:
        return self.money, self.energy

    def __mul__(self, other: Unit) -> Unit:
        return Unit(self.scale * other.scale, self.money + other.money, self.energy + other.energy)

    def __truediv__(self, other: Unit) -> Unit:
        return Unit(self.scale / other.scale, self.money - other.money, self.energy - other.energy)

    def describe(self) -> str:
        """The dimension in base units, for messages: "€/kWh", "€", "a plain number"."""
        top = [_BASE[d] for d, e in (("money", self.money), ("energy", self.energy)) if e > 0]
        bottom = [_BASE[d] for d, e in (("money", self.money), ("energy", self.energy)) if e < 0]
        if not top and not bottom:
            return "a plain number"
        return "·".join(top or ["1"]) + "".join(f"/{b}" for b in bottom)


PLAIN = Unit()


def _word_unit(word: str) -> Unit:
    dimension, scale = UNITS.get(word.casefold().rstrip("."), ("", Decimal(1)))
    if dimension == "money":
        return Unit(scale, money=1)
    if dimension == "energy":
        return Unit(scale, energy=1)
    return PLAIN


def parse_unit(text: str) -> Unit:
    """The unit ``text`` writes: "ct/kWh" is money per energy at 0.01 €/kWh, "€ pro Monat" is
    money, "%" and unknown words are plain numbers."""
    parts = _PER.split(text.strip())
    unit = PLAIN
    for i, part in enumerate(parts):
        for word in _WORD.findall(part):
            unit = unit * _word_unit(word) if i == 0 else unit / _word_unit(word)
    return unit


def _weight(unit: Unit) -> int:
    return abs(unit.money) + abs(unit.energy)


def _percent_form(node: ast.expr, percent: Collection[str]) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Name)
        and node.left.id in percent
    )


def unit_of(
    expression: Expression, units: Mapping[str, Unit], percent: Collection[str] = ()
) -> Unit:
    """The unit of the expression's result; UnitError where it adds, subtracts or compares
    quantities of different dimensions. ``percent / 100`` is a plain number."""
    return _unit(expression.tree, units, frozenset(percent))


def _unit(node: ast.expr, units: Mapping[str, Unit], percent: frozenset[str]) -> Unit:
    if isinstance(node, ast.Constant) or _percent_form(node, percent):
        return PLAIN
    if isinstance(node, ast.Name):
        return units.get(node.id, PLAIN)
    if isinstance(node, ast.UnaryOp):
        return _unit(node.operand, units, percent)
    if isinstance(node, ast.BinOp):
        left, right = _unit(node.left, units, percent), _unit(node.right, units, percent)
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if left.dimension != right.dimension:
            verb = "adds" if isinstance(node.op, ast.Add) else "subtracts"
            if _percent_form(node.left, percent) or _percent_form(node.right, percent):
                other = max(left, right, key=_weight).describe()
                raise UnitError(
                    f"the expression {verb} a percentage to {other}; apply a percentage as a "
                    "factor: x * (1 + p / 100)"
                )
            raise UnitError(
                f"the expression {verb} {left.describe()} and {right.describe()}: "
                f"'{ast.unparse(node)}'"
            )
        return Unit(Decimal(1), *left.dimension)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "round":
            raise UnitError("round() is not needed: the calculator rounds the result")
        found = [_unit(a, units, percent) for a in node.args]
        if len({u.dimension for u in found}) > 1:
            raise UnitError(
                f"{node.func.id}() compares {' and '.join(u.describe() for u in found)}"
            )
        return Unit(Decimal(1), *found[0].dimension)
    raise UnitError(f"{type(node).__name__} has no unit")
