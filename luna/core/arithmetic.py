"""Arithmetic the chat model must not do itself: a safe evaluator and number reading/writing.

The local 1.5B model gets sums and products wrong, so a figure that needs arithmetic is
computed here from an expression the model writes over named operands. The expression is
parsed with :mod:`ast` and walked node by node; only numbers, declared names, ``+ - * /``,
unary minus, parentheses and ``min``/``max``/``round`` pass (never ``eval``). Values are
:class:`~decimal.Decimal`, so money adds up as written (0.1 + 0.2 is 0.3).

Percentages are the caller's business: the evaluator has no ``%``. The convention of the
calculation module is that a percentage is an operand holding the number as written (19 for
"19 %") and the expression divides it by 100 where it is used (``net * (1 + vat / 100)``);
:meth:`Expression.percent_misuse` checks that.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from babel.numbers import format_decimal

from luna.core.language import Language

MAX_EXPRESSION_CHARS = 300
MAX_LITERAL = Decimal("1e12")  # larger than any meter reading or bill; rejects 9**9**9 tricks
MAX_RESULT = Decimal("1e15")
MAX_ROUND_DIGITS = 6
FUNCTIONS = ("min", "max", "round")
LOCALES: dict[Language, str] = {"de": "de_DE", "en": "en_GB"}  # as the web UI formats
_PRECISION = Context(prec=28, rounding=ROUND_HALF_UP)

_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_NOT_ALLOWED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment",
    ast.Starred: "starred arguments",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Await: "await",
    ast.Yield: "yield",
}
_BINOP_NAMES: dict[type[ast.operator], str] = {
    ast.Pow: "power (**)",
    ast.Mod: "modulo (%)",
    ast.FloorDiv: "floor division (//)",
    ast.MatMult: "matrix multiplication (@)",
    ast.LShift: "bit shifts",
    ast.RShift: "bit shifts",
    ast.BitAnd: "bitwise operators",
    ast.BitOr: "bitwise operators",
    ast.BitXor: "bitwise operators",
}


class ExpressionError(ArithmeticError):
    """The expression is not allowed or cannot be computed; the message says what and why."""


@dataclass(frozen=True)
class Expression:
    """A checked arithmetic expression: parse once, then evaluate, inspect or render it."""

    text: str
    tree: ast.expr

    @classmethod
    def parse(cls, text: str) -> Expression:
        """Parse and check ``text``; :class:`ExpressionError` names the first construct that is
        not allowed."""
        if len(text) > MAX_EXPRESSION_CHARS:
            raise ExpressionError(
                f"expression longer than {MAX_EXPRESSION_CHARS} characters ({len(text)})"
            )
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise ExpressionError(f"not an arithmetic expression: {exc.msg}") from None
        for node in ast.walk(tree):
            _check_node(node)
        return cls(text.strip(), tree)

    @property
    def names(self) -> frozenset[str]:
        """The variable names the expression reads (function names excluded)."""
        calls = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return frozenset(
            n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in calls
        )

    def constants(self, percent_names: Collection[str] = ()) -> tuple[Decimal, ...]:
        """Numbers written into the expression itself, except ``round``'s digit count and the
        100 of a percent operand's ``name / 100``."""
        skip = {
            id(n.args[1])
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and len(n.args) == 2
        }
        percent = frozenset(percent_names)
        skip |= {
            id(n.right)
            for n in ast.walk(self.tree)
            if isinstance(n, ast.BinOp) and _percent_division(n, percent) is not None
        }
        return tuple(
            _literal(n)
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Constant) and id(n) not in skip
        )

    def percent_misuse(self, percent_names: Collection[str]) -> list[str]:
        """Percent operands used other than divided by 100 (the percentage convention):
        ``vat / 100`` or ``(net * vat) / 100`` pass, ``net * (1 + vat)`` does not."""
        percent = frozenset(percent_names)
        allowed: set[int] = set()
        for node in ast.walk(self.tree):
            shown = _percent_division(node, percent) if isinstance(node, ast.BinOp) else None
            if isinstance(shown, ast.Name):
                allowed.add(id(shown))
            elif isinstance(shown, ast.BinOp):
                allowed |= {id(c) for c in (shown.left, shown.right) if isinstance(c, ast.Name)}
        return sorted(
            {
                n.id
                for n in ast.walk(self.tree)
                if isinstance(n, ast.Name) and n.id in percent and id(n) not in allowed
            }
        )

    def evaluate(self, variables: Mapping[str, Decimal]) -> Decimal:
        """The value, computed in :class:`Decimal` with 28 significant digits."""
        with localcontext(_PRECISION):
            return _evaluate(self.tree, variables)

    def render(
        self,
        label: Callable[[str], str],
        number: Callable[[Decimal], str],
        *,
        percent_names: Collection[str] = (),
        separator: str = ", ",
    ) -> str:
        """The expression for people: names replaced by ``label(name)``, ``×`` and ``÷``, and a
        percent operand's ``/ 100`` left out (its label shows the "%")."""
        return _render(self.tree, label, number, frozenset(percent_names), separator)


