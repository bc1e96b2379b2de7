"""``luna ingest``: documents into the knowledge base, and consistency checks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import print as rprint
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from luna.config import get_settings
from luna.ingest.consistency import check_drift, repair_drift
from luna.ingest.detect import KNOWN_SUFFIXES
from luna.ingest.reindex import ReindexError, reindex
from luna.runtime import Runtime
from luna.store.sql.models import ItemStatus

app = typer.Typer(help="Document ingest and knowledge-store consistency.", no_args_is_help=True)


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.suffix.lower() in KNOWN_SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            raise typer.BadParameter(f"no such file or folder: {path}")
    return found


@app.command("add")
def add(
    paths: list[Path] = typer.Argument(..., help="Files or folders (searched recursively)."),
) -> None:
    """Ingest files: parse, chunk, embed, index. Same content twice is a no-op."""
    runtime = Runtime(get_settings())
    failed = 0
    try:
        # Open the vector store first: one that a running `luna serve` holds refuses the whole
        # command now (exit status 2), instead of each file failing after its parse.
        runtime.stores.vectors  # noqa: B018
        files = _files(paths)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()) as bar:
            task = bar.add_task("ingest", total=len(files))
            for path in files:
                bar.update(task, description=path.name[:40])
                outcome = runtime.ingest.ingest(
                    path.read_bytes(), path.name, source=f"file:{path.resolve()}"
                )
                if outcome.status is ItemStatus.FAILED or outcome.error:
                    failed += 1
                    # escaped: "pip install 'luna-iems[unstructured]'" is no markup
                    bar.console.print(f"[red]{escape(f'{path}: {outcome.error}')}[/red]")
                else:
                    note = "unchanged" if outcome.duplicate else f"{outcome.chunks} chunks"
                    bar.console.print(f"[green]{path.name}[/green]: {note}")
                bar.advance(task)
    finally:
        runtime.close()
    if failed:
        raise typer.Exit(1)


@app.command()
def verify(repair: bool = typer.Option(False, "--repair", help="Fix what can be fixed.")) -> None:
    """Report drift between SQL, the vector store and the object store."""
    runtime = Runtime(get_settings())
    try:
        report = (
            repair_drift(runtime.stores, runtime.embeddings)
            if repair
            else check_drift(runtime.stores)
        )
    finally:
        runtime.close()
    rprint(f"{report.items} items, {report.chunks} chunks, {report.vectors} vectors")
    for label, found in (
        ("orphan vectors", report.orphan_vectors),
        ("missing vectors", report.missing_vectors),
        ("orphan objects", report.orphan_objects),
        ("missing originals", report.missing_originals),
        ("stuck items", report.stuck_items),
    ):
        rprint(f"  {label}: {len(found)}")
    if report.clean:
        rprint("[green]consistent[/green]")
    elif repair:
        rprint("[yellow]repaired[/yellow]")
    else:
        rprint("[red]drift found: run `luna ingest verify --repair`[/red]")
        raise typer.Exit(1)


def reindex_command() -> None:
    """Re-embed every chunk with the configured embedding model into a fresh collection."""
    runtime = Runtime(get_settings())
    try:
        with Progress(TextColumn("embed"), BarColumn(), MofNCompleteColumn()) as bar:
            task = bar.add_task("embed", total=None)
            report = reindex(
                runtime.stores,
                runtime.embeddings,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except ReindexError as exc:
        rprint(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    rprint(
        f"[green]reindexed[/green] {report.chunks} chunks of {report.items} items with "
        f"{report.embedding_model} ({report.dimension}-d) in {report.seconds:.1f} s"
    )
