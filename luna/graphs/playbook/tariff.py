"""Tariff check: is the dynamic tariff right for this consumption profile?

The stored grid import (consumption net of same-interval PV) is priced twice: with the site's
dynamic tariff (:class:`~luna.domain.tariff.Tariff` from the ``LUNA_TARIFF_*`` settings: hourly
day-ahead price plus fixed surcharges and VAT) and with a fixed working price, either the offer
the user names or a reference a fixed-price supplier would charge (the period's mean day-ahead
price plus surcharges and a hedging premium). Both keep the same monthly base price, so the
difference is the profile's timing alone, scaled to a year.
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from luna.domain.tariff import Tariff
from luna.graphs.playbook.figures import figure, number_text
from luna.graphs.playbook.schema import (
    Confidence,
    PlaybookAction,
    PlaybookEvidence,
    PlaybookRequest,
)
from luna.graphs.playbook.state import Analysis, MeterInfo
from luna.graphs.playbook.texts import text

DAYS_PER_YEAR = 365.0


def _confidence(days: float) -> Confidence:
    if days >= 300:
        return "high"
    return "medium" if days >= 60 else "low"


def analyse_tariff(
    request: PlaybookRequest,
    meter: MeterInfo,
    frame: pd.DataFrame,
    timezone: str,
    tariff: Tariff,
) -> Analysis:
    """``frame``: 15-minute ``import_kwh`` and ``spot_eur_mwh`` (see ``data.net_import``)."""
    lang = request.language
    index = pd.DatetimeIndex(frame.index)
    days = max((index[-1] - index[0]).total_seconds() / 86400 + 1 / 96, 1 / 96)
    scale = DAYS_PER_YEAR / days
    kwh = frame["import_kwh"]
    spot = frame["spot_eur_mwh"]
    dynamic_ct = (spot / 10 + tariff.surcharges_net_ct_kwh) * (1 + tariff.vat)
    dynamic_energy = float((kwh * dynamic_ct).sum() / 100)
    hourly_spot = spot.groupby(index.floor("h")).first()
    mean_spot_ct = float(hourly_spot.mean() / 10)
    weighted_spot_ct = float((kwh * spot).sum() / kwh.sum() / 10) if kwh.sum() > 0 else 0.0
    offered = request.fixed_price_ct_kwh is not None
    fixed_ct = (
        float(request.fixed_price_ct_kwh)
        if request.fixed_price_ct_kwh is not None
        else tariff.reference_fixed_ct_kwh(mean_spot_ct)
    )
    fixed_energy = float(kwh.sum() * fixed_ct / 100)
    base_year = tariff.base_price_eur_month * 12
    dynamic_year = dynamic_energy * scale + base_year
    fixed_year = fixed_energy * scale + base_year
    local_hour = index.tz_convert(timezone).hour
    evening = float(kwh[(local_hour >= 17) & (local_hour < 21)].sum())
    evening_share = 100 * evening / float(kwh.sum()) if kwh.sum() > 0 else 0.0
    import_year = float(kwh.sum()) * scale
    dynamic_wins = dynamic_year <= fixed_year
    difference = abs(fixed_year - dynamic_year)
    figures = [
        figure("dynamic_eur_year", dynamic_year, "EUR", lang),
        figure("fixed_eur_year", fixed_year, "EUR", lang),
        figure("difference_eur_year", difference, "EUR", lang),
        figure("import_kwh_year", import_year, "kWh", lang, 0),
        figure("fixed_ct", fixed_ct, "ct/kWh", lang),
        figure("mean_spot_ct", mean_spot_ct, "ct/kWh", lang),
        figure("weighted_spot_ct", weighted_spot_ct, "ct/kWh", lang),
        figure("evening_share_pct", evening_share, "%", lang),
        figure("days", days, "days", lang),
    ]
    verdict = "tariff.stay" if dynamic_wins else "tariff.switch"
    action = PlaybookAction(
        title=text(lang, f"{verdict}.title", tariff=tariff.name),
        device="tariff",
        window=text(lang, "tariff.window", days=int(days)),
        energy_kwh=round(import_year, 0),
        cost_change_eur=round(-difference, 2),
        confidence=_confidence(days),
        detail=text(
            lang,
            f"{verdict}.detail",
            weighted=number_text(weighted_spot_ct, 2, lang),
            mean=number_text(mean_spot_ct, 2, lang),
            share=number_text(evening_share, 1, lang),
        ),
    )
    headline = text(lang, f"{verdict}.headline", tariff=tariff.name, difference=figures[2].text)
    assumptions = [
        text(
            lang,
            "tariff.assumption.dynamic",
            surcharges=tariff.surcharges_net_ct_kwh,
            vat=tariff.vat * 100,
            base=tariff.base_price_eur_month,
        ),
        text(lang, "tariff.assumption.offer")
        if offered
        else text(lang, "tariff.assumption.reference", hedge=tariff.fixed_hedge_ct_kwh),
        text(lang, "tariff.assumption.same_base"),
    ]
    risks = []
    if days < 300:
        risks.append(text(lang, "tariff.risk.short_data", days=int(days)))
    risks.append(text(lang, "tariff.risk.past_prices"))
    start, end = index[0].tz_convert(timezone), index[-1].tz_convert(timezone)
    evidence = PlaybookEvidence(
        data_window=f"{start:%d.%m.%Y}–{end:%d.%m.%Y}",
        price_source="stored",
        engine={
            "engine": "tariff comparison",
            "quarter_hours": len(frame),
            "dynamic_energy_eur": round(dynamic_energy, 2),
            "fixed_energy_eur": round(fixed_energy, 2),
            "scale_to_year": round(scale, 4),
        },
    )
    inputs = {
        "quarter_hours": len(frame),
        "first": index[0].isoformat(),
        "last": index[-1].isoformat(),
        "import_kwh_total": round(float(kwh.sum()), 3),
        "dynamic_energy_eur": dynamic_energy,
        "fixed_ct_kwh": fixed_ct,
        "fixed_offered": offered,
        "prices": {"zone": meter.zone, "hours": len(hourly_spot), "table": "market_prices"},
        "tariff": asdict(tariff),
    }
    return Analysis(
        headline=headline,
        actions=[action],
        figures=figures,
        assumptions=assumptions,
        risks=risks,
        evidence=evidence,
        queries=[
            "Arbeitspreis Day-Ahead-Börsenpreis zuzüglich fester Aufschläge und Umsatzsteuer",
            "Grundpreis pro Monat brutto",
        ],
        inputs=inputs,
    )
