"""The simulator: determinism, the INCB substitution order, the levers and calibration."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fentrace.exc import ConfigError, UsageError
from fentrace.reference import validate_cas
from fentrace.simulation import (
    SimulationResult,
    average_precision,
    calibrate,
    load_params,
    load_scenario,
    run_scenario,
)
from fentrace.simulation.calibration import MAPE_BOUND
from fentrace.simulation.goods import BACKGROUND
from fentrace.simulation.params import parse_params
from fentrace.simulation.scenario import parse_scenario


@cache
def run(
    name: str, start: str = "2015-01", end: str = "2026-12", volume: float = 0.0
) -> SimulationResult:
    return run_scenario(name, start, end, 0, volume=volume)


def frame_hash(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


def yearly(series: pl.DataFrame, column: str) -> dict[int, float]:
    table = series.group_by(pl.col("month").dt.year().alias("y")).agg(pl.col(column).mean())
    return dict(zip(table["y"].to_list(), table[column].to_list(), strict=True))


def test_same_seed_same_output_and_other_seed_differs() -> None:
    a = run_scenario("baseline", "2018-01", "2018-06", 7, volume=0.02)
    b = run_scenario("baseline", "2018-01", "2018-06", 7, volume=0.02)
    c = run_scenario("baseline", "2018-01", "2018-06", 8, volume=0.02)
    for frame in ("series", "shipments", "registry"):
        assert frame_hash(getattr(a, frame)) == frame_hash(getattr(b, frame))
    assert frame_hash(a.shipments) != frame_hash(c.shipments)


def test_substitution_follows_the_incb_order() -> None:
    series = run("baseline").series
    groups = {
        "siegfried": "route_share_siegfried",
        "gupta": "route_share_gupta",
        "piperidone": "route_share_piperidone",
    }
    shares = {k: yearly(series, v) for k, v in groups.items()}
    leader = {y: max(groups, key=lambda k: shares[k][y]) for y in (2015, 2020, 2025)}
    assert leader == {2015: "siegfried", 2020: "gupta", 2025: "piperidone"}
    # NPP/ANPP fall after the 2017 controls; 4-AP falls after the 2022-2024 ones.
    assert shares["siegfried"][2019] < shares["siegfried"][2016] / 2
    assert shares["gupta"][2025] < shares["gupta"][2021] / 2


def totals(name: str) -> dict[str, float]:
    s = run(name).series
    return {c: float(s[c].sum()) for c in s.columns if c != "month"}


@pytest.mark.parametrize(
    ("scenario", "column", "direction"),
    [
        ("doubled-inspection", "fentanyl_seized_kg", +1),
        ("doubled-inspection", "fentanyl_us_supply_kg", -1),
        ("doubled-inspection", "deaths_model", -1),
        ("full-cn-cooperation", "precursor_kg_from_cn", -1),
        ("full-cn-cooperation", "deaths_model", -1),
        ("no-cn-class-control", "analog_kg", +1),
        ("no-cn-class-control", "deaths_model", +1),
        ("no-2025-tariffs", "deaths_model", +1),
    ],
)
def test_levers_move_outcomes_in_the_expected_direction(
    scenario: str, column: str, direction: int
) -> None:
    base, other = totals("baseline")[column], totals(scenario)[column]
    assert np.sign(other - base) == direction


def test_tariffs_reroute_illicit_shipments_through_third_countries() -> None:
    def share(name: str) -> float:
        s = run(name, "2025-03", "2025-10", volume=1.0).shipments.filter(pl.col("is_illicit"))
        rerouted = int((s["transit_countries"] != "").sum())
        return rerouted / max(1, s.height)

    assert share("baseline") > share("no-2025-tariffs")


def test_calibration_error_within_the_stated_bound() -> None:
    series = run("baseline", "2015-01", "2024-12").series
    result = calibrate(series, load_params().number("mortality.deaths_per_kg"))
    assert result.table.height == 10
    assert result.weighted_mape <= MAPE_BOUND
    assert result.fitted_deaths_per_kg == pytest.approx(
        load_params().number("mortality.deaths_per_kg"), rel=0.05
    )


def test_shipments_follow_the_manifest_schema_with_ground_truth() -> None:
    result = run("baseline", "2019-01", "2019-12", volume=0.05)
    ships = result.shipments
    for column in (
        "shipment_id",
        "date",
        "shipper_name",
        "consignee_name",
        "description",
        "hs_code",
        "cas",
        "transit_countries",
        "is_illicit",
        "typology",
    ):
        assert column in ships.columns
    assert ships["shipment_id"].n_unique() == ships.height
    share = ships["is_illicit"].mean()
    assert isinstance(share, float)
    assert 0.005 < share < 0.1
    assert set(ships["typology"].unique()) >= {"legit", "mislabelled", "direct_precursor"}
    mislabelled = ships.filter(pl.col("typology") == "mislabelled")
    assert mislabelled["cas"].null_count() == mislabelled.height
    cas = ships["cas"].drop_nulls().unique().to_list()
    assert all(validate_cas(c) is None for c in cas)
    # Spelling variants: a company appears under more than one name.
    names = ships.group_by("shipper_id").agg(pl.col("shipper_name").n_unique())
    assert names["shipper_name"].max() > 1  # type: ignore[operator]


def test_brokers_resell_what_they_buy_to_the_same_side_of_the_trade() -> None:
    ships = run("baseline", "2019-01", "2019-06", volume=0.05).shipments
    reg = run("baseline", "2019-01", "2019-06", volume=0.05).registry
    brokers = reg.filter(pl.col("role") == "broker").select("id", "is_illicit")
    bought = ships.join(brokers, left_on="consignee_id", right_on="id")
    sold = ships.join(brokers, left_on="shipper_id", right_on="id")
    assert bought.height > 0
    # Every relayed shipment is two legs: each broker sells as many shipments as it buys.
    assert dict(bought.group_by("consignee_id").len().iter_rows()) == dict(
        sold.group_by("shipper_id").len().iter_rows()
    )
    # Illicit brokers relay illicit shipments only, legitimate ones legitimate trade only.
    for legs in (bought, sold):
        assert (legs["is_illicit"] == legs["is_illicit_right"]).all()


def test_complicit_forwarders_carry_much_illicit_and_little_legitimate_trade() -> None:
    result = run("baseline", "2019-01", "2019-06", volume=0.05)
    reg = result.registry.filter(pl.col("role") == "forwarder")
    complicit = set(reg.filter(pl.col("is_illicit"))["name"].to_list())
    ships = result.shipments.with_columns(
        pl.col("forwarder_name").is_in(list(complicit)).alias("complicit")
    )
    share = dict(ships.group_by("is_illicit").agg(pl.col("complicit").mean()).iter_rows())
    assert share[True] > 0.35
    assert share[False] < 0.1


def test_front_consignees_share_phones() -> None:
    reg = run("baseline", "2019-01", "2019-01").registry
    fronts = reg.filter((pl.col("role") == "importer") & pl.col("is_illicit"))
    assert fronts["phone"].n_unique() < fronts.height
    assert reg.height >= 5000 - 250


@pytest.mark.parametrize(("name", "cas"), [(b[0], b[1]) for b in BACKGROUND])
def test_background_cas_numbers_have_valid_check_digits(name: str, cas: str) -> None:
    assert validate_cas(cas) is None, name


@pytest.mark.parametrize(
    ("scores", "labels", "expected"),
    [
        ([0.9, 0.8, 0.1], [1, 1, 0], 1.0),
        ([0.9, 0.8, 0.1], [0, 1, 1], (1 / 2 + 2 / 3) / 2),
        ([0.5, 0.5], [1, 0], 0.5),
    ],
)
def test_average_precision_case_table(
    scores: list[float], labels: list[int], expected: float
) -> None:
    assert average_precision(np.array(scores), np.array(labels)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"g": {"x": {"unit": "kg", "rationale": "r"}}}, "needs a 'value'"),
        ({"g": {"x": {"value": 1, "rationale": "r"}}}, "needs a 'unit'"),
        ({"g": {"x": {"value": 1, "unit": "kg"}}}, "source' or a 'rationale"),
        ([1, 2], "top level"),
    ],
)
def test_bad_parameter_files_are_located_errors(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_params(data, "p.yaml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cn_cooperation": [{"from": "2015-01", "value": 1}]}, "inspection"),
        (
            {
                "cn_cooperation": [{"from": "2015-13", "value": 1}],
                "inspection": [{"from": "2015-01", "value": 1}],
            },
            "YYYY-MM",
        ),
        (
            {
                "cn_cooperation": [{"from": "2015-01", "value": -1}],
                "inspection": [{"from": "2015-01", "value": 1}],
            },
            "negative",
        ),
        ({"controls": "all"}, "'controls'"),
    ],
)
def test_bad_scenarios_are_located_errors(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_scenario(data, "s.yaml")


def test_unknown_scenario_and_bad_months(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such scenario"):
        load_scenario(tmp_path / "missing.yaml")
    with pytest.raises(UsageError):
        run_scenario("baseline", "2020-05", "2020-01", 0)
    with pytest.raises(UsageError):
        run_scenario("baseline", "May 2020", "2020-06", 0)


def test_all_bundled_parameters_are_documented() -> None:
    params = load_params()
    assert all(p.justification and p.unit for p in params.entries.values())


def test_evaluate_needs_ground_truth_columns(tmp_path: Path) -> None:
    from fentrace.exc import InputError
    from fentrace.simulation import evaluate_manifest

    result = run_scenario("baseline", "2020-01", "2020-01", 0, volume=0.01)
    path = tmp_path / "unlabelled.csv"
    result.shipments.drop("is_illicit", "typology").write_csv(path)
    with pytest.raises(InputError, match="ground-truth"):
        evaluate_manifest(str(path))


def test_sanctions_remove_sellers_and_raise_costs() -> None:
    from importlib import resources

    import yaml

    text = resources.files("fentrace.simulation").joinpath("data", "scenarios", "baseline.yaml")
    data = yaml.safe_load(text.read_text(encoding="utf-8"))
    data["sanctions"] = "none"
    data["name"] = "no-sanctions"
    without = run_scenario(parse_scenario(data, "no-sanctions.yaml"), "2022-01", "2024-12", 0)
    with_them = run("baseline", "2022-01", "2024-12")
    assert without.series["deaths_model"].sum() > with_them.series["deaths_model"].sum()
    sellers = with_them.series["active_illicit_suppliers"]
    assert sellers[-1] < sellers[0]
    assert without.series["active_illicit_suppliers"].n_unique() == 1
