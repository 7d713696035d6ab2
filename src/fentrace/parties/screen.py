"""Screen names against a watchlist: blocking index, feature scores, verdicts with reasons.

The index is built once per watchlist. For a query it looks up only list names that
share a rare word with it -- the same word, a word one typo away (a deletion
neighbourhood), or two of its words written as one -- so a batch never compares every
pair. Each candidate is scored by the features of :mod:`fentrace.parties.features`.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from fentrace.exc import UsageError
from fentrace.parties.countries import country_code
from fentrace.parties.features import (
    FEATURES,
    WEIGHTS,
    Context,
    describe,
    distinctive,
    inverse_document_frequency,
    person_name_bound,
)
from fentrace.parties.normalise import MAX_NAME_LENGTH, NormalisedName, normalise_name
from fentrace.parties.watchlist import Alias, Entity, Listing, Watchlist

Verdict = Literal["match", "possible", "none"]

#: A pair scoring at least this is reported as ``match`` (tuned on the evaluation set).
MATCH_THRESHOLD: Final[float] = 0.80
#: A pair scoring at least this (and below MATCH_THRESHOLD) is reported as ``possible``.
POSSIBLE_THRESHOLD: Final[float] = 0.60
#: Candidates scored in full per query, best blocking weight first.
CANDIDATES_PER_QUERY: Final[int] = 24
#: A word found in more than this share of list names is too common to block on alone.
COMMON_WORD_SHARE: Final[float] = 0.005
#: Matches returned per query.
MATCHES_PER_QUERY: Final[int] = 5
#: Distinct (name, country) queries whose results are kept for repeats within a batch.
RESULT_CACHE_SIZE: Final[int] = 50_000
#: Words shorter than this get no typo neighbourhood in the index.
TYPO_MIN_LENGTH: Final[int] = 5

_ACRONYM = re.compile(r"^[A-Za-z][A-Za-z0-9.\-]{1,7}$")


@dataclass(frozen=True, slots=True)
class PartyMatch:
    """One listed entity that a query name may be, with the evidence."""

    entity_id: str
    name: str
    matched_alias: str
    score: float
    lists: tuple[str, ...]
    action: str
    since: date | None
    source: str
    entity_type: str
    features: dict[str, float]
    contributions: dict[str, float]
    explanation: list[str]
    unverified_alias: bool = False
    listings: tuple[Listing, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md's party screening contract."""
        return {
            "entity_id": self.entity_id,
            "name": self.name,
            "matched_alias": self.matched_alias,
            "score": round(self.score, 4),
            "lists": list(self.lists),
            "action": self.action,
            "since": self.since.isoformat() if self.since else None,
            "source": self.source,
            "type": self.entity_type,
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "explanation": list(self.explanation),
            "unverified_alias": self.unverified_alias,
            "listings": [
                {
                    "action": li.action,
                    "list": li.list_id,
                    "since": li.since.isoformat() if li.since else None,
                    "source": li.source,
                }
                for li in self.listings
            ],
        }


