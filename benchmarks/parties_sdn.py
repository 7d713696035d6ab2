"""Write the labelled evaluation set on the real OFAC SDN list (benchmarks/data/parties/sdn/).

Run: ``.venv/bin/python benchmarks/parties_sdn.py [--seed 16] [--per-kind 60]``

The rules below were written before fentrace was run on any of their output, and the
output is fixed by the seed; rows are split by a hash of the query into a ``tune`` part
(looked at while tuning) and a ``held-out`` part (only its figures were looked at).

Positives (``expected`` = the listed entry) are spellings a filer would type:

* ``maternal_dropped`` -- a Spanish-style person without the second surname ("Ismael Zambada").
* ``patronymic_dropped`` -- an East Slavic person without the patronymic ("Oleg Slizhevsky").
* ``given_first`` -- the whole name, given names first, no comma.
* ``middle_dropped`` / ``middle_initial`` -- a second given name left out or cut to its initial.
* ``transliteration`` -- one word spelt as another romanisation writes it (table below).
* ``typo`` -- one letter dropped from the longest word (7+ letters).
* ``alias`` -- an alt.csv alias, given names first for people.
* ``legal_form_written`` / ``legal_form_dropped`` -- a company's legal form written out in
  full, abbreviated, or left out.

A positive is kept only when it is unambiguous: no other listed person holds all its words
(two "Ismael Zambada"s would make the label a guess).

Negatives (``expected`` empty) are real or realistic names that are not on the list:

* ``delisted`` -- names on the 2021/2022 SDN files that left the list before May 2024 and
  whose words are no listed name's words.
* ``recombined`` -- a listed person's given name with another listed person's surname, where
  no listed person holds both ("Ismael Guzman").
* ``relative`` -- a listed family's surnames with a given name no listed person of that family has.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).parent / "data" / "parties" / "sdn"

#: Romanisation variants a filer writes for one name word (both directions are used).
TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    "vyacheslav": ("vyatscheslav", "viacheslav"),
    "mahmood": ("mehmood", "mahmud"),
    "mehmood": ("mahmood",),
    "mahmoud": ("mahmud", "mahmood"),
    "mohammad": ("muhammad", "mohammed"),
    "mohammed": ("muhammad", "mohamed"),
    "muhammad": ("mohammad", "mohamed"),
    "mohamed": ("mohammed",),
    "ahmad": ("ahmed",),
    "ahmed": ("ahmad",),
    "hussein": ("husain", "hussain"),
    "husayn": ("hussein",),
    "yusuf": ("yousef", "yousuf"),
    "abdul": ("abdel",),
    "abdel": ("abdul",),
    "aleksandr": ("alexander", "aleksander"),
    "aleksey": ("alexei", "aleksei"),
    "alexey": ("alexei",),
    "sergey": ("sergei",),
    "sergei": ("sergey",),
    "yevgeniy": ("evgeny", "yevgeny"),
    "evgeniy": ("evgeny",),
    "yuriy": ("yuri", "jurij"),
    "dmitriy": ("dmitry",),
    "dmitry": ("dmitri",),
    "andrey": ("andrei",),
    "nikolay": ("nikolai",),
    "mikhail": ("michail",),
    "vitaliy": ("vitaly",),
    "anatoliy": ("anatoly",),
    "valeriy": ("valery",),
    "gennadiy": ("gennady",),
    "grigoriy": ("grigory",),
    "arkadiy": ("arkady",),
    "vasiliy": ("vasily",),
    "yakov": ("iakov",),
    "yelena": ("elena",),
    "khalil": ("halil",),
    "khaled": ("khalid",),
    "khalid": ("khaled",),
    "osama": ("usama",),
    "usama": ("osama",),
    "zhang": ("chang",),
    "zhou": ("chou",),
    "qing": ("ching",),
    "xiao": ("hsiao",),
    "jian": ("chien",),
    "zhi": ("chih",),
    "jose": ("josé",),
    "jesus": ("jesús",),
}

#: A company's legal form as abbreviated and as written out (either replaces the other).
LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    ("LIMITED LIABILITY COMPANY", "LLC"),
    ("OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU", "OOO"),
    ("OBSHCHESTVO S OGRANICHENNOY OTVETSTVENNOSTYU", "OOO"),
    ("AKTSIONERNOE OBSHCHESTVO", "AO"),
    ("PUBLICHNOE AKTSIONERNOE OBSHCHESTVO", "PAO"),
    ("ZAKRYTOE AKTSIONERNOE OBSHCHESTVO", "ZAO"),
    ("JOINT STOCK COMPANY", "JSC"),
    ("S.A. DE C.V.", "SOCIEDAD ANONIMA DE CAPITAL VARIABLE"),
    ("CO., LTD.", "COMPANY LIMITED"),
    ("LIMITED", "LTD"),
    ("S.A.", "SOCIEDAD ANONIMA"),
    ("GMBH", "GESELLSCHAFT MIT BESCHRANKTER HAFTUNG"),
    ("LLC", "LIMITED LIABILITY COMPANY"),
)

_PATRONYMIC = re.compile(r"(ovich|evich|ovna|evna|ichna|yevich|ich)$", re.IGNORECASE)
_PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "dos", "van", "von", "al", "el", "bin"}
_HISPANIC_COUNTRIES = ("Mexico", "Colombia", "Venezuela", "Guatemala", "Honduras", "Peru")


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-záéíóúñü]+", text.lower()) if w]


def read_csv(path: Path) -> list[list[str]]:
    """Rows of an OFAC CSV (plain or gzip)."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    rows = csv.reader(io.StringIO(raw.decode("utf-8")))
    return [row for row in rows if row and row[0].strip().isdigit()]


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def _part(query: str) -> str:
    digest = hashlib.sha256(query.encode("utf-8")).digest()
    return "held-out" if digest[0] % 2 else "tune"


