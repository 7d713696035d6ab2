"""Simulator parameters: a YAML file where every value carries a unit and a source or rationale."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fentrace.exc import ConfigError

BUNDLED_PARAMS = "params.yaml"


PRIOR_DISTRIBUTIONS: tuple[str, ...] = ("uniform", "loguniform", "fixed")


@dataclass(frozen=True, slots=True)
class Prior:
    """What is believed about a parameter before the data: a distribution on [low, high].

    ``fixed`` keeps the value (a reference level or a user's choice, with the reason why).
    """

    key: str  # group.name, or group.name.category for a per-category entry
    dist: str
    low: float
    high: float
    rationale: str

    def quantile(self, u: Any) -> Any:
        """The parameter value at probability ``u`` (array or float in [0, 1])."""
        if self.dist == "loguniform":
            return self.low * (self.high / self.low) ** u
        return self.low + (self.high - self.low) * u


@dataclass(frozen=True, slots=True)
class Parameter:
    """One model parameter with its unit, why it has this value, and its prior."""

    group: str
    name: str
    value: Any
    unit: str
    justification: str
    priors: tuple[Prior, ...] = ()


class Params:
    """The validated parameter table, read by ``params["group.name"]``."""

    def __init__(self, entries: dict[str, Parameter]) -> None:
        self.entries = entries

    def __getitem__(self, key: str) -> Any:
        try:
            return self.entries[key].value
        except KeyError as error:
            raise ConfigError(f"simulation parameter {key!r} is not defined") from error

    def number(self, key: str) -> float:
        """A scalar parameter as a float."""
        value = self[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"simulation parameter {key!r} must be a number, got {value!r}")
        return float(value)

    def mapping(self, key: str) -> dict[str, float]:
        """A parameter given per category (route, country) as floats."""
        value = self[key]
        if not isinstance(value, dict):
            raise ConfigError(f"simulation parameter {key!r} must be a mapping, got {value!r}")
        return {str(k): float(v) for k, v in value.items()}

    def overridden(self, overrides: dict[str, Any]) -> Params:
        """A copy with some values replaced (scenario files may override parameters)."""
        entries = dict(self.entries)
        for key, value in overrides.items():
            if key not in entries:
                raise ConfigError(f"scenario overrides unknown parameter {key!r}")
            old = entries[key]
            entries[key] = Parameter(
                old.group, old.name, value, old.unit, "scenario override", old.priors
            )
        return Params(entries)

    def priors(self) -> list[Prior]:
        """Every prior, per-category entries one by one (``routes.base_cost.gupta``)."""
        return [prior for entry in self.entries.values() for prior in entry.priors]


def parse_params(data: object, file: str) -> Params:
    """Validate the parameter mapping: each entry needs value, unit and source or rationale."""
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping of parameter groups")
    entries: dict[str, Parameter] = {}
    for group, items in data.items():
        if not isinstance(items, dict):
            raise ConfigError(f"{file}: group {group!r} must be a mapping")
        for name, spec in items.items():
            key = f"{group}.{name}"
            if not isinstance(spec, dict) or "value" not in spec:
                raise ConfigError(f"{file}: parameter {key} needs a 'value'")
            if not str(spec.get("unit", "")).strip():
                raise ConfigError(f"{file}: parameter {key} needs a 'unit'")
            why = str(spec.get("source") or spec.get("rationale") or "").strip()
            if not why:
                raise ConfigError(f"{file}: parameter {key} needs a 'source' or a 'rationale'")
            priors = parse_prior(spec.get("prior"), spec["value"], key, file)
            entries[key] = Parameter(
                str(group), str(name), spec["value"], str(spec["unit"]), why, priors
            )
    return Params(entries)


def _one_prior(spec: object, value: object, key: str, file: str) -> Prior:
    where = f"{file}: parameter {key}: prior"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a mapping with dist, low, high and rationale")
    dist = spec.get("dist")
    if dist not in PRIOR_DISTRIBUTIONS:
        raise ConfigError(f"{where}: dist must be one of {', '.join(PRIOR_DISTRIBUTIONS)}")
    if not str(spec.get("rationale", "")).strip():
        raise ConfigError(f"{where} needs a 'rationale'")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: the value {value!r} is not a number")
    if dist == "fixed":
        return Prior(key, "fixed", float(value), float(value), str(spec["rationale"]))
    low, high = spec.get("low"), spec.get("high")
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in (low, high)):
        raise ConfigError(f"{where} needs numeric 'low' and 'high'")
    assert isinstance(low, (int, float))
    assert isinstance(high, (int, float))
    if not low < high:
        raise ConfigError(f"{where}: low {low} must be below high {high}")
    if dist == "loguniform" and low <= 0:
        raise ConfigError(f"{where}: a loguniform prior needs low > 0")
    if not low <= value <= high:
        raise ConfigError(f"{where}: the value {value} lies outside [{low}, {high}]")
    return Prior(key, str(dist), float(low), float(high), str(spec["rationale"]))


def parse_prior(spec: object, value: object, key: str, file: str) -> tuple[Prior, ...]:
    """The prior of one parameter; a per-category value needs one prior per category."""
    if spec is None:
        raise ConfigError(f"{file}: parameter {key} needs a 'prior'")
    if isinstance(value, dict):
        if not isinstance(spec, dict) or set(map(str, spec)) != set(map(str, value)):
            raise ConfigError(
                f"{file}: parameter {key}: prior needs one entry per category "
                f"({', '.join(map(str, value))})"
            )
        return tuple(_one_prior(spec[c], value[c], f"{key}.{c}", file) for c in value)
    return (_one_prior(spec, value, key, file),)


def load_params(path: str | Path | None = None) -> Params:
    """The bundled parameters, or those in ``path``."""
    if path is None:
        text = resources.files("fentrace.simulation").joinpath("data", BUNDLED_PARAMS).read_text()
        file = f"fentrace/simulation/data/{BUNDLED_PARAMS}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"{path}: cannot read parameters ({error.strerror})") from error
        file = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{file}: not valid YAML ({error})") from error
    return parse_params(data, file)
