"""Build Luna's sample knowledge base and the ingest failure fixtures.

Writes the PDF and DOCX samples, ``samples/knowledge/manifest.json`` (title, language and key
facts per file, with the page each fact lands on as reportlab laid it out) and the broken files
under ``tests/ingest/fixtures/``. The TXT and Markdown samples are written by hand and only
listed here. Output is byte-for-byte reproducible (reportlab's invariant mode, fixed DOCX zip
timestamps), so the files can be committed and rebuilt without noise.

Build-only dependencies: ``reportlab`` (pulls in ``pillow``) and ``python-docx``.

    .venv/bin/python scripts/build_sample_knowledge.py
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.shared import Pt
from PIL import Image, ImageDraw, ImageFont
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

rl_config.invariant = 1  # no timestamps or random IDs in the PDFs

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "samples" / "knowledge"
FIXTURES = ROOT / "tests" / "ingest" / "fixtures"
FIXED_TIME = datetime(2025, 1, 1, 9, 0, 0)

# A block of document content, rendered to PDF or DOCX:
#   ("title", str) ("subtitle", str) ("h1", str) ("h2", str) ("p", str) ("bullets", [str])
#   ("table", [[str]]) first row is the header, ("pagebreak", None)
Block = tuple[str, Any]


def de(value: float, digits: int = 2) -> str:
    """German number format: 1.234,56."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


# --------------------------------------------------------------------------------------
# (a) Tariff sheet "Luna Strom Dynamisch" (PDF, German)
# --------------------------------------------------------------------------------------
VAT = 0.19
SURCHARGES_NET = [  # ct/kWh, net
    ("Beschaffungs- und Serviceaufschlag Luna Energie", 1.90, 2),
    ("Netzentgelt Arbeitspreis (Musterstadt Netz GmbH)", 8.21, 2),
    ("Konzessionsabgabe", 1.32, 2),
    ("Stromsteuer", 2.05, 2),
    ("KWKG-Umlage", 0.277, 3),
    ("Offshore-Netzumlage", 0.816, 3),
    ("Umlage nach § 19 StromNEV", 1.558, 3),
]
SURCHARGE_SUM = round(sum(v for _, v, _ in SURCHARGES_NET), 3)  # 16.131
EXAMPLE_KWH = 320
EXAMPLE_SPOT = 7.85
EXAMPLE_NET_CT = EXAMPLE_SPOT + SURCHARGE_SUM
EXAMPLE_ENERGY_NET = round(EXAMPLE_KWH * EXAMPLE_NET_CT / 100, 2)
EXAMPLE_VAT = round(EXAMPLE_ENERGY_NET * VAT, 2)
EXAMPLE_ENERGY_GROSS = round(EXAMPLE_ENERGY_NET + EXAMPLE_VAT, 2)
BASE_PRICE = 14.90
EXAMPLE_TOTAL = round(EXAMPLE_ENERGY_GROSS + BASE_PRICE, 2)
MODULE1_YEAR = 160.00
MODULE1_MONTH = round(MODULE1_YEAR / 12, 2)

