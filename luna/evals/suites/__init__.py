"""The eval suites by name."""

from __future__ import annotations

from luna.evals.suites.base import Suite
from luna.evals.suites.playbook import PlaybookSuite
from luna.evals.suites.qa import QaSuite
from luna.evals.suites.retrieval import RetrievalSuite
from luna.evals.suites.routing import RoutingSuite
from luna.evals.suites.trust import TrustSuite


def get_suite(name: str) -> Suite:
    suites: dict[str, Suite] = {
        "retrieval": RetrievalSuite(),
        "qa": QaSuite(),
        "routing": RoutingSuite(),
        "playbook": PlaybookSuite(),
        "trust": TrustSuite(),
    }
    if name not in suites:
        raise ValueError(f"unknown suite '{name}'; choose one of {sorted(suites)}")
    return suites[name]
