"""Tables cut to the columns, or rows, of the things a question is about.

A datasheet compares five models side by side ("Model | ALW 6 | ALW 9 | ALW 9 T | …"); asked
for the ALW 9 T, a small model reads the neighbouring column often enough to matter. When a
question names a designation, or describes one that another passage names (the heat pump a
grid letter registered), each table whose columns are headed by designations keeps its row
headings and the columns of those designations only, in both forms a row chunk has: the
document's pipe table and the spelled-out "heading: value · …" line. Tables without such a
column stay whole. A table with one row per model ("Model | Heating capacity | COP" over
"AL-120", "AL-180", …) keeps its header and the rows of those designations, and drops the
spelled-out lines of the rows it cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from luna.retrieval.designations import designations, labels

_CELLS = " | "
_PAIRS = " · "


def _matching(headings: Sequence[str], names: Sequence[str]) -> list[int]:
    """Indexes (after the first) of the headings that are one of ``names``."""
    return [
        i
        for i, heading in enumerate(headings)
        if i > 0 and any(labels(name, heading) for name in names)
    ]


def _project_block(rows: list[str], names: Sequence[str], dropped: set[str]) -> list[str]:
    """A table block cut to the columns headed by ``names`` or, where none is, to its header
    and the rows labelled by them (a model table with one row per model); the labels of
    rows cut are added to ``dropped``."""
    cells = [row.split(_CELLS) for row in rows]
    keep = _matching(cells[0], names)
    if keep and len(keep) < len(cells[0]) - 1:
        return [_CELLS.join([row[0], *(row[i] for i in keep if i < len(row))]) for row in cells]
    if keep:
        return rows
    if not all(designations(row[0]) for row in cells[1:]):
        return rows  # rows of prices, months or modes: not one row per model
    named = [i for i, row in enumerate(cells) if i > 0 and any(labels(n, row[0]) for n in names)]
    if not named or len(named) == len(cells) - 1:
        return rows
    dropped.update(row[0].strip() for i, row in enumerate(cells) if i > 0 and i not in named)
    return [rows[0], *(rows[i] for i in named)]


def _project_pairs(line: str, names: Sequence[str]) -> str:
    pairs = line.split(_PAIRS)
    headings = [pair.partition(": ")[0] for pair in pairs]
    keep = _matching(headings, names)
    if not keep or len(keep) == len(pairs) - 1:
        return line
    return _PAIRS.join([pairs[0], *(pairs[i] for i in keep)])


def project_columns(text: str, names: Sequence[str]) -> str:
    """``text`` with every table cut to its first column and the columns headed by ``names``,
    or to its header and the rows labelled by them."""
    if not names:
        return text
    out: list[str] = []
    block: list[str] = []
    dropped: set[str] = set()
    for line in [*text.split("\n"), None]:
        if line is not None and _CELLS in line:
            block.append(line)
            continue
        if block:
            out += _project_block(block, names, dropped)
            block = []
        if line is None:
            continue
        if _PAIRS in line and line.split(_PAIRS)[0].partition(": ")[2].strip() in dropped:
            continue  # the spelled-out form of a row cut ("Model: AL-120 · …")
        out.append(_project_pairs(line, names) if _PAIRS in line else line)
    return "\n".join(out)
