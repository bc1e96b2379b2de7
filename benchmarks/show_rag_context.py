"""What the answer model reads for trust-suite questions: retrieved sources and screened context.

    .venv/bin/python benchmarks/show_rag_context.py [--split SPLIT] [--numbers]
        [--calculate] CASE_ID ...

Ingests ``evals/corpus/trust`` (``trust_probe`` for the probe split) into a throwaway database
and LUNA_HOME (as ``bench_trust.py`` does), then runs only the RAG graph's ``retrieve`` and
``screen`` nodes for each case (no model is loaded) and prints the sources (number, title,
section, marked when superseded), the context the model would read and its approximate token
count. ``--numbers`` adds the list of
numbers the ``rag_calculate`` prompt shows the model; ``--calculate`` runs the graph's
``calculate`` node as the graph would (code's answers first, then the local model's plan; each
rejected plan and its problems are logged). For the tuning loop on
the dev split: read test-split cases only after their figures are reported.
"""

from __future__ import annotations

import argparse
import logging

from _trust import SPLITS, retrieve_and_screen, trust_cases, trust_knowledge

from luna.graphs.rag.calculation_plan import listed_numbers, numbered_block
from luna.graphs.rag.nodes import calculate
from luna.ingest.tokens import approx_token_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--top-k", type=int, default=4)
    parser.add_argument("--numbers", action="store_true", help="print the calculation's numbers")
    parser.add_argument("--calculate", action="store_true", help="run the calculation (model)")
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()
    if args.calculate:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("luna.graphs.rag.calculation").setLevel(logging.INFO)
    cases = {case["id"]: case for case in trust_cases(args.split)}
    with trust_knowledge(args.split, args.top_k) as (runtime, node):
        node.context.sessions = runtime.stores.sessions  # retrieval reads price sheets by SQL
        for case_id in args.cases:
            question = cases[case_id]["question"]
            state = retrieve_and_screen(node, question)
            shown = state["context"]
            tokens = approx_token_count("\n".join(s["text"] for s in shown))
            print(f"===== {case_id}: {question}")
            for s in state["sources"]:
                old = " (superseded)" if s.get("superseded_by") else ""
                print(f"  source [{s['n']}] {s['title']} | {s['section']}{old}")
            print(f"--- context, ~{tokens} tokens")
            for s in shown:
                print(f"[{s['n']}] {s['title']}\n{s['text']}\n")
            screened = state["screened"]
            if args.numbers or args.calculate:
                listed = listed_numbers(question, screened)
                print(f"--- numbers\n{numbered_block(listed)}")
            if args.calculate:  # the graph's node: code's answers first, then the plan
                context = node.context
                context.chat_model = runtime.chat_model
                context.prompt_versions = {}
                context.model_name = "local"
                result = calculate(state, node)
                print(f"--- calculation\n{result.get('answer')}")


if __name__ == "__main__":
    main()
