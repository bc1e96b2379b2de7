"""LangChain tools the agents call: document search, time-series queries, forecasts, optimiser.

Build them per request with :func:`build_tools` from a :class:`ToolContext` (who asks, the
stores, the settings); each returns short text for the model plus an artifact with the rows or
passages the answer cites, and reports bad input as a message the model can recover from.
"""

from luna.tools.context import ToolContext
from luna.tools.factory import TOOL_NAMES, build_tools

__all__ = ["TOOL_NAMES", "ToolContext", "build_tools"]
