"""Settings validation: the site constants are checked when the configuration is read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from luna.config import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_price_zone_defaults_to_de_lu_and_is_normalised():
    assert _settings().price_zone == "DE-LU"
    assert _settings(price_zone=" it-nord ").price_zone == "IT-NORD"


@pytest.mark.parametrize("zone", ["", "  ", "Germany", "DE_LU", "D"])
def test_price_zone_must_be_a_bidding_zone_code(zone: str):
    with pytest.raises(ValidationError, match="LUNA_PRICE_ZONE"):
        _settings(price_zone=zone)
