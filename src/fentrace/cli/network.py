"""`fentrace network` commands: build and export the party graph, trace, hubs, risk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from fentrace.cli._common import check_output, emit_json, print_table, stderr_console
from fentrace.exc import UsageError
from fentrace.network.analysis import communities as find_communities
from fentrace.network.analysis import flagged_mask, risk_column, spread_risk
from fentrace.network.analysis import hubs as rank_hubs
from fentrace.network.export import format_of, write_graph
from fentrace.network.graph import PartyGraph, build_graph
from fentrace.network.sources import (
    WatchHit,
    WatchLookup,
    default_watch_lookup,
    read_manifests,
    watch_lookup_from_names,
)
from fentrace.network.trace import (
    Reached,
    chemical_mask,
    consumer_edges,
    origin_edges,
    resolve_party,
    supplier_edges,
    trace,
)
from fentrace.shipments.countries import COUNTRY_NAMES, ISO_ALPHA2

_MANIFESTS = click.argument(
    "manifests", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str)
)
_NO_WATCHLIST = click.option(
    "--no-watchlist", is_flag=True, help="Do not screen parties against the bundled watchlist."
)
_WATCH = click.option(
    "--watch",
    "watch_names",
    multiple=True,
    metavar="NAME",
    help="Treat this party as watchlisted (repeatable), besides the bundled watchlist.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def country_option(value: str | None, option: str) -> str | None:
    """The ISO alpha-2 code an option names (a code, or a country name the manifests know)."""
    if value is None:
        return None
    text = value.strip()
    if text.upper() in ISO_ALPHA2:
        return text.upper()
    code = COUNTRY_NAMES.get(text.lower())
    if code is not None:
        return code
    raise UsageError(
        f"{option} {value!r}: not an ISO 3166-1 alpha-2 country code or a known country name "
        "(for example CN, MX, US)"
    )


def _lookup(no_watchlist: bool, watch_names: Sequence[str]) -> WatchLookup | None:
    bundled = None if no_watchlist else default_watch_lookup()
    manual = (
        watch_lookup_from_names((n, "named by the analyst", "command line") for n in watch_names)
        if watch_names
        else None
    )
    if manual is None:
        return bundled
    if bundled is None:
        return manual

    def both(names: Sequence[str], countries: Sequence[str | None]) -> list[WatchHit | None]:
        first = manual(names, countries)
        second = bundled(names, countries)
        return [a if a is not None else b for a, b in zip(first, second, strict=True)]

    return both


def _load(
    manifests: Sequence[str],
    no_watchlist: bool,
    watch_names: Sequence[str],
    *,
    screen: bool = False,
) -> PartyGraph:
    rows = read_manifests(manifests, screen=screen)
    graph = build_graph(rows, watch=_lookup(no_watchlist, watch_names))
    if graph.rejected:
        stderr_console.print(
            f"{len({(r.file, r.row) for r in graph.rejected})} row(s) rejected "
            f"of {graph.read_count} read:",
            highlight=False,
        )
        for rejection in graph.rejected[:20]:
            stderr_console.print(f"  {rejection}", highlight=False, markup=False)
        if len(graph.rejected) > 20:
            stderr_console.print(f"  ... and {len(graph.rejected) - 20} more", highlight=False)
    return graph


def _rejected_json(graph: PartyGraph) -> list[dict[str, Any]]:
    return [
        {"file": r.file, "row": r.row, "field": r.field, "reason": r.reason} for r in graph.rejected
    ]


@click.group(name="network")
def network() -> None:
    """Follow precursors from supplier to destination; find where the chain can be cut."""


@network.command(name="build")
@_MANIFESTS
@click.option(
    "-o",
    "--output",
    required=True,
    help="Graph file: .graphml, .gexf, .ftm.json (FollowTheMoney lines) or .html (viewer); "
    "- = FollowTheMoney lines on stdout.",
)
@click.option(
    "--top",
    default=300,
    show_default=True,
    type=click.IntRange(1),
    help="Parties shown in the HTML view.",
)
@_NO_WATCHLIST
@_WATCH
@_JSON
def build(
    manifests: tuple[str, ...],
    output: str,
    top: int,
    no_watchlist: bool,
    watch_names: tuple[str, ...],
    as_json: bool,
) -> None:
    """Build the party graph from MANIFEST files and write it to OUTPUT."""
    kind = format_of(output)
    check_output(output, *manifests)
    graph = _load(manifests, no_watchlist, watch_names)
    graph = risk_column(graph, spread_risk(graph))
    write_graph(graph, output, top=top)
    summary = {
        "output": output,
        "format": kind,
        "rows_read": graph.read_count,
        "rows_rejected": len({(r.file, r.row) for r in graph.rejected}),
        "parties": graph.n_parties,
        "shipments": graph.n_shipments,
        "links": graph.links.height,
        "watchlisted": int(graph.parties["watch_name"].is_not_null().sum()),
    }
    if output == "-":  # stdout carries the graph; the summary goes to stderr
        stderr_console.print(
            ", ".join(f"{k} {v}" for k, v in summary.items() if k not in ("output", "format")),
            highlight=False,
            markup=False,
        )
        return
    if as_json:
        emit_json({**summary, "rejected": _rejected_json(graph)})
        return
    print_table(["what", "value"], summary.items(), title="network build")


def _reached_json(item: Reached) -> dict[str, Any]:
    return {
        "party": item.name,
        "countries": list(item.countries),
        "hops": item.hops,
        "date": item.date.isoformat(),
        "route": list(item.route),
        "path": [
            {
                "hop": s.hop,
                "shipment_id": s.shipment_id,
                "date": s.date.isoformat(),
                "shipper": s.shipper,
                "consignee": s.consignee,
                "chemical": s.chemical,
                "quantity_kg": s.quantity_kg,
                "origin": s.origin,
                "transit": list(s.transit),
                "destination": s.destination,
            }
            for s in item.path
        ],
    }


@network.command(name="trace")
@_MANIFESTS
@click.option("--from", "from_name", metavar="NAME", help="Start at this party.")
@click.option("--from-country", metavar="CC", help="Start at every shipment leaving this country.")
@click.option("--chemical", metavar="NAME", help="Follow only shipments of this chemical.")
@click.option("--backward", is_flag=True, help="Trace where the goods came from instead.")
@click.option(
    "--hops",
    default=3,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Most shipments in a path.",
)
@click.option("--max-gap", type=click.IntRange(0), metavar="DAYS", help="Most days between hops.")
@click.option(
    "--to-country",
    metavar="CC",
    help="Keep parties reached in this country (backward: that shipped from it).",
)
@click.option("--via-third-country", is_flag=True, help="Keep routes through another country.")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1), help="Parties shown."
)
@_JSON
def trace_command(
    manifests: tuple[str, ...],
    from_name: str | None,
    from_country: str | None,
    chemical: str | None,
    backward: bool,
    hops: int,
    max_gap: int | None,
    to_country: str | None,
    via_third_country: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Trace shipments forward (or backward) in time from a party, a country or a chemical."""
    if from_name and from_country:
        raise UsageError("give --from or --from-country, not both")
    from_country = country_option(from_country, "--from-country")
    to_country = country_option(to_country, "--to-country")
    if not (from_name or from_country or chemical):
        raise UsageError("give --from NAME, --from-country CC or --chemical NAME to start from")
    graph = _load(manifests, True, ())  # tracing needs no watchlist screening
    mask = chemical_mask(graph, chemical) if chemical else None
    # Paths are built for the nearest ``limit`` parties only, unless routes must be inspected.
    options: dict[str, Any] = {
        "hops": hops,
        "max_gap_days": max_gap,
        "edge_mask": mask,
        "to_country": to_country,
        "limit": None if via_third_country else limit,
    }
    if from_name:
        result = trace(graph, [resolve_party(graph, from_name)], backward=backward, **options)
    elif from_country:
        starts = origin_edges(graph, from_country, mask)
        result = trace(graph, start_edges=starts, backward=backward, **options)
    else:
        assert mask is not None
        ends = consumer_edges(graph, mask) if backward else supplier_edges(graph, mask)
        result = trace(graph, start_edges=ends, backward=backward, **options)
    reached = list(result.reached)
    total = result.reached_total
    if via_third_country:
        reached = [r for r in reached if len(set(r.route)) >= 3]
        total = len(reached)
    shown = reached[:limit]
    if as_json:
        emit_json(
            {
                "start": list(result.start[:20]),
                "start_count": len(result.start),
                "direction": result.direction,
                "hops": result.hops,
                "chemical": chemical,
                "shipments_followed": result.shipments_followed,
                "reached_count": total,
                "reached": [_reached_json(r) for r in shown],
                "rejected": _rejected_json(graph),
            }
        )
        return
    rows = [
        (
            r.hops,
            r.name,
            ",".join(r.countries),
            r.date.isoformat(),
            " > ".join(s.shipment_id for s in r.path),
            "-".join(r.route),
        )
        for r in shown
    ]
    title = f"{result.direction} trace from {', '.join(result.start[:3]) or 'nobody'}"
    if len(result.start) > 3:
        title += f" and {len(result.start) - 3} more"
    print_table(["hops", "party", "countries", "date", "shipments", "route"], rows, title=title)
    click.echo(
        f"{total} part(ies) reached, {len(shown)} shown; "
        f"{result.shipments_followed} shipment(s) followed"
    )


