"""Idempotent bulk upserts for the time-series tables (COPY into a staging table, then merge).

COPY is the fastest way into PostgreSQL; the merge step (``INSERT ... ON CONFLICT DO UPDATE``)
makes re-running a backfill or re-sending a batch a no-op instead of a duplicate. Each call is
one transaction on the caller's connection: a batch lands whole or not at all. What a batch
changed is noted for the watchers of :mod:`luna.store.sql.series_writes` (stored forecasts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from luna.store.sql.series_writes import note_written


@dataclass(frozen=True)
class SeriesTable:
    """Column layout of one time-series table: its natural key and its value columns."""

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    column_types: dict[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.values

    @property
    def stage(self) -> str:
        return f"_stage_{self.name}"


READINGS = SeriesTable(
    name="smart_meter_readings",
    key=("meter_id", "ts"),
    values=("interval_minutes", "consumption_kwh", "production_kwh"),
    column_types={
        "meter_id": "text",
        "ts": "timestamptz",
        "interval_minutes": "smallint",
        "consumption_kwh": "double precision",
        "production_kwh": "double precision",
    },
)

PRICES = SeriesTable(
    name="market_prices",
    key=("zone", "resolution_minutes", "ts"),
    values=("price_eur_mwh",),
    column_types={
        "zone": "text",
        "resolution_minutes": "smallint",
        "ts": "timestamptz",
        "price_eur_mwh": "double precision",
    },
)


def _ensure_stage(conn: Connection, table: SeriesTable) -> None:
    cols = ", ".join(f"{c} {table.column_types[c]}" for c in table.columns)
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {table.stage} "
        f"(seq bigint GENERATED ALWAYS AS IDENTITY, {cols}) ON COMMIT DELETE ROWS"
    )


def upsert_rows(conn: Connection, table: SeriesTable, rows: Iterable[Sequence[Any]]) -> int:
    """Upsert rows (tuples in ``table.columns`` order); the last duplicate in a batch wins.

    Returns the number of rows inserted or changed. Must run inside a transaction on ``conn``
    (``with engine.begin() as conn``); any constraint violation rolls back the whole batch.
    """
    series: set[str] = set()  # the first key column names the series: meter or zone
    _ensure_stage(conn, table)
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ", ".join(table.columns)
    with raw.cursor() as cur, cur.copy(f"COPY {table.stage} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            series.add(row[0])
    key = ", ".join(table.key)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in table.values)
    changed = " OR ".join(f"{table.name}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in table.values)
    # Identifiers come from the module's SeriesTable constants, never from input.
    merge = (
        f"INSERT INTO {table.name} ({cols}) SELECT DISTINCT ON ({key}) {cols} "  # noqa: S608
        f"FROM {table.stage} ORDER BY {key}, seq DESC "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates} WHERE {changed}"
    )
    result = conn.exec_driver_sql(merge)
    conn.exec_driver_sql(f"TRUNCATE {table.stage}")
    written = int(result.rowcount)
    if written:
        note_written(conn, table.name, series)
    return written