def _person(name: str) -> tuple[list[str], list[str]] | None:
    if "," not in name:
        return None
    surname, given = name.split(",", 1)
    return surname.split(), given.split()


def generate(seed: int, per_kind: int) -> list[dict[str, str]]:
    """Every labelled row, in a fixed order for the seed."""
    rng = random.Random(seed)
    sdn = read_csv(DATA / "sdn.csv.gz")
    alt = read_csv(DATA / "alt.csv.gz")
    listed = {row[0]: row for row in sdn}
    aliases: dict[str, list[str]] = defaultdict(list)
    for row in alt:
        if row[0] in listed and _clean(row[3]):
            aliases[row[0]].append(_clean(row[3]))
    people = {k: r for k, r in listed.items() if _clean(r[2]) == "individual"}
    companies = {k: r for k, r in listed.items() if _clean(r[2]) == ""}
    # every listed person's word set, for the ambiguity and negative checks
    person_words: list[tuple[str, set[str]]] = []
    for key, row in people.items():
        for name in [_clean(row[1]), *aliases[key]]:
            person_words.append((key, set(_words(name))))
    all_words: set[str] = {w for r in listed.values() for w in _words(_clean(r[1]))}
    all_words |= {w for names in aliases.values() for name in names for w in _words(name)}

    def unambiguous(key: str, query: str) -> bool:
        words = set(_words(query))
        return not any(k != key and words <= ws for k, ws in person_words)

    def held_by_someone(words: set[str]) -> bool:
        return any(words <= ws for _, ws in person_words)

    rows: list[dict[str, str]] = []

    def add(query: str, expected: str, variant: str) -> None:
        rows.append(
            {
                "query": query,
                "country": "",
                "expected": f"ofac-{expected}" if expected else "",
                "variant": variant,
                "part": _part(query),
            }
        )

    kinds: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in sorted(people, key=int):
        row = people[key]
        parsed = _person(_clean(row[1]))
        if parsed is None:
            continue
        surname, given = parsed
        remarks = _clean(row[11])
        core = [w for w in surname if w.lower() not in _PARTICLES]
        if len(core) == 2 and given and any(c in remarks for c in _HISPANIC_COUNTRIES):
            kinds["maternal_dropped"].append((key, f"{' '.join(given)} {core[0]}"))
        if len(given) == 2 and _PATRONYMIC.search(given[1]) and len(surname) == 1:
            kinds["patronymic_dropped"].append((key, f"{given[0]} {surname[0]}"))
        elif len(given) == 2 and len(given[1]) > 2 and len(core) == 1:
            kinds["middle_dropped"].append((key, f"{given[0]} {surname[0]}"))
            kinds["middle_initial"].append((key, f"{given[0]} {given[1][0]}. {surname[0]}"))
        if given:
            kinds["given_first"].append((key, f"{' '.join(given)} {' '.join(surname)}"))
        full = given + surname
        changed = [
            (i, TRANSLITERATIONS[w.lower()])
            for i, w in enumerate(full)
            if w.lower() in TRANSLITERATIONS
        ]
        if changed:
            i, options = changed[0]
            variant = list(full)
            variant[i] = options[0].capitalize()
            kinds["transliteration"].append((key, " ".join(variant)))
        longest = max(full, key=len) if full else ""
        if len(longest) >= 7:
            cut = len(longest) // 2
            typo = longest[:cut] + longest[cut + 1 :]
            kinds["typo"].append((key, " ".join(typo if w == longest else w for w in full)))
        for alias in aliases[key][:1]:
            parsed_alias = _person(alias)
            shown = (
                f"{' '.join(parsed_alias[1])} {' '.join(parsed_alias[0])}"
                if parsed_alias
                else alias
            )
            kinds["alias_person"].append((key, shown))
    for key in sorted(companies, key=int):
        name = _clean(companies[key][1])
        upper = name.upper()
        for long_form, short_form in LEGAL_FORMS:
            pattern = re.compile(rf"(^|[\s,]){re.escape(long_form)}($|[\s,.])")
            if pattern.search(upper):
                written = pattern.sub(
                    lambda m, s=short_form: f"{m.group(1)}{s}{m.group(2)}", upper, count=1
                )
                kinds["legal_form_written"].append((key, re.sub(r"\s+", " ", written).strip(" ,")))
                dropped = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}", upper, count=1)
                dropped = re.sub(r"\s+", " ", dropped.replace(" ,", ",")).strip(" ,.")
                if len(_words(dropped)) >= 2:
                    kinds["legal_form_dropped"].append((key, dropped))
                break
        for alias in aliases[key][:1]:
            kinds["alias_company"].append((key, alias))
    for kind in sorted(kinds):
        candidates = [
            (k, q)
            for k, q in kinds[kind]
            if unambiguous(k, q) or kind.endswith("company") or kind.startswith("legal")
        ]
        for key, query in rng.sample(candidates, min(per_kind, len(candidates))):
            add(query, key, kind)

    # --- negatives
    old_names: dict[str, str] = {}
    for old in sorted(DATA.glob("delisted-*.csv.gz")):
        for row in read_csv(old):
            if row[0] not in listed:
                old_names.setdefault(_clean(row[1]), _clean(row[2]))
    delisted = []
    for name, kind in sorted(old_names.items()):
        words = set(_words(name))
        if not words:
            continue
        if kind == "individual":
            if held_by_someone(words):
                continue
            parsed = _person(name)
            shown = f"{' '.join(parsed[1])} {' '.join(parsed[0])}" if parsed else name
        else:
            shown = name
        delisted.append(shown)
    for query in rng.sample(delisted, min(per_kind * 4, len(delisted))):
        add(query, "", "delisted")
    parsed_people = [
        (k, p)
        for k, r in sorted(people.items(), key=lambda kv: int(kv[0]))
        if (p := _person(_clean(r[1])))
    ]
    recombined: list[str] = []
    relatives: list[str] = []
    for _ in range(per_kind * 20):
        (_, (sur_a, giv_a)), (_, (sur_b, giv_b)) = rng.sample(parsed_people, 2)
        if not giv_a or not giv_b:
            continue
        query = f"{giv_a[0]} {sur_b[0]}"
        if not held_by_someone(set(_words(query))) and len(recombined) < per_kind * 2:
            recombined.append(query)
        family = " ".join(sur_a)
        query = f"{giv_b[0]} {family}"
        if (
            len(sur_a) >= 2
            and not held_by_someone(set(_words(query)))
            and len(relatives) < per_kind
        ):
            relatives.append(query)
    for query in recombined:
        add(query, "", "recombined")
    for query in relatives:
        add(query, "", "relative")
    del all_words
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--per-kind", type=int, default=60)
    parser.add_argument("--out", type=Path, default=DATA / "evaluation.csv")
    args = parser.parse_args(argv)
    rows = generate(args.seed, args.per_kind)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["query", "country", "expected", "variant", "part"]
        )
        writer.writeheader()
        writer.writerows(rows)
    positives = sum(1 for r in rows if r["expected"])
    print(
        f"{len(rows)} rows ({positives} variants, {len(rows) - positives} innocent) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
