"""Reading chemicals, trades and payment kinds out of free text.

All matching is whole-word and case-insensitive: a term matches where neither neighbour is a
letter or digit, so "4-AP" is found in "4-AP HCl" but not in "14-APX"; overlapping terms
resolve to the longest ("1-boc-4-AP" rather than "4-AP").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_CAS = re.compile(r"(?<![\d-])(\d{2,7})-(\d{2})-(\d)(?![\d-])")


def cas_check_digit_ok(cas: str) -> bool:
    """True when a CAS Registry Number's last digit is its check digit.

    The check digit is the sum of the other digits, each multiplied by its position counted
    from the right (starting at 1), modulo 10.
    """
    digits = cas.replace("-", "")
    if not digits.isdigit() or len(digits) < 5:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * i for i, d in enumerate(reversed(body), start=1))
    return total % 10 == check


def find_cas_numbers(text: str) -> list[str]:
    """CAS numbers written in ``text`` whose check digit is right, in order, without repeats."""
    found: list[str] = []
    for match in _CAS.finditer(text):
        cas = "-".join(match.groups())
        if cas_check_digit_ok(cas) and cas not in found:
            found.append(cas)
    return found


def fold_accents(text: str) -> str:
    """The text with accents taken off letter by letter (química -> quimica), same length."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)
        out.append(base[0] if len(base) > 1 and unicodedata.combining(base[1]) else ch)
    return "".join(out)


def compact(term: str) -> str:
    """A term in lower case without spaces, hyphens, underscores or accents: the key terms match on."""
    return re.sub(r"[\s_-]+", "", fold_accents(term.lower()))


