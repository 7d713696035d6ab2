"""The ``--engine spark`` paths of ``shipments screen``, ``chem screen-file`` and ``parties screen-file``.

Imported only when ``--engine spark`` is given, so the other commands never load PySpark.
Inputs: a Parquet file or directory, CSV, JSON lines (anything else Spark reads can be
screened from Python with :mod:`fentrace.spark`); outputs: a Parquet directory.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fentrace.cli._common import emit_json, print_table
from fentrace.exc import InputError, UsageError
from fentrace.shipments.rules import LEVELS, Rules

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_TOP = 20
_CORRUPT = "__fentrace_malformed"
#: Rejections listed on the terminal and in --json (all of them go to --rejected).
_SHOWN_REJECTIONS = 1000


def session(master: str) -> SparkSession:
    """The Spark session of a command: ``master`` (``local[N]`` on one machine)."""
    from fentrace.spark.session import local_session

    return local_session(master, driver_memory="2g")


def check_parquet_output(output: str | None) -> str:
    """The output path, absolute: ``--engine spark`` writes a Parquet directory.

    Absolute because the JVM resolves relative paths against its own working directory,
    which is where the session started, not where the command runs now.
    """
    if output is None or output == "-" or Path(output).suffix.lower() != ".parquet":
        raise UsageError(
            "--engine spark writes a Parquet directory: give -o OUT.parquet "
            f"(got {output or 'none'})"
        )
    return str(Path(output).resolve())


def read_input(spark: SparkSession, path: Path) -> tuple[DataFrame, int, str | None]:
    """``path`` as a DataFrame of its columns, the first data row's number and the
    column where records the CSV reader could not split are kept (CSV only)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    path = path.resolve()  # the JVM's working directory may not be this process's
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in (".parquet", ".pq"):
        return spark.read.parquet(str(path)), 1, None
    if suffix in (".jsonl", ".ndjson", ".json"):
        return spark.read.json(str(path)), 1, None
    if suffix in (".csv", ".tsv", ".txt"):
        from pyspark.sql.types import StringType, StructField, StructType

        delimiter = "\t" if suffix == ".tsv" else ","
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
        if not header:
            raise InputError(f"{path}: no header row")
        schema = StructType(
            [StructField(name, StringType()) for name in header]
            + [StructField(_CORRUPT, StringType())]
        )
        frame = spark.read.csv(
            str(path),
            schema=schema,
            header=True,
            sep=delimiter,
            mode="PERMISSIVE",
            columnNameOfCorruptRecord=_CORRUPT,
            encoding="UTF-8",
            escape='"',  # RFC 4180: a quote doubles; a backslash (SMILES stereo) is text
        )
        return frame, 2, _CORRUPT
    raise UsageError(
        f"{path}: --engine spark reads Parquet, CSV or JSON lines (got {suffix or 'no extension'})"
    )