@dataclass(frozen=True, slots=True)
class PartyResult:
    """The verdict on one query name and the listed entities it may be."""

    query: str
    verdict: Verdict
    matches: list[PartyMatch] = field(default_factory=list)
    country: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def best(self) -> PartyMatch | None:
        """The highest-scoring match, if any."""
        return self.matches[0] if self.matches else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md's party screening contract (plus error and warnings)."""
        return {
            "query": self.query,
            "country": self.country,
            "verdict": self.verdict,
            "matches": [m.to_dict() for m in self.matches],
            "error": self.error,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class _AliasRecord:
    entity: int
    alias: Alias
    norm: NormalisedName
    acronym: bool


#: Context for features that need none (the distinctive part compares the two names only).
_NO_CONTEXT: Final[Context] = Context(
    idf={},
    default_idf=1.0,
    query_country=None,
    entity_countries=(),
    entity_type="company",
    entity_places=frozenset(),
    entity_industry=frozenset(),
    query_identifiers=frozenset(),
    entity_identifiers=frozenset(),
    alias_is_acronym=False,
)


_PERSON_ONLY = {"person_name"}
_NAME_ONLY = {"name_tokens", "distinctive"}
#: The features that apply to a person, to an acronym, and to any other name.
_PERSON_FEATURES = tuple((n, f) for n, f in FEATURES.items() if n not in _NAME_ONLY)
_ACRONYM_FEATURES = tuple((n, f) for n, f in FEATURES.items() if n not in _NAME_ONLY | _PERSON_ONLY)
_NAME_FEATURES = tuple((n, f) for n, f in FEATURES.items() if n not in _PERSON_ONLY)


#: A scored pair: score, the list name, feature values, contributions, the query (or part) used.
_Scored = tuple[float, "_AliasRecord", dict[str, float], dict[str, float], NormalisedName]

#: Words that join two parties in one name field: "X c/o Y", "X t/a Y", "X on behalf of Y".
_PARTY_JOINERS = re.compile(
    r"\s(?:c/o|c\.o\.|care of|t/a|trading as|d/b/a|dba|doing business as|o/b/o|on behalf of|"
    r"as agent for|a/k/a|aka|f/k/a|fka|formerly)\s|[;/]\s|\s/",
    re.IGNORECASE,
)


_JOINER_WORDS = (
    " care of ",
    " trading as ",
    " business as ",
    " behalf of ",
    " agent for ",
    " aka ",
    " fka ",
    " formerly ",
    " dba ",
)


def split_parties(name: str) -> list[str]:
    """The parties named in one field ("X Ltd c/o Y Logistics" -> X Ltd, Y Logistics), or [name]."""
    if "/" not in name and ";" not in name and "." not in name:
        lower = name.lower()
        if not any(word in lower for word in _JOINER_WORDS):
            return [name]
    parts = [part.strip(" ,:-") for part in _PARTY_JOINERS.split(name)]
    parts = [part for part in parts if part]
    return parts if len(parts) > 1 else [name]


def _is_acronym(alias: str, norm: NormalisedName) -> bool:
    """A list name like CJNG, TdA, MS-13 or WSBT: one short word with at least two capitals."""
    text = alias.strip()
    return (
        bool(_ACRONYM.match(text))
        and sum(ch.isupper() for ch in text) >= 2
        and len(norm.tokens) == 1
        and len(norm.tokens[0]) <= 6
    )


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class PartyScreener:
    """Screens names against one watchlist; builds its index once."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self.entities: list[Entity] = list(watchlist.entities)
        self._records: list[_AliasRecord] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._typo_keys: dict[str, set[str]] = defaultdict(set)
        self._acronyms: dict[str, list[int]] = defaultdict(list)
        self._entity_places: list[frozenset[str]] = []
        self._entity_industry: list[frozenset[str]] = []
        self._entity_identifiers: list[frozenset[str]] = []
        for index, entity in enumerate(self.entities):
            places: set[str] = set()
            industry: set[str] = set()
            for alias in entity.names():
                norm = normalise_name(alias.name)
                if norm.is_empty:
                    continue
                record = _AliasRecord(index, alias, norm, _is_acronym(alias.name, norm))
                self._records.append(record)
                places.update(norm.places)
                industry.update(norm.industry)
            self._entity_places.append(frozenset(places))
            self._entity_identifiers.append(
                frozenset(i.strip().upper() for i in entity.identifiers)
            )
            self._entity_industry.append(frozenset(industry))
        document_frequency: Counter[str] = Counter()
        for number, record in enumerate(self._records):
            if record.acronym:
                self._acronyms[record.norm.tokens[0]].append(number)
                continue
            words = set(record.norm.tokens) | {record.norm.compact}
            document_frequency.update(set(record.norm.tokens))
            for word in words:
                self._postings[word].append(number)
        for word in list(self._postings):
            if len(word) >= TYPO_MIN_LENGTH:
                for key in _deletions(word):
                    self._typo_keys[key].add(word)
        documents = max(1, len(self._records))
        self._idf = {
            word: inverse_document_frequency(df, documents)
            for word, df in document_frequency.items()
        }
        self._default_idf = inverse_document_frequency(1, documents)
        self._common = max(50, int(COMMON_WORD_SHARE * documents))
        self._cache: dict[tuple[str, str | None, frozenset[str]], PartyResult] = {}

    # ----------------------------------------------------------------- blocking

    def _neighbours(self, word: str) -> set[str]:
        """List words equal to ``word`` or one typo (insertion, deletion, change) away."""
        found = {word} if word in self._postings else set()
        if len(word) >= TYPO_MIN_LENGTH - 1:
            found |= self._typo_keys.get(word, set())
            for key in _deletions(word):
                if key in self._postings and len(key) >= TYPO_MIN_LENGTH - 1:
                    found.add(key)
                found |= self._typo_keys.get(key, set())
        return found

    def candidates(self, query: NormalisedName) -> list[int]:
        """Alias records sharing a rare word (or its typo, or a joined pair) with the query."""
        own = set(query.distinctive)
        words = query.tokens
        # typos are looked for in the query's own words; joined pairs only where one is its own
        fuzzy_keys = list(query.distinctive) or list(words)
        exact_keys = [
            "".join(words[i : i + span])
            for span in (2, 3)
            for i in range(len(words) - span + 1)
            if own.intersection(words[i : i + span])
        ]
        exact_keys.append(query.compact)
        found: dict[str, None] = {}
        for key in fuzzy_keys:
            found.update(dict.fromkeys(self._neighbours(key)))
        for key in exact_keys:
            if key in self._postings:
                found[key] = None
        weights: defaultdict[int, float] = defaultdict(float)
        common: list[tuple[str, float]] = []
        for word in found:
            postings = self._postings[word]
            weight = self._idf.get(word, self._default_idf)
            if len(postings) > self._common:
                common.append((word, weight))
                continue
            for number in postings:
                weights[number] += weight
        if not weights:
            # only common words: block on them all (rare for real names; bounded by the top-N cut)
            for word, weight in common:
                for number in self._postings[word]:
                    weights[number] += weight
        ranked = heapq.nlargest(CANDIDATES_PER_QUERY, weights, key=weights.__getitem__)
        if len(query.tokens) == 1:
            ranked += self._acronyms.get(query.tokens[0], [])
        return ranked

    # ----------------------------------------------------------------- scoring

    def _hopeless(self, query: NormalisedName, record: _AliasRecord, entity: Entity) -> bool:
        """True when even every positive feature at its best could not lift the pair to possible."""
        bonus = WEIGHTS["place_agrees"] + WEIGHTS["legal_form_agrees"] + WEIGHTS["country_agrees"]
        business = bool(query.legal_form or query.industry)
        if entity.type == "person":
            if business:
                bonus += WEIGHTS["kind_differs"]
                if WEIGHTS["person_name"] + bonus < POSSIBLE_THRESHOLD:
                    return True
            bound = WEIGHTS["person_name"] * person_name_bound(query, record.norm) + bonus
        else:
            if entity.type == "cartel" and business and not query.org_words:
                bonus += WEIGHTS["kind_differs"]
            part = distinctive(query, record.norm, _NO_CONTEXT)
            bound = WEIGHTS["distinctive"] * part + WEIGHTS["name_tokens"] + bonus
        return bound < POSSIBLE_THRESHOLD

    def _score(
        self,
        query: NormalisedName,
        record: _AliasRecord,
        country: str | None,
        identifiers: frozenset[str],
    ) -> tuple[float, dict[str, float], dict[str, float]]:
        entity = self.entities[record.entity]
        ctx = Context(
            idf=self._idf,
            default_idf=self._default_idf,
            query_country=country,
            entity_countries=entity.countries,
            entity_type=entity.type,
            entity_places=self._entity_places[record.entity],
            entity_industry=self._entity_industry[record.entity],
            query_identifiers=identifiers,
            entity_identifiers=self._entity_identifiers[record.entity],
            alias_is_acronym=record.acronym,
        )
        if record.acronym:
            features = _ACRONYM_FEATURES
        elif entity.type == "person":
            features = _PERSON_FEATURES
        else:
            features = _NAME_FEATURES
        values: dict[str, float] = {}
        contributions: dict[str, float] = {}
        for name, function in features:
            value = function(query, record.norm, ctx)
            if value:
                values[name] = value
                contributions[name] = WEIGHTS[name] * value
        score = min(1.0, max(0.0, sum(contributions.values())))
        return score, values, contributions

    def _explain(
        self, query: NormalisedName, record: _AliasRecord, contributions: dict[str, float]
    ) -> list[str]:
        lines = []
        for name, contribution in sorted(contributions.items(), key=lambda kv: -abs(kv[1])):
            line = f"{describe(name)} ({contribution:+.2f})"
            if name == "distinctive":
                line += f": {' '.join(query.distinctive)!r} ~ {' '.join(record.norm.distinctive)!r}"
            elif name == "name_tokens":
                shared = [t for t in query.tokens if t in set(record.norm.tokens)]
                line += f": shared {', '.join(shared) if shared else 'only misspelt words'}"
            elif name == "person_name":
                line += f": {' '.join(query.tokens)!r} ~ {' '.join(record.norm.tokens)!r}"
            elif name in {"place_agrees", "place_differs"}:
                line += f": {', '.join(query.places)} / {', '.join(record.norm.places)}"
            lines.append(line)
        if record.alias.unverified:
            lines.append("The matched alias is marked unverified: at most a possible match.")
        if record.alias.weak:
            lines.append("The matched alias is a nickname: at most a possible match.")
        return lines

    def screen(
        self,
        name: str,
        country: str | None = None,
        identifiers: Iterable[str] = (),
    ) -> PartyResult:
        """Screen one name (with its country and identifiers when known) against the list."""
        ids = frozenset(i.strip().upper() for i in identifiers if i.strip())
        cache_key = (name, country, ids)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        result = self._screen(name, country, ids)
        if len(self._cache) < RESULT_CACHE_SIZE:
            self._cache[cache_key] = result
        return result

    def _best_per_entity(
        self, query: NormalisedName, code: str | None, ids: frozenset[str]
    ) -> dict[int, _Scored]:
        """The best-scoring alias of every candidate entity, with its features."""
        best: dict[int, _Scored] = {}
        for number in self.candidates(query):
            record = self._records[number]
            if record.acronym and query.tokens != record.norm.tokens:
                continue
            if (
                not ids
                and not record.acronym
                and self._hopeless(query, record, self.entities[record.entity])
            ):
                continue
            if record.alias.weak and query.compact != record.norm.compact:
                continue
            score, values, contributions = self._score(query, record, code, ids)
            if record.alias.weak or record.alias.unverified:
                score = min(score, MATCH_THRESHOLD - 0.01)
            current = best.get(record.entity)
            if current is None or score > current[0]:
                best[record.entity] = (score, record, values, contributions, query)
        return best

    def _screen(self, name: str, country: str | None, ids: frozenset[str]) -> PartyResult:
        warnings: list[str] = []
        if not isinstance(name, str) or not name.strip():
            return PartyResult(str(name or ""), "none", error="empty name: nothing to screen")
        text = country if isinstance(country, str) else None
        code = country_code(text) if text and text.strip() else None
        if code is None and country is not None and (text is None or text.strip()):
            warnings.append(f"country {country!r} is not an ISO 3166-1 alpha-2 code; ignored")
        query = normalise_name(name)
        if query.truncated:
            warnings.append(
                f"name longer than {MAX_NAME_LENGTH} characters: only the first {MAX_NAME_LENGTH} were screened"
            )
        if query.script == "mixed":
            warnings.append("name mixes scripts; Chinese characters were read as pinyin")
        if query.is_empty:
            return PartyResult(
                name,
                "none",
                country=code,
                error="no name words left after normalisation",
                warnings=warnings,
            )
        best = self._best_per_entity(query, code, ids)
        parts = split_parties(name)
        if len(parts) > 1:
            warnings.append(
                f"name holds {len(parts)} parties (c/o, t/a, d/b/a, on behalf of ...): each was screened too"
            )
            for part in parts:
                part_query = normalise_name(part)
                if part_query.is_empty:
                    continue
                for number, found in self._best_per_entity(part_query, code, ids).items():
                    if number not in best or found[0] > best[number][0]:
                        best[number] = found
        matches: list[PartyMatch] = []
        for score, record, values, contributions, used in sorted(
            best.values(), key=lambda b: -b[0]
        ):
            if score < POSSIBLE_THRESHOLD or len(matches) >= MATCHES_PER_QUERY:
                break
            entity = self.entities[record.entity]
            listing = entity.first_listing()
            matches.append(
                PartyMatch(
                    entity_id=entity.entity_id,
                    name=entity.name,
                    matched_alias=record.alias.name,
                    score=score,
                    lists=entity.lists,
                    action=listing.action,
                    since=listing.since,
                    source=listing.source,
                    entity_type=entity.type,
                    features=values,
                    contributions=contributions,
                    explanation=self._explain(used, record, contributions)
                    + (
                        [f"Matched on the part {used.original!r} of the name."]
                        if used is not query
                        else []
                    ),
                    unverified_alias=record.alias.unverified,
                    listings=entity.listings,
                )
            )
        verdict: Verdict = "none"
        if matches:
            verdict = "match" if matches[0].score >= MATCH_THRESHOLD else "possible"
        return PartyResult(name, verdict, matches, country=code, warnings=warnings)

    def screen_many(
        self,
        names: Sequence[str],
        countries: Sequence[str | None] | None = None,
    ) -> list[PartyResult]:
        """Screen a batch of names, in order; repeated names are screened once."""
        if countries is not None and len(countries) != len(names):
            raise UsageError(
                f"screen_many got {len(names)} names but {len(countries)} countries; give one country (or None) per name"
            )
        return [
            self.screen(name, None if countries is None else countries[i])
            for i, name in enumerate(names)
        ]
