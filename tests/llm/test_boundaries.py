"""Model backends hold no data and know no store: luna.llm imports none of the upper layers."""

from __future__ import annotations

import ast
from pathlib import Path

import luna.llm

FORBIDDEN = ("luna.store", "luna.api", "luna.graphs", "luna.tools", "luna.ingest", "luna.agents")


def test_llm_package_imports_no_store_api_or_graph_module():
    offenders = []
    for path in Path(luna.llm.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []
