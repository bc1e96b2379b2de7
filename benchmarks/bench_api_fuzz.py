"""Fuzz every route that needs no language model with a large schemathesis budget and count.

    .venv/bin/python benchmarks/bench_api_fuzz.py [--examples 40]

Runs ``tests/api/test_api_fuzz.py`` (as an admin and as a customer, against the real
PostgreSQL of the test suite) with ``--examples`` generated requests per operation and role
instead of CI's 8, then prints the calls made, the operations covered, the answers by status
code and every 5xx. The test itself fails on any 5xx or any answer the OpenAPI schema does not
document; this script reports its verdict beside the counts.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=40, help="per operation and role")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "calls.jsonl"
        env = {
            **os.environ,
            "LUNA_FUZZ_EXAMPLES": str(args.examples),
            "LUNA_FUZZ_REPORT": str(report),
        }
        started = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--timeout=0",
                "tests/api/test_api_fuzz.py",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        calls = (
            [json.loads(line) for line in report.read_text().splitlines()]
            if report.exists()
            else []
        )
    statuses = collections.Counter(call["status"] for call in calls)
    operations = {call["operation"] for call in calls}
    server_errors = [call for call in calls if call["status"] >= 500]
    print(
        f"calls: {len(calls)} in {seconds:.0f} s ({args.examples} examples per operation and role)"
    )
    print(f"operations covered: {len(operations)}")
    print("answers by status: " + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
    print(f"5xx: {len(server_errors)}")
    for call in server_errors:
        print(f"  {call['status']} {call['operation']} as {call['role']}")
    verdict = "passed" if run.returncode == 0 else "FAILED"
    print(f"test verdict (no 5xx, every answer as documented): {verdict}")
    if run.returncode != 0:
        print(run.stdout[-6000:])


if __name__ == "__main__":
    main()
