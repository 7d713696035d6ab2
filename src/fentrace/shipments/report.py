"""A self-contained HTML report of a screening: counts, charts, top alerts and rejected rows.

Self-contained means one file with no network access: CSS is inline and the charts are
inline SVG drawn here. Every value from the manifest is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from fentrace.atomic import write_text_atomic
from fentrace.shipments.engine import ScreeningResult, explain_codes
from fentrace.shipments.rules import LEVELS
from fentrace.shipments.schema import Manifest

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330;max-width:1200px}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d7dbe3}
.meta{color:#5a6270;font-size:.9rem}table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.5rem 0}
th,td{border:1px solid #d7dbe3;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f1f3f7}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d7dbe3;border-radius:6px;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.5rem}.high{color:#b3261e}.medium{color:#b36b00}.low{color:#3558a8}.none{color:#5a6270}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1rem}
.reason{margin:0;padding-left:1.1rem}code{background:#f1f3f7;padding:0 .2rem}
"""
_LEVEL_COLOURS = {"high": "#b3261e", "medium": "#e08a00", "low": "#3558a8", "none": "#9aa1ad"}


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def bar_chart_svg(
    title: str, items: Sequence[tuple[str, float]], *, width: int = 520, unit: str = ""
) -> str:
    """A horizontal bar chart as inline SVG (labels escaped)."""
    bar, gap, label_width = 18, 6, 210
    height = 30 + len(items) * (bar + gap)
    top = max((value for _label, value in items), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{_e(title)}</text>',
    ]
    if not items:
        parts.append('<text x="0" y="40" font-size="12" fill="#5a6270">no alerts</text>')
    for i, (label, value) in enumerate(items):
        y = 26 + i * (bar + gap)
        length = (width - label_width - 60) * value / top
        shown = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"<title>{_e(label)}</title>{_e(shown)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="#3558a8"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}" font-size="11">{value:g}{_e(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def month_chart_svg(
    title: str, rows: Sequence[tuple[str, dict[str, int]]], *, width: int = 520
) -> str:
    """Stacked vertical bars of alerts per month by level, as inline SVG."""
    height, base, left = 220, 180, 30
    top = max((sum(c.values()) for _m, c in rows), default=0) or 1
    step = (width - left - 10) / max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{_e(title)}</text>',
        f'<text x="0" y="{base}" font-size="10">0</text><text x="0" y="34" font-size="10">{top}</text>',
    ]
    if not rows:
        parts.append('<text x="0" y="40" font-size="12" fill="#5a6270">no alerts</text>')
    for i, (month, counts) in enumerate(rows):
        x = left + i * step
        y = float(base)
        for level in ("low", "medium", "high"):
            h = (base - 30) * counts.get(level, 0) / top
            if h:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}" '
                    f'fill="{_LEVEL_COLOURS[level]}"><title>{_e(month)} {level}: {counts[level]}</title></rect>'
                )
        if len(rows) <= 24 or i % max(len(rows) // 12, 1) == 0:
            parts.append(f'<text x="{x:.1f}" y="{base + 14}" font-size="9">{_e(month)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _route_label(origin: str, transit: Sequence[str], destination: str) -> str:
    return "->".join([origin, *transit, destination])


def _charts(alerts: pl.DataFrame) -> list[str]:
    flagged = alerts.filter(pl.col("level") != "none")
    routes = (
        flagged.with_columns(
            pl.concat_str(
                [
                    pl.col("shipper_country"),
                    pl.col("transit_countries").list.join("->"),
                    pl.col("consignee_country"),
                ],
                separator="->",
            )
            .str.replace("->->", "->")
            .alias("route")
        )
        .group_by("route")
        .len()
        .sort(["len", "route"], descending=[True, False])
        .head(12)
    )
    months = (
        flagged.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month"))
        .group_by("month", "level")
        .len()
        .sort("month")
    )
    by_month: dict[str, dict[str, int]] = {}
    for month, level, count in months.iter_rows():
        by_month.setdefault(month, {})[level] = count

    def riskiest(column: str) -> list[tuple[str, float]]:
        top = (
            flagged.group_by(column)
            .agg(pl.col("score").sum().round(1).alias("total"))
            .sort(["total", column], descending=[True, False])
            .head(10)
        )
        return [(str(name), float(total)) for name, total in top.iter_rows()]

    return [
        bar_chart_svg("Alerts by route", [(r, float(n)) for r, n in routes.iter_rows()]),
        month_chart_svg("Alerts by month (high, medium, low)", sorted(by_month.items())),
        bar_chart_svg("Riskiest shippers (sum of alert scores)", riskiest("shipper_name")),
        bar_chart_svg("Riskiest consignees (sum of alert scores)", riskiest("consignee_name")),
    ]


def render_report(
    result: ScreeningResult, manifest: Manifest, *, top: int = 50, max_rejected: int = 2000
) -> str:
    """The report as one HTML string."""
    counts = result.counts
    alerts = result.alerts
    cards = "".join(
        f'<div class="card"><span>{_e(k)}</span><b class="{_e(k)}">{counts.get(k, 0)}</b></div>'
        for k in ("read", "screened", "rejected", *LEVELS)
    )
    as_of = result.as_of.isoformat() if result.as_of else "each shipment's own date"
    head = (
        f"<h1>fentrace shipment screening</h1><p class='meta'>Manifest <code>{_e(manifest.source)}</code>"
        f" · rules: {_e(result.rules.source)} · control status as of {_e(as_of)} · generated "
        f"{_e(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}</p>"
        f"<p class='meta'>read = screened + rejected: {counts['read']} = {counts['screened']} + {counts['rejected']}</p>"
    )
    ranked = result.at_least("low").head(top)
    rows = []
    for record in ranked.iter_rows(named=True):
        reasons = "".join(
            f"<li><code>{_e(r['code'])}</code> ({r['weight']:.2f}) {_e(r['detail'])}</li>"
            for r in sorted(record["reasons"], key=lambda r: -r["weight"])
        )
        route = _route_label(
            record["shipper_country"], record["transit_countries"], record["consignee_country"]
        )
        rows.append(
            f"<tr><td>{_e(record['shipment_id'])}</td><td>{record['score']:.1f}</td>"
            f"<td class='{_e(record['level'])}'>{_e(record['level'])}</td><td>{_e(record['date'])}</td>"
            f"<td>{_e(record['shipper_name'])}</td><td>{_e(record['consignee_name'])}</td><td>{_e(route)}</td>"
            f"<td>{_e(record['description'])}</td><td><ul class='reason'>{reasons}</ul></td></tr>"
        )
    alerts_table = (
        "<table><tr><th>shipment</th><th>score</th><th>level</th><th>date</th><th>shipper</th>"
        "<th>consignee</th><th>route</th><th>description</th><th>reasons</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>No shipment reached level low.</p>"
    )
    rejected_rows = "".join(
        f"<tr><td>{r.row}</td><td>{_e(r.field)}</td><td>{_e(r.reason)}</td><td>{_e(r.value)}</td></tr>"
        for r in result.rejected[:max_rejected]
    )
    more = (
        f"<p class='meta'>{len(result.rejected) - max_rejected} more problems not shown.</p>"
        if len(result.rejected) > max_rejected
        else ""
    )
    rejected = (
        "<table><tr><th>row</th><th>field</th><th>reason</th><th>value</th></tr>"
        + rejected_rows
        + "</table>"
        + more
        if result.rejected
        else "<p>No row was rejected.</p>"
    )
    weights = result.rules.weights
    legend = "".join(
        f"<tr><td><code>{_e(code)}</code></td><td>{_e(weights.get(code, 'per route'))}</td><td>{_e(text)}</td></tr>"
        for code, text in explain_codes().items()
    )
    thresholds = ", ".join(f"{k} ≥ {v:g}" for k, v in result.rules.levels.items())
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>fentrace shipment screening — {_e(Path(manifest.source).name)}</title><style>{_CSS}</style></head><body>"
        f"{head}<h2>Counts</h2><div class='cards'>{cards}</div>"
        f"<h2>Charts</h2><div class='charts'>{''.join(_charts(alerts))}</div>"
        f"<h2>Top alerts</h2><p class='meta'>Score = 100 × (1 − ∏(1 − weight)) over the reasons that fired; levels: {_e(thresholds)}.</p>"
        f"{alerts_table}<h2>Rejected rows</h2>{rejected}"
        f"<h2>Indicator codes</h2><table><tr><th>code</th><th>weight</th><th>what it means</th></tr>{legend}</table>"
        "</body></html>"
    )


def write_report(result: ScreeningResult, manifest: Manifest, path: str | Path) -> None:
    """Write the self-contained HTML report to ``path``."""
    write_text_atomic(path, render_report(result, manifest))
