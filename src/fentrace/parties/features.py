"""Feature functions of party matching and their declared weights.

Each feature is a small pure function of the query and one list name, returning a value
in [0, 1]; its one-sentence docstring is the explanation shown to the analyst. The score
of a pair is the sum of ``weight * value`` over the features, clamped to [0, 1]
(:data:`WEIGHTS` holds every weight in one place; docs/parties.md explains the choice).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from rapidfuzz.distance import Indel

from fentrace.parties.normalise import NormalisedName

#: Two words of at least this similarity (Indel ratio) count as the same word misspelt.
WORD_SIMILARITY_FLOOR: Final[float] = 0.8
#: Words this short must be spelt exactly to count (a typo in "GSK" is another company).
SHORT_WORD: Final[int] = 3

#: Distinctive parts less alike than this (Indel ratio) share letters, not identity; the
#: feature rises linearly from 0 here to 1 at identical parts.
DISTINCTIVE_FLOOR: Final[float] = 0.5

#: Credit a person's name word gets for a typing slip (a letter dropped, added or swapped); a
#: changed letter gets none, because in pinyin it usually spells another name (Hongwei/Hongfei).
SLIP_CREDIT: Final[float] = 0.75

#: Declared weights. Positive features add evidence; "*_differs" features subtract it.
WEIGHTS: Final[dict[str, float]] = {
    "name_tokens": 0.35,
    "distinctive": 0.55,
    "person_name": 0.90,
    "parts_omitted": -0.08,
    "family_name_missing": -0.25,
    "given_name_missing": -0.25,
    "acronym": 1.00,
    "identifier": 1.00,
    "legal_form_agrees": 0.03,
    "legal_form_differs": -0.05,
    "place_agrees": 0.07,
    "place_differs": -0.12,
    "industry_differs": -0.20,
    "kind_differs": -0.45,
    "org_word_missing": -0.15,
    "country_agrees": 0.05,
    "country_differs": -0.15,
    "birth_date_agrees": 0.05,
    "birth_year_differs": -0.25,
}


@dataclass(frozen=True, slots=True)
class Context:
    """What features may know beyond the two names: word rarity, country, identifiers."""

    idf: Mapping[str, float]
    default_idf: float
    query_country: str | None
    entity_countries: Sequence[str]
    entity_type: str
    entity_places: frozenset[str]
    entity_industry: frozenset[str]
    query_identifiers: frozenset[str]
    entity_identifiers: frozenset[str]
    alias_is_acronym: bool
    #: The listed person's family-name words, when the list writes "FAMILY, Given" (else empty).
    listed_family: frozenset[str] = frozenset()
    #: The date of birth given with the query ("1978-03-02", "1978-03" or "1978"), if any.
    query_birth: str | None = None
    #: The listed entity's dates of birth as the list gives them.
    entity_births: tuple[str, ...] = ()
    #: What the query is said to be (person, company, vessel), when the caller says.
    query_kind: str | None = None

    def weight(self, token: str) -> float:
        """Rarity of a word over the list (rare words weigh more)."""
        return self.idf.get(token, self.default_idf)


def word_similarity(a: str, b: str) -> float:
    """How alike two words are (1 = same; 0 below the misspelling floor)."""
    if a == b:
        return 1.0
    if len(a) <= SHORT_WORD or len(b) <= SHORT_WORD:
        return 0.0
    similarity = Indel.normalized_similarity(a, b)
    return similarity if similarity >= WORD_SIMILARITY_FLOOR else 0.0


def typing_slip(a: str, b: str) -> bool:
    """Two words of 4+ letters one dropped, added or swapped letter apart (not a changed letter)."""
    if a == b or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        return Indel.distance(a, b) == 1
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


def merge_split_words(words: Sequence[str], other: Sequence[str]) -> tuple[str, ...]:
    """Join neighbouring words that the other name writes as one ("shuo kang" -> "shuokang")."""
    targets = set(other)
    if len(words) < 2 or all(word in targets for word in words):
        return tuple(words)
    runs = {a + b for a, b in pairwise(words)}
    runs |= {a + b + c for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    if runs.isdisjoint(targets):  # nothing to join: the common case, decided in C
        return tuple(words)
    out: list[str] = []
    i = 0
    while i < len(words):
        for span in (3, 2):
            joined = "".join(words[i : i + span])
            if i + span <= len(words) and joined in targets:
                out.append(joined)
                i += span
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


def _overlap(q: Sequence[str], c: Sequence[str], ctx: Context, *, exact: bool = False) -> float:
    """Rarity-weighted share of both names' words found in the other (misspelt words count in part)."""
    if exact:
        rows = [[1.0 if a == b else SLIP_CREDIT * typing_slip(a, b) for b in c] for a in q]
    else:
        rows = [[word_similarity(a, b) for b in c] for a in q]
    q_weights = [ctx.weight(a) for a in q]
    c_weights = [ctx.weight(b) for b in c]
    matched = sum(w * max(row) for w, row in zip(q_weights, rows, strict=True))
    matched += sum(w * max(col) for w, col in zip(c_weights, zip(*rows, strict=True), strict=True))
    total = sum(q_weights) + sum(c_weights)
    return matched / total if total else 0.0


