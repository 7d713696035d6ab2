"""The rules file: indicator weights, level thresholds and indicator parameters, validated.

The bundled ``data/rules.yaml`` is the default; a user file given with ``--rules`` is merged
over it key by key (a file that sets only ``weights.HS_MISMATCH`` changes only that weight).
Any unknown key, wrong type or out-of-range value raises :class:`ConfigError` naming the file
and the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fentrace.exc import ConfigError
from fentrace.shipments.countries import ISO_ALPHA2
from fentrace.shipments.schema import TRANSPORT_MODES

INDICATOR_CODES: tuple[str, ...] = (
    "CHEM_CONTROLLED",
    "CHEM_CLASS",
    "CHEM_DESIGNER",
    "CHEM_WATCH",
    "HS_MISMATCH",
    "VAGUE_DESCRIPTION",
    "PARTY_WATCHLIST",
    "PARTY_POSSIBLE",
    "ROUTE_RISK",
    "SMALL_QTY_COURIER",
    "PAYMENT_RISK",
    "CONSIGNEE_UNRELATED_TRADE",
    "SHARED_CONTACT",
    "STRUCTURING",
)
LEVELS: tuple[str, ...] = ("high", "medium", "low", "none")
_TOP_KEYS = {
    "version",
    "levels",
    "weights",
    "routes",
    "vague_terms",
    "unrelated_trades",
    "chemical_trades",
    "chemical_names",
    "payment",
    "small_quantity",
    "shared_contact",
    "structuring",
}
_CONTACT_FIELDS = ("consignee_phone", "consignee_email", "consignee_address")


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One risky route: origin, transit requirement, destination, weight and why."""

    origin: str
    via: tuple[str, ...]
    destination: str
    weight: float
    rationale: str

    def label(self) -> str:
        via = "" if not self.via else ("->any" if self.via == ("*",) else "->" + "/".join(self.via))
        return f"{self.origin}{via}->{self.destination}"

    def fits(self, origin: str, transit: tuple[str, ...], destination: str) -> bool:
        """True when the route of a shipment is this rule's route."""
        if origin != self.origin or destination != self.destination:
            return False
        if not self.via:
            return not transit
        if self.via == ("*",):
            return bool(transit)
        return any(country in self.via for country in transit)


#: Languages a chemical name of the rules file may be given in.
NAME_LANGUAGES: tuple[str, ...] = ("en", "es", "zh", "trade")


@dataclass(frozen=True, slots=True)
class ChemicalName:
    """A name of a listed chemical in another language, the knowledge-base name it means, and why."""

    term: str
    means: str
    lang: str
    basis: str