def evaluate(expression: str, variables: Mapping[str, Decimal]) -> Decimal:
    """Check and compute ``expression`` over ``variables`` in one step."""
    return Expression.parse(expression).evaluate(variables)


def _literal(node: ast.Constant) -> Decimal:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExpressionError(f"only numbers are allowed as constants, not {value!r}")
    if isinstance(value, int) and value.bit_length() > 64:
        raise ExpressionError("number too large")
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if not number.is_finite() or abs(number) > MAX_LITERAL:
        raise ExpressionError(f"number too large (limit {MAX_LITERAL:.0E})")
    return number


def _check_node(node: ast.AST) -> None:
    """Raise for every node kind outside the small arithmetic subset."""
    if isinstance(node, ast.Constant):
        _literal(node)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, _OPERATORS):
            what = _BINOP_NAMES.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"{what} is not allowed")
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
    elif isinstance(node, ast.Call):
        _check_call(node)
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"name '{node.id}' is not allowed (leading underscore)")
    elif isinstance(node, ast.Load | ast.operator | ast.unaryop):
        pass
    else:
        what = _NOT_ALLOWED.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} not allowed in an arithmetic expression")


def _check_call(node: ast.Call) -> None:
    name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)[:40]
    if name not in FUNCTIONS:
        raise ExpressionError(f"calls to '{name}' are not allowed (only min, max and round)")
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments")
    if name == "round":
        if len(node.args) != 2:
            raise ExpressionError("round() needs two arguments: round(x, digits)")
        digits = node.args[1]
        if not (
            isinstance(digits, ast.Constant)
            and type(digits.value) is int
            and 0 <= digits.value <= MAX_ROUND_DIGITS
        ):
            raise ExpressionError(f"round()'s digits must be a whole number 0..{MAX_ROUND_DIGITS}")
    elif len(node.args) < 2:
        raise ExpressionError(f"{name}() needs at least two arguments")


def _bounded(value: Decimal) -> Decimal:
    if abs(value) > MAX_RESULT:
        raise ExpressionError(f"result too large (limit {MAX_RESULT:.0E})")
    return value


def _evaluate(node: ast.expr, variables: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, ast.Constant):
        return _literal(node)
    if isinstance(node, ast.Name):
        if node.id not in variables:
            raise ExpressionError(f"unknown name '{node.id}'")
        return _bounded(Decimal(variables[node.id]))
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, variables)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, variables), _evaluate(node.right, variables)
        if isinstance(node.op, ast.Add):
            return _bounded(left + right)
        if isinstance(node.op, ast.Sub):
            return _bounded(left - right)
        if isinstance(node.op, ast.Mult):
            return _bounded(left * right)
        if right == 0:
            raise ExpressionError("division by zero")
        return _bounded(left / right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_evaluate(a, variables) for a in node.args]
        if node.func.id == "round":  # commercial rounding (half up), as on a bill
            return args[0].quantize(Decimal(1).scaleb(-int(args[1])), rounding=ROUND_HALF_UP)
        return min(args) if node.func.id == "min" else max(args)
    raise ExpressionError(f"{type(node).__name__} not allowed in an arithmetic expression")


_PRECEDENCE: dict[type[ast.operator], int] = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
_SYMBOLS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "÷"}


def _percent_division(node: ast.BinOp, percent: frozenset[str]) -> ast.expr | None:
    """What a percent operand's division by 100 stands for: ``vat`` in ``vat / 100``,
    ``net * vat`` in ``net * vat / 100``; None when ``node`` is no such division."""
    if not (
        isinstance(node.op, ast.Div)
        and isinstance(node.right, ast.Constant)
        and _literal(node.right) == 100
    ):
        return None
    left = node.left
    if isinstance(left, ast.Name) and left.id in percent:
        return left
    if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Mult):
        names = [c.id for c in (left.left, left.right) if isinstance(c, ast.Name)]
        return left if any(n in percent for n in names) else None
    return None


def _shown(node: ast.expr, percent: frozenset[str]) -> ast.expr:
    """The node as people read it: a percent's division by 100 is left out (its label says %)."""
    if isinstance(node, ast.BinOp):
        return _percent_division(node, percent) or node
    return node


