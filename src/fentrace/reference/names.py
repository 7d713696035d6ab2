"""Chemical-name normalisation and CAS Registry Number checks. Pure functions, no I/O.

Names are compared by a *key*: the name folded so that spelling variants an analyst or a
manifest clerk produces (case, spaces, hyphens, commas, Greek letters spelt or written,
``HCl`` for ``hydrochloride``) give the same key, while different substances keep
different keys. A trailing salt or hydrate word is kept in the key but put after one space,
so a lookup can fall back to the free base by dropping it (:func:`strip_salt_words`).
"""

from __future__ import annotations

import re
import unicodedata

#: Greek letters as they appear in chemical names, spelt out.
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ω": "omega",
}

#: Salt and hydrate words, each spelling mapped to one canonical word.
_SALT_WORDS = {
    "hcl": "hydrochloride",
    "hydrochloride": "hydrochloride",
    "2hcl": "dihydrochloride",
    "dihcl": "dihydrochloride",
    "dihydrochloride": "dihydrochloride",
    "hbr": "hydrobromide",
    "hydrobromide": "hydrobromide",
    "citrate": "citrate",
    "sulfate": "sulfate",
    "sulphate": "sulfate",
    "phosphate": "phosphate",
    "tartrate": "tartrate",
    "maleate": "maleate",
    "fumarate": "fumarate",
    "oxalate": "oxalate",
    "mesylate": "mesylate",
    "besylate": "besylate",
    "hydrate": "hydrate",
    "monohydrate": "monohydrate",
    "dihydrate": "dihydrate",
    "salt": "salt",
}

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_,'’`\"]+")
_TOKEN_SPLIT = re.compile(r"[\s,]+")
_BRACKETS = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")"})


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for letter, word in _GREEK.items():
        text = text.replace(letter, word).replace(letter.upper(), word)
    return text.casefold().translate(_BRACKETS)


def normalise_chemical_name(text: str) -> str:
    """Fold a chemical name to its comparison key: case, spacing, hyphens, Greek and salt words unified.

    >>> normalise_chemical_name("α-Methyl fentanyl HCl")
    'alphamethylfentanyl hydrochloride'
    >>> normalise_chemical_name("4-AP 2HCl") == normalise_chemical_name("4-ap dihydrochloride")
    True
    """
    tokens = [t for t in _TOKEN_SPLIT.split(_fold(text).strip()) if t]
    # Strip brackets around a trailing salt word: "NPP (HCl)".
    salts: list[str] = []
    while tokens:
        last = tokens[-1].strip("()")
        canonical = _SALT_WORDS.get(last)
        if canonical is None or len(tokens) == 1:
            break
        salts.insert(0, canonical)
        tokens.pop()
    base = _SEPARATORS.sub("", "".join(tokens))
    return " ".join([base, *salts])


def strip_salt_words(key: str) -> str:
    """The free-base part of a name key: the key without its trailing salt or hydrate words."""
    return key.split(" ", 1)[0]


_CAS_FORM = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_check_digit(cas_without_check: str) -> int:
    """The check digit of a CAS number given without it ("1609-66" -> 1).

    Digits are weighted 1, 2, 3 ... from the right and summed; the check digit is the sum
    modulo 10 (the CAS Registry's published rule).
    """
    digits = [int(c) for c in cas_without_check if c.isdigit()]
    if not digits:
        raise ValueError(f"no digits in {cas_without_check!r}")
    return sum(weight * digit for weight, digit in enumerate(reversed(digits), start=1)) % 10


def validate_cas(cas: str) -> str | None:
    """None when ``cas`` is a well-formed CAS number with the right check digit, else the reason."""
    match = _CAS_FORM.match(cas)
    if match is None:
        return f"CAS {cas}: not of the form NNNNNNN-NN-N (2 to 7 digits, 2 digits, 1 check digit)"
    expected = cas_check_digit(match.group(1) + match.group(2))
    if expected != int(match.group(3)):
        return f"CAS {cas}: check digit should be {expected}"
    return None


def looks_like_cas(text: str) -> bool:
    """True when ``text`` has the shape of a CAS number (check digit not tested)."""
    return _CAS_FORM.match(text.strip()) is not None