TARIFF: list[Block] = [
    ("title", "Luna Strom Dynamisch – Preisblatt"),
    (
        "subtitle",
        "Dynamischer Stromtarif nach § 41a EnWG für Haushaltskunden mit intelligentem "
        "Messsystem. Gültig ab 01.01.2025 im Netzgebiet der Musterstadt Netz GmbH. Alle "
        "Arbeitspreise in ct/kWh; Bruttopreise enthalten 19 % Umsatzsteuer.",
    ),
    ("h1", "1 Geltungsbereich"),
    (
        "p",
        "Dieses Preisblatt gilt für Verträge über die Belieferung mit Strom im Tarif Luna Strom "
        "Dynamisch zwischen der Luna Energie GmbH (Lieferant) und Haushaltskunden im Sinne des "
        "§ 3 Nr. 22 EnWG. Es ergänzt die Allgemeinen Lieferbedingungen; bei Widersprüchen geht "
        "dieses Preisblatt vor.",
    ),
    (
        "p",
        "Der Tarif richtet sich an Kundinnen und Kunden, die ihren Verbrauch in günstige Stunden "
        "verlagern können, etwa mit einer Wärmepumpe, einem Elektrofahrzeug oder einem "
        "Batteriespeicher. Ein Energiemanagementsystem wie Luna-IEMS kann die stündlichen Preise "
        "automatisch berücksichtigen und steuerbare Verbraucher in die günstigsten Stunden legen.",
    ),
    ("h1", "2 Vertrag"),
    ("h2", "2.1 Voraussetzungen"),
    (
        "bullets",
        [
            "Am Zählpunkt ist ein intelligentes Messsystem (Smart-Meter-Gateway) eingebaut und "
            "betriebsbereit.",
            "Der Jahresverbrauch liegt unter 100.000 kWh.",
            "Die Zahlung erfolgt per SEPA-Lastschrift.",
            "Die Kommunikation erfolgt elektronisch über das Kundenportal und per E-Mail.",
        ],
    ),
    ("h2", "2.2 Laufzeit und Kündigung"),
    (
        "p",
        "Der Vertrag läuft auf unbestimmte Zeit und kann mit einer Frist von einem Monat zum "
        "Monatsende gekündigt werden. Eine Mindestvertragslaufzeit besteht nicht. Eine "
        "Preisgarantie wird nicht gewährt, da sich der Arbeitspreis stündlich nach dem "
        "Börsenpreis richtet.",
    ),
    ("h2", "2.3 Preisänderungen"),
    (
        "p",
        "Änderungen der Aufschläge und des Grundpreises teilt die Luna Energie GmbH mindestens "
        "sechs Wochen vor ihrem Wirksamwerden in Textform mit. Der Kunde hat in diesem Fall ein "
        "Sonderkündigungsrecht zum Zeitpunkt des Wirksamwerdens. Änderungen staatlich "
        "veranlasster Preisbestandteile (Steuern, Abgaben, Umlagen) werden ohne Aufschlag in "
        "unveränderter Höhe weitergegeben.",
    ),
    ("pagebreak", None),
    ("h1", "3 Preise"),
    (
        "p",
        "Der Gesamtpreis setzt sich aus einem stündlich variablen Arbeitspreis und einem "
        "monatlichen Grundpreis zusammen.",
    ),
    ("h2", "3.1 Arbeitspreis"),
    (
        "p",
        "Der Arbeitspreis je Kilowattstunde ergibt sich für jede Stunde aus dem "
        "Day-Ahead-Börsenpreis der EPEX Spot für die Gebotszone Deutschland/Luxemburg (DE-LU) "
        "zuzüglich der folgenden festen Aufschläge und der Umsatzsteuer:",
    ),
    (
        "table",
        [["Preisbestandteil", "netto", "brutto"]]
        + [["Day-Ahead-Börsenpreis (EPEX Spot, DE-LU)", "stündlich variabel", "× 1,19"]]
        + [
            [name, f"{de(v, d)} ct/kWh", f"{de(v * (1 + VAT), 3)} ct/kWh"]
            for name, v, d in SURCHARGES_NET
        ]
        + [
            [
                "Summe feste Aufschläge",
                f"{de(SURCHARGE_SUM, 3)} ct/kWh",
                f"{de(SURCHARGE_SUM * (1 + VAT), 2)} ct/kWh",
            ]
        ],
    ),
    (
        "p",
        f"Arbeitspreis brutto = (Day-Ahead-Preis + {de(SURCHARGE_SUM, 3)} ct/kWh) × 1,19. Bei "
        "einem Day-Ahead-Preis von 10,00 ct/kWh beträgt der Arbeitspreis somit "
        f"{de((10 + SURCHARGE_SUM) * (1 + VAT), 2)} ct/kWh brutto.",
    ),
    (
        "p",
        "Negative Day-Ahead-Preise werden in voller Höhe weitergegeben. Die festen Aufschläge "
        "fallen in jeder Stunde an; der Arbeitspreis wird daher nur negativ, wenn der "
        f"Börsenpreis unter -{de(SURCHARGE_SUM, 3)} ct/kWh liegt. Ein negativer Arbeitspreis "
        "wird mit der Monatsrechnung gutgeschrieben.",
    ),
    ("h2", "3.2 Grundpreis"),
    (
        "p",
        f"Der Grundpreis beträgt {de(BASE_PRICE)} € pro Monat brutto "
        f"({de(BASE_PRICE / (1 + VAT))} € netto). Er umfasst den Netz-Grundpreis der Musterstadt "
        "Netz GmbH (5,00 € brutto), das Entgelt für den Messstellenbetrieb des intelligenten "
        "Messsystems (2,50 € brutto, entspricht 30,00 € pro Jahr) sowie die Servicepauschale "
        "der Luna Energie GmbH (7,40 € brutto).",
    ),
    (
        "p",
        "Der Grundpreis wird taggenau abgerechnet; angefangene Monate werden anteilig berechnet.",
    ),
    ("h1", "4 Netzentgelte und § 14a EnWG"),
    (
        "p",
        "Die Netzentgelte sind im Arbeitspreis (8,21 ct/kWh netto) und im Grundpreis (5,00 € "
        "brutto pro Monat) enthalten und werden ohne Aufschlag an die Musterstadt Netz GmbH "
        "weitergegeben.",
    ),
    ("h2", "4.1 Steuerbare Verbrauchseinrichtungen"),
    (
        "p",
        "Für steuerbare Verbrauchseinrichtungen nach § 14a EnWG (Wärmepumpen, nicht öffentlich "
        "zugängliche Ladepunkte, Anlagen zur Raumkühlung und Stromspeicher mit jeweils mehr als "
        "4,2 kW Anschlussleistung), die beim Netzbetreiber angemeldet sind, gewährt die "
        "Musterstadt Netz GmbH ein reduziertes Netzentgelt. Im Gegenzug darf der Netzbetreiber "
        "den Bezug dieser Geräte bei drohender Netzüberlastung auf bis zu 4,2 kW dimmen.",
    ),
    ("h2", "4.2 Modul 1 – pauschale Reduzierung"),
    (
        "p",
        f"Pauschale Gutschrift von {de(MODULE1_YEAR)} € brutto pro Jahr, anteilig "
        f"{de(MODULE1_MONTH)} € pro Monat. Modul 1 gilt, wenn keine andere Wahl getroffen wird. "
        "Ein separater Zähler ist nicht erforderlich.",
    ),
    ("h2", "4.3 Modul 2 – prozentuale Reduzierung"),
    (
        "p",
        "Reduzierung des Netzentgelt-Arbeitspreises um 60 % auf 3,28 ct/kWh netto für den "
        "Verbrauch der steuerbaren Verbrauchseinrichtung. Voraussetzung ist ein separater "
        "Zählpunkt für die Verbrauchseinrichtung; für diesen Zählpunkt entfällt der "
        "Netz-Grundpreis.",
    ),
    ("h2", "4.4 Modul 3 – zeitvariables Netzentgelt"),
    (
        "p",
        "Seit dem 01.04.2025 kann Modul 1 mit einem zeitvariablen Netzentgelt kombiniert werden. "
        "Es gelten die folgenden Tarifstufen der Musterstadt Netz GmbH (ganzjährig, an allen "
        "Wochentagen):",
    ),
    (
        "table",
        [
            ["Tarifstufe", "Zeitfenster", "Netzentgelt netto"],
            ["Niedertarif (NT)", "00:00–06:00 Uhr", "1,64 ct/kWh"],
            ["Standardtarif (ST)", "06:00–17:00 und 21:00–24:00 Uhr", "8,21 ct/kWh"],
            ["Hochtarif (HT)", "17:00–21:00 Uhr", "12,32 ct/kWh"],
        ],
    ),
    ("h1", "5 Abrechnung"),
    (
        "p",
        "Grundlage der Abrechnung sind die viertelstündlichen Messwerte des intelligenten "
        "Messsystems. Jeder Viertelstundenverbrauch wird mit dem für diesen Zeitraum gültigen "
        "Day-Ahead-Preis bewertet; solange die Börse Stundenpreise veröffentlicht, gilt der "
        "Stundenpreis für alle vier Viertelstunden der Stunde.",
    ),
    (
        "p",
        "Die Abrechnung erfolgt monatlich. Die Rechnung wird bis zum 10. Werktag des Folgemonats "
        "im Kundenportal bereitgestellt und per SEPA-Lastschrift eingezogen; Abschlagszahlungen "
        "werden nicht erhoben.",
    ),
    (
        "p",
        "Fehlen Messwerte, werden Ersatzwerte nach dem Standardlastprofil H0 gebildet und mit "
        "dem durchschnittlichen Day-Ahead-Preis des Monats bewertet.",
    ),
    (
        "p",
        "Die stündlichen Preise des Folgetags stehen nach der Veröffentlichung durch die Börse, "
        "in der Regel gegen 13:00 Uhr, im Kundenportal und über die Schnittstelle für "
        "Energiemanagementsysteme bereit.",
    ),
    ("h1", "6 Beispielrechnung"),
    (
        "p",
        f"Ein Haushalt verbraucht im März {EXAMPLE_KWH} kWh. Der verbrauchsgewichtete mittlere "
        f"Day-Ahead-Preis beträgt {de(EXAMPLE_SPOT)} ct/kWh netto.",
    ),
    (
        "table",
        [
            ["Position", "Rechnung", "Betrag"],
            [
                "Arbeitspreis netto",
                f"{de(EXAMPLE_SPOT)} + {de(SURCHARGE_SUM, 3)} ct/kWh",
                f"{de(EXAMPLE_NET_CT, 3)} ct/kWh",
            ],
            [
                "Energiekosten netto",
                f"{EXAMPLE_KWH} kWh × {de(EXAMPLE_NET_CT, 3)} ct/kWh",
                f"{de(EXAMPLE_ENERGY_NET)} €",
            ],
            ["Umsatzsteuer 19 %", "", f"{de(EXAMPLE_VAT)} €"],
            ["Energiekosten brutto", "", f"{de(EXAMPLE_ENERGY_GROSS)} €"],
            ["Grundpreis", "1 Monat", f"{de(BASE_PRICE)} €"],
            ["Rechnungsbetrag März", "", f"{de(EXAMPLE_TOTAL)} €"],
        ],
    ),
    (
        "p",
        "Mit angemeldeter Wärmepumpe nach § 14a EnWG (Modul 1) verringert sich der "
        f"Rechnungsbetrag um die anteilige Gutschrift von {de(MODULE1_MONTH)} € auf "
        f"{de(EXAMPLE_TOTAL - MODULE1_MONTH)} €.",
    ),
]

