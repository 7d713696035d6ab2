"""Watchlists: the bundled fentanyl list, OFAC SDN files and FollowTheMoney JSON lines.

Every loader yields the same :class:`Entity` records. A broken record is reported as a
:class:`~fentrace.exc.DataFileError` naming the file and the line, kept in
:attr:`Watchlist.problems`, and the rest of the file is loaded; only a file that cannot
be read at all, or whose format cannot be told, stops the load.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring as safe_fromstring

from fentrace.exc import DataFileError, InputError, UsageError
from fentrace.parties.countries import country_code

EntityType = Literal["company", "person", "cartel", "vessel", "other"]
ListFormat = Literal["bundled", "sdn-csv", "sdn-xml", "ftm"]

BUNDLED_NAME: Final[str] = "watchlist.csv"
BUNDLED_COLUMNS: Final[tuple[str, ...]] = (
    "entity_id",
    "type",
    "name",
    "aliases",
    "weak_aliases",
    "countries",
    "action",
    "list",
    "since",
    "source",
    "notes",
)
UNVERIFIED_MARK: Final[str] = "(unverified)"
ENTITY_TYPES: Final[frozenset[str]] = frozenset({"company", "person", "cartel", "vessel", "other"})


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name of an entity; ``weak`` for nicknames that are never enough alone."""

    name: str
    unverified: bool = False
    weak: bool = False


@dataclass(frozen=True, slots=True)
class Listing:
    """One action against an entity: an indictment, a sanction, a terrorist designation."""

    action: str
    list_id: str
    since: date | None
    source: str


@dataclass(frozen=True, slots=True)
class Entity:
    """One listed company, person or organisation with all its names and actions."""

    entity_id: str
    type: EntityType
    name: str
    aliases: tuple[Alias, ...]
    countries: tuple[str, ...]
    listings: tuple[Listing, ...]
    identifiers: tuple[str, ...] = ()
    notes: str = ""
    #: Dates of birth as the list gives them: "1982-11-22", "1982-11", "1948", "1960/1962", "~1962".
    birth_dates: tuple[str, ...] = ()
    #: Sanctions programmes the entity is listed under (SDNTK, ILLICIT-DRUGS-EO14059, SDGT ...).
    programs: tuple[str, ...] = ()

    def names(self) -> Iterator[Alias]:
        """The primary name and every alias."""
        yield Alias(self.name)
        yield from self.aliases

    @property
    def lists(self) -> tuple[str, ...]:
        """The ids of the lists the entity is on, in order of first listing."""
        return tuple(dict.fromkeys(listing.list_id for listing in self.listings))

    def first_listing(self) -> Listing:
        """The earliest dated action (undated actions last)."""
        return min(self.listings, key=lambda li: (li.since is None, li.since or date.max))


@dataclass(frozen=True, slots=True)
class Remarks:
    """What OFAC's remarks column says beyond the name: nicknames, births, nationality, ids."""

    aliases: tuple[Alias, ...] = ()
    birth_dates: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()


_MONTHS: Final[dict[str, int]] = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DOB = re.compile(
    r"^(?:(?P<circa>circa)\s+)?(?:(?P<day>\d{1,2})\s+)?(?:(?P<month>[A-Za-z]{3})[a-z]*\s+)?"
    r"(?P<year>\d{4})(?:\s+to\s+(?P<until>\d{4}))?$"
)
#: Remark items that name a number of an identity or registration document.
_ID_LABEL = re.compile(
    r"^(?P<label>.*(?:Passport|No\.|Number|\bID|Identification|#|R\.F\.C\.|C\.U\.R\.P\.|D\.N\.I\.|"
    r"SWIFT/BIC|MMSI|Code|\(USCC\)|IMO|Registration|Document))\s+"
    r"(?P<value>[A-Za-z0-9][A-Za-z0-9./\-]*)(?:\s+\((?P<country>[^)]*)\))?$"
)
#: Remark items that carry numbers but are no identity document (contacts, dates, links).
_NOT_ID = re.compile(
    r"^(?:DOB|POB|Phone|Telephone|Fax|Email|Website|Digital Currency|Linked To|Organization"
    r" Established|Organization Type|Gender|Additional Sanctions|Secondary sanctions|Transactions"
    r"|Executive Order|Target Type|Aircraft|Former|Listing|Effective|Birth)",
    re.IGNORECASE,
)
_AKA = re.compile(r"^(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s+['\"](?P<name>[^'\"]+)['\"]$")


