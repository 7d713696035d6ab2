"""`fentrace parties` commands: screen names against watchlists, show what is loaded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import polars as pl

from fentrace import jsonsafe
from fentrace.atomic import atomic_path
from fentrace.cli._common import check_output, emit_json, output_format, print_table, progress
from fentrace.csvsafe import formula_safe_frame
from fentrace.exc import UsageError
from fentrace.parties import PartyResult, PartyScreener, Watchlist, load_watchlist
from fentrace.parties.cache import load_screener
from fentrace.parties.screen import QUERY_KINDS
from fentrace.tables import ROW, UserTable, read_user_table

_LIST_OPTION = click.option(
    "--list",
    "lists",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also screen against this list: OFAC sdn.csv (alt.csv/add.csv beside it), "
    "sdn.xml, FollowTheMoney .json/.jsonl, or a bundled-format CSV. Repeatable.",
)
_NO_BUNDLED_OPTION = click.option(
    "--no-bundled", is_flag=True, help="Leave out the bundled fentanyl watchlist."
)

_PROGRAM_OPTION = click.option(
    "--program",
    "programs",
    multiple=True,
    metavar="PROGRAM",
    help="Report only entities listed under this sanctions programme (SDNTK, "
    "ILLICIT-DRUGS-EO14059, SDGT ...) or on this list id. Repeatable.",
)
_NO_CACHE_OPTION = click.option(
    "--no-cache",
    is_flag=True,
    help="Build the index afresh and do not keep it (else it is kept in FENTRACE_CACHE_DIR, "
    "or the XDG cache directory, keyed on the list files' contents).",
)

INPUT_FORMATS = ("csv", "xlsx", "jsonl", "json", "ndjson", "parquet")


def _watchlist(lists: Sequence[Path], no_bundled: bool) -> Watchlist:
    if no_bundled and not lists:
        raise UsageError("--no-bundled needs at least one --list FILE")
    watchlist = load_watchlist(lists, bundled=not no_bundled)
    for problem in watchlist.problems:
        click.echo(f"warning: {problem}", err=True)
    return watchlist


def _screener(
    lists: Sequence[Path], no_bundled: bool, programs: Sequence[str], no_cache: bool
) -> PartyScreener:
    if no_bundled and not lists:
        raise UsageError("--no-bundled needs at least one --list FILE")
    loaded = load_screener(lists, bundled=not no_bundled, programs=programs, use_cache=not no_cache)
    for problem in loaded.screener.watchlist.problems:
        click.echo(f"warning: {problem}", err=True)
    return loaded.screener


@click.group(name="parties")
def parties() -> None:
    """Screen companies and people against fentanyl-related watchlists."""


def _top_features(result: PartyResult, count: int = 3) -> str:
    best = result.best
    if best is None:
        return result.error or ""
    ranked = sorted(best.contributions.items(), key=lambda kv: -abs(kv[1]))[:count]
    return ", ".join(f"{name} {value:+.2f}" for name, value in ranked)


@parties.command(name="screen")
@click.argument("names", nargs=-1, required=True)
@click.option("--country", metavar="CC", help="ISO alpha-2 country of every name.")
@click.option(
    "--identifier",
    "identifiers",
    multiple=True,
    metavar="ID",
    help="A registration, tax or passport number of the party (repeatable).",
)
@click.option(
    "--dob",
    "birth_date",
    metavar="YYYY[-MM[-DD]]",
    help="Date of birth of the person: a conflicting birth year demotes a match.",
)
@click.option(
    "--kind",
    type=click.Choice(QUERY_KINDS),
    help="What the party is: a match of another kind is penalised and says so.",
)
@_PROGRAM_OPTION
@_LIST_OPTION
@_NO_BUNDLED_OPTION
@_NO_CACHE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per name.")
def screen_command(
    names: tuple[str, ...],
    country: str | None,
    identifiers: tuple[str, ...],
    birth_date: str | None,
    kind: str | None,
    programs: tuple[str, ...],
    lists: tuple[Path, ...],
    no_bundled: bool,
    no_cache: bool,
    as_json: bool,
) -> None:
    """Screen NAME... against the watchlists."""
    screener = _screener(lists, no_bundled, programs, no_cache)
    results = [
        screener.screen(name, country, identifiers, birth_date=birth_date, kind=kind)
        for name in names
    ]
    if as_json:
        emit_json([r.to_dict() for r in results])
        return
    rows = []
    for result in results:
        best = result.best
        shown = result.query if len(result.query) <= 80 else result.query[:79] + "…"
        rows.append(
            (
                shown,
                result.verdict,
                f"{best.name} [{best.matched_alias}]" if best else "",
                f"{best.score:.2f}" if best else "",
                f"{best.action} {best.since or ''} {' '.join(best.programs)}".strip()
                if best
                else "",
                _top_features(result),
            )
        )
    print_table(("name", "verdict", "best match [alias]", "score", "action", "top features"), rows)
    for result in results:
        for warning in result.warnings:
            click.echo(f"warning: {result.query[:60]!r}: {warning}", err=True)


def read_table(path: Path) -> UserTable:
    """Read a csv, xlsx, jsonl or parquet file as a table of strings with each record's row.

    A record that cannot be read (a bad JSON line, a ragged row, a broken quote) is rejected
    with its row; the rest of the file is screened. CSV may be UTF-8, Latin-1 or GBK.
    """
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in INPUT_FORMATS:
        raise UsageError(f"cannot read {path}: give a .csv, .xlsx, .jsonl or .parquet file")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return read_user_table(path)


def result_row(row: int, result: PartyResult) -> dict[str, Any]:
    """One output row of screen-file."""
    return result.to_row(row)


@parties.command(name="screen-file")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--column", required=True, help="Column holding the names.")
@click.option("--country-column", help="Column holding each name's country (ISO alpha-2).")
@click.option(
    "--identifier-column",
    help="Column holding each party's registration/tax/passport numbers (|-separated).",
)
@click.option(
    "-o",
    "--output",
    "output",
    default="-",
    show_default=True,
    help="csv, jsonl or parquet; - = stdout.",
)
@click.option("--dob-column", help="Column holding each person's date of birth (YYYY[-MM[-DD]]).")
@click.option("--kind-column", help="Column holding what each party is (person, company, vessel).")
@_PROGRAM_OPTION
@_LIST_OPTION
@_NO_BUNDLED_OPTION
@_NO_CACHE_OPTION
@click.option(
    "--engine",
    type=click.Choice(["single", "spark"]),
    default="single",
    show_default=True,
    help="spark: run on Apache Spark (csv, parquet or jsonl in; -o OUT.parquet).",
)
@click.option(
    "--master", default="local[2]", show_default=True, help="Spark master (with --engine spark)."
)
def screen_file_command(
    file: Path,
    column: str,
    country_column: str | None,
    identifier_column: str | None,
    output: str,
    dob_column: str | None,
    kind_column: str | None,
    programs: tuple[str, ...],
    lists: tuple[Path, ...],
    no_bundled: bool,
    no_cache: bool,
    engine: str,
    master: str,
) -> None:
    """Screen every name in a column of FILE (csv, xlsx, jsonl, parquet)."""
    if engine == "spark":
        if dob_column or kind_column or programs or no_cache:
            raise UsageError(
                "--dob-column, --kind-column, --program and --no-cache are not available "
                "with --engine spark"
            )
        from fentrace.cli.spark_engine import screen_parties  # PySpark loads only here

        screen_parties(
            file, column, country_column, identifier_column, output, lists, no_bundled, master
        )
        return
    fmt = output_format(output)
    check_output(output, file, *lists)
    user_table = read_table(file)
    table = user_table.frame
    columns = [c for c in table.columns if c != ROW]
    for wanted in (column, country_column, identifier_column, dob_column, kind_column):
        if wanted is not None and wanted not in columns:
            raise UsageError(f"{file}: no column {wanted!r}; columns are {', '.join(columns)}")
    for bad in user_table.rejected:
        click.echo(f"{file}, row {bad.row}: rejected: {bad.reason}", err=True)
    screener = _screener(lists, no_bundled, programs, no_cache)
    names = table.get_column(column).to_list()
    births = table.get_column(dob_column).to_list() if dob_column else [None] * len(names)
    kinds = table.get_column(kind_column).to_list() if kind_column else [None] * len(names)
    countries = (
        table.get_column(country_column).to_list() if country_column else [None] * len(names)
    )
    identifiers = (
        table.get_column(identifier_column).to_list() if identifier_column else [None] * len(names)
    )
    # each record's row as a person sees it: the CSV line or sheet row, the JSON line
    row_numbers = table.get_column(ROW).to_list()
    out_rows: list[dict[str, Any]] = []
    rejected = len(user_table.rejected)
    for index in progress(range(len(names)), total=len(names), label="screening"):
        ids = (identifiers[index] or "").split("|")
        kind = (kinds[index] or "").strip().lower() or None
        if kind is not None and kind not in QUERY_KINDS:
            click.echo(
                f"{file}, row {row_numbers[index]}, field {kind_column!r}: kind {kind!r} is not one of "
                f"{', '.join(QUERY_KINDS)}; ignored",
                err=True,
            )
            kind = None
        result = screener.screen(
            names[index] or "", countries[index], ids, birth_date=births[index], kind=kind
        )
        if result.error:
            rejected += 1
            click.echo(
                f"{file}, row {row_numbers[index]}, field {column!r}: {result.error}", err=True
            )
        out_rows.append(result_row(row_numbers[index], result))
    for bad in user_table.rejected:  # every input record has its output row, in row order
        out_rows.append(
            result_row(bad.row, PartyResult("", "none", error=f"rejected: {bad.reason}"))
        )
    out_rows.sort(key=lambda r: int(r["row"]))
    frame = pl.DataFrame(out_rows, infer_schema_length=None)
    if output == "-":
        for row in out_rows:
            click.echo(jsonsafe.dumps(row, ensure_ascii=False))
    elif fmt == "csv":
        with atomic_path(output) as temp:
            formula_safe_frame(frame).write_csv(temp)
    elif fmt == "jsonl":
        with atomic_path(output) as temp:
            frame.write_ndjson(temp)
    else:
        with atomic_path(output) as temp:
            frame.write_parquet(temp)
    verdicts = {
        v: sum(1 for r in out_rows if r["verdict"] == v) for v in ("match", "possible", "none")
    }
    total = len(out_rows)
    click.echo(
        f"read {total} rows, screened {total - rejected}, rejected {rejected}; "
        f"match {verdicts['match']}, possible {verdicts['possible']}, none {verdicts['none'] - rejected}",
        err=True,
    )


@parties.command(name="lists")
@_LIST_OPTION
@_NO_BUNDLED_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def lists_command(lists: tuple[Path, ...], no_bundled: bool, as_json: bool) -> None:
    """Show the loaded watchlists: entities, names, types, actions, dates."""
    summary = _watchlist(lists, no_bundled).summary()
    if as_json:
        emit_json(summary)
        return
    print_table(
        ("file", "format", "entities", "published"),
        [(f["file"], f["format"], f["entities"], f["published"] or "") for f in summary["files"]],
        title="Loaded lists",
    )
    print_table(
        ("count", "value"),
        [
            ("entities", summary["entities"]),
            ("names (with aliases)", summary["names"]),
            *((f"type {k}", v) for k, v in summary["by_type"].items()),
            *((f"action {k}", v) for k, v in summary["by_action"].items()),
            ("earliest action", summary["earliest"] or ""),
            ("latest action", summary["latest"] or ""),
            ("problems", len(summary["problems"])),
        ],
        title="Totals",
    )
