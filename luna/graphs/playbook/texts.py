"""The words the playbook engines put around their numbers, in English and German.

Each message is a ``str.format`` template under a message id. Numbers passed in as ``int`` or
``float`` are written with the language's decimal mark; text passed in (figures, windows,
names) is inserted as it is. Machine keys (figure keys, device ids, enum values) never come
from here.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from luna.graphs.playbook.schema import Language

_EN: dict[str, str] = {
    "window": "{window}",
    "summary.actions": "What to do: {actions}.",
    "summary.no_actions": "Nothing needs to be done now.",
    "summary.figures": "In figures: {figures}.",
    "summary.data": "Data: {window}.",
    "unit.days": "days",
    "figure.savings_eur": "saving against the baseline",
    "figure.savings_pct": "saving in %",
    "figure.plan_cost_eur": "energy cost with the plan",
    "figure.baseline_cost_eur": "cost without the plan",
    "figure.horizon_h": "plan horizon",
    "figure.cheapest_ct": "cheapest working price",
    "figure.dearest_ct": "dearest working price",
    "figure.load_kwh": "forecast consumption",
    "figure.charged_kwh": "battery charged",
    "figure.wear_eur": "battery wear cost",
    "figure.capacity_kwh": "battery capacity",
    "figure.battery_kw": "battery power",
    "figure.pv_kwh": "forecast PV",
    "figure.unusual_hours": "hours outside the forecast interval",
    "figure.hours": "hours checked",
    "figure.deviation_kwh": "energy beyond the forecast in those hours",
    "figure.deviation_eur": "its cost at the working price",
    "figure.actual_kwh": "measured consumption",
    "figure.forecast_kwh": "forecast consumption",
    "figure.dynamic_eur_year": "dynamic tariff per year",
    "figure.fixed_eur_year": "fixed price per year",
    "figure.difference_eur_year": "difference per year",
    "figure.import_kwh_year": "grid import per year",
    "figure.fixed_ct": "fixed working price (gross)",
    "figure.mean_spot_ct": "mean day-ahead price",
    "figure.weighted_spot_ct": "your consumption-weighted day-ahead price",
    "figure.evening_share_pct": "share of import 17:00–21:00",
    "figure.days": "days of data",
    "device.ev": "EV charging",
    "device.hot_water": "heat pump hot water (SG-Ready)",
    "device.dishwasher": "dishwasher",
    "plan.assumption.prices": "Prices: {tariff}, day-ahead price + {surcharges} ct/kWh net, "
    "plus {vat:g} % VAT",
    "plan.assumption.feed_in": "Feed-in: {feed_in} ct/kWh, nothing at negative prices (§ 51 EEG)",
    "plan.assumption.battery": "Battery ({origin}): {capacity:g} kWh, {power:g} kW, "
    "{round_trip:g} % round trip, state of charge {soc_min:g}–{soc_max:g} %, starting at "
    "{soc_start:g} % and ending no lower",
    "plan.origin.manual": "Luna Store 10 manual defaults",
    "plan.origin.meter": "the meter's attributes",
    "plan.assumption.device_fit": "{device}: only {energy} kWh fit into this horizon",
    "plan.assumption.device": "{device}: {energy:g} kWh at up to {power:g} kW between {opens} "
    "and {closes} ({source})",
    "plan.source.meter": "meter attributes",
    "plan.source.default": "documented default",
    "plan.assumption.binding": "Binding: {constraint}",
    "plan.charge.title": "Charge the battery",
    "plan.charge.detail": "charge {energy} kWh at a mean price of {price} ct/kWh",
    "plan.discharge.title": "Discharge the battery",
    "plan.discharge.detail": "discharge {energy} kWh at a mean price of {price} ct/kWh",
    "plan.shift_later.title": "Run the {device} later",
    "plan.shift.title": "Run the {device}",
    "plan.shift.detail": "instead of starting at {opens} when the window opens; energy cost "
    "{cost} EUR instead of {baseline} EUR",
    "plan.risk.load_forecast": "Consumption forecast ({model}) is off by {mae} kWh per quarter "
    "hour on average; a different day changes the saving",
    "plan.risk.pv_forecast": "Clouds the PV forecast did not expect reduce the battery's free "
    "charge",
    "plan.risk.price_forecast": "Prices are partly forecast, not yet published: re-plan after "
    "13:00",
    "plan.headline.battery": "Battery plan for {meter} saves {saving} over {hours} h",
    "plan.headline.load_shift": "Load shift for {meter} saves {saving} over {hours} h",
    "anomaly.higher.title": "Check what ran",
    "anomaly.lower.title": "Check for a missing load or a gap",
    "anomaly.detail": "measured {actual} kWh, forecast {point} kWh (interval {low}–{high} kWh)",
    "anomaly.headline": "{count} unusual hours on {meter} in {window}",
    "anomaly.headline.one": "1 unusual hour on {meter} in {window}",
    "anomaly.headline.none": "No unusual consumption on {meter} in {window}",
    "anomaly.risk.chance": "An 80 % interval is left by chance now and then: one unusual hour "
    "is a hint, not proof",
    "anomaly.risk.forecast": "The forecast ({model}) is off by {mae} kWh per quarter hour on "
    "average",
    "anomaly.assumption.forecast": "Forecast made from the {model} model on the history before "
    "{window}",
    "anomaly.assumption.prices": "Deviations valued at the dynamic tariff's working price of "
    "each hour",
    "tariff.stay.title": "Stay on {tariff}",
    "tariff.stay.detail": "your consumption-weighted day-ahead price ({weighted} ct/kWh) is at "
    "or below the market mean ({mean} ct/kWh)",
    "tariff.stay.headline": "{tariff} is {difference} a year cheaper than the fixed price",
    "tariff.switch.title": "Consider the fixed-price offer",
    "tariff.switch.detail": "{share} % of the import falls in the dear evening hours; shifting "
    "it would make the dynamic tariff pay",
    "tariff.switch.headline": "A fixed price is {difference} a year cheaper than {tariff}",
    "tariff.window": "{days} days of data, scaled to a year",
    "tariff.assumption.dynamic": "Dynamic: day-ahead price + {surcharges} ct/kWh net, plus "
    "{vat:g} % VAT, base price {base} EUR a month (tariff sheet)",
    "tariff.assumption.offer": "Fixed: the offer's working price",
    "tariff.assumption.reference": "Fixed: reference price = mean day-ahead price + surcharges "
    "+ {hedge} ct/kWh hedging premium, plus VAT",
    "tariff.assumption.same_base": "Both with the same base price; grid import = consumption "
    "minus PV in the same quarter hour",
    "tariff.risk.short_data": "Only {days} days of data: missing seasons can change the result",
    "tariff.risk.past_prices": "Past prices do not guarantee future ones; the fixed offer's "
    "terms may differ",
}

_DE: dict[str, str] = {
    "window": "{window} Uhr",
    "summary.actions": "Das ist zu tun: {actions}.",
    "summary.no_actions": "Derzeit ist nichts zu tun.",
    "summary.figures": "In Zahlen: {figures}.",
    "summary.data": "Datengrundlage: {window}.",
    "unit.days": "Tage",
    "figure.savings_eur": "Ersparnis gegenüber dem Betrieb ohne Steuerung",
    "figure.savings_pct": "Ersparnis in %",
    "figure.plan_cost_eur": "Energiekosten mit Fahrplan",
    "figure.baseline_cost_eur": "Kosten ohne Fahrplan",
    "figure.horizon_h": "Planungszeitraum",
    "figure.cheapest_ct": "günstigster Arbeitspreis",
    "figure.dearest_ct": "teuerster Arbeitspreis",
    "figure.load_kwh": "prognostizierter Verbrauch",
    "figure.charged_kwh": "in den Speicher geladen",
    "figure.wear_eur": "Verschleißkosten des Speichers",
    "figure.capacity_kwh": "Speicherkapazität",
    "figure.battery_kw": "Lade-/Entladeleistung des Speichers",
    "figure.pv_kwh": "prognostizierte PV-Erzeugung",
    "figure.unusual_hours": "Stunden außerhalb des Prognoseintervalls",
    "figure.hours": "geprüfte Stunden",
    "figure.deviation_kwh": "Abweichung von der Prognose in diesen Stunden",
    "figure.deviation_eur": "deren Kosten zum Arbeitspreis",
    "figure.actual_kwh": "gemessener Verbrauch",
    "figure.forecast_kwh": "prognostizierter Verbrauch",
    "figure.dynamic_eur_year": "dynamischer Tarif pro Jahr",
    "figure.fixed_eur_year": "Festpreis pro Jahr",
    "figure.difference_eur_year": "Differenz pro Jahr",
    "figure.import_kwh_year": "Netzbezug pro Jahr",
    "figure.fixed_ct": "Arbeitspreis des Festpreistarifs (brutto)",
    "figure.mean_spot_ct": "mittlerer Day-Ahead-Börsenpreis",
    "figure.weighted_spot_ct": "Ihr verbrauchsgewichteter Day-Ahead-Börsenpreis",
    "figure.evening_share_pct": "Anteil des Netzbezugs 17:00–21:00 Uhr",
    "figure.days": "Tage mit Daten",
    "device.ev": "Wallbox (E-Auto)",
    "device.hot_water": "Warmwasser der Wärmepumpe (SG-Ready)",
    "device.dishwasher": "Geschirrspüler",
    "plan.assumption.prices": "Preise: {tariff}, Day-Ahead-Börsenpreis + {surcharges} ct/kWh "
    "netto, zuzüglich {vat:g} % Umsatzsteuer",
    "plan.assumption.feed_in": "Einspeisevergütung: {feed_in} ct/kWh, keine Vergütung bei "
    "negativen Preisen (§ 51 EEG)",
    "plan.assumption.battery": "Speicher ({origin}): {capacity:g} kWh, {power:g} kW, "
    "{round_trip:g} % Wirkungsgrad über Laden und Entladen, Ladezustand (SoC) "
    "{soc_min:g}–{soc_max:g} %, zu Beginn {soc_start:g} %, am Ende nicht weniger",
    "plan.origin.manual": "Standardwerte laut Handbuch Luna Store 10",
    "plan.origin.meter": "Angaben zum Zähler",
    "plan.assumption.device_fit": "{device}: nur {energy} kWh passen in diesen Planungszeitraum",
    "plan.assumption.device": "{device}: {energy:g} kWh mit bis zu {power:g} kW zwischen "
    "{opens} und {closes} Uhr ({source})",
    "plan.source.meter": "Angaben zum Zähler",
    "plan.source.default": "dokumentierter Standardwert",
    "plan.assumption.binding": "Bindende Grenze: {constraint}",
    "plan.charge.title": "Speicher laden",
    "plan.charge.detail": "{energy} kWh laden zu durchschnittlich {price} ct/kWh",
    "plan.discharge.title": "Speicher entladen",
    "plan.discharge.detail": "{energy} kWh entladen, Arbeitspreis im Mittel {price} ct/kWh",
    "plan.shift_later.title": "{device} später starten",
    "plan.shift.title": "{device} im geplanten Zeitfenster starten",
    "plan.shift.detail": "statt um {opens} Uhr, sobald das Zeitfenster öffnet; Energiekosten "
    "{cost} EUR statt {baseline} EUR",
    "plan.risk.load_forecast": "Die Verbrauchsprognose ({model}) weicht im Mittel um {mae} kWh "
    "je Viertelstunde ab; ein anderer Tagesverlauf ändert die Ersparnis",
    "plan.risk.pv_forecast": "Unerwartete Bewölkung verringert die kostenlose PV-Ladung des "
    "Speichers",
    "plan.risk.price_forecast": "Die Preise sind teils prognostiziert, noch nicht "
    "veröffentlicht: nach 13:00 Uhr neu planen",
    "plan.headline.battery": "Speicherfahrplan für {meter} spart {saving} in den nächsten "
    "{hours} h",
    "plan.headline.load_shift": "Lastverschiebung für {meter} spart {saving} in den nächsten "
    "{hours} h",
    "anomaly.higher.title": "Prüfen, welches Gerät lief",
    "anomaly.lower.title": "Auf ein ausgefallenes Gerät oder eine Datenlücke prüfen",
    "anomaly.detail": "gemessen {actual} kWh, Prognose {point} kWh (Intervall {low}–{high} kWh)",
    "anomaly.headline": "{count} auffällige Stunden bei {meter} im Zeitraum {window}",
    "anomaly.headline.one": "1 auffällige Stunde bei {meter} im Zeitraum {window}",
    "anomaly.headline.none": "Kein auffälliger Verbrauch bei {meter} im Zeitraum {window}",
    "anomaly.risk.chance": "Ein 80-%-Intervall wird ab und zu auch zufällig verlassen: eine "
    "auffällige Stunde ist ein Hinweis, kein Beweis",
    "anomaly.risk.forecast": "Die Prognose ({model}) weicht im Mittel um {mae} kWh je "
    "Viertelstunde ab",
    "anomaly.assumption.forecast": "Prognose des Modells {model} aus dem Verlauf vor dem "
    "Zeitraum {window}",
    "anomaly.assumption.prices": "Abweichungen bewertet mit dem Arbeitspreis des dynamischen "
    "Tarifs in der jeweiligen Stunde",
    "tariff.stay.title": "Bei {tariff} bleiben",
    "tariff.stay.detail": "Ihr verbrauchsgewichteter Day-Ahead-Börsenpreis ({weighted} ct/kWh) "
    "liegt auf oder unter dem Marktmittel ({mean} ct/kWh)",
    "tariff.stay.headline": "{tariff} ist {difference} pro Jahr günstiger als der Festpreis",
    "tariff.switch.title": "Festpreisangebot in Betracht ziehen",
    "tariff.switch.detail": "{share} % des Netzbezugs fallen in die teuren Abendstunden; mit "
    "Lastverschiebung würde sich der dynamische Tarif lohnen",
    "tariff.switch.headline": "Ein Festpreis ist {difference} pro Jahr günstiger als {tariff}",
    "tariff.window": "{days} Tage Daten, auf ein Jahr hochgerechnet",
    "tariff.assumption.dynamic": "Dynamisch: Day-Ahead-Börsenpreis + {surcharges} ct/kWh "
    "netto, zuzüglich {vat:g} % Umsatzsteuer, Grundpreis {base} EUR pro Monat (Preisblatt)",
    "tariff.assumption.offer": "Festpreis: Arbeitspreis des Angebots",
    "tariff.assumption.reference": "Festpreis: Referenzpreis = mittlerer Day-Ahead-Börsenpreis "
    "+ Aufschläge + {hedge} ct/kWh Risikoaufschlag, zuzüglich Umsatzsteuer",
    "tariff.assumption.same_base": "Beide mit demselben Grundpreis; Netzbezug = Verbrauch minus "
    "PV-Erzeugung in derselben Viertelstunde",
    "tariff.risk.short_data": "Nur {days} Tage Daten: fehlende Jahreszeiten können das "
    "Ergebnis ändern",
    "tariff.risk.past_prices": "Vergangene Preise garantieren keine künftigen; die Konditionen "
    "des Festpreisangebots können abweichen",
}

MESSAGES: Mapping[Language, Mapping[str, str]] = {"en": _EN, "de": _DE}

# The optimiser words binding constraints in English itself; German is written per kind.
BINDING_DE: Mapping[str, str] = {
    "soc_min": "Speicher am Mindest-Ladezustand {when}",
    "soc_max": "Speicher voll (maximaler Ladezustand) {when}",
    "final_soc": "Mindest-Ladezustand am Ende des Planungszeitraums ({when})",
    "grid_import_limit": "Netzbezugsgrenze erreicht {when}",
    "grid_export_limit": "Einspeisegrenze erreicht {when}",
    "charge_power": "Speicher lädt mit voller Leistung {when}",
    "discharge_power": "Speicher entlädt mit voller Leistung {when}",
    "load_window": "Das Zeitfenster für {subject} begrenzt die Lastverschiebung ({when})",
    "grid_charging": "Speicher lädt nur aus PV-Überschuss {when}",
    "battery_export": "Speicher darf nicht ins Netz einspeisen {when}",
    "cycle_limit": "Zyklengrenze des Speichers erreicht ({when})",
    "saving": "; ohne diese Grenze würde der Plan {saving} EUR sparen",
}


def decimal_marks(digits: str, language: Language) -> str:
    """``1,234.5`` as the language writes it: unchanged (en) or ``1.234,5`` (de)."""
    if language == "de":
        return digits.replace(",", "_").replace(".", ",").replace("_", ".")
    return digits


class _Formatter(string.Formatter):
    """``str.format`` that writes plain numbers with the language's decimal mark."""

    def __init__(self, language: Language) -> None:
        super().__init__()
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        formatted = format(value, format_spec)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return decimal_marks(formatted, self.language)
        return formatted


_FORMATTERS = {language: _Formatter(language) for language in MESSAGES}


def text(language: Language, key: str, **values: Any) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in."""
    return _FORMATTERS[language].vformat(MESSAGES[language][key], (), values)
