"""Agents sit above the graphs: ``luna.agents`` imports ``luna.graphs``, and no graph or tool
imports ``luna.agents`` back, so the packages form no import cycle."""

from __future__ import annotations

import luna.agents
import luna.graphs
import luna.tools
from tests.boundaries import imported_modules, within


def test_the_agents_are_built_on_the_graphs():
    imports = imported_modules(luna.agents)
    assert any(within(n, "luna.graphs") for names in imports.values() for n in names)


def test_no_graph_or_tool_module_imports_the_agents():
    offenders = [
        f"{module}: {name}"
        for package in (luna.graphs, luna.tools)
        for module, names in imported_modules(package).items()
        for name in sorted(names)
        if within(name, "luna.agents")
    ]
    assert offenders == []
