"""Playbooks: sourced recommendations whose numbers come from the engines.

gather (stored data, forecasts, prices) → analyse (optimiser, tariff comparison or anomaly
backtest) → retrieve (tariff, manual and grid-rule passages) → compose (the local model writes
the words) → validate (every number must be an engine number; one retry, then a template).
"""

from luna.graphs.playbook.errors import MeterNotVisibleError, PlaybookError
from luna.graphs.playbook.graph import build_playbook_graph
from luna.graphs.playbook.run import PlaybookRun, generate_playbook, playbook_context, run_playbook

__all__ = [
    "MeterNotVisibleError",
    "PlaybookError",
    "PlaybookRun",
    "build_playbook_graph",
    "generate_playbook",
    "playbook_context",
    "run_playbook",
]
