"""Screen names against a watchlist: blocking index, feature scores, verdicts with reasons.

The index is built once per watchlist. For a query it looks up only list names that
share a rare word with it -- the same word, a word one typo away (a deletion
neighbourhood), or two of its words written as one -- so a batch never compares every
pair. Each candidate is scored by the features of :mod:`fentrace.parties.features`.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

import numpy as np

from fentrace.exc import UsageError
from fentrace.parties.countries import country_code
from fentrace.parties.features import (
    FEATURES,
    WEIGHTS,
    Context,
    align_parts,
    describe,
    distinctive,
    inverse_document_frequency,
    name_key,
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
    programs: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()

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
            "programs": list(self.programs),
            "birth_dates": list(self.birth_dates),
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

    def to_row(self, row: int) -> dict[str, Any]:
        """One flat output row of ``parties screen-file`` (the best match only)."""
        best = self.best
        return {
            "row": row,
            "name": self.query,
            "country": self.country,
            "verdict": self.verdict,
            "score": round(best.score, 4) if best else None,
            "entity_id": best.entity_id if best else None,
            "matched_name": best.name if best else None,
            "matched_alias": best.matched_alias if best else None,
            "lists": "|".join(best.lists) if best else None,
            "action": best.action if best else None,
            "since": best.since.isoformat() if best and best.since else None,
            "source": best.source if best else None,
            "explanation": " | ".join(best.explanation) if best else None,
            "error": self.error,
            "warnings": " | ".join(self.warnings) or None,
            "programs": "|".join(best.programs) if best else None,
            "birth_dates": "|".join(best.birth_dates) if best else None,
        }


@dataclass(frozen=True, slots=True)
class _AliasRecord:
    entity: int
    alias: Alias
    norm: NormalisedName
    acronym: bool
    family: frozenset[str] = frozenset()


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


_PERSON_ONLY = {"person_name", "parts_omitted", "family_name_missing", "given_name_missing"}
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


def normalise_identifier(value: str) -> str:
    """An identity or registration number without spaces, dashes or dots, in capitals."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _family_words(entity: Entity, alias: Alias) -> frozenset[str]:
    """The family-name words of a person's name written "FAMILY, Given" (else none)."""
    if entity.type != "person" or "," not in alias.name:
        return frozenset()
    return frozenset(normalise_name(alias.name.split(",", 1)[0]).tokens)


#: Postings keyed by a person's name part with romanisation taken out carry this prefix.
_KEY_PREFIX: Final[str] = "~"


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


#: What a caller may say a queried party is.
QUERY_KINDS: Final[tuple[str, ...]] = ("person", "company", "vessel")
_QUERY_BIRTH = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def parse_query_birth_date(value: str) -> str | None:
    """A queried date of birth as YYYY-MM-DD, YYYY-MM or YYYY (None when it is none of these).

    A spreadsheet's date-time ("1978-03-02 00:00:00") keeps its date; a year read as a number
    ("1948.0") its year.
    """
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", value):
        value = value[:10]
    elif re.match(r"^\d{4}\.0+$", value):
        value = value[:4]
    if not _QUERY_BIRTH.match(value):
        return None
    if len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            return None
    return value


@dataclass(frozen=True, slots=True)
class _QueryFacts:
    """What the caller knows about the queried party besides its name."""

    country: str | None
    identifiers: frozenset[str]
    birth: str | None
    kind: str | None


def _in_programs(entity: Entity, programs: frozenset[str]) -> bool:
    """The entity is listed under one of the programmes (or on a list with that id)."""
    own = {p.upper() for p in entity.programs} | {li.upper() for li in entity.lists}
    return bool(own & programs)


