"""Trust benchmark: the trust suite end to end on a fresh embedded-style knowledge base.

    .venv/bin/python benchmarks/bench_trust.py [--split test|dev|dev2|probe|fresh|blind] [--limit N]
        [--case ID ...] [--kind TYPE ...] [--answer-check off|names|model] [--show-cases]

Ingests the split's corpus (``evals/corpus/trust`` for dev, dev2, test) into a throwaway
database (LUNA_BENCH_DATABASE_URL, default the PostgreSQL server on 127.0.0.1:5432) and a
temporary LUNA_HOME (Qdrant Edge, filesystem objects), runs every case of the split through the
RAG graph with the bundled local model (llama.cpp, Qwen2.5-Coder-1.5B) and prints, per question
type and overall: pass rate, evidence@5 (every required fact in the first five retrieved
passages), doc hit@5, false refusals, answer time p50/p95 and the first answer token p50
(streamed as the API streams). ``--split dev2`` runs numeric questions over the dev corpus
written after the dev split's tuning by someone who had not read the dev or test questions.
``--split probe`` runs a second development set on a corpus of its own
(``evals/corpus/trust_probe``, written later by someone who had not seen the tuning), to check
that a change generalises beyond the dev documents. ``--split fresh`` runs 48 questions on a
third corpus (``evals/corpus/trust_fresh``), written in session 38 by someone who had read
neither the code nor any question set: its first run is an untuned figure. ``--split blind``
runs a fourth such set (``evals/corpus/trust_blind``, a hotel's paperwork), written in session 40
the same way; its first run (before anyone read its cases) is the untuned figure. Report the test
split; the dev split is for tuning (``--show-cases`` prints each case's answer;
``show_rag_context.py`` prints what the model read). ``--kind numeric`` runs only the cases of
that question type: the test split's figures for one type without reading its cases. Takes
about a minute per question on two idle cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from _db import throwaway_database
from _report import print_prompt_tokens
from _trust import SPLITS, split_corpus

from luna.config import AnswerCheck, Settings
from luna.evals.runner import create_run, execute
from luna.evals.suites.base import EvalConfig
from luna.observability import runs
from luna.runtime import Runtime
from luna.store.sql.models import EvalResult

EVALS = Path(__file__).resolve().parents[1] / "evals"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="test")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--kind", action="append", default=[], help="only cases of this type")
    parser.add_argument("--answer-check", type=AnswerCheck, default=AnswerCheck.MODEL)
    parser.add_argument(
        "--show-cases",
        action="store_true",
        help="print each case's outcome and answer, and log rejected calculation plans and "
        "withheld drafts",
    )
    args = parser.parse_args()
    runs.install()  # model calls counted by graph step, for the prompt-token report
    if args.show_cases:  # the calculation's rejected plans, with their problems
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("luna.graphs.rag.calculation").setLevel(logging.INFO)
        logging.getLogger("luna.graphs.rag.nodes").setLevel(logging.INFO)  # withheld drafts
    dataset = EVALS / f"trust_qa.{args.split}.v1.jsonl"
    if args.kind:
        lines = dataset.read_text(encoding="utf-8").splitlines()
        cases = [json.loads(line) for line in lines if line.strip()]
        args.case += [c["id"] for c in cases if c.get("kind") in args.kind]
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(database_url=url, home=Path(home), data_source="none", _env_file=None)  # type: ignore[call-arg]
        runtime = Runtime(settings)
        try:
            runtime.register_prompts()
            config = EvalConfig(
                suite="trust",
                judge=False,
                answer_check=args.answer_check,
                dataset=str(dataset),
                corpus=str(split_corpus(args.split)),
                limit=args.limit,
                case_ids=args.case or None,
            )
            run_id = create_run(runtime, config, actor="bench_trust")
            status = execute(runtime, run_id)
            with runtime.stores.sessions() as session:
                results = session.query(EvalResult).filter_by(run_id=run_id).all()
                rows = [
                    (r.detail.get("kind", "?"), r.passed, dict(r.metrics or {})) for r in results
                ]
                if args.show_cases:
                    for r in sorted(results, key=lambda r: r.case_id):
                        answer = " ".join(str(r.detail.get("answer", r.error or "")).split())
                        verdict = "pass" if r.passed else "FAIL"
                        print(f"{r.case_id} {r.detail.get('kind', '?'):16} {verdict} {answer}")
        finally:
            runtime.close()
    by_kind: dict[str, list[tuple[bool, dict[str, float]]]] = defaultdict(list)
    for kind, passed, metrics in rows:
        by_kind[kind].append((bool(passed), metrics))
        by_kind["ALL"].append((bool(passed), metrics))
    print(f"trust suite, {args.split} split ({dataset.name}), run {status}")
    print(f"answer check: {args.answer_check}")
    header = ("type", "cases", "pass", "evid@5", "doc@5", "false_ref", "ans p50", "p95", "1st p50")
    print("{:18} {:>5} {:>6} {:>7} {:>6} {:>9} {:>8} {:>6} {:>8}".format(*header))
    for kind in sorted(by_kind, key=lambda k: (k == "ALL", k)):
        cases = by_kind[kind]

        def mean(key: str, cases: list[tuple[bool, dict[str, float]]] = cases) -> str:
            values = [m[key] for _, m in cases if m.get(key) is not None]
            return f"{statistics.mean(values):.2f}" if values else "-"

        times = [m["answer_s"] for _, m in cases if m.get("answer_s") is not None]
        firsts = [m["first_token_s"] for _, m in cases if m.get("first_token_s") is not None]
        passed = sum(p for p, _ in cases) / len(cases)
        print(
            f"{kind:18} {len(cases):5d} {passed:6.2f} {mean('evidence@5'):>7} "
            f"{mean('doc_hit@5'):>6} {mean('false_refusal'):>9} "
            f"{_p(times, 0.5):8.1f} {_p(times, 0.95):6.1f} {_p(firsts, 0.5):8.1f}"
        )
    print_prompt_tokens()


if __name__ == "__main__":
    main()
