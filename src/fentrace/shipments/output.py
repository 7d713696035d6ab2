"""Writing alerts: CSV (spreadsheet-safe), JSON lines or Parquet, chosen by the path's extension."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from fentrace.atomic import atomic_path, write_text_atomic
from fentrace.csvsafe import FORMULA_PREFIXES, formula_safe
from fentrace.csvsafe import formula_safe_expr as _formula_safe_expr
from fentrace.exc import UsageError
from fentrace.shipments.engine import ScreeningResult
from fentrace.shipments.schema import Rejection

__all__ = ["FORMULA_PREFIXES", "alerts_for_csv", "formula_safe", "write_alerts", "write_rejections"]


def alerts_for_csv(alerts: pl.DataFrame) -> pl.DataFrame:
    """Flatten alerts for CSV: reasons as JSON, a codes column, lists joined, strings formula-safe."""
    flat = alerts.with_columns(
        pl.col("reasons")
        .list.eval(pl.element().struct.field("code"))
        .list.join("|")
        .alias("codes"),
        pl.concat_str(
            pl.lit("["),
            pl.col("reasons").list.eval(pl.element().struct.json_encode()).list.join(","),
            pl.lit("]"),
        ).alias("reasons"),
        pl.col("transit_countries").list.join("|"),
    )
    order = ["shipment_id", "row", "score", "level", "codes", "reasons"]
    flat = flat.select(order + [c for c in flat.columns if c not in order])
    strings = [c for c, t in flat.schema.items() if t == pl.String and c != "reasons"]
    return flat.with_columns([_formula_safe_expr(c) for c in strings])


def write_alerts(
    result: ScreeningResult | pl.DataFrame, path: str | Path, *, min_level: str = "none"
) -> int:
    """Write the alerts at ``min_level`` or above to ``path`` (.csv, .jsonl or .parquet; '-' = JSON lines on stdout).

    Returns the number of alerts written.
    """
    alerts = result.at_least(min_level) if isinstance(result, ScreeningResult) else result
    target = str(path)
    suffix = "jsonl" if target == "-" else Path(target).suffix.lower().lstrip(".")
    if suffix == "json":
        suffix = "jsonl"
    if suffix not in ("csv", "jsonl", "parquet"):
        raise UsageError(
            f"cannot tell the output format of {target!r}: use .csv, .jsonl or .parquet"
        )
    if suffix == "csv":
        with atomic_path(target) as temp:
            alerts_for_csv(alerts).write_csv(temp)
    elif suffix == "parquet":
        with atomic_path(target) as temp:
            alerts.write_parquet(temp)
    else:
        text = alerts.with_columns(pl.col("date").cast(pl.String)).write_ndjson()
        if target == "-":
            sys.stdout.write(text)
        else:
            write_text_atomic(target, text)
    return alerts.height


def write_rejections(rejected: Sequence[Rejection], path: str | Path) -> int:
    """Write every rejected row problem (row, field, reason, value) as CSV (formula-safe) or JSON lines."""
    target = str(path)
    suffix = Path(target).suffix.lower().lstrip(".")
    frame = pl.DataFrame(
        [r.to_dict() for r in rejected],
        schema={"row": pl.Int64, "field": pl.String, "reason": pl.String, "value": pl.String},
        orient="row",
    )
    if suffix == "csv":
        with atomic_path(target) as temp:
            frame.with_columns(
                [_formula_safe_expr(c) for c in ("field", "reason", "value")]
            ).write_csv(temp)
    elif suffix in ("jsonl", "json"):
        write_text_atomic(target, frame.write_ndjson())
    else:
        raise UsageError(f"cannot tell the format of {target!r}: use .csv or .jsonl")
    return frame.height
