"""A self-contained HTML view of the party graph: inline SVG and script, no network access.

The graph travels as JSON inside ``<script type="application/json" id="graph-data">``; the
inline script draws it as SVG (precomputed layout), pans on drag, zooms on the wheel, colours
parties by risk and shows a party's or a link's details on click.
"""

from __future__ import annotations

import html
from typing import Any

from fentrace import jsonsafe

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  body { margin: 0; font: 13px system-ui, sans-serif; display: flex; height: 100vh; }
  #view { flex: 1; background: #fafafa; cursor: grab; }
  #side { width: 340px; padding: 10px 14px; border-left: 1px solid #ccc; overflow: auto; }
  #side h2 { font-size: 15px; margin: 4px 0 8px; }
  #side table { border-collapse: collapse; width: 100%; }
  #side td { border-top: 1px solid #eee; padding: 3px 4px; vertical-align: top; }
  #side td:first-child { color: #555; width: 34%; }
  .legend span { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
  line.link { stroke: #888; stroke-opacity: 0.55; }
  line.shares_contact { stroke: #7b1fa2; stroke-opacity: 0.9; }
  line.notify_for { stroke: #1565c0; stroke-opacity: 0.9; }
  line.link.sel, circle.sel { stroke: #000; stroke-width: 2.5; stroke-opacity: 1; }
  circle { stroke: #333; stroke-width: 0.6; cursor: pointer; }
  text.label { font-size: 10px; pointer-events: none; fill: #222; }
</style>
</head>
<body>
<svg id="view" xmlns="http://www.w3.org/2000/svg"><g id="world"></g></svg>
<div id="side">
  <h2>__TITLE__</h2>
  <p id="summary"></p>
  <p class="legend"><span style="background:#2e7d32"></span>no risk
     <span style="background:#f9a825"></span>some
     <span style="background:#c62828"></span>high (watchlisted)</p>
  <p>Grey: trade (width by kilograms); dashed purple: shared phone, email or address;
     dashed blue: notify party.</p>
  <p>Drag to pan, wheel to zoom, click a party or a link.</p>
  <div id="details"></div>
</div>
<script type="application/json" id="graph-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("view"), world = document.getElementById("world");
  var NS = "http://www.w3.org/2000/svg", SIZE = 1000;
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  document.getElementById("summary").textContent =
    data.shown + " of " + data.parties + " parties shown, " + data.shipments + " shipments in the graph.";
  function colour(risk) {
    var r = Math.max(0, Math.min(1, risk));
    var hue = 120 * (1 - Math.sqrt(r));  // square root: two or three links away still shows
    return "hsl(" + hue + ", 70%, " + (r > 0 ? 45 : 35) + "%)";
  }
  function px(v) { return (v + 1.1) / 2.2 * SIZE; }
  function el(name, attrs) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function show(title, rows) {
    var box = document.getElementById("details");
    box.textContent = "";
    var h = document.createElement("h2"); h.textContent = title; box.appendChild(h);
    var table = document.createElement("table");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      [r[0], r[1]].forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = Array.isArray(cell) ? cell.join(", ") : (cell === null || cell === undefined ? "" : String(cell));
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    box.appendChild(table);
  }
  var selected = null;
  function select(e) { if (selected) selected.classList.remove("sel"); selected = e; e.classList.add("sel"); }
  var maxKg = 1;
  data.edges.forEach(function (l) { maxKg = Math.max(maxKg, l.kg); });
  data.edges.forEach(function (l) {
    var a = byId[l.source], b = byId[l.target];
    var line = el("line", { "class": "link", x1: px(a.x), y1: px(a.y), x2: px(b.x), y2: px(b.y),
      "stroke-width": 0.8 + 4 * Math.sqrt(l.kg / maxKg) });
    line.addEventListener("click", function (ev) {
      ev.stopPropagation(); select(line);
      show(a.name + " \\u2192 " + b.name, [["shipments", l.shipments], ["kilograms", l.kg],
        ["chemicals", l.chemicals], ["examples", l.examples], ["first", l.first], ["last", l.last]]);
    });
    world.appendChild(line);
  });
  (data.links || []).forEach(function (l) {
    var a = byId[l.source], b = byId[l.target];
    var line = el("line", { "class": "link side " + l.kind, x1: px(a.x), y1: px(a.y), x2: px(b.x), y2: px(b.y),
      "stroke-width": 1.5, "stroke-dasharray": "5 3" });
    line.addEventListener("click", function (ev) {
      ev.stopPropagation(); select(line);
      show(a.name + " \u2014 " + b.name, [["link", l.kind.replace("_", " ")], ["evidence", l.value],
        ["shipments", l.shipments], ["example", l.example]]);
    });
    world.appendChild(line);
  });
  data.nodes.forEach(function (n) {
    var r = 4 + Math.min(10, Math.sqrt((n.kg_in + n.kg_out) / 50));
    var c = el("circle", { cx: px(n.x), cy: px(n.y), r: r, fill: colour(n.risk) });
    c.setAttribute("data-id", n.id);
    c.addEventListener("click", function (ev) {
      ev.stopPropagation(); select(c);
      show(n.name, [["spellings", n.spellings], ["countries", n.countries], ["roles", n.roles],
        ["risk", n.risk], ["watchlist", n.watch ? n.watch + " (" + (n.watch_source || "") + ")" : "none"],
        ["kg received", n.kg_in], ["kg shipped", n.kg_out]]);
    });
    world.appendChild(c);
    if (n.risk > 0 || data.nodes.length <= 60) {
      var t = el("text", { "class": "label", x: px(n.x) + r + 2, y: px(n.y) + 3 });
      t.textContent = n.name;
      world.appendChild(t);
    }
  });
  var view = { x: 0, y: 0, k: 1 };
  function apply() { world.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")"); }
  function fit() {
    var w = svg.clientWidth || 800, h = svg.clientHeight || 600;
    view.k = Math.min(w, h) / SIZE; view.x = (w - SIZE * view.k) / 2; view.y = (h - SIZE * view.k) / 2; apply();
  }
  var drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX - view.x, y: ev.clientY - view.y }; svg.style.cursor = "grabbing"; });
  window.addEventListener("mouseup", function () { drag = null; svg.style.cursor = "grab"; });
  window.addEventListener("mousemove", function (ev) { if (drag) { view.x = ev.clientX - drag.x; view.y = ev.clientY - drag.y; apply(); } });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var f = ev.deltaY < 0 ? 1.15 : 1 / 1.15, rect = svg.getBoundingClientRect();
    var mx = ev.clientX - rect.left, my = ev.clientY - rect.top;
    view.x = mx - (mx - view.x) * f; view.y = my - (my - view.y) * f; view.k *= f; apply();
  }, { passive: false });
  window.addEventListener("resize", fit);
  fit();
})();
</script>
</body>
</html>
"""


def embed_json(payload: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no HTML comments)."""
    # NaN/Infinity are not JSON: the page's JSON.parse would fail on them
    text = jsonsafe.dumps(payload, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(payload: dict[str, Any]) -> str:
    """The self-contained page for a payload made by ``export.html_payload``."""
    title = html.escape(str(payload.get("title", "fentrace graph")))
    return _PAGE.replace("__TITLE__", title).replace("__DATA__", embed_json(payload))
