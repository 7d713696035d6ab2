"""Write the party graph for other tools: GraphML, GEXF, FollowTheMoney JSON lines, an HTML view.

FollowTheMoney mapping (schemata that exist in FtM's model):

* a party -> ``Company`` when its name carries a legal form, else ``LegalEntity``; properties
  ``name`` (canonical spelling), ``alias`` (other spellings), ``country`` (lower-case ISO codes
  as FtM writes them), ``phone``, ``email``, ``address`` (the contacts seen on manifests),
  ``notes`` (the watchlist hit, when there is one);
* a shipment -> ``UnknownLink`` with ``subject`` (shipper), ``object`` (consignee), ``role``
  ("shipper to consignee"), ``date``, ``recordId`` (shipment id) and ``summary`` (chemical,
  kilograms, HS code, route);
* a forwarder, notify-party or shared-contact link -> ``UnknownLink`` with ``role`` naming
  the link and ``summary`` the evidence.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import networkx as nx
import polars as pl

from fentrace import jsonsafe
from fentrace.atomic import atomic_path
from fentrace.exc import UsageError
from fentrace.network.analysis import party_edges
from fentrace.network.graph import PartyGraph
from fentrace.network.html import render_html
from fentrace.textio import strip_controls

#: Output formats by file-name ending.
FORMATS = {
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".ftm.json": "ftm",
    ".ftm.jsonl": "ftm",
    ".html": "html",
}
_LEGAL_FORM = re.compile(
    r"\b(co|company|corp|corporation|inc|ltd|limited|llc|gmbh|s\.?a\.?|sa de cv|plc|bv|ag|pte|srl)\b\.?",
    re.IGNORECASE,
)


def format_of(path: str | Path) -> str:
    """The export format named by a path's ending (.graphml, .gexf, .ftm.json, .html)."""
    name = str(path).lower()
    if name == "-":
        return "ftm"  # stdout: FollowTheMoney JSON lines, the format for machines
    for ending, kind in FORMATS.items():
        if name.endswith(ending):
            return kind
    raise UsageError(
        f"cannot tell the graph format of {str(path)!r}: use one of " + ", ".join(FORMATS)
    )


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes GraphML/GEXF can hold: no None, lists joined with '|'."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            out[key] = strip_controls("|".join(str(v) for v in value))
        elif isinstance(value, str):
            out[key] = strip_controls(value)  # XML 1.0 cannot hold control characters
        elif isinstance(value, int | float | bool):
            out[key] = value
        else:
            out[key] = strip_controls(str(value))
    return out


def to_networkx(graph: PartyGraph) -> nx.MultiDiGraph:
    """Parties as nodes ("p<node>") and every shipment and link as an edge, all attributes kept."""
    g = nx.MultiDiGraph()
    for row in graph.parties.iter_rows(named=True):
        attrs = {k: v for k, v in row.items() if k != "node"}
        g.add_node(f"p{row['node']}", **_clean(attrs))
    for row in graph.shipments.iter_rows(named=True):
        attrs = {
            k: v for k, v in row.items() if k not in ("src", "dst", "edge", "day", "source", "row")
        }
        attrs["kind"] = "shipment"
        for role in ("forwarder", "notify"):
            if attrs[role] is not None:
                attrs[role] = f"p{attrs[role]}"
        g.add_edge(f"p{row['src']}", f"p{row['dst']}", key=row["shipment_id"], **_clean(attrs))
    for a, b, kind, value, count, example in graph.links.iter_rows():
        g.add_edge(
            f"p{a}",
            f"p{b}",
            key=f"{kind}:{a}:{b}:{value or ''}",
            **_clean({"kind": kind, "value": value, "shipments": count, "shipment_id": example}),
        )
    return g


def _entity_id(graph: PartyGraph, node: int) -> str:
    digest = hashlib.sha1(str(graph.parties["key"][node]).encode()).hexdigest()[:16]
    return f"fentrace-party-{digest}"


