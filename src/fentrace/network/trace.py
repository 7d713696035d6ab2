"""Time-respecting tracing: follow what a shipment delivered onward, only by later shipments.

A path is a sequence of shipments where each one leaves the party the previous one delivered
to, on the same day or later (optionally within ``max_gap_days``). The search runs over
shipments, not parties: whether a shipment can be continued depends only on its own receiver
and date, so each shipment is visited once, at the fewest hops, and a breadth-first search by
levels is exact. Each level is expanded with NumPy over the time-sorted adjacency index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from fentrace.exc import InputError
from fentrace.network.graph import EdgeIndex, IntArray, PartyGraph
from fentrace.network.sources import chemical_matcher

#: How close a typed name must be to a party's spelling to be taken for it (RapidFuzz WRatio).
NAME_MATCH_MIN = 88.0


@dataclass(frozen=True, slots=True)
class Step:
    """One shipment on a traced path."""

    hop: int
    shipment_id: str
    date: date
    shipper: str
    consignee: str
    chemical: str | None
    quantity_kg: float | None
    origin: str
    transit: tuple[str, ...]
    destination: str


@dataclass(frozen=True, slots=True)
class Reached:
    """A party the trace reached, at the fewest hops, with the path of shipments that got there."""

    node: int
    name: str
    countries: tuple[str, ...]
    hops: int
    date: date
    path: tuple[Step, ...]

    @property
    def route(self) -> tuple[str, ...]:
        """The countries the goods passed, in order (origin, transits, destinations)."""
        seen: list[str] = []
        for step in self.path:
            for country in (step.origin, *step.transit, step.destination):
                if not seen or seen[-1] != country:
                    seen.append(country)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class TraceResult:
    """Parties reached from the start, nearest first, and how much of the graph was searched."""

    start: tuple[str, ...]
    direction: str
    hops: int
    reached: tuple[Reached, ...]
    shipments_followed: int
    reached_total: int


def resolve_party(graph: PartyGraph, query: str) -> int:
    """The node of the party named ``query``: by name key first, then by a close spelling."""
    key = graph.name_key(query)
    found = graph.parties.filter(pl.col("key") == key)["node"]
    if found.len() > 0:
        return int(found[0])
    names = graph.parties.select("node", "spellings").explode("spellings").drop_nulls()
    choices = names["spellings"].to_list()
    matches = process.extract(query, choices, scorer=fuzz.WRatio, limit=5)
    good = [(choice, score, i) for choice, score, i in matches if score >= NAME_MATCH_MIN]
    nodes = {int(names["node"][i]) for _, _, i in good}
    if len(nodes) == 1:
        return nodes.pop()
    suggestions = ", ".join(repr(choice) for choice, _, _ in matches[:3])
    if not nodes:
        raise InputError(f"no party named {query!r} in the graph (closest: {suggestions})")
    raise InputError(f"the name {query!r} fits several parties: {suggestions}; be more precise")


def chemical_mask(graph: PartyGraph, query: str) -> np.ndarray:
    """Boolean mask over shipments that carry the chemical ``query`` (name, id, CAS, words)."""
    matches = chemical_matcher(query)
    kinds = graph.shipments.select("substance_id", "cas", "chemical").unique()
    keep = kinds.filter(
        pl.Series([matches(s, c, n) for s, c, n in kinds.iter_rows()], dtype=pl.Boolean)
    )
    if keep.height == 0:
        raise InputError(f"no shipment in the graph carries {query!r}")
    hit = graph.shipments.join(
        keep.with_columns(pl.lit(True).alias("_hit")),
        on=["substance_id", "cas", "chemical"],
        how="left",
        nulls_equal=True,
    ).sort("edge")["_hit"]
    return np.asarray(hit.fill_null(False).to_numpy(), dtype=bool)


def _expand(
    index: EdgeIndex, nodes: IntArray, low: IntArray, high: IntArray
) -> tuple[IntArray, IntArray]:
    """Edges at ``nodes[i]`` with day in ``[low[i], high[i]]``, and the ``i`` each came from."""
    shifted = nodes * (1 << 32)
    lo = np.searchsorted(index.keys, shifted + np.maximum(low, 0), side="left")
    hi = np.searchsorted(index.keys, shifted + np.minimum(high, (1 << 32) - 1), side="right")
    lengths = np.maximum(hi - lo, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    positions = lo[owner] + (np.arange(total, dtype=np.int64) - starts[owner])
    return index.order[positions], owner


def trace(
    graph: PartyGraph,
    start_nodes: Sequence[int] = (),
    *,
    start_edges: IntArray | None = None,
    backward: bool = False,
    hops: int = 3,
    max_gap_days: int | None = None,
    edge_mask: np.ndarray | None = None,
    limit: int | None = None,
    to_country: str | None = None,
) -> TraceResult:
    """Trace forward (what the start shipped, and onward) or backward (where it came from).

    ``start_nodes`` start from every shipment leaving (forward) or reaching (backward) those
    parties; ``start_edges`` start from given shipments instead. ``edge_mask`` restricts every
    hop to the shipments it marks (e.g. one chemical). Time runs forward along a forward path
    and backward along a backward one; ``max_gap_days`` bounds the wait between two hops.
    ``to_country`` keeps the parties reached in that country (by a shipment to it, or when
    tracing backward, from it); ``limit`` keeps
    the nearest ones only (paths are built for those alone).
    """
    if hops < 1:
        raise InputError("hops must be at least 1")
    src, dst, day = graph.src(), graph.dst(), graph.day()
    n_edges = len(day)
    near, far = (dst, src) if backward else (src, dst)
    index = graph.in_index if backward else graph.out_index
    allowed = np.ones(n_edges, dtype=bool) if edge_mask is None else edge_mask
    if start_edges is None:
        nodes = np.asarray(sorted(set(start_nodes)), dtype=np.int64)
        first, _ = _expand(
            index, nodes, np.zeros(len(nodes), np.int64), np.full(len(nodes), (1 << 32) - 1)
        )
    else:
        first = _distinct(np.asarray(start_edges, dtype=np.int64), n_edges)
    first = first[allowed[first]]
    hop_of = np.zeros(n_edges, dtype=np.int32)
    pred = np.full(n_edges, -1, dtype=np.int64)
    hop_of[first] = 1
    frontier = first
    for level in range(2, hops + 1):
        if len(frontier) == 0:
            break
        if max_gap_days is None:
            frontier = _earliest_per_receiver(frontier, far, day, backward)
        t = day[frontier]
        gap = (1 << 32) if max_gap_days is None else max_gap_days
        if backward:
            cand, owner = _expand(index, far[frontier], t - gap, t)
        else:
            cand, owner = _expand(index, far[frontier], t, t + gap)
        keep = allowed[cand] & (hop_of[cand] == 0)
        cand, owner = cand[keep], owner[keep]
        # A shipment reached twice at this level may keep either predecessor: both are valid.
        hop_of[cand] = level
        pred[cand] = frontier[owner]
        frontier = _distinct(cand, n_edges)
    visited = np.flatnonzero(hop_of)
    start_nodes_reached = _distinct(near[first], graph.n_parties)
    reached, total = _reached(
        graph, visited, hop_of, pred, far, day, backward, start_nodes_reached, limit, to_country
    )
    start_names = tuple(graph.parties["name"].gather(start_nodes_reached).to_list())
    return TraceResult(
        start=start_names,
        direction="backward" if backward else "forward",
        hops=hops,
        reached=reached,
        shipments_followed=len(visited),
        reached_total=total,
    )


def _distinct(values: IntArray, size: int) -> IntArray:
    """The distinct values in ``[0, size)``, sorted (a boolean scatter: faster than sorting)."""
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    result: IntArray = np.flatnonzero(seen)
    return result


def _receiver_time_key(
    edges: IntArray, far: IntArray, day: IntArray, backward: bool, hop_of: np.ndarray | None = None
) -> IntArray:
    """One int64 per edge ordering by receiver, then hops (if given), then trace time."""
    time_rank = (np.int64(1 << 31) - day[edges]) if backward else day[edges]
    key = far[edges] * np.int64(1 << 40) + time_rank
    if hop_of is not None:
        key = key + hop_of[edges].astype(np.int64) * np.int64(1 << 32)
    result: IntArray = key
    return result


def _earliest_per_receiver(
    frontier: IntArray, far: IntArray, day: IntArray, backward: bool
) -> IntArray:
    """One shipment per receiving party: the soonest in trace time (latest, going backward).

    Without a maximum gap, what can follow a delivery is everything at that party from the
    delivery's day on, so the soonest delivery's continuations include every later one's;
    expanding it alone gives the same reach with far fewer candidates on busy parties.
    """
    order = np.argsort(_receiver_time_key(frontier, far, day, backward), kind="quicksort")
    ranked = frontier[order]
    receivers = far[ranked]
    keep = np.ones(len(ranked), dtype=bool)
    keep[1:] = receivers[1:] != receivers[:-1]
    result: IntArray = ranked[keep]
    return result


def _reached(
    graph: PartyGraph,
    visited: IntArray,
    hop_of: np.ndarray,
    pred: IntArray,
    far: IntArray,
    day: IntArray,
    backward: bool,
    start_nodes: IntArray,
    limit: int | None,
    to_country: str | None,
) -> tuple[tuple[Reached, ...], int]:
    """The reached parties (nearest first, at most ``limit``) with paths, and how many in all."""
    if len(visited) == 0:
        return (), 0
    # Per reached party, the shipment that got there at the fewest hops, soonest in trace time.
    order = np.argsort(_receiver_time_key(visited, far, day, backward, hop_of), kind="quicksort")
    ranked = visited[order]
    nodes = far[ranked]
    first_of_node = np.ones(len(ranked), dtype=bool)
    first_of_node[1:] = nodes[1:] != nodes[:-1]
    best = ranked[first_of_node]
    best = best[~np.isin(far[best], start_nodes)]
    if to_country is not None:
        # The reached party's side of the shipment: where it went to, or (backward) came from.
        side = graph.shipments["origin" if backward else "destination"].gather(best).to_numpy()
        best = best[side == to_country.upper()]
    best_order = np.lexsort((far[best], -day[best] if backward else day[best], hop_of[best]))
    best = best[best_order]
    total = len(best)
    if limit is not None:
        best = best[:limit]
    chains: list[list[int]] = []
    for edge in best:
        chain: list[int] = []
        cursor = int(edge)
        while cursor >= 0:
            chain.append(cursor)
            cursor = int(pred[cursor])
        if not backward:
            chain.reverse()
        chains.append(chain)
    on_paths = sorted({e for chain in chains for e in chain})
    rows = dict(zip(on_paths, graph.shipments[on_paths].iter_rows(named=True), strict=True))
    needed = sorted(
        {int(far[e]) for e in best} | {int(r[k]) for r in rows.values() for k in ("src", "dst")}
    )
    picked = graph.parties[needed]
    names = dict(zip(needed, picked["name"].to_list(), strict=True))
    countries = dict(zip(needed, picked["countries"].to_list(), strict=True))
    out: list[Reached] = []
    for edge, chain in zip(best, chains, strict=True):
        steps = []
        for position, e in enumerate(chain, start=1):
            row = rows[e]
            steps.append(
                Step(
                    hop=position if not backward else len(chain) - position + 1,
                    shipment_id=str(row["shipment_id"]),
                    date=row["date"],
                    shipper=str(names[int(row["src"])]),
                    consignee=str(names[int(row["dst"])]),
                    chemical=row["chemical"],
                    quantity_kg=row["quantity_kg"],
                    origin=str(row["origin"]),
                    transit=tuple(row["transit"] or ()),
                    destination=str(row["destination"]),
                )
            )
        node = int(far[edge])
        out.append(
            Reached(
                node=node,
                name=str(names[node]),
                countries=tuple(countries[node] or ()),
                hops=int(hop_of[edge]),
                date=rows[int(edge)]["date"],
                path=tuple(steps),
            )
        )
    return tuple(out), total


def origin_edges(graph: PartyGraph, country: str, edge_mask: np.ndarray | None = None) -> IntArray:
    """Shipments that leave ``country`` (start edges for a country-to-country trace)."""
    origin = graph.shipments["origin"].to_numpy()
    hit = origin == country.upper()
    if edge_mask is not None:
        hit &= edge_mask
    return np.flatnonzero(hit).astype(np.int64)


def supplier_edges(graph: PartyGraph, edge_mask: np.ndarray) -> IntArray:
    """Shipments in ``edge_mask`` whose shipper never receives a shipment in the mask: the sources."""
    src, dst = graph.src(), graph.dst()
    receivers = np.zeros(graph.n_parties, dtype=bool)
    receivers[dst[edge_mask]] = True
    return np.flatnonzero(edge_mask & ~receivers[src]).astype(np.int64)


def consumer_edges(graph: PartyGraph, edge_mask: np.ndarray) -> IntArray:
    """Shipments in ``edge_mask`` whose consignee never ships one in the mask: the end points."""
    src, dst = graph.src(), graph.dst()
    shippers = np.zeros(graph.n_parties, dtype=bool)
    shippers[src[edge_mask]] = True
    return np.flatnonzero(edge_mask & ~shippers[dst]).astype(np.int64)