def parse_birth_date(text: str) -> str | None:
    """An OFAC date of birth ("22 Nov 1982", "1948", "circa 1962", "1960 to 1962") in short form."""
    match = _DOB.match(text.strip())
    if match is None:
        return None
    year = match["year"]
    if match["until"]:
        return f"{year}/{match['until']}"
    if match["circa"]:
        return f"~{year}"
    month = _MONTHS.get((match["month"] or "").lower()[:3])
    if month is None:
        return year
    if match["day"]:
        try:
            return date(int(year), month, int(match["day"])).isoformat()
        except ValueError:
            return f"{year}-{month:02d}"
    return f"{year}-{month:02d}"


def parse_remarks(remarks: str) -> Remarks:
    """Nicknames, dates of birth, nationalities and document numbers from OFAC's remarks column."""
    aliases: list[Alias] = []
    births: list[str] = []
    nationalities: list[str] = []
    identifiers: list[str] = []
    for raw in remarks.strip().rstrip(".").split(";"):
        item = raw.strip()
        if item.lower().startswith("alt. "):
            item = item[5:].strip()
        if not item:
            continue
        aka = _AKA.match(item)
        if aka:
            aliases.append(Alias(aka["name"].strip(), weak=True))
            continue
        lowered = item.lower()
        if lowered.startswith("dob "):
            born = parse_birth_date(item[4:])
            if born:
                births.append(born)
            continue
        if lowered.startswith(("nationality ", "citizen ")):
            code = country_code(item.split(" ", 1)[1].strip())
            if code:
                nationalities.append(code)
            continue
        if _NOT_ID.match(item):
            continue
        ident = _ID_LABEL.match(item)
        if ident and any(ch.isdigit() for ch in ident["value"]):
            identifiers.append(ident["value"].strip())
    return Remarks(
        aliases=tuple(aliases),
        birth_dates=tuple(dict.fromkeys(births)),
        nationalities=tuple(dict.fromkeys(nationalities)),
        identifiers=tuple(dict.fromkeys(identifiers)),
    )


def split_programs(value: str) -> tuple[str, ...]:
    """OFAC's programme field ("SDNTK] [ILLICIT-DRUGS-EO14059") as a tuple of programme codes."""
    return tuple(p.strip(" []") for p in re.split(r"\]\s*\[", value) if p.strip(" []"))


@dataclass(frozen=True, slots=True)
class LoadedList:
    """What one file contributed: its format, counts and publication date when known."""

    file: str
    format: ListFormat
    entities: int
    published: date | None = None


