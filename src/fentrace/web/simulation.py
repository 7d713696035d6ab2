"""Simulation runs for the web page: scenarios run in a background thread, compared as series.

Each run calls the simulation package's ``run_scenario`` once per scenario (no shipments are
written: volume 0, the modelled series do not depend on it) and keeps the monthly series in
memory; the newest runs are kept, older ones dropped. Progress counts simulated months.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from fentrace.exc import FentraceError, UsageError
from fentrace.service.errors import NotFoundError
from fentrace.simulation import BUNDLED_SCENARIOS, load_scenario, run_scenario
from fentrace.simulation.model import month_range, parse_month

#: Runs kept in memory (the newest).
KEEP_RUNS = 20
#: The longest period one run may simulate.
MAX_MONTHS = 12 * 15
#: Lever series shown side by side: column -> what it means.
LEVERS = {
    "cn_cooperation": "China's enforcement cooperation (0-1)",
    "inspection": "share of shipments inspected",
    "tariff_cn_us": "US tariff on Chinese goods",
}
#: Routes whose precursor flow is compared: series column -> route.
ROUTES = {
    "route_share_siegfried": "Siegfried route",
    "route_share_gupta": "Gupta route",
    "route_share_piperidone": "piperidone route",
    "route_share_designer": "designer-precursor routes",
}


@dataclass
class SimulationRun:
    """One comparison: its scenarios, period, seed, progress and, when done, the series."""

    id: str
    scenarios: tuple[str, ...]
    start: date
    end: date
    seed: int
    created_by: str
    months_total: int
    state: str = "queued"
    months_done: int = 0
    error: str | None = None
    series: dict[str, pl.DataFrame] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def progress(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "months_done": self.months_done,
            "months_total": self.months_total,
            "error": self.error,
        }


class SimulationRunner:
    """Runs simulations one at a time in a worker thread and keeps the newest results."""

    def __init__(self) -> None:
        self.runs: OrderedDict[str, SimulationRun] = OrderedDict()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fentrace-simulate")

    def submit(
        self, actor: str, scenarios: list[str], start: str, end: str, seed: int
    ) -> SimulationRun:
        """Check the request, queue the run, return it."""
        unknown = [s for s in scenarios if s not in BUNDLED_SCENARIOS]
        if unknown:
            raise UsageError(f"scenario {unknown[0]!r} is not one of ours", field="scenarios")
        if not scenarios:
            raise UsageError("pick at least one scenario", field="scenarios")
        first, last = parse_month(start), parse_month(end)
        months = len(month_range(first, last))
        if months > MAX_MONTHS:
            raise UsageError(f"at most {MAX_MONTHS} months per run", field="end")
        if not 0 <= seed < 2**31:
            raise UsageError("the seed must be between 0 and 2147483647", field="seed")
        run = SimulationRun(
            id=uuid.uuid4().hex,
            scenarios=tuple(dict.fromkeys(scenarios)),
            start=first,
            end=last,
            seed=seed,
            created_by=actor,
            months_total=months * len(set(scenarios)),
        )
        with self.lock:
            self.runs[run.id] = run
            while len(self.runs) > KEEP_RUNS:
                self.runs.popitem(last=False)
        self.pool.submit(self._run, run)
        return run

    def get(self, run_id: str) -> SimulationRun:
        with self.lock:
            run = self.runs.get(run_id)
        if run is None:
            raise NotFoundError(f"no simulation run {run_id!r}", run_id=run_id)
        return run

    def recent(self) -> list[SimulationRun]:
        with self.lock:
            return list(reversed(self.runs.values()))

    def _run(self, run: SimulationRun) -> None:
        run.state = "running"

        def tick(_month: date) -> None:
            run.months_done += 1

        try:
            for name in run.scenarios:
                run.descriptions[name] = load_scenario(name).description
                result = run_scenario(name, run.start, run.end, run.seed, volume=0.0, on_month=tick)
                run.series[name] = result.series
            run.state = "succeeded"
        except FentraceError as error:
            run.error, run.state = str(error), "failed"
        except Exception as error:  # a fault in one run must not kill the worker
            run.error, run.state = f"internal error: {type(error).__name__}", "failed"


def lever_table(run: SimulationRun) -> list[dict[str, Any]]:
    """Each lever's value at the start and end of the period and its mean, per scenario."""
    rows = []
    for column, meaning in LEVERS.items():
        cells = {}
        for name, frame in run.series.items():
            values = frame[column].to_list() if column in frame.columns else []
            cells[name] = (
                {"start": values[0], "end": values[-1], "mean": sum(values) / len(values)}
                if values
                else None
            )
        rows.append({"lever": column, "meaning": meaning, "cells": cells})
    return rows


def totals(run: SimulationRun) -> list[dict[str, Any]]:
    """Deaths, seizures and precursor flow summed over the period, per scenario."""
    rows = []
    for name, frame in run.series.items():
        rows.append(
            {
                "scenario": name,
                "deaths": float(frame["deaths_model"].sum()),
                "fentanyl_seized_kg": float(frame["fentanyl_seized_kg"].sum()),
                "precursor_seized_kg": float(frame["precursor_seized_kg"].sum()),
                "precursor_kg_total": float(frame["precursor_kg_total"].sum()),
            }
        )
    return rows
