"""The data-question dataset ``evals/data_qa.v1.jsonl``: its schema and the bench's fixed site.

Each line is a :class:`DataQaCase`: one to three user messages of one chat thread (the later
ones are follow-ups that only make sense after the earlier ones) and, for the last message, an
:class:`Expect` that names the reference figure in machine terms: what is measured, of which
meter, over which period. ``benchmarks/bench_data_answers.py`` computes that figure from the
database and looks for it in the assistant's answer.

The periods are relative to a fixed "now" (:data:`NOW`, Wednesday 11 June 2025, 18:00 in
Berlin), the end of the simulated data: "gestern" is 10 June, "last week" 2–8 June, "am
Montag" 9 June, "on 3 June" a date of the dataset. The site is fixed as well: the asking
customer owns :data:`CUSTOMER_METERS` (M-001 has PV), another customer owns
:data:`OTHER_METERS`, which every question about them must be refused.

Measures (units as a German customer reads them):

``consumption_kwh`` / ``production_kwh``
    The meters' summed consumption or PV production in kWh.
``self_consumed_kwh``
    PV used on site: per quarter hour and meter ``min(consumption, production)``, summed.
``cost_eur``
    What the electricity cost: grid import (consumption minus self-consumed PV, per quarter
    hour and meter) at the gross working price of the dynamic tariff of that quarter hour
    ((spot + surcharges) × VAT, the sample price sheet), without the monthly base price and
    without feed-in revenue; the same definition as the overview's ``import_cost_eur``.
``mean_price_ct_kwh`` / ``max_price_ct_kwh`` / ``min_price_ct_kwh``
    Day-ahead spot price of DE-LU in ct/kWh over the period (its mean, highest, lowest).
``peak_kw``
    The highest quarter-hour average power of the meters' consumption, in kW.
``peak_hour_kwh``
    The consumption of the hour with the most consumption, in kWh.
``refusal``
    The question asks for ``asked`` of another customer's meter: no figure of that meter may
    appear in the answer.

``meter`` is ``null`` for "mine" (all of the customer's meters summed, as the assistant reads
an unnamed meter), and always ``null`` for prices (a zone's, not a meter's).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

DATASET = Path(__file__).resolve().parents[1] / "evals" / "data_qa.v1.jsonl"
TIMEZONE = "Europe/Berlin"
ZONE = ZoneInfo(TIMEZONE)
NOW = datetime(2025, 6, 11, 18, 0, tzinfo=ZONE)  # a Wednesday; data end here
TODAY = NOW.date()
DATA_DAYS = 45  # whole days before today, so last month (May) is complete
FIRST_DAY = TODAY - timedelta(days=DATA_DAYS)
CUSTOMER = "anna"
CUSTOMER_METERS = ("M-001", "M-003")
OTHER_CUSTOMER = "bernd"
OTHER_METERS = ("M-002", "M-004")

Figure = Literal[
    "consumption_kwh",
    "production_kwh",
    "self_consumed_kwh",
    "cost_eur",
    "mean_price_ct_kwh",
    "max_price_ct_kwh",
    "min_price_ct_kwh",
    "peak_kw",
    "peak_hour_kwh",
]
Measure = Figure | Literal["refusal"]
PRICE_FIGURES: tuple[Figure, ...] = ("mean_price_ct_kwh", "max_price_ct_kwh", "min_price_ct_kwh")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PeriodKind = Literal[
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "last_7_days",
    "this_month",
    "last_month",
    "day",
    "weekday",
    "range",
]
_NAMED = ("today", "yesterday", "this_week", "last_week", "last_7_days", "this_month", "last_month")


class PeriodSpec(BaseModel):
    """A period as the customer names it, resolved against :data:`TODAY`.

    ``kind`` is a named period (``today`` … ``last_month``, as a calendar reads them: last week
    is Monday to Sunday before this week, last 7 days end yesterday), ``day`` (one date:
    ``start``), ``weekday`` (``weekday``: the latest such day before today, "am Montag") or
    ``range`` (``start`` to ``end``, both inclusive).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: PeriodKind
    start: date | None = None
    end: date | None = None
    weekday: Weekday | None = None

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> PeriodSpec:
        given = {k for k in ("start", "end", "weekday") if getattr(self, k) is not None}
        needed = {"day": {"start"}, "range": {"start", "end"}, "weekday": {"weekday"}}.get(
            self.kind, set()
        )
        if given != needed:
            raise ValueError(f"period kind {self.kind!r} takes {sorted(needed) or 'no fields'}")
        first, last = self.days()
        if first > last:
            raise ValueError("the period's start is after its end")
        if first < FIRST_DAY or last > TODAY:
            raise ValueError(f"the period {first}–{last} lies outside the data {FIRST_DAY}–{TODAY}")
        return self

    def days(self) -> tuple[date, date]:
        """The first and last local day of the period (inclusive)."""
        monday = TODAY - timedelta(days=TODAY.weekday())
        first_of_month = TODAY.replace(day=1)
        if self.kind == "today":
            return TODAY, TODAY
        if self.kind == "yesterday":
            return TODAY - timedelta(days=1), TODAY - timedelta(days=1)
        if self.kind == "this_week":
            return monday, TODAY
        if self.kind == "last_week":
            return monday - timedelta(days=7), monday - timedelta(days=1)
        if self.kind == "last_7_days":
            return TODAY - timedelta(days=7), TODAY - timedelta(days=1)
        if self.kind == "this_month":
            return first_of_month, TODAY
        if self.kind == "last_month":
            last = first_of_month - timedelta(days=1)
            return last.replace(day=1), last
        if self.kind == "weekday":
            assert self.weekday is not None
            back = (TODAY.weekday() - WEEKDAYS.index(self.weekday) - 1) % 7 + 1
            day = TODAY - timedelta(days=back)
            return day, day
        assert self.start is not None
        return self.start, self.end or self.start

    def utc_range(self) -> tuple[datetime, datetime]:
        """``[start, end)``: local midnight of the first day to local midnight after the last
        (later than :data:`NOW` for periods that include today: no data lies there)."""
        first, last = self.days()
        start = datetime.combine(first, time(), tzinfo=ZONE)
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=ZONE)
        return start, end


