"""The party graph: parties as integer nodes, shipments as columnar edges, links beside them.

Compact by design so that a million shipments build in seconds: every table is a Polars frame
keyed by integer ids, and the two time-sorted adjacency indexes that tracing walks are NumPy
arrays (compressed sparse rows ordered by node, then day). networkx is only used by the
algorithms that need it, on the collapsed party-to-party graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from fentrace.network.sources import (
    ChemicalNamer,
    ManifestRows,
    RejectedRow,
    WatchLookup,
    default_chemical_namer,
    default_name_key,
    simple_name_key,
)

IntArray = npt.NDArray[np.int64]

#: Party roles as they are recorded on a node.
ROLES = ("shipper", "consignee", "forwarder", "notify")
#: Contact fields of the manifest that link parties, with the role that owns the contact.
CONTACT_FIELDS = (
    ("consignee_phone", "consignee_name", "phone"),
    ("consignee_email", "consignee_name", "email"),
    ("consignee_address", "consignee_name", "address"),
    ("shipper_address", "shipper_name", "address"),
)
#: A contact shared by more parties than this links each of them to the first only (a star),
#: so that a forwarder's address on thousands of rows does not make a quadratic clique.
MAX_CONTACT_CLIQUE = 12
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class EdgeIndex:
    """Edges grouped by one endpoint and sorted by day within each group (CSR layout).

    ``order[offsets[v]:offsets[v + 1]]`` are the edges at node ``v`` by ascending day;
    ``keys`` is ``node * 2**32 + day`` in the same order, for binary search on (node, day).
    """

    order: IntArray
    keys: IntArray
    offsets: IntArray

    @classmethod
    def build(cls, node: IntArray, day: IntArray, n_nodes: int) -> EdgeIndex:
        keys = node.astype(np.int64) * (1 << 32) + day.astype(np.int64)
        order = np.argsort(keys, kind="stable").astype(np.int64)
        counts = np.bincount(node, minlength=n_nodes).astype(np.int64)
        offsets = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(order=order, keys=keys[order], offsets=offsets)


@dataclass(slots=True)
class PartyGraph:
    """Parties, shipments and the links between parties, with time-sorted indexes.

    ``parties``: node, key, name, spellings, countries, roles, shipments_out/in, kg_out/in and
    the watchlist columns (watch_entity, watch_name, watch_score, watch_action, watch_source).
    ``shipments``: edge, shipment_id, src, dst, date, day, substance_id, chemical, cas,
    quantity_kg, hs_code, origin, transit, destination, forwarder, notify, transport_mode,
    source, row. ``links``: a, b, kind (forwarder_of | notify_for | shares_contact), value,
    shipments (count), example (a shipment id). ``contacts``: node, kind, value.
    """

    parties: pl.DataFrame
    shipments: pl.DataFrame
    links: pl.DataFrame
    contacts: pl.DataFrame
    out_index: EdgeIndex
    in_index: EdgeIndex
    day_zero: date
    src_array: IntArray
    dst_array: IntArray
    day_array: IntArray
    rejected: list[RejectedRow] = field(default_factory=list)
    read_count: int = 0
    name_key: Callable[[str], str] = simple_name_key

    @property
    def n_parties(self) -> int:
        return self.parties.height

    @property
    def n_shipments(self) -> int:
        return self.shipments.height

    def src(self) -> IntArray:
        """Shipper node of every shipment, by edge id."""
        return self.src_array

    def dst(self) -> IntArray:
        """Consignee node of every shipment, by edge id."""
        return self.dst_array

    def day(self) -> IntArray:
        """Day of every shipment, counted from ``day_zero``, by edge id."""
        return self.day_array

    def party(self, node: int) -> dict[str, object]:
        """One party's attributes as a plain dict."""
        return self.parties.row(node, named=True)

    def name_of(self, node: int) -> str:
        return str(self.parties["name"][node])