def _render(
    node: ast.expr,
    label: Callable[[str], str],
    number: Callable[[Decimal], str],
    percent: frozenset[str],
    separator: str,
) -> str:
    def text(child: ast.expr, parent: int, right: bool = False) -> str:
        out = _render(child, label, number, percent, separator)
        shown = _shown(child, percent)
        if isinstance(shown, ast.BinOp):
            own = _PRECEDENCE[type(shown.op)]
            if own < parent or (right and own == parent):
                return f"({out})"
        return out

    if _shown(node, percent) is not node:
        return _render(_shown(node, percent), label, number, percent, separator)
    if isinstance(node, ast.Constant):
        return number(_literal(node))
    if isinstance(node, ast.Name):
        return label(node.id)
    if isinstance(node, ast.UnaryOp):
        inner = text(node.operand, 3)
        return f"−{inner}" if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        level = _PRECEDENCE[type(node.op)]
        left, right = text(node.left, level), text(node.right, level, right=True)
        return f"{left} {_SYMBOLS[type(node.op)]} {right}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "round":  # the rounding shows in the result's decimals
            return _render(node.args[0], label, number, percent, separator)
        args = separator.join(_render(a, label, number, percent, separator) for a in node.args)
        return f"{node.func.id}({args})"
    raise ExpressionError(f"{type(node).__name__} not allowed in an arithmetic expression")


# --- reading and writing numbers ------------------------------------------------------------

_NUMERAL = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
_MINUS = str.maketrans({"−": "-", "–": "-", "\u00a0": " ", "\u202f": " ", "'": ""})
_DECIMAL_COMMA = re.compile(r"\d,(?:\d{1,2}|\d{4,})(?!\d)|\d\.\d{3},\d")
_DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.(?:\d{1,2}|\d{4,})(?![\d.])|\d,\d{3}\.\d")


def parse_number(text: str, language: Language | None = None) -> Decimal:
    """The number a German or English numeral means ("1.234,56", "1,234.56", "−3,5", "19 %").

    A percent sign is dropped (the caller keeps the unit). One separator followed by exactly
    three digits is ambiguous ("1.234"): ``language`` decides (``de``: thousands dot, ``en``:
    thousands comma); without it the separator is read as the decimal one. ValueError when
    ``text`` is not a numeral.
    """
    cleaned = text.translate(_MINUS).strip().removesuffix("%").strip().replace(" ", "")
    if not _NUMERAL.fullmatch(cleaned):
        raise ValueError(f"not a number: {text!r}")
    sign, digits = ("-" if cleaned[0] == "-" else ""), cleaned.lstrip("+-")
    separators = [c for c in digits if c in ".,"]
    if not separators:
        return Decimal(sign + digits)
    if len(set(separators)) == 2:
        decimal = separators[-1]
        if separators.count(decimal) > 1:
            raise ValueError(f"not a number: {text!r}")
    elif len(separators) > 1:
        decimal = "," if separators[0] == "." else "."  # repeated: a thousands separator
    else:
        only = separators[0]
        three = re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", digits) is not None
        grouping = {"de": ".", "en": ","}.get(language or "", "")
        decimal = ("," if only == "." else ".") if three and only == grouping else only
    group = "," if decimal == "." else "."
    whole, _, fraction = digits.partition(decimal)
    parts = whole.split(group)
    if len(parts) > 1 and (not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:])):
        raise ValueError(f"not a number: {text!r} (digit groups of three expected)")
    try:
        return Decimal(sign + "".join(parts) + (f".{fraction}" if fraction else ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def number_language(text: str, default: Language) -> Language:
    """The numeral style ``text`` writes in, from unambiguous numerals ("7,94" is German,
    "0.19" English); ``default`` when it has none or both."""
    german = bool(_DECIMAL_COMMA.search(text))
    english = bool(_DECIMAL_POINT.search(text))
    if german != english:
        return "de" if german else "en"
    return default


def format_number(
    value: Decimal | float | int, language: Language, decimals: int = 2, *, trim: bool = False
) -> str:
    """``value`` in the user's number format ("1.234,56" / "1,234.56"), rounded half up to
    ``decimals``; with ``trim``, trailing zeros after the separator are dropped."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,00"
    pattern = "#,##0" + ("." + ("#" if trim else "0") * decimals if decimals > 0 else "")
    return format_decimal(rounded, format=pattern, locale=LOCALES[language])


def written_decimals(value: Decimal) -> int:
    """How many decimals ``value`` carries as written ("8.50" → 2), so it is shown the same."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
