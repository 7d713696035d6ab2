"""Name normalisation: one company or person, however a manifest or a list spells it.

Named steps, each small and pure:

1. ``cap``: names longer than :data:`MAX_NAME_LENGTH` characters are cut (and say so).
2. ``script``: Chinese characters (traditional or simplified) become pinyin syllables
   through pypinyin; everything else is transliterated to ASCII by anyascii.
3. ``clean``: lower case; ``&`` and ``+`` become "and"; dotted initials close up
   ("S.A. de C.V." -> "sa de cv", "C.J.N.G." -> "cjng"); a hyphen between letters and
   digits closes up ("MS-13" -> "ms13"); other punctuation separates words.
4. ``phrases``: the longest known phrase at each position is recognised from
   :mod:`fentrace.parties.vocab` -- legal form, trade word, organisation word, place or
   stop word -- whether written as one word or several ("BIO-TECH", "Bio Technology",
   "生物科技"); unknown pinyin syllables of one Chinese run join into one word; a trade
   word run onto the word before it is split off ("Yuanchengchemical" -> yuancheng + chem).
5. ``parts``: what is neither place, legal form, trade/organisation nor stop word is the
   *distinctive* part; a name made only of places and trade words keeps its places as
   its distinctive part ("Cartel de Sinaloa" -> ``sinaloa``).

The result keeps the original string, and its :attr:`NormalisedName.key` groups one
company's spellings (legal form, abbreviations and word order do not change it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from fentrace.parties.vocab import (
    CHINESE_PLACES,
    INDUSTRY,
    LEGAL_FAMILY,
    MAX_PHRASE_ITEMS,
    PINYIN_STOP_WORDS,
    Category,
    lookup,
)

#: Longest name, in characters, that is normalised; the rest is cut and the cut reported.
MAX_NAME_LENGTH: Final[int] = 256

#: Manifests cut names at fixed widths (35 characters is common); a final word of a name at
#: least this long that begins a trade word is read as that trade word.
TRUNCATION_WIDTH: Final[int] = 30
#: Shortest misspelt trade word that is read as the trade word (one letter off).
TRADE_TYPO_LENGTH: Final[int] = 7

#: Shortest trade word that is read through a typo, a cut or a run-together word.
TRADE_WORD_LENGTH: Final[int] = 5
_TRADE_WORDS: Final[tuple[str, ...]] = tuple(
    sorted(k for k in INDUSTRY if len(k) >= TRADE_WORD_LENGTH)
)
#: Shortest name part left in front of a trade word split off a run-together word.
SPLIT_PREFIX_LENGTH: Final[int] = 4
_TRADE_WORD_SET: Final[frozenset[str]] = frozenset(_TRADE_WORDS)

Script = Literal["latin", "han", "mixed", "other", "empty"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_DOTTED_INITIALS = re.compile(r"\b((?:[a-z]\.){2,}[a-z]?)")
_LETTER_HYPHEN_DIGIT = re.compile(r"(?<=[a-z])-(?=\d)|(?<=\d)-(?=[a-z])")
_APOSTROPHE = re.compile(r"['`´’‘]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A name taken apart: its words, its distinctive part, places and legal form."""

    original: str
    tokens: tuple[str, ...]
    distinctive: tuple[str, ...]
    places: tuple[str, ...]
    industry: tuple[str, ...]
    org_words: tuple[str, ...]
    legal_form: str | None
    script: Script
    truncated: bool
    distinctive_from_places: bool

    @property
    def key(self) -> str:
        """A stable grouping key: the sorted set of name words (legal form and order ignored)."""
        return " ".join(sorted(set(self.tokens)))

    @property
    def legal_family(self) -> str | None:
        """The family of the legal form ("company", "sociedad", ...), or None."""
        return None if self.legal_form is None else LEGAL_FAMILY.get(self.legal_form)

    @property
    def compact(self) -> str:
        """The name words run together, for comparing names split differently."""
        return "".join(self.tokens)

    @property
    def is_empty(self) -> bool:
        """True when nothing of the name is left to compare."""
        return not self.tokens


