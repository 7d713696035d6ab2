"""Reading chemicals and terms out of free text."""

from __future__ import annotations

import pytest

from fentrace.shipments.text import MentionFinder, TermMatcher, cas_check_digit_ok, find_cas_numbers

LEXICON = {
    "NPP": "39742-60-4",
    "N-phenethyl-4-piperidone": "39742-60-4",
    "4-AP": "23056-29-3",
    "1-boc-4-AP": "125541-22-2",
    "ANPP": "21409-26-7",
}


@pytest.mark.parametrize(
    ("cas", "ok"),
    [
        ("39742-60-4", True),
        ("23056-29-3", True),
        ("62-53-3", True),
        ("39742-60-5", False),
        ("1609-66-7", False),
        ("12-3", False),
    ],
)
def test_cas_check_digit(cas: str, ok: bool) -> None:
    assert cas_check_digit_ok(cas) is ok


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("CAS 39742-60-4, 99%", ["39742-60-4"]),
        ("cas:39742-60-5 (typo)", []),
        ("lot 2024-01-15-3 and 62-53-3", ["62-53-3"]),
        ("phone 555-12-3456", []),
        ("62-53-3 and again 62-53-3", ["62-53-3"]),
    ],
)
def test_find_cas_numbers(text: str, found: list[str]) -> None:
    assert find_cas_numbers(text) == found


@pytest.mark.parametrize(
    ("text", "names", "queries"),
    [
        ("NPP 99%", ("npp",), ["39742-60-4"]),
        ("n-phenethyl 4-piperidone, white", ("n-phenethyl-4-piperidone",), ["39742-60-4"]),
        ("1-Boc-4-AP 98% min", ("1-boc-4-ap",), ["125541-22-2"]),
        ("4-AP HCl and ANPP", ("4-ap", "anpp"), ["23056-29-3", "21409-26-7"]),
        ("SNPPX chemicals 14-APX", (), []),
        ("Men's cotton T-shirts", (), []),
        ("", (), []),
    ],
)
def test_mention_finder(text: str, names: tuple[str, ...], queries: list[str]) -> None:
    finder = MentionFinder(LEXICON)
    mentions = finder.find(text)
    assert mentions.names == names
    assert finder.queries(mentions) == queries


def test_mentions_include_cas_from_text() -> None:
    finder = MentionFinder(LEXICON)
    mentions = finder.find("Organic compound, CAS 79099-07-3")
    assert mentions.cas_numbers == ("79099-07-3",)
    assert finder.queries(mentions) == ["79099-07-3"]
    assert bool(mentions)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Pharmaceutical  Intermediate", ["pharmaceutical intermediate"]),
        ("pharmaceutical-intermediate", ["pharmaceutical intermediate"]),
        ("Research chemicals", ["research chemicals"]),
        ("intermediately", []),
        (None, []),
    ],
)
def test_term_matcher(text: str | None, found: list[str]) -> None:
    matcher = TermMatcher(
        ["pharmaceutical intermediate", "research chemicals", "research chemical"]
    )
    assert matcher.find(text) == found
