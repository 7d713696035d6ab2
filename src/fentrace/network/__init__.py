"""Network tracing: the party graph from manifests, time-respecting traces, hubs, risk, exports.

Typical use::

    rows = read_manifests(["manifest.csv"])
    graph = build_graph(rows)
    result = trace(graph, [resolve_party(graph, "Hubei Amarvel")], hops=3)
"""

from __future__ import annotations

from fentrace.network.analysis import (
    RISK_PASSES,
    Hub,
    RiskScore,
    communities,
    flagged_mask,
    hubs,
    risk_column,
    spread_risk,
    to_digraph,
)
from fentrace.network.export import format_of, ftm_entities, to_networkx, write_graph
from fentrace.network.graph import PartyGraph, build_graph
from fentrace.network.sources import (
    ManifestRows,
    RejectedRow,
    WatchHit,
    read_manifests,
    rows_from_frame,
    simple_name_key,
    watch_lookup_from_names,
)
from fentrace.network.trace import (
    Reached,
    Step,
    TraceResult,
    chemical_mask,
    consumer_edges,
    origin_edges,
    resolve_party,
    supplier_edges,
    trace,
)

__all__ = [
    "RISK_PASSES",
    "Hub",
    "ManifestRows",
    "PartyGraph",
    "Reached",
    "RejectedRow",
    "RiskScore",
    "Step",
    "TraceResult",
    "WatchHit",
    "build_graph",
    "chemical_mask",
    "communities",
    "consumer_edges",
    "flagged_mask",
    "format_of",
    "ftm_entities",
    "hubs",
    "origin_edges",
    "read_manifests",
    "resolve_party",
    "risk_column",
    "rows_from_frame",
    "simple_name_key",
    "spread_risk",
    "supplier_edges",
    "to_digraph",
    "to_networkx",
    "trace",
    "watch_lookup_from_names",
    "write_graph",
]
