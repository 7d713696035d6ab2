"""The evidence an alert page shows, taken from the library: structure drawing, party matches,
the parties' network neighbourhood and the JavaScript of the network package's graph view.

Nothing here scores or screens anew by its own rules: each function calls the chemistry,
parties or network package the command line uses, and caches what is costly to rebuild.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from fentrace.exc import FentraceError
from fentrace.network import build_graph, read_manifests, risk_column, rows_from_frame, spread_risk
from fentrace.network import html as network_html
from fentrace.network.export import html_payload
from fentrace.network.sources import default_name_key, default_watch_lookup
from fentrace.parties import PartyScreener

#: Shipments drawn at most around an alert's parties (the page stays light).
NEIGHBOURHOOD_SHIPMENTS = 400
#: Parties drawn at most.
NEIGHBOURHOOD_PARTIES = 80
#: Manifests kept in memory for the graphs (the ones being reviewed now).
MANIFESTS_CACHED = 2


def graph_script() -> str:
    """The network package's interactive graph view (pan, zoom, details), as a script file.

    The stand-alone graph page carries it inline; under the web application's CSP it is served
    from ``/static/graph.js`` and reads the same ``graph-data`` JSON element.
    """
    page = network_html._PAGE
    start = page.index("<script>\n") + len("<script>\n")
    end = page.index("</script>", start)
    return page[start:end]


def chemical_queries(shipment: dict[str, Any]) -> list[str]:
    """What identifies a shipment's chemical, most specific first: SMILES, CAS, description."""
    return [
        str(shipment[field]).strip()
        for field in ("smiles", "cas", "description")
        if shipment.get(field) and str(shipment[field]).strip()
    ]


@lru_cache(maxsize=256)
def structure_svg(queries: tuple[str, ...], as_of: date) -> str | None:
    """The ``chem explain --svg`` drawing of the first query that resolves; None if none does."""
    from fentrace.chemistry.draw import explain_svg
    from fentrace.chemistry.screen import screen

    for query in queries:
        result = screen(query, as_of)
        if not result.resolved or not result.smiles:
            continue
        with tempfile.TemporaryDirectory(prefix="fentrace-web-") as folder:
            path = Path(folder) / "structure.svg"
            try:
                explain_svg(result, path)
            except FentraceError:
                continue
            return path.read_text("utf-8")
    return None


def party_matches(
    screener: PartyScreener, parties: Sequence[tuple[str, str, str | None]]
) -> list[dict[str, Any]]:
    """The watchlist screening of each (role, name, country) with its explanation and listings."""
    found = []
    for role, name, country in parties:
        result = screener.screen(name, country, ())
        found.append({"role": role, **result.to_dict()})
    return found


_URL = re.compile(r"https?://[^\s;,<>\"')]+")


def split_links(text: str) -> list[tuple[str, bool]]:
    """``text`` as (piece, is_url) pieces, so a template can link the URLs and escape the rest."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _URL.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


@lru_cache(maxsize=MANIFESTS_CACHED)
def _keyed_rows(upload_path: str, modified: float) -> pl.DataFrame:
    """A job's manifest as network rows with each party's name key (cached per upload)."""
    del modified  # part of the cache key only: a replaced file is read again
    frame = read_manifests([upload_path]).frame
    key = default_name_key()
    names = pl.concat([frame["shipper_name"], frame["consignee_name"]]).drop_nulls().unique()
    keys = {name: key(name) for name in names.to_list()}  # each distinct name once
    return frame.with_columns(
        pl.col("shipper_name")
        .replace_strict(keys, default=None, return_dtype=pl.String)
        .alias("_shipper_key"),
        pl.col("consignee_name")
        .replace_strict(keys, default=None, return_dtype=pl.String)
        .alias("_consignee_key"),
    )


def neighbourhood(upload_path: Path, names: Sequence[str]) -> dict[str, Any] | None:
    """The graph payload of the parties named and every party they traded with in the manifest.

    Party risk is spread from watchlisted parties as in ``network risk``; the layout and the
    drawing are the network package's. None when the manifest can no longer be read.
    """
    try:
        frame = _keyed_rows(str(upload_path), upload_path.stat().st_mtime)
    except (OSError, FentraceError):
        return None
    key = default_name_key()
    keys = {key(name) for name in names if name}
    direct = frame.filter(pl.col("_shipper_key").is_in(keys) | pl.col("_consignee_key").is_in(keys))
    near = keys | set(direct["_shipper_key"].to_list()) | set(direct["_consignee_key"].to_list())
    around = frame.filter(
        pl.col("_shipper_key").is_in(near) & pl.col("_consignee_key").is_in(near)
    ).head(NEIGHBOURHOOD_SHIPMENTS)
    if around.is_empty():
        return None
    graph = build_graph(
        rows_from_frame(around.drop("_shipper_key", "_consignee_key"), str(upload_path)),
        watch=default_watch_lookup(),
    )
    graph = risk_column(graph, spread_risk(graph))
    payload = html_payload(graph, top=NEIGHBOURHOOD_PARTIES)
    payload["title"] = "Trading partners of the alert's parties"
    return payload