@dataclass(slots=True)
class Watchlist:
    """Entities from one or more lists, with the problems met while loading them."""

    entities: list[Entity] = field(default_factory=list)
    loaded: list[LoadedList] = field(default_factory=list)
    problems: list[DataFileError] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts by file, type, action, and the date range of the actions."""
        dates = [li.since for e in self.entities for li in e.listings if li.since is not None]
        return {
            "entities": len(self.entities),
            "names": sum(1 + len(e.aliases) for e in self.entities),
            "by_type": dict(Counter(e.type for e in self.entities).most_common()),
            "by_action": dict(
                Counter(li.action for e in self.entities for li in e.listings).most_common()
            ),
            "by_program": dict(Counter(p for e in self.entities for p in e.programs).most_common()),
            "earliest": min(dates).isoformat() if dates else None,
            "latest": max(dates).isoformat() if dates else None,
            "files": [
                {
                    "file": item.file,
                    "format": item.format,
                    "entities": item.entities,
                    "published": item.published.isoformat() if item.published else None,
                }
                for item in self.loaded
            ],
            "problems": [str(problem) for problem in self.problems],
        }


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _alias(text: str, *, weak: bool = False) -> Alias:
    unverified = text.endswith(UNVERIFIED_MARK)
    if unverified:
        text = text[: -len(UNVERIFIED_MARK)].strip()
    return Alias(text, unverified=unverified, weak=weak)


def _parse_date(value: str, *, file: str, record: int, column: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DataFileError(
            f"{value!r} is not an ISO date (YYYY-MM-DD)", file=file, record=record, field=column
        ) from None


# --------------------------------------------------------------------------- bundled


def _read_bundled(text: str, file: str, problems: list[DataFileError]) -> list[Entity]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in BUNDLED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFileError(f"missing columns {', '.join(missing)}", file=file, record=1)
    merged: dict[str, dict[str, Any]] = {}
    for row in reader:
        line = reader.line_num
        try:
            entity_id = row["entity_id"].strip()
            name = row["name"].strip()
            if not entity_id:
                raise DataFileError("empty entity id", file=file, record=line, field="entity_id")
            if not name:
                raise DataFileError("empty name", file=file, record=line, field="name")
            kind = row["type"].strip()
            if kind not in ENTITY_TYPES:
                raise DataFileError(
                    f"unknown type {kind!r}; use one of {', '.join(sorted(ENTITY_TYPES))}",
                    file=file,
                    record=line,
                    field="type",
                )
            countries = []
            for value in _split(row["countries"]):
                code = country_code(value)
                if code is None:
                    raise DataFileError(
                        f"{value!r} is not a country code",
                        file=file,
                        record=line,
                        field="countries",
                    )
                countries.append(code)
            listing = Listing(
                action=row["action"].strip() or "listed",
                list_id=row["list"].strip() or "bundled",
                since=_parse_date(row["since"], file=file, record=line, column="since"),
                source=row["source"].strip(),
            )
        except DataFileError as problem:
            problems.append(problem)
            continue
        entry = merged.setdefault(
            entity_id,
            {
                "type": kind,
                "name": name,
                "aliases": {},
                "countries": {},
                "listings": [],
                "notes": [],
            },
        )
        for alias in (_alias(a) for a in _split(row["aliases"])):
            entry["aliases"].setdefault(alias.name, alias)
        for alias in (_alias(a, weak=True) for a in _split(row["weak_aliases"])):
            entry["aliases"].setdefault(alias.name, alias)
        entry["countries"].update(dict.fromkeys(countries))
        entry["listings"].append(listing)
        if row["notes"].strip() and row["notes"].strip() not in entry["notes"]:
            entry["notes"].append(row["notes"].strip())
    return [
        Entity(
            entity_id=entity_id,
            type=entry["type"],
            name=entry["name"],
            aliases=tuple(a for n, a in entry["aliases"].items() if n != entry["name"]),
            countries=tuple(entry["countries"]),
            listings=tuple(entry["listings"]),
            notes="; ".join(entry["notes"]),
        )
        for entity_id, entry in merged.items()
    ]


# --------------------------------------------------------------------------- OFAC SDN CSV

_SDN_NULL: Final[str] = "-0-"


def _sdn_value(value: str) -> str:
    value = value.strip()
    return "" if value == _SDN_NULL else value


def _sdn_type(value: str) -> EntityType:
    value = _sdn_value(value).lower()
    if value == "individual":
        return "person"
    if value in {"vessel", "aircraft"}:
        return "vessel"
    return "company"


def _read_sdn_csv(
    sdn: Path, alt: Path | None, add: Path | None, problems: list[DataFileError]
) -> list[Entity]:
    """OFAC's headerless sdn.csv (+ alt.csv aliases, add.csv addresses) into entities."""
    records: dict[str, dict[str, Any]] = {}
    for line, row in _csv_rows(sdn):
        if len(row) == 1 and row[0].strip() in {"", "\x1a"}:
            continue  # OFAC ends the file with an end-of-file marker
        if len(row) < 12:
            problems.append(
                DataFileError(f"expected 12 fields, found {len(row)}", file=str(sdn), record=line)
            )
            continue
        ent_num, name = row[0].strip(), _sdn_value(row[1])
        if not ent_num.isdigit() or not name:
            problems.append(
                DataFileError(
                    "ent_num must be a number and SDN_Name not empty",
                    file=str(sdn),
                    record=line,
                    field="ent_num" if not ent_num.isdigit() else "SDN_Name",
                )
            )
            continue
        records[ent_num] = {
            "name": name,
            "type": _sdn_type(row[2]),
            "program": _sdn_value(row[3]),
            "remarks": _sdn_value(row[11]),
            "aliases": [],
            "countries": [],
        }
    if alt is not None:
        for line, row in _csv_rows(alt):
            if len(row) == 1 and row[0].strip() in {"", "\x1a"}:
                continue
            if len(row) < 4 or row[0].strip() not in records:
                problems.append(
                    DataFileError(
                        "alias row needs ent_num, alt_num, alt_type, alt_name of a listed entry",
                        file=str(alt),
                        record=line,
                    )
                )
                continue
            alias = _sdn_value(row[3])
            if alias:
                # alt_type aka / fka / nka: all full names; the CSV does not mark weak a.k.a.s
                records[row[0].strip()]["aliases"].append(Alias(alias))
    if add is not None:
        for line, row in _csv_rows(add):
            if len(row) == 1 and row[0].strip() in {"", "\x1a"}:
                continue
            if len(row) < 5 or row[0].strip() not in records:
                problems.append(
                    DataFileError(
                        "address row needs ent_num, add_num, address, city, country of a listed entry",
                        file=str(add),
                        record=line,
                    )
                )
                continue
            code = country_code(_sdn_value(row[4]))
            if code:
                records[row[0].strip()]["countries"].append(code)
    entities = []
    for ent_num, r in records.items():
        remarks = parse_remarks(r["remarks"])
        known = {alias.name for alias in r["aliases"]} | {r["name"]}
        programs = split_programs(r["program"])
        entities.append(
            Entity(
                entity_id=f"ofac-{ent_num}",
                type=r["type"],
                name=r["name"],
                aliases=(*r["aliases"], *(a for a in remarks.aliases if a.name not in known)),
                countries=tuple(dict.fromkeys([*r["countries"], *remarks.nationalities])),
                listings=(
                    Listing(
                        "sanction",
                        "us-ofac-sdn",
                        None,
                        f"OFAC SDN list, program {', '.join(programs)}",
                    ),
                ),
                identifiers=remarks.identifiers,
                notes=r["remarks"],
                birth_dates=remarks.birth_dates,
                programs=programs,
            )
        )
    return entities


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if row:
                yield reader.line_num, row
    except csv.Error as error:
        raise DataFileError(
            f"not a readable CSV: {error}", file=str(path), record=reader.line_num
        ) from None