class TermMatcher:
    """Finds whole-word terms in text; spaces, hyphens and underscores inside a term are optional.

    Terms are tried longest first, so overlapping terms resolve to the longest.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.display: dict[str, str] = {}
        for term in terms:
            if term.strip():
                self.display.setdefault(compact(term), term.strip().lower())
        unique = sorted(
            {fold_accents(t) for t in self.display.values()}, key=lambda t: (-len(t), t)
        )
        body = "|".join(re.sub(r"(\\ |\\-|_)+", r"[\\s_-]*", re.escape(t)) for t in unique)
        self.pattern = (
            re.compile(rf"(?<![0-9a-z])(?:{body})(?![0-9a-z])", re.IGNORECASE) if unique else None
        )

    def find(self, text: str | None) -> list[str]:
        """The terms found in ``text`` (as first written in the term list), in order, no repeats."""
        if self.pattern is None or not text:
            return []
        return list(self.find_quoted(text))

    def find_quoted(self, text: str | None) -> dict[str, str]:
        """The terms found in ``text`` -> the words as written there, in order, no repeats."""
        if self.pattern is None or not text:
            return {}
        found: dict[str, str] = {}
        for match in self.pattern.finditer(fold_accents(text)):
            term = self.display.get(compact(match.group(0)), match.group(0).lower())
            found.setdefault(term, text[match.start() : match.end()])
        return found


@dataclass(frozen=True, slots=True)
class ChemicalMentions:
    """The chemical names (lexicon terms), valid CAS numbers and systematic names of one description."""

    names: tuple[str, ...]
    cas_numbers: tuple[str, ...]
    #: each mention (name, CAS number or systematic name) -> the words it was read from
    quoted: Mapping[str, str] = field(default_factory=dict)
    #: systematic names not in the lexicon, for a name-to-structure parser (OPSIN)
    systematic: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.names or self.cas_numbers)


#: A word of a systematic chemical name: a locant ("4-", "1,2-", "N-"), brackets or an
#: infix/suffix of substitutive nomenclature, and nothing but name characters.
_NAME_WORD = re.compile(
    r"^(?=.*(?:\d-|-\d|[A-Za-z]-|\(|\[))(?=.*(?:yl|one|ine|amide|amine|oate|ate|ide|ane|ene|ol)\b)"
    r"[A-Za-z0-9,'()\[\]+-]{6,}$"
)
#: Words that may stand before such a word inside one name ("tert-butyl 4-oxo...", "methyl 4-...").
_NAME_PREFIX_WORDS = frozenset(
    {"tert-butyl", "methyl", "ethyl", "propyl", "butyl", "benzyl", "phenyl"}
)


def _unwrap(word: str) -> str:
    """A word without brackets around all of it ("(4-anilinopiperidine)" -> "4-anilinopiperidine")."""
    while len(word) > 2 and word[0] + word[-1] in {"()", "[]"}:
        inner = word[1:-1]
        depth = 0
        for ch in inner:
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
            if depth < 0:
                return word  # "(1-...)-N-..." : the brackets belong to the name
        word = inner
    return word


def systematic_names(text: str | None) -> list[str]:
    """Spans of ``text`` that read as systematic chemical names ("1-phenethylpiperidin-4-one")."""
    if not text:
        return []
    words = text.replace(";", " ").split()
    found: list[str] = []
    i = 0
    while i < len(words):
        word = _unwrap(words[i].strip(".,;:"))
        if (
            _NAME_WORD.match(word)
            and word.count("(") == word.count(")")
            and word.lower() not in _NAME_PREFIX_WORDS
        ):
            start = i
            if i > 0 and words[i - 1].lower().strip(".,;:") in _NAME_PREFIX_WORDS:
                start = i - 1
            found.append(" ".join([*(w.strip(".,;:") for w in words[start:i]), word]))
        i += 1
    return list(dict.fromkeys(found))


class MentionFinder:
    """Finds knowledge-base chemical names (English, Spanish, Chinese, trade codes) and CAS numbers."""

    def __init__(self, lexicon: Mapping[str, str], extra: Mapping[str, str] | None = None) -> None:
        terms = {**lexicon, **(extra or {})}
        self.lexicon = {compact(k): v for k, v in terms.items()}
        self._matcher = TermMatcher(terms)

    def find(self, text: str | None) -> ChemicalMentions:
        """The chemical mentions of one description, each with the words it came from."""
        if not text:
            return ChemicalMentions((), ())
        quoted = self._matcher.find_quoted(text)
        cas_numbers = find_cas_numbers(text)
        sources = dict(quoted)
        sources.update({cas: cas for cas in cas_numbers})
        known = {compact(words) for words in quoted.values()}
        systematic = tuple(
            name
            for name in systematic_names(text)
            if compact(name) not in known and not _CAS.search(name)
        )
        sources.update({name: name for name in systematic})
        return ChemicalMentions(tuple(quoted), tuple(cas_numbers), sources, systematic)

    def queries(self, mentions: ChemicalMentions) -> list[str]:
        """The chemistry queries that screen what a description mentions."""
        return list(self.quoted_queries(mentions))

    def quoted_queries(self, mentions: ChemicalMentions) -> dict[str, str]:
        """Each chemistry query of a description -> the words of the description it came from."""
        queries: dict[str, str] = {}
        for name in mentions.names:
            query = self.lexicon.get(compact(name), name)
            queries.setdefault(query, mentions.quoted.get(name, name))
        for cas in mentions.cas_numbers:
            queries.setdefault(cas, cas)
        return queries


#: Words that mark a description as naming a chemical product even when no name is known.
CHEMICAL_WORDS: tuple[str, ...] = (
    "chemical",
    "chemicals",
    "reagent",
    "intermediate",
    "intermediates",
    "compound",
    "powder",
    "acid",
    "amine",
    "anhydride",
    "chloride",
    "bromide",
    "piperidine",
    "piperidone",
    "piperidinone",
    "solvent",
    "ester",
    "ketone",
    "aldehyde",
    "hydrochloride",
    "salt",
    "api",
    "cas",
    "synthesis",
    "crystal",
    "crystals",
)
CHEMICAL_MATCHER = TermMatcher(CHEMICAL_WORDS)

#: Word stems of nitrogen heterocycles; HS heading 2933 covers them (HS chapter 29 notes).
HETEROCYCLE_PATTERN = re.compile(r"piperid|pyridin|pyrrolidin|piperazin|quinolin", re.IGNORECASE)