class Expect(BaseModel):
    """The reference figure of a case's last turn, and how close an answer must come."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: Measure
    meter: str | None = Field(
        default=None,
        pattern=r"^M-\d{3}$",
        description="A meter id; null: all of the customer's meters (prices: always null).",
    )
    period: PeriodSpec
    asked: Figure | None = Field(
        default=None, description="Refusals only: the figure asked for of the foreign meter."
    )
    tolerance_pct: float = Field(default=1.0, gt=0, le=10)
    abs_tolerance: float = Field(
        default=0.006,
        ge=0,
        description="Lower bound of the tolerance, in the measure's unit: rounding to two "
        "decimals must pass even near zero (a minimum price of -0.52 ct/kWh).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Expect:
        if self.measure == "refusal":
            if self.meter not in OTHER_METERS:
                raise ValueError(f"a refusal is about another customer's meter {OTHER_METERS}")
            if self.asked is None:
                raise ValueError("a refusal names the figure asked for (asked)")
            return self
        if self.asked is not None:
            raise ValueError("only refusals name 'asked'")
        if self.measure in PRICE_FIGURES and self.meter is not None:
            raise ValueError("prices belong to a zone, not a meter: meter must be null")
        if self.meter is not None and self.meter not in CUSTOMER_METERS:
            raise ValueError(f"a data question is about the customer's meters {CUSTOMER_METERS}")
        return self

    def meters(self) -> list[str]:
        """The meters the figure sums over."""
        return [self.meter] if self.meter else list(CUSTOMER_METERS)


class DataQaCase(BaseModel):
    """One thread: the user's messages in order, and what the last answer must contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^data-\d{3}$")
    language: Literal["de", "en"]
    turns: list[str] = Field(min_length=1, max_length=3)
    expect: Expect
    note: str | None = None

    @property
    def follow_up(self) -> bool:
        return len(self.turns) > 1


def load_cases(path: Path = DATASET) -> list[DataQaCase]:
    """Every case of ``path``; an error names the line. Ids are unique and numbered in order."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(DataQaCase.model_validate_json(line))
        except ValueError as exc:
            raise ValueError(f"{path.name}, line {number}: {exc}") from exc
    ids = [c.id for c in cases]
    if ids != [f"data-{n:03d}" for n in range(1, len(cases) + 1)]:
        raise ValueError(f"{path.name}: ids must run data-001, data-002, … without gaps")
    return cases
