"""`fentrace simulate` and `fentrace evaluate`."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress

from fentrace.atomic import write_text_atomic
from fentrace.cli._common import check_output_folder, emit_json, print_table, progress
from fentrace.exc import UsageError
from fentrace.simulation import (
    SimulationResult,
    calibrate,
    evaluate_manifest,
    load_params,
    run_scenario,
    summarise,
    write_comparison,
    write_outputs,
)
from fentrace.simulation.brief import render_brief
from fentrace.simulation.model import check_run_options, month_range, parse_month
from fentrace.simulation.policy import (
    analyse_policy,
    analysis_payload,
    planned_draws,
    write_analysis,
)
from fentrace.simulation.scenario import BUNDLED_SCENARIOS, load_scenario
from fentrace.simulation.uncertainty import default_jobs


@click.command(name="simulate")
@click.option(
    "--scenario",
    "scenario",
    default="baseline",
    show_default=True,
    help="Bundled scenario name or a scenario YAML file.",
)
@click.option(
    "--compare",
    "compare",
    multiple=True,
    help="Run several scenarios and overlay them (repeat or give several names).",
)
@click.argument("more", nargs=-1)
@click.option("--start", default="2015-01", show_default=True, help="First month (YYYY-MM).")
@click.option("--end", default="2026-12", show_default=True, help="Last month (YYYY-MM).")
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Random seed, a whole number from 0 to 4294967295.",
)
@click.option(
    "--volume",
    default=0.1,
    show_default=True,
    type=float,
    help="Shipment volume factor (1.0 is about a million shipments over 12 years; at most 20 "
    "unless FENTRACE_MAX_SIMULATION_SHIPMENTS allows more).",
)
@click.option(
    "--shipments-sample",
    default=1000,
    show_default=True,
    type=int,
    help="Rows in the CSV sample of the shipments.",
)
@click.option("-o", "--output", "output", default=None, help="Output folder.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@click.option(
    "--draws",
    type=int,
    default=None,
    help="Run an ensemble of N parameter sets (calibrated by ABC unless --fit prior).",
)
@click.option("--sampler", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True)
@click.option("--jobs", type=int, default=None, help="Worker processes (default: CPUs, at most 4).")
@click.option("--fit", "fit", type=click.Choice(["abc", "prior"]), default="abc", show_default=True)
@click.option(
    "--pool-factor",
    type=int,
    default=10,
    show_default=True,
    help="ABC: prior draws per accepted draw.",
)
@click.option(
    "--validate-until",
    type=int,
    default=2019,
    show_default=True,
    help="Validation: last year fitted (0: no validation).",
)
@click.option(
    "--sobol-samples",
    type=int,
    default=128,
    show_default=True,
    help="Sobol base sample (power of two; 0: none).",
)
@click.option("--report", "report", default=None, help="Write the HTML policy brief to this file.")
def simulate(
    scenario: str,
    compare: tuple[str, ...],
    more: tuple[str, ...],
    start: str,
    end: str,
    seed: int,
    volume: float,
    shipments_sample: int,
    output: str | None,
    as_json: bool,
    draws: int | None,
    sampler: str,
    jobs: int | None,
    fit: str,
    pool_factor: int,
    validate_until: int,
    sobol_samples: int,
    report: str | None,
) -> None:
    """Run the supply-chain simulator and write series, shipments, registry and plots.

    With --draws N: an ensemble over the parameter priors (calibrated, validated, Sobol
    indices), median and 90 % intervals for every series and lever effect, and --report.
    """
    if more and not compare:
        raise UsageError(f"unexpected arguments {' '.join(more)!r} (did you mean --compare?)")
    if shipments_sample < 0:
        raise UsageError("--shipments-sample must not be negative")
    names = list(compare) + list(more) if compare else [scenario]
    check_run_options(seed, volume)
    for name in names:  # a scenario that does not exist is a usage error, found before any run
        if name not in BUNDLED_SCENARIOS and not Path(name).is_file():
            raise UsageError(
                f"{name}: no such scenario file or bundled scenario "
                f"({', '.join(BUNDLED_SCENARIOS)})"
            )
    if draws is not None:
        _ensemble(names, start, end, seed, draws, sampler, jobs, fit, pool_factor,
                  validate_until, sobol_samples, output, report, as_json)  # fmt: skip
        return
    if report is not None:
        raise UsageError("--report needs --draws (the brief shows intervals over draws)")
    if output is None:
        raise UsageError("missing option -o/--output")
    check_output_folder(output, *(n for n in names if n not in BUNDLED_SCENARIOS))
    if len(names) == 1:
        results = [_run_with_month_bar(names[0], start, end, seed, volume)]
    else:
        results = [
            run_scenario(name, start, end, seed, volume=volume)
            for name in progress(names, total=len(names), label="simulating")
        ]
    if compare:
        paths = write_comparison(results, output)
        summary = summarise(results)
        if as_json:
            emit_json({"scenarios": summary.to_dicts(), "files": [str(p) for p in paths]})
            return
        print_table(summary.columns, summary.rows(), title="Scenario comparison")
        return
    result = results[0]
    paths = write_outputs(result, output, shipments_sample=shipments_sample)
    calibration = calibrate(result.series, load_params().number("mortality.deaths_per_kg"))
    payload = {
        "scenario": result.scenario,
        "seed": seed,
        "months": result.series.height,
        "shipments": result.shipments.height,
        "illicit_shipments": int(result.shipments["is_illicit"].sum()),
        "companies": result.registry.height,
        "calibration_weighted_mape": None
        if math.isnan(calibration.weighted_mape)
        else round(calibration.weighted_mape, 4),
        "files": [str(p) for p in paths],
    }
    if as_json:
        payload["calibration"] = calibration.table.to_dicts()
        emit_json(payload)
        return
    print_table(
        ["field", "value"],
        [(k, v) for k, v in payload.items() if k != "files"],
        title=f"Simulation {result.scenario}",
    )
    if calibration.table.height:
        table = calibration.table
        print_table(table.columns, table.rows(), title="Calibration (deaths per year)")
    click.echo(f"wrote {len(paths)} files to {output}")


def _ensemble(
    names: list[str],
    start: str,
    end: str,
    seed: int,
    draws: int,
    sampler: str,
    jobs: int | None,
    fit: str,
    pool_factor: int,
    validate_until: int,
    sobol_samples: int,
    output: str | None,
    report: str | None,
    as_json: bool,
) -> None:
    """The ensemble path of ``simulate``: analyse, write machine outputs and the brief."""
    if "baseline" not in names:
        names = ["baseline", *names]
    if output is None and report is None and not as_json:
        raise UsageError("an ensemble needs -o DIR, --report FILE or --json")
    workers = default_jobs() if jobs is None else jobs
    if workers < 1:
        raise UsageError("--jobs must be at least 1")
    scenarios = [load_scenario(n) for n in names]
    with Progress(
        console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()
    ) as bar:
        total = planned_draws(
            draws=draws, scenarios=len(scenarios), method=fit, pool_factor=pool_factor,
            validate=fit == "abc" and validate_until != 0, sobol_samples=max(sobol_samples, 0),
        )  # fmt: skip
        task = bar.add_task("parameter draws", total=total)
        analysis = analyse_policy(
            scenarios, start=start, end=end, draws=draws, sampler=sampler, method=fit,
            pool_factor=pool_factor,
            validate_until=validate_until if fit == "abc" and validate_until else None,
            sobol_samples=sobol_samples, seed=seed, jobs=workers,
            on_chunk=lambda n: bar.advance(task, n),
        )  # fmt: skip
    files = [str(p) for p in write_analysis(analysis, output)] if output else []
    if report:
        write_text_atomic(report, render_brief(analysis))
        files.append(report)
    if as_json:
        payload = analysis_payload(analysis)
        payload["files"] = files
        emit_json(payload)
        return
    effects = analysis.effects
    rows = [
        (r["scenario"], r["outcome"], round(r["percent_median"], 1),
         f"{r['percent_q05']:.1f} .. {r['percent_q95']:.1f}", round(r["difference_median"]))
        for r in effects.to_dicts()
    ]  # fmt: skip
    print_table(
        ["scenario", "outcome", "% vs baseline (median)", "90 % interval", "difference (median)"],
        rows,
        title=f"Lever effects over {analysis.ensemble.draws.size} draws ({fit})",
    )
    if analysis.validation_errors is not None:
        errors = analysis.validation_errors
        print_table(errors.columns, errors.rows(), title=f"Validation (fit until {validate_until})")
    for path in files:
        click.echo(f"wrote {path}")


def _run_with_month_bar(
    name: str, start: str, end: str, seed: int, volume: float
) -> SimulationResult:
    """One run with a bar advancing month by month when stderr is a terminal."""
    if not sys.stderr.isatty():
        return run_scenario(name, start, end, seed, volume=volume)
    months = len(month_range(parse_month(start), parse_month(end)))
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"simulating {name}", total=months)
        return run_scenario(
            name, start, end, seed, volume=volume, on_month=lambda _m: bar.advance(task)
        )


@click.command(name="evaluate")
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def evaluate(manifest: str, as_json: bool) -> None:
    """Evaluate shipment screening on a labelled manifest (simulated shipments)."""
    result = evaluate_manifest(manifest)

    def clean(value: float) -> float | None:
        return None if isinstance(value, float) and math.isnan(value) else round(value, 4)

    if as_json:
        emit_json(
            {
                "overall": {k: clean(v) for k, v in result.overall.items()},
                "by_typology": [
                    {k: (clean(v) if isinstance(v, float) else v) for k, v in row.items()}
                    for row in result.by_typology.to_dicts()
                ],
            }
        )
        return
    columns = ["typology", "shipments", "illicit", "precision", "recall", "pr_auc"]

    def cells(figures: dict[str, Any]) -> list[object]:
        # Counts are whole shipments; the rates keep four decimals.
        return [int(figures["shipments"]), int(figures["illicit"])] + [
            clean(figures[c]) for c in columns[3:]
        ]

    rows = [["overall", *cells(result.overall)]]
    rows += [[row["typology"], *cells(row)] for row in result.by_typology.to_dicts()]
    print_table(columns, rows, title=f"Screening evaluation: {manifest}")
