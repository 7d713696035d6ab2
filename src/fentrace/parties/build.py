"""Build the bundled watchlist from the reference research table (``entities.csv``).

The research table keeps one row per entity and action, with a free-text alias column
that mixes real aliases with notes ("Wuhan-based", "director of Hubei Aoks",
"'Bruce' (per press)", "some reports name 'Anita Yang' (unverified)"). The rules below
split that column into aliases, weak aliases (nicknames) and notes, keep every
"(unverified)" mark, turn countries into ISO codes and give each entity a stable id.
Rows of one entity (same name, or one row's name is the other's alias) share the id.

Run ``python -m fentrace.parties.build ENTITIES_CSV OUT_CSV`` to regenerate the file.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from fentrace.atomic import write_text_atomic
from fentrace.exc import DataFileError
from fentrace.parties.countries import country_code
from fentrace.parties.normalise import normalise_name
from fentrace.parties.watchlist import BUNDLED_COLUMNS, UNVERIFIED_MARK

#: Action in the research table -> list id.
LIST_IDS: Final[dict[str, str]] = {
    "indictment": "us-doj-indictments",
    "ofac": "us-ofac-sdn",
    "fto": "us-state-fto",
}

_QUOTED = re.compile(r"'([^']+)'")
_PAREN = re.compile(r"\s*\(([^)]*)\)\s*$")
_AKA = re.compile(r"^\s*a/?k/?a\s+", re.IGNORECASE)
_NOTE_PATTERNS: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(r"-(based|registered)$", re.IGNORECASE),
    re.compile(r"^(director|owner|employee|manager|officer|sales)\b", re.IGNORECASE),
)
_REGISTERED_IN = re.compile(r"^(.+?)-(?:based|registered)$", re.IGNORECASE)


@dataclass(slots=True)
class AliasField:
    """The alias column of one research row, taken apart."""

    aliases: list[str] = field(default_factory=list)
    weak_aliases: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def split_alias_field(text: str) -> AliasField:
    """Split a free-text alias column into aliases, nicknames and notes (rules in the module doc)."""
    result = AliasField()
    for raw in re.split(r"[|;]", text):
        part = _AKA.sub("", raw.strip())
        if not part:
            continue
        qualifier = ""
        paren = _PAREN.search(part)
        if paren:
            qualifier = paren.group(1).strip()
            part = part[: paren.start()].strip()
        quoted = _QUOTED.search(part)
        if quoted and quoted.group(0) != part:
            # "some reports name 'Anita Yang'": the quoted words are the alias, the rest a note
            result.notes.append(part.replace(quoted.group(0), "").strip() + f" {quoted.group(1)}")
            part = quoted.group(1)
        elif quoted:
            part = quoted.group(1)
        if any(p.search(part) for p in _NOTE_PATTERNS):
            result.notes.append(part + (f" ({qualifier})" if qualifier else ""))
            place = _REGISTERED_IN.match(part)
            if place and (code := country_code(place.group(1))):
                result.countries.append(code)
            continue
        normalised = normalise_name(part)
        if normalised.tokens and normalised.tokens == normalised.places:
            result.notes.append(f"place: {part}")
            continue
        marked = part + f" {UNVERIFIED_MARK}" if qualifier.lower() == "unverified" else part
        if qualifier and qualifier.lower() != "unverified":
            result.notes.append(f"{part}: {qualifier}")
        nickname = len(normalised.tokens) == 1 and quoted is not None
        (result.weak_aliases if nickname else result.aliases).append(marked)
    return result


def entity_id(name: str) -> str:
    """A stable id from the primary name: ``ft-`` and its ASCII words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", normalise_name(name).original.lower())
    slug = "-".join(words) or "unnamed"
    return f"ft-{slug}"


def build_rows(text: str, file: str) -> list[dict[str, str]]:
    """The bundled watchlist rows for a research ``entities.csv`` text."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"name", "aliases", "country", "type", "action", "date", "source"}
    if not needed <= set(reader.fieldnames or []):
        raise DataFileError(f"needs columns {', '.join(sorted(needed))}", file=file, record=1)
    rows: list[dict[str, str]] = []
    ids_by_name: dict[str, str] = {}
    for row in reader:
        name = row["name"].strip()
        quoted = _QUOTED.fullmatch(name)
        notes: list[str] = []
        if quoted:
            name = quoted.group(1)
        parts = split_alias_field(row["aliases"])
        notes.extend(parts.notes)
        country = country_code(row["country"])
        if country is None:
            raise DataFileError(
                f"unknown country {row['country']!r}",
                file=file,
                record=reader.line_num,
                field="country",
            )
        countries = list(dict.fromkeys([country, *parts.countries]))
        keys = [normalise_name(name).key] + [
            normalise_name(a.replace(UNVERIFIED_MARK, "")).key for a in parts.aliases
        ]
        ident = next((ids_by_name[k] for k in keys if k in ids_by_name), None) or entity_id(name)
        for key in keys:
            ids_by_name.setdefault(key, ident)
        action = row["action"].strip()
        rows.append(
            {
                "entity_id": ident,
                "type": row["type"].strip(),
                "name": name,
                "aliases": "|".join(parts.aliases),
                "weak_aliases": "|".join(parts.weak_aliases),
                "countries": "|".join(countries),
                "action": action,
                "list": LIST_IDS.get(action, action),
                "since": row["date"].strip(),
                "source": row["source"].strip(),
                "notes": "; ".join(notes),
            }
        )
    _use_one_primary_name(rows)
    return rows


def _use_one_primary_name(rows: list[dict[str, str]]) -> None:
    """Rows of one entity show the first row's name; other names become its aliases."""
    first: dict[str, dict[str, str]] = {}
    for row in rows:
        head = first.setdefault(row["entity_id"], row)
        if row is head or row["name"] == head["name"]:
            continue
        aliases = [a for a in row["aliases"].split("|") if a and a != head["name"]]
        row["aliases"] = "|".join(dict.fromkeys([row["name"], *aliases]))
        row["name"] = head["name"]


def write_rows(rows: list[dict[str, str]]) -> str:
    """The rows as bundled-format CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(BUNDLED_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str]) -> int:
    """Regenerate the bundled watchlist: ``build ENTITIES_CSV OUT_CSV``."""
    if len(argv) != 2:
        print("usage: python -m fentrace.parties.build ENTITIES_CSV OUT_CSV", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    write_text_atomic(
        target, write_rows(build_rows(source.read_text(encoding="utf-8"), str(source)))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
