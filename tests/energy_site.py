"""A simulated site for tests that read energy data: two customers, two meters, 40 days.

Define a module-scoped ``energy_site`` fixture with :func:`site_lifetime`: it backfills once per
module (a few seconds) and truncates every table afterwards; tests only read the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import update

from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.users import create_user
from tests.emptying import empty_tables

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Site:
    admin_id: int
    anna_id: int  # customer, owns M-001
    ben_id: int  # customer, owns M-002


def populate(stores: Stores, days: int = 40, *, until_now: bool = False) -> Site:
    """Backfill ``days`` whole days (or, with ``until_now``, through the current quarter hour,
    for pages that show "today"), then the users and who owns which meter."""
    start, end = day_window(days)
    price_end = None
    if until_now:
        end = pd.Timestamp.now(tz="UTC").floor("15min")
        # day-ahead prices are known through tomorrow
        price_end = day_window(1, end=end + pd.Timedelta(days=2))[1]
    backfill(stores.engine, default_fleet(2, 42), start, end, seed=42, price_end=price_end)
    with session_scope(stores.sessions) as s:
        admin = create_user(s, "monika", PASSWORD, Role.ADMIN)
        anna = create_user(s, "anna", PASSWORD, Role.CUSTOMER)
        ben = create_user(s, "ben", PASSWORD, Role.CUSTOMER)
        s.flush()
        s.execute(update(Meter).where(Meter.meter_id == "M-001").values(owner_id=anna.id))
        s.execute(update(Meter).where(Meter.meter_id == "M-002").values(owner_id=ben.id))
        return Site(admin.id, anna.id, ben.id)


def site_lifetime(stores: Stores) -> Iterator[Site]:
    """Body of a module-scoped ``energy_site`` fixture: empty tables, the site, empty again."""
    empty_tables(stores)
    yield populate(stores)
    empty_tables(stores)