class PartyScreener:
    """Screens names against one watchlist; builds its index once."""

    def __init__(self, watchlist: Watchlist, programs: Iterable[str] = ()) -> None:
        self.watchlist = watchlist
        #: Report only entities listed under these programmes (empty: every entity).
        self.programs = frozenset(p.strip().upper() for p in programs if p.strip())
        self.entities: list[Entity] = list(watchlist.entities)
        self._records: list[_AliasRecord] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._acronyms: dict[str, list[int]] = defaultdict(list)
        self._entity_places: list[frozenset[str]] = []
        self._entity_industry: list[frozenset[str]] = []
        self._entity_identifiers: list[frozenset[str]] = []
        self._by_identifier: dict[str, list[int]] = defaultdict(list)
        self._first_record: dict[int, int] = {}
        for index, entity in enumerate(self.entities):
            places: set[str] = set()
            industry: set[str] = set()
            for alias in entity.names():
                norm = normalise_name(alias.name)
                if norm.is_empty:
                    continue
                record = _AliasRecord(
                    index,
                    alias,
                    norm,
                    _is_acronym(alias.name, norm),
                    _family_words(entity, alias),
                )
                self._records.append(record)
                places.update(norm.places)
                industry.update(norm.industry)
            self._entity_places.append(frozenset(places))
            identifiers = frozenset(
                key for i in entity.identifiers if (key := normalise_identifier(i))
            )
            self._entity_identifiers.append(identifiers)
            for key in identifiers:
                self._by_identifier[key].append(index)
            self._entity_industry.append(frozenset(industry))
        document_frequency: Counter[str] = Counter()
        for number, record in enumerate(self._records):
            if record.acronym:
                self._acronyms[record.norm.tokens[0]].append(number)
                continue
            self._first_record.setdefault(record.entity, number)
            words = set(record.norm.tokens) | {record.norm.compact}
            document_frequency.update(set(record.norm.tokens))
            for word in words:
                self._postings[word].append(number)
            if self.entities[record.entity].type == "person":
                for word in {name_key(t) for t in record.norm.tokens if len(t) > 2}:
                    self._postings[_KEY_PREFIX + word].append(number)
        # one-deletion neighbourhood as sorted CRC-32 hashes -> word numbers: compact, fast to
        # save and load (a hash collision only adds a candidate, which scoring then drops)
        self._typo_words = [
            w for w in self._postings if len(w) >= TYPO_MIN_LENGTH and not w.startswith(_KEY_PREFIX)
        ]
        hashes: list[int] = []
        owners: list[int] = []
        for number, word in enumerate(self._typo_words):
            for key in _deletions(word):
                hashes.append(zlib.crc32(key.encode()))
                owners.append(number)
        order = np.argsort(np.asarray(hashes, dtype=np.uint32), kind="stable")
        self._typo_hashes = np.asarray(hashes, dtype=np.uint32)[order]
        self._typo_owners = np.asarray(owners, dtype=np.int32)[order]
        documents = max(1, len(self._records))
        self._idf = {
            word: inverse_document_frequency(df, documents)
            for word, df in document_frequency.items()
        }
        self._default_idf = inverse_document_frequency(1, documents)
        self._common = max(50, int(COMMON_WORD_SHARE * documents))
        self._cache: dict[
            tuple[str, str | None, frozenset[str], str | None, str | None], PartyResult
        ] = {}

    # ----------------------------------------------------------------- blocking

    def _typo_lookup(self, keys: Sequence[str]) -> set[str]:
        """List words (5+ letters) one of whose one-letter deletions is one of ``keys``."""
        wanted = np.asarray([zlib.crc32(k.encode()) for k in keys], dtype=np.uint32)
        low = np.searchsorted(self._typo_hashes, wanted, side="left")
        high = np.searchsorted(self._typo_hashes, wanted, side="right")
        return {
            self._typo_words[int(owner)]
            for lo, hi in zip(low.tolist(), high.tolist(), strict=True)
            if hi > lo
            for owner in self._typo_owners[lo:hi].tolist()
        }

    def _neighbours(self, word: str) -> set[str]:
        """List words equal to ``word`` or one typo (insertion, deletion, change) away."""
        found = {word} if word in self._postings else set()
        if len(word) >= TYPO_MIN_LENGTH - 1:
            deletions = _deletions(word)
            found |= self._typo_lookup([word, *deletions])
            for key in deletions:
                if key in self._postings and len(key) >= TYPO_MIN_LENGTH - 1:
                    found.add(key)
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
        for word in words:
            key = _KEY_PREFIX + name_key(word)
            if len(word) > 2 and key in self._postings:
                found[key] = None
        weights: defaultdict[int, float] = defaultdict(float)
        common: list[tuple[str, float]] = []
        for word in found:
            postings = self._postings[word]
            weight = self._idf.get(word.lstrip(_KEY_PREFIX), self._default_idf)
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
        elif len(common) >= 2:
            # two common words together are rare ("Ho ... Kim"): names holding both are candidates
            rarest = sorted(common, key=lambda item: len(self._postings[item[0]]))[:2]
            both = set(self._postings[rarest[0][0]]).intersection(self._postings[rarest[1][0]])
            for number in both:
                weights[number] += rarest[0][1] + rarest[1][1]
        # what heapq.nlargest returns (same order, ties by insertion), with the keys built in C
        ranked = sorted(weights, key=weights.__getitem__, reverse=True)[:CANDIDATES_PER_QUERY]
        if len(query.tokens) == 1:
            ranked += self._acronyms.get(query.tokens[0], [])
        return ranked

    # ----------------------------------------------------------------- scoring

    def _hopeless(self, query: NormalisedName, record: _AliasRecord, entity: Entity) -> bool:
        """True when even every positive feature at its best could not lift the pair to possible."""
        bonus = (
            WEIGHTS["place_agrees"]
            + WEIGHTS["legal_form_agrees"]
            + WEIGHTS["country_agrees"]
            + WEIGHTS["birth_date_agrees"]
        )
        business = bool(query.legal_form or query.industry)
        if entity.type == "person":
            if business:
                bonus += WEIGHTS["kind_differs"]
                if WEIGHTS["person_name"] + bonus < POSSIBLE_THRESHOLD:
                    return True
            ctx = self._context(record, None, frozenset(), None, None)
            bound = WEIGHTS["person_name"] * person_name_bound(query, record.norm, ctx) + bonus
        else:
            if entity.type == "cartel" and business and not query.org_words:
                bonus += WEIGHTS["kind_differs"]
            part = distinctive(query, record.norm, _NO_CONTEXT)
            bound = WEIGHTS["distinctive"] * part + WEIGHTS["name_tokens"] + bonus
        return bound < POSSIBLE_THRESHOLD

    def _context(
        self,
        record: _AliasRecord,
        country: str | None,
        identifiers: frozenset[str],
        birth: str | None,
        kind: str | None,
    ) -> Context:
        entity = self.entities[record.entity]
        return Context(
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
            listed_family=record.family,
            query_birth=birth,
            entity_births=entity.birth_dates,
            query_kind=kind,
        )

    def _score(
        self,
        query: NormalisedName,
        record: _AliasRecord,
        country: str | None,
        identifiers: frozenset[str],
        birth: str | None = None,
        kind: str | None = None,
    ) -> tuple[float, dict[str, float], dict[str, float]]:
        entity = self.entities[record.entity]
        ctx = self._context(record, country, identifiers, birth, kind)
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
        self,
        query: NormalisedName,
        record: _AliasRecord,
        contributions: dict[str, float],
        facts: _QueryFacts,
    ) -> list[str]:
        entity = self.entities[record.entity]
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
            elif name == "parts_omitted":
                line += f": {', '.join(align_parts(query, record.norm).omitted())}"
            elif name in {"birth_date_agrees", "birth_year_differs"}:
                line += f": {facts.birth} / {', '.join(entity.birth_dates)}"
            elif name == "identifier":
                held = facts.identifiers & self._entity_identifiers[record.entity]
                line += f": {', '.join(sorted(held))}"
            elif name == "kind_differs":
                asked = facts.kind or ("company" if query.legal_form or query.industry else "?")
                line += f": {asked} / {entity.type}"
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
        birth_date: str | None = None,
        kind: str | None = None,
    ) -> PartyResult:
        """Screen one name (with its country, identifiers, date of birth and kind when known)."""
        ids = frozenset(key for i in identifiers if (key := normalise_identifier(i)))
        cache_key = (name, country, ids, birth_date, kind)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        result = self._screen(name, country, ids, birth_date, kind)
        if len(self._cache) < RESULT_CACHE_SIZE:
            self._cache[cache_key] = result
        return result

    def _best_per_entity(self, query: NormalisedName, facts: _QueryFacts) -> dict[int, _Scored]:
        """The best-scoring alias of every candidate entity, with its features."""
        best: dict[int, _Scored] = {}
        numbers = self.candidates(query)
        for key in facts.identifiers:
            numbers += [
                self._first_record[e]
                for e in self._by_identifier.get(key, ())
                if e in self._first_record
            ]
        for number in numbers:
            record = self._records[number]
            if record.acronym and query.tokens != record.norm.tokens:
                continue
            if (
                not facts.identifiers
                and not record.acronym
                and self._hopeless(query, record, self.entities[record.entity])
            ):
                continue
            if record.alias.weak and query.compact != record.norm.compact:
                continue
            score, values, contributions = self._score(
                query, record, facts.country, facts.identifiers, facts.birth, facts.kind
            )
            if (record.alias.weak or record.alias.unverified) and "identifier" not in values:
                score = min(score, MATCH_THRESHOLD - 0.01)
            current = best.get(record.entity)
            if current is None or score > current[0]:
                best[record.entity] = (score, record, values, contributions, query)
        return best

    def _screen(
        self,
        name: str,
        country: str | None,
        ids: frozenset[str],
        birth_date: str | None,
        kind: str | None,
    ) -> PartyResult:
        warnings: list[str] = []
        if not isinstance(name, str) or not name.strip():
            return PartyResult(str(name or ""), "none", error="empty name: nothing to screen")
        text = country if isinstance(country, str) else None
        code = country_code(text) if text and text.strip() else None
        if code is None and country is not None and (text is None or text.strip()):
            warnings.append(f"country {country!r} is not an ISO 3166-1 alpha-2 code; ignored")
        birth = None
        if birth_date is not None and str(birth_date).strip():
            birth = parse_query_birth_date(str(birth_date))
            if birth is None:
                warnings.append(
                    f"date of birth {birth_date!r} is not YYYY-MM-DD, YYYY-MM or YYYY; ignored"
                )
        if kind is not None and kind not in QUERY_KINDS:
            raise UsageError(f"kind {kind!r} is not one of {', '.join(QUERY_KINDS)}")
        facts = _QueryFacts(code, ids, birth, kind)
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
        best = self._best_per_entity(query, facts)
        parts = split_parties(name)
        if len(parts) > 1:
            warnings.append(
                f"name holds {len(parts)} parties (c/o, t/a, d/b/a, on behalf of ...): each was screened too"
            )
            for part in parts:
                part_query = normalise_name(part)
                if part_query.is_empty:
                    continue
                for number, found in self._best_per_entity(part_query, facts).items():
                    if number not in best or found[0] > best[number][0]:
                        best[number] = found
        matches: list[PartyMatch] = []
        for score, record, values, contributions, used in sorted(
            best.values(), key=lambda b: -b[0]
        ):
            if score < POSSIBLE_THRESHOLD or len(matches) >= MATCHES_PER_QUERY:
                break
            entity = self.entities[record.entity]
            if self.programs and not _in_programs(entity, self.programs):
                continue
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
                    explanation=self._explain(used, record, contributions, facts)
                    + (
                        [f"Matched on the part {used.original!r} of the name."]
                        if used is not query
                        else []
                    ),
                    unverified_alias=record.alias.unverified,
                    listings=entity.listings,
                    programs=entity.programs,
                    birth_dates=entity.birth_dates,
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
