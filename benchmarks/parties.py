"""Party screening benchmark: quality and speed against an SDN-sized list, next to RapidFuzz WRatio.

Run: ``.venv/bin/python benchmarks/parties.py [--list-size 20000] [--batch 20000] [--seed 7]``
Real list: ``.venv/bin/python benchmarks/parties.py --real-list`` (see :func:`real_list`): the
May 2024 OFAC SDN files with their aliases, the labelled set of benchmarks/parties_sdn.py,
fentrace next to nomenklatura's logic-v2 matcher (``pip install -e '.[bench]'``; its column
is skipped with a message when nomenklatura is not installed), names per CPU-second, and the
start time of a second run that reads the cached index.

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
import csv
import gzip
import heapq
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import Indel

from fentrace.parties import PartyResult, PartyScreener, load_watchlist, normalise_name
from fentrace.parties.cache import load_screener
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
SDN_DATA = Path(__file__).parent / "data" / "parties" / "sdn"
#: yente's default match threshold for logic-v2 scores.
LOGIC_V2_THRESHOLD = 0.7

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


def _unpack_sdn(folder: Path) -> Path:
    """The gzipped OFAC files written out as sdn.csv / alt.csv / add.csv in ``folder``."""
    for name in ("sdn", "alt", "add"):
        (folder / f"{name}.csv").write_bytes(
            gzip.decompress((SDN_DATA / f"{name}.csv.gz").read_bytes())
        )
    return folder / "sdn.csv"


def _sdn_labels() -> list[tuple[str, LabelledName]]:
    with (SDN_DATA / "evaluation.csv").open(encoding="utf-8", newline="") as handle:
        return [
            (
                row["part"],
                LabelledName(
                    number,
                    row["query"],
                    row["country"] or None,
                    row["expected"] or None,
                    row["variant"],
                ),
            )
            for number, row in enumerate(csv.DictReader(handle), start=2)
        ]


def _print_quality(title: str, labels: list[LabelledName], results: list[PartyResult]) -> Quality:
    quality = judge(labels, results, flagged_match)
    review = judge(labels, results, flagged_review)
    print(
        f"  {title:34s} match: precision {quality.precision:.3f} recall {quality.recall:.3f} "
        f"(tp {quality.true_positives}, fp {quality.false_positives}, fn {quality.false_negatives}); "
        f"review: {review.precision:.3f} / {review.recall:.3f}"
    )
    return quality


class LogicV2Peer:
    """nomenklatura's logic-v2 (the matcher yente uses) over the same list.

    yente finds candidates with a full-text index and scores them with logic-v2; here the
    candidates are the list entities sharing the most rare name words with the query (the
    same role), and each is scored by ``LogicV2.compare``; a name is a match at yente's
    default threshold, 0.7.
    """

    def __init__(self, watchlist: Watchlist, candidates: int = 12) -> None:
        from followthemoney import model
        from nomenklatura.matching import LogicV2

        self.model = model
        self.algorithm = LogicV2
        self.config = LogicV2.default_config()
        self.candidates = candidates
        self.asked = 0
        self.entities = []
        self.index: dict[str, list[int]] = {}
        schemas = {"person": "Person", "vessel": "Vessel", "cartel": "Organization"}
        for number, entity in enumerate(watchlist.entities):
            proxy = model.make_entity(schemas.get(entity.type, "Company"))
            proxy.id = entity.entity_id
            proxy.add("name", entity.name)
            for alias in entity.aliases:
                proxy.add("weakAlias" if alias.weak else "alias", alias.name)
            proxy.add("country", list(entity.countries))
            if entity.type == "person":
                proxy.add(
                    "birthDate", [b.strip("~")[:10] for b in entity.birth_dates if "/" not in b]
                )
            proxy.add("idNumber", list(entity.identifiers), quiet=True)  # vessels have none
            self.entities.append(proxy)
            for alias in entity.names():
                for word in set(utils.default_process(alias.name).split()):
                    self.index.setdefault(word, []).append(number)
        self.documents = len(self.entities)

    def best(self, query: str) -> tuple[str | None, float]:
        """The best-scoring list entity for a name, and its score."""
        weights: dict[int, float] = {}
        for word in set(utils.default_process(query).split()):
            postings = self.index.get(word, [])
            if not postings:
                continue
            weight = math.log(1 + self.documents / len(postings))
            for number in set(postings):
                weights[number] = weights.get(number, 0.0) + weight
        ranked = heapq.nlargest(self.candidates, weights, key=weights.__getitem__)
        proxy = self.model.make_entity("LegalEntity")
        self.asked += 1
        proxy.id = f"query-{self.asked}"  # logic-v2 caches an entity's names by its id
        proxy.add("name", query)
        best: tuple[str | None, float] = (None, 0.0)
        for number in ranked:
            score = self.algorithm.compare(proxy, self.entities[number], self.config).score
            if score > best[1]:
                best = (self.entities[number].id, score)
        return best


def _peer_quality(
    labels: list[LabelledName], found: list[tuple[str | None, float]], threshold: float
) -> Quality:
    quality = Quality()
    for label, (entity, score) in zip(labels, found, strict=True):
        hit = score >= threshold
        if label.expected is None:
            quality.false_positives += int(hit)
            quality.true_negatives += int(not hit)
        elif hit and entity == label.expected:
            quality.true_positives += 1
        else:
            quality.false_positives += int(hit)
            quality.false_negatives += 1
    return quality


def _second_start(sdn: Path, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds of a fresh interpreter that imports fentrace and reads the cached index."""
    code = (
        "import time; t = time.perf_counter(); c = time.process_time()\n"
        "from fentrace.parties.cache import load_screener\n"
        f"loaded = load_screener([{str(sdn)!r}], bundled=False)\n"
        "assert loaded.origin == 'cached', loaded.origin\n"
        "print(time.perf_counter() - t, time.process_time() - c)\n"
    )
    env = {**os.environ, "FENTRACE_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    wall, cpu = (float(v) for v in done.stdout.split())
    return wall, cpu


def real_list(show_misses: bool, peer_candidates: int) -> int:
    """fentrace and nomenklatura logic-v2 on the real OFAC SDN list (May 2024, with aliases)."""
    print(f"machine: {os.cpu_count()} CPUs visible, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="fentrace-sdn-") as tmp:
        folder = Path(tmp)
        sdn = _unpack_sdn(folder)
        cache = folder / "cache"
        os.environ["FENTRACE_CACHE_DIR"] = str(cache)
        started, cpu_started = time.perf_counter(), time.process_time()
        loaded = load_screener([sdn], bundled=False)
        built, built_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        screener = loaded.screener
        watchlist = screener.watchlist
        summary = watchlist.summary()
        print(
            f"list: OFAC SDN {summary['entities']} entries ({summary['by_type']}), {summary['names']} names "
            f"with alt.csv and remarks a.k.a.s; {sum(1 for e in watchlist.entities if e.birth_dates)} with a date "
            f"of birth, {sum(1 for e in watchlist.entities if e.identifiers)} with document numbers; "
            f"{len(watchlist.problems)} problems"
        )
        print(
            f"first start (load + build + save the index): {built:.2f}s wall, {built_cpu:.2f}s CPU"
        )
        wall, cpu = _second_start(sdn, cache)
        print(
            f"second start (fresh interpreter, import + read the cached index): {wall:.2f}s wall, {cpu:.2f}s CPU"
        )

        rows = _sdn_labels()
        fresh = PartyScreener(watchlist)
        queries = [label.query for _, label in rows]
        started, cpu_started = time.perf_counter(), time.process_time()
        results = {label.line: fresh.screen(label.query, label.country) for _, label in rows}
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        print(
            f"evaluation: {len(rows)} names ({sum(1 for _, label_ in rows if label_.expected)} variants, "
            f"{sum(1 for _, label_ in rows if not label_.expected)} innocent), written before tuning; 'tune' was "
            "looked at while tuning, 'held-out' only for its figures"
        )
        peer: LogicV2Peer | None = None
        try:
            peer = LogicV2Peer(watchlist, peer_candidates)
        except ImportError:
            print(
                "  nomenklatura logic-v2: skipped -- install it with `.venv/bin/pip install -e '.[bench]'`"
            )
        peer_found: dict[int, tuple[str | None, float]] = {}
        peer_seconds = 0.0
        if peer is not None:
            peer.best("warm up")  # logic-v2 loads its name reference data on first use
            started, cpu_started = time.perf_counter(), time.process_time()
            peer_found = {label.line: peer.best(label.query) for _, label in rows}
            peer_seconds = time.process_time() - cpu_started
        for part in ("tune", "held-out", "all"):
            labels = [label_ for p, label_ in rows if part in {p, "all"}]
            print(f" {part} ({len(labels)} names)")
            quality = _print_quality(
                "fentrace", labels, [results[label_.line] for label_ in labels]
            )
            if show_misses:
                for miss in quality.misses:
                    print(f"    miss: {miss}")
                for alarm in quality.false_alarms:
                    print(f"    false alarm: {alarm}")
            if peer is not None:
                found = [peer_found[label_.line] for label_ in labels]
                base = _peer_quality(labels, found, LOGIC_V2_THRESHOLD)
                print(
                    f"  {'nomenklatura logic-v2 (>= 0.7)':34s} match: precision {base.precision:.3f} "
                    f"recall {base.recall:.3f} (tp {base.true_positives}, fp {base.false_positives}, "
                    f"fn {base.false_negatives})"
                )
                best_f1 = max(
                    ((t / 100, _peer_quality(labels, found, t / 100)) for t in range(50, 100)),
                    key=lambda item: (
                        2
                        * item[1].precision
                        * item[1].recall
                        / (item[1].precision + item[1].recall)
                        if item[1].precision + item[1].recall
                        else 0.0
                    ),
                )
                print(
                    f"  {'logic-v2 at its best-F1 threshold':34s} {best_f1[0]:.2f}: precision "
                    f"{best_f1[1].precision:.3f} recall {best_f1[1].recall:.3f}"
                )
        print(
            f"speed: fentrace {len(queries) / cpu_seconds:,.0f} names per CPU-second "
            f"({len(queries) / seconds:,.0f} names/s wall, cold result cache)"
        )
        if peer is not None:
            rate = len(queries) / peer_seconds
            print(
                f"speed: logic-v2 {rate:,.0f} names per CPU-second (top {peer_candidates} candidates each); "
                f"ratio fentrace / logic-v2 = {len(queries) / cpu_seconds / rate:,.1f}x"
            )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list-size", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--real-list",
        action="store_true",
        help="run on the real OFAC SDN list next to nomenklatura logic-v2 instead",
    )
    parser.add_argument("--peer-candidates", type=int, default=12)
    args = parser.parse_args(argv)
    if args.real_list:
        return real_list(args.show_misses, args.peer_candidates)
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
