"""The policy brief: one self-contained HTML page (inline SVG drawn here, no script, no CDN).

Every value written into the page goes through :func:`html.escape`; the charts are SVG that
matplotlib draws on the server, stripped of their XML prologue and placed inline.
"""

from __future__ import annotations

import io
import re
from html import escape

import numpy as np
import polars as pl

from fentrace.reference.seizures import load_cbp_fentanyl_seizures
from fentrace.simulation.goods import ROUTES
from fentrace.simulation.policy import PolicyAnalysis
from fentrace.simulation.scenario import Scenario

COLOURS = ("#1f4e79", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#5d6d7e")
STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
.note{color:#555;font-size:.9em}figure{margin:1em 0}svg{max-width:100%;height:auto}
"""


def _svg(figure: object, key: str) -> str:
    """A matplotlib figure as inline SVG markup (no XML prologue, no DOCTYPE); ``key`` salts
    the element ids so that they are reproducible and differ between the page's charts."""
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.tight_layout()  # type: ignore[attr-defined]
    with matplotlib.rc_context({"svg.hashsalt": f"fentrace-{key}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[arg-type]
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.S)
    return text.strip()


def _figure(
    rows: int, cols: int, width: float = 10.0, height: float = 3.2
) -> tuple[object, np.ndarray]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=(width, height * rows), squeeze=False)
    return fig, axes


def fan_chart(
    analysis: PolicyAnalysis, series: str, title: str, unit: str, observed: str | None = None
) -> str:
    """Median and 90 % band of one series per scenario over the years, with the observed
    series (filled where verified) when one is given."""
    fig, axes = _figure(1, 1)
    ax = axes[0, 0]
    summary = analysis.summary.filter(pl.col("series") == series)
    for k, scenario in enumerate(analysis.ensemble.scenarios):
        part = summary.filter(pl.col("scenario") == scenario).sort("year")
        colour = COLOURS[k % len(COLOURS)]
        ax.fill_between(part["year"], part["q05"], part["q95"], color=colour, alpha=0.15)
        ax.plot(part["year"], part["median"], color=colour, label=scenario)
    if observed is not None:
        years = set(summary["year"].to_list())
        points = [o for o in analysis.observations if o.series == observed and o.year in years]
        ax.scatter([o.year for o in points if o.verified], [o.value for o in points if o.verified],
                   color="black", zorder=3, label="observed, verified")  # fmt: skip
        ax.scatter([o.year for o in points if not o.verified],
                   [o.value for o in points if not o.verified], facecolors="none",
                   edgecolors="black", zorder=3, label="observed, not verified")  # fmt: skip
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.legend(fontsize=8)
    return _svg(fig, series)


def route_chart(analysis: PolicyAnalysis) -> str:
    """Precursor kg by route (one panel per route), median and 90 % band per scenario."""
    fig, axes = _figure(2, 2, height=2.8)
    for r, route in enumerate(ROUTES):
        ax = axes[r // 2, r % 2]
        summary = analysis.summary.filter(pl.col("series") == f"precursor_kg_route_{route}")
        for k, scenario in enumerate(analysis.ensemble.scenarios):
            part = summary.filter(pl.col("scenario") == scenario).sort("year")
            colour = COLOURS[k % len(COLOURS)]
            ax.fill_between(part["year"], part["q05"], part["q95"], color=colour, alpha=0.15)
            ax.plot(part["year"], part["median"], color=colour, label=scenario)
        ax.set_title(f"{route} route precursors (kg/year)", fontsize=9)
    axes[0, 0].legend(fontsize=7)
    return _svg(fig, "routes")


def validation_chart(analysis: PolicyAnalysis) -> str:
    """Observed against the predictive 90 % band of the fit on the early years only."""
    table = analysis.validation_table
    assert table is not None
    fig, axes = _figure(1, 2, height=3.4)
    for ax, series, unit in zip(
        axes[0], ("deaths", "seizures"), ("deaths/year", "kg/fiscal year"), strict=True
    ):
        part = table.filter(pl.col("series") == series).sort("year")
        if part.height:
            ax.fill_between(
                part["year"],
                part["q05"],
                part["q95"],
                color=COLOURS[0],
                alpha=0.2,
                label="90 % predictive band",
            )
            ax.plot(part["year"], part["median"], color=COLOURS[0], label="median")
            used = part.filter(pl.col("in_fit"))
            held = part.filter(~pl.col("in_fit"))
            ax.scatter(
                used["year"], used["observed"], color="black", zorder=3, label="observed, in fit"
            )
            ax.scatter(
                held["year"],
                held["observed"],
                facecolors="none",
                edgecolors="black",
                zorder=3,
                label="observed, not in fit",
            )
        ax.axvline(analysis.validate_until + 0.5, color="grey", linestyle="--")
        ax.set_title(f"{series}: fit until {analysis.validate_until}, then predicted", fontsize=9)
        ax.set_ylabel(unit)
        ax.legend(fontsize=7)
    return _svg(fig, "validation")


def tornado_chart(analysis: PolicyAnalysis, top: int = 10) -> str:
    """Total (bar) and first-order (dot) Sobol indices, largest first, per output."""
    assert analysis.sensitivity is not None
    table = analysis.sensitivity.table
    outputs = table["output"].unique(maintain_order=True).to_list()
    fig, axes = _figure(len(outputs), 1, width=9.0, height=3.0)
    for ax, name in zip(axes[:, 0], outputs, strict=True):
        part = table.filter(pl.col("output") == name).sort("ST", descending=True).head(top)
        labels = part["parameter"].to_list()[::-1]
        y = np.arange(len(labels))
        ax.barh(y, part["ST"].to_list()[::-1], color=COLOURS[0], alpha=0.7, label="total ST")
        ax.scatter(
            part["S1"].to_list()[::-1], y, color=COLOURS[1], zorder=3, label="first order S1"
        )
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_title(f"Sobol indices: {name}", fontsize=9)
        ax.legend(fontsize=7)
    return _svg(fig, "tornado")


def _table(frame: pl.DataFrame, left: int = 1, digits: int = 1) -> str:
    head = "".join(
        f'<th class="{"l" if i < left else ""}">{escape(str(c))}</th>'
        for i, c in enumerate(frame.columns)
    )
    body = []
    for row in frame.rows():
        cells = []
        for i, value in enumerate(row):
            text = f"{value:,.{digits}f}" if isinstance(value, float) else str(value)
            cells.append(f'<td class="{"l" if i < left else ""}">{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _levers(scenario: Scenario) -> str:
    coop = ", ".join(f"{s.start:%Y-%m}: {s.value:g}" for s in scenario.cn_cooperation)
    insp = ", ".join(f"{s.start:%Y-%m}: {s.value:g}" for s in scenario.inspection)
    tariffs = ", ".join(
        f"{t.origin}->{t.destination} {t.rate:.0%} {t.start:%Y-%m}..{t.end:%Y-%m}"
        if t.end
        else f"{t.origin}->{t.destination} {t.rate:.0%} from {t.start:%Y-%m}"
        for t in scenario.tariffs
    )
    cells = [scenario.name, scenario.description, coop, insp, tariffs or "none",
             str(len(scenario.controls)), str(len(scenario.sanctions))]  # fmt: skip
    return "<tr>" + "".join(f'<td class="l">{escape(c)}</td>' for c in cells) + "</tr>"


def _effects(analysis: PolicyAnalysis) -> pl.DataFrame:
    e = analysis.effects
    return e.select(
        "scenario",
        "outcome",
        pl.col("baseline_median").alias("baseline (median)"),
        pl.col("difference_median").alias("difference (median)"),
        pl.format(
            "{} .. {}", pl.col("difference_q05").round(0), pl.col("difference_q95").round(0)
        ).alias("difference 90 % interval"),
        pl.col("percent_median").alias("% (median)"),
        pl.format("{} .. {}", pl.col("percent_q05").round(1), pl.col("percent_q95").round(1)).alias(
            "% 90 % interval"
        ),
    )


def render_brief(analysis: PolicyAnalysis) -> str:
    """The whole page as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>fentrace policy brief</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Policy brief: supply-chain levers against illicit fentanyl</h1>",
        f'<p class="note">fentrace simulation, {escape(analysis.start)} to {escape(analysis.end)}; '
        f"{analysis.ensemble.draws.size} parameter draws ({escape(analysis.sampler)} sampling, "
        f"{'ABC posterior' if analysis.method == 'abc' else 'prior'}), seed {analysis.seed}. "
        "Every scenario runs the same draws with the same laboratory random numbers, so each "
        "effect is a difference computed draw by draw; intervals are the 5th to 95th "
        "percentiles across draws (parameter uncertainty, not forecast error).</p>",
        "<h2>Scenarios and their levers</h2>",
        '<table><tr><th class="l">scenario</th><th class="l">description</th>'
        '<th class="l">Chinese cooperation (from: level)</th><th class="l">inspection (from: intensity)</th>'
        '<th class="l">tariffs</th><th class="l">controls</th><th class="l">sanctions events</th></tr>',
        *(_levers(s) for s in analysis.scenarios),
        "</table>",
        "<h2>Effects against the baseline</h2>",
        _table(_effects(analysis), left=2, digits=1),
        "<h2>Projections</h2>",
        f"<figure>{fan_chart(analysis, 'deaths_model', 'Deaths per year (median, 90 % band)', 'deaths', 'deaths')}</figure>",
        f"<figure>{fan_chart(analysis, 'cbp_seizures_reported_kg_fy', 'Fentanyl seized by CBP (kg per fiscal year, as reported)', 'kg', 'seizures')}</figure>",
        f"<figure>{route_chart(analysis)}</figure>",
    ]
    if analysis.fit is not None and analysis.fit_table is not None:
        fit = analysis.fit
        parts += [
            "<h2>Calibration (approximate Bayesian computation)</h2>",
            f"<p>{fit.accepted.size} of {fit.pool.draws.size} prior draws accepted (distance "
            f"&le; {fit.threshold:.2f}); fitted to: "
            f"{escape(', '.join(f'{t.series} {t.year}' for t in fit.targets))}. Deaths are fitted "
            "only in the years the knowledge base marks verified; the other rows are shown for "
            "comparison.</p>",
            _table(analysis.fit_table.drop("q05", "q95"), left=4, digits=0),
        ]
    if analysis.validation_table is not None and analysis.validation_errors is not None:
        parts += [
            f"<h2>Out-of-sample validation (fit until {analysis.validate_until})</h2>",
            f"<figure>{validation_chart(analysis)}</figure>",
            _table(analysis.validation_errors, left=2, digits=2),
        ]
    if analysis.sensitivity is not None:
        parts += [
            "<h2>Global sensitivity (Sobol indices over the priors)</h2>",
            f"<p>{analysis.sensitivity.runs} model runs (Saltelli sampling).</p>",
            f"<figure>{tornado_chart(analysis)}</figure>",
        ]
    parts += [
        "<h2>Assumptions and their sources</h2>",
        _assumptions(analysis),
        _data_sources(analysis),
    ]
    parts.append("</body></html>")
    return "\n".join(parts)


def _assumptions(analysis: PolicyAnalysis) -> str:
    rows = []
    for key, entry in analysis.params.entries.items():
        priors = "; ".join(
            f"{p.key.removeprefix(key + '.') if p.key != key else ''} {p.dist}"
            + ("" if p.dist == "fixed" else f" [{p.low:g}, {p.high:g}]")
            for p in entry.priors
        )
        value = (
            entry.value
            if not isinstance(entry.value, dict)
            else ", ".join(f"{k}: {v}" for k, v in entry.value.items())
        )
        cells = [key, str(value), entry.unit, priors.strip(), entry.justification]
        rows.append("<tr>" + "".join(f'<td class="l">{escape(c)}</td>' for c in cells) + "</tr>")
    head = "".join(
        f'<th class="l">{h}</th>'
        for h in ("parameter", "value", "unit", "prior", "source or rationale")
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _data_sources(analysis: PolicyAnalysis) -> str:
    deaths = [o for o in analysis.observations if o.series == "deaths"]
    rows = "".join(
        f'<tr><td class="l">deaths {o.year}</td><td>{o.value:,.0f}</td><td class="l">{escape(o.status)}</td></tr>'
        for o in deaths
    )
    series = load_cbp_fentanyl_seizures()
    seized = "".join(
        f'<tr><td class="l">CBP seizures FY{y.fiscal_year}</td><td>{y.pounds:,.0f} lb</td>'
        f'<td class="l">{escape(y.status + "; " + y.precision + "; " + ", ".join(y.source_ids))}</td></tr>'
        for y in series.years
    )
    sources = "".join(
        f'<li>{escape(s.id)}: {escape(s.publisher)}, "{escape(s.title)}", {escape(s.url or "no URL")} '
        f"(retrieved {s.retrieved:%Y-%m-%d}). {escape(s.note)}</li>"
        for s in series.sources.values()
    )
    return (
        "<h3>Observed series</h3>"
        '<p class="note">Deaths: US synthetic-opioid deaths (ICD-10 T40.4) from the fentrace '
        "knowledge base (CDC/NCHS); seizures: fentanyl seized by CBP nationwide per fiscal year.</p>"
        f'<table><tr><th class="l">series</th><th>value</th><th class="l">status</th></tr>{rows}{seized}</table>'
        f"<ul>{sources}</ul>"
    )
