"""The rules file: defaults, overrides and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fentrace.exc import ConfigError
from fentrace.shipments.rules import INDICATOR_CODES, RouteRule, load_rules


def test_bundled_rules_cover_every_code() -> None:
    rules = load_rules()
    assert set(rules.weights) == set(INDICATOR_CODES) - {"ROUTE_RISK"}
    assert rules.routes
    assert rules.level(rules.levels["high"]) == "high"
    assert rules.level(rules.levels["low"] - 0.1) == "none"


def test_partial_override_merges(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("weights:\n  HS_MISMATCH: 0.5\nstructuring:\n  min_shipments: 3\n")
    rules = load_rules(path)
    assert rules.weights["HS_MISMATCH"] == 0.5
    assert rules.weights["PAYMENT_RISK"] == load_rules().weights["PAYMENT_RISK"]
    assert rules.structuring_min_shipments == 3
    assert rules.structuring_window_days == load_rules().structuring_window_days
    assert rules.source == str(path)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("colour: blue\n", "colour"),
        ("weights:\n  NO_SUCH_CODE: 0.1\n", "weights.NO_SUCH_CODE"),
        ("weights:\n  HS_MISMATCH: 1.5\n", "weights.HS_MISMATCH"),
        ("weights:\n  HS_MISMATCH: high\n", "weights.HS_MISMATCH"),
        ("levels:\n  high: 10\n", "levels"),
        ("levels:\n  high: 500\n", "levels.high"),
        (
            "routes:\n  - {origin: ZZ, via: [], destination: MX, weight: 0.1, rationale: x}\n",
            "routes[0].origin",
        ),
        ("routes:\n  - {origin: CN, destination: MX, weight: 0.1, rationale: x}\n", "routes[0]"),
        ("small_quantity:\n  modes: [camel]\n", "small_quantity.modes"),
        ("structuring:\n  window_days: 0\n", "structuring.window_days"),
        ("shared_contact:\n  fields: [consignee_fax]\n", "shared_contact.fields"),
        ("vague_terms: [1, 2]\n", "vague_terms"),
        ("chemical_trades: [1]\n", "chemical_trades"),
        ("chemical_names: {a: b}\n", "chemical_names"),
        (
            "chemical_names:\n  - {term: x, means: y, lang: fr, basis: z}\n",
            "chemical_names[0].lang",
        ),
        (
            "chemical_names:\n  - {term: x, means: '', lang: es, basis: z}\n",
            "chemical_names[0].means",
        ),
        ("chemical_names:\n  - {term: x, means: y, lang: es}\n", "chemical_names[0]"),
    ],
)
def test_bad_rules_raise_config_error_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert caught.value.context.get("key") == key
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["weights: [\n", "- a list\n"])
def test_unreadable_rules(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_rules(path)


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("via", "origin", "transit", "destination", "fits"),
    [
        ((), "CN", (), "MX", True),
        ((), "CN", ("US",), "MX", False),
        (("US",), "CN", ("US",), "MX", True),
        (("US",), "CN", ("GT",), "MX", False),
        (("*",), "CN", ("GT",), "MX", True),
        (("*",), "CN", (), "MX", False),
        ((), "DE", (), "MX", False),
    ],
)
def test_route_rule_fits(
    via: tuple[str, ...], origin: str, transit: tuple[str, ...], destination: str, fits: bool
) -> None:
    rule = RouteRule("CN", via, "MX", 0.2, "why")
    assert rule.fits(origin, transit, destination) is fits


def test_bundled_chemical_names_are_spanish_and_chinese_with_a_basis() -> None:
    rules = load_rules()
    languages = {name.lang for name in rules.chemical_names}
    assert {"es", "zh"} <= languages
    assert all(name.basis for name in rules.chemical_names)
    assert "quimica" in rules.chemical_trades
    assert {
        "abarrotes",
        "ferreteria",
        "taller",
        "restaurante",
        "agricola",
        "餐饮",
        "服装",
        "五金",
    } <= set(rules.unrelated_trades)
