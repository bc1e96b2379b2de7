"""The morning overview's numbers for a set of meters, computed in one place (API and page).

Energy, self-consumption, autarky and costs for today so far, compared with yesterday and the
same weekday last week until the same clock time, and month to date against the month before;
the current price and the next hours' cheapest and most expensive windows. The arithmetic lives
in :mod:`luna.domain.kpis`; costs use the site's tariff (:class:`luna.domain.tariff.Tariff`,
the ``LUNA_TARIFF_*`` settings), the same figures the playbooks use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from luna.config import Settings
from luna.domain.kpis import (
    EnergySums,
    EnergyTotals,
    PricePoint,
    PriceWindow,
    comparison_windows,
    extreme_windows,
    split_at_midnight,
)
from luna.domain.tariff import Tariff
from luna.store.sql.energy_sums import span_sums
from luna.store.sql.series import (
    PriceAgg,
    Resolution,
    aggregate_prices,
    costing_resolution,
    price_resolutions,
    reading_spans,
)

WINDOW_HOURS = 3
AHEAD_HOURS = 24


class PeriodOut(BaseModel):
    start: datetime
    end: datetime
    consumption_kwh: float
    production_kwh: float
    self_consumed_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    self_consumption_rate: float | None = Field(description="Self-consumed / produced (0–1).")
    autarky_rate: float | None = Field(description="Self-consumed / consumed (0–1).")
    import_cost_eur: float = Field(description="Grid import at the gross working price.")
    feed_in_revenue_eur: float
    net_cost_eur: float
    avg_import_price_ct_kwh: float | None
    peak_import_kw: float
    intervals: int
    unpriced_intervals: int


class HourPrice(BaseModel):
    ts: datetime
    spot_eur_mwh: float
    gross_ct_kwh: float = Field(description="Working price incl. surcharges and VAT.")


class PriceWindowOut(BaseModel):
    start: datetime
    end: datetime
    avg_spot_eur_mwh: float
    avg_gross_ct_kwh: float


class PricesOut(BaseModel):
    zone: str
    current: HourPrice | None
    next_hours: list[HourPrice]
    cheapest_window: PriceWindowOut | None
    most_expensive_window: PriceWindowOut | None
    negative_hours: int
    window_hours: int = WINDOW_HOURS


class TariffOut(BaseModel):
    """The site tariff's published figures (read from a :class:`Tariff`)."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    surcharges_net_ct_kwh: float
    vat: float
    base_price_eur_month: float
    feed_in_ct_kwh: float


class KpisOut(BaseModel):
    meter_ids: list[str]
    as_of: datetime = Field(description="Data until here (now, or the last reading if older).")
    timezone: str
    tariff: TariffOut
    periods: dict[str, PeriodOut]
    prices: PricesOut


def _period(start: datetime, end: datetime, t: EnergyTotals, tz: ZoneInfo) -> PeriodOut:
    return PeriodOut(start=start.astimezone(tz), end=end.astimezone(tz), **vars(t))


def _gross_ct(tariff: Tariff, spot: float) -> float:
    return round(tariff.import_price_eur_kwh(spot) * 100.0, 3)


def _window_out(w: PriceWindow | None, tz: ZoneInfo, tariff: Tariff) -> PriceWindowOut | None:
    if w is None:
        return None
    return PriceWindowOut(
        start=w.start.astimezone(tz),
        end=w.end.astimezone(tz),
        avg_spot_eur_mwh=round(w.avg_spot_eur_mwh, 3),
        avg_gross_ct_kwh=_gross_ct(tariff, w.avg_spot_eur_mwh),
    )


def compute_kpis(
    session: Session,
    settings: Settings,
    timescale: bool,
    meter_ids: list[str],
    zone: str | None = None,
    at: datetime | None = None,
) -> KpisOut:
    """The KPIs of meters the caller has already checked access to (API and overview page),
    priced in ``zone`` (default: the site's, ``LUNA_PRICE_ZONE``) as of the aware moment
    ``at`` (default: now).

    Each period is the sum of per-meter parts (its closed days, its last day so far), which
    :func:`~luna.store.sql.energy_sums.span_sums` keeps until the readings or prices under
    them change: a request sums only what was written since, usually today's last quarter hour.
    """
    zone = zone or settings.price_zone
    tariff = Tariff.from_settings(settings)
    tz = settings.timezone
    local = ZoneInfo(tz)
    now = at.astimezone(UTC) if at is not None else datetime.now(UTC)
    conn = session.connection()
    lasts = [last for _, last in reading_spans(conn, meter_ids, before=now).values() if last]
    # Data until the end of the latest stored interval, never past "now".
    as_of = min(now, max(lasts) + timedelta(minutes=15)) if lasts else now
    windows = comparison_windows(as_of, tz)
    available = price_resolutions(conn, zone)
    price_minutes = costing_resolution(available)
    parts = {w.name: [(p.start, p.end) for p in split_at_midnight(w, tz)] for w in windows}
    sums = span_sums(
        conn,
        meter_ids,
        zone,
        price_minutes,
        [span for spans in parts.values() for span in spans],
        tariff,
    )
    periods = {}
    for w in windows:
        total = EnergySums()
        for span in parts[w.name]:
            for meter in meter_ids:
                total += sums.get((meter, span), EnergySums())
        periods[w.name] = _period(w.start, w.end, total.totals(), local)
    return KpisOut(
        meter_ids=meter_ids,
        as_of=as_of.astimezone(local),
        timezone=tz,
        tariff=TariffOut.model_validate(tariff),
        periods=periods,
        prices=_prices(session, timescale, zone, available, now, tz, tariff),
    )


def _prices(
    session: Session,
    timescale: bool,
    zone: str,
    available: list[int],
    now: datetime,
    tz: str,
    tariff: Tariff,
) -> PricesOut:
    local = ZoneInfo(tz)
    if not available:
        return PricesOut(
            zone=zone,
            current=None,
            next_hours=[],
            cheapest_window=None,
            most_expensive_window=None,
            negative_hours=0,
        )
    hour = now.replace(minute=0, second=0, microsecond=0)
    source = 60 if 60 in available else min(available)
    buckets = aggregate_prices(
        session.connection(),
        zone,
        source,
        hour,
        hour + timedelta(hours=AHEAD_HOURS),
        Resolution.HOUR,
        PriceAgg.AVG,
        tz,
        timescale,
    )
    points = [PricePoint(b.ts, b.price_eur_mwh) for b in buckets]
    ahead = [
        HourPrice(
            ts=p.ts.astimezone(local),
            spot_eur_mwh=round(p.spot_eur_mwh, 3),
            gross_ct_kwh=_gross_ct(tariff, p.spot_eur_mwh),
        )
        for p in points
    ]
    cheapest, dearest = extreme_windows(points, WINDOW_HOURS)
    current = ahead[0] if ahead and points[0].ts == hour else None
    return PricesOut(
        zone=zone,
        current=current,
        next_hours=ahead,
        cheapest_window=_window_out(cheapest, local, tariff),
        most_expensive_window=_window_out(dearest, local, tariff),
        negative_hours=sum(1 for p in points if p.spot_eur_mwh < 0),
    )
