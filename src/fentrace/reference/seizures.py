"""CBP fentanyl seizures per fiscal year, with the sources each figure comes from.

A separate file and loader (``data/cbp_fentanyl_seizures.yaml``) rather than a table of the
knowledge base: the series is used to calibrate the simulator, not to screen anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from fentrace.exc import DataFileError
from fentrace.reference.models import Source

SEIZURES_FILE = "cbp_fentanyl_seizures.yaml"
KG_PER_POUND = 0.45359237


@dataclass(frozen=True, slots=True)
class SeizureYear:
    """Fentanyl seized by CBP nationwide in one federal fiscal year (October to September)."""

    fiscal_year: int
    pounds: float
    status: str
    verified: bool
    precision: str
    source_ids: tuple[str, ...]

    @property
    def kg(self) -> float:
        """The weight in kilograms."""
        return self.pounds * KG_PER_POUND


@dataclass(frozen=True, slots=True)
class SeizureSeries:
    """The yearly figures and the sources they cite."""

    years: tuple[SeizureYear, ...]
    sources: dict[str, Source]


def _fail(file: str, where: str, reason: str) -> DataFileError:
    return DataFileError(f"{where}: {reason}", file=file)


def parse_seizures(data: object, file: str) -> SeizureSeries:
    """Validate the seizure file: sources with publisher, URL and retrieval date; rows citing them."""
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise _fail(file, "top level", "needs a 'sources' list and a 'series' list")
    sources: dict[str, Source] = {}
    for i, raw in enumerate(data["sources"]):
        if not isinstance(raw, dict) or not all(raw.get(k) for k in ("id", "publisher", "title")):
            raise _fail(file, f"source {i + 1}", "needs id, publisher and title")
        try:
            retrieved = date.fromisoformat(str(raw.get("retrieved")))
        except ValueError as error:
            raise _fail(
                file, f"source {raw['id']}", "retrieved must be a YYYY-MM-DD date"
            ) from error
        sources[str(raw["id"])] = Source(
            id=str(raw["id"]),
            publisher=str(raw["publisher"]),
            title=str(raw["title"]),
            url=raw.get("url"),
            retrieved=retrieved,
            note=str(raw.get("note") or ""),
        )
    rows = data.get("series")
    if not isinstance(rows, list) or not rows:
        raise _fail(file, "series", "needs at least one fiscal year")
    years: list[SeizureYear] = []
    for i, raw in enumerate(rows):
        where = f"series row {i + 1}"
        if not isinstance(raw, dict):
            raise _fail(file, where, "must be a mapping")
        year, pounds = raw.get("fiscal_year"), raw.get("pounds")
        if not isinstance(year, int) or isinstance(year, bool):
            raise _fail(file, where, "fiscal_year must be a year")
        if not isinstance(pounds, (int, float)) or isinstance(pounds, bool) or pounds <= 0:
            raise _fail(file, f"fiscal year {year}", "pounds must be a positive number")
        cited = tuple(str(s) for s in raw.get("sources") or ())
        if not cited:
            raise _fail(file, f"fiscal year {year}", "cites no source")
        unknown = [s for s in cited if s not in sources]
        if unknown:
            raise _fail(file, f"fiscal year {year}", f"unknown source {unknown[0]!r}")
        status = str(raw.get("status") or "").strip()
        if not status:
            raise _fail(file, f"fiscal year {year}", "needs a status")
        years.append(
            SeizureYear(
                fiscal_year=year,
                pounds=float(pounds),
                status=status,
                verified=status == "verified",
                precision=str(raw.get("precision") or ""),
                source_ids=cited,
            )
        )
    seen = [y.fiscal_year for y in years]
    if len(set(seen)) != len(seen):
        raise _fail(file, "series", "a fiscal year appears twice")
    return SeizureSeries(tuple(sorted(years, key=lambda y: y.fiscal_year)), sources)


@cache
def _bundled() -> SeizureSeries:
    text = resources.files("fentrace.reference").joinpath("data", SEIZURES_FILE).read_text()
    return parse_seizures(yaml.safe_load(text), f"fentrace/reference/data/{SEIZURES_FILE}")


def load_cbp_fentanyl_seizures(path: str | Path | None = None) -> SeizureSeries:
    """The bundled CBP fentanyl seizure series, or the one in ``path``."""
    if path is None:
        return _bundled()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileError(f"cannot read ({error.strerror})", file=str(path)) from error
    return parse_seizures(yaml.safe_load(text), str(path))
