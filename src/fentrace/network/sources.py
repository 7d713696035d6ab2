"""Where the network gets its inputs: manifest rows, party name keys, watchlist hits, chemical names.

Each input sits behind one small function so that the network code does not care whether the
shipments, parties and reference packages are present: when one is, it is used (its validation,
its name normaliser, its knowledge base); when it is not, a documented fallback keeps the
network usable and testable on its own.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from fentrace.exc import DataFileError, InputError

#: The manifest columns the network reads (DESIGN.md "Manifest"); others are ignored.
REQUIRED = (
    "shipment_id",
    "date",
    "shipper_name",
    "shipper_country",
    "consignee_name",
    "consignee_country",
    "description",
)
OPTIONAL = (
    "hs_code",
    "cas",
    "quantity_kg",
    "transit_countries",
    "forwarder_name",
    "notify_party",
    "shipper_address",
    "consignee_address",
    "consignee_phone",
    "consignee_email",
    "transport_mode",
)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """One manifest row the network could not use, with where and why."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r}: {self.reason}"


@dataclass(slots=True)
class ManifestRows:
    """Valid rows of one or more manifests, in the network's column layout, plus rejections."""

    frame: pl.DataFrame
    rejected: list[RejectedRow]
    read_count: int


def _optional_attr(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def conform(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Give a validated manifest frame exactly the network's columns and types.

    ``date`` becomes a Date, ``quantity_kg`` a Float64, ``transit_countries`` a list of
    country codes, every other column a string; missing optional columns are null.
    """
    columns: list[pl.Expr] = []
    for name in REQUIRED + OPTIONAL:
        if name not in frame.columns:
            if name == "transit_countries":
                columns.append(pl.lit(None, dtype=pl.List(pl.String)).alias(name))
            elif name == "quantity_kg":
                columns.append(pl.lit(None, dtype=pl.Float64).alias(name))
            elif name == "date":
                columns.append(pl.lit(None, dtype=pl.Date).alias(name))
            else:
                columns.append(pl.lit(None, dtype=pl.String).alias(name))
            continue
        dtype = frame.schema[name]
        col = pl.col(name)
        if name == "date":
            columns.append(col if dtype == pl.Date else col.cast(pl.String).str.to_date())
        elif name == "quantity_kg":
            columns.append(col.cast(pl.Float64))
        elif name == "transit_countries":
            if isinstance(dtype, pl.List):
                columns.append(col.cast(pl.List(pl.String)))
            else:
                columns.append(
                    col.cast(pl.String)
                    .str.to_uppercase()
                    .str.split("|")
                    .list.eval(pl.element().str.strip_chars())
                    .list.filter(pl.element() != "")
                )
        else:
            columns.append(col.cast(pl.String))
    row = (
        pl.col("row").cast(pl.Int64)
        if "row" in frame.columns
        else pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    )
    return frame.select([*columns, row.alias("row"), pl.lit(source).alias("source")])


def _fallback_read(path: Path) -> ManifestRows:
    """Read a CSV or Parquet manifest with Polars and reject rows lacking a required field."""
    try:
        if path.suffix.lower() == ".parquet":
            raw = pl.read_parquet(path)
        else:
            raw = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the manifest ({error})") from error
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: the manifest lacks the column(s) {', '.join(missing)}")
    # Rows are numbered as file lines (the header is line 1), as the shipments reader does.
    raw = raw.with_row_index("row", offset=1 if path.suffix.lower() == ".parquet" else 2)
    rejected: list[RejectedRow] = []
    bad = pl.lit(False)
    for name in REQUIRED:
        empty = pl.col(name).cast(pl.String).str.strip_chars().fill_null("") == ""
        for row in raw.filter(empty)["row"].to_list():
            rejected.append(RejectedRow(str(path), int(row), name, "empty required field"))
        bad = bad | empty
    parsed = raw.with_columns(
        pl.col("date").cast(pl.String).str.to_date(strict=False).alias("_date")
    )
    bad_date = pl.col("_date").is_null() & pl.col("date").is_not_null()
    for row, value in parsed.filter(bad_date).select("row", "date").iter_rows():
        rejected.append(RejectedRow(str(path), int(row), "date", f"not an ISO date: {value!r}"))
    good = parsed.filter(~(bad | bad_date)).with_columns(pl.col("_date").alias("date"))
    if "quantity_kg" in good.columns:
        good = good.with_columns(pl.col("quantity_kg").cast(pl.Float64, strict=False))
    return ManifestRows(conform(good.drop("_date"), str(path)), rejected, raw.height)


def read_manifests(paths: Sequence[str | Path]) -> ManifestRows:
    """Read and validate manifest files into one frame of network rows.

    Uses ``fentrace.shipments.read_manifest`` (full validation, many formats) when that package
    provides it, otherwise a plain Polars reader of CSV/Parquet that checks the required fields.
    """
    reader = _optional_attr("fentrace.shipments", "read_manifest")
    frames: list[pl.DataFrame] = []
    rejected: list[RejectedRow] = []
    read_count = 0
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        if reader is None:
            rows = _fallback_read(path)
            frames.append(rows.frame)
            rejected.extend(rows.rejected)
            read_count += rows.read_count
            continue
        manifest = reader(path)
        frames.append(conform(manifest.frame, str(path)))
        rejected.extend(
            RejectedRow(str(path), int(r.row), str(r.field), str(r.reason))
            for r in manifest.rejected
        )
        read_count += int(manifest.read_count)
    if not frames:
        raise InputError("no manifest given")
    return ManifestRows(pl.concat(frames, how="vertical_relaxed"), rejected, read_count)


def rows_from_frame(frame: pl.DataFrame, source: str = "<frame>") -> ManifestRows:
    """Network rows from an in-memory manifest frame (tests, benchmark, simulation)."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: the manifest lacks the column(s) {', '.join(missing)}")
    return ManifestRows(conform(frame, source), [], frame.height)


# ---------------------------------------------------------------------------------------------
# Party name keys

_LEGAL_FORMS = frozenset(
    {
        *("co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited"),
        *("llc", "gmbh", "sa", "sas", "srl", "bv", "nv", "plc", "ag", "pte", "pvt", "sdn"),
        *("bhd", "de", "cv", "s", "a", "c", "v", "group", "holding", "holdings", "trading"),
        *("industrial", "international", "intl", "the", "and", "of"),
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def simple_name_key(name: str) -> str:
    """Case-, accent-, punctuation-, legal-form- and token-order-insensitive key of a name.

    The fallback used when the parties package offers no ``normalise_name``.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("bio-tech", "biotech").replace("bio tech", "biotech")
    tokens = [t for t in _NON_WORD.split(folded) if t and t not in _LEGAL_FORMS]
    return " ".join(sorted(tokens)) or folded.strip()


def default_name_key() -> Callable[[str], str]:
    """The parties package's grouping key (``normalise_name(name).key``), or the fallback."""
    normalise = _optional_attr("fentrace.parties", "normalise_name")
    if normalise is None:
        return simple_name_key

    def key(name: str) -> str:
        return str(normalise(name).key) or simple_name_key(name)

    return key


# ---------------------------------------------------------------------------------------------
# Watchlist hits


@dataclass(frozen=True, slots=True)
class WatchHit:
    """A party's best watchlist match: what it matched, how strongly, what the list says to do."""

    entity_id: str
    name: str
    score: float
    action: str
    source: str
    verdict: str


WatchLookup = Callable[[Sequence[str], Sequence[str | None]], list[WatchHit | None]]


def default_watch_lookup() -> WatchLookup | None:
    """Screen names with the parties package's bundled watchlist; None when it is absent."""
    load = _optional_attr("fentrace.parties", "load_watchlist")
    screener_type = _optional_attr("fentrace.parties", "PartyScreener")
    if load is None or screener_type is None:
        return None
    screener = screener_type(load())

    def lookup(names: Sequence[str], countries: Sequence[str | None]) -> list[WatchHit | None]:
        hits: list[WatchHit | None] = []
        for result in screener.screen_many(list(names), list(countries)):
            if result.verdict not in ("match", "possible") or not result.matches:
                hits.append(None)
                continue
            best = result.matches[0]
            hits.append(
                WatchHit(
                    entity_id=str(best.entity_id),
                    name=str(best.name),
                    score=float(best.score),
                    action=str(getattr(best, "action", "") or ""),
                    source=str(getattr(best, "source", "") or ""),
                    verdict=str(result.verdict),
                )
            )
        return hits

    return lookup


def watch_lookup_from_names(entries: Iterable[tuple[str, str, str]]) -> WatchLookup:
    """A lookup that matches names exactly by key against ``(name, action, source)`` entries."""
    key = default_name_key()
    table = {key(name): (name, action, source) for name, action, source in entries}

    def lookup(names: Sequence[str], countries: Sequence[str | None]) -> list[WatchHit | None]:
        out: list[WatchHit | None] = []
        for name in names:
            found = table.get(key(name))
            out.append(
                None
                if found is None
                else WatchHit(found[0], found[0], 1.0, found[1], found[2], "match")
            )
        return out

    return lookup


# ---------------------------------------------------------------------------------------------
# Chemical labels


@dataclass(frozen=True, slots=True)
class ChemicalLabel:
    """What a shipment carries, as the knowledge base names it (or as the manifest describes it)."""

    substance_id: str | None
    name: str


ChemicalNamer = Callable[[str | None, str], ChemicalLabel]


def default_chemical_namer() -> ChemicalNamer:
    """Name chemicals by CAS through the reference knowledge base when it is available."""
    load = _optional_attr("fentrace.reference", "load_knowledge_base")
    kb: Any = None
    if load is not None:
        try:
            kb = load()
        except DataFileError:
            kb = None

    def name(cas: str | None, description: str) -> ChemicalLabel:
        if kb is not None and cas:
            substance = kb.substance_by_cas(cas)
            if substance is not None:
                return ChemicalLabel(str(substance.id), str(substance.name))
        if kb is not None and description:
            substance = kb.substance_by_name(description)
            if substance is not None:
                return ChemicalLabel(str(substance.id), str(substance.name))
        return ChemicalLabel(f"cas:{cas}" if cas else None, description)

    return name


def chemical_matcher(query: str) -> Callable[[str | None, str | None, str | None], bool]:
    """A predicate telling whether a shipment (substance id, CAS, label) carries ``query``.

    The query may be a knowledge-base id or name, a CAS number or words of the description.
    """
    wanted_ids: set[str] = {query.lower()}
    load = _optional_attr("fentrace.reference", "load_knowledge_base")
    if load is not None:
        try:
            kb = load()
            substance = kb.substance_by_name(query) or kb.substance_by_cas(query)
            if substance is not None:
                wanted_ids.add(str(substance.id).lower())
        except DataFileError:
            pass
    needle = query.lower()

    def matches(substance_id: str | None, cas: str | None, label: str | None) -> bool:
        if substance_id is not None and substance_id.lower() in wanted_ids:
            return True
        if cas is not None and cas.lower() == needle:
            return True
        return label is not None and needle in label.lower()

    return matches
