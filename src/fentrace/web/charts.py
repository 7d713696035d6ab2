"""Charts drawn on the server as SVG: no script, no style attributes (a strict CSP allows them).

Colours are presentation attributes and every label is escaped text; each chart carries a
``<title>`` and ``<desc>`` so a screen reader can read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

#: Bars for the alert levels and dispositions (WCAG AA against white text or the page).
LEVEL_COLOURS = {"high": "#b00020", "medium": "#8a4b00", "low": "#35556b"}
DISPOSITION_COLOURS = {
    "open": "#35556b",
    "escalated": "#8a4b00",
    "true_positive": "#b00020",
    "false_positive": "#2e6b30",
}
#: Jurisdictions of the control timeline, in the order the knowledge base lists them.
TIMELINE_JURISDICTIONS = ("UN", "US", "CN", "CA", "MX", "EU")


def bar_chart(title: str, values: Sequence[tuple[str, int]], colours: dict[str, str]) -> Markup:
    """Horizontal bars, one per (label, count), with the count written after each bar."""
    width, row, label_w = 420, 26, 130
    height = row * len(values) + 10
    top = max([v for _, v in values] + [1])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for number, (label, value) in enumerate(values):
        y = 5 + number * row
        bar = 0 if value == 0 else max(2, round((width - label_w - 60) * value / top))
        colour = colours.get(label, "#35556b")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" fill="#1b1b1b" '
            f'font-size="13">{escape(label.replace("_", " "))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{label_w + bar + 6}" y="{y + 17}" fill="#1b1b1b" font-size="13">'
            f"{value}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class Span:
    """One control in force in one jurisdiction from ``start`` to ``end`` (None: still in force)."""

    jurisdiction: str
    start: date
    end: date | None
    label: str
    citation: str
    verified: bool


def control_timeline(spans: Sequence[Span], today: date) -> Markup:
    """One lane per jurisdiction; a bar from each control's effective date to its end or today."""
    width, lane, left, right = 760, 34, 44, 20
    first = min(min(s.start for s in spans).year if spans else today.year - 10, today.year - 1)
    last = today.year + 1
    years = max(1, last - first)
    plot = width - left - right
    height = lane * len(TIMELINE_JURISDICTIONS) + 30

    def x(day: date) -> float:
        return left + plot * ((day.year - first) + (day.timetuple().tm_yday - 1) / 366) / years

    description = "; ".join(
        f"{s.jurisdiction}: {s.label} from {s.start.isoformat()}"
        + (f" to {s.end.isoformat()}" if s.end else "")
        for s in spans
    )
    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="timeline-title">Controls by jurisdiction over time</title>',
        f'<desc id="timeline-desc">{escape(description or "no dated control")}</desc>',
    ]
    step = 1 if years <= 12 else (5 if years <= 60 else 10)
    for year in range(first, last + 1):
        if (year - first) % step:
            continue
        gx = x(date(year, 1, 1))
        parts.append(
            f'<line x1="{gx:.1f}" y1="4" x2="{gx:.1f}" y2="{height - 22}" stroke="#d0d0d0"/>'
            f'<text x="{gx:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
            f'fill="#3d3d3d">{year}</text>'
        )
    for number, code in enumerate(TIMELINE_JURISDICTIONS):
        y = 6 + number * lane
        parts.append(
            f'<text x="{left - 8}" y="{y + 19}" text-anchor="end" font-size="13" '
            f'font-weight="bold" fill="#1b1b1b">{code}</text>'
        )
        for span in (s for s in spans if s.jurisdiction == code):
            x1 = x(span.start)
            x2 = x(span.end or today)
            colour = "#0b5cad" if span.verified else "#6b4fa0"
            title = f"{span.label}, in force from {span.start.isoformat()}" + (
                f" to {span.end.isoformat()}" if span.end else ""
            )
            title += f" — {span.citation}" + ("" if span.verified else " (unverified)")
            parts.append(
                f'<g><title>{escape(title)}</title><rect x="{x1:.1f}" y="{y + 5}" '
                f'width="{max(3.0, x2 - x1):.1f}" height="{lane - 12}" rx="3" fill="{colour}"/>'
                f'<text x="{x1 + 4:.1f}" y="{y + 19}" font-size="11" fill="#ffffff">'
                f"{escape(span.start.isoformat()[:4])}</text></g>"
            )
    tx = x(today)
    parts.append(
        f'<line x1="{tx:.1f}" y1="2" x2="{tx:.1f}" y2="{height - 22}" stroke="#b00020" '
        'stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


#: Line colours of compared scenarios (distinct for common colour-vision deficiencies).
SERIES_COLOURS = ("#0b57a8", "#b00020", "#2e6b30", "#8a4b00", "#6b4fa0", "#00727a")


def line_chart(
    title: str, months: Sequence[date], series: Sequence[tuple[str, Sequence[float]]], unit: str
) -> Markup:
    """Monthly series as lines on one set of axes, with a legend and a text description."""
    width, height, left, right, top, bottom = 760, 300, 64, 16, 14, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([max(values, default=0.0) for _, values in series] + [1e-9])
    count = max(1, len(months) - 1)

    def x(index: int) -> float:
        return left + plot_w * index / count

    def y(value: float) -> float:
        return top + plot_h * (1 - value / highest)

    description = "; ".join(
        f"{name}: from {values[0]:,.0f} to {values[-1]:,.0f} {unit}, total {sum(values):,.0f}"
        for name, values in series
        if values
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
    ]
    for tick in range(5):
        value = highest * tick / 4
        ty = y(value)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="#dddddd"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#3d3d3d">{value:,.0f}</text>'
        )
    years = sorted({m.year for m in months})
    step = 1 if len(years) <= 12 else 2
    for year in years[::step]:
        index = next(i for i, m in enumerate(months) if m.year == year)
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="#3d3d3d">{year}</text>'
        )
    for number, (name, values) in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        dash = "" if number < len(SERIES_COLOURS) else ' stroke-dasharray="5 3"'
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        lx = left + (number % 3) * 230
        ly = height - 22 + (number // 3) * 14
        parts.append(
            f'<rect x="{lx}" y="{ly - 8}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{lx + 18}" y="{ly - 2}" font-size="11" fill="#1b1b1b">{escape(name)}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{top - 2}" font-size="11" fill="#3d3d3d">{escape(unit)}</text></svg>'
    )
    return Markup("".join(parts))
