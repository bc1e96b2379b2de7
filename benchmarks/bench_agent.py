"""Energy assistant benchmark with the embedded model.

    .venv/bin/python benchmarks/bench_agent.py [--quick] [--threads N]

Prints: chat turn latency p50/p95 with tools and without, and the tool-call success rate
over 20 scripted prompts (right tool chosen and the tool ran without error), once for the
production path (rules, then one structured call) and once with the model routing alone
(every prompt through the JSON-schema-constrained call). Uses a throwaway database on
LUNA_BENCH_DATABASE_URL (default: the PostgreSQL server on 127.0.0.1:5432), 40 simulated days
of two meters and the sample knowledge base.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).parent))

from bench_energy import throwaway_database

from luna.agents.energy_assistant import build_energy_assistant, run_turn
from luna.config import Settings
from luna.graphs.agent.routing import route
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role, User
from luna.store.sql.users import create_user

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "knowledge"

# (prompt, expected tool or None)
ROUTING_SET: list[tuple[str, str | None]] = [
    ("How much did meter M-001 consume last week?", "query_timeseries"),
    ("Wie viel Strom hat M-001 gestern verbraucht?", "query_timeseries"),
    ("What was the day-ahead price today?", "query_timeseries"),
    ("Wie hoch ist der Börsenpreis morgen?", "query_timeseries"),
    ("How much PV did M-001 produce this month?", "query_timeseries"),
    ("Wann war mein Verbrauch diese Woche am höchsten?", "query_timeseries"),
    ("Forecast my consumption for tomorrow", "forecast"),
    ("Wie entwickelt sich der Strompreis in den nächsten 24 Stunden?", "forecast"),
    ("Predict the electricity price for the next 12 hours", "forecast"),
    ("When should I charge my battery tomorrow?", "optimise_schedule"),
    ("Plane meine Spülmaschine für morgen möglichst günstig ein", "optimise_schedule"),
    ("What is the cheapest time to charge my EV tomorrow?", "optimise_schedule"),
    ("Wie hoch ist der Grundpreis im Tarif Luna Strom Dynamisch?", "get_tariff"),
    ("What are the surcharges of my tariff?", "get_tariff"),
    ("Wie hoch ist das Netzentgelt im Modul 3?", "get_tariff"),
    ("Was passiert im SG-Ready-Zustand 4 der Wärmepumpe?", "search_documents"),
    ("How long is the minimum pause of the heat pump compressor?", "search_documents"),
    ("Was regelt der Netzbetreiber nach § 14a?", "search_documents"),
    ("Hallo, wer bist du?", None),
    ("Danke für die Hilfe!", None),
]
WITH_TOOLS = [ROUTING_SET[i][0] for i in (0, 12, 15, 2, 16)]
WITHOUT_TOOLS = ["Hallo, wer bist du?", "Danke für die Hilfe!", "Thanks, bye!"]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} s  p95 {p95:6.1f} s  (n={len(ordered)})"


def prepare(runtime: Runtime) -> User:
    stores = runtime.stores
    start, end = day_window(40)
    backfill(stores.engine, default_fleet(2, 42), start, end, seed=42)
    with session_scope(stores.sessions) as s:
        register_files(s)
        anna = create_user(s, "anna", "bench-password-1", Role.CUSTOMER)
        s.flush()
        s.execute(update(Meter).where(Meter.meter_id == "M-001").values(owner_id=anna.id))
        s.expunge(anna)
    for path in sorted(p for p in SAMPLES.iterdir() if p.suffix != ".json"):
        runtime.ingest.ingest(path.read_bytes(), path.name, source=f"sample:{path.name}")
    return anna


def bench_turns(runtime: Runtime, user: User, prompts: list[str], label: str) -> None:
    assistant = build_energy_assistant(runtime, user)
    latencies = []
    for i, prompt in enumerate(prompts):
        started = time.perf_counter()
        result = run_turn(assistant, f"bench:{label}:{i}", prompt, lambda *_: None)
        latencies.append(time.perf_counter() - started)
        tools = ",".join(result["tools"]) or "-"
        print(f"  {latencies[-1]:6.1f} s  [{tools}] {prompt[:50]!r} -> {result['answer'][:70]!r}")
    print(f"chat turn latency {label}: {percentiles(latencies)}")


def bench_routing(
    runtime: Runtime, user: User, prompts: list[tuple[str, str | None]], use_rules: bool
) -> None:
    assistant = build_energy_assistant(runtime, user)
    tools = {t.name: t for t in assistant.context.tools}
    ok, methods, seconds = 0, {"rule": 0, "structured": 0, "native": 0}, []
    for prompt, expected in prompts:
        started = time.perf_counter()
        decision = route(
            assistant.context.chat_model,
            prompt,
            tools=list(tools.values()),
            use_rules=use_rules,
            timeout_s=runtime.settings.agent_route_timeout_s,
        )
        seconds.append(time.perf_counter() - started)
        methods[decision.method] += 1
        ran = True
        if decision.tool is not None:
            message = tools[decision.tool].invoke(
                {"type": "tool_call", "name": decision.tool, "args": decision.args, "id": "b"}
            )
            ran = isinstance(message, ToolMessage) and message.status == "success"
        good = decision.tool == expected and ran
        ok += good
        mark = "ok " if good else "BAD"
        detail: Any = decision.error or decision.args
        print(
            f"  {mark} {decision.method:10s} {seconds[-1]:5.1f} s  {prompt[:48]!r} -> "
            f"{decision.tool} {str(detail)[:70]}"
        )
    mode = "rules + structured" if use_rules else "structured only"
    print(
        f"tool-call success ({mode}): {ok}/{len(prompts)} = {100 * ok / len(prompts):.0f} %  "
        f"methods {methods}  routing time {percentiles(seconds)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer turns and model routings")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    args = parser.parse_args()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(  # type: ignore[call-arg]
            database_url=url,
            home=Path(home),
            data_source="none",
            llm_threads=args.threads,
            llm_context_tokens=2048,
            _env_file=None,
        )
        runtime = Runtime(settings)
        try:
            t = time.perf_counter()
            user = prepare(runtime)
            print(f"setup (backfill, ingest): {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            runtime.chat_model.invoke("Hi", max_tokens=1)
            print(f"model load + first call: {time.perf_counter() - t:.1f} s")
            bench_routing(runtime, user, ROUTING_SET, use_rules=True)
            model_set = ROUTING_SET[::4] if args.quick else ROUTING_SET
            bench_routing(runtime, user, model_set, use_rules=False)
            bench_turns(runtime, user, WITH_TOOLS[: 2 if args.quick else 5], "with tools")
            bench_turns(runtime, user, WITHOUT_TOOLS[: 2 if args.quick else 3], "without tools")
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
