"""Reading chemicals and terms out of free text."""

from __future__ import annotations

import pytest

from fentrace.shipments.text import (
    MentionFinder,
    TermMatcher,
    cas_check_digit_ok,
    find_cas_numbers,
    fold_accents,
    systematic_names,
)

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


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Química Agrícola", "Quimica Agricola"),
        ("FERRETERÍA", "FERRETERIA"),
        ("餐饮", "餐饮"),
        ("año", "ano"),
    ],
)
def test_fold_accents_keeps_length(text: str, folded: str) -> None:
    assert fold_accents(text) == folded
    assert len(fold_accents(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("1-phenethylpiperidin-4-one, 99% purity", ["1-phenethylpiperidin-4-one"]),
        (
            "tert-butyl 4-(phenylamino)piperidine-1-carboxylate",
            ["tert-butyl 4-(phenylamino)piperidine-1-carboxylate"],
        ),
        (
            "N-(1-phenethylpiperidin-4-yl)-N-phenylpropionamide",
            ["N-(1-phenethylpiperidin-4-yl)-N-phenylpropionamide"],
        ),
        ("T-shirts 100% cotton, size M-L", []),
        ("Brake pads for passenger cars", []),
        ("CAS 21409-26-7", []),
        ("tert-butyl", []),
        ("Intermediate (4-anilinopiperidine) 5 kg", ["4-anilinopiperidine"]),
        (
            "(1-phenethylpiperidin-4-yl)-N-phenylamine",
            ["(1-phenethylpiperidin-4-yl)-N-phenylamine"],
        ),
        (None, []),
    ],
)
def test_systematic_names(text: str | None, names: list[str]) -> None:
    assert systematic_names(text) == names


def test_terms_are_quoted_as_written_accents_optional() -> None:
    matcher = TermMatcher(["ferreteria", "餐饮", "taller mecanico"])
    assert matcher.find_quoted("FERRETERÍA El Tornillo; Taller  Mecánico; 深圳餐饮管理") == {
        "ferreteria": "FERRETERÍA",
        "taller mecanico": "Taller  Mecánico",
        "餐饮": "餐饮",
    }


def test_mentions_in_other_languages_quote_their_words() -> None:
    finder = MentionFinder(
        {"1-phenethyl-4-piperidone": "39742-60-4"},
        {"N-fenetil-4-piperidona": "39742-60-4", "N-苯乙基-4-哌啶酮": "39742-60-4"},
    )
    spanish = finder.find("N-Fenetil-4-Piperidona 25 kg")
    assert finder.quoted_queries(spanish) == {"39742-60-4": "N-Fenetil-4-Piperidona"}
    chinese = finder.find("N-苯乙基-4-哌啶酮 25公斤")
    assert finder.quoted_queries(chinese) == {"39742-60-4": "N-苯乙基-4-哌啶酮"}
    unknown = finder.find("1-phenethylpiperidin-4-one")
    assert unknown.systematic == ("1-phenethylpiperidin-4-one",)
    assert not unknown  # no known name: OPSIN decides
