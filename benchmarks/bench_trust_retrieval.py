"""Trust-suite retrieval without the model: does the evidence reach the passages and the context?

    .venv/bin/python benchmarks/bench_trust_retrieval.py [--split dev|dev2|test|probe]
        [--kind TYPE ...] [--top-k 4] [--show-cases] [--json OUT]

Ingests the split's corpus (``evals/corpus/trust``, ``trust_probe`` for the probe split) into a
throwaway database and LUNA_HOME as ``bench_trust.py`` does, then runs only the RAG graph's
``retrieve`` and ``screen`` nodes for every answerable case (no chat model is loaded: a split
takes minutes, not an hour) and prints, per question type and overall, the share of cases
whose every reference evidence is

- ``evidence@5``: in the first five passages of a plain search (the suite's metric),
- ``sources``: among the passages the graph retrieved (``top_k`` plus spares and completions),
- ``screened``: among the passages left after screening (older versions and contradicted or
  untrusted statements out), which the calculation reads,
- ``context``: in the screened, compressed context the answer model reads.

Between them lie the losses: retrieval missed a fact, screening or compression dropped one.
``--show-cases`` names each case's missing evidence per stage (use on dev, dev2 and probe only:
the test split's cases are read only after its figures are reported); ``--json`` writes the
per-case outcome, to compare two runs.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from _trust import SPLITS, retrieve_and_screen, trust_cases, trust_knowledge

from luna.evals.metrics import evidence_found

STAGES = ("evidence@5", "sources", "screened", "context")


def _missing(passages: list[str], evidence: list[str]) -> list[str]:
    return [
        e
        for e, found in zip(evidence, evidence_found(passages, evidence), strict=True)
        if not found
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev2")
    parser.add_argument("--kind", action="append", default=[], help="only cases of this type")
    parser.add_argument("--top-k", type=int, default=4)
    parser.add_argument("--show-cases", action="store_true")
    parser.add_argument("--json", type=Path, help="write the per-case outcome here")
    args = parser.parse_args()
    cases = [c for c in trust_cases(args.split) if c["answerable"] and c["references"]]
    cases = [c for c in cases if not args.kind or c["kind"] in args.kind]
    outcome: dict[str, dict[str, Any]] = {}
    with trust_knowledge(args.split, args.top_k) as (runtime, node):
        for case in cases:
            evidence = [r["evidence"] for r in case["references"]]
            plain = runtime.retriever.search(case["question"], top_k=5)
            state = retrieve_and_screen(node, case["question"])
            missing = {
                "evidence@5": _missing([h.text for h in plain[:5]], evidence),
                "sources": _missing([s["text"] for s in state["sources"]], evidence),
                "screened": _missing([s["text"] for s in state["screened"]], evidence),
                "context": _missing([s["text"] for s in state["context"]], evidence),
            }
            outcome[case["id"]] = {"kind": case["kind"], "missing": missing}
            if args.show_cases:
                print(f"{case['id']} ({case['kind']}): {case['question']}")
                for stage, lost in missing.items():
                    for e in lost:
                        print(f"    not in {stage}: {e}")
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in outcome.values():
        by_kind[result["kind"]].append(result)
    print(f"{'kind':<18}{'n':>4}" + "".join(f"{s:>12}" for s in STAGES))
    for kind, results in [*sorted(by_kind.items()), ("all", list(outcome.values()))]:
        shares = [sum(not r["missing"][s] for r in results) / len(results) for s in STAGES]
        print(f"{kind:<18}{len(results):>4}" + "".join(f"{v:>12.3f}" for v in shares))
    if args.json:
        args.json.write_text(json.dumps(outcome, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
