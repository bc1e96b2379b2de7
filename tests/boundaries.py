"""What a package's source files import, read with ``ast`` (no import is executed)."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = [*package.split("."), *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(package: ModuleType) -> dict[str, set[str]]:
    """For each module of ``package`` (dotted name), every module it imports anywhere in its
    source: module level, functions and ``TYPE_CHECKING`` blocks alike; relative imports are
    resolved, and ``from a import b`` counts as importing ``a`` and ``a.b``."""
    assert package.__file__ is not None
    root = Path(package.__file__).parent
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = _module_name(package.__name__, root, path)
        is_package = path.name == "__init__.py"
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
        found[name] = names
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")
