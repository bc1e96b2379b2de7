"""Every Prometheus metric Luna exposes, defined once, in the process-wide default registry.

Instrumented code imports the metric object and records one observation where the thing
happens (a line or two per site); ``GET /metrics`` renders :data:`REGISTRY`. Label values
come from code (route templates, tool and graph names, fixed outcomes), never from user input,
so the number of series stays bounded. The default registry also carries prometheus_client's
``process_*`` and ``python_*`` metrics.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Info
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from luna import __version__

__all__ = ["CONTENT_TYPE_LATEST", "REGISTRY", "render"]

# --- HTTP (recorded by luna.observability.middleware) -------------------------------------
# SSE answers stream for a minute on the CPU model: the buckets reach that far.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
HTTP_REQUESTS = Counter(
    "luna_http_requests",
    "HTTP requests by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "luna_http_request_duration_seconds",
    "HTTP request duration (until the last byte of a streamed response) by route template.",
    ["method", "route", "status"],
    buckets=HTTP_BUCKETS,
)
HTTP_IN_PROGRESS = Gauge("luna_http_requests_in_progress", "HTTP requests being served now.")

# --- model calls, tools and graph runs (recorded by luna.observability.runs) ----------------
LLM_CALLS = Counter(
    "luna_llm_calls", "Chat model calls by model and outcome (ok, error).", ["model", "outcome"]
)
LLM_TOKENS = Counter("luna_llm_tokens_generated", "Tokens the chat model generated.", ["model"])
LLM_PROMPT_TOKENS = Counter(
    "luna_llm_prompt_tokens", "Prompt tokens the chat model read (where reported).", ["model"]
)
# Per call and graph step (the LangGraph node that called: generate, check, calculate, compose,
# plan, remark …): how much each kind of answer feeds the model, the cost of prefill on CPU.
LLM_PROMPT_TOKENS_PER_CALL = Histogram(
    "luna_llm_prompt_tokens_per_call",
    "Prompt tokens of one chat model call, by the graph step that made it.",
    ["model", "step"],
    buckets=(64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192),
)
LLM_TTFT = Histogram(
    "luna_llm_time_to_first_token_seconds",
    "From the start of a chat model call to its first streamed token (prefill included).",
    ["model"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180),
)
LLM_DURATION = Histogram(
    "luna_llm_generation_duration_seconds",
    "Whole chat model calls, prefill and decoding.",
    ["model"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300),
)
LLM_TOKENS_PER_SECOND = Histogram(
    "luna_llm_tokens_per_second",
    "Decoding speed of a chat model call (tokens after the first over their duration).",
    ["model"],
    buckets=(1, 2, 5, 8, 10, 15, 20, 30, 50, 100, 200, 500),
)
TOOL_CALLS = Counter("luna_tool_calls", "Agent tool calls by tool.", ["tool"])
TOOL_ERRORS = Counter(
    "luna_tool_errors", "Agent tool calls that ended in an error, by tool.", ["tool"]
)
TOOL_DURATION = Histogram(
    "luna_tool_duration_seconds",
    "Agent tool call duration by tool.",
    ["tool"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
GRAPH_RUNS = Counter(
    "luna_graph_runs", "LangGraph runs by graph and outcome (ok, error).", ["graph", "outcome"]
)
GRAPH_DURATION = Histogram(
    "luna_graph_run_duration_seconds",
    "LangGraph run duration by graph.",
    ["graph"],
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300),
)

# --- knowledge layer ----------------------------------------------------------------------
RETRIEVAL_DURATION = Histogram(
    "luna_retrieval_duration_seconds",
    "Retriever searches: query embedding, vector search and SQL resolution.",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
INGEST_DOCUMENTS = Counter(
    "luna_ingest_documents",
    "Ingested documents by outcome (ready, failed, duplicate).",
    ["status"],
)
INGEST_CHUNKS = Counter("luna_ingest_chunks", "Chunks written by successful ingests.")
INGEST_FAILURES = Counter(
    "luna_ingest_failures", "Failed ingests by reason code (unsupported, empty, ...).", ["reason"]
)

# --- energy ---------------------------------------------------------------------------------
OPTIMISER_SOLVE = Histogram(
    "luna_optimiser_solve_seconds",
    "HiGHS solve time of a day-ahead schedule (LP and any MILP rounds).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 20),
)
OPTIMISER_INFEASIBLE = Counter(
    "luna_optimiser_infeasible", "Optimisation requests that had no feasible schedule."
)
PLAYBOOK_RUNS = Counter(
    "luna_playbook_runs",
    "Playbook jobs finished, by kind and status (ready, failed).",
    ["kind", "status"],
)
EVAL_RUNS = Counter("luna_eval_runs", "Eval runs finished, by status.", ["status"])
FEEDBACK = Counter(
    "luna_feedback", "Feedback votes by target type and vote (up, down).", ["target_type", "vote"]
)

# --- live-ingest connectors (recorded by luna.connectors.base, for every connector) ---------
# ``kind`` is the connector type (mqtt, redis, kafka, modbus, opcua), ``connector`` its name in
# this process (the kind unless configured otherwise), so two feeds of one kind stay apart.
CONNECTOR_LABELS = ("connector", "kind")
CONNECTOR_RECEIVED = Counter(
    "luna_connector_messages_received",
    "Messages a connector received (stream entries, records, MQTT messages, meter polls, "
    "OPC-UA notifications), valid or not.",
    CONNECTOR_LABELS,
)
CONNECTOR_WRITTEN = Counter(
    "luna_connector_readings_written",
    "Readings a connector committed to the database.",
    CONNECTOR_LABELS,
)
CONNECTOR_REJECTED = Counter(
    "luna_connector_messages_rejected",
    "Messages a connector rejected, by reason (malformed, unknown_meter).",
    (*CONNECTOR_LABELS, "reason"),
)
CONNECTOR_QUEUE_DEPTH = Gauge(
    "luna_connector_queue_depth",
    "Readings waiting for the connector's writer; at the capacity intake blocks (backpressure).",
    CONNECTOR_LABELS,
)
CONNECTOR_QUEUE_CAPACITY = Gauge(
    "luna_connector_queue_capacity",
    "Readings a connector's queue holds before intake blocks.",
    CONNECTOR_LABELS,
)
CONNECTOR_LAST_WRITE = Gauge(
    "luna_connector_last_write_timestamp_seconds",
    "Unix time of a connector's last committed batch of readings.",
    CONNECTOR_LABELS,
)
REJECT_REASONS = ("malformed", "unknown_meter")


class ConnectorMetrics:
    """One connector's series of the metrics above, bound once: the base records through it,
    so every connector (MQTT, Redis Streams, Kafka, Modbus, OPC-UA) exports the same figures.

    The queue depth is read when the registry is scraped (no cost per reading); a newer
    connector of the same name takes the series over. Both rejection reasons and the
    counters start at zero, so a rate over them exists before the first message.
    """

    def __init__(
        self, connector: str, kind: str, depth: Callable[[], float], capacity: int
    ) -> None:
        self.labels = labels = (connector, kind)
        self.received = CONNECTOR_RECEIVED.labels(*labels)
        self.written = CONNECTOR_WRITTEN.labels(*labels)
        self._rejected = {r: CONNECTOR_REJECTED.labels(*labels, r) for r in REJECT_REASONS}
        self.last_write = CONNECTOR_LAST_WRITE.labels(*labels)
        CONNECTOR_QUEUE_DEPTH.labels(*labels).set_function(depth)
        CONNECTOR_QUEUE_CAPACITY.labels(*labels).set(capacity)

    def rejected(self, reason: str, n: int = 1) -> None:
        counter = self._rejected.get(reason)
        if counter is None:  # a reason from code, never from input: bounded all the same
            counter = self._rejected[reason] = CONNECTOR_REJECTED.labels(*self.labels, reason)
        counter.inc(n)


BUILD_INFO = Info("luna_build", "Luna version of this process.")
BUILD_INFO.info({"version": __version__})


def render() -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(REGISTRY)


def http_request_totals() -> dict[tuple[str, str], tuple[int, int]]:
    """(requests, 5xx responses) per (method, route) since the process started."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for family in HTTP_REQUESTS.collect():
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            key = (sample.labels["method"], sample.labels["route"])
            requests, errors = totals.get(key, (0, 0))
            failed = sample.value if sample.labels["status"].startswith("5") else 0
            totals[key] = (requests + int(sample.value), errors + int(failed))
    return totals


def observe_ingest(status: str, chunks: int = 0, reason: str | None = None) -> None:
    """One ingested document: its outcome, its chunks, and why it failed."""
    INGEST_DOCUMENTS.labels(status).inc()
    INGEST_CHUNKS.inc(chunks)
    if status == "failed":
        INGEST_FAILURES.labels(reason or "unknown").inc()


def prompt_tokens_by_step() -> dict[str, tuple[int, float]]:
    """Calls and mean prompt tokens per graph step so far in this process (all models), for
    the benchmarks' reports."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for family in LLM_PROMPT_TOKENS_PER_CALL.collect():
        for sample in family.samples:
            step = sample.labels.get("step", "")
            if sample.name.endswith("_sum"):
                sums[step] = sums.get(step, 0.0) + sample.value
            elif sample.name.endswith("_count"):
                counts[step] = counts.get(step, 0.0) + sample.value
    return {
        step: (int(counts[step]), sums.get(step, 0.0) / counts[step])
        for step in sorted(counts)
        if counts[step]
    }
