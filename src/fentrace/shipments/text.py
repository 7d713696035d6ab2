"""Reading chemicals, trades and payment kinds out of free text.

All matching is whole-word and case-insensitive: a term matches where neither neighbour is a
letter or digit, so "4-AP" is found in "4-AP HCl" but not in "14-APX"; overlapping terms
resolve to the longest ("1-boc-4-AP" rather than "4-AP").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


def compact(term: str) -> str:
    """A term in lower case without spaces, hyphens or underscores: the key terms match on."""
    return re.sub(r"[\s_-]+", "", term.lower())


class TermMatcher:
    """Finds whole-word terms in text; spaces, hyphens and underscores inside a term are optional.

    Terms are tried longest first, so overlapping terms resolve to the longest.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.display: dict[str, str] = {}
        for term in terms:
            if term.strip():
                self.display.setdefault(compact(term), term.strip().lower())
        unique = sorted(set(self.display.values()), key=lambda t: (-len(t), t))
        body = "|".join(re.sub(r"(\\ |\\-|_)+", r"[\\s_-]*", re.escape(t)) for t in unique)
        self.pattern = (
            re.compile(rf"(?<![0-9a-z])(?:{body})(?![0-9a-z])", re.IGNORECASE) if unique else None
        )

    def find(self, text: str | None) -> list[str]:
        """The terms found in ``text`` (as first written in the term list), in order, no repeats."""
        if self.pattern is None or not text:
            return []
        found: list[str] = []
        for match in self.pattern.finditer(text):
            term = self.display.get(compact(match.group(0)), match.group(0).lower())
            if term not in found:
                found.append(term)
        return found


@dataclass(frozen=True, slots=True)
class ChemicalMentions:
    """The chemical names (lexicon terms) and valid CAS numbers written in one description."""

    names: tuple[str, ...]
    cas_numbers: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.names or self.cas_numbers)


class MentionFinder:
    """Finds knowledge-base chemical names and CAS numbers in descriptions."""

    def __init__(self, lexicon: Mapping[str, str]) -> None:
        self.lexicon = {compact(k): v for k, v in lexicon.items()}
        self._matcher = TermMatcher(lexicon)

    def find(self, text: str | None) -> ChemicalMentions:
        """The chemical mentions of one description."""
        if not text:
            return ChemicalMentions((), ())
        names = tuple(self._matcher.find(text))
        return ChemicalMentions(names, tuple(find_cas_numbers(text)))

    def queries(self, mentions: ChemicalMentions) -> list[str]:
        """The chemistry queries that screen what a description mentions."""
        queries: list[str] = []
        for name in mentions.names:
            query = self.lexicon.get(compact(name), name)
            if query not in queries:
                queries.append(query)
        for cas in mentions.cas_numbers:
            if cas not in queries:
                queries.append(cas)
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
