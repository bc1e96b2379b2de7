"""Counter baselines in PostgreSQL (``counter_baselines``): the persisted
:class:`~luna.connectors.counters.CounterState` of each meter of a counter connector.

:func:`save_states` runs inside the writer's transaction (:mod:`luna.connectors.base`), next to
the readings the states produced, so a crash leaves both or neither; :func:`load_states` is
read once when a connector starts (:mod:`luna.connectors.counter_connector`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from luna.connectors.counters import CounterState
from luna.store.sql.models import CounterBaseline

_COLUMNS = ("at", "interval_minutes", "import_raw", "export_raw", "import_kwh", "export_kwh")


def _values(connector: str, state: CounterState) -> dict[str, Any]:
    return {
        "connector": connector,
        "meter_id": state.meter_id,
        **{name: getattr(state, name) for name in _COLUMNS},
        "open_intervals": [
            [start.isoformat(), imp, exp] for start, imp, exp in state.open_intervals
        ],
        "first_interval": state.first_interval,
    }


def save_states(conn: Connection, connector: str, states: Iterable[CounterState]) -> int:
    """Upsert one row per meter (at most one state per meter); returns how many."""
    rows = [_values(connector, state) for state in states]
    if not rows:
        return 0
    stmt = insert(CounterBaseline).values(rows)
    updated = {
        name: stmt.excluded[name] for name in (*_COLUMNS, "open_intervals", "first_interval")
    }
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["connector", "meter_id"],
            set_={**updated, "updated_at": func.now()},
        )
    )
    return len(rows)


def load_states(conn: Connection, connector: str, meter_ids: Collection[str]) -> list[CounterState]:
    """The stored states of these meters under this connector's name."""
    if not meter_ids:
        return []
    table = CounterBaseline.__table__
    records = conn.execute(
        select(table).where(table.c.connector == connector, table.c.meter_id.in_(meter_ids))
    ).mappings()
    return [
        CounterState(
            meter_id=r["meter_id"],
            at=_utc(r["at"]),
            interval_minutes=r["interval_minutes"],
            import_raw=r["import_raw"],
            export_raw=r["export_raw"],
            import_kwh=r["import_kwh"],
            export_kwh=r["export_kwh"],
            open_intervals=tuple(
                (_utc(datetime.fromisoformat(start)), float(imp), float(exp))
                for start, imp, exp in r["open_intervals"]
            ),
            first_interval=_utc(r["first_interval"]) if r["first_interval"] else None,
        )
        for r in records
    ]


def _utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC)
