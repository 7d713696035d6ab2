"""The policy analysis and its HTML brief: intervals for every lever, a self-contained page."""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from fentrace.exc import UsageError
from fentrace.simulation import (
    PolicyAnalysis,
    analyse_policy,
    load_scenario,
    render_brief,
    write_analysis,
)
from fentrace.simulation.policy import planned_draws


@cache
def analysis() -> PolicyAnalysis:
    hostile = dataclasses.replace(
        load_scenario("full-cn-cooperation"),
        name='coop <b>&"x"',
        description="<script>alert(1)</script> & friends",
    )
    scenarios = [load_scenario("baseline"), load_scenario("doubled-inspection"), hostile]
    return analyse_policy(
        scenarios, start="2018-01", end="2021-12", draws=12, pool_factor=3,
        validate_until=2019, sobol_samples=4, seed=1,
    )  # fmt: skip


def test_every_lever_has_an_effect_with_a_90_percent_interval() -> None:
    effects = analysis().effects
    assert set(effects["scenario"]) == {"doubled-inspection", 'coop <b>&"x"'}
    assert (effects["percent_q05"] <= effects["percent_median"]).all()
    assert (effects["percent_median"] <= effects["percent_q95"]).all()
    assert analysis().ensemble.draws.size == 12
    assert analysis().fit is not None
    assert analysis().fit.pool.draws.size == 36


def test_validation_reports_held_out_error_next_to_in_sample_error() -> None:
    errors = analysis().validation_errors
    assert errors is not None
    parts = set(zip(errors["series"], errors["part"], strict=True))
    assert ("deaths", "held out") in parts
    assert ("deaths", "in-sample window") in parts
    assert ("seizures", "held out") in parts
    table = analysis().validation_table
    assert table is not None
    assert not table.filter(table["year"] > 2019)["in_fit"].any()


def test_brief_is_self_contained_and_escapes_every_value() -> None:
    page = render_brief(analysis())
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"\son[a-z]+\s*=", page), "no inline event handlers"
    assert not re.search(r"\s(src|href)\s*=", page), "no external resource"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in page
    assert "coop &lt;b&gt;&amp;&quot;x&quot;" in page
    assert page.count("<svg") >= 5  # deaths, seizures, routes, validation, tornado
    assert render_brief(analysis()) == page  # reproducible element ids and values
    for heading in ("Effects against the baseline", "Out-of-sample validation",
                    "Global sensitivity", "Assumptions and their sources", "CBP seizures FY2020"):  # fmt: skip
        assert heading in page


def test_machine_outputs_are_written(tmp_path: Path) -> None:
    paths = write_analysis(analysis(), tmp_path)
    names = {p.name for p in paths}
    for stem in ("draws", "ensemble_yearly", "ensemble_summary", "effects", "calibration_fit",
                 "validation", "validation_errors", "sobol_indices"):  # fmt: skip
        assert f"{stem}.parquet" in names
        assert f"{stem}.csv" in names
    payload = json.loads((tmp_path / "analysis.json").read_text(encoding="utf-8"))
    assert payload["draws"] == 12
    assert payload["effects"]
    assert payload["sobol_top"]
    assert payload["validation"]["fit_until"] == 2019


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"names": ["doubled-inspection"]}, "needs the 'baseline'"),
        ({"names": ["baseline", "baseline"]}, "named twice"),
        ({"draws": 1}, "at least 2"),
        ({"sampler": "grid"}, "--sampler"),
        ({"method": "mcmc"}, "--fit"),
        ({"pool_factor": 0}, "--pool-factor"),
        ({"validate_until": 2021}, "--validate-until"),
        ({"seed": -1}, "--seed"),
        ({"sobol_samples": 6}, "power of two"),
    ],
)
def test_bad_settings_are_usage_errors(kwargs: dict[str, Any], message: str) -> None:
    names = kwargs.pop("names", ["baseline"])
    settings: dict[str, Any] = {
        "start": "2018-01",
        "end": "2021-12",
        "draws": 4,
        "sobol_samples": 0,
    }
    settings.update(kwargs)
    with pytest.raises(UsageError, match=message):
        analyse_policy([load_scenario(n) for n in names], **settings)


def test_progress_counts_every_planned_draw() -> None:
    seen: list[int] = []
    scenarios = [load_scenario("baseline"), load_scenario("doubled-inspection")]
    analyse_policy(
        scenarios, start="2019-01", end="2021-12", draws=4, pool_factor=2, validate_until=2019,
        sobol_samples=2, on_chunk=seen.append,
    )  # fmt: skip
    assert sum(seen) == planned_draws(draws=4, scenarios=2, pool_factor=2, sobol_samples=2)