def _trade_title(chemicals: Sequence[str], flagged: str | None, min_score: float | None) -> str:
    """What trade the hubs were ranked on, for the table title."""
    parts = [f"chemical {', '.join(chemicals)}"] if chemicals else []
    if flagged is not None:
        parts.append(f"shipments flagged {flagged} or above")
    if min_score is not None:
        parts.append(f"screening score >= {min_score:g}")
    return f" ({'; '.join(parts)})" if parts else " (all trade)"


@network.command(name="hubs")
@_MANIFESTS
@click.option("--top", default=20, show_default=True, type=click.IntRange(1))
@click.option(
    "--samples",
    type=click.IntRange(1),
    help="Estimate betweenness from this many sources (default: exact up to 3000 parties).",
)
@click.option(
    "--chemical",
    "chemicals",
    multiple=True,
    metavar="NAME",
    help="Rank on the trade in this chemical only (repeatable).",
)
@click.option(
    "--flagged",
    type=click.Choice(["high", "medium", "low"]),
    help="Screen the shipments first and rank on those flagged at this level or above.",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    help="Screen the shipments first and rank on those scoring at least this (0-100).",
)
@_NO_WATCHLIST
@_JSON
def hubs_command(
    manifests: tuple[str, ...],
    top: int,
    samples: int | None,
    chemicals: tuple[str, ...],
    flagged: str | None,
    min_score: float | None,
    no_watchlist: bool,
    as_json: bool,
) -> None:
    """Rank the brokers and hubs: flow-weighted betweenness, then throughput."""
    screened = flagged is not None or min_score is not None
    graph = _load(manifests, no_watchlist, (), screen=screened)
    mask = None
    for chemical in chemicals:
        hit = chemical_mask(graph, chemical)
        mask = hit if mask is None else mask | hit
    if screened:
        suspicious = flagged_mask(graph, flagged or "low", min_score=min_score)
        mask = suspicious if mask is None else mask & suspicious
    ranked = rank_hubs(graph, top=top, samples=samples, edge_mask=mask)
    if not ranked:
        stderr_console.print("no party sits between others in this trade", highlight=False)
    if as_json:
        emit_json(
            {
                "hubs": [
                    {
                        "rank": i,
                        "party": h.name,
                        "countries": list(h.countries),
                        "roles": list(h.roles),
                        "betweenness": round(h.betweenness, 6),
                        "throughput_kg": h.throughput_kg,
                        "suppliers": h.suppliers,
                        "customers": h.customers,
                        "watchlist": h.watch,
                    }
                    for i, h in enumerate(ranked, start=1)
                ],
                "ranked_on": {
                    "chemicals": list(chemicals),
                    "flagged": flagged,
                    "min_score": min_score,
                },
                "rejected": _rejected_json(graph),
            }
        )
        return
    print_table(
        ["rank", "party", "countries", "betweenness", "throughput kg", "in", "out", "watchlist"],
        [
            (
                i,
                h.name,
                ",".join(h.countries),
                f"{h.betweenness:.3g}",
                f"{h.throughput_kg:g}",
                h.suppliers,
                h.customers,
                h.watch or "",
            )
            for i, h in enumerate(ranked, start=1)
        ],
        title="hubs and brokers" + _trade_title(chemicals, flagged, min_score),
    )


