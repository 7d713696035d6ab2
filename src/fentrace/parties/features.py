"""Feature functions of party matching and their declared weights.

Each feature is a small pure function of the query and one list name, returning a value
in [0, 1]; its one-sentence docstring is the explanation shown to the analyst. The score
of a pair is the sum of ``weight * value`` over the features, clamped to [0, 1]
(:data:`WEIGHTS` holds every weight in one place; docs/parties.md explains the choice).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
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
#: Person-name spellings less alike than this count nothing; the feature rises to 1 at equal.
PERSON_SPELLING_FLOOR: Final[float] = 0.7

#: Credit a person's name word gets for a typing slip (a letter dropped, added or swapped); a
#: changed letter gets none, because in pinyin it usually spells another name (Hongwei/Hongfei).
SLIP_CREDIT: Final[float] = 0.75

#: Declared weights. Positive features add evidence; "*_differs" features subtract it.
WEIGHTS: Final[dict[str, float]] = {
    "name_tokens": 0.35,
    "distinctive": 0.55,
    "person_name": 0.90,
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


def person_name(query: NormalisedName, listed: NormalisedName, ctx: Context) -> float:
    """How alike two person names are in any order of family and given names, syllables joined or not."""
    if ctx.entity_type != "person" or not query.tokens or not listed.tokens:
        return 0.0
    spelling = person_spelling(query, listed)
    q = merge_split_words(query.tokens, listed.tokens)
    c = merge_split_words(listed.tokens, q)
    # a person's names must agree word for word: Hongwei is not Hongfei (a slip counts in part)
    words_agree = _overlap(q, c, ctx, exact=True)
    return 0.6 * _ramp(spelling, PERSON_SPELLING_FLOOR) + 0.4 * words_agree


def person_spelling(query: NormalisedName, listed: NormalisedName) -> float:
    """Best letter-level likeness of the query's words, in any order, to the listed name."""
    target = listed.compact
    words = query.tokens
    if "".join(words) == target:
        return 1.0
    if len(words) <= 3:
        orders: Iterable[tuple[str, ...]] = permutations(words)
    else:  # long names: every rotation (family names moved to either end), as written and reversed
        back = words[::-1]
        orders = [w[i:] + w[:i] for w in (words, back) for i in range(len(w))]
    return max(Indel.normalized_similarity("".join(order), target) for order in orders)


def person_name_bound(query: NormalisedName, listed: NormalisedName) -> float:
    """The most :func:`person_name` can give, from the spelling alone (for skipping hopeless pairs)."""
    return 0.6 * _ramp(person_spelling(query, listed), PERSON_SPELLING_FLOOR) + 0.4


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
    """The query reads as a business (legal form or trade word) but the listed entity is a cartel or a person."""
    business = bool(query.legal_form or query.industry)
    if ctx.entity_type == "cartel":
        return 1.0 if business and not query.org_words else 0.0
    if ctx.entity_type == "person":
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


FeatureFunction = Callable[[NormalisedName, NormalisedName, Context], float]

#: Every feature, by the name used in results and in :data:`WEIGHTS`.
FEATURES: Final[dict[str, FeatureFunction]] = {
    "name_tokens": name_tokens,
    "distinctive": distinctive,
    "person_name": person_name,
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
}


def describe(feature: str) -> str:
    """The one-sentence explanation of a feature (its docstring)."""
    doc = FEATURES[feature].__doc__ or feature
    return doc.strip().splitlines()[0].rstrip(".")


def inverse_document_frequency(document_frequency: int, documents: int) -> float:
    """Rarity weight of a word found in ``document_frequency`` of ``documents`` names."""
    return math.log(1.0 + documents / max(1, document_frequency))
