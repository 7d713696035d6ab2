"""Read the knowledge-base data files into typed records, validating every field on the way.

Every problem raises :class:`~fentrace.exc.DataFileError` naming the file, the record id and
the field, so a broken edit of a data file is found at load, before any verdict uses it.
Checks: required fields and their types, enumerations, dates, CAS check digits, InChIKey
shape, unique ids, unique synonyms across substances (after name normalisation), every
cited source id known, every control target a known substance or class, end after effective.

Structure consistency (SMILES against InChIKey) needs RDKit, which only ``chemistry`` may
import; see :func:`fentrace.reference.kb.validate_structures`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from fentrace.exc import DataFileError
from fentrace.reference.models import (
    JURISDICTIONS,
    ClassCondition,
    ClassDefinition,
    Control,
    HSCode,
    OverdoseYear,
    Release,
    Source,
    Substance,
    TimelineEvent,
    UndatedListing,
)
from fentrace.reference.names import normalise_chemical_name, validate_cas

#: The shipped data directory.
DATA_DIR = Path(__file__).parent / "data"

FAMILIES = ("fentanyl", "precursor", "reagent")
ROLES = ("fentanyl_analog", "immediate_precursor", "precursor", "designer_precursor", "reagent")
TARGET_KINDS = ("substance", "class")
PRECISIONS = ("day", "month", "year")
EVENT_KINDS = (
    "scheduling",
    "class_control",
    "statute",
    "indictment",
    "sanctions",
    "designation",
    "tariff",
    "ruling",
    "diplomacy",
    "export_control",
    "recommendation",
)
#: Derivative words a listing may use; the chemistry package turns each into a structural rule.
DERIVATIVE_WORDS = (
    "salts",
    "amides",
    "carbamates",
    "halides",
    "acetals",
    "combinations",
    "derivatives_and_analogues",
    "isomers",
)
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_HS_CODE = re.compile(r"^\d{4}\.\d{2}$|^\d{10}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Record:
    """One raw record of a data file, with typed, located accessors."""

    def __init__(self, file: str, raw: Mapping[str, Any], position: int) -> None:
        self.file = file
        self.raw = raw
        raw_id = raw.get("id")
        self.id: str | int = raw_id if isinstance(raw_id, str) and raw_id else position

    def fail(self, field: str | None, message: str) -> DataFileError:
        return DataFileError(message, file=self.file, record=self.id, field=field)

    def _get(self, name: str) -> Any:
        if name not in self.raw:
            raise self.fail(name, "required field is missing")
        return self.raw[name]

    def text(self, name: str, *, empty: bool = True) -> str:
        value = self._get(name)
        if value is None and empty:
            return ""
        if not isinstance(value, str):
            raise self.fail(name, f"expected text, got {type(value).__name__}")
        if not empty and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "expected non-empty text or null")
        return value

    def ident(self, name: str = "id") -> str:
        value = self.text(name, empty=False)
        if not _ID.match(value):
            raise self.fail(name, f"{value!r} is not a valid id (letters, digits, '-', '_', '.')")
        return value

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {value!r}")
        return value

    def optional_flag(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true, false or null, got {value!r}")
        return value

    def day(self, name: str) -> date:
        value = self._get(name)
        return self._as_date(name, value)

    def optional_day(self, name: str) -> date | None:
        value = self.raw.get(name)
        return None if value is None else self._as_date(name, value)

    def _as_date(self, name: str, value: Any) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(name, f"expected a date YYYY-MM-DD, got {value!r}")

    def texts(self, name: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.raw.get(name) if not required else self._get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(name, "expected a list of non-empty texts")
        return tuple(cast(list[str], value))

    def choice(self, name: str, allowed: Iterable[str]) -> str:
        value = self.text(name, empty=False)
        options = tuple(allowed)
        if value not in options:
            raise self.fail(name, f"{value!r} is not one of {', '.join(options)}")
        return value


def _read_yaml_list(path: Path) -> list[Mapping[str, Any]]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_Loader)
    except FileNotFoundError:
        raise DataFileError("file not found", file=path.name) from None
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        where = f" at line {line + 1}" if isinstance(line, int) else ""
        raise DataFileError(f"not valid YAML{where}: {error}", file=path.name) from None
    if not isinstance(data, list):
        raise DataFileError("expected a list of records at the top level", file=path.name)
    for position, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise DataFileError("expected a mapping", file=path.name, record=position)
    return cast(list[Mapping[str, Any]], data)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[_Record]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise DataFileError(f"missing columns: {', '.join(missing)}", file=path.name)
            return [
                _Record(path.name, row, position)
                for position, row in enumerate(reader, start=2)  # line 1 is the header
            ]
    except FileNotFoundError:
        raise DataFileError("file not found", file=path.name) from None


def _unique_ids(records: list[_Record]) -> None:
    seen: set[str] = set()
    for record in records:
        ident = record.ident()
        if ident in seen:
            raise record.fail("id", f"duplicate id {ident!r}")
        seen.add(ident)


def _check_sources(record: _Record, ids: tuple[str, ...], known: Mapping[str, Source]) -> None:
    if not ids:
        raise record.fail("source_ids", "every record must cite at least one source")
    for source_id in ids:
        if source_id not in known:
            raise record.fail("source_ids", f"unknown source id {source_id!r}")


def _check_jurisdiction(record: _Record, name: str, value: str) -> None:
    parts = value.split("/")
    if not all(part in JURISDICTIONS for part in parts):
        raise record.fail(name, f"{value!r} is not one of {', '.join(JURISDICTIONS)}")


def load_sources(path: Path) -> dict[str, Source]:
    """Parse sources.yaml."""
    records = [_Record(path.name, raw, i) for i, raw in enumerate(_read_yaml_list(path), 1)]
    _unique_ids(records)
    out: dict[str, Source] = {}
    for r in records:
        out[r.ident()] = Source(
            id=r.ident(),
            publisher=r.text("publisher", empty=False),
            title=r.text("title", empty=False),
            url=r.optional_text("url"),
            retrieved=r.day("retrieved"),
            licence=r.optional_text("licence"),
            note=r.text("note"),
            primary=r.optional_flag("primary"),
        )
    return out


#: A release is named by its date; a second release on the same day adds a serial (2026.12.02.1).
_VERSION = re.compile(r"^\d{4}\.\d{2}\.\d{2}(\.[1-9]\d*)?$")


def load_release(path: Path) -> Release:
    """Parse kb.yaml: the release version (YYYY.MM.DD[.N]), its date and the release before it."""
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=_Loader)
    except FileNotFoundError:
        raise DataFileError("file not found", file=path.name) from None
    except yaml.YAMLError as error:
        raise DataFileError(f"not valid YAML: {error}", file=path.name) from None
    if not isinstance(raw, dict):
        raise DataFileError("expected a mapping at the top level", file=path.name)
    r = _Record(path.name, raw, 1)
    r.id = "release"
    version = r.text("version", empty=False)
    if not _VERSION.match(version):
        raise r.fail("version", f"{version!r} is not a release version YYYY.MM.DD[.N]")
    previous = r.optional_text("previous")
    if previous is not None and not _VERSION.match(previous):
        raise r.fail("previous", f"{previous!r} is not a release version YYYY.MM.DD[.N]")
    return Release(
        version=version,
        released=r.day("released"),
        previous=previous,
        note=r.text("note") if "note" in raw else "",
    )


def _reference_status(r: _Record) -> tuple[tuple[str, str], ...]:
    raw = r.raw.get("reference_status")
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise r.fail("reference_status", "expected a mapping of jurisdiction to text")
    out: list[tuple[str, str]] = []
    for key, value in raw.items():
        if key not in JURISDICTIONS or not isinstance(value, str):
            raise r.fail("reference_status", f"bad entry {key!r}: {value!r}")
        out.append((key, value))
    return tuple(out)


def _undated(r: _Record, sources: Mapping[str, Source]) -> tuple[UndatedListing, ...]:
    raw = r.raw.get("undated_listings") or []
    if not isinstance(raw, list):
        raise r.fail("undated_listings", "expected a list")
    out: list[UndatedListing] = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise r.fail("undated_listings", f"entry {position} is not a mapping")
        sub = _Record(r.file, item, position)
        sub.id = f"{r.id}/undated_listings[{position}]"
        jurisdiction = sub.choice("jurisdiction", JURISDICTIONS)
        source_ids = sub.texts("source_ids")
        _check_sources(sub, source_ids, sources)
        out.append(
            UndatedListing(
                jurisdiction=jurisdiction,
                basis=sub.text("basis", empty=False),
                verified=sub.flag("verified"),
                source_ids=source_ids,
                class_id=sub.optional_text("class_id"),
            )
        )
    return tuple(out)


def load_substances(path: Path, sources: Mapping[str, Source]) -> dict[str, Substance]:
    """Parse substances.yaml: identifiers checked, synonyms unique across substances."""
    records = [_Record(path.name, raw, i) for i, raw in enumerate(_read_yaml_list(path), 1)]
    _unique_ids(records)
    out: dict[str, Substance] = {}
    name_owner: dict[str, str] = {}
    for r in records:
        ident = r.ident()
        cas = r.optional_text("cas")
        if cas is not None and (problem := validate_cas(cas)) is not None:
            raise r.fail("cas", problem)
        inchikey = r.text("inchikey", empty=False)
        if not _INCHIKEY.match(inchikey):
            raise r.fail("inchikey", f"{inchikey!r} is not a standard InChIKey")
        hs_codes = r.texts("hs_codes")
        for code in hs_codes:
            if not _HS_CODE.match(code):
                raise r.fail("hs_codes", f"{code!r} is not an HS subheading (NNNN.NN)")
        source_ids = r.texts("source_ids")
        _check_sources(r, source_ids, sources)
        substance = Substance(
            id=ident,
            name=r.text("name", empty=False),
            synonyms=r.texts("synonyms"),
            cas=cas,
            cas_verified=r.flag("cas_verified"),
            smiles=r.text("smiles", empty=False),
            inchikey=inchikey,
            formula=r.text("formula", empty=False),
            hs_codes=hs_codes,
            hs_verified=r.flag("hs_verified"),
            family=cast(Any, r.choice("family", FAMILIES)),
            role=cast(Any, r.choice("role", ROLES)),
            notes=r.text("notes"),
            source_ids=source_ids,
            salt_of=r.optional_text("salt_of"),
            undated_listings=_undated(r, sources),
            reference_status=_reference_status(r),
        )
        for field_name, names in (("name", (substance.name,)), ("synonyms", substance.synonyms)):
            for name in names:
                key = normalise_chemical_name(name)
                owner = name_owner.setdefault(key, ident)
                if owner != ident:
                    raise r.fail(
                        field_name,
                        f"{name!r} is already a name of {owner} (same after normalisation: {key!r})",
                    )
        out[ident] = substance
    for r in records:
        salt_of = out[r.ident()].salt_of
        if salt_of is not None and salt_of not in out:
            raise r.fail("salt_of", f"unknown substance {salt_of!r}")
    return out


def load_classes(path: Path, sources: Mapping[str, Source]) -> dict[str, ClassDefinition]:
    """Parse classes.yaml."""
    records = [_Record(path.name, raw, i) for i, raw in enumerate(_read_yaml_list(path), 1)]
    _unique_ids(records)
    out: dict[str, ClassDefinition] = {}
    for r in records:
        raw_conditions = r.raw.get("conditions")
        if not isinstance(raw_conditions, list) or not raw_conditions:
            raise r.fail("conditions", "expected a non-empty list of conditions")
        conditions: list[ClassCondition] = []
        for position, item in enumerate(raw_conditions, start=1):
            if not isinstance(item, dict):
                raise r.fail("conditions", f"condition {position} is not a mapping")
            sub = _Record(r.file, item, position)
            sub.id = f"{r.id}/conditions[{position}]"
            conditions.append(
                ClassCondition(
                    code=sub.text("code", empty=False),
                    text=sub.text("text", empty=False),
                    text_original=sub.text("text_original"),
                )
            )
        effective, end = r.day("effective"), r.optional_day("end")
        if end is not None and end <= effective:
            raise r.fail("end", f"end {end} is not after effective {effective}")
        source_ids = r.texts("source_ids")
        _check_sources(r, source_ids, sources)
        jurisdiction = r.text("jurisdiction", empty=False)
        _check_jurisdiction(r, "jurisdiction", jurisdiction)
        out[r.ident()] = ClassDefinition(
            id=r.ident(),
            jurisdiction=jurisdiction,
            name=r.text("name", empty=False),
            legal_text=r.text("legal_text", empty=False),
            conditions=tuple(conditions),
            citation=r.text("citation", empty=False),
            effective=effective,
            end=end,
            note=r.text("note"),
            source_ids=source_ids,
        )
    return out


def load_controls(
    path: Path,
    sources: Mapping[str, Source],
    substances: Mapping[str, Substance],
    classes: Mapping[str, ClassDefinition],
) -> tuple[Control, ...]:
    """Parse controls.yaml: targets must exist, ``end`` must follow ``effective``."""
    records = [_Record(path.name, raw, i) for i, raw in enumerate(_read_yaml_list(path), 1)]
    _unique_ids(records)
    out: list[Control] = []
    for r in records:
        kind = r.choice("target_kind", TARGET_KINDS)
        target = r.text("target", empty=False)
        known = substances if kind == "substance" else classes
        if target not in known:
            raise r.fail("target", f"unknown {kind} {target!r}")
        effective, end = r.day("effective"), r.optional_day("end")
        if end is not None and end <= effective:
            raise r.fail("end", f"end {end} is not after effective {effective}")
        derivatives = r.texts("derivatives")
        for word in derivatives:
            if word not in DERIVATIVE_WORDS:
                raise r.fail("derivatives", f"{word!r} is not one of {', '.join(DERIVATIVE_WORDS)}")
        unverified = r.texts("unverified_fields")
        allowed_fields = (
            "effective",
            "end",
            "list_name",
            "instrument",
            "citation",
            "derivatives",
            "target",
        )
        for name in unverified:
            if name not in allowed_fields:
                raise r.fail("unverified_fields", f"{name!r} is not a field of a control")
        source_ids = r.texts("source_ids")
        _check_sources(r, source_ids, sources)
        precision = r.raw.get("effective_precision", "day")
        if precision not in PRECISIONS:
            raise r.fail("effective_precision", f"{precision!r} is not one of day, month, year")
        out.append(
            Control(
                id=r.ident(),
                jurisdiction=r.choice("jurisdiction", JURISDICTIONS),
                target_kind=cast(Literal["substance", "class"], kind),
                target=target,
                instrument=r.text("instrument", empty=False),
                list_name=r.text("list_name", empty=False),
                effective=effective,
                end=end,
                citation=r.text("citation", empty=False),
                derivatives=derivatives,
                verified=r.flag("verified"),
                unverified_fields=unverified,
                note=r.text("note"),
                source_ids=source_ids,
                effective_precision=cast(Literal["day", "month", "year"], precision),
            )
        )
    return tuple(out)


def load_hs_codes(path: Path, sources: Mapping[str, Source]) -> dict[str, HSCode]:
    """Parse hs_codes.yaml."""
    records = [_Record(path.name, raw, i) for i, raw in enumerate(_read_yaml_list(path), 1)]
    out: dict[str, HSCode] = {}
    for r in records:
        code = r.text("code", empty=False)
        r.id = code
        if not _HS_CODE.match(code):
            raise r.fail("code", f"{code!r} is not an HS subheading or a 10-digit national code")
        if code in out:
            raise r.fail("code", f"duplicate code {code!r}")
        source_ids = r.texts("source_ids")
        _check_sources(r, source_ids, sources)
        out[code] = HSCode(
            code=code,
            description=r.text("description", empty=False),
            verified=r.flag("verified"),
            source_ids=source_ids,
            note=r.text("note") if "note" in r.raw else "",
        )
    return out


def load_timeline(
    path: Path, sources: Mapping[str, Source], substances: Mapping[str, Substance]
) -> tuple[TimelineEvent, ...]:
    """Parse timeline.yaml; events are returned in date order."""
    records = [_Record(path.name, raw, i) for i, raw in enumerate(_read_yaml_list(path), 1)]
    _unique_ids(records)
    out: list[TimelineEvent] = []
    for r in records:
        jurisdiction = r.text("jurisdiction", empty=False)
        _check_jurisdiction(r, "jurisdiction", jurisdiction)
        ids = r.texts("substances", required=False)
        for substance_id in ids:
            if substance_id not in substances:
                raise r.fail("substances", f"unknown substance {substance_id!r}")
        source_ids = r.texts("source_ids")
        _check_sources(r, source_ids, sources)
        out.append(
            TimelineEvent(
                id=r.ident(),
                date=r.day("date"),
                date_precision=cast(
                    Literal["day", "month"], r.choice("date_precision", ("day", "month"))
                ),
                jurisdiction=jurisdiction,
                kind=r.choice("kind", EVENT_KINDS),
                action=r.text("action", empty=False),
                detail=r.text("detail"),
                substances=ids,
                verified=r.flag("verified"),
                source_ids=source_ids,
            )
        )
    return tuple(sorted(out, key=lambda e: (e.date, e.id)))


_OVERDOSE_COLUMNS = (
    "year",
    "synthetic_opioid_deaths",
    "all_drug_deaths",
    "status",
    "verified",
    "source_ids",
    "source_text",
)


def _csv_int(r: _Record, name: str, *, optional: bool = False) -> int | None:
    text = r.text(name).strip()
    if not text and optional:
        return None
    if not text.isdigit():
        raise r.fail(name, f"expected a whole number, got {text!r}")
    return int(text)


def _csv_bool(r: _Record, name: str) -> bool:
    text = r.text(name).strip().lower()
    if text not in ("true", "false"):
        raise r.fail(name, f"expected true or false, got {text!r}")
    return text == "true"


def load_overdose(path: Path, sources: Mapping[str, Source]) -> tuple[OverdoseYear, ...]:
    """Parse overdose_deaths.csv (one row per year; missing years stay missing)."""
    out: list[OverdoseYear] = []
    seen: set[int] = set()
    for r in _read_csv(path, _OVERDOSE_COLUMNS):
        year = _csv_int(r, "year")
        assert year is not None
        r.id = year
        if year in seen:
            raise r.fail("year", f"duplicate year {year}")
        seen.add(year)
        deaths = _csv_int(r, "synthetic_opioid_deaths")
        assert deaths is not None
        source_ids = tuple(r.text("source_ids").split())
        _check_sources(r, source_ids, sources)
        out.append(
            OverdoseYear(
                year=year,
                synthetic_opioid_deaths=deaths,
                all_drug_deaths=_csv_int(r, "all_drug_deaths", optional=True),
                status=r.text("status", empty=False),
                verified=_csv_bool(r, "verified"),
                source_ids=source_ids,
                source_text=r.text("source_text"),
            )
        )
    return tuple(sorted(out, key=lambda o: o.year))


_NEGATIVE_COLUMNS = ("id", "name", "cas", "smiles", "inchikey")


def load_negative_controls(
    path: Path, substances: Mapping[str, Substance]
) -> tuple[tuple[str, str, str], ...]:
    """Parse negative_controls.csv: look-alike medicines that must not be flagged."""
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for r in _read_csv(path, _NEGATIVE_COLUMNS):
        ident = r.ident()
        if ident in seen or ident in substances:
            raise r.fail("id", f"duplicate id {ident!r}")
        seen.add(ident)
        cas = r.text("cas").strip()
        if cas and (problem := validate_cas(cas)) is not None:
            raise r.fail("cas", problem)
        inchikey = r.text("inchikey", empty=False)
        if not _INCHIKEY.match(inchikey):
            raise r.fail("inchikey", f"{inchikey!r} is not a standard InChIKey")
        out.append((ident, r.text("name", empty=False), r.text("smiles", empty=False)))
    return tuple(out)


def check_cross_references(
    substances: Mapping[str, Substance],
    classes: Mapping[str, ClassDefinition],
    hs_codes: Mapping[str, HSCode],
    file: str = "substances.yaml",
) -> None:
    """Substances' HS codes and undated class listings must name known records."""
    for substance in substances.values():
        for code in substance.hs_codes:
            if code not in hs_codes:
                raise DataFileError(
                    f"HS code {code!r} is not in hs_codes.yaml",
                    file=file,
                    record=substance.id,
                    field="hs_codes",
                )
        for listing in substance.undated_listings:
            if listing.class_id is not None and listing.class_id not in classes:
                raise DataFileError(
                    f"unknown class {listing.class_id!r}",
                    file=file,
                    record=substance.id,
                    field="undated_listings",
                )
