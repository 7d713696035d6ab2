"""`fentrace shipments` commands: screen a manifest, list the indicator codes."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
import polars as pl

from fentrace.cli._common import check_output, emit_json, parse_date, print_table, stderr_console
from fentrace.exc import UsageError
from fentrace.shipments import (
    LEVELS,
    SCREEN_STAGES,
    Manifest,
    Rules,
    ScreeningResult,
    explain_codes,
    load_rules,
    read_manifest,
    read_manifest_bytes,
    screen_manifest,
    write_alerts,
    write_report,
)
from fentrace.shipments.output import write_rejections

_TOP = 20


def _check_output(path: str) -> None:
    suffix = "jsonl" if path == "-" else Path(path).suffix.lower().lstrip(".")
    if suffix not in ("csv", "jsonl", "json", "parquet"):
        raise UsageError(f"cannot tell the output format of {path!r}: use .csv, .jsonl or .parquet")


@click.group(name="shipments")
def shipments() -> None:
    """Score trade manifests for fentanyl-precursor risk, with the reasons for every score."""


@shipments.command(name="screen")
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "output",
    help="Alerts file: .csv, .jsonl or .parquet ('-' = JSON lines on stdout).",
)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False),
    help="Write a self-contained HTML report here.",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False),
    help="A rules YAML merged over the bundled one.",
)
@click.option(
    "--as-of",
    "as_of",
    help="Judge control status on this date (default: each shipment's own date).",
)
@click.option(
    "--min-level",
    type=click.Choice(LEVELS),
    default="low",
    show_default=True,
    help="Write and show alerts at this level or above.",
)
@click.option(
    "--rejected",
    "rejected_path",
    type=click.Path(dir_okay=False),
    help="Write every rejected row problem here (.csv or .jsonl).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print counts, top alerts and rejections as JSON."
)
@click.option(
    "--engine",
    type=click.Choice(["single", "spark"]),
    default="single",
    show_default=True,
    help="spark: run on Apache Spark (pip install 'fentrace[spark]'; writes -o OUT.parquet).",
)
@click.option(
    "--master", default="local[2]", show_default=True, help="Spark master (with --engine spark)."
)
def screen(
    manifest: str,
    output: str | None,
    report: str | None,
    rules_path: str | None,
    as_of: str | None,
    min_level: str,
    rejected_path: str | None,
    as_json: bool,
    engine: str,
    master: str,
) -> None:
    """Screen MANIFEST (csv, xlsx, jsonl or parquet; '-' reads JSON lines or CSV from stdin)."""
    day = parse_date(as_of)
    if output is not None:
        _check_output(output)
    if rejected_path is not None and Path(rejected_path).suffix.lower() not in (
        ".csv",
        ".jsonl",
        ".json",
    ):
        raise UsageError(f"cannot tell the format of {rejected_path!r}: use .csv or .jsonl")
    for path in (output, report, rejected_path):
        check_output(path, None if manifest == "-" else manifest, rules_path)
    rules = load_rules(rules_path)
    if engine == "spark":
        if report is not None:
            raise UsageError("--report is not available with --engine spark")
        from fentrace.cli.spark_engine import screen_shipments  # PySpark loads only here

        screen_shipments(manifest, output, rules, day, min_level, rejected_path, as_json, master)
        return
    batch = (
        read_manifest_bytes(sys.stdin.buffer.read()) if manifest == "-" else read_manifest(manifest)
    )
    result = _screen_with_progress(batch, rules, day)
    written = write_alerts(result, output, min_level=min_level) if output is not None else None
    if report is not None:
        write_report(result, batch, report)
    if rejected_path is not None:
        write_rejections(result.rejected, rejected_path)
    top = result.at_least(min_level)
    if output == "-":
        return  # stdout carries the alerts
    if as_json:
        emit_json(
            {
                "counts": result.counts,
                "written": written,
                "output": output,
                "report": report,
                "distinct": result.distinct,
                "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
                "alerts": top.head(_TOP).with_columns(pl.col("date").cast(pl.String)).to_dicts(),
                "rejected": [r.to_dict() for r in result.rejected],
            }
        )
        return
    counts = result.counts
    print_table(
        ("read", "screened", "rejected", *LEVELS),
        [[counts[k] for k in ("read", "screened", "rejected", *LEVELS)]],
        title=f"Screened {Path(manifest).name}",
    )
    print_table(
        ("shipment", "score", "level", "shipper", "consignee", "reasons"),
        [
            (
                r["shipment_id"],
                f"{r['score']:.1f}",
                r["level"],
                r["shipper_name"],
                r["consignee_name"],
                _top_codes(r["reasons"]),
            )
            for r in top.head(_TOP).iter_rows(named=True)
        ],
        title=f"Top alerts (level {min_level} or above: {top.height})",
    )
    if result.rejected:
        shown = result.rejected[:_TOP]
        print_table(
            ("row", "field", "reason", "value"),
            [(r.row, r.field, r.reason, r.value) for r in shown],
            title=f"Rejected rows: {counts['rejected']} ({len(result.rejected)} problems"
            + (f", first {_TOP} shown)" if len(result.rejected) > _TOP else ")"),
        )
    if written is not None:
        click.echo(f"{written} alerts written to {output}")
    if report is not None:
        click.echo(f"report written to {report}")
    if rejected_path is not None:
        click.echo(f"{len(result.rejected)} rejected-row problems written to {rejected_path}")


def _top_codes(reasons: list[dict[str, object]], shown: int = 3) -> str:
    """The codes of the heaviest reasons, then how many more there are."""
    ranked = sorted(reasons, key=lambda r: -float(str(r["weight"])))
    codes = " ".join(str(r["code"]) for r in ranked[:shown])
    return codes + (f" +{len(ranked) - shown}" if len(ranked) > shown else "")


def _screen_with_progress(batch: Manifest, rules: Rules, day: date | None) -> ScreeningResult:
    if not sys.stderr.isatty():
        return screen_manifest(batch, rules, day)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]screening: {task.fields[stage]}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=stderr_console,
        transient=True,
    ) as bar:
        task = bar.add_task("screen", total=len(SCREEN_STAGES), stage="")

        def advance(stage: str) -> None:
            bar.update(task, completed=SCREEN_STAGES.index(stage), stage=stage)

        return screen_manifest(batch, rules, day, progress=advance)


@shipments.command(name="codes")
@click.option("--json", "as_json", is_flag=True, help="Print the codes as JSON.")
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False),
    help="Show the weights of this rules file.",
)
def codes(as_json: bool, rules_path: str | None) -> None:
    """List the indicator codes, their weights and what each means."""
    rules = load_rules(rules_path)
    rows = [
        (code, rules.weights.get(code, "per route"), text) for code, text in explain_codes().items()
    ]
    if as_json:
        emit_json([{"code": c, "weight": w, "explanation": t} for c, w, t in rows])
    else:
        print_table(("code", "weight", "explanation"), rows, title="Shipment risk indicators")
