"""Resource bounds on untrusted input, each configurable by an environment variable.

A record, line, cell or archive past its bound is rejected with a located message that says
which bound cut it and how to raise it; it never runs away with time or memory. The defaults
are listed in ``docs/security.md``. A variable that is set but is not a positive number is a
:class:`~fentrace.exc.ConfigError` naming the variable.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from fentrace.exc import ConfigError


@dataclass(frozen=True, slots=True)
class Bound:
    """One resource bound: its environment variable, default and what it limits."""

    env: str
    default: float
    unit: str
    what: str


#: Every bound by name. ``lock_wait_s`` may be 0; every other bound must be positive.
BOUNDS: dict[str, Bound] = {
    "smiles_chars": Bound(
        "FENTRACE_MAX_SMILES_CHARS",
        20_000,
        "characters",
        "length of one SMILES, checked before it is parsed",
    ),
    "query_chars": Bound(
        "FENTRACE_MAX_QUERY_CHARS",
        1_000_000,
        "characters",
        "length of any other chemical query (molfile, InChI, name), checked before parsing",
    ),
    "heavy_atoms": Bound(
        "FENTRACE_MAX_HEAVY_ATOMS",
        1000,
        "heavy atoms",
        "heavy atoms in one molecule",
    ),
    "rings": Bound(
        "FENTRACE_MAX_RINGS",
        100,
        "rings",
        "rings in one molecule (fused ring systems make substructure search slow)",
    ),
    "line_bytes": Bound(
        "FENTRACE_MAX_LINE_BYTES",
        1_048_576,
        "bytes",
        "one line of a .smi or .sdf file (longer lines are skipped without being kept)",
    ),
    "field_chars": Bound(
        "FENTRACE_MAX_FIELD_CHARS",
        1_048_576,
        "characters",
        "one CSV cell (the Python csv module's own limit is raised to this)",
    ),
    "xlsx_entries": Bound(
        "FENTRACE_MAX_XLSX_ENTRIES",
        10_000,
        "zip entries",
        "files inside one xlsx workbook",
    ),
    "xlsx_bytes": Bound(
        "FENTRACE_MAX_XLSX_BYTES",
        512 * 1024 * 1024,
        "bytes",
        "total uncompressed size of one xlsx workbook",
    ),
    "xlsx_ratio": Bound(
        "FENTRACE_MAX_XLSX_RATIO",
        200,
        "times",
        "uncompressed / compressed size of one xlsx entry (a zip bomb expands far more)",
    ),
    "simulation_shipments": Bound(
        "FENTRACE_MAX_SIMULATION_SHIPMENTS",
        20_000_000,
        "shipments",
        "expected shipments of one simulation run (--volume 1 is about a million)",
    ),
    "lock_wait_s": Bound(
        "FENTRACE_LOCK_WAIT_S",
        0,
        "seconds",
        "how long a run waits for another one writing the same output path",
    ),
}


def bound(name: str) -> float:
    """The value of bound ``name``: its environment variable when set, else its default."""
    spec = BOUNDS[name]
    raw = os.environ.get(spec.env)
    if raw is None or not raw.strip():
        return spec.default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    minimum_ok = value >= 0 if name == "lock_wait_s" else value > 0
    if not math.isfinite(value) or not minimum_ok:
        raise ConfigError(
            f"{spec.env}={raw!r}: not a {'non-negative' if name == 'lock_wait_s' else 'positive'}"
            f" number of {spec.unit}"
        )
    return value


def int_bound(name: str) -> int:
    """A bound counted in whole units."""
    return int(bound(name))


def over_bound(name: str, size: int) -> str | None:
    """The rejection message when ``size`` passes bound ``name``, else None."""
    return over_limit(name, size, int_bound(name))


def over_limit(name: str, size: int, limit: int) -> str | None:
    """:func:`over_bound` against a value of the bound read before (``int_bound(name)``):
    batch screening reads its bounds once, not the environment per record."""
    if size <= limit:
        return None
    spec = BOUNDS[name]
    return f"{spec.what}: {size:,} {spec.unit}, more than the limit of {limit:,} ({spec.env})"
