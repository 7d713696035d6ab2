"""Where the network gets its inputs: manifest rows, party name keys, watchlist hits, chemical names.

Each input sits behind one small function over the package that owns it: manifests are read and
validated by ``fentrace.shipments``, names are grouped by ``fentrace.parties``' normaliser and
screened against its watchlist, chemicals are named by the ``fentrace.reference`` knowledge base.
Tests may pass lighter stand-ins (``simple_name_key``, ``watch_lookup_from_names``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from fentrace.exc import DataFileError, InputError, UsageError
from fentrace.parties import PartyScreener, load_watchlist, normalise_name
from fentrace.reference import load_knowledge_base
from fentrace.shipments import Manifest, read_manifest, screen_manifest
from fentrace.shipments.schema import REQUIRED_COLUMNS

#: The manifest columns the network reads (DESIGN.md "Manifest"); others are ignored.
REQUIRED = REQUIRED_COLUMNS
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
    screened = [
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in (("screen_level", pl.String), ("screen_score", pl.Float64))
    ]
    return frame.select([*columns, *screened, row.alias("row"), pl.lit(source).alias("source")])


def read_manifests(paths: Sequence[str | Path], *, screen: bool = False) -> ManifestRows:
    """Read and validate manifest files into one frame of network rows.

    ``fentrace.shipments.read_manifest`` validates them (many formats, every rejected row kept
    with its reason). With ``screen``, each file is also screened by
    ``fentrace.shipments.screen_manifest`` and every row gets its ``screen_level`` (one of
    ``LEVELS``) and ``screen_score``, so that analyses can keep the suspicious trade only.
    """
    frames: list[pl.DataFrame] = []
    rejected: list[RejectedRow] = []
    read_count = 0
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        manifest = read_manifest(path)
        frame = manifest.frame
        if screen:
            frame = frame.join(_screen_levels(manifest), on="row", how="left")
        frames.append(conform(frame, str(path)))
        rejected.extend(
            RejectedRow(str(path), int(r.row), str(r.field), str(r.reason))
            for r in manifest.rejected
        )
        read_count += int(manifest.read_count)
    if not frames:
        raise InputError("no manifest given")
    return ManifestRows(pl.concat(frames, how="vertical_relaxed"), rejected, read_count)


def _screen_levels(manifest: Manifest) -> pl.DataFrame:
    """Each row's screening level and score (``row``, ``screen_level``, ``screen_score``)."""
    alerts = screen_manifest(manifest).alerts
    return alerts.select(
        pl.col("row").cast(pl.Int64),
        pl.col("level").cast(pl.String).alias("screen_level"),
        pl.col("score").cast(pl.Float64).alias("screen_score"),
    )


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

    A light key for small hand-built graphs and for names the parties normaliser reduces to
    nothing (e.g. a bare legal form).
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("bio-tech", "biotech").replace("bio tech", "biotech")
    tokens = [t for t in _NON_WORD.split(folded) if t and t not in _LEGAL_FORMS]
    return " ".join(sorted(tokens)) or folded.strip()


def default_name_key() -> Callable[[str], str]:
    """The parties package's grouping key (``normalise_name(name).key``)."""

    def key(name: str) -> str:
        return str(normalise_name(name).key) or simple_name_key(name)

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


def default_watch_lookup() -> WatchLookup:
    """Screen names with the parties package's bundled watchlist."""
    screener = PartyScreener(load_watchlist())

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
    """Name chemicals by CAS (or by a name the description is) through the knowledge base."""
    kb: Any = None
    try:
        kb = load_knowledge_base()
    except DataFileError:  # a broken knowledge base leaves the manifest's own words as labels
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
    try:
        kb = load_knowledge_base()
    except DataFileError:  # as in default_chemical_namer: match on the manifest's words only
        kb = None
    if kb is not None:
        substance = kb.substance_by_name(query) or kb.substance_by_cas(query)
        if substance is not None:
            wanted_ids.add(str(substance.id).lower())
    needle = query.lower()

    def matches(substance_id: str | None, cas: str | None, label: str | None) -> bool:
        if substance_id is not None and substance_id.lower() in wanted_ids:
            return True
        if cas is not None and cas.lower() == needle:
            return True
        return label is not None and needle in label.lower()

    return matches
