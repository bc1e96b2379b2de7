"""Data answers benchmark: the right number in the energy assistant's answers, DE and EN.

    .venv/bin/python benchmarks/bench_data_answers.py [--limit N] [--case ID] [--show-cases]
        [--threads N] [--no-documents] [--dataset PATH]

Runs every case of ``evals/data_qa.v1.jsonl`` (or of ``--dataset PATH``, e.g. the independent
``evals/data_qa.v2.jsonl``; schema: ``benchmarks/_data_qa.py``) through the chat turn path of
``POST /chat`` (``build_energy_assistant`` + ``run_turn``, one thread per case, so follow-ups
see the earlier turns) with the embedded local model. The last answer must
contain the reference figure within the case's tolerance (numbers read in German "1.234,56"
and English "1,234.56" notation, any number of the answer may match); a question about another
customer's meter must get a non-empty answer with no figure of that meter. Every answer of the
case (the customer reads them all) must be in the case's language
(``luna.core.language.detect_language``) and leak no brackets other than citation markers
``[n]`` of its own citations, no braces and no prompt or placeholder words ("RESULTS",
"According to the", "The user", "[error]", tool names). Prints per measure and overall: the
right-number rate, language matches, leaks, refusals and the answer time p50/p95;
``--show-cases`` prints every turn's answer.

The site is fixed (``_data_qa``): four simulated meters (``default_fleet(4, 42)``, M-001 given
PV if the draw has none), 45 days up to Wednesday 11 June 2025, 18:00 Berlin, which is "now"
for the assistant (its tools and its routing get this clock), so "gestern", "last week" and
"am Montag" mean the same days in every run. The customer ``anna`` owns M-001 and M-003,
``bernd`` owns M-002 and M-004. Uses a throwaway database on LUNA_BENCH_DATABASE_URL (default:
the PostgreSQL server on 127.0.0.1:5432) and the sample knowledge base (the router may still
pick the tariff or document tools; ``--no-documents`` skips the ingest).

The reference figures are computed independently of the chat path: plain SQL over
``smart_meter_readings`` and ``market_prices`` here, with the period resolved by the dataset's
own calendar (``PeriodSpec.days``), not by ``luna.tools.periods`` and not by the bucket queries
of ``luna.store.sql.series`` that ``query_timeseries`` runs. The ``/data`` query functions would
be the same bucket queries, so a bug there would go unseen; plain sums over the rows cannot
share it. Only the tariff's figures (surcharges, VAT: the ``LUNA_TARIFF_*`` settings of the
run, :class:`luna.domain.tariff.Tariff`) are taken from Luna, as data.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, text, update

sys.path.insert(0, str(Path(__file__).parent))

from _data_qa import (
    CUSTOMER,
    CUSTOMER_METERS,
    DATA_DAYS,
    DATASET,
    NOW,
    OTHER_CUSTOMER,
    OTHER_METERS,
    PRICE_FIGURES,
    TIMEZONE,
    DataQaCase,
    Expect,
    Figure,
    load_cases,
)
from _db import throwaway_database
from _report import print_prompt_tokens
from bench_agent import SAMPLES, percentiles

from luna.agents.energy_assistant import (
    EnergyAssistant,
    build_energy_assistant,
    run_turn,
    thread_key,
)
from luna.config import Settings
from luna.core.language import detect_language
from luna.domain.tariff import Tariff
from luna.observability import runs
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role, User
from luna.store.sql.users import create_user

ZONE = "DE-LU"
SEED = 42
PV_KWP = 8.0  # M-001's PV if the fleet's draw gave it none: production questions need one
# Words of the prompts and the tool plumbing that must never reach a customer; matched without
# case except RESULTS and QUESTION, the prompt's headers (capitals in the prompt, words in prose).
LEAK_WORDS = (
    "According to the",
    "The user",
    "[error]",
    "(error)",
    "(note)",
    "(none needed",
    "query_timeseries",
    "search_documents",
    "get_tariff",
    "optimise_schedule",
    "<|",
    "|>",
)
LEAK_HEADERS = re.compile(r"\b(RESULTS|QUESTION)\b")
_CITATION = re.compile(r"\[(\d{1,2})\]")
# Removed before reading numbers: dates, times, meter ids, citation markers.
_NOT_FIGURES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    r"|\b[A-Z]{1,4}-\d{2,6}\b"
    r"|\[\d{1,2}\]"
)
_NUMBER = re.compile(r"(?<![\w.,])([-−]?)(\d+(?:[.,]\d+)*)")
# Refusals: figures of the foreign meter below this (a dark PV, an idle hour) are too common to
# tell a leak from a coincidence.
LEAK_FLOOR = 0.5


# --- the site ---------------------------------------------------------------------------


def prepare(runtime: Runtime, documents: bool) -> User:
    """Meters, readings and prices up to ``NOW``; the two customers; prompts; documents."""
    stores = runtime.stores
    start, _ = day_window(DATA_DAYS, end=NOW)
    fleet = default_fleet(len(CUSTOMER_METERS) + len(OTHER_METERS), SEED)
    fleet = [
        s.model_copy(update={"pv_kwp": PV_KWP}) if s.meter_id == "M-001" and not s.pv_kwp else s
        for s in fleet
    ]
    end = pd.Timestamp(NOW).tz_convert("UTC")
    price_end = pd.Timestamp(NOW.date() + timedelta(days=2), tz=TIMEZONE).tz_convert("UTC")
    backfill(stores.engine, fleet, start, end, seed=SEED, zone=ZONE, price_end=price_end)
    with session_scope(stores.sessions) as s:
        register_files(s)
        anna = create_user(s, CUSTOMER, "bench-password-1", Role.CUSTOMER)
        bernd = create_user(s, OTHER_CUSTOMER, "bench-password-2", Role.CUSTOMER)
        s.flush()
        for owner, meters in ((anna, CUSTOMER_METERS), (bernd, OTHER_METERS)):
            s.execute(update(Meter).where(Meter.meter_id.in_(meters)).values(owner_id=owner.id))
        s.expunge(anna)
    if documents:
        for path in sorted(p for p in SAMPLES.iterdir() if p.suffix != ".json"):
            runtime.ingest.ingest(path.read_bytes(), path.name, source=f"sample:{path.name}")
    return anna


def assistant_at(runtime: Runtime, user: User, now: datetime) -> EnergyAssistant:
    """``build_energy_assistant`` as ``POST /chat`` calls it, with ``now`` as the clock its
    tools and routing resolve periods against (the API's default is the wall clock)."""
    return build_energy_assistant(runtime, user, now=lambda: now.astimezone(UTC))


# --- reference figures (plain SQL) ------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """A value an answer may state, in some unit, with its absolute tolerance floor."""

    value: float
    unit: str
    abs_tolerance: float


def _energy_figures(
    conn: Connection, meters: Sequence[str], start: datetime, end: datetime, tariff: Tariff
) -> dict[str, float]:
    window = {"meters": list(meters), "start": start, "end": end}
    where = "meter_id = ANY(:meters) AND ts >= :start AND ts < :end"
    sums = conn.execute(
        text(
            "SELECT coalesce(sum(consumption_kwh), 0), coalesce(sum(production_kwh), 0), "
            "coalesce(sum(least(consumption_kwh, production_kwh)), 0), count(*), "
            "count(*) FILTER (WHERE interval_minutes <> 15) "
            f"FROM smart_meter_readings WHERE {where}"
        ),
        window,
    ).one()
    if sums[4]:
        raise RuntimeError("the cost reference joins quarter-hour readings to quarter-hour prices")
    cost, unpriced = conn.execute(
        text(
            "SELECT coalesce(sum((r.consumption_kwh - least(r.consumption_kwh, r.production_kwh))"
            " * (p.price_eur_mwh / 10.0 + :surcharges) * (1 + :vat) / 100.0), 0), "
            "count(*) FILTER (WHERE p.ts IS NULL) "
            "FROM smart_meter_readings r LEFT JOIN market_prices p "
            "ON p.zone = :zone AND p.resolution_minutes = 15 AND p.ts = r.ts "
            "WHERE r.meter_id = ANY(:meters) AND r.ts >= :start AND r.ts < :end"
        ),
        {**window, "zone": ZONE, "surcharges": tariff.surcharges_net_ct_kwh, "vat": tariff.vat},
    ).one()
    if unpriced:
        raise RuntimeError(f"{unpriced} readings without a quarter-hour price: cost undefined")
    peak_hour = conn.execute(
        text(
            "SELECT coalesce(max(kwh), 0) FROM (SELECT date_trunc('hour', ts) AS h, "
            f"sum(consumption_kwh) AS kwh FROM smart_meter_readings WHERE {where} GROUP BY h) q"
        ),
        window,
    ).scalar_one()
    peak_kw = conn.execute(
        text(
            "SELECT coalesce(max(kw), 0) FROM (SELECT ts, sum(consumption_kwh * 60.0 / "
            f"interval_minutes) AS kw FROM smart_meter_readings WHERE {where} GROUP BY ts) q"
        ),
        window,
    ).scalar_one()
    if not sums[3]:
        raise RuntimeError(f"no readings of {', '.join(meters)} in {start} – {end}")
    return {
        "consumption_kwh": float(sums[0]),
        "production_kwh": float(sums[1]),
        "self_consumed_kwh": float(sums[2]),
        "cost_eur": float(cost),
        "peak_hour_kwh": float(peak_hour),
        "peak_kw": float(peak_kw),
    }


def _price_figures(conn: Connection, start: datetime, end: datetime) -> dict[int, dict[str, float]]:
    """Mean, highest and lowest spot price in ct/kWh, per stored price resolution (minutes)."""
    rows = conn.execute(
        text(
            "SELECT resolution_minutes, avg(price_eur_mwh), max(price_eur_mwh), "
            "min(price_eur_mwh) FROM market_prices WHERE zone = :zone AND ts >= :start "
            "AND ts < :end GROUP BY resolution_minutes"
        ),
        {"zone": ZONE, "start": start, "end": end},
    ).all()
    if not rows:
        raise RuntimeError(f"no prices of {ZONE} in {start} – {end}")
    return {
        int(r[0]): {
            "mean_price_ct_kwh": float(r[1]) / 10,
            "max_price_ct_kwh": float(r[2]) / 10,
            "min_price_ct_kwh": float(r[3]) / 10,
        }
        for r in rows
    }


@dataclass(frozen=True)
class Reference:
    """What the answer must state (``accepted``, any of them), or for a refusal must not
    (``forbidden``: the foreign meter's figures)."""

    figure: float | None
    unit: str
    accepted: list[Accepted] = field(default_factory=list)
    forbidden: list[Accepted] = field(default_factory=list)


UNITS: dict[Figure, str] = {
    "consumption_kwh": "kWh",
    "production_kwh": "kWh",
    "self_consumed_kwh": "kWh",
    "cost_eur": "€",
    "mean_price_ct_kwh": "ct/kWh",
    "max_price_ct_kwh": "ct/kWh",
    "min_price_ct_kwh": "ct/kWh",
    "peak_kw": "kW",
    "peak_hour_kwh": "kWh",
}


def reference(conn: Connection, expect: Expect, tariff: Tariff) -> Reference:
    """The reference figure of ``expect``. Prices: the question names no product, so the
    hourly and the quarter-hourly day-ahead price both count, each in ct/kWh or €/MWh."""
    start, end = expect.period.utc_range()
    if expect.measure == "refusal":
        figures = _energy_figures(conn, expect.meters(), start, end, tariff)
        forbidden = [
            Accepted(v, UNITS[k], expect.abs_tolerance)  # type: ignore[index]
            for k, v in figures.items()
            if abs(v) >= LEAK_FLOOR
        ]
        assert expect.asked is not None
        return Reference(None, UNITS[expect.asked], forbidden=forbidden)
    if expect.measure in PRICE_FIGURES:
        by_resolution = _price_figures(conn, start, end)
        hourly = by_resolution.get(60) or next(iter(by_resolution.values()))
        accepted = []
        for figures in by_resolution.values():
            ct = figures[expect.measure]
            accepted += [
                Accepted(ct, "ct/kWh", expect.abs_tolerance),
                Accepted(ct * 10, "€/MWh", expect.abs_tolerance * 10),
            ]
        return Reference(hourly[expect.measure], "ct/kWh", accepted)
    value = _energy_figures(conn, expect.meters(), start, end, tariff)[expect.measure]
    unit = UNITS[expect.measure]
    return Reference(value, unit, [Accepted(value, unit, expect.abs_tolerance)])


# --- reading answers --------------------------------------------------------------------


def numbers(answer: str) -> list[float]:
    """Every number of ``answer`` in every plausible reading (German and English separators):
    "18,62" is 18.62, "1.234,5" 1234.5, "1,234.5" 1234.5; dates, times, meter ids and
    citation markers are no figures."""
    found: list[float] = []
    for sign, digits in _NUMBER.findall(_NOT_FIGURES.sub(" ", answer)):
        readings = set()
        for thousands, decimal in ((",", "."), (".", ",")):
            plain = digits.replace(thousands, "")
            if plain.count(decimal) > 1:
                continue
            try:
                readings.add(float(plain.replace(decimal, ".")))
            except ValueError:
                continue
        found += [-v if sign else v for v in sorted(readings)]
    return found


def within(value: float, target: Accepted, tolerance_pct: float) -> bool:
    return abs(value - target.value) <= max(
        abs(target.value) * tolerance_pct / 100, target.abs_tolerance
    )


def matches(answer: str, targets: Sequence[Accepted], tolerance_pct: float) -> list[Accepted]:
    """The targets some number of ``answer`` states within tolerance."""
    stated = numbers(answer)
    return [t for t in targets if any(within(v, t, tolerance_pct) for v in stated)]


def leaks(answer: str, citation_numbers: set[int]) -> list[str]:
    """Brackets, braces and prompt words that must not reach the customer. ``[n]`` is a
    citation marker (the UI shows the source ``n`` beside the answer) when ``n`` is one of the
    answer's citations; any other bracket is a leak."""
    found = []
    rest = _CITATION.sub(
        lambda m: "" if int(m.group(1)) in citation_numbers else m.group(0), answer
    )
    found += [ch for ch in "[]{}" if ch in rest]
    lowered = answer.casefold()
    found += [w for w in LEAK_WORDS if w.casefold() in lowered]
    found += sorted(set(LEAK_HEADERS.findall(answer)))
    return found


# --- running ----------------------------------------------------------------------------


@dataclass
class Outcome:
    case: DataQaCase
    answers: list[str]
    seconds: list[float]
    tools: list[list[str]]
    reference: Reference
    right: bool
    languages: list[str | None]  # of every answer
    leaked: list[str]  # of every answer, "A2: [" naming the turn
    error: str | None = None

    @property
    def measure(self) -> str:
        return self.case.expect.measure

    @property
    def language_ok(self) -> bool:
        return all(found == self.case.language for found in self.languages)


def run_case(runtime: Runtime, user: User, case: DataQaCase, ref: Reference, run: str) -> Outcome:
    """The case's turns in one thread, as ``POST /chat`` runs them (an assistant per turn)."""
    thread = thread_key(user.id, f"bench-data:{run}:{case.id}")
    answers: list[str] = []
    seconds: list[float] = []
    tools: list[list[str]] = []
    errors: list[str] = []
    leaked: list[str] = []
    for n, message in enumerate(case.turns, start=1):
        assistant = assistant_at(runtime, user, NOW)
        started = time.perf_counter()
        try:
            result = run_turn(assistant, thread, message, lambda *_: None)
        except Exception as exc:  # a failed turn is a wrong answer, not a failed benchmark
            result = {"answer": "", "tools": [], "error": f"{type(exc).__name__}: {exc}"}
        seconds.append(time.perf_counter() - started)
        answers.append(str(result.get("answer") or ""))
        tools.append(list(result.get("tools") or []))
        if result.get("error"):
            errors.append(str(result["error"]))
        citations = {int(c["n"]) for c in result.get("citations", []) if c.get("n") is not None}
        leaked += [f"A{n}: {word}" for word in leaks(answers[-1], citations)]
    answer = answers[-1]
    expect = case.expect
    if expect.measure == "refusal":
        right = bool(answer.strip()) and not matches(answer, ref.forbidden, expect.tolerance_pct)
    else:
        right = bool(matches(answer, ref.accepted, expect.tolerance_pct))
    return Outcome(
        case=case,
        answers=answers,
        seconds=seconds,
        tools=tools,
        reference=ref,
        right=right,
        languages=[detect_language(a) for a in answers],
        leaked=leaked,
        error="; ".join(errors) or None,
    )


def _figure(ref: Reference) -> str:
    if ref.figure is None:
        leak = ", ".join(f"{t.value:.2f} {t.unit}" for t in ref.forbidden) or "-"
        return f"refuse (its figures: {leak})"
    return f"{ref.figure:.3f} {ref.unit}"


def report_case(outcome: Outcome, show: bool) -> None:
    case = outcome.case
    mark = "ok " if outcome.right else "BAD"
    wrong = [
        f"A{n}:{found or '?'}"
        for n, found in enumerate(outcome.languages, start=1)
        if found != case.language
    ]
    lang = f" lang={','.join(wrong)}" if wrong else ""
    leak = f" LEAK {outcome.leaked}" if outcome.leaked else ""
    tools = "/".join(",".join(t) or "-" for t in outcome.tools)
    print(
        f"  {mark} {case.id} {case.language} {outcome.measure:17s} {outcome.seconds[-1]:6.1f} s "
        f"[{tools}] want {_figure(outcome.reference)}{lang}{leak}"
    )
    if show or not outcome.right:
        turns = zip(case.turns, outcome.answers, outcome.seconds, strict=True)
        for n, (question, answer, seconds) in enumerate(turns, start=1):
            if show or n == len(case.turns):
                print(f"      Q{n} {question!r}")
                print(f"      A{n} ({seconds:.1f} s) {answer!r}")
        if outcome.error:
            print(f"      error: {outcome.error}")


def _rate(good: int, total: int) -> str:
    return f"{good}/{total} = {100 * good / total:5.1f} %" if total else "-"


def summarise(outcomes: Sequence[Outcome]) -> None:
    by_measure: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_measure[o.measure].append(o)
    print("\nper measure (number and time: last turn; language and leaks: every answer):")
    for measure in sorted(by_measure):
        group = by_measure[measure]
        what = "refused" if measure == "refusal" else "right number"
        print(
            f"  {measure:17s} {what} {_rate(sum(o.right for o in group), len(group))}  "
            f"language {sum(o.language_ok for o in group)}/{len(group)}  "
            f"leaks {sum(bool(o.leaked) for o in group)}  "
            f"{percentiles([o.seconds[-1] for o in group])}"
        )
    data = [o for o in outcomes if o.measure != "refusal"]
    refusals = [o for o in outcomes if o.measure == "refusal"]
    follow = [o for o in data if o.case.follow_up]
    for language in ("de", "en"):
        mine = [o for o in data if o.case.language == language]
        right = _rate(sum(o.right for o in mine), len(mine))
        print(f"  data questions ({language}): right number {right}")
    print("\noverall:")
    print(f"  right number (data questions): {_rate(sum(o.right for o in data), len(data))}")
    print(f"  of them follow-ups:            {_rate(sum(o.right for o in follow), len(follow))}")
    print(
        f"  foreign meters refused:        {_rate(sum(o.right for o in refusals), len(refusals))}"
    )
    print(
        "  language matches question:    "
        f"{_rate(sum(o.language_ok for o in outcomes), len(outcomes))}"
    )
    print(f"  answers with leaks:            {sum(bool(o.leaked) for o in outcomes)}")
    print(f"  cases with a failed turn:      {sum(o.error is not None for o in outcomes)}")
    print(f"  answer time, last turns:  {percentiles([o.seconds[-1] for o in outcomes])}")
    print(f"  answer time, every turn:  {percentiles([s for o in outcomes for s in o.seconds])}")


@contextmanager
def bench_runtime(threads: int | None) -> Iterator[Runtime]:
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(  # type: ignore[call-arg]
            database_url=url,
            home=Path(home),
            data_source="none",
            timezone=TIMEZONE,
            llm_threads=threads,
            llm_context_tokens=2048,
            _env_file=None,
        )
        runtime = Runtime(settings)
        try:
            yield runtime
        finally:
            runtime.close()


def select_cases(
    cases: list[DataQaCase], case_id: str | None, limit: int | None
) -> list[DataQaCase]:
    if case_id is not None:
        chosen = [c for c in cases if c.id == case_id]
        if not chosen:
            raise SystemExit(f"no case {case_id!r} in the dataset")
        return chosen
    return cases[:limit] if limit else cases


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N cases")
    parser.add_argument("--case", default=None, help="only this case id (data-007)")
    parser.add_argument("--show-cases", action="store_true", help="print every turn's answer")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument(
        "--no-documents", action="store_true", help="skip ingesting the sample knowledge base"
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        default=DATASET,
        help="the JSONL set to run (default: evals/data_qa.v1.jsonl)",
    )
    args = parser.parse_args(argv)
    runs.install()  # model calls counted by graph step, for the prompt-token report
    cases = select_cases(load_cases(args.dataset), args.case, args.limit)
    with bench_runtime(args.threads) as runtime:
        t = time.perf_counter()
        user = prepare(runtime, documents=not args.no_documents)
        print(f"setup (backfill, users, ingest): {time.perf_counter() - t:.1f} s; now = {NOW}")
        with runtime.stores.engine.connect() as conn:
            tariff = Tariff.from_settings(runtime.settings)
            references = {c.id: reference(conn, c.expect, tariff) for c in cases}
        t = time.perf_counter()
        runtime.chat_model.invoke("Hi", max_tokens=1)
        print(f"model load + first call: {time.perf_counter() - t:.1f} s")
        run = uuid.uuid4().hex[:8]
        outcomes = []
        for case in cases:
            outcome = run_case(runtime, user, case, references[case.id], run)
            report_case(outcome, args.show_cases)
            outcomes.append(outcome)
        summarise(outcomes)
        print_prompt_tokens()


if __name__ == "__main__":
    main()