# --------------------------------------------------------------------------------------
# (c) Home battery manual excerpt (PDF, English)
# --------------------------------------------------------------------------------------
BATTERY: list[Block] = [
    ("title", "Luna Store 10 – Home Battery System"),
    ("subtitle", "Installation and operating manual (excerpt). Document version 2.1, March 2025."),
    ("h1", "1 Safety information"),
    (
        "p",
        "Only qualified electricians may install, connect or open the battery system. The "
        "battery modules use lithium iron phosphate (LFP) cells; do not expose them to "
        "temperatures above 50 °C or to direct sunlight.",
    ),
    (
        "bullets",
        [
            "Install the unit indoors in a dry, frost-free room.",
            "Keep a clearance of at least 30 cm above and 10 cm beside the housing.",
            "Before any work, switch off the DC isolator and wait 5 minutes for the internal "
            "capacitors to discharge.",
        ],
    ),
    ("h1", "2 Technical data"),
    (
        "table",
        [
            ["Parameter", "Value"],
            ["Usable capacity", "10.0 kWh"],
            ["Nominal capacity", "10.6 kWh"],
            ["Cell chemistry", "LFP (lithium iron phosphate)"],
            ["Nominal voltage", "51.2 V"],
            ["Max. continuous charge power", "5.0 kW"],
            ["Max. continuous discharge power", "5.0 kW"],
            ["Peak discharge power (10 s)", "7.0 kW"],
            ["Round-trip efficiency (AC to AC, at 2.5 kW)", "92 %"],
            ["Standby consumption", "below 8 W"],
            ["Operating temperature, charging", "0 to 45 °C"],
            ["Operating temperature, discharging", "-10 to 50 °C"],
            ["Weight", "98 kg"],
            ["Protection class", "IP55"],
        ],
    ),
    (
        "p",
        "The usable capacity applies to the full state-of-charge range of 0 to 100 % at 25 °C "
        "for a new battery. The round-trip efficiency includes the inverter and the battery "
        "management system.",
    ),
    ("pagebreak", None),
    ("h1", "3 Operation"),
    ("h2", "3.1 Recommended state-of-charge window"),
    (
        "p",
        "For daily cycling, keep the state of charge (SoC) between 10 % and 90 %. This window "
        "limits cell stress and extends the service life by roughly 20 % compared with full "
        "cycles. An energy management system should use 10 % as the lower and 90 % as the upper "
        "limit for its optimisation.",
    ),
    (
        "p",
        "Once every 30 days the battery performs a calibration charge to 100 % to balance the "
        "cells. The calibration charge starts automatically when the SoC exceeds 85 % and takes "
        "about two hours; do not interrupt it.",
    ),
    ("h2", "3.2 Operating modes"),
    (
        "bullets",
        [
            "Self-consumption (default): the battery charges from PV surplus and discharges to "
            "cover the household load.",
            "External control: an energy management system sets the charge or discharge power "
            "via Modbus TCP.",
            "Backup reserve (only with the optional backup box): a configurable reserve, "
            "20 % by default, is kept for emergency power.",
        ],
    ),
    ("h2", "3.3 Low-temperature behaviour"),
    (
        "p",
        "Below 5 °C cell temperature the maximum charge power is reduced to 2.5 kW. Below 0 °C "
        "charging is blocked until the internal heater has warmed the cells.",
    ),
    ("h1", "4 Energy management interface"),
    (
        "p",
        "The battery provides a Modbus TCP server on port 502 with unit ID 3. Power setpoints "
        "are given in watts; positive values charge the battery, negative values discharge it.",
    ),
    (
        "table",
        [
            ["Register", "Name", "Unit", "Access"],
            ["30100", "State of charge", "0.1 %", "read"],
            ["30102", "Battery power", "W", "read"],
            ["40200", "Power setpoint", "W", "read/write"],
            ["40202", "Setpoint timeout", "s", "read/write"],
        ],
    ),
    (
        "p",
        "If no new setpoint is written within the setpoint timeout (default 60 s), the battery "
        "returns to self-consumption mode. This protects the household if the energy management "
        "system fails.",
    ),
    ("h1", "5 Warranty"),
    (
        "p",
        "Luna Energie grants a warranty of 10 years from commissioning. The warranty ends "
        "earlier when the battery has completed 6,000 full equivalent cycles or delivered an "
        "energy throughput of 55 MWh, whichever comes first. At the end of the warranty the "
        "battery retains at least 70 % of its usable capacity.",
    ),
    (
        "p",
        "The warranty requires registration of the battery within 8 weeks of commissioning.",
    ),
]