def name_tokens(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """Share of the name words (weighted by rarity in the list) that both names contain."""
    if not query.tokens or not listed.tokens:
        return 0.0
    if set(query.tokens) == set(listed.tokens):
        return 1.0
    q = merge_split_words(query.tokens, listed.tokens)
    c = merge_split_words(listed.tokens, q)
    return _overlap(q, c, ctx)


def distinctive(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """How alike the distinctive parts are (the words that are no place, trade word or legal form)."""
    if not query.distinctive or not listed.distinctive:
        return 0.0
    if query.distinctive_from_places and not listed.distinctive_from_places:
        return 0.0  # a name with no words of its own cannot be a named company
    a, b = "".join(query.distinctive), "".join(listed.distinctive)
    if a == b:
        return 1.0
    if min(len(a), len(b)) <= SHORT_WORD:
        return 0.0
    best = Indel.normalized_similarity(a, b)
    if len(query.distinctive) > 1 or len(listed.distinctive) > 1:
        best = max(
            best,
            Indel.normalized_similarity(
                "".join(sorted(query.distinctive)), "".join(sorted(listed.distinctive))
            ),
        )
    return _ramp(best, DISTINCTIVE_FLOOR)


def _ramp(value: float, floor: float) -> float:
    return max(0.0, (value - floor) / (1.0 - floor))


#: Credit for a name part spelt as another romanisation writes it (Mehmood/Mahmood, Sergei/Sergey).
ROMANISATION_CREDIT: Final[float] = 0.92
#: Credit for a typing slip in a name part of 8+ letters, where a slip rarely spells another name.
LONG_SLIP_CREDIT: Final[float] = 0.9
#: Rarity weight of a one-letter initial standing for a listed given name ("Kwang C. Pyon").
INITIAL_WEIGHT: Final[float] = 0.5

#: Wade-Giles spellings of Chinese syllables and their pinyin (older and Taiwanese romanisation).
WADE_GILES: Final[dict[str, str]] = {
    "chang": "zhang",
    "chou": "zhou",
    "hsiao": "xiao",
    "hsu": "xu",
    "hsieh": "xie",
    "hsin": "xin",
    "hsiung": "xiong",
    "hsiang": "xiang",
    "hsing": "xing",
    "hsueh": "xue",
    "kuo": "guo",
    "kao": "gao",
    "kuan": "guan",
    "kung": "gong",
    "tsai": "cai",
    "tseng": "zeng",
    "tsao": "cao",
    "tsui": "cui",
    "chiang": "jiang",
    "chien": "jian",
    "chin": "jin",
    "ching": "qing",
    "chu": "zhu",
    "chung": "zhong",
    "chih": "zhi",
    "teng": "deng",
    "tung": "dong",
    "tai": "dai",
    "pai": "bai",
    "sung": "song",
    "jen": "ren",
    "jung": "rong",
    "jui": "rui",
}
#: Letter groups that romanisations write differently for one sound, and the form kept.
_ROMAN_GROUPS: Final[tuple[tuple[str, str], ...]] = (
    ("tsch", "ch"),
    ("tch", "ch"),
    ("sch", "sh"),
    ("kh", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("x", "ks"),
    ("w", "v"),
)
_VOWELS: Final[frozenset[str]] = frozenset("aeiouy")


@lru_cache(maxsize=200_000)
def name_key(word: str) -> str:
    """A person's name part with romanisation differences taken out (Mehmood and Mahmood share one)."""
    key = WADE_GILES.get(word, word)
    for written, kept in _ROMAN_GROUPS:
        key = key.replace(written, kept)
    if key.startswith("ye"):
        key = key[1:]
    out: list[str] = []
    for ch in key:
        if not out or ch != out[-1]:
            out.append(ch)
    key = "".join(out)
    if len(key) < 5:
        return key[:-1] + "i" if key.endswith("y") and len(key) > 1 else key
    # interior vowel runs are one vowel; a final run is its last letter (y read as i)
    result: list[str] = [key[0]]
    i = 1
    while i < len(key):
        if key[i] in _VOWELS:
            j = i
            while j < len(key) and key[j] in _VOWELS:
                j += 1
            result.append(("i" if key[j - 1] == "y" else key[j - 1]) if j == len(key) else "a")
            i = j
        else:
            result.append(key[i])
            i += 1
    return "".join(result)


@lru_cache(maxsize=200_000)
def _skeleton(key: str) -> str:
    return key[0] + "".join(ch for ch in key[1:] if ch not in _VOWELS)


@lru_cache(maxsize=200_000)
def part_likeness(a: str, b: str) -> float:
    """How surely two name parts are one name: 1 spelt alike, less for a romanisation variant or a typing slip."""
    if a == b:
        return 1.0
    if len(a) > 1 and len(b) > 1 and (a[0] == b[0] or name_key(a)[0] == name_key(b)[0]):
        key_a, key_b = name_key(a), name_key(b)
        if key_a == key_b:
            return ROMANISATION_CREDIT
        skeleton = _skeleton(key_a)
        if len(skeleton) >= 5 and skeleton == _skeleton(key_b) and key_a[-1] == key_b[-1]:
            return ROMANISATION_CREDIT
    if typing_slip(a, b):
        return LONG_SLIP_CREDIT if min(len(a), len(b)) >= 8 else SLIP_CREDIT
    return 0.0


@dataclass(frozen=True, slots=True)
class PartAlignment:
    """Which listed name part each query part stands for, and how surely."""

    query: tuple[str, ...]
    listed: tuple[str, ...]
    pairs: tuple[tuple[int, int, float], ...]

    def omitted(self) -> list[str]:
        """Listed parts that no query part stands for."""
        used = {c for _, c, _ in self.pairs}
        return [w for i, w in enumerate(self.listed) if i not in used]


def align_parts(query: NormalisedName, listed: NormalisedName) -> PartAlignment:
    """Pair each query name part with the listed part it is most surely, each listed part used once."""
    return _align(query.tokens, listed.tokens)


@lru_cache(maxsize=50_000)
def _align(query_tokens: tuple[str, ...], listed_tokens: tuple[str, ...]) -> PartAlignment:
    q = merge_split_words(query_tokens, listed_tokens)
    c = merge_split_words(listed_tokens, q)
    options: list[tuple[float, int, int]] = []
    for i, a in enumerate(q):
        for j, b in enumerate(c):
            if len(a) == 1:
                credit = 1.0 if len(b) > 1 and b[0] == a else 0.0
            else:
                credit = part_likeness(a, b)
            if credit:
                options.append((credit, i, j))
    options.sort(key=lambda o: (-o[0], o[1], o[2]))
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for credit, i, j in options:
        if i not in used_q and j not in used_c:
            used_q.add(i)
            used_c.add(j)
            pairs.append((i, j, credit))
    return PartAlignment(tuple(q), tuple(c), tuple(sorted(pairs)))


def person_name(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """Share of the query's name parts (weighted by rarity) found among the listed person's parts, in any order (romanisation variants, initials and typing slips count in part)."""
    if ctx.entity_type != "person" or not query.tokens or not listed.tokens:
        return 0.0
    alignment = align_parts(query, listed)
    matched = {i: (j, credit) for i, j, credit in alignment.pairs}
    total = found = 0.0
    for i, word in enumerate(alignment.query):
        if i in matched:
            j, credit = matched[i]
            weight = INITIAL_WEIGHT if len(word) == 1 else ctx.weight(alignment.listed[j])
            found += weight * credit
        else:
            weight = INITIAL_WEIGHT if len(word) == 1 else ctx.weight(word)
        total += weight
    share = found / total if total else 0.0
    # one part alone ("Wang" for "Wang Hongfei") names a family, not a person
    needed = min(2, len(alignment.listed))
    return share * min(1.0, len(matched) / needed)


def parts_omitted(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The listed person's name has parts the query leaves out (a second surname, a patronymic, a middle name)."""
    if ctx.entity_type != "person" or not query.tokens:
        return 0.0
    return min(1.0, len(align_parts(query, listed).omitted()) / 2)


def family_name_missing(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """None of the listed person's family names is in the query."""
    if ctx.entity_type != "person" or not ctx.listed_family:
        return 0.0
    alignment = align_parts(query, listed)
    found = {alignment.listed[j] for _, j, _ in alignment.pairs}
    return 0.0 if found & ctx.listed_family or not found else 1.0


def given_name_missing(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """None of the listed person's given names (nor its initial) is in the query."""
    if ctx.entity_type != "person" or not ctx.listed_family:
        return 0.0
    alignment = align_parts(query, listed)
    given = {w for w in alignment.listed if w not in ctx.listed_family}
    found = {alignment.listed[j] for _, j, _ in alignment.pairs}
    return 1.0 if given and found and not found & given else 0.0


def person_name_bound(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The most the name features can give a person pair (for skipping hopeless pairs)."""
    return person_name(query, listed, ctx)


def acronym(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The query is, as a whole name, an acronym the list gives for this entity (CJNG, MS-13)."""
    return 1.0 if ctx.alias_is_acronym and query.tokens == listed.tokens else 0.0


def identifier(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """A registration, tax or passport number given with the query is one the list holds."""
    return 1.0 if ctx.query_identifiers & ctx.entity_identifiers else 0.0


def legal_form_agrees(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """Both names carry a legal form of the same kind (Co., Ltd. / Youxian Gongsi / Limited)."""
    return 1.0 if query.legal_family and query.legal_family == listed.legal_family else 0.0


def legal_form_differs(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The names carry legal forms of different kinds (Ltd. against S.A. de C.V.)."""
    if query.legal_family and listed.legal_family:
        return 1.0 if query.legal_family != listed.legal_family else 0.0
    return 0.0


def place_agrees(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The query names a place that the listed entity's names name, wherever it stands."""
    return 1.0 if ctx.entity_places.intersection(query.places) else 0.0


def place_differs(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """Both the query and the listed entity name places, and none is shared (Hubei against Henan)."""
    if query.places and ctx.entity_places:
        return 0.0 if ctx.entity_places.intersection(query.places) else 1.0
    return 0.0


def industry_differs(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The query and the listed entity both say what the business does, and say different things (Textiles against Biotech)."""
    if query.industry and ctx.entity_industry:
        return 0.0 if ctx.entity_industry.intersection(query.industry) else 1.0
    return 0.0


def kind_differs(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The query is another kind of party than the listed entity (a business against a person, cartel or vessel, a person against a company)."""
    business = bool(query.legal_form or query.industry)
    if ctx.query_kind is not None:
        listed_kind = "company" if ctx.entity_type == "other" else ctx.entity_type
        if ctx.query_kind == "company" and listed_kind == "cartel":
            return 0.0 if query.org_words or not business else 1.0
        return 0.0 if ctx.query_kind == listed_kind else 1.0
    if ctx.entity_type == "cartel":
        return 1.0 if business and not query.org_words else 0.0
    if ctx.entity_type in {"person", "vessel"}:
        return 1.0 if business else 0.0
    return 0.0


def org_word_missing(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The listed name is built on an organisation word (Cartel, Organization) that the query lacks ("Golfo" against "Cartel del Golfo")."""
    return 1.0 if listed.org_words and not query.org_words else 0.0


def country_agrees(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The country given with the query is a country of the listed entity."""
    return 1.0 if ctx.query_country and ctx.query_country in ctx.entity_countries else 0.0


def country_differs(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """A country was given with the query and the listed entity has other countries only."""
    if ctx.query_country and ctx.entity_countries:
        return 0.0 if ctx.query_country in ctx.entity_countries else 1.0
    return 0.0


def _birth_years(value: str) -> tuple[int, int] | None:
    """The years a date of birth allows ("1960/1962" -> 1960..1962, "~1962" -> 1961..1963)."""
    try:
        if "/" in value:
            low, high = value.split("/", 1)
            return int(low[:4]), int(high[:4])
        if value.startswith("~"):
            year = int(value[1:5])
            return year - 1, year + 1
        year = int(value[:4])
    except ValueError:
        return None
    return year, year


def birth_date_agrees(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The date of birth given with the query is one the list gives (to the day when both say the day)."""
    if not ctx.query_birth or not ctx.entity_births:
        return 0.0
    for born in ctx.entity_births:
        size = min(len(ctx.query_birth), len(born))
        if (
            not born.startswith(("~",))
            and "/" not in born
            and ctx.query_birth[:size] == born[:size]
        ):
            return 1.0
    return 0.0


def birth_year_differs(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """The year of birth given with the query is more than a year from every one the list gives."""
    if not ctx.query_birth or not ctx.entity_births:
        return 0.0
    asked = _birth_years(ctx.query_birth)
    if asked is None:
        return 0.0
    for born in ctx.entity_births:
        years = _birth_years(born)
        if years is None or (years[0] - 1 <= asked[0] <= years[1] + 1):
            return 0.0
    return 1.0


FeatureFunction = Callable[[NormalisedName, NormalisedName, Context], float]

#: Every feature, by the name used in results and in :data:`WEIGHTS`.
FEATURES: Final[dict[str, FeatureFunction]] = {
    "name_tokens": name_tokens,
    "distinctive": distinctive,
    "person_name": person_name,
    "parts_omitted": parts_omitted,
    "family_name_missing": family_name_missing,
    "given_name_missing": given_name_missing,
    "acronym": acronym,
    "identifier": identifier,
    "legal_form_agrees": legal_form_agrees,
    "legal_form_differs": legal_form_differs,
    "place_agrees": place_agrees,
    "place_differs": place_differs,
    "industry_differs": industry_differs,
    "kind_differs": kind_differs,
    "org_word_missing": org_word_missing,
    "country_agrees": country_agrees,
    "country_differs": country_differs,
    "birth_date_agrees": birth_date_agrees,
    "birth_year_differs": birth_year_differs,
}


def describe(feature: str) -> str:
    """The one-sentence explanation of a feature (its docstring)."""
    doc = FEATURES[feature].__doc__ or feature
    return doc.strip().splitlines()[0].rstrip(".")


def inverse_document_frequency(document_frequency: int, documents: int) -> float:
    """Rarity weight of a word found in ``document_frequency`` of ``documents`` names."""
    return math.log(1.0 + documents / max(1, document_frequency))