@dataclass(frozen=True, slots=True)
class Rules:
    """Validated scoring rules."""

    levels: dict[str, float]
    weights: dict[str, float]
    routes: tuple[RouteRule, ...]
    vague_terms: tuple[str, ...]
    unrelated_trades: tuple[str, ...]
    virtual_currency_terms: tuple[str, ...]
    third_party_terms: tuple[str, ...]
    small_max_kg: float
    small_modes: tuple[str, ...]
    shared_min_consignees: int
    shared_fields: tuple[str, ...]
    structuring_min_shipments: int
    structuring_window_days: int
    structuring_max_kg: float
    source: str = "bundled rules.yaml"
    #: words that show a consignee trades in chemicals: the unrelated-trade indicator stays silent
    chemical_trades: tuple[str, ...] = ()
    chemical_names: tuple[ChemicalName, ...] = ()

    def level(self, score: float) -> str:
        """The level a score reaches (high, medium, low or none)."""
        for name in ("high", "medium", "low"):
            if score >= self.levels[name]:
                return name
        return "none"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _weight(value: Any, file: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(f"weight must be a number, got {value!r}", file=file, key=key)
    if not 0 <= value < 1:
        raise ConfigError(f"weight must be in [0, 1), got {value}", file=file, key=key)
    return float(value)


def _terms(value: Any, file: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError("must be a list of non-empty strings", file=file, key=key)
    return tuple(v.strip().lower() for v in value)


def _mapping(value: Any, allowed: set[str], file: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError("must be a mapping", file=file, key=key)
    unknown = set(value) - allowed
    if unknown:
        raise ConfigError(
            f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}", file=file, key=key
        )
    missing = allowed - set(value)
    if missing:
        raise ConfigError(f"missing key(s) {sorted(missing)}", file=file, key=key)
    return value


def _positive(value: Any, file: str, key: str, *, integer: bool = False) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ConfigError(f"must be {kind}, got {value!r}", file=file, key=key)
    return float(value)


def _country(value: Any, file: str, key: str) -> str:
    if not isinstance(value, str) or value.upper() not in ISO_ALPHA2:
        raise ConfigError(f"not an ISO 3166-1 alpha-2 code: {value!r}", file=file, key=key)
    return value.upper()


def _chemical_names(value: Any, file: str) -> tuple[ChemicalName, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(
            "must be a list of {term, means, lang, basis}", file=file, key="chemical_names"
        )
    names: list[ChemicalName] = []
    for i, entry in enumerate(value):
        key = f"chemical_names[{i}]"
        entry = _mapping(entry, {"term", "means", "lang", "basis"}, file, key)
        for part in ("term", "means", "basis"):
            if not isinstance(entry[part], str) or not entry[part].strip():
                raise ConfigError(f"{part} must be non-empty text", file=file, key=f"{key}.{part}")
        if entry["lang"] not in NAME_LANGUAGES:
            raise ConfigError(
                f"lang must be one of {', '.join(NAME_LANGUAGES)}, got {entry['lang']!r}",
                file=file,
                key=f"{key}.lang",
            )
        names.append(
            ChemicalName(
                entry["term"].strip(), entry["means"].strip(), entry["lang"], entry["basis"].strip()
            )
        )
    return tuple(names)


def parse_rules(data: Any, file: str) -> Rules:
    """Validate a rules mapping (already merged over the defaults) into :class:`Rules`."""
    if not isinstance(data, dict):
        raise ConfigError("a rules file must be a YAML mapping", file=file)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}", file=file, key=sorted(unknown)[0])
    levels_in = _mapping(data.get("levels"), {"high", "medium", "low"}, file, "levels")
    levels: dict[str, float] = {}
    for name in ("high", "medium", "low"):
        value = levels_in[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
            raise ConfigError(
                f"must be a number in (0, 100], got {value!r}", file=file, key=f"levels.{name}"
            )
        levels[name] = float(value)
    if not levels["high"] > levels["medium"] > levels["low"]:
        raise ConfigError("thresholds must fall: high > medium > low", file=file, key="levels")
    weights_in = data.get("weights")
    if not isinstance(weights_in, dict):
        raise ConfigError("must be a mapping of indicator code to weight", file=file, key="weights")
    weights: dict[str, float] = {}
    for code, value in weights_in.items():
        if code not in INDICATOR_CODES or code == "ROUTE_RISK":
            raise ConfigError(
                f"unknown indicator code {code!r} (ROUTE_RISK weights live in routes)",
                file=file,
                key=f"weights.{code}",
            )
        weights[code] = _weight(value, file, f"weights.{code}")
    missing = set(INDICATOR_CODES) - set(weights) - {"ROUTE_RISK"}
    if missing:
        raise ConfigError(f"missing weight(s) for {sorted(missing)}", file=file, key="weights")
    routes_in = data.get("routes")
    if not isinstance(routes_in, list):
        raise ConfigError("must be a list of routes", file=file, key="routes")
    routes: list[RouteRule] = []
    for i, entry in enumerate(routes_in):
        key = f"routes[{i}]"
        entry = _mapping(entry, {"origin", "via", "destination", "weight", "rationale"}, file, key)
        via_in = entry["via"]
        if not isinstance(via_in, list):
            raise ConfigError("via must be a list", file=file, key=f"{key}.via")
        via = ("*",) if via_in == ["*"] else tuple(_country(v, file, f"{key}.via") for v in via_in)
        if not isinstance(entry["rationale"], str) or not entry["rationale"].strip():
            raise ConfigError("rationale must be a sentence", file=file, key=f"{key}.rationale")
        routes.append(
            RouteRule(
                origin=_country(entry["origin"], file, f"{key}.origin"),
                via=via,
                destination=_country(entry["destination"], file, f"{key}.destination"),
                weight=_weight(entry["weight"], file, f"{key}.weight"),
                rationale=entry["rationale"].strip(),
            )
        )
    payment = _mapping(data.get("payment"), {"virtual_currency", "third_party"}, file, "payment")
    small = _mapping(data.get("small_quantity"), {"max_kg", "modes"}, file, "small_quantity")
    modes = _terms(small["modes"], file, "small_quantity.modes")
    bad_modes = [m for m in modes if m not in TRANSPORT_MODES]
    if bad_modes:
        raise ConfigError(
            f"unknown transport mode(s) {bad_modes}", file=file, key="small_quantity.modes"
        )
    shared = _mapping(
        data.get("shared_contact"), {"min_consignees", "fields"}, file, "shared_contact"
    )
    fields = _terms(shared["fields"], file, "shared_contact.fields")
    bad_fields = [f for f in fields if f not in _CONTACT_FIELDS]
    if bad_fields:
        raise ConfigError(
            f"unknown contact field(s) {bad_fields}", file=file, key="shared_contact.fields"
        )
    structuring = _mapping(
        data.get("structuring"), {"min_shipments", "window_days", "max_kg"}, file, "structuring"
    )
    return Rules(
        levels=levels,
        weights=weights,
        routes=tuple(routes),
        vague_terms=_terms(data.get("vague_terms"), file, "vague_terms"),
        unrelated_trades=_terms(data.get("unrelated_trades"), file, "unrelated_trades"),
        virtual_currency_terms=_terms(
            payment["virtual_currency"], file, "payment.virtual_currency"
        ),
        third_party_terms=_terms(payment["third_party"], file, "payment.third_party"),
        small_max_kg=_positive(small["max_kg"], file, "small_quantity.max_kg"),
        small_modes=modes,
        shared_min_consignees=int(
            _positive(shared["min_consignees"], file, "shared_contact.min_consignees", integer=True)
        ),
        shared_fields=fields,
        structuring_min_shipments=int(
            _positive(structuring["min_shipments"], file, "structuring.min_shipments", integer=True)
        ),
        structuring_window_days=int(
            _positive(structuring["window_days"], file, "structuring.window_days", integer=True)
        ),
        structuring_max_kg=_positive(structuring["max_kg"], file, "structuring.max_kg"),
        source=file,
        chemical_trades=(
            _terms(data["chemical_trades"], file, "chemical_trades")
            if data.get("chemical_trades") is not None
            else ()
        ),
        chemical_names=_chemical_names(data.get("chemical_names"), file),
    )


def _default_mapping() -> dict[str, Any]:
    text = resources.files("fentrace.shipments").joinpath("data/rules.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def load_rules(path: str | Path | None = None) -> Rules:
    """The bundled rules, or a user rules file merged over them and validated."""
    base = _default_mapping()
    if path is None:
        return parse_rules(base, "bundled rules.yaml")
    file = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the rules file ({error})", file=file) from error
    try:
        override = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML ({error})", file=file) from error
    if override is None:
        override = {}
    if not isinstance(override, dict):
        raise ConfigError("a rules file must be a YAML mapping", file=file)
    return parse_rules(_merge(base, override), file)
