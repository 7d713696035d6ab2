"""Party screening benchmark: quality and speed against an SDN-sized list, next to RapidFuzz WRatio.

Run: ``.venv/bin/python benchmarks/parties.py [--list-size 20000] [--batch 20000] [--seed 7]``

1. Builds a seeded synthetic watchlist of ``--list-size`` plausible entries (Chinese,
   Mexican and North American companies, Chinese and Spanish person names, some with
   aliases) plus the bundled entries. Generated words that resemble any word of the
   evaluation set or of the bundled list are dropped, so the labels stay true.
2. Screens the labelled evaluation set (benchmarks/data/parties/evaluation.csv) and prints
   precision and recall for ``match`` (automatic stop) and ``match``+``possible`` (review).
3. Baseline: RapidFuzz's plain WRatio, best score over every list name, on the same
   queries; its threshold is swept and the best F1 threshold reported (fair to it).
4. Speed: names per second of ``screen_many`` on a batch of distinct names (variants of
   listed names and unlisted names) in one process, and WRatio's names per second on a
   sample of the same batch.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import Indel

from fentrace.parties import PartyScreener, load_watchlist, normalise_name
from fentrace.parties.evaluate import (
    LabelledName,
    Quality,
    flagged_match,
    flagged_review,
    judge,
    load_labels,
)
from fentrace.parties.watchlist import Alias, Entity, Listing, Watchlist

EVALUATION = Path(__file__).parent / "data" / "parties" / "evaluation.csv"

INITIALS = [
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "zh",
    "ch",
    "sh",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
]
FINALS = [
    "a",
    "o",
    "e",
    "ai",
    "ei",
    "ao",
    "ou",
    "an",
    "en",
    "ang",
    "eng",
    "ong",
    "i",
    "ia",
    "ie",
    "iao",
    "iu",
    "ian",
    "in",
    "iang",
    "ing",
    "iong",
    "u",
    "ua",
    "uo",
    "uai",
    "ui",
    "uan",
    "un",
    "uang",
    "ueng",
]
CN_PLACES = [
    "Hubei",
    "Wuhan",
    "Hebei",
    "Henan",
    "Anhui",
    "Hefei",
    "Jiangsu",
    "Suzhou",
    "Shanghai",
    "Guangzhou",
    "Guangdong",
    "Xiamen",
    "Zhejiang",
    "Hangzhou",
    "Shandong",
    "Jinan",
    "Tianjin",
    "Beijing",
    "Shenzhen",
    "Nanjing",
    "Chengdu",
    "Changzhou",
    "Ningbo",
    "Qingdao",
    "Shijiazhuang",
    "Xingtai",
    "Cangzhou",
]
CN_TRADES = [
    "Biotech",
    "Biological Technology",
    "Bio-Tech",
    "Chemical",
    "Chemicals",
    "Pharmaceutical Technology",
    "Pharmatech",
    "Trading",
    "Trade",
    "Import and Export",
    "Imp. & Exp.",
    "New Material Technology",
    "Industrial",
    "Technology",
    "Sci & Tech",
    "Pharmaceutical",
    "Medical Technology",
    "Chemical Industry",
]
CN_LEGAL = ["Co., Ltd.", "Co., Limited", "Co.", "Company Limited", "Co Ltd"]
SURNAMES_CN = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Gao",
    "Lin",
    "Luo",
]
MX_FIRST = [
    "Distribuidora",
    "Comercializadora",
    "Importadora",
    "Grupo",
    "Servicios",
    "Transportes",
    "Agricola",
    "Quimica",
    "Laboratorios",
    "Productos",
    "Exportadora",
    "Logistica",
]
MX_STATES = [
    "Sinaloa",
    "Jalisco",
    "Sonora",
    "Michoacan",
    "Guanajuato",
    "Puebla",
    "Veracruz",
    "Tamaulipas",
    "Nuevo Leon",
    "Chihuahua",
    "Durango",
    "Guerrero",
    "Colima",
    "Baja California",
]
MX_LEGAL = ["S.A. de C.V.", "S. de R.L. de C.V.", "S.A.", "SA de CV"]
ES_GIVEN = [
    "Jose",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Miguel",
    "Maria",
    "Ana",
    "Rosa",
    "Laura",
    "Pedro",
    "Jesus",
    "Francisco",
    "Alejandro",
    "Guadalupe",
    "Fernando",
    "Ricardo",
    "Sofia",
]
SYLLABLES_ES = [
    "ba",
    "be",
    "bi",
    "bo",
    "ca",
    "co",
    "cu",
    "da",
    "de",
    "di",
    "do",
    "fa",
    "fe",
    "ga",
    "go",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "na",
    "ne",
    "no",
    "pa",
    "pe",
    "ra",
    "re",
    "ri",
    "ro",
    "sa",
    "se",
    "so",
    "ta",
    "te",
    "to",
    "va",
    "ve",
    "za",
]
NA_SUFFIX = [
    "Labs Inc.",
    "Trading Ltd.",
    "Chemicals Corp.",
    "Pharma LLC",
    "Supply Inc.",
    "Logistics Ltd.",
    "Research Inc.",
    "Industries Ltd.",
]


class Vocabulary:
    """Words the synthetic list must not imitate (they would change the evaluation labels)."""

    def __init__(self, labels: list[LabelledName], watchlist: Watchlist) -> None:
        words: set[str] = set()
        for label in labels:
            words.update(normalise_name(label.query).tokens)
        for entity in watchlist.entities:
            for alias in entity.names():
                words.update(normalise_name(alias.name).tokens)
        self.words = sorted(w for w in words if len(w) >= 3)
        self.seen: set[str] = set()

    def free(self, word: str) -> bool:
        """True when ``word`` is unlike every protected word."""
        key = word.lower().replace(" ", "").replace("-", "")
        if key in self.seen:
            return True
        hit = process.extractOne(
            key, self.words, scorer=Indel.normalized_similarity, score_cutoff=0.7
        )
        if hit is None:
            self.seen.add(key)
            return True
        return False


def _pinyin_word(rng: random.Random, syllables: int) -> str:
    word = ""
    for _ in range(syllables):
        initial = rng.choice(INITIALS)
        final = rng.choice(FINALS)
        if initial in {"j", "q", "x"} and final.startswith(("a", "o", "e", "u")):
            final = "i" + final if not final.startswith("u") else final
        word += initial + final
    return word.capitalize()


def _spanish_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES_ES) for _ in range(rng.randint(2, 4))).capitalize()


def synthetic_entities(size: int, rng: random.Random, vocabulary: Vocabulary) -> list[Entity]:
    """A seeded list of ``size`` plausible entities in several countries."""
    entities: list[Entity] = []
    listing = (Listing("sanction", "synthetic", None, "synthetic benchmark entry"),)

    def fresh(make: object) -> str:
        assert callable(make)
        while True:
            word = str(make())
            if vocabulary.free(word):
                return word

    while len(entities) < size:
        kind = rng.random()
        number = len(entities)
        aliases: list[Alias] = []
        if kind < 0.45:
            core = fresh(lambda: _pinyin_word(rng, 2))
            place = rng.choice(CN_PLACES)
            trade = rng.choice(CN_TRADES)
            name = f"{place} {core} {trade} {rng.choice(CN_LEGAL)}"
            if rng.random() < 0.3:
                aliases.append(
                    Alias(f"{core} {rng.choice(CN_TRADES)} ({place}) {rng.choice(CN_LEGAL)}")
                )
            country, etype = "CN", "company"
        elif kind < 0.6:
            core = fresh(lambda: _spanish_word(rng))
            name = f"{rng.choice(MX_FIRST)} {core}"
            if rng.random() < 0.5:
                name += f" de {rng.choice(MX_STATES)}"
            name += f" {rng.choice(MX_LEGAL)}"
            country, etype = "MX", "company"
        elif kind < 0.7:
            core = fresh(lambda: _spanish_word(rng) + rng.choice(["ex", "ion", "tek", "ar", "is"]))
            name = f"{core} {rng.choice(NA_SUFFIX)}"
            country, etype = rng.choice(["CA", "US", "IN"]), "company"
        elif kind < 0.9:
            surname = rng.choice(SURNAMES_CN)
            given = fresh(lambda: _pinyin_word(rng, rng.choice([1, 2, 2])))
            name = f"{surname.upper()}, {given}" if rng.random() < 0.5 else f"{surname} {given}"
            country, etype = "CN", "person"
        else:
            first = rng.choice(ES_GIVEN)
            last = fresh(lambda: _spanish_word(rng) + "ez")
            second = fresh(lambda: _spanish_word(rng))
            name = f"{first} {last} {second}"
            country, etype = rng.choice(["MX", "GT", "CO"]), "person"
        entities.append(
            Entity(
                entity_id=f"syn-{number:05d}",
                type=etype,  # type: ignore[arg-type]
                name=name,
                aliases=tuple(aliases),
                countries=(country,),
                listings=listing,
            )
        )
    return entities


def batch_names(entities: list[Entity], size: int, rng: random.Random) -> list[str]:
    """Distinct manifest-like names: listed names respelt, and unlisted names of the same make."""
    names: set[str] = set()
    respell = [
        lambda s: s.upper(),
        lambda s: s.replace("Co., Ltd.", "CO LTD").replace("Technology", "TECH"),
        lambda s: s.replace(", ", " ").replace(".", ""),
        lambda s: s.replace("Biological Technology", "Biotech").replace(
            "Import and Export", "IMP & EXP"
        ),
    ]
    while len(names) < size:
        entity = rng.choice(entities)
        if rng.random() < 0.5:
            names.add(rng.choice(respell)(entity.name))
        else:
            # same pattern, another distinctive word: an unlisted look-alike
            words = entity.name.split()
            words[rng.randrange(len(words))] = _pinyin_word(rng, 2)
            names.add(" ".join(words))
    return sorted(names)


def wratio_best(queries: list[str], names: list[str]) -> list[tuple[int, float]]:
    """Index and score of the best list name for each query under plain WRatio."""
    processed = [utils.default_process(n) for n in names]
    out: list[tuple[int, float]] = []
    for query in queries:
        hit = process.extractOne(
            utils.default_process(query), processed, scorer=fuzz.WRatio, processor=None
        )
        out.append((hit[2], hit[1]) if hit else (-1, 0.0))
    return out


def baseline_quality(
    labels: list[LabelledName], best: list[tuple[int, float]], owners: list[str]
) -> tuple[float, Quality]:
    """WRatio quality at its best-F1 threshold (flag when best score >= threshold)."""
    chosen: tuple[float, float, Quality] | None = None
    for threshold in range(50, 101):
        quality = Quality()
        for label, (index, score) in zip(labels, best, strict=True):
            hit = score >= threshold
            entity = owners[index] if index >= 0 else None
            if label.expected is None:
                if hit:
                    quality.false_positives += 1
                else:
                    quality.true_negatives += 1
            elif hit and entity == label.expected:
                quality.true_positives += 1
            else:
                quality.false_positives += int(hit)
                quality.false_negatives += 1
        p, r = quality.precision, quality.recall
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if chosen is None or f1 > chosen[1]:
            chosen = (float(threshold), f1, quality)
    assert chosen is not None
    return chosen[0], chosen[2]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list-size", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    labels = load_labels(EVALUATION)
    bundled = load_watchlist()
    started = time.perf_counter()
    synthetic = synthetic_entities(args.list_size, rng, Vocabulary(labels, bundled))
    generated = time.perf_counter() - started
    watchlist = Watchlist(entities=[*bundled.entities, *synthetic])
    started = time.perf_counter()
    screener = PartyScreener(watchlist)
    built = time.perf_counter() - started
    names_on_list = sum(1 + len(e.aliases) for e in watchlist.entities)
    print(f"machine: {os.cpu_count()} CPUs visible, load average {os.getloadavg()[0]:.1f}")
    print(
        f"list: {len(watchlist.entities)} entities ({len(bundled.entities)} bundled + {len(synthetic)} synthetic), "
        f"{names_on_list} names; generated in {generated:.1f}s; index built in {built:.1f}s"
    )

    # ---- quality on the evaluation set
    results = [screener.screen(label.query, label.country) for label in labels]
    positives = sum(1 for label in labels if label.expected)
    print(
        f"evaluation set: {len(labels)} names ({positives} listed variants, {len(labels) - positives} innocent)"
    )
    for title, rule in (
        ("match (stop)", flagged_match),
        ("match+possible (review)", flagged_review),
    ):
        quality = judge(labels, results, rule)
        print(
            f"  fentrace {title:24s} precision {quality.precision:.3f}  recall {quality.recall:.3f}  "
            f"(tp {quality.true_positives}, fp {quality.false_positives}, fn {quality.false_negatives})"
        )
        if args.show_misses or rule is flagged_review:
            for miss in quality.misses:
                print(f"    miss: {miss}")
            for alarm in quality.false_alarms:
                print(f"    false alarm: {alarm}")

    all_names: list[str] = []
    owners: list[str] = []
    for entity in watchlist.entities:
        for alias in entity.names():
            all_names.append(alias.name)
            owners.append(entity.entity_id)
    started = time.perf_counter()
    best = wratio_best([label.query for label in labels], all_names)
    wratio_eval_seconds = time.perf_counter() - started
    threshold, base = baseline_quality(labels, best, owners)
    print(
        f"  WRatio baseline (best-F1 threshold {threshold:.0f})  precision {base.precision:.3f}  recall {base.recall:.3f}  "
        f"(tp {base.true_positives}, fp {base.false_positives}, fn {base.false_negatives})"
    )

    # ---- speed
    batch = batch_names(synthetic, args.batch, rng)
    fresh = PartyScreener(watchlist)  # no cached results
    started, cpu_started = time.perf_counter(), time.process_time()
    fresh.screen_many(batch)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    rate = len(batch) / seconds
    cpu_rate = len(batch) / cpu_seconds
    sample = batch[: args.baseline_sample]
    started, cpu_started = time.perf_counter(), time.process_time()
    wratio_best(sample, all_names)
    wratio_rate = len(sample) / (time.perf_counter() - started)
    wratio_cpu_rate = len(sample) / (time.process_time() - cpu_started)
    print(
        f"speed: fentrace {rate:,.0f} names/s wall, {cpu_rate:,.0f} names per CPU-second "
        f"({len(batch)} distinct names in {seconds:.1f}s, one process)"
    )
    print(
        f"speed: WRatio best-of-list {wratio_rate:,.1f} names/s wall, {wratio_cpu_rate:,.1f} per CPU-second "
        f"({len(sample)}-name sample; the evaluation set took {wratio_eval_seconds:.1f}s)"
    )
    print(f"ratio: fentrace / WRatio = {cpu_rate / wratio_cpu_rate:,.0f}x (CPU-second rates)")
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