def ftm_entities(graph: PartyGraph) -> Iterator[dict[str, Any]]:
    """FollowTheMoney entities (dicts with id, schema, properties) for parties and links."""
    contacts: dict[int, dict[str, list[str]]] = {}
    for node, kind, value in graph.contacts.iter_rows():
        contacts.setdefault(node, {}).setdefault(kind, []).append(value)
    ids = [_entity_id(graph, v) for v in range(graph.n_parties)]
    for row in graph.parties.iter_rows(named=True):
        node = row["node"]
        props: dict[str, list[str]] = {"name": [row["name"]]}
        if len(row["spellings"]) > 1:
            props["alias"] = list(row["spellings"][1:])
        if row["countries"]:
            props["country"] = [c.lower() for c in row["countries"]]
        for kind, values in contacts.get(node, {}).items():
            props[kind] = values
        if row["watch_name"]:
            props["notes"] = [
                f"watchlist {row['watch_verdict']}: {row['watch_name']}"
                f" ({row['watch_action'] or 'listed'}; {row['watch_source'] or 'source not given'})"
            ]
        schema = "Company" if _LEGAL_FORM.search(row["name"]) else "LegalEntity"
        yield {"id": ids[node], "schema": schema, "properties": props}
    for row in graph.shipments.iter_rows(named=True):
        route = "-".join([row["origin"], *(row["transit"] or []), row["destination"]])
        quantity = f"{row['quantity_kg']:g} kg " if row["quantity_kg"] is not None else ""
        summary = f"{quantity}{row['chemical'] or 'goods'}; HS {row['hs_code'] or '?'}; {route}"
        yield {
            "id": f"fentrace-shipment-{hashlib.sha1(str(row['shipment_id']).encode()).hexdigest()[:16]}",
            "schema": "UnknownLink",
            "properties": {
                "subject": [ids[row["src"]]],
                "object": [ids[row["dst"]]],
                "role": ["shipper to consignee"],
                "date": [row["date"].isoformat()],
                "recordId": [str(row["shipment_id"])],
                "summary": [summary],
            },
        }
    for a, b, kind, value, count, example in graph.links.iter_rows():
        evidence = value if value is not None else f"{count} shipment(s), e.g. {example}"
        digest = hashlib.sha1(f"{ids[a]}|{ids[b]}|{kind}|{value}".encode()).hexdigest()[:16]
        yield {
            "id": f"fentrace-link-{digest}",
            "schema": "UnknownLink",
            "properties": {
                "subject": [ids[a]],
                "object": [ids[b]],
                "role": [kind.replace("_", " ")],
                "summary": [str(evidence)],
            },
        }