_DIGITS = re.compile(r"\D+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _contact_norm(kind: str) -> pl.Expr:
    value = pl.col("value").str.strip_chars()
    if kind == "phone":
        digits = value.str.replace_all(r"\D+", "")
        return pl.when(digits.str.len_chars() >= 6).then(digits).otherwise(None)
    if kind == "email":
        return value.str.to_lowercase()
    folded = value.str.to_lowercase().str.replace_all(r"[^0-9a-z]+", " ").str.strip_chars()
    return pl.when(folded.str.len_chars() >= 8).then(folded).otherwise(None)


def _name_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Every (name, country, role) mention of a party on the manifest rows, with its edge."""
    parts = [
        frame.select(
            pl.col("edge"),
            pl.col("shipper_name").alias("spelling"),
            pl.col("shipper_country").alias("country"),
            pl.lit("shipper").alias("role"),
        ),
        frame.select(
            pl.col("edge"),
            pl.col("consignee_name").alias("spelling"),
            pl.col("consignee_country").alias("country"),
            pl.lit("consignee").alias("role"),
        ),
        frame.select(
            pl.col("edge"),
            pl.col("forwarder_name").alias("spelling"),
            pl.lit(None, dtype=pl.String).alias("country"),
            pl.lit("forwarder").alias("role"),
        ),
        frame.select(
            pl.col("edge"),
            pl.col("notify_party").alias("spelling"),
            pl.lit(None, dtype=pl.String).alias("country"),
            pl.lit("notify").alias("role"),
        ),
    ]
    mentions = pl.concat(parts).with_columns(pl.col("spelling").str.strip_chars())
    return mentions.filter(pl.col("spelling").is_not_null() & (pl.col("spelling") != ""))


def _resolve_keys(mentions: pl.DataFrame, name_key: Callable[[str], str]) -> pl.DataFrame:
    """Give each mention the node of its party: one node per name key, ids in key order.

    Spellings that differ only in case, punctuation or spacing are keyed once
    (through their first spelling): a name key ignores those anyway, and the normaliser is
    the costly step of a big build.
    """
    spellings = (
        mentions.select("spelling")
        .unique()
        .with_columns(
            pl.col("spelling")
            .str.to_lowercase()
            .str.replace_all(r"[\s\p{P}]+", " ")
            .str.strip_chars()
            .alias("folded")
        )
    )
    representatives = spellings.group_by("folded").agg(pl.col("spelling").min().alias("first"))
    keys_of = pl.DataFrame(
        {
            "folded": representatives["folded"],
            "key": [name_key(s) for s in representatives["first"].to_list()],
        },
        schema={"folded": pl.String, "key": pl.String},
    )
    keyed = spellings.join(keys_of, on="folded").select("spelling", "key")
    keys = keyed["key"].unique().sort()
    key_ids = pl.DataFrame({"key": keys, "node": np.arange(len(keys), dtype=np.uint32)})
    keyed = keyed.join(key_ids, on="key")
    return mentions.join(keyed, on="spelling", how="left")


def _party_table(mentions: pl.DataFrame, shipments: pl.DataFrame) -> pl.DataFrame:
    spell = (
        mentions.group_by("node", "spelling")
        .agg(pl.len().alias("n"))
        .sort(["node", "n", "spelling"], descending=[False, True, False])
        .group_by("node", maintain_order=True)
        .agg(pl.col("spelling").alias("spellings"))
    )
    attrs = mentions.group_by("node").agg(
        pl.col("key").first(),
        pl.col("country").drop_nulls().unique().sort().alias("countries"),
        pl.col("role").unique().alias("roles_set"),
    )
    out = shipments.group_by("src").agg(
        pl.len().cast(pl.UInt32).alias("shipments_out"),
        pl.col("quantity_kg").sum().alias("kg_out"),
    )
    inn = shipments.group_by("dst").agg(
        pl.len().cast(pl.UInt32).alias("shipments_in"),
        pl.col("quantity_kg").sum().alias("kg_in"),
    )
    parties = (
        attrs.join(spell, on="node")
        .join(out, left_on="node", right_on="src", how="left")
        .join(inn, left_on="node", right_on="dst", how="left")
        .sort("node")
        .with_columns(
            pl.col("spellings").list.first().alias("name"),
            pl.concat_list(
                [pl.when(pl.col("roles_set").list.contains(r)).then(pl.lit(r)) for r in ROLES]
            )
            .list.drop_nulls()
            .alias("roles"),
            pl.col("shipments_out").fill_null(0),
            pl.col("shipments_in").fill_null(0),
            pl.col("kg_out").fill_null(0.0),
            pl.col("kg_in").fill_null(0.0),
        )
    )
    return parties.select(
        "node",
        "key",
        "name",
        "spellings",
        "countries",
        "roles",
        "shipments_out",
        "shipments_in",
        "kg_out",
        "kg_in",
    )


def _watch_columns(parties: pl.DataFrame, watch: WatchLookup | None) -> pl.DataFrame:
    names = parties["name"].to_list()
    countries = [c[0] if c else None for c in parties["countries"].to_list()]
    hits = watch(names, countries) if watch is not None else [None] * len(names)
    return parties.with_columns(
        pl.Series("watch_entity", [h.entity_id if h else None for h in hits], pl.String),
        pl.Series("watch_name", [h.name if h else None for h in hits], pl.String),
        pl.Series("watch_score", [h.score if h else None for h in hits], pl.Float64),
        pl.Series("watch_verdict", [h.verdict if h else None for h in hits], pl.String),
        pl.Series("watch_action", [h.action if h else None for h in hits], pl.String),
        pl.Series("watch_source", [h.source if h else None for h in hits], pl.String),
    )


def _chemicals(frame: pl.DataFrame, namer: ChemicalNamer) -> pl.DataFrame:
    pairs = frame.select("cas", "description").unique()
    labels = [namer(cas, desc or "") for cas, desc in pairs.iter_rows()]
    named = pairs.with_columns(
        pl.Series("substance_id", [lab.substance_id for lab in labels], pl.String),
        pl.Series("chemical", [lab.name for lab in labels], pl.String),
    )
    return frame.join(named, on=["cas", "description"], how="left", nulls_equal=True)


def _links(frame: pl.DataFrame) -> pl.DataFrame:
    fwd = frame.filter(pl.col("forwarder").is_not_null())
    parts = [
        fwd.select(
            pl.col("forwarder").alias("a"),
            pl.col("src").alias("b"),
            pl.lit("forwarder_of").alias("kind"),
            pl.lit(None, dtype=pl.String).alias("value"),
            "shipment_id",
        ),
        fwd.select(
            pl.col("forwarder").alias("a"),
            pl.col("dst").alias("b"),
            pl.lit("forwarder_of").alias("kind"),
            pl.lit(None, dtype=pl.String).alias("value"),
            "shipment_id",
        ),
        frame.filter(pl.col("notify").is_not_null()).select(
            pl.col("notify").alias("a"),
            pl.col("dst").alias("b"),
            pl.lit("notify_for").alias("kind"),
            pl.lit(None, dtype=pl.String).alias("value"),
            "shipment_id",
        ),
    ]
    return (
        pl.concat(parts)
        .filter(pl.col("a") != pl.col("b"))
        .group_by("a", "b", "kind", "value")
        .agg(
            pl.len().cast(pl.UInt32).alias("shipments"),
            pl.col("shipment_id").min().alias("example"),
        )
    )


def _contacts(frame: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for column, owner, kind in CONTACT_FIELDS:
        part = (
            frame.select(
                pl.col(owner.replace("_name", "_node")).alias("node"),
                pl.lit(kind).alias("kind"),
                pl.col(column).str.strip_chars().alias("value"),
                pl.col("shipment_id"),
            )
            .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
            .with_columns(_contact_norm(kind).alias("norm"))
            .filter(pl.col("norm").is_not_null())
        )
        parts.append(part)
    contacts = pl.concat(parts)
    return contacts.group_by("node", "kind", "norm").agg(
        pl.col("value").first(), pl.col("shipment_id").min().alias("example")
    )


def _shared_contact_links(contacts: pl.DataFrame) -> pl.DataFrame:
    """Party pairs that give the same phone, email or address (a star for large groups)."""
    groups = contacts.with_columns(
        pl.col("node").n_unique().over("kind", "norm").alias("group_size"),
        pl.col("node").min().over("kind", "norm").alias("first"),
    ).filter(pl.col("group_size") >= 2)
    small = groups.filter(pl.col("group_size") <= MAX_CONTACT_CLIQUE)
    pairs = small.join(small, on=["kind", "norm"], suffix="_b").filter(
        pl.col("node") < pl.col("node_b")
    )
    clique = pairs.select(
        pl.col("node").alias("a"),
        pl.col("node_b").alias("b"),
        pl.lit("shares_contact").alias("kind"),
        (pl.col("kind") + ":" + pl.col("value")).alias("value"),
        pl.col("example"),
    )
    star = groups.filter(
        (pl.col("group_size") > MAX_CONTACT_CLIQUE) & (pl.col("node") != pl.col("first"))
    ).select(
        pl.col("first").alias("a"),
        pl.col("node").alias("b"),
        pl.lit("shares_contact").alias("kind"),
        (pl.col("kind") + ":" + pl.col("value")).alias("value"),
        pl.col("example"),
    )
    return (
        pl.concat([clique, star])
        .with_columns(pl.lit(1, dtype=pl.UInt32).alias("shipments"))
        .select("a", "b", "kind", "value", "shipments", "example")
        .unique(["a", "b", "kind", "value"])
    )


def build_graph(
    rows: ManifestRows,
    *,
    name_key: Callable[[str], str] | None = None,
    watch: WatchLookup | None = None,
    chemical_namer: ChemicalNamer | None = None,
) -> PartyGraph:
    """Build the party graph from validated manifest rows.

    Names are grouped by ``name_key`` (default: the parties package's normaliser) so that one
    company under several spellings is one node that keeps its spellings; ``watch`` screens
    each party's canonical name; ``chemical_namer`` labels each shipment's chemical.
    """
    key_fn = name_key or default_name_key()
    namer = chemical_namer or default_chemical_namer()
    frame = rows.frame.with_row_index("edge")
    mentions = _resolve_keys(_name_table(frame), key_fn)
    node_of = {
        role: mentions.filter(pl.col("role") == role).select("edge", pl.col("node").alias(role))
        for role in ROLES
    }
    for role in ROLES:
        frame = frame.join(node_of[role], on="edge", how="left")
    frame = frame.sort("edge").rename(
        {"shipper": "src", "consignee": "dst", "forwarder": "forwarder", "notify": "notify"}
    )
    day_zero_value = frame["date"].min()
    day_zero = day_zero_value if isinstance(day_zero_value, date) else _EPOCH
    frame = frame.with_columns(
        (pl.col("date") - pl.lit(day_zero)).dt.total_days().cast(pl.Int64).alias("day"),
        pl.col("shipper_country").alias("origin"),
        pl.col("consignee_country").alias("destination"),
        pl.col("transit_countries")
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
        .alias("transit"),
    )
    frame = _chemicals(frame, namer)
    shipments = frame.select(
        "edge",
        "shipment_id",
        "src",
        "dst",
        "date",
        "day",
        "substance_id",
        "chemical",
        "cas",
        "quantity_kg",
        "hs_code",
        "origin",
        "transit",
        "destination",
        "forwarder",
        "notify",
        "transport_mode",
        "screen_level",
        "screen_score",
        "source",
        "row",
    )
    parties = _watch_columns(_party_table(mentions, shipments), watch)
    node_frame = frame.with_columns(
        pl.col("src").alias("shipper_node"), pl.col("dst").alias("consignee_node")
    )
    contacts = _contacts(node_frame)
    links = pl.concat([_links(frame), _shared_contact_links(contacts)], how="vertical_relaxed")
    n = parties.height
    src = shipments["src"].to_numpy().astype(np.int64)
    dst = shipments["dst"].to_numpy().astype(np.int64)
    day = shipments["day"].to_numpy().astype(np.int64)
    return PartyGraph(
        parties=parties,
        shipments=shipments,
        links=links.sort("a", "b", "kind"),
        contacts=contacts.select("node", "kind", "value").sort("node", "kind", "value"),
        out_index=EdgeIndex.build(src, day, n),
        in_index=EdgeIndex.build(dst, day, n),
        day_zero=day_zero,
        src_array=src,
        dst_array=dst,
        day_array=day,
        rejected=list(rows.rejected),
        read_count=rows.read_count,
        name_key=key_fn,
    )
