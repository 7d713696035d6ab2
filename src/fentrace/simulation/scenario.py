"""Scenario files: the policy levers (scheduling, inspection, tariffs, sanctions, cooperation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fentrace.exc import ConfigError
from fentrace.reference import load_knowledge_base

BUNDLED_SCENARIOS: tuple[str, ...] = (
    "baseline",
    "no-cn-class-control",
    "no-2025-tariffs",
    "doubled-inspection",
    "full-cn-cooperation",
)
#: Jurisdictions whose controls the model reads.
JURISDICTIONS: tuple[str, ...] = ("UN", "CN", "US", "MX", "CA", "EU")


@dataclass(frozen=True, slots=True)
class ControlSpan:
    """A substance or class controlled in one jurisdiction from ``start`` until ``end``."""

    jurisdiction: str
    target: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Step:
    """A lever value in force from ``start`` (until the next step)."""

    start: date
    value: float


@dataclass(frozen=True, slots=True)
class Tariff:
    """An ad valorem tariff on goods from ``origin`` into ``destination`` during [start, end)."""

    origin: str
    destination: str
    start: date
    end: date | None
    rate: float


@dataclass(frozen=True, slots=True)
class SanctionEvent:
    """A sanctions, designation or indictment action: costs rise from this date."""

    date: date
    label: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """All levers of one scenario."""

    name: str
    description: str
    controls: tuple[ControlSpan, ...]
    cn_cooperation: tuple[Step, ...]
    inspection: tuple[Step, ...]
    tariffs: tuple[Tariff, ...]
    sanctions: tuple[SanctionEvent, ...]
    overrides: dict[str, Any] = field(default_factory=dict)


def _month(value: object, file: str, where: str) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip()
    try:
        year, month = text[:7].split("-")
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise ConfigError(f"{file}: {where}: {text!r} is not a YYYY-MM month") from error


def _steps(items: object, file: str, key: str) -> tuple[Step, ...]:
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{file}: {key!r} must be a non-empty list of {{from, value}} steps")
    steps = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or "from" not in item or "value" not in item:
            raise ConfigError(f"{file}: {key} step {number} needs 'from' and 'value'")
        try:
            value = float(item["value"])
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{file}: {key} step {number}: value must be a number") from error
        if value < 0:
            raise ConfigError(f"{file}: {key} step {number}: value must not be negative")
        steps.append(Step(_month(item["from"], file, f"{key} step {number}"), value))
    return tuple(sorted(steps, key=lambda s: s.start))


def kb_controls() -> list[ControlSpan]:
    """Every substance and class control of the knowledge base, as spans."""
    kb = load_knowledge_base()
    return [
        ControlSpan(c.jurisdiction, c.target, c.effective, c.end)
        for c in kb.controls
        if c.jurisdiction in JURISDICTIONS
    ]


def kb_sanctions() -> list[SanctionEvent]:
    """The sanctions and designation events of the knowledge base timeline."""
    kb = load_knowledge_base()
    return [
        SanctionEvent(e.date, e.id)
        for e in kb.timeline
        if e.kind in ("sanctions", "designation") and e.jurisdiction.startswith("US")
    ]


def parse_scenario(data: object, file: str) -> Scenario:
    """Validate a scenario mapping and resolve ``kb`` defaults."""
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: a scenario must be a mapping")
    name = str(data.get("name") or Path(file).stem)
    controls: list[ControlSpan] = []
    source = data.get("controls", "kb")
    if source == "kb":
        controls = kb_controls()
    elif source not in ("none", None):
        raise ConfigError(f"{file}: 'controls' must be 'kb' or 'none', got {source!r}")
    removals = data.get("remove_controls") or []
    if not isinstance(removals, list):
        raise ConfigError(f"{file}: 'remove_controls' must be a list")
    for number, item in enumerate(removals, 1):
        if not isinstance(item, dict) or "jurisdiction" not in item or "target" not in item:
            raise ConfigError(f"{file}: remove_controls {number} needs jurisdiction and target")
        controls = [
            c
            for c in controls
            if not (c.jurisdiction == item["jurisdiction"] and c.target == item["target"])
        ]
    additions = data.get("add_controls") or []
    if not isinstance(additions, list):
        raise ConfigError(f"{file}: 'add_controls' must be a list")
    for number, item in enumerate(additions, 1):
        if not isinstance(item, dict) or not {"jurisdiction", "target", "from"} <= set(item):
            raise ConfigError(f"{file}: add_controls {number} needs jurisdiction, target, from")
        end = _month(item["to"], file, f"add_controls {number}") if item.get("to") else None
        start = _month(item["from"], file, f"add_controls {number}")
        controls.append(ControlSpan(str(item["jurisdiction"]), str(item["target"]), start, end))
    tariffs = []
    raw_tariffs = data.get("tariffs") or []
    if not isinstance(raw_tariffs, list):
        raise ConfigError(f"{file}: 'tariffs' must be a list")
    for number, item in enumerate(raw_tariffs, 1):
        needed = {"origin", "destination", "from", "rate"}
        if not isinstance(item, dict) or not needed <= set(item):
            raise ConfigError(f"{file}: tariff {number} needs origin, destination, from, rate")
        end = _month(item["to"], file, f"tariff {number}") if item.get("to") else None
        tariffs.append(
            Tariff(
                str(item["origin"]),
                str(item["destination"]),
                _month(item["from"], file, f"tariff {number}"),
                end,
                float(item["rate"]),
            )
        )
    raw_sanctions = data.get("sanctions", "kb")
    sanctions: list[SanctionEvent] = []
    if raw_sanctions == "kb":
        sanctions = kb_sanctions()
    elif isinstance(raw_sanctions, list):
        for number, item in enumerate(raw_sanctions, 1):
            if not isinstance(item, dict) or "date" not in item:
                raise ConfigError(f"{file}: sanctions {number} needs a date")
            when = _month(item["date"], file, f"sanctions {number}")
            sanctions.append(SanctionEvent(when, str(item.get("label", f"event {number}"))))
    elif raw_sanctions not in ("none", None):
        raise ConfigError(f"{file}: 'sanctions' must be 'kb', 'none' or a list")
    overrides = data.get("params") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{file}: 'params' must be a mapping of parameter overrides")
    return Scenario(
        name=name,
        description=str(data.get("description", "")),
        controls=tuple(controls),
        cn_cooperation=_steps(data.get("cn_cooperation"), file, "cn_cooperation"),
        inspection=_steps(data.get("inspection"), file, "inspection"),
        tariffs=tuple(tariffs),
        sanctions=tuple(sanctions),
        overrides=dict(overrides),
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A bundled scenario by name, or a scenario YAML file by path."""
    text: str
    if str(name_or_path) in BUNDLED_SCENARIOS:
        file = f"fentrace/simulation/data/scenarios/{name_or_path}.yaml"
        text = (
            resources.files("fentrace.simulation")
            .joinpath("data", "scenarios", f"{name_or_path}.yaml")
            .read_text(encoding="utf-8")
        )
    else:
        path = Path(name_or_path)
        if not path.is_file():
            known = ", ".join(BUNDLED_SCENARIOS)
            raise ConfigError(
                f"{name_or_path}: no such scenario file or bundled scenario ({known})"
            )
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:  # found by fuzzing: a traceback before
            raise ConfigError(f"{file}: not UTF-8 text (byte {error.start})") from None
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as error:
        raise ConfigError(f"{file}: not valid YAML ({error})") from error
    return parse_scenario(data, file)


def step_series(steps: tuple[Step, ...], months: list[date]) -> list[float]:
    """The value in force in each month (the first step's value before it starts)."""
    values = []
    for month in months:
        current = steps[0].value
        for step in steps:
            if step.start <= month:
                current = step.value
        values.append(current)
    return values