@network.command(name="risk")
@_MANIFESTS
@click.option("--top", default=30, show_default=True, type=click.IntRange(1))
@_NO_WATCHLIST
@_WATCH
@_JSON
def risk_command(
    manifests: tuple[str, ...],
    top: int,
    no_watchlist: bool,
    watch_names: tuple[str, ...],
    as_json: bool,
) -> None:
    """Spread risk from watchlisted parties over trade and contact links, with the reason."""
    graph = _load(manifests, no_watchlist, watch_names)
    scores = spread_risk(graph)
    if not scores:
        stderr_console.print("no party is watchlisted: name one with --watch NAME", highlight=False)
    shown = scores[:top]
    if as_json:
        emit_json(
            {
                "risk": [
                    {
                        "party": s.name,
                        "risk": s.risk,
                        "hops": s.hops,
                        "seed": s.seed,
                        "explanation": s.explain(),
                        "path": [
                            {"from": link.from_name, "kind": link.kind, "evidence": link.evidence}
                            for link in s.path
                        ],
                    }
                    for s in shown
                ],
                "rejected": _rejected_json(graph),
            }
        )
        return
    print_table(
        ["risk", "hops", "party", "why"],
        [(f"{s.risk:.3f}", s.hops, s.name, s.explain()) for s in shown],
        title="risk spread from watchlisted parties",
    )