def write_ftm(graph: PartyGraph, path: str | Path) -> int:
    """Write FollowTheMoney JSON lines; return the number of entities written."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for entity in ftm_entities(graph):
            out.write(jsonsafe.dumps(entity, ensure_ascii=False) + "\n")
            count += 1
    return count


def html_payload(graph: PartyGraph, *, top: int = 300, seed: int = 7) -> dict[str, Any]:
    """The nodes (with a spring layout) and collapsed edges the HTML view draws.

    Big graphs keep the ``top`` parties by risk, then by number of counterparties.
    """
    edges = party_edges(graph)
    degree = (
        pl.concat(
            [edges.select(pl.col("src").alias("node")), edges.select(pl.col("dst").alias("node"))]
        )
        .group_by("node")
        .len()
    )
    parties = graph.parties
    if "risk" not in parties.columns:
        parties = parties.with_columns(pl.lit(0.0).alias("risk"))
    ranked = (
        parties.join(degree, on="node", how="left")
        .with_columns(pl.col("len").fill_null(0))
        .sort(["risk", "len", "node"], descending=[True, True, False])
        .head(top)
    )
    keep = set(ranked["node"].to_list())
    shown = edges.filter(pl.col("src").is_in(keep) & pl.col("dst").is_in(keep))
    chems = (
        graph.shipments.filter(pl.col("src").is_in(keep) & pl.col("dst").is_in(keep))
        .group_by("src", "dst")
        .agg(
            pl.col("chemical").drop_nulls().unique().sort().head(5).alias("chemicals"),
            pl.col("shipment_id").sort().head(5).alias("examples"),
            pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last"),
        )
    )
    shown = shown.join(chems, on=["src", "dst"], how="left")
    side_links = graph.links.filter(
        (pl.col("kind") != "forwarder_of") & pl.col("a").is_in(keep) & pl.col("b").is_in(keep)
    )
    layout_graph = nx.Graph()
    layout_graph.add_nodes_from(keep)
    layout_graph.add_edges_from(shown.select("src", "dst").iter_rows())
    layout_graph.add_edges_from(side_links.select("a", "b").iter_rows())
    # Twice networkx's default spacing, so that labels overlap less.
    spread = 2.0 / max(1.0, len(keep)) ** 0.5
    positions = nx.spring_layout(layout_graph, k=spread, seed=seed) if keep else {}
    nodes = [
        {
            "id": int(row["node"]),
            "name": row["name"],
            "spellings": row["spellings"],
            "countries": row["countries"],
            "roles": row["roles"],
            "risk": round(float(row["risk"]), 4),
            "watch": row["watch_name"],
            "watch_source": row["watch_source"],
            "kg_in": row["kg_in"],
            "kg_out": row["kg_out"],
            "x": round(float(positions[row["node"]][0]), 4),
            "y": round(float(positions[row["node"]][1]), 4),
        }
        for row in ranked.iter_rows(named=True)
    ]
    links = [
        {
            "source": int(row["src"]),
            "target": int(row["dst"]),
            "shipments": int(row["shipments"]),
            "kg": round(float(row["kg"]), 3),
            "chemicals": row["chemicals"] or [],
            "examples": row["examples"] or [],
            "first": row["first"].isoformat() if row["first"] else None,
            "last": row["last"].isoformat() if row["last"] else None,
        }
        for row in shown.iter_rows(named=True)
    ]
    others = [
        {
            "source": int(a),
            "target": int(b),
            "kind": kind,
            "value": value,
            "shipments": int(count),
            "example": example,
        }
        for a, b, kind, value, count, example in side_links.iter_rows()
    ]
    return {
        "title": "fentrace party graph",
        "links": others,
        "parties": graph.n_parties,
        "shipments": graph.n_shipments,
        "shown": len(nodes),
        "nodes": nodes,
        "edges": links,
    }


def _xml_text(column: pl.Expr) -> pl.Expr:
    """A column as XML character data: lists joined with '|', markup characters escaped."""
    return (
        # XML 1.0 cannot hold C0 controls but tab and newlines, nor U+FFFE/U+FFFF, even escaped
        column.str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{FFFE}\x{FFFF}]", "")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
    )


def _graphml_type(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "long"
    if dtype.is_float():
        return "double"
    return "string"


def _graphml_lines(frame: pl.DataFrame, heads: pl.Series, prefix: str, tail: str) -> list[str]:
    """One GraphML element per row: its head, a <data> per non-null column, ``tail``."""
    parts: list[pl.Expr] = [pl.lit(heads)]
    for name, dtype in frame.schema.items():
        value = pl.col(name)
        if isinstance(dtype, pl.List):
            value = value.list.join("|")
        text = _xml_text(value.cast(pl.String))
        parts.append(
            pl.when(pl.col(name).is_not_null())
            .then(pl.concat_str([pl.lit(f'<data key="{prefix}{name}">'), text, pl.lit("</data>")]))
            .otherwise(pl.lit(""))
        )
    parts.append(pl.lit(tail))
    lines: list[str] = frame.select(pl.concat_str(parts).alias("xml"))["xml"].to_list()
    return lines


def write_graphml(graph: PartyGraph, path: str | Path) -> None:
    """GraphML written straight from the columns (the networkx writer takes minutes at 1M).

    Same content as ``nx.write_graphml(to_networkx(graph))``: nodes ``p<node>`` with the party
    columns, one edge per shipment (``kind=shipment``) and per link (``kind`` = link kind).
    """
    nodes = graph.parties.drop("node")
    node_ids = graph.parties.select(pl.format('<node id="p{}">', pl.col("node")))[:, 0]
    shipments = graph.shipments.select(
        pl.lit("shipment").alias("kind"),
        "shipment_id",
        pl.col("date").cast(pl.String),
        "substance_id",
        "chemical",
        "cas",
        "quantity_kg",
        "hs_code",
        "origin",
        "transit",
        "destination",
        pl.format("p{}", "forwarder").alias("forwarder"),
        pl.format("p{}", "notify").alias("notify"),
        "transport_mode",
    )
    ship_heads = graph.shipments.select(
        pl.format(
            '<edge source="p{}" target="p{}" id="{}">',
            "src",
            "dst",
            _xml_text(pl.col("shipment_id")),
        )
    )[:, 0]
    links = graph.links.select(
        "kind",
        "value",
        pl.col("shipments").cast(pl.Int64),
        pl.col("example").alias("shipment_id"),
    )
    link_heads = graph.links.select(
        pl.format(
            '<edge source="p{}" target="p{}" id="{}">',
            "a",
            "b",
            _xml_text(pl.format("{}:{}:{}:{}", "kind", "a", "b", pl.col("value").fill_null(""))),
        )
    )[:, 0]
    edge_schema: dict[str, pl.DataType] = {**shipments.schema, **links.schema}
    with open(path, "w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='utf-8'?>\n")
        out.write(
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        for name, dtype in nodes.schema.items():
            out.write(
                f'<key id="n{name}" for="node" attr.name="{name}" '
                f'attr.type="{_graphml_type(dtype)}" />\n'
            )
        for name, dtype in edge_schema.items():
            out.write(
                f'<key id="e{name}" for="edge" attr.name="{name}" '
                f'attr.type="{_graphml_type(dtype)}" />\n'
            )
        out.write('<graph edgedefault="directed">\n')
        for heads, frame, tail in (
            (node_ids, nodes, "</node>"),
            (ship_heads, shipments, "</edge>"),
            (link_heads, links, "</edge>"),
        ):
            if frame.height == 0:
                continue
            prefix = "n" if tail == "</node>" else "e"
            out.write("\n".join(_graphml_lines(frame, heads, prefix, tail)))
            out.write("\n")
        out.write("</graph>\n</graphml>\n")


def write_graph(
    graph: PartyGraph, path: str | Path, *, top: int = 300, stdout: IO[str] | None = None
) -> str:
    """Write the graph in the format its path names; return that format.

    ``-`` writes FollowTheMoney JSON lines to ``stdout`` (default: ``sys.stdout``). A file is
    written to a temporary file and renamed, so it is whole or absent.
    """
    kind = format_of(path)
    if str(path) == "-":
        target = sys.stdout if stdout is None else stdout
        for entity in ftm_entities(graph):
            target.write(jsonsafe.dumps(entity, ensure_ascii=False) + "\n")
        target.flush()
        return kind
    with atomic_path(path) as temp:
        if kind == "graphml":
            write_graphml(graph, temp)
        elif kind == "gexf":
            nx.write_gexf(to_networkx(graph), str(temp))
        elif kind == "ftm":
            write_ftm(graph, temp)
        else:
            temp.write_text(render_html(html_payload(graph, top=top)), encoding="utf-8")
    return kind