def detect_script(text: str) -> Script:
    """Which writing system a name uses: latin, han (Chinese characters), mixed or other."""
    if text.isascii():
        return "latin" if text.strip() else "empty"
    has_han = bool(_HAN.search(text))
    letters = [ch for ch in text if ch.isalpha() and not _HAN.match(ch)]
    has_latin = any(ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in letters)
    has_other = any(not ch.isascii() and "LATIN" not in unicodedata.name(ch, "") for ch in letters)
    kinds = sum((has_han, has_latin, has_other))
    if kinds == 0:
        return "empty" if not text.strip() else "latin"
    if kinds > 1:
        return "mixed"
    if has_han:
        return "han"
    return "latin" if has_latin else "other"


def _clean_latin(text: str) -> list[str]:
    """Lower-case ASCII words of a non-Chinese run (step ``clean``)."""
    text = anyascii(text).lower()
    text = text.replace("&", " and ").replace("+", " and ")
    text = _APOSTROPHE.sub("", text)
    text = _DOTTED_INITIALS.sub(lambda m: m.group(1).replace(".", ""), text)
    text = _LETTER_HYPHEN_DIGIT.sub("", text)
    return [word for word in _NON_WORD.split(text) if word]


def _pinyin(han: str) -> list[str]:
    """Pinyin syllables of a run of Chinese characters, tones dropped."""
    # imported on first use: its phrase dictionary costs most of a second to load, and a
    # screening run over Latin names (or a start from the cached index) never needs it
    from pypinyin import Style, lazy_pinyin

    return list(lazy_pinyin(han, style=Style.NORMAL, errors="ignore"))


def _items(text: str) -> list[tuple[str, bool]]:
    """The words of a name in order, each marked True when it is a pinyin syllable."""
    items: list[tuple[str, bool]] = []
    position = 0
    for match in _HAN.finditer(text):
        items.extend((word, False) for word in _clean_latin(text[position : match.start()]))
        syllables = _pinyin(match.group(0))
        items.extend((syllable.lower(), True) for syllable in syllables if syllable.isalpha())
        position = match.end()
    items.extend((word, False) for word in _clean_latin(text[position:]))
    return items


@lru_cache(maxsize=8192)
def _trade_word(word: str, last_of_long_name: bool) -> str | None:
    """A misspelt ("technolgy") or cut ("technolo") trade word, read as the trade word."""
    if last_of_long_name and len(word) >= TRADE_WORD_LENGTH:
        for key in _TRADE_WORDS:
            if key.startswith(word) and key != word:
                return key
    if len(word) >= TRADE_TYPO_LENGTH:
        hit = process.extractOne(word, _TRADE_WORDS, scorer=Levenshtein.distance, score_cutoff=1)
        if hit is not None:
            return hit[0]
    return None


@lru_cache(maxsize=8192)
def _trade_suffix(word: str) -> tuple[str, str] | None:
    """A name word with a trade word run onto it ("yuanchengchemical"): (name part, trade word)."""
    # Longest trade word first: one set look-up per split point, not one scan per trade word.
    for cut in range(SPLIT_PREFIX_LENGTH, len(word) - TRADE_WORD_LENGTH + 1):
        prefix, key = word[:cut], word[cut:]
        if key in _TRADE_WORD_SET and lookup(prefix) is None:
            return prefix, key
    return None