# --------------------------------------------------------------------------------------
# (b) Heat-pump manual excerpt (DOCX, German)
# --------------------------------------------------------------------------------------
HEAT_PUMP: list[Block] = [
    ("title", "Luna Therm LW 9 – Luft/Wasser-Wärmepumpe"),
    ("subtitle", "Auszug aus der Installations- und Bedienungsanleitung, Version 1.4 (2025)"),
    ("h1", "1 Technische Daten"),
    (
        "table",
        [
            ["Kenngröße", "Wert"],
            ["Heizleistung bei A7/W35", "9,1 kW"],
            ["COP bei A7/W35", "4,8"],
            ["Heizleistung bei A-7/W35", "7,4 kW"],
            ["SCOP (durchschnittliches Klima, 35 °C)", "4,6"],
            ["Max. Leistungsaufnahme Verdichter", "3,9 kW"],
            ["Elektrischer Heizstab", "6,0 kW (3 Stufen: 2 / 4 / 6 kW)"],
            ["Max. Gesamtleistungsaufnahme", "9,9 kW"],
            ["Kältemittel", "R290 (Propan), 1,3 kg"],
            ["Max. Vorlauftemperatur", "70 °C"],
            ["Schallleistungspegel außen", "52 dB(A)"],
        ],
    ),
    (
        "p",
        "Die Wärmepumpe ist eine steuerbare Verbrauchseinrichtung nach § 14a EnWG, da ihre "
        "Anschlussleistung 4,2 kW übersteigt. Sie muss vor der Inbetriebnahme beim "
        "Netzbetreiber angemeldet werden.",
    ),
    ("h1", "2 SG-Ready-Schnittstelle"),
    ("h2", "2.1 Anschluss"),
    (
        "p",
        "Die Schnittstelle besteht aus zwei potentialfreien Eingängen EVU1 (Klemme X5.1) und "
        "EVU2 (Klemme X5.2) für die Kontakte eines Energiemanagementsystems. Die Kombination "
        "beider Kontakte ergibt vier Betriebszustände.",
    ),
    ("h2", "2.2 Betriebszustände"),
    (
        "table",
        [
            ["Zustand", "EVU1 : EVU2", "Verhalten"],
            [
                "1 – Sperre",
                "1 : 0",
                "Verdichter und Heizstab gesperrt; höchstens 2 Stunden am Stück und höchstens "
                "dreimal pro Tag",
            ],
            ["2 – Normalbetrieb", "0 : 0", "Energieeffizienter Normalbetrieb nach Heizkurve"],
            [
                "3 – Einschaltempfehlung",
                "0 : 1",
                "Verstärkter Betrieb: Warmwasser-Sollwert +5 K, Raumsollwert +1 K",
            ],
            [
                "4 – Einschaltbefehl",
                "1 : 1",
                "Anlaufbefehl: Warmwasser auf 60 °C, Heizstab freigegeben, Pufferspeicher +10 K",
            ],
        ],
    ),
    (
        "p",
        "Ein Wechsel des Betriebszustands wird erst übernommen, wenn das Signal mindestens "
        "10 Minuten unverändert anliegt. So führen kurze Preisspitzen nicht zu Taktbetrieb.",
    ),
    ("h1", "3 Mindestlaufzeiten und Pausen"),
    (
        "bullets",
        [
            "Mindestlaufzeit des Verdichters: 10 Minuten.",
            "Mindeststillstandszeit zwischen zwei Verdichterstarts: 20 Minuten.",
            "Höchstens 3 Verdichterstarts pro Stunde.",
            "Nach einer EVU-Sperre startet der Verdichter mit einer zufälligen Verzögerung von "
            "0 bis 5 Minuten, damit nicht alle Anlagen im Netzgebiet gleichzeitig anlaufen.",
        ],
    ),
    (
        "p",
        "Ein Energiemanagementsystem muss diese Zeiten bei der Planung berücksichtigen; "
        "Schaltbefehle, die sie verletzen würden, führt die Regelung verzögert aus.",
    ),
    ("h1", "4 Steuerung nach § 14a EnWG"),
    (
        "p",
        "Bei einer netzorientierten Steuerung durch den Netzbetreiber begrenzt die Wärmepumpe "
        "ihre elektrische Leistungsaufnahme auf 4,2 kW. Das Signal kommt von der Steuerbox am "
        "Smart-Meter-Gateway oder vom Energiemanagementsystem.",
    ),
    ("h2", "4.1 Verhalten bei Dimmung"),
    (
        "bullets",
        [
            "Der elektrische Heizstab wird gesperrt.",
            "Der Verdichter läuft mit reduzierter Drehzahl weiter; die Leistungsaufnahme bleibt "
            "unter 4,2 kW.",
            "Die Warmwasserbereitung bleibt möglich, sofern die Leistungsgrenze eingehalten wird.",
            "Nach Ende des Steuersignals kehrt die Anlage innerhalb von 60 Sekunden in den "
            "vorherigen Betrieb zurück.",
        ],
    ),
    ("h2", "4.2 Anschluss der Steuerbox"),
    (
        "p",
        "Das Dimmsignal wird entweder über den Relaiseingang X6 (Kontakt geschlossen = "
        "Leistungsbegrenzung aktiv) oder über das Modbus-Register 40110 (Leistungsgrenze in "
        "Watt, 0 = keine Begrenzung) übergeben. Bei gleichzeitiger Vorgabe gilt der niedrigere "
        "Wert.",
    ),
    ("h1", "5 Modbus-TCP-Schnittstelle"),
    (
        "p",
        "Die Wärmepumpe stellt einen Modbus-TCP-Server auf Port 502 mit der Unit-ID 1 bereit.",
    ),
    (
        "table",
        [
            ["Register", "Bezeichnung", "Einheit", "Zugriff"],
            ["30001", "Außentemperatur", "0,1 °C", "lesen"],
            ["30010", "Aktuelle Leistungsaufnahme", "W", "lesen"],
            ["30020", "Warmwassertemperatur", "0,1 °C", "lesen"],
            ["40001", "Betriebsart (0 = Aus, 1 = Heizen, 2 = Warmwasser)", "–", "lesen/schreiben"],
            ["40110", "Leistungsgrenze", "W", "lesen/schreiben"],
        ],
    ),
]


