"""Playbook benchmark: generation time per kind with the embedded model.

    .venv/bin/python benchmarks/bench_playbook.py [--kinds battery,load_shift] [--threads 1]
        [--days 16] [--forecast-model seasonal_naive_weekly] [--remark-tokens 48]

Builds a throwaway database on LUNA_BENCH_DATABASE_URL (default: the PostgreSQL server on
127.0.0.1:5432) with a simulated June site (the graph tests' ``simulated_site``: a 6 kWp PV
household with an EV and a heat-pump household) and the tariff sheet, battery manual and grid
rules ingested, then generates one playbook per kind with the bundled Qwen2.5-Coder-1.5B and
prints per kind: total time, the time of each graph step, when the first progress event came,
and the model's remark (kept, or why it was dropped). Title, summary and figures come from the
engines; the model writes only the remark. A warm-up call loads the model first.
Figures on two shared cores move a lot with other load on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _db import throwaway_database
from langchain_core.messages import HumanMessage

from luna.config import Settings
from luna.graphs.playbook import playbook_context
from luna.graphs.playbook.data import load_meter
from luna.graphs.playbook.graph import build_playbook_graph
from luna.graphs.playbook.schema import PlaybookKind, PlaybookRequest
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from tests.graphs.conftest import PLAYBOOK_DOCS, SAMPLES, simulated_site

SERVER = os.environ.get(
    "LUNA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
METER = {"battery": "M-PV", "load_shift": "M-PV", "tariff_check": "M-HP", "anomaly": "M-HP"}


def timed_run(
    runtime: Runtime, request: PlaybookRequest, ctx: Any
) -> tuple[dict[str, float], dict[str, Any]]:
    """Seconds per graph node (streamed updates, timed between them) and the final state."""
    with session_scope(runtime.stores.sessions) as session:
        register_files(session)
        meter = load_meter(session, request.meter_id, None)
    times: dict[str, float] = {}
    state: dict[str, Any] = {}
    started = last = time.perf_counter()
    for mode, chunk in build_playbook_graph().stream(
        {"request": request, "meter": meter}, context=ctx, stream_mode=["custom", "updates"]
    ):
        now = time.perf_counter()
        if mode == "custom":
            times.setdefault("first_event", now - started)
            continue
        for node, values in chunk.items():
            times[node] = times.get(node, 0.0) + now - last
            state.update(values or {})
        last = now
    return times, state


def bench(
    runtime: Runtime, kinds: list[str], forecast_model: str | None, remark_tokens: int
) -> None:
    ctx_args: dict[str, Any] = {
        "history_days": 14,
        "selection_days": 2,
        "remark_tokens": remark_tokens,
    }
    if forecast_model:
        ctx_args["forecast_model"] = forecast_model
    started = time.perf_counter()
    runtime.chat_model.invoke([HumanMessage("Say OK.")], max_tokens=2)
    print(f"model load + warm-up: {time.perf_counter() - started:.1f} s")
    for kind in kinds:
        request = PlaybookRequest(meter_id=METER[kind], kind=PlaybookKind(kind), horizon_hours=24)
        started = time.perf_counter()
        times, state = timed_run(runtime, request, playbook_context(runtime, **ctx_args))
        total = time.perf_counter() - started
        first = times.pop("first_event", float("nan"))
        steps = " ".join(f"{k}={v:.1f}" for k, v in times.items())
        print(f"{kind:<13} total {total:6.1f} s | first event {first * 1e3:.0f} ms | {steps}")
        print(f"    remark: {state.get('remark') or '-'} | dropped: {state.get('remark_dropped')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", default="battery,load_shift,tariff_check,anomaly")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--forecast-model", default="seasonal_naive_weekly")
    parser.add_argument(
        "--remark-tokens", type=int, default=48, help="the model's remark (0: none, the default)"
    )
    args = parser.parse_args()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(  # type: ignore[call-arg]
            database_url=url,
            home=Path(home),
            data_source="none",
            llm_threads=args.threads,
            _env_file=None,
        )
        runtime = Runtime(settings)
        try:
            simulated_site(runtime.stores)
            with session_scope(runtime.stores.sessions) as s:
                register_files(s)
            for doc in PLAYBOOK_DOCS:
                runtime.ingest.ingest((SAMPLES / doc).read_bytes(), doc)
            bench(runtime, args.kinds.split(","), args.forecast_model or None, args.remark_tokens)
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