@network.command(name="communities")
@_MANIFESTS
@click.option("--top", default=20, show_default=True, type=click.IntRange(1))
@click.option("--min-size", default=2, show_default=True, type=click.IntRange(1))
@_NO_WATCHLIST
@_JSON
def communities_command(
    manifests: tuple[str, ...], top: int, min_size: int, no_watchlist: bool, as_json: bool
) -> None:
    """Groups of parties that trade mostly among themselves (Louvain), largest first."""
    graph = _load(manifests, no_watchlist, ())
    groups = [g for g in find_communities(graph) if len(g) >= min_size][:top]
    parties = graph.parties
    names = parties["name"].to_list()
    countries = parties["countries"].to_list()
    watched = parties["watch_name"].to_list()
    kg_in = parties["kg_in"].to_list()
    summaries = [
        {
            "community": i,
            "size": len(group),
            "countries": sorted({c for v in group for c in countries[v] or ()}),
            "watchlisted": [names[v] for v in group if watched[v]],
            "kg_received": round(sum(kg_in[v] for v in group), 3),
            "members": [names[v] for v in sorted(group, key=lambda v: -kg_in[v])],
        }
        for i, group in enumerate(groups, start=1)
    ]
    if as_json:
        emit_json({"communities": summaries, "rejected": _rejected_json(graph)})
        return
    print_table(
        ["#", "size", "countries", "watchlisted", "kg received", "members (largest first)"],
        [
            (
                s["community"],
                s["size"],
                ",".join(s["countries"]),
                "; ".join(s["watchlisted"]),
                f"{s['kg_received']:g}",
                "; ".join(s["members"][:6]) + (" ..." if s["size"] > 6 else ""),
            )
            for s in summaries
        ],
        title="communities",
    )
