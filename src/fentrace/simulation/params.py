"""Simulator parameters: a YAML file where every value carries a unit and a source or rationale."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fentrace.exc import ConfigError

BUNDLED_PARAMS = "params.yaml"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One model parameter with its unit and why it has this value."""

    group: str
    name: str
    value: Any
    unit: str
    justification: str


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
            entries[key] = Parameter(old.group, old.name, value, old.unit, "scenario override")
        return Params(entries)


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
            entries[key] = Parameter(str(group), str(name), spec["value"], str(spec["unit"]), why)
    return Params(entries)


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
