"""Tables cut to the columns of the things a question is about.

A datasheet compares five models side by side ("Model | ALW 6 | ALW 9 | ALW 9 T | …"); asked
for the ALW 9 T, a small model reads the neighbouring column often enough to matter. When a
question names a designation, or describes one that another passage names (the heat pump a
grid letter registered), each table whose columns are headed by designations keeps its row
headings and the columns of those designations only, in both forms a row chunk has: the
document's pipe table and the spelled-out "heading: value · …" line. Tables without such a
column stay whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from luna.retrieval.designations import labels

_CELLS = " | "
_PAIRS = " · "


def _matching(headings: Sequence[str], names: Sequence[str]) -> list[int]:
    """Indexes (after the first) of the headings that are one of ``names``."""
    return [
        i
        for i, heading in enumerate(headings)
        if i > 0 and any(labels(name, heading) for name in names)
    ]


def _project_block(rows: list[str], names: Sequence[str]) -> list[str]:
    cells = [row.split(_CELLS) for row in rows]
    keep = _matching(cells[0], names)
    if not keep or len(keep) == len(cells[0]) - 1:
        return rows
    return [_CELLS.join([row[0], *(row[i] for i in keep if i < len(row))]) for row in cells]


def _project_pairs(line: str, names: Sequence[str]) -> str:
    pairs = line.split(_PAIRS)
    headings = [pair.partition(": ")[0] for pair in pairs]
    keep = _matching(headings, names)
    if not keep or len(keep) == len(pairs) - 1:
        return line
    return _PAIRS.join([pairs[0], *(pairs[i] for i in keep)])


def project_columns(text: str, names: Sequence[str]) -> str:
    """``text`` with every table cut to its first column and the columns headed by ``names``."""
    if not names:
        return text
    out: list[str] = []
    block: list[str] = []
    for line in [*text.split("\n"), None]:
        if line is not None and _CELLS in line:
            block.append(line)
            continue
        if block:
            out += _project_block(block, names)
            block = []
        if line is not None:
            out.append(_project_pairs(line, names) if _PAIRS in line else line)
    return "\n".join(out)
