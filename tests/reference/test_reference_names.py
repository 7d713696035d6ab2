"""Name normalisation and CAS check digits: case tables, positives and negatives side by side."""

from __future__ import annotations

import pytest

from fentrace.reference import (
    cas_check_digit,
    looks_like_cas,
    normalise_chemical_name,
    strip_salt_words,
    validate_cas,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Norfentanyl", "NORFENTANYL"),
        ("4-ANPP", "4 anpp"),
        ("4-ANPP", "4ANPP"),
        ("α-methylfentanyl", "alpha-Methylfentanyl"),
        ("β-hydroxyfentanyl", "beta hydroxyfentanyl"),
        ("Β-hydroxyfentanyl", "beta-hydroxyfentanyl"),
        ("4-AP 2HCl", "4-AP dihydrochloride"),
        ("fentanyl HCl", "Fentanyl hydrochloride"),
        ("NPP (HCl)", "NPP hydrochloride"),
        ("1-(2-phenylethyl)piperidin-4-one", "1-[2-phenylethyl]piperidin-4-one"),
        ("N–phenethyl–4–piperidone", "N-phenethyl-4-piperidone"),
        ("fentanyl sulphate", "fentanyl sulfate"),
    ],
)
def test_variants_share_a_key(left: str, right: str) -> None:
    assert normalise_chemical_name(left) == normalise_chemical_name(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("ANPP", "NPP"),
        ("4-AP", "4-ANPP"),
        ("4-AP", "4-AP dihydrochloride"),  # the salt keeps its own key; lookups fall back
        ("alpha-methylfentanyl", "beta-methylfentanyl"),
        ("1-boc-4-AP", "1-boc-4-piperidone"),
        ("2-fluorofentanyl", "3-fluorofentanyl"),
    ],
)
def test_different_names_keep_different_keys(left: str, right: str) -> None:
    assert normalise_chemical_name(left) != normalise_chemical_name(right)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("4-AP dihydrochloride", "4ap"),
        ("fentanyl citrate", "fentanyl"),
        ("4-piperidone hydrochloride monohydrate", "4piperidone"),
        ("norfentanyl", "norfentanyl"),
        ("salt", "salt"),  # a lone salt word is the name itself
    ],
)
def test_strip_salt_words(name: str, base: str) -> None:
    assert strip_salt_words(normalise_chemical_name(name)) == base


@pytest.mark.parametrize(
    ("body", "digit"),
    [("1609-66", 1), ("39742-60", 4), ("21409-26", 7), ("437-38", 7), ("79099-07", 3)],
)
def test_cas_check_digit(body: str, digit: int) -> None:
    assert cas_check_digit(body) == digit


def test_cas_check_digit_needs_digits() -> None:
    with pytest.raises(ValueError, match="no digits"):
        cas_check_digit("--")


@pytest.mark.parametrize(
    ("cas", "problem"),
    [
        ("1609-66-1", None),
        ("39742-60-4", None),
        ("1609-66-7", "CAS 1609-66-7: check digit should be 1"),
        ("39742-60-5", "CAS 39742-60-5: check digit should be 4"),
        (
            "1609661",
            "CAS 1609661: not of the form NNNNNNN-NN-N (2 to 7 digits, 2 digits, 1 check digit)",
        ),
        (
            "12345678-00-1",
            "CAS 12345678-00-1: not of the form NNNNNNN-NN-N (2 to 7 digits, 2 digits, 1 check digit)",
        ),
    ],
)
def test_validate_cas(cas: str, problem: str | None) -> None:
    assert validate_cas(cas) == problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1609-66-1", True), (" 437-38-7 ", True), ("NPP", False), ("2933.37", False)],
)
def test_looks_like_cas(text: str, expected: bool) -> None:
    assert looks_like_cas(text) is expected
