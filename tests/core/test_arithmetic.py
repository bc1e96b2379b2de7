"""The safe evaluator and number reading/writing behind computed figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from luna.core.arithmetic import (
    MAX_EXPRESSION_CHARS,
    Expression,
    ExpressionError,
    evaluate,
    format_number,
    number_language,
    parse_number,
    written_decimals,
)

D = Decimal
VARS = {"a": D("8.50"), "b": D("16.131"), "vat": D("19"), "zero": D("0")}

ATTACKS = [
    ("__import__('os').system('id')", "calls to '__import__"),
    ("a.__class__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "calls to .*not allowed"),
    ("(lambda: 1)()", "calls to 'lambda"),
    ("lambda x: x", "lambda"),
    ("[x for x in range(9)]", "comprehensions"),
    ("sum(x for x in [1, 2])", "calls to 'sum'"),
    ("9 ** 9 ** 9", "power"),
    ("2 ** 100000", "power"),
    ("10 ** 1000", "power"),
    ("a if a else b", "conditional"),
    ("a < b", "comparisons"),
    ("a and b", "boolean"),
    ("a % 3", "modulo"),
    ("a // 3", "floor division"),
    ("a << 64", "bit shifts"),
    ("'abc' * 3", "only numbers"),
    ("open('/etc/passwd')", "calls to 'open'"),
    ("eval('1')", "calls to 'eval'"),
    ("exec('x = 1')", "calls to 'exec'"),
    ("getattr(a, 'real')", "calls to 'getattr'"),
    ("a[0]", "subscripts"),
    ("(x := 5)", "assignment"),
    ("_secret + 1", "leading underscore"),
    ("round(a, ndigits=2)", "keyword"),
    ("round(a, 400)", "digits"),
    ("min(a)", "two arguments"),
    ("123456789012345678901234567890 * a", "too large"),
    ("1e400", "too large"),
    ("a; b", "not an arithmetic expression"),
    ("a = 1", "not an arithmetic expression"),
    ("f'{a}'", "strings"),
    ("not_declared + a", "unknown name 'not_declared'"),
    ("a / zero", "division by zero"),
    ("a / (b - b)", "division by zero"),
    ("1" + " + 1" * 200, "longer than"),
    ("999999999999 * 999999999999", "result too large"),
]


@pytest.mark.parametrize(("expression", "message"), ATTACKS)
def test_evaluator_refuses_every_unsafe_or_unbounded_construct(expression: str, message: str):
    with pytest.raises(ExpressionError, match=message) as info:
        evaluate(expression, VARS)
    assert isinstance(info.value, ArithmeticError)


def test_long_input_is_refused_before_parsing():
    with pytest.raises(ExpressionError, match=f"longer than {MAX_EXPRESSION_CHARS}"):
        Expression.parse("(" * 400 + "a" + ")" * 400)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.1 + 0.2", D("0.3")),
        ("(a + b) * (1 + vat / 100)", D("29.31089")),
        ("a - b", D("-7.631")),
        ("-a + +b", D("7.631")),
        ("a / 4", D("2.125")),
        ("min(a, b, 3)", D("3")),
        ("max(a, b)", D("16.131")),
        ("round(b, 2)", D("16.13")),
        ("round(2.675, 2)", D("2.68")),  # half up, as on a bill (float round gives 2.67)
        ("round(a * 3, 0)", D("26")),
        ("350 * a / 100 + 9", D("38.75")),
    ],
)
def test_evaluator_computes_in_decimal(expression: str, expected: Decimal):
    result = evaluate(expression, VARS)
    assert isinstance(result, Decimal)
    assert result == expected


def test_one_third_keeps_28_significant_digits():
    assert evaluate("1 / 3", {}) == D("0.3333333333333333333333333333")


def test_expression_reports_its_names_and_constants_but_not_function_names():
    expr = Expression.parse("round(max(a, b) * 12 / 100, 2)")
    assert expr.names == {"a", "b"}
    assert sorted(expr.constants()) == [D(12), D(100)]  # round's digit count is no figure
    assert Expression.parse("a * (1 + vat / 100)").constants(["vat"]) == (D(1),)


def test_percent_operand_counts_only_when_divided_by_100():
    assert Expression.parse("a * (1 + vat / 100)").percent_misuse({"vat"}) == []
    assert Expression.parse("a * (1 + vat)").percent_misuse({"vat"}) == ["vat"]
    assert Expression.parse("a + a * vat / 100").percent_misuse({"vat"}) == []  # (a*vat)/100
    assert Expression.parse("a * (vat / 10)").percent_misuse({"vat"}) == ["vat"]
    assert Expression.parse("a * b * vat / 100").percent_misuse({"vat"}) == []
    assert Expression.parse("vat * a / 100 + vat").percent_misuse({"vat"}) == ["vat"]
    assert Expression.parse("(a + vat) / 100").percent_misuse({"vat"}) == ["vat"]


def test_the_100_of_a_percentage_is_no_constant_and_is_not_shown():
    expr = Expression.parse("a + a * vat / 100 - vat / 100")
    assert expr.constants(["vat"]) == ()
    assert expr.render(str, str, percent_names=["vat"]) == "a + a × vat − vat"
    assert Expression.parse("a / (b * vat / 100)").render(str, str, percent_names=["vat"]) == (
        "a ÷ (b × vat)"
    )


def test_render_uses_times_and_divide_signs_and_keeps_needed_parentheses():
    expr = Expression.parse("(a + b) * (1 + vat / 100) - a / (b - 1)")
    labels = {"a": "8,50 ct", "b": "16,131 ct", "vat": "19 %"}
    text = expr.render(labels.__getitem__, str, percent_names={"vat"})
    assert text == "(8,50 ct + 16,131 ct) × (1 + 19 %) − 8,50 ct ÷ (16,131 ct − 1)"
    assert Expression.parse("a - (b - a)").render(str, str) == "a − (b − a)"
    assert Expression.parse("min(a, b) * 2").render(str, str, separator="; ") == "min(a; b) × 2"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("1.234,56", None, D("1234.56")),
        ("1,234.56", None, D("1234.56")),
        ("31,16", None, D("31.16")),
        ("0.19", None, D("0.19")),
        ("19 %", None, D("19")),
        ("19%", None, D("19")),
        ("−3,5", None, D("-3.5")),
        ("-3.5", None, D("-3.5")),
        ("16,131", "de", D("16.131")),
        ("5.320", "de", D("5320")),
        ("5.320", "en", D("5.320")),
        ("1,234", "en", D("1234")),
        ("1,234", "de", D("1.234")),
        ("1.234.567", None, D("1234567")),
        ("1,234,567.5", None, D("1234567.5")),
        ("8,50", "de", D("8.50")),
        ("350", "de", D("350")),
        ("1\u00a0234,5", "de", D("1234.5")),
    ],
)
def test_parse_number_reads_german_and_english_numerals(
    text: str, language: str | None, expected: Decimal
):
    value = parse_number(text, language)  # type: ignore[arg-type]
    assert value == expected
    assert str(value) == str(expected)  # written decimals kept ("8,50" stays 8.50)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3,4,5", "12,34,5", "1..2", "€ 5", "1e5", "--3"])
def test_parse_number_refuses_what_is_not_a_numeral(text: str):
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


@pytest.mark.parametrize(
    ("value", "language", "decimals", "trim", "expected"),
    [
        (D("31.16"), "de", 2, False, "31,16"),
        (D("31.16"), "en", 2, False, "31.16"),
        (D("1234.5"), "de", 2, False, "1.234,50"),
        (D("1234.5"), "en", 2, False, "1,234.50"),
        (D("29.31089"), "de", 2, False, "29,31"),
        (D("0.125"), "en", 2, False, "0.13"),  # half up, not to even
        (D("12.50"), "de", 2, True, "12,5"),
        (D("300.00"), "en", 2, True, "300"),
        (D("-3.5"), "de", 1, False, "-3,5"),
        (D("-0.001"), "de", 2, False, "0,00"),
        (0.1 + 0.2, "en", 2, False, "0.30"),
        (12, "de", 0, False, "12"),
    ],
)
def test_format_number_writes_the_users_format(value, language, decimals, trim, expected):
    assert format_number(value, language, decimals, trim=trim) == expected


def test_number_language_reads_the_style_from_unambiguous_numerals():
    assert number_language("Arbeitspreis 7,94 ct/kWh, Verbrauch 5.320 kWh", "en") == "de"
    assert number_language("Net price 0.19 EUR/kWh; 5,320 kWh a year", "de") == "en"
    assert number_language("Es gelten 19 % auf 5.320 kWh", "en") == "en"  # nothing decides


def test_written_decimals_counts_decimals_as_written():
    assert written_decimals(D("8.50")) == 2
    assert written_decimals(D("350")) == 0
