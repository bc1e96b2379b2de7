"""The site's dynamic tariff: what a kWh drawn from or fed into the grid costs at a spot price.

Playbooks, the KPIs and the data tools price energy with the same :class:`Tariff`, built from
the ``LUNA_TARIFF_*`` settings, so a site changes its tariff in configuration, not in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from luna.config import Settings


@dataclass(frozen=True)
class Tariff:
    """Working price = (day-ahead price + fixed surcharges) × (1 + VAT); a monthly base price;
    feed-in paid at a fixed rate except in quarter hours with a negative spot price (§ 51 EEG)."""

    name: str
    surcharges_net_ct_kwh: float
    vat: float
    base_price_eur_month: float
    feed_in_ct_kwh: float
    fixed_hedge_ct_kwh: float  # a fixed-price supplier's premium on the mean price (net)

    @classmethod
    def from_settings(cls, settings: Settings) -> Tariff:
        return cls(
            name=settings.tariff_name,
            surcharges_net_ct_kwh=settings.tariff_surcharges_net_ct_kwh,
            vat=settings.tariff_vat,
            base_price_eur_month=settings.tariff_base_price_eur_month,
            feed_in_ct_kwh=settings.tariff_feed_in_ct_kwh,
            fixed_hedge_ct_kwh=settings.tariff_fixed_hedge_ct_kwh,
        )

    def gross_ct_kwh(self, net_ct_kwh: float) -> float:
        """A net working price (ct/kWh) with the surcharges' VAT added."""
        return net_ct_kwh * (1 + self.vat)

    def import_price_eur_kwh(self, spot_eur_mwh: float) -> float:
        """Gross working price of a kWh bought at ``spot_eur_mwh``."""
        return self.gross_ct_kwh(spot_eur_mwh / 10.0 + self.surcharges_net_ct_kwh) / 100.0

    def export_price_eur_kwh(self, spot_eur_mwh: float) -> float:
        """Feed-in tariff, nothing for quarter hours with a negative spot price (§ 51 EEG)."""
        return 0.0 if spot_eur_mwh < 0 else self.feed_in_ct_kwh / 100.0

    def reference_fixed_ct_kwh(self, mean_spot_ct_kwh: float) -> float:
        """Gross price a fixed-price supplier would charge: the mean spot price plus the
        surcharges and a hedging premium (the tariff check's comparison without an offer)."""
        return self.gross_ct_kwh(
            mean_spot_ct_kwh + self.surcharges_net_ct_kwh + self.fixed_hedge_ct_kwh
        )