# --------------------------------------------------------------------------------------
# Manifest facts: evidence is an exact substring of the document text; section/page are
# where it lands (pages of PDFs are taken from reportlab's layout, not typed in).
# --------------------------------------------------------------------------------------
@dataclass
class Fact:
    question: str
    answer: str
    evidence: str
    section: str | None
    page: int | None = None


@dataclass
class Sample:
    path: str
    title: str
    language: str
    kind: str
    description: str
    facts: list[Fact] = field(default_factory=list)


def _sections(*parts: str) -> str:
    return " > ".join(parts)


SAMPLES = [
    Sample(
        "luna-strom-dynamisch-preisblatt.pdf",
        "Luna Strom Dynamisch – Preisblatt",
        "de",
        "tariff",
        "Dynamic electricity tariff sheet: working price, base price, grid fees, § 14a modules.",
        [
            Fact(
                "Wie hoch sind die festen Aufschläge im Tarif Luna Strom Dynamisch?",
                f"{de(SURCHARGE_SUM, 3)} ct/kWh netto ({de(SURCHARGE_SUM * 1.19, 2)} ct/kWh "
                "brutto) zusätzlich zum Day-Ahead-Preis.",
                f"{de(SURCHARGE_SUM, 3)} ct/kWh",
                _sections("3 Preise", "3.1 Arbeitspreis"),
            ),
            Fact(
                "Wie hoch ist der Grundpreis von Luna Strom Dynamisch?",
                f"{de(BASE_PRICE)} € pro Monat brutto.",
                f"{de(BASE_PRICE)} € pro Monat brutto",
                _sections("3 Preise", "3.2 Grundpreis"),
            ),
            Fact(
                "Wie hoch ist das Netzentgelt im Hochtarif von Modul 3 und wann gilt er?",
                "12,32 ct/kWh netto, von 17:00 bis 21:00 Uhr.",
                "12,32 ct/kWh",
                _sections(
                    "4 Netzentgelte und § 14a EnWG", "4.4 Modul 3 – zeitvariables Netzentgelt"
                ),
            ),
            Fact(
                "Wie viel Gutschrift gibt es pro Jahr bei § 14a Modul 1?",
                f"{de(MODULE1_YEAR)} € brutto pro Jahr ({de(MODULE1_MONTH)} € pro Monat).",
                f"{de(MODULE1_YEAR)} € brutto pro Jahr",
                _sections("4 Netzentgelte und § 14a EnWG", "4.2 Modul 1 – pauschale Reduzierung"),
            ),
            Fact(
                "Wie hoch ist der Rechnungsbetrag in der Beispielrechnung für März?",
                f"{de(EXAMPLE_TOTAL)} € für {EXAMPLE_KWH} kWh bei {de(EXAMPLE_SPOT)} ct/kWh "
                "mittlerem Day-Ahead-Preis.",
                f"{de(EXAMPLE_TOTAL)} €",
                "6 Beispielrechnung",
            ),
        ],
    ),
    Sample(
        "luna-therm-lw9-anleitung-auszug.docx",
        "Luna Therm LW 9 – Luft/Wasser-Wärmepumpe",
        "de",
        "device_manual",
        "Heat-pump manual excerpt: technical data, SG-Ready states, run/pause times, § 14a.",
        [
            Fact(
                "Was passiert im SG-Ready-Betriebszustand 4 der Luna Therm LW 9?",
                "Anlaufbefehl: Warmwasser auf 60 °C, Heizstab freigegeben, Pufferspeicher +10 K.",
                "Warmwasser auf 60 °C",
                _sections("2 SG-Ready-Schnittstelle", "2.2 Betriebszustände"),
            ),
            Fact(
                "Wie lang ist die Mindeststillstandszeit des Verdichters?",
                "20 Minuten zwischen zwei Verdichterstarts.",
                "Mindeststillstandszeit zwischen zwei Verdichterstarts: 20 Minuten",
                "3 Mindestlaufzeiten und Pausen",
            ),
            Fact(
                "Auf welche Leistung wird die Wärmepumpe bei einer Steuerung nach § 14a gedimmt?",
                "Auf 4,2 kW elektrische Leistungsaufnahme; der Heizstab wird gesperrt.",
                "Leistungsaufnahme auf 4,2 kW",
                "4 Steuerung nach § 14a EnWG",
            ),
            Fact(
                "Über welches Modbus-Register wird die Leistungsgrenze der Wärmepumpe gesetzt?",
                "Register 40110 (Leistungsgrenze in Watt, 0 = keine Begrenzung).",
                "Modbus-Register 40110",
                _sections("4 Steuerung nach § 14a EnWG", "4.2 Anschluss der Steuerbox"),
            ),
            Fact(
                "Wie hoch ist der COP der Luna Therm LW 9 bei A7/W35?",
                "4,8.",
                "COP bei A7/W35 | 4,8",
                "1 Technische Daten",
            ),
        ],
    ),
    Sample(
        "luna-store-10-manual-excerpt.pdf",
        "Luna Store 10 – Home Battery System",
        "en",
        "device_manual",
        "Home-battery manual excerpt: capacity, power limits, efficiency, SoC window, warranty.",
        [
            Fact(
                "What is the usable capacity of the Luna Store 10?",
                "10.0 kWh.",
                "Usable capacity | 10.0 kWh",
                "2 Technical data",
            ),
            Fact(
                "What is the round-trip efficiency of the Luna Store 10?",
                "92 % (AC to AC, at 2.5 kW).",
                "92 %",
                "2 Technical data",
            ),
            Fact(
                "Which state-of-charge window is recommended for daily cycling?",
                "Between 10 % and 90 %.",
                "between 10 % and 90 %",
                _sections("3 Operation", "3.1 Recommended state-of-charge window"),
            ),
            Fact(
                "What happens if no new setpoint arrives within the setpoint timeout?",
                "After the timeout (default 60 s) the battery returns to self-consumption mode.",
                "returns to self-consumption mode",
                "4 Energy management interface",
            ),
            Fact(
                "How many cycles does the battery warranty cover?",
                "10 years, or 6,000 full equivalent cycles or 55 MWh throughput, whichever "
                "comes first; at least 70 % capacity retained.",
                "6,000 full equivalent cycles",
                "5 Warranty",
            ),
        ],
    ),
    Sample(
        "netzbetreiber-14a-regeln.txt",
        "Ergänzende Regeln für steuerbare Verbrauchseinrichtungen nach § 14a EnWG",
        "de",
        "grid_rules",
        "Grid operator rules for controllable consumers: registration, minimum power, control.",
        [
            Fact(
                "Wie lange vor der Inbetriebnahme muss eine steuerbare Verbrauchseinrichtung "
                "angemeldet werden?",
                "Spätestens 4 Wochen vor der geplanten Inbetriebnahme.",
                "spätestens 4 Wochen vor der geplanten Inbetriebnahme",
                "2 Anmeldung und Nachweise",
            ),
            Fact(
                "Welcher Gleichzeitigkeitsfaktor gilt für drei steuerbare Verbrauchseinrichtungen "
                "hinter einem Energiemanagementsystem?",
                "0,75.",
                "3 | 0,75",
                _sections("3 Mindestleistung bei Steuerung", "3.2 Mehrere Verbrauchseinrichtungen"),
            ),
            Fact(
                "Welche Mindestleistung gilt für Wärmepumpen über 11 kW bei Steuerung?",
                "40 % der Nennleistung.",
                "40 % der Nennleistung",
                _sections("3 Mindestleistung bei Steuerung", "3.1 Einzelne Verbrauchseinrichtung"),
            ),
            Fact(
                "Wie lange darf präventiv gesteuert werden?",
                "Höchstens 2 Stunden pro Tag, für längstens 24 Monate.",
                "höchstens 2 Stunden pro Tag",
                "4 Steuerung durch den Netzbetreiber",
            ),
        ],
    ),
    Sample(
        "pv-einspeiseverguetung-hinweise.txt",
        "Hinweise zur Einspeisevergütung für Photovoltaikanlagen",
        "de",
        "feed_in",
        "PV feed-in tariff note: EEG rates, partial/full feed-in, direct marketing, § 51 EEG.",
        [
            Fact(
                "Wie hoch ist die Einspeisevergütung bei Teileinspeisung bis 10 kWp "
                "(Inbetriebnahme Februar bis Juli 2025)?",
                "7,94 ct/kWh.",
                "7,94 ct/kWh",
                "Vergütungssätze",
            ),
            Fact(
                "Bis wann muss die Volleinspeisung beim Netzbetreiber gemeldet werden?",
                "Vor dem 1. Dezember für das folgende Kalenderjahr.",
                "vor dem 1. Dezember",
                "Teileinspeisung und Volleinspeisung",
            ),
            Fact(
                "Ab welcher Anlagengröße ist die Direktvermarktung Pflicht?",
                "Ab 100 kWp installierter Leistung.",
                "ab 100 kWp",
                "Direktvermarktung",
            ),
            Fact(
                "Was gilt nach § 51 EEG für neue Anlagen bei negativen Preisen?",
                "Für Anlagen ab 25.02.2025 entfällt die Vergütung für jede Viertelstunde mit "
                "negativem Spotmarktpreis; die Zeiträume werden an die Förderdauer angehängt.",
                "jede Viertelstunde mit negativem Spotmarktpreis",
                "Negative Preise (§ 51 EEG)",
            ),
        ],
    ),
    Sample(
        "luna-iems-faq.md",
        "Luna-IEMS FAQ",
        "de+en",
        "faq",
        "Product FAQ in German and English: offline operation, planning, defaults, privacy.",
        [
            Fact(
                "What does Luna-IEMS do without an internet connection?",
                "It keeps using the last known prices for up to 24 hours, then falls back to a "
                "fixed time-of-use schedule with cheap hours 00:00–06:00.",
                "up to 24 hours",
                _sections("Allgemein / General", "Does Luna-IEMS need an internet connection?"),
            ),
            Fact(
                "Wie oft plant Luna-IEMS neu?",
                "Alle 15 Minuten und sofort nach Veröffentlichung neuer Day-Ahead-Preise.",
                "Alle 15 Minuten",
                _sections("Optimierung / Optimisation", "Wie oft plant Luna-IEMS neu?"),
            ),
            Fact(
                "What is the default price horizon of the optimiser?",
                "36 hours.",
                "Price horizon | 36 h",
                _sections(
                    "Optimierung / Optimisation",
                    "Which limits does the optimiser use by default?",
                ),
            ),
            Fact(
                "Welche Daten verlassen das Haus?",
                "Keine Mess- oder Verbrauchsdaten; nur anonyme Abrufe von Preisen und Wetter.",
                "Keine Mess- oder Verbrauchsdaten",
                _sections("Datenschutz / Privacy", "Welche Daten verlassen das Haus?"),
            ),
        ],
    ),
]


