"""Where the chain can be cut: hubs and brokers, communities, and risk spread from watchlisted parties.

These run on the collapsed party graph (one edge per ordered party pair, with the number of
shipments and the kilograms they carried), built with networkx because its algorithms fit.
Risk spread is a best-first search written here, so every score keeps the path it came along.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl

from fentrace.exc import UsageError
from fentrace.network.graph import PartyGraph
from fentrace.shipments import LEVELS

#: Intermediaries named on a shipment that put a leg shipper -> it -> consignee in the hubs graph.
HUB_INTERMEDIARIES: tuple[str, ...] = ("notify",)
#: Above this many parties, betweenness is estimated from ``BETWEENNESS_SAMPLES`` sources.
EXACT_BETWEENNESS_LIMIT = 3000
BETWEENNESS_SAMPLES = 256

#: How much of a party's risk passes over one link of each kind (declared weights).
RISK_PASSES: Mapping[str, float] = {
    "shipment": 0.5,  # traded directly with the party (either direction)
    "forwarder_of": 0.4,  # forwarded the party's shipment, or had it forwarded
    "notify_for": 0.4,  # named as notify party of the party's shipment
    "shares_contact": 0.7,  # gave the same phone, email or address: likely the same operator
}
#: One sentence per link kind, shown when a risk score is explained.
RISK_LINK_TEXT: Mapping[str, str] = {
    "shipment": "traded with",
    "forwarder_of": "linked as forwarder with",
    "notify_for": "linked as notify party with",
    "shares_contact": "shares a contact with",
}
#: Risk a watchlist hit starts with: a confirmed match counts fully, a possible one half.
SEED_RISK: Mapping[str, float] = {"match": 1.0, "possible": 0.5}
#: Scores below this are not spread further nor reported.
MIN_RISK = 0.05


def party_edges(graph: PartyGraph, edge_mask: np.ndarray | None = None) -> pl.DataFrame:
    """The collapsed directed party graph: src, dst, shipments, kg (intermediaries on the way).

    A shipment's notify party adds the legs shipper -> notify party -> consignee beside the
    direct one: a broker named as notify party on several suppliers' shipments to several
    consignees then sits on the paths between them, as brokers do. Forwarders add no legs:
    they carry for anyone, so legs through them would join every shipper they carry for to
    every consignee they deliver to, paths no goods took, and the busiest carriers would lead
    every ranking by volume alone (they count in the throughput instead).
    ``edge_mask`` keeps only the shipments it marks (e.g. those of controlled chemicals).
    """
    shipments = (
        graph.shipments if edge_mask is None else graph.shipments.filter(pl.Series(edge_mask))
    )
    ships = shipments.select("src", "dst", "quantity_kg")
    legs = [ships]
    for intermediary in HUB_INTERMEDIARIES:
        via = shipments.filter(pl.col(intermediary).is_not_null())
        legs.append(via.select(pl.col("src"), pl.col(intermediary).alias("dst"), "quantity_kg"))
        legs.append(via.select(pl.col(intermediary).alias("src"), pl.col("dst"), "quantity_kg"))
    return (
        pl.concat(legs)
        .filter(pl.col("src") != pl.col("dst"))
        .group_by("src", "dst")
        .agg(pl.len().alias("shipments"), pl.col("quantity_kg").fill_null(0.0).sum().alias("kg"))
        .sort("src", "dst")
    )


def to_digraph(graph: PartyGraph, edge_mask: np.ndarray | None = None) -> nx.DiGraph:
    """The collapsed party graph as a networkx DiGraph with ``shipments``, ``kg`` and ``cost``.

    ``cost`` = 1 / (1 + log(1 + kg)) makes heavy flows short, so that weighted shortest paths
    (and hence betweenness) follow where the quantity goes.
    """
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_parties))
    for src, dst, count, kg in party_edges(graph, edge_mask).iter_rows():
        g.add_edge(src, dst, shipments=count, kg=kg, cost=1.0 / (1.0 + math.log1p(kg)))
    return g


@dataclass(frozen=True, slots=True)
class Hub:
    """A party that sits between others: its flow-weighted betweenness and its throughput."""

    node: int
    name: str
    countries: tuple[str, ...]
    roles: tuple[str, ...]
    betweenness: float
    throughput_kg: float
    suppliers: int
    customers: int
    watch: str | None


def hubs(
    graph: PartyGraph,
    *,
    top: int = 20,
    samples: int | None = None,
    seed: int = 7,
    edge_mask: np.ndarray | None = None,
) -> list[Hub]:
    """Parties ranked by flow-weighted betweenness, ties broken by throughput (min of in, out kg).

    Only parties that sit between others (betweenness or throughput above zero) are listed.

    ``edge_mask`` ranks on the shipments it marks only (say, one chemical's trade), so that
    the big legitimate distributors of everything else do not hide a precursor's brokers.

    Betweenness is computed among the parties that trade in the ranked shipments (normalised
    by their number), exactly up to ``EXACT_BETWEENNESS_LIMIT`` of them and estimated from
    ``samples`` random sources above that.
    """
    g = to_digraph(graph, edge_mask)
    # Parties outside the ranked trade would dilute the normalisation and, above the exact
    # limit, take most of the sampled sources: rank on the parties that trade in it only.
    g.remove_nodes_from(list(nx.isolates(g)))
    n = g.number_of_nodes()
    k = (
        samples
        if samples is not None
        else (None if n <= EXACT_BETWEENNESS_LIMIT else BETWEENNESS_SAMPLES)
    )
    if k is not None:
        k = min(k, n)
    scores: dict[int, float] = nx.betweenness_centrality(g, k=k, weight="cost", seed=seed)
    parties = graph.parties
    throughput = _throughput(graph, edge_mask)
    # Forwarders have no legs in ``g`` (see party_edges) but are listed by what they forwarded.
    between = [v for v in range(graph.n_parties) if scores.get(v, 0.0) > 0.0 or throughput[v] > 0.0]
    ranked = sorted(between, key=lambda v: (-scores.get(v, 0.0), -throughput[v], v))
    names = parties["name"].to_list()
    countries = parties["countries"].to_list()
    roles = parties["roles"].to_list()
    watch = parties["watch_name"].to_list()
    return [
        Hub(
            node=v,
            name=names[v],
            countries=tuple(countries[v] or ()),
            roles=tuple(roles[v] or ()),
            betweenness=float(scores.get(v, 0.0)),
            throughput_kg=float(throughput[v]),
            suppliers=g.in_degree(v) if v in g else 0,
            customers=g.out_degree(v) if v in g else 0,
            watch=watch[v],
        )
        for v in ranked[:top]
    ]


def flagged_mask(
    graph: PartyGraph, min_level: str = "low", *, min_score: float | None = None
) -> np.ndarray:
    """The shipments that screening rated ``min_level`` or above (``high``, ``medium``, ``low``).

    ``min_score`` (0-100) also asks for at least that screening score: a controlled precursor
    alone scores 70 (``high``), so a score above it asks for a second red flag as well.

    The graph must be built from manifests read with ``read_manifests(..., screen=True)``.
    Ranking hubs on this trade only asks which parties sit between the *suspicious*
    shipments: on all trade the busiest intermediaries are legitimate distributors.
    """
    if min_level not in LEVELS or min_level == "none":
        raise UsageError(
            f"unknown screening level {min_level!r}; use one of {', '.join(LEVELS[:-1])}"
        )
    levels = graph.shipments["screen_level"]
    if graph.n_shipments and levels.null_count() == graph.n_shipments:
        raise UsageError("these shipments were not screened; read the manifests with screen=True")
    if min_score is not None and not 0.0 <= min_score <= 100.0:
        raise UsageError(f"a screening score is between 0 and 100, not {min_score:g}")
    keep = list(LEVELS[: LEVELS.index(min_level) + 1])
    selected = levels.is_in(keep).fill_null(False)
    if min_score is not None:
        selected = selected & (graph.shipments["screen_score"].fill_null(0.0) >= min_score)
    mask: np.ndarray = selected.to_numpy()
    return mask


def _throughput(graph: PartyGraph, edge_mask: np.ndarray | None) -> np.ndarray:
    """Kilograms that pass through each party: min(received, shipped), or what it forwarded."""
    shipments = (
        graph.shipments if edge_mask is None else graph.shipments.filter(pl.Series(edge_mask))
    )
    kg = shipments["quantity_kg"].fill_null(0.0).to_numpy()
    n = graph.n_parties
    kg_in = np.bincount(shipments["dst"].to_numpy(), weights=kg, minlength=n)
    kg_out = np.bincount(shipments["src"].to_numpy(), weights=kg, minlength=n)
    via = shipments["forwarder"].to_numpy()
    forwarded = ~np.isnan(via.astype(float))
    kg_fwd = np.bincount(via[forwarded].astype(np.int64), weights=kg[forwarded], minlength=n)
    result: np.ndarray = np.minimum(kg_in, kg_out) + kg_fwd
    return result


def communities(graph: PartyGraph, *, seed: int = 7) -> list[list[int]]:
    """Groups of parties that trade mostly among themselves (Louvain on kilograms), largest first."""
    g = to_digraph(graph).to_undirected()
    for _, _, data in g.edges(data=True):
        data["w"] = 1.0 + math.log1p(float(data["kg"]))
    found = nx.community.louvain_communities(g, weight="w", seed=seed)
    groups = [sorted(int(v) for v in group) for group in found]
    return sorted(groups, key=lambda c: (-len(c), c[0]))


@dataclass(frozen=True, slots=True)
class RiskLink:
    """One link a risk score travelled along: from whom, how, and what evidences it."""

    from_node: int
    from_name: str
    kind: str
    evidence: str


@dataclass(frozen=True, slots=True)
class RiskScore:
    """A party's spread risk and the path from the watchlisted party it came from."""

    node: int
    name: str
    risk: float
    hops: int
    seed: str
    seed_hit: str
    path: tuple[RiskLink, ...]

    def explain(self) -> str:
        """The score as a sentence an analyst can check link by link."""
        parts: list[str] = []
        current = self.name
        for link in self.path:
            text = RISK_LINK_TEXT.get(link.kind, link.kind)
            parts.append(f"{current} {text} {link.from_name} ({link.evidence})")
            current = link.from_name
        parts.append(f"{self.seed} is on a watchlist ({self.seed_hit})")
        return "; ".join(parts)


def _risk_adjacency(graph: PartyGraph) -> list[list[tuple[int, str, str]]]:
    adjacency: list[list[tuple[int, str, str]]] = [[] for _ in range(graph.n_parties)]
    pairs = (
        graph.shipments.select(
            pl.min_horizontal("src", "dst").alias("a"),
            pl.max_horizontal("src", "dst").alias("b"),
            "shipment_id",
        )
        .filter(pl.col("a") != pl.col("b"))
        .group_by("a", "b")
        .agg(pl.col("shipment_id").min(), pl.len().alias("n"))
    )
    for a, b, shipment, count in pairs.iter_rows():
        evidence = f"shipment {shipment}" + (f" and {count - 1} more" if count > 1 else "")
        adjacency[a].append((b, "shipment", evidence))
        adjacency[b].append((a, "shipment", evidence))
    for a, b, kind, value, _, example in graph.links.iter_rows():
        evidence = str(value) if value is not None else f"shipment {example}"
        adjacency[a].append((b, kind, evidence))
        adjacency[b].append((a, kind, evidence))
    return adjacency


def spread_risk(
    graph: PartyGraph,
    *,
    passes: Mapping[str, float] = RISK_PASSES,
    min_risk: float = MIN_RISK,
) -> list[RiskScore]:
    """Spread risk from watchlisted parties over trade and contact links, decaying per link.

    A party's risk is the largest product of seed risk and the ``passes`` factors along any
    path from a watchlisted party (best-first search), and the path is kept as its reason.
    """
    parties = graph.parties
    names = parties["name"].to_list()
    verdicts = parties["watch_verdict"].to_list()
    scores = parties["watch_score"].to_list()
    hits = [
        f"{w} on {s or 'watchlist'}, {a or 'listed'}" if w else ""
        for w, s, a in zip(
            parties["watch_name"].to_list(),
            parties["watch_source"].to_list(),
            parties["watch_action"].to_list(),
            strict=True,
        )
    ]
    adjacency = _risk_adjacency(graph)
    best = [0.0] * graph.n_parties
    pred: list[tuple[int, str, str] | None] = [None] * graph.n_parties
    origin = [-1] * graph.n_parties
    heap: list[tuple[float, int]] = []
    for v, verdict in enumerate(verdicts):
        if verdict in SEED_RISK:
            risk = SEED_RISK[verdict] * float(scores[v] or 1.0)
            if risk > best[v]:
                best[v], origin[v] = risk, v
                heapq.heappush(heap, (-risk, v))
    done = [False] * graph.n_parties
    while heap:
        negative, v = heapq.heappop(heap)
        if done[v]:
            continue
        done[v] = True
        for w, kind, evidence in adjacency[v]:
            risk = -negative * passes.get(kind, 0.0)
            if risk >= min_risk and risk > best[w] + 1e-12 and not done[w]:
                best[w], pred[w], origin[w] = risk, (v, kind, evidence), origin[v]
                heapq.heappush(heap, (-risk, w))
    out: list[RiskScore] = []
    for v in range(graph.n_parties):
        if best[v] < min_risk:
            continue
        path: list[RiskLink] = []
        cursor = v
        while (step := pred[cursor]) is not None:
            u, kind, evidence = step
            path.append(RiskLink(u, names[u], kind, evidence))
            cursor = u
        out.append(
            RiskScore(
                node=v,
                name=names[v],
                risk=round(best[v], 6),
                hops=len(path),
                seed=names[origin[v]],
                seed_hit=hits[origin[v]],
                path=tuple(path),
            )
        )
    return sorted(out, key=lambda r: (-r.risk, r.hops, r.name))


def risk_column(graph: PartyGraph, scores: list[RiskScore]) -> PartyGraph:
    """The graph with a ``risk`` column on its parties (0 for parties no risk reached)."""
    values = np.zeros(graph.n_parties)
    for score in scores:
        values[score.node] = score.risk
    graph.parties = graph.parties.with_columns(pl.Series("risk", values))
    return graph
