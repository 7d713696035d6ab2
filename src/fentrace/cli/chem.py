"""`fentrace chem` commands: screen chemicals one by one or a whole file."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from fentrace.cli._common import (
    check_output,
    emit_json,
    output_format,
    parse_date,
    print_table,
    stderr_console,
)
from fentrace.cli.chem_options import monocycle_option
from fentrace.exc import UsageError
from fentrace.reference.models import JURISDICTIONS

#: Rejected records listed on stderr; every one is in the output file with its reason.
REJECTIONS_SHOWN = 20


@click.group(name="chem")
def chem() -> None:
    """Screen chemicals: listed, class-controlled, designer precursor, watch or clear."""


@chem.command(name="screen")
@click.argument("queries", nargs=-1, required=True)
@click.option("--as-of", "as_of", metavar="DATE", help="Screen as of this date (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per query.")
@monocycle_option
def screen_command(
    queries: tuple[str, ...], as_of: str | None, as_json: bool, monocycle_reading: str
) -> None:
    """Screen QUERIES: SMILES, CAS numbers, names, InChI or InChIKeys."""
    from fentrace.chemistry.screen import screen  # RDKit loads only for chem commands

    when = parse_date(as_of) or date.today()
    results = [screen(query, when, monocycle_reading=monocycle_reading) for query in queries]
    if as_json:
        emit_json([result.to_dict() for result in results])
        return
    columns = ["#", "query", "verdict", "tier", "substance", "steps", *JURISDICTIONS]
    rows = []
    remarks: list[str] = []
    for number, result in enumerate(results, start=1):
        if not result.resolved:
            rows.append(
                [str(number), result.query, "rejected", "", "", "", *([""] * len(JURISDICTIONS))]
            )
            remarks.append(f"{number}: {result.error}")
            continue
        statuses = [
            _short_status(result.jurisdictions[code].status, result.jurisdictions[code].verified)
            if code in result.jurisdictions
            else ""
            for code in JURISDICTIONS
        ]
        steps = "" if result.steps_to_fentanyl is None else str(result.steps_to_fentanyl)
        label = result.name or result.smiles or ""
        tier = (result.tier or "").replace("_", " ")
        rows.append(
            [str(number), result.query, result.verdict or "", tier, label, steps, *statuses]
        )
        if result.standardisation:
            remarks.append(f"{number}: removed " + ", ".join(result.standardisation))
        if result.tier_reason:
            remarks.append(
                f"{number}: {result.tier.replace('_', ' ') if result.tier else ''}: "
                f"{result.tier_reason}"
            )
        remarks.extend(f"{number}: contested reading: {c.text()}" for c in result.contested)
        remarks.extend(f"{number}: {note}" for note in result.notes)
    print_table(columns, rows, title=f"chemical screening as of {when.isoformat()}")
    click.echo("listed / class = controlled by listing / by a class rule; ? = unverified record")
    for remark in remarks:
        click.echo(remark)


def _short_status(status: str, verified: bool) -> str:
    short = {"controlled": "listed", "class_controlled": "class", "not_controlled": "-"}[status]
    return short if verified or status == "not_controlled" else short + "?"


@chem.command(name="screen-file")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    help="csv, jsonl or parquet file; - = stdout (jsonl unless --format csv).",
)
@click.option(
    "--format",
    "out_format_flag",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    help="Output format (default: from the extension of -o).",
)
@click.option("--column", help="CSV column holding the query (default: detected).")
@click.option("--id-column", help="CSV column or SDF property holding the record id.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: every core; never more than the cores or the records).",
)
@click.option("--as-of", "as_of", metavar="DATE", help="Screen as of this date (default today).")
@monocycle_option
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
    output: str,
    column: str | None,
    id_column: str | None,
    jobs: int | None,
    as_of: str | None,
    out_format_flag: str | None,
    monocycle_reading: str,
    engine: str,
    master: str,
) -> None:
    """Screen every record of FILE (.smi, .csv, .sdf); one output row per record, in order."""
    when = parse_date(as_of) or date.today()
    if engine == "spark":
        from fentrace.cli.spark_engine import screen_chemicals  # PySpark loads only here

        screen_chemicals(file, output, column, id_column, when, master, monocycle_reading)
        return
    from fentrace.chemistry.batch import screen_file  # RDKit loads only for chem commands

    out_format = out_format_flag or output_format(output)
    if output == "-" and out_format == "parquet":
        raise UsageError("--format parquet needs a file: -o results.parquet")
    check_output(output, file)
    if sys.stderr.isatty():
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} records"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=stderr_console, transient=True) as bar:
            task = bar.add_task("screening", total=None)
            summary = screen_file(
                file,
                output,
                out_format,
                when,
                column=column,
                id_column=id_column,
                jobs=jobs,
                on_row=lambda: bar.advance(task),
                monocycle_reading=monocycle_reading,
            )
    else:
        summary = screen_file(
            file,
            output,
            out_format,
            when,
            column=column,
            id_column=id_column,
            jobs=jobs,
            monocycle_reading=monocycle_reading,
        )
    for number, record_id, reason in summary.rejections[:REJECTIONS_SHOWN]:
        label = f"record {number}" + (f" ({record_id})" if record_id else "")
        click.echo(f"{file}: {label}: rejected: {reason}", err=True)
    if summary.rejected > REJECTIONS_SHOWN:
        click.echo(
            f"... and {summary.rejected - REJECTIONS_SHOWN} more rejected (see output)", err=True
        )
    counts = summary.to_dict()
    verdicts = ", ".join(f"{k} {v}" for k, v in counts["verdicts"].items()) or "none"
    tiers = ", ".join(f"{k} {v}" for k, v in counts["tiers"].items()) or "none"
    click.echo(
        f"read {counts['read']}, screened {counts['screened']}, rejected {counts['rejected']}; "
        f"verdicts: {verdicts}; tiers: {tiers}",
        err=True,
    )


def _register_explain() -> None:
    from fentrace.cli.chem_explain import explain

    chem.add_command(explain)


_register_explain()