# --------------------------------------------------------------------------- OFAC SDN XML


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element.iter() if _local(child.tag) == name]


def _person_name(element: ET.Element) -> str:
    return " ".join(
        p for p in (_child_text(element, "firstName"), _child_text(element, "lastName")) if p
    )


def _read_sdn_xml(path: Path, problems: list[DataFileError]) -> tuple[list[Entity], date | None]:
    """OFAC's sdn.xml (``sdnList`` of ``sdnEntry``) into entities."""
    try:
        # defusedxml: entity declarations (expansion bombs, external files) are refused
        root = safe_fromstring(_read_text(path))
    except (EntitiesForbidden, DTDForbidden, ExternalReferenceForbidden) as error:
        raise DataFileError(
            f"refused: the XML declares entities or external references ({error})",
            file=str(path),
        ) from None
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        raise DataFileError(f"not well-formed XML: {error}", file=str(path), record=line) from None
    published: date | None = None
    for info in _children(root, "Publish_Date"):
        text = (info.text or "").strip()
        try:
            month, day, year = (int(part) for part in text.split("/"))
            published = date(year, month, day)
        except ValueError:
            problems.append(
                DataFileError(
                    f"{text!r} is not a MM/DD/YYYY date", file=str(path), field="Publish_Date"
                )
            )
    entities: list[Entity] = []
    for number, entry in enumerate(_children(root, "sdnEntry"), start=1):
        uid = _child_text(entry, "uid")
        name = _person_name(entry)
        if not uid or not name:
            problems.append(
                DataFileError(
                    "sdnEntry needs a uid and a lastName",
                    file=str(path),
                    record=f"sdnEntry {number}",
                    field="uid" if not uid else "lastName",
                )
            )
            continue
        aliases = tuple(
            Alias(_person_name(aka), weak=_child_text(aka, "category").lower() == "weak")
            for aka in _children(entry, "aka")
            if _person_name(aka)
        )
        countries = tuple(
            dict.fromkeys(
                code
                for address in _children(entry, "address")
                if (code := country_code(_child_text(address, "country")))
            )
        )
        identifiers = tuple(
            _child_text(ident, "idNumber")
            for ident in _children(entry, "id")
            if _child_text(ident, "idNumber")
        )
        program_codes = tuple(
            (p.text or "").strip() for p in _children(entry, "program") if (p.text or "").strip()
        )
        programs = ", ".join(program_codes)
        remarks = parse_remarks(_child_text(entry, "remarks"))
        births = [
            born
            for item in _children(entry, "dateOfBirthItem")
            if (born := parse_birth_date(_child_text(item, "dateOfBirth")))
        ]
        nationalities = [
            code
            for tag in ("nationality", "citizenship")
            for item in _children(entry, tag)
            if (code := country_code(_child_text(item, "country")))
        ]
        known = {alias.name for alias in aliases} | {name}
        aliases = (*aliases, *(a for a in remarks.aliases if a.name not in known))
        countries = tuple(dict.fromkeys([*countries, *nationalities, *remarks.nationalities]))
        entities.append(
            Entity(
                entity_id=f"ofac-{uid}",
                type=_sdn_type(_child_text(entry, "sdnType")),
                name=name,
                aliases=aliases,
                countries=countries,
                listings=(
                    Listing(
                        "sanction", "us-ofac-sdn", published, f"OFAC SDN list, program {programs}"
                    ),
                ),
                identifiers=tuple(dict.fromkeys([*identifiers, *remarks.identifiers])),
                notes=_child_text(entry, "remarks"),
                birth_dates=tuple(dict.fromkeys([*births, *remarks.birth_dates])),
                programs=program_codes,
            )
        )
    return entities, published