def _phrases(
    items: list[tuple[str, bool]], long_name: bool = False
) -> list[tuple[str, Category | None]]:
    """Recognise the longest known phrase at each position (step ``phrases``)."""
    out: list[tuple[str, Category | None]] = []
    pending_han: list[str] = []

    def flush() -> None:
        if pending_han:
            out.append(("".join(pending_han), None))
            pending_han.clear()

    i = 0
    n = len(items)
    while i < n:
        found: tuple[int, Category, tuple[str, ...]] | None = None
        joined = [items[i][0]]
        for k in range(i + 1, min(n, i + MAX_PHRASE_ITEMS)):
            joined.append(joined[-1] + items[k][0])
        # a lone pinyin syllable is too short to be told from a name syllable ("de", "sa")
        shortest = 2 if items[i][1] else 1
        for length in range(len(joined), shortest - 1, -1):
            hit = lookup(joined[length - 1])
            if hit is not None:
                found = (i + length, hit[0], hit[1])
                break
        if found is None and not items[i][1] and lookup(items[i][0]) is None:
            fixed = _trade_word(items[i][0], long_name and i == n - 1)
            if fixed is not None:
                found = (i + 1, "industry", INDUSTRY[fixed])
            elif (split := _trade_suffix(items[i][0])) is not None:
                flush()
                out.append((split[0], None))
                out.extend((token, "industry") for token in INDUSTRY[split[1]])
                i += 1
                continue
        if found is None:
            word, is_syllable = items[i]
            if is_syllable:
                pending_han.append(word)
            else:
                flush()
                out.append((word, None))
            i += 1
            continue
        flush()
        j, category, canonical = found
        if category == "stop":
            out.append((items[i][0] if j == i + 1 else "", "stop"))
        for token in canonical:
            out.append((token, category))
        i = j
    flush()
    return out


def _split_han_person(items: list[tuple[str, bool]]) -> list[tuple[str, Category | None]] | None:
    """A name of two to four Chinese characters only reads as family name + given name."""
    if 2 <= len(items) <= 4 and all(is_syllable for _, is_syllable in items):
        words = [word for word, _ in items]
        if lookup("".join(words)) is None:
            return [(words[0], None), ("".join(words[1:]), None)]
    return None


def _pinyin_syllables_kept(
    parts: list[tuple[str, Category | None]],
) -> list[tuple[str, Category | None]]:
    """In a Chinese name, "de" between two name words is a syllable ("Bang De Ya"), not Spanish."""
    if not any(cat == "place" and tok in CHINESE_PLACES for tok, cat in parts):
        return parts
    kept = list(parts)
    for index in range(1, len(parts) - 1):
        token, category = parts[index]
        if (
            category == "stop"
            and token in PINYIN_STOP_WORDS
            and parts[index - 1][1] is None
            and parts[index + 1][1] is None
        ):
            kept[index] = (token, None)
    return kept


#: Legal forms that Russian, Ukrainian and Belarusian names put first ("OOO ...", "AO ...",
#: "LIMITED LIABILITY COMPANY ..."); other forms opening a name are read as name words.
OPENING_LEGAL_FORMS: Final[frozenset[str]] = frozenset({"llc", "jsc"})


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> NormalisedName:
    """Take a company or person name apart into comparable parts (see the module steps)."""
    original = name
    truncated = len(name) > MAX_NAME_LENGTH
    text = name[:MAX_NAME_LENGTH]
    script = detect_script(text)
    items = _items(text)
    parts = _split_han_person(items) or _phrases(items, long_name=len(text) >= TRUNCATION_WIDTH)
    parts = _pinyin_syllables_kept(parts)

    tokens: list[str] = []
    distinctive: list[str] = []
    places: list[str] = []
    industry: list[str] = []
    org_words: list[str] = []
    legal_forms: list[str] = []
    for index, (token, category) in enumerate(parts):
        if category == "stop" or not token:
            continue
        if (
            category == "legal"
            and index == 0
            and (token not in OPENING_LEGAL_FORMS or len(parts) == 1)
        ):
            category = None  # "Co" or "AG" opening a name is part of the name
        if category == "legal":
            legal_forms.append(token)
            continue
        tokens.append(token)
        if category is None:
            distinctive.append(token)
        elif category == "place":
            places.append(token)
        elif category == "industry":
            industry.append(token)
        elif category == "org":
            org_words.append(token)
    from_places = not distinctive and bool(places)
    if from_places:
        distinctive = list(places)
    if not tokens and legal_forms:
        # a name made only of legal-form words is kept as words
        tokens = distinctive = list(legal_forms)
        legal_forms = []
    return NormalisedName(
        original=original,
        tokens=tuple(tokens),
        distinctive=tuple(distinctive),
        places=tuple(dict.fromkeys(places)),
        industry=tuple(dict.fromkeys(industry)),
        org_words=tuple(dict.fromkeys(org_words)),
        legal_form=legal_forms[-1] if legal_forms else None,
        script=script,
        truncated=truncated,
        distinctive_from_places=from_places,
    )
