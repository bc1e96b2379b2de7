"""``luna eval``: run eval suites, resume or cancel a run, list runs and compare two of them."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from luna.config import AnswerCheck, get_settings
from luna.evals.compare import compare_runs
from luna.evals.runner import EvalRunError, create_run, execute, reopen, request_cancel
from luna.evals.suites.base import SUITES, EvalConfig
from luna.prompts.registry import PromptError, parse_ref
from luna.runtime import Runtime
from luna.store.sql.models import EvalRun

app = typer.Typer(
    help="Eval suites: retrieval, qa, routing, playbook, trust.", no_args_is_help=True
)
console = Console()


@contextmanager
def _runtime() -> Iterator[Runtime]:
    runtime = Runtime(get_settings())
    try:
        runtime.register_prompts()
        yield runtime
    finally:
        runtime.close()


def _execute(runtime: Runtime, run_id: int) -> str:
    """Execute with a progress bar; Ctrl-C leaves the run cancelled and resumable."""
    with runtime.stores.sessions() as session:
        run = session.get(EvalRun, run_id)
        assert run is not None
        total, suite = run.cases_total, run.suite
    columns = (
        TextColumn(f"[bold]{suite}[/bold] run {run_id}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("", total=total)

            def advance(done: int, of: int, case_id: str) -> None:
                bar.update(task, completed=done, total=of, description=case_id)

            status = execute(runtime, run_id, progress=advance)
    except KeyboardInterrupt:
        console.print(f"[yellow]cancelled; resume with `luna eval resume {run_id}`[/yellow]")
        raise typer.Exit(130) from None
    return status


def _print_run(runtime: Runtime, run_id: int) -> None:
    with runtime.stores.sessions() as session:
        run = session.get(EvalRun, run_id)
        assert run is not None
        table = Table(title=f"run {run.id}: {run.suite}, {run.status}")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, value in sorted(run.metrics.items()):
            table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
        console.print(table)
        console.print(
            f"model {run.model}; prompts {run.prompts or '-'}; git {run.git_revision}; "
            f"{run.duration_s or 0:.1f} s"
        )
        if run.error:
            console.print(f"[red]{run.error}[/red]")


@app.command("run")
def run_command(
    suite: str = typer.Option(
        ..., "--suite", help="retrieval, qa, routing, playbook, trust or all."
    ),
    prompt: list[str] = typer.Option(
        [], "--prompt", help="Pin a prompt version, NAME@VERSION (repeatable); not activated."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    case: list[str] = typer.Option([], "--case", help="Only these case ids (repeatable)."),
    k: int = typer.Option(5, "--k", min=1, max=20, help="Retrieval cut-off."),
    no_judge: bool = typer.Option(False, "--no-judge", help="QA: skip the LLM judge."),
    answer_check: AnswerCheck | None = typer.Option(
        None,
        "--answer-check",
        help="QA: off, names or model; default LUNA_RAG_ANSWER_CHECK.",
    ),
    dataset: str | None = typer.Option(None, "--dataset", help="Another JSONL file of cases."),
) -> None:
    """Run a suite (or all), store the run and print its metrics."""
    if suite != "all" and suite not in SUITES:
        raise typer.BadParameter(f"choose one of {', '.join(SUITES)} or all", param_hint="--suite")
    try:
        pinned = dict(parse_ref(ref) for ref in prompt)
    except PromptError as exc:
        raise typer.BadParameter(str(exc), param_hint="--prompt") from exc
    failed = False
    with _runtime() as runtime:
        for name in SUITES if suite == "all" else (suite,):
            config = EvalConfig(
                suite=name,
                prompt_versions=pinned,
                limit=limit,
                case_ids=case or None,
                k=k,
                judge=not no_judge,
                answer_check=(
                    runtime.settings.rag_answer_check if answer_check is None else answer_check
                ),
                dataset=dataset,
            )
            try:
                run_id = create_run(runtime, config, actor=f"cli:{getpass.getuser()}")
            except EvalRunError as exc:
                console.print(f"[red]{name}: {exc}[/red]")
                failed = True
                continue
            status = _execute(runtime, run_id)
            _print_run(runtime, run_id)
            failed = failed or status == "failed"
    if failed:
        raise typer.Exit(1)


@app.command("resume")
def resume(
    run_id: int = typer.Argument(...),
    force: bool = typer.Option(False, "--force", help="Resume a run still marked running."),
) -> None:
    """Continue a cancelled or failed run: finished cases are kept, the rest run."""
    with _runtime() as runtime:
        try:
            reopen(runtime, run_id, force=force)
        except EvalRunError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        status = _execute(runtime, run_id)
        _print_run(runtime, run_id)
    if status == "failed":
        raise typer.Exit(1)


@app.command("cancel")
def cancel(run_id: int) -> None:
    """Ask a running run (in another process, or the API) to stop before its next case."""
    with _runtime() as runtime:
        if not request_cancel(runtime, run_id):
            console.print(f"[red]run {run_id} is not running[/red]")
            raise typer.Exit(1)
    console.print(f"run {run_id} cancelled")


@app.command("list")
def list_runs(limit: int = typer.Option(20, "--limit", min=1)) -> None:
    """The latest runs."""
    with _runtime() as runtime, runtime.stores.sessions() as session:
        table = Table(title="eval runs")
        for column in ("id", "suite", "status", "cases", "pass rate", "prompts", "started"):
            table.add_column(column)
        runs = session.scalars(select(EvalRun).order_by(EvalRun.id.desc()).limit(limit))
        for run in runs:
            table.add_row(
                str(run.id),
                run.suite,
                run.status,
                f"{run.metrics.get('cases', 0)}/{run.cases_total}",
                str(run.metrics.get("pass_rate", "-")),
                ", ".join(f"{n}@{v}" for n, v in run.prompts.items()),
                f"{run.started_at:%Y-%m-%d %H:%M}",
            )
        console.print(table)


@app.command("show")
def show(run_id: int) -> None:
    """A run's aggregate metrics and provenance."""
    with _runtime() as runtime:
        _print_run(runtime, run_id)


@app.command("compare")
def compare(
    run_a: int = typer.Argument(...),
    run_b: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="The comparison as JSON."),
) -> None:
    """Per-metric deltas (B - A) and the cases that flipped between pass and fail."""
    with _runtime() as runtime, runtime.stores.sessions() as session:
        try:
            result = compare_runs(session, run_a, run_b)
        except (LookupError, ValueError) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{result.suite}: run {run_a} (A) vs run {run_b} (B)")
    for column in ("metric", "A", "B", "B - A"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for m in result.metrics:
        table.add_row(
            m.metric,
            "-" if m.a is None else f"{m.a:.4f}",
            "-" if m.b is None else f"{m.b:.4f}",
            "-" if m.delta is None else f"{m.delta:+.4f}",
        )
    console.print(table)
    console.print(f"prompts A {result.prompts_a} / B {result.prompts_b}")
    console.print(f"fixed in B: {[c.case_id for c in result.fixed] or 'none'}")
    console.print(f"broken in B: {[c.case_id for c in result.broken] or 'none'}")
    if result.only_in_a or result.only_in_b:
        console.print(f"only in A: {result.only_in_a}; only in B: {result.only_in_b}")