def screen_shipments(
    manifest: str,
    output: str | None,
    rules: Rules,
    as_of: date | None,
    min_level: str,
    rejected_path: str | None,
    as_json: bool,
    master: str,
) -> None:
    """``fentrace shipments screen --engine spark``."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as sf

    from fentrace.shipments.output import write_rejections
    from fentrace.spark.manifest import rejections, screen_manifest

    target = check_parquet_output(output)
    if manifest == "-":
        raise UsageError("--engine spark reads a file or folder, not standard input")
    spark = session(master)
    frame, first_row, malformed = read_input(spark, Path(manifest))
    result = screen_manifest(
        frame,
        rules,
        as_of,
        first_row=first_row,
        malformed_column=malformed,
        source=manifest,
    )
    # one pass over the rows: the alerts are scored while they are written, and the count
    # per level is observed on the way (every level, also those below --min-level), instead
    # of caching every alert row in the JVM to count and write them
    observation = Observation("levels")
    observed = result.alerts.observe(
        observation,
        *(sf.count(sf.when(sf.col("level") == level, sf.lit(1))).alias(level) for level in LEVELS),
    )
    keep = list(LEVELS[: LEVELS.index(min_level) + 1])
    observed.filter(sf.col("level").isin(keep)).write.mode("overwrite").parquet(target)
    levels = {level: int(count) for level, count in observation.get.items()}
    counts = result.counts(levels)
    written = sum(levels.get(level, 0) for level in keep)
    kept = spark.read.parquet(target)  # only the written alerts, read back for the top ones
    top = [
        r.asDict(recursive=True)
        for r in kept.orderBy(sf.desc("score"), "row").limit(_TOP).collect()
    ]
    shown = rejections(result, _SHOWN_REJECTIONS)
    if rejected_path is not None:
        write_rejections(rejections(result), rejected_path)
    result.unpersist()
    if as_json:
        emit_json(
            {
                "counts": counts,
                "written": written,
                "output": target,
                "engine": "spark",
                "master": master,
                "distinct": result.distinct,
                "alerts": [{**a, "date": str(a["date"])} for a in top],
                "rejected": [r.to_dict() for r in shown],
            }
        )
        return
    print_table(
        ("read", "screened", "rejected", *LEVELS),
        [[counts[k] for k in ("read", "screened", "rejected", *LEVELS)]],
        title=f"Screened {Path(manifest).name} on Spark ({master})",
    )
    print_table(
        ("shipment", "score", "level", "shipper", "consignee", "reasons"),
        [
            (
                a["shipment_id"],
                f"{a['score']:.1f}",
                a["level"],
                a["shipper_name"],
                a["consignee_name"],
                " ".join(r["code"] for r in sorted(a["reasons"], key=lambda r: -r["weight"])[:3]),
            )
            for a in top
        ],
        title=f"Top alerts (level {min_level} or above: {written})",
    )
    if shown:
        print_table(
            ("row", "field", "reason", "value"),
            [(r.row, r.field, r.reason, r.value) for r in shown[:_TOP]],
            title=f"Rejected rows: {counts['rejected']}",
        )
    click.echo(f"{written} alerts written to {target}")
    if rejected_path is not None:
        click.echo(f"rejected-row problems written to {rejected_path}")


def screen_chemicals(
    file: Path,
    output: str,
    column: str | None,
    id_column: str | None,
    as_of: date,
    master: str,
    monocycle_reading: str,
) -> None:
    """``fentrace chem screen-file --engine spark``."""
    from fentrace.chemistry.batch import ID_COLUMNS, QUERY_COLUMNS
    from fentrace.spark.chem import screen_structures, structure_counts

    target = check_parquet_output(output)
    spark = session(master)
    # chem screen-file numbers records from 1 (the row after the header)
    frame, _first_line, malformed = read_input(spark, file)
    if malformed is not None:
        frame = frame.drop(malformed)
    if column is None:
        lowered = {name.strip().lower(): name for name in frame.columns}
        column = next((lowered[c] for c in QUERY_COLUMNS if c in lowered), None)
        if column is None:
            raise InputError(
                "no column named smiles, cas, name, ...: name one with --column "
                f"(columns: {', '.join(frame.columns)})"
            )
    if column not in frame.columns:
        raise InputError(f"column {column!r} not in the file (columns: {', '.join(frame.columns)})")
    if id_column is None:  # as the single-process CSV reader picks it
        lowered = {name.strip().lower(): name for name in frame.columns}
        id_column = next(
            (lowered[c] for c in ID_COLUMNS if c in lowered and lowered[c] != column), None
        )
    results = screen_structures(
        frame,
        column,
        as_of,
        id_column=id_column,
        first_record=1,
        monocycle_reading=monocycle_reading,
    )
    results.write.mode("overwrite").parquet(target)
    counts = structure_counts(spark.read.parquet(target))
    verdicts = ", ".join(f"{k} {v}" for k, v in counts.verdicts.items()) or "none"
    click.echo(
        f"read {counts.read}, screened {counts.screened}, rejected {counts.rejected}; "
        f"verdicts: {verdicts}; written to {target}",
        err=True,
    )


def screen_parties(
    file: Path,
    column: str,
    country_column: str | None,
    identifier_column: str | None,
    output: str,
    lists: Sequence[Path],
    no_bundled: bool,
    master: str,
) -> None:
    """``fentrace parties screen-file --engine spark``."""
    from fentrace.spark.parties import match_parties, party_counts

    target = check_parquet_output(output)
    if no_bundled and not lists:
        raise UsageError("--no-bundled needs at least one --list FILE")
    spark = session(master)
    frame, first_row, malformed = read_input(spark, file)
    if malformed is not None:
        frame = frame.drop(malformed)
    results = match_parties(
        frame,
        column,
        lists,
        bundled=not no_bundled,
        country_column=country_column,
        identifier_column=identifier_column,
        first_row=first_row,
    )
    results.write.mode("overwrite").parquet(target)
    counts = party_counts(spark.read.parquet(target))
    click.echo(
        f"read {counts['read']} rows, screened {counts['screened']}, rejected {counts['rejected']}; "
        f"match {counts['match']}, possible {counts['possible']}, none {counts['none']}; "
        f"written to {target}",
        err=True,
    )
