"""Units of tariff arithmetic: reading them, and refusing sums of unlike quantities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from luna.core.arithmetic import Expression
from luna.core.units import PLAIN, Unit, UnitError, parse_unit, unit_of

D = Decimal


@pytest.mark.parametrize(
    ("text", "scale", "money", "energy"),
    [
        ("ct/kWh", D("0.01"), 1, -1),
        ("Cent pro kWh", D("0.01"), 1, -1),
        ("€/kWh", D(1), 1, -1),
        ("EUR/MWh", D("0.001"), 1, -1),
        ("€", D(1), 1, 0),
        ("EUR", D(1), 1, 0),
        ("ct", D("0.01"), 1, 0),
        ("€/Monat", D(1), 1, 0),  # time is no dimension: tariffs say per month, people per year
        ("€ pro Jahr", D(1), 1, 0),
        ("kWh", D(1), 0, 1),
        ("MWh", D(1000), 0, 1),
        ("Wh", D("0.001"), 0, 1),
        ("kW", D(1), 0, 1),  # power counts as energy (kW × hours)
        ("kWh/Jahr", D(1), 0, 1),
        ("%", D(1), 0, 0),
        ("Monate", D(1), 0, 0),
        ("", D(1), 0, 0),
    ],
)
def test_parse_unit_reads_dimension_and_scale(text: str, scale: Decimal, money: int, energy: int):
    assert parse_unit(text) == Unit(scale, money, energy)


def units(**written: str) -> dict[str, Unit]:
    return {name: parse_unit(text) for name, text in written.items()}


def test_a_price_times_an_energy_is_money():
    got = unit_of(
        Expression.parse("kwh * price + base"), units(kwh="kWh", price="ct/kWh", base="€")
    )
    assert got.dimension == (1, 0)


def test_a_gross_price_with_a_percentage_keeps_the_price_unit():
    expr = Expression.parse("(spot + markup) * (1 + vat / 100)")
    got = unit_of(expr, units(spot="ct/kWh", markup="€/kWh", vat="%"), percent=["vat"])
    assert got.dimension == (1, -1)
    assert got.describe() == "€/kWh"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("spot + markup + vat / 100", "adds a percentage to €/kWh; apply a percentage as"),
        ("spot + kwh", "adds €/kWh and kWh"),
        ("spot * kwh - base * kwh", "subtracts € and €·kWh"),
        ("max(spot, base)", "compares €/kWh and €"),
        ("round(spot * kwh, 2)", "the calculator rounds"),
    ],
)
def test_unlike_quantities_are_refused(expression: str, message: str):
    written = units(spot="ct/kWh", markup="ct/kWh", kwh="kWh", base="€", vat="%")
    with pytest.raises(UnitError, match=message.replace("(", r"\(").replace("·", ".")):
        unit_of(Expression.parse(expression), written, percent=["vat"])


def test_describe_names_base_units():
    assert PLAIN.describe() == "a plain number"
    assert parse_unit("ct").describe() == "€"
    assert (parse_unit("kWh") / parse_unit("€")).describe() == "kWh/€"
