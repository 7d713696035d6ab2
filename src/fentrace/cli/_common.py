"""Output helpers shared by the command modules: JSON, tables, progress bars, file formats."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from fentrace import jsonsafe
from fentrace.atomic import refuse_output_over_input
from fentrace.exc import UsageError
from fentrace.textio import strip_terminal_escapes

T = TypeVar("T")

# Piped output (files, CI logs, `less`) gets a wide table rather than rich's 80-column default,
# so names and dates are not folded letter by letter.
stdout_console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
stderr_console = Console(stderr=True)


def emit_json(payload: Any) -> None:
    """Print one JSON document on stdout (UTF-8, non-ASCII kept; NaN and infinity as null)."""
    click.echo(jsonsafe.dumps(payload, ensure_ascii=False, indent=2, default=str))


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> None:
    """Print a table for people."""
    table = Table(title=None if title is None else strip_terminal_escapes(title), show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        # names come from users' files: escape sequences could rewrite the analyst's terminal
        # and Text (not str) keeps rich from reading "[link=...]" in a name as markup
        table.add_row(
            *(Text("" if cell is None else strip_terminal_escapes(str(cell))) for cell in row)
        )
    stdout_console.print(table)


def progress(items: Iterable[T], *, total: int | None, label: str) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar on stderr only when it is a terminal."""
    if not sys.stderr.isatty():
        yield from items
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


def output_format(path: str, allowed: Sequence[str] = ("csv", "jsonl", "parquet")) -> str:
    """The table format named by an output path's extension (``-`` is JSON lines on stdout)."""
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "json":
        suffix = "jsonl" if "jsonl" in allowed else suffix
    if suffix not in allowed:
        raise UsageError(
            f"cannot tell the output format of {path!r}: use one of "
            + ", ".join("." + a for a in allowed)
        )
    return suffix


def parse_date(value: str | None, option: str = "--as-of") -> date | None:
    """The ISO date given to ``option``, or None when it was not given; else a usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: not a date (expected YYYY-MM-DD)") from None


def check_output(output: str | None, *inputs: str | Path | None) -> None:
    """Usage errors for an output path, before any work: it is an input, a folder, or its
    folder does not exist. ``-`` (stdout) and None pass."""
    if output is None or output == "-":
        return
    refuse_output_over_input(output, *inputs)
    target = Path(output)
    if target.is_dir():
        raise UsageError(f"output {output!r} is a folder; give a file name")
    parent = target.absolute().parent
    if not parent.is_dir():
        raise UsageError(f"output {output!r}: the folder {str(parent)!r} does not exist")


def check_output_folder(output: str, *inputs: str | Path) -> None:
    """Usage errors for an output folder, before any work: a file, or an input inside it."""
    target = Path(output)
    if target.exists() and not target.is_dir():
        raise UsageError(f"output {output!r} is a file; give a folder")
    for given in inputs:
        refuse_output_over_input(output, given)
