"""Files a run writes: series (csv, parquet), shipments (parquet + csv sample), registry,
calibration table and PNG plots; and the comparison of several scenarios."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl
from matplotlib.figure import Figure

from fentrace.atomic import atomic_directory
from fentrace.csvsafe import formula_safe_frame
from fentrace.exc import FentraceError
from fentrace.simulation.calibration import calibrate, observed_deaths
from fentrace.simulation.goods import PRECURSORS
from fentrace.simulation.model import SimulationResult
from fentrace.simulation.params import load_params

SUMMARY_COLUMNS: tuple[str, ...] = (
    "fentanyl_us_supply_kg",
    "fentanyl_seized_kg",
    "precursor_seized_kg",
    "precursor_kg_from_cn",
    "analog_kg",
    "deaths_model",
)


def _prepare_parent(directory: str | Path) -> Path:
    """The output folder's path, once its parent folder exists."""
    path = Path(directory)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FentraceError(
            f"{path}: cannot create the output folder ({error.strerror})"
        ) from error
    return path


def write_outputs(
    result: SimulationResult, directory: str | Path, *, shipments_sample: int = 1000
) -> list[Path]:
    """Write every output of one run into ``directory``; returns the paths written.

    The files are built in a temporary folder and moved into place at the end (see
    :func:`fentrace.atomic.atomic_directory`): a killed run leaves no half file.
    """
    final = _prepare_parent(directory)
    with atomic_directory(final) as out:
        written = _write_run(result, out, shipments_sample)
    return [final / path.name for path in written]


def _write_run(result: SimulationResult, out: Path, shipments_sample: int) -> list[Path]:
    written = []
    series_csv = out / "series.csv"
    result.series.write_csv(series_csv)
    result.series.write_parquet(out / "series.parquet")
    result.shipments.write_parquet(out / "shipments.parquet")
    sample = (
        result.shipments.sample(
            n=min(shipments_sample, result.shipments.height), seed=result.seed, shuffle=False
        )
        if result.shipments.height
        else result.shipments
    )
    formula_safe_frame(sample).write_csv(out / "shipments_sample.csv")
    result.registry.write_parquet(out / "registry.parquet")
    formula_safe_frame(result.registry).write_csv(out / "registry.csv")
    written += [series_csv, out / "series.parquet", out / "shipments.parquet"]
    written += [out / "shipments_sample.csv", out / "registry.parquet", out / "registry.csv"]
    calibration = calibrate(result.series, load_params().number("mortality.deaths_per_kg"))
    calibration.table.write_csv(out / "calibration.csv")
    written.append(out / "calibration.csv")
    written += plot_run(result, out)
    return written


def plot_run(result: SimulationResult, out: Path) -> list[Path]:
    """Four PNGs: precursor flows by substance, seizures, fentanyl supply, deaths vs observed."""
    s = result.series
    months = s["month"].to_list()
    paths = []
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.stackplot(
        months,
        [s[f"flow_kg_{p[0]}"].to_numpy() for p in PRECURSORS],
        labels=[p[0] for p in PRECURSORS],
    )
    ax.set(title=f"Illicit precursor flow by substance ({result.scenario})", ylabel="kg / month")
    ax.legend(loc="upper left", fontsize=8, ncols=4)
    paths.append(_save(fig, out / "precursor_flows.png"))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(months, s["fentanyl_seized_kg"], label="fentanyl seized at the border")
    ax.plot(months, s["precursor_seized_kg"], label="precursors seized")
    ax.plot(months, s["analog_seized_kg"], label="mailed analogs seized")
    ax.set(title="Seizures", ylabel="kg / month")
    ax.legend()
    paths.append(_save(fig, out / "seizures.png"))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(months, s["fentanyl_us_supply_kg"], label="reaching US street supply")
    ax.plot(months, s["fentanyl_produced_kg"], label="produced")
    ax.set(title="Fentanyl supply", ylabel="kg / month")
    ax.legend()
    paths.append(_save(fig, out / "fentanyl_supply.png"))
    paths.append(_plot_deaths({result.scenario: s}, out / "deaths_vs_observed.png"))
    return paths


def _plot_deaths(runs: dict[str, pl.DataFrame], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name, s in runs.items():
        yearly = (
            s.group_by(pl.col("month").dt.year().alias("year"))
            .agg(pl.col("deaths_model").sum(), pl.len().alias("n"))
            .filter(pl.col("n") == 12)
            .sort("year")
        )
        ax.plot(yearly["year"], yearly["deaths_model"], marker="o", label=f"model: {name}")
    observed = observed_deaths().filter(pl.col("year") >= 2015)
    ax.scatter(
        observed["year"], observed["observed"], color="black", zorder=3, label="observed (KB)"
    )
    verified = observed.filter(pl.col("verified"))
    ax.scatter(
        verified["year"],
        verified["observed"],
        s=120,
        facecolors="none",
        edgecolors="red",
        label="verified",
    )
    ax.set(title="Synthetic-opioid deaths per year", ylabel="deaths")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig: Figure, path: Path) -> Path:
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def summarise(results: list[SimulationResult]) -> pl.DataFrame:
    """One row per scenario: totals over the horizon and the change against the first."""
    rows = []
    for result in results:
        row: dict[str, object] = {"scenario": result.scenario}
        for column in SUMMARY_COLUMNS:
            row[column] = round(float(result.series[column].sum()), 1)
        shares = result.series.select(
            (pl.col("route_share_designer") + pl.col("route_share_piperidone")).mean()
        ).item()
        row["late_route_share"] = round(float(shares), 3)
        rows.append(row)
    frame = pl.DataFrame(rows)
    base_deaths = float(frame["deaths_model"][0])
    return frame.with_columns(
        (100 * (pl.col("deaths_model") / base_deaths - 1)).round(1).alias("deaths_change_pct")
    )


def write_comparison(results: list[SimulationResult], directory: str | Path) -> list[Path]:
    """Overlay plots and a summary table for several scenarios (written atomically, as a run's)."""
    final = _prepare_parent(directory)
    with atomic_directory(final) as out:
        written = _write_comparison(results, out)
    return [final / path.name for path in written]


def _write_comparison(results: list[SimulationResult], out: Path) -> list[Path]:
    summary = summarise(results)
    formula_safe_frame(summary).write_csv(out / "comparison.csv")
    paths = [out / "comparison.csv"]
    paths.append(_plot_deaths({r.scenario: r.series for r in results}, out / "compare_deaths.png"))
    for column, title in (
        ("fentanyl_us_supply_kg", "Fentanyl reaching US supply (kg/month)"),
        ("fentanyl_seized_kg", "Fentanyl seized (kg/month)"),
        ("precursor_kg_from_cn", "Illicit precursors from China (kg/month)"),
    ):
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for result in results:
            ax.plot(result.series["month"].to_list(), result.series[column], label=result.scenario)
        ax.set(title=title)
        ax.legend(fontsize=8)
        paths.append(_save(fig, out / f"compare_{column}.png"))
    return paths