# --------------------------------------------------------------------------------------
# PDF rendering
# --------------------------------------------------------------------------------------
STYLES = {
    "title": ParagraphStyle(
        "title", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=8
    ),
    "subtitle": ParagraphStyle(
        "subtitle",
        fontName="Helvetica",
        fontSize=10,
        leading=13,
        spaceAfter=10,
        textColor=colors.HexColor("#333333"),
    ),
    "h1": ParagraphStyle(
        "h1", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceBefore=10, spaceAfter=4
    ),
    "h2": ParagraphStyle(
        "h2", fontName="Helvetica-Bold", fontSize=11.5, leading=15, spaceBefore=6, spaceAfter=3
    ),
    "p": ParagraphStyle("p", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=6),
    "bullet": ParagraphStyle(
        "bullet",
        fontName="Helvetica",
        fontSize=10,
        leading=13,
        leftIndent=14,
        bulletIndent=4,
        spaceAfter=2,
    ),
    "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11),
    "cell_head": ParagraphStyle("cell_head", fontName="Helvetica-Bold", fontSize=9, leading=11),
}


class _RecordingDoc(SimpleDocTemplate):
    """Remembers on which page each flowable's text landed (for the manifest)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placed: list[tuple[int, str]] = []

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab hook
        if isinstance(flowable, Paragraph):
            self.placed.append((self.page, flowable.getPlainText()))
        elif isinstance(flowable, Table):
            rows = [" | ".join(_cell_text(c) for c in row) for row in flowable._cellvalues]
            self.placed.append((self.page, "\n".join(rows)))


def _cell_text(cell: Any) -> str:
    if isinstance(cell, list | tuple):
        return " ".join(_cell_text(c) for c in cell)
    return cell.getPlainText() if isinstance(cell, Paragraph) else str(cell)


def _page_decorator(header: str, footer: str) -> type[canvas.Canvas]:
    """A canvas class that draws a running header and "page X of Y" footer on every page."""

    class _Canvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.grey)
                self.drawString(2 * cm, A4[1] - 1.3 * cm, header)
                self.drawRightString(
                    A4[0] - 2 * cm, 1.2 * cm, footer.format(page=number, pages=total)
                )
                super().showPage()
            super().save()

    return _Canvas


def _pdf_flowables(blocks: Sequence[Block]) -> list[Flowable]:
    out: list[Flowable] = []
    for kind, value in blocks:
        if kind in ("title", "subtitle", "h1", "h2", "p"):
            out.append(Paragraph(escape(value), STYLES[kind]))
        elif kind == "bullets":
            out.extend(Paragraph(escape(item), STYLES["bullet"], bulletText="•") for item in value)
            out.append(Spacer(1, 4))
        elif kind == "table":
            head, *rows = value
            data = [[Paragraph(escape(c), STYLES["cell_head"]) for c in head]]
            data += [[Paragraph(escape(c), STYLES["cell"]) for c in row] for row in rows]
            widths = _column_widths(len(head))
            table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            out.extend([table, Spacer(1, 8)])
        elif kind == "pagebreak":
            out.append(PageBreak())
        else:
            raise ValueError(kind)
    return out


def _column_widths(columns: int) -> list[float]:
    usable = A4[0] - 4 * cm
    if columns == 2:
        return [usable * 0.6, usable * 0.4]
    if columns == 3:
        return [usable * 0.46, usable * 0.30, usable * 0.24]
    return [usable * 0.14, usable * 0.46, usable * 0.14, usable * 0.26]


def build_pdf(
    path: Path,
    blocks: Sequence[Block],
    *,
    title: str,
    header: str,
    footer: str,
    encrypt: StandardEncryption | None = None,
) -> list[tuple[int, str]]:
    """Render ``blocks`` to a tagged-text PDF; returns (page, text) for each flowable."""
    buffer = io.BytesIO()
    doc = _RecordingDoc(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2.2 * cm,
        bottomMargin=2.2 * cm,
        title=title,
        author="Luna Energie GmbH (sample)",
        creator="Luna-IEMS build_sample_knowledge.py",
        encrypt=encrypt,
    )
    doc.build(_pdf_flowables(blocks), canvasmaker=_page_decorator(header, footer))
    path.write_bytes(buffer.getvalue())
    return doc.placed


# --------------------------------------------------------------------------------------
# DOCX rendering
# --------------------------------------------------------------------------------------
def build_docx(path: Path, blocks: Sequence[Block], *, title: str, header: str) -> None:
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    props = document.core_properties
    props.title = title
    props.author = "Luna Energie GmbH (sample)"
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    document.sections[0].header.paragraphs[0].text = header
    for kind, value in blocks:
        if kind == "title":
            document.add_heading(value, level=0)
        elif kind == "subtitle":
            document.add_paragraph(value, style="Subtitle")
        elif kind in ("h1", "h2"):
            document.add_heading(value, level=int(kind[1]))
        elif kind == "p":
            document.add_paragraph(value)
        elif kind == "bullets":
            for item in value:
                document.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            table = document.add_table(rows=len(value), cols=len(value[0]))
            table.style = "Table Grid"
            for r, row in enumerate(value):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            raise ValueError(kind)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_normalised_zip(buffer.getvalue()))


def _normalised_zip(data: bytes, extra: Callable[[zipfile.ZipFile], None] | None = None) -> bytes:
    """Rewrite a zip with fixed timestamps (reproducible builds), optionally adding entries."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
        if extra is not None:
            extra(dst)
    return out.getvalue()