# --------------------------------------------------------------------------- FollowTheMoney

_FTM_TYPES: Final[dict[str, EntityType]] = {
    "Person": "person",
    "Company": "company",
    "Organization": "company",
    "LegalEntity": "company",
    "PublicBody": "company",
    "Vessel": "vessel",
    "Airplane": "vessel",
}
_FTM_IDENTIFIERS: Final[tuple[str, ...]] = (
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "idNumber",
    "passportNumber",
    "imoNumber",
    "swiftBic",
)


def _strings(properties: dict[str, Any], key: str) -> list[str]:
    values = properties.get(key, [])
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return []
    return [str(v).strip() for v in values if isinstance(v, str | int) and str(v).strip()]


def _ftm_birth_date(value: str) -> str | None:
    """A FollowTheMoney date ("1982-11-22", "1982-11", "1982") kept when it reads as one."""
    value = value.strip()[:10]
    return value if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value) else None


def _read_ftm(path: Path, problems: list[DataFileError]) -> list[Entity]:
    """FollowTheMoney entities, one JSON object per line (the OpenSanctions export)."""
    entities: list[Entity] = []
    for line, raw in enumerate(_read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            problems.append(DataFileError(f"not JSON: {error.msg}", file=str(path), record=line))
            continue
        except RecursionError:  # "[[[[..." nested past the parser's stack
            problems.append(
                DataFileError("not JSON: nested too deeply", file=str(path), record=line)
            )
            continue
        if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
            problems.append(
                DataFileError('expected an object with "properties"', file=str(path), record=line)
            )
            continue
        schema = str(data.get("schema", ""))
        if schema not in _FTM_TYPES:
            continue  # addresses, sanctions, ownership links: not names to screen
        props: dict[str, Any] = data["properties"]
        names = _strings(props, "name")
        entity_id = str(data.get("id", "")).strip()
        if not names or not entity_id:
            problems.append(
                DataFileError(
                    "entity needs an id and at least one name",
                    file=str(path),
                    record=line,
                    field="name" if entity_id else "id",
                )
            )
            continue
        aliases = [Alias(n) for n in names[1:]]
        aliases += [Alias(n) for key in ("alias", "previousName") for n in _strings(props, key)]
        aliases += [Alias(n, weak=True) for n in _strings(props, "weakAlias")]
        countries = [
            code
            for key in ("country", "jurisdiction", "nationality", "citizenship")
            for value in _strings(props, key)
            if (code := country_code(value))
        ]
        topics = _strings(props, "topics")
        action = "sanction" if any(t.startswith("sanction") for t in topics) else "listed"
        first_seen = str(data.get("first_seen") or "")[:10]
        since = None
        if first_seen:
            try:
                since = date.fromisoformat(first_seen)
            except ValueError:
                problems.append(
                    DataFileError(
                        f"{first_seen!r} is not a date",
                        file=str(path),
                        record=line,
                        field="first_seen",
                    )
                )
        datasets = data.get("datasets") or []
        list_id = str(datasets[0]) if isinstance(datasets, list) and datasets else "ftm"
        sources = _strings(props, "sourceUrl") or (
            [", ".join(str(d) for d in datasets)] if isinstance(datasets, list) and datasets else []
        )
        entities.append(
            Entity(
                entity_id=entity_id,
                type="cartel" if "crime.cartel" in topics else _FTM_TYPES[schema],
                name=names[0],
                aliases=tuple(aliases),
                countries=tuple(dict.fromkeys(countries)),
                listings=(Listing(action, list_id, since, "; ".join(sources)),),
                identifiers=tuple(v for key in _FTM_IDENTIFIERS for v in _strings(props, key)),
                notes="; ".join(_strings(props, "notes")),
                birth_dates=tuple(
                    dict.fromkeys(
                        born
                        for value in _strings(props, "birthDate")
                        if (born := _ftm_birth_date(value))
                    )
                ),
                programs=tuple(dict.fromkeys(_strings(props, "programId"))),
            )
        )
    return entities


# --------------------------------------------------------------------------- entry points


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such list file") from None
    except UnicodeDecodeError as error:
        raise DataFileError(f"not UTF-8 text (byte {error.start})", file=str(path)) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None


def detect_format(path: Path) -> ListFormat | Literal["sdn-alt", "sdn-add"]:
    """Tell a list file's format from its name and first line."""
    suffix = path.suffix.lower()
    stem = path.stem.lower()
    if suffix == ".xml":
        return "sdn-xml"
    if suffix in {".json", ".jsonl", ".ndjson", ".ftm"}:
        return "ftm"
    if suffix == ".csv":
        if stem in {"alt", "cons_alt"}:
            return "sdn-alt"
        if stem in {"add", "cons_add"}:
            return "sdn-add"
        first = _read_text(path).lstrip().split("\n", 1)[0]
        if first.startswith("entity_id,"):
            return "bundled"
        if first.split(",", 1)[0].strip().isdigit():
            return "sdn-csv"
    raise InputError(
        f"{path}: cannot tell the list format; give a bundled-format CSV, OFAC sdn.csv "
        "(with alt.csv/add.csv beside it), OFAC sdn.xml or FollowTheMoney .json/.jsonl"
    )


def _sibling(path: Path, name: str, given: Sequence[Path]) -> Path | None:
    for candidate in given:
        if candidate.name.lower() == name:
            return candidate
    for candidate in path.parent.iterdir() if path.parent.is_dir() else ():
        if candidate.name.lower() == name:
            return candidate
    return None


def load_bundled(watchlist: Watchlist | None = None) -> Watchlist:
    """The watchlist shipped with fentrace (indictments, OFAC designations, cartels)."""
    watchlist = watchlist if watchlist is not None else Watchlist()
    resource = resources.files("fentrace.reference").joinpath("data", BUNDLED_NAME)
    text = resource.read_text(encoding="utf-8")
    entities = _read_bundled(text, f"fentrace/reference/data/{BUNDLED_NAME}", watchlist.problems)
    watchlist.entities.extend(entities)
    watchlist.loaded.append(LoadedList(f"(bundled) {BUNDLED_NAME}", "bundled", len(entities)))
    return watchlist


def load_watchlist(
    paths: Iterable[str | Path] | None = None, *, bundled: bool | None = None
) -> Watchlist:
    """Load the bundled list, or the given list files (and the bundled one too if ``bundled``).

    OFAC's alt.csv and add.csv are read together with the sdn.csv beside them (or given
    in ``paths``); passing them alone is an error.
    """
    given = [Path(p) for p in paths or ()]
    use_bundled = (not given) if bundled is None else bundled
    watchlist = Watchlist()
    if use_bundled:
        load_bundled(watchlist)
    formats = {path: detect_format(path) for path in given}
    for path, kind in formats.items():
        if kind in {"sdn-alt", "sdn-add"} and not any(
            f == "sdn-csv" and p.parent == path.parent for p, f in formats.items()
        ):
            raise InputError(f"{path}: an OFAC {path.name} needs its sdn.csv; give that file too")
    for path, kind in formats.items():
        published: date | None = None
        if kind == "bundled":
            entities = _read_bundled(_read_text(path), str(path), watchlist.problems)
        elif kind == "sdn-csv":
            entities = _read_sdn_csv(
                path,
                _sibling(path, "alt.csv", given),
                _sibling(path, "add.csv", given),
                watchlist.problems,
            )
        elif kind == "sdn-xml":
            entities, published = _read_sdn_xml(path, watchlist.problems)
        elif kind == "ftm":
            entities = _read_ftm(path, watchlist.problems)
        else:
            continue
        watchlist.entities.extend(entities)
        watchlist.loaded.append(LoadedList(str(path), kind, len(entities), published))
    return watchlist
