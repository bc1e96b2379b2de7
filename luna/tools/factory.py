"""``build_tools``: the agent's tool set for one request, bound to who asks."""

from __future__ import annotations

from langchain_core.tools import BaseTool

from luna.tools.context import ToolContext
from luna.tools.documents import get_tariff_tool, search_documents_tool
from luna.tools.forecast import forecast_tool
from luna.tools.schedule import optimise_schedule_tool
from luna.tools.timeseries import query_timeseries_tool

TOOL_NAMES = (
    "query_timeseries",
    "search_documents",
    "get_tariff",
    "forecast",
    "optimise_schedule",
)


def build_tools(ctx: ToolContext) -> list[BaseTool]:
    """Every tool, each reading only what ``ctx.user_id`` may see."""
    return [
        query_timeseries_tool(ctx),
        search_documents_tool(ctx),
        get_tariff_tool(ctx),
        forecast_tool(ctx),
        optimise_schedule_tool(ctx),
    ]
