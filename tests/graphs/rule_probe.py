"""What the data rules (``rule_calls``) make of a message at a fixed "now", for model-free tests
of routing and periods; the customer owns M-001 and M-003 and lives in Germany."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from luna.graphs.agent.intents import rule_calls


@dataclass(frozen=True)
class RuleProbe:
    now: datetime

    def calls(
        self, message: str, history: list[BaseMessage] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """The tool calls the rules make: (tool, arguments) each; they must be sure."""
        found = rule_calls(
            message, history or [], now=self.now, meters=["M-001", "M-003"], country="DE"
        )
        assert found is not None, message
        return [(c.tool, c.args) for c in found]

    def call(self, message: str, history: list[BaseMessage] | None = None) -> dict[str, Any]:
        """The arguments of the one ``query_timeseries`` call the rules make."""
        (found,) = self.calls(message, history)
        assert found[0] == "query_timeseries", message
        return found[1]

    def span(
        self, message: str, history: list[BaseMessage] | None = None
    ) -> tuple[str | None, str | None]:
        """The period of that call: its start (or named period) and end."""
        args = self.call(message, history)
        return args.get("start") or args.get("period"), args.get("end")


def thread(question: str, **args: Any) -> list[BaseMessage]:
    """A thread whose one turn was ``question`` answered by ``query_timeseries(**args)``."""
    tool_call = {"name": "query_timeseries", "id": "c1", "args": args}
    return [HumanMessage(question), AIMessage(content="", tool_calls=[tool_call]), AIMessage("…")]