# --------------------------------------------------------------------------------------
# Failure fixtures
# --------------------------------------------------------------------------------------
def build_fixtures() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    short = BATTERY[:6]

    # Encrypted: a user password is needed to open it.
    build_pdf(
        FIXTURES / "encrypted.pdf",
        short,
        title="Encrypted sample",
        header="Vertraulich",
        footer="Seite {page} von {pages}",
        encrypt=StandardEncryption("geheim", ownerPassword="owner", strength=128),
    )

    # Corrupt: a PDF header followed by a cut-off, scrambled body (no xref, no objects).
    good = (KNOWLEDGE / "luna-store-10-manual-excerpt.pdf").read_bytes()
    body = bytes(b ^ 0x5A for b in good[200:3000])
    (FIXTURES / "corrupt.pdf").write_bytes(good[:15] + body)

    # Scanned-like: one page that is only a raster image of text, no text layer.
    image = Image.new("L", (1240, 1754), color=245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    lines = [
        "Luna Energie GmbH - Vertragsbestätigung",
        "",
        "Sehr geehrte Kundin, sehr geehrter Kunde,",
        "wir bestätigen Ihren Wechsel in den Tarif Luna Strom Dynamisch",
        "zum 01.03.2025. Ihr Grundpreis beträgt 14,90 EUR pro Monat.",
    ]
    for i, line in enumerate(lines):
        draw.text((120, 160 + 52 * i), line, fill=30, font=font)
    jpeg = io.BytesIO()
    image.save(jpeg, format="JPEG", quality=40)
    pdf = io.BytesIO()
    scan = canvas.Canvas(pdf, pagesize=A4)
    scan.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, A4[0], A4[1])
    scan.showPage()
    scan.save()
    (FIXTURES / "scanned.pdf").write_bytes(pdf.getvalue())

    # Empty: whitespace only.
    (FIXTURES / "empty.txt").write_bytes(b"\n   \n\t\n")

    # Zip bomb: a valid DOCX plus one entry that inflates 64 MiB of zeros from ~64 KiB.
    minimal = io.BytesIO()
    bomb_doc = docx.Document()
    bomb_doc.add_paragraph("Harmloser Text.")
    bomb_doc.core_properties.created = bomb_doc.core_properties.modified = FIXED_TIME
    bomb_doc.save(minimal)

    def add_bomb(dst: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("word/media/padding.bin", date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w") as handle:
            chunk = bytes(1 << 20)
            for _ in range(64):
                handle.write(chunk)

    (FIXTURES / "zip-bomb.docx").write_bytes(_normalised_zip(minimal.getvalue(), add_bomb))


# --------------------------------------------------------------------------------------
def _page_of(placed: list[tuple[int, str]], evidence: str) -> int:
    needle = " ".join(evidence.split())
    for page, text in placed:
        if needle in " ".join(text.split()):
            return page
    raise LookupError(f"evidence not found in the PDF layout: {evidence!r}")


def main() -> None:
    KNOWLEDGE.mkdir(parents=True, exist_ok=True)
    placed = {
        "luna-strom-dynamisch-preisblatt.pdf": build_pdf(
            KNOWLEDGE / "luna-strom-dynamisch-preisblatt.pdf",
            TARIFF,
            title="Luna Strom Dynamisch – Preisblatt",
            header="Luna Energie GmbH · Preisblatt Luna Strom Dynamisch · Stand 01.01.2025",
            footer="Seite {page} von {pages}",
        ),
        "luna-store-10-manual-excerpt.pdf": build_pdf(
            KNOWLEDGE / "luna-store-10-manual-excerpt.pdf",
            BATTERY,
            title="Luna Store 10 – Home Battery System",
            header="Luna Store 10 · Installation and operating manual",
            footer="Page {page} of {pages}",
        ),
    }
    build_docx(
        KNOWLEDGE / "luna-therm-lw9-anleitung-auszug.docx",
        HEAT_PUMP,
        title="Luna Therm LW 9 – Luft/Wasser-Wärmepumpe",
        header="Luna Therm LW 9 · Installations- und Bedienungsanleitung",
    )
    build_fixtures()

    manifest: dict[str, Any] = {
        "description": "Luna-IEMS sample knowledge base. Each fact's evidence is an exact "
        "substring of the parsed text (table cells joined by ' | '); section is the heading "
        "path the parser assigns; page is 1-based for PDFs and null for other formats.",
        "files": [],
    }
    for sample in SAMPLES:
        facts = []
        for fact in sample.facts:
            page = _page_of(placed[sample.path], fact.evidence) if sample.path in placed else None
            facts.append(
                {
                    "question": fact.question,
                    "answer": fact.answer,
                    "evidence": fact.evidence,
                    "section": fact.section,
                    "page": page,
                }
            )
        manifest["files"].append(
            {
                "path": sample.path,
                "title": sample.title,
                "language": sample.language,
                "kind": sample.kind,
                "description": sample.description,
                "facts": facts,
            }
        )
    (KNOWLEDGE / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for path in sorted([*KNOWLEDGE.iterdir(), *FIXTURES.iterdir()]):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:>9,} bytes")


if __name__ == "__main__":
    main()
