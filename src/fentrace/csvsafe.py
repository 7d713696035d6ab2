"""CSV cells made safe against formula injection, for every CSV fentrace writes.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (``=HYPERLINK(...)``, ``=cmd|...``). Names, descriptions, queries
and file contents reach fentrace's CSV outputs from people who may be hostile, so every text
cell that starts with one of those characters gets a leading apostrophe (the OWASP advice),
which spreadsheets show as text. Numbers are never text cells and are written unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # polars is imported when a frame is made safe: a quarter of a second that
    import polars as pl  # the batch screen-file start-up (CSV, JSON lines) does not need

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"^[=+\-@\t\r]"


def formula_safe(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a quote (OWASP CSV injection advice)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def safe_cell(value: Any) -> Any:
    """``value`` with text made formula-safe; other types unchanged."""
    return formula_safe(value) if isinstance(value, str) else value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row of cells with every text cell made formula-safe."""
    # formula_safe inlined: batch outputs write millions of rows, and a call per cell showed
    return ["'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v for v in row]


def formula_safe_expr(column: str) -> pl.Expr:
    """A Polars expression making a text column formula-safe."""
    import polars as pl

    col = pl.col(column)
    return pl.when(col.str.contains(_PATTERN)).then(pl.lit("'") + col).otherwise(col).alias(column)


def formula_safe_frame(frame: pl.DataFrame, skip: Sequence[str] = ()) -> pl.DataFrame:
    """Every text column of ``frame`` (except ``skip``) made formula-safe."""
    import polars as pl

    strings = [c for c, t in frame.schema.items() if t == pl.String and c not in skip]
    return frame.with_columns([formula_safe_expr(c) for c in strings]) if strings else frame
