from __future__ import annotations

from collections.abc import Iterator

import pytest

from luna.store.factory import Stores
from tests.energy_site import Site, site_lifetime


@pytest.fixture(scope="module")
def energy_site(stores: Stores) -> Iterator[Site]:
    yield from site_lifetime(stores)
