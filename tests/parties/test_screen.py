"""Screening: look-alikes side by side with true variants, the result contract, bad input, quality."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fentrace.exc import UsageError
from fentrace.parties import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    PartyScreener,
    load_watchlist,
)
from fentrace.parties.evaluate import flagged_match, flagged_review, judge, load_labels
from fentrace.parties.screen import split_parties

EVALUATION = Path(__file__).parents[2] / "benchmarks" / "data" / "parties" / "evaluation.csv"

CASES = [
    # (query, country, verdict, entity id of the best match or None)
    ("HUBEI AMARVEL BIO-TECH CO LTD", None, "match", "ft-hubei-amarvel-biotech-co-ltd"),
    ("Hubei Green Valley Textiles Co Ltd", None, "none", None),
    (
        "Shuokang Biological Technology (Wuhan)",
        None,
        "match",
        "ft-wuhan-shuokang-biological-technology-co-ltd",
    ),
    ("Wuhan Biotech Trading Co", None, "none", None),
    ("武漢碩康生物科技有限公司", None, "match", "ft-wuhan-shuokang-biological-technology-co-ltd"),
    ("湖北奥克斯生物科技有限公司", None, "match", "ft-hubei-aoks-bio-tech-co-ltd"),
    ("Hubei Aoxin Bio-Tech Co Ltd", None, "none", None),
    ("Sinaloa Cartel", None, "match", "ft-cartel-de-sinaloa"),
    ("Sinaloa Fresh Produce SA de CV", "MX", "none", None),
    ("Jalisco New Generation Cartel", None, "match", "ft-cartel-de-jalisco-nueva-generacion"),
    ("Jalisco Tequila Exports", "MX", "none", None),
    ("Cartel del Golfo", None, "match", "ft-cartel-del-golfo"),
    ("Golfo Logistics", None, "none", None),
    # a cartel's place word alone, without "cartel": worth a look, not a stop
    ("Golfo", None, "possible", "ft-cartel-del-golfo"),
    ("Sinaloa", None, "possible", "ft-cartel-de-sinaloa"),
    ("CJNG", None, "match", "ft-cartel-de-jalisco-nueva-generacion"),
    ("CJNG Imports SA de CV", None, "none", None),
    ("MS-13", None, "match", "ft-mara-salvatrucha"),
    ("MS Shipping 13 Ltd", None, "none", None),
    ("Wang Qingzhou", None, "match", "ft-qingzhou-wang"),
    ("Qingzhou Wang", None, "match", "ft-qingzhou-wang"),
    ("WANG QING ZHOU", None, "match", "ft-qingzhou-wang"),
    ("Wang Hongwei", None, "none", None),
    # a typing slip in a person's name is worth a look, not a stop
    ("Qingzou Wang", None, "possible", "ft-qingzhou-wang"),
    ("RUBIO ZEA, Ana Gabriela", "GT", "match", "ft-ana-gabriela-rubio-zea"),
    ("Ana Rubio Garcia", None, "none", None),
    (
        "JIANGSU BANG DE YA NEW MATERIAL TECH CO LTD",
        None,
        "match",
        "ft-jiangsu-bangdeya-new-material-technology-co",
    ),
    ("Jiangsu New Material Technology Co Ltd", None, "none", None),
    ("Zhang Wei Trading Co Ltd", None, "none", None),
    ("HEBEI SHENGHAO IMP & EXP CO", None, "match", "ft-hebei-shenghao-import-and-export-co"),
    ("Hebei Shengtai Import and Export Co Ltd", None, "none", None),
    (
        "Hanhong Medicine Technology Co",
        None,
        "match",
        "ft-hanhong-pharmaceutical-technology-co-ltd",
    ),
    ("Hanhong Logistics Co", None, "none", None),
    # a different trade word for a listed name: worth a look, not a stop
    ("Hubei Amarvel Chemical Co Ltd", None, "possible", "ft-hubei-amarvel-biotech-co-ltd"),
    # a different province for the same words: worth a look
    ("Hebei Vast Chemical Co Ltd", None, "possible", "ft-hubei-vast-chemical-co-limited"),
]


@pytest.mark.parametrize(("query", "country", "verdict", "entity"), CASES)
def test_cases(
    screener: PartyScreener, query: str, country: str | None, verdict: str, entity: str | None
) -> None:
    result = screener.screen(query, country)
    assert result.verdict == verdict, [m.to_dict() for m in result.matches]
    if entity is None:
        assert not result.matches
    else:
        assert result.best is not None
        assert result.best.entity_id == entity


def test_the_done_when_result_has_explanation_action_date_source(screener: PartyScreener) -> None:
    result = screener.screen("HUBEI AMARVEL BIO-TECH CO LTD")
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["query"] == "HUBEI AMARVEL BIO-TECH CO LTD"
    assert payload["verdict"] == "match"
    best = payload["matches"][0]
    assert best["entity_id"] == "ft-hubei-amarvel-biotech-co-ltd"
    assert best["name"] == "Hubei Amarvel Biotech Co., Ltd."
    assert best["action"] == "indictment"
    assert best["since"] == "2023-06-23"
    assert best["lists"] == ["us-doj-indictments"]
    assert "DOJ press release" in best["source"]
    assert best["score"] >= MATCH_THRESHOLD
    assert set(best["features"]) >= {"name_tokens", "distinctive"}
    assert sum(best["contributions"].values()) == pytest.approx(best["score"], abs=1e-3)
    assert any("distinctive" in line and "'amarvel'" in line for line in best["explanation"])


def test_country_agreement_and_mismatch_move_the_score(screener: PartyScreener) -> None:
    plain = screener.screen("Xiamen Wonderful Biotech").best
    same = screener.screen("Xiamen Wonderful Biotech", "CN").best
    other = screener.screen("Xiamen Wonderful Biotech", "US").best
    assert plain
    assert same
    assert other
    assert same.score > plain.score > other.score
    assert "country_differs" in other.features


def test_identifier_match(data_dir: Path) -> None:
    screener = PartyScreener(load_watchlist([data_dir / "sdn.xml"]))
    result = screener.screen("Jintai Trading", identifiers=["fict-0001"])
    assert result.verdict == "match"
    assert result.best
    assert result.best.features["identifier"] == 1.0


def test_screening_against_sdn_and_ftm_files(data_dir: Path) -> None:
    screener = PartyScreener(load_watchlist([data_dir / "sdn" / "sdn.csv", data_dir / "ftm.jsonl"]))
    assert screener.screen("Qianlong Example Chemical Co Ltd").verdict == "match"
    assert screener.screen("Haoyu Lin").verdict == "match"
    assert screener.screen("Distribuidora Ficticia del Norte SA de CV").verdict == "match"
    assert screener.screen("南京示例新材料科技有限公司").verdict == "match"
    assert screener.screen("Hubei Amarvel Biotech").verdict == "none"  # bundled list left out


def test_unverified_alias_is_never_more_than_possible(screener: PartyScreener) -> None:
    result = screener.screen("Anita Yang")
    assert result.verdict == "possible"
    assert result.best
    assert result.best.unverified_alias
    assert any("unverified" in line for line in result.best.explanation)
    assert screener.screen("Er Yang").verdict == "match"


def test_nicknames_match_only_whole_and_only_as_possible(screener: PartyScreener) -> None:
    assert screener.screen("Bruce").verdict == "possible"
    assert screener.screen("Bruce Lee Trading").verdict == "none"


@pytest.mark.parametrize("name", ["", "   ", "()", "Fnu Lnu"])
def test_names_with_nothing_to_screen_give_an_error_not_a_crash(
    screener: PartyScreener, name: str
) -> None:
    result = screener.screen(name)
    assert result.verdict == "none"
    assert result.error
    assert result.to_dict()["error"] == result.error


def test_a_very_long_name_is_capped_with_a_warning(screener: PartyScreener) -> None:
    result = screener.screen("HUBEI AMARVEL BIOTECH CO LTD " + "Z" * 100_000)
    assert any("longer than" in w for w in result.warnings)


def test_mixed_scripts_are_screened_with_a_warning(screener: PartyScreener) -> None:
    result = screener.screen("Wuhan Shuokang 生物科技 Co Ltd")
    assert result.verdict == "match"
    assert any("mixes scripts" in w for w in result.warnings)


def test_a_bad_country_is_ignored_with_a_warning(screener: PartyScreener) -> None:
    result = screener.screen("Hubei Amarvel Biotech", "Narnia")
    assert result.verdict == "match"
    assert result.country is None
    assert any("Narnia" in w for w in result.warnings)


def test_screen_many_keeps_order_and_checks_lengths(screener: PartyScreener) -> None:
    names = ["Golfo Logistics", "CJNG", "", "CJNG"]
    results = screener.screen_many(names)
    assert [r.query for r in results] == names
    assert [r.verdict for r in results] == ["none", "match", "none", "match"]
    with pytest.raises(UsageError, match="one country"):
        screener.screen_many(["a", "b"], ["CN"])


def test_thresholds_are_ordered() -> None:
    assert 0.0 < POSSIBLE_THRESHOLD < MATCH_THRESHOLD <= 1.0


def test_blocking_does_not_score_every_name(screener: PartyScreener) -> None:
    from fentrace.parties.normalise import normalise_name

    assert len(screener.candidates(normalise_name("Hubei Amarvel Biotech"))) < 5
    assert screener.candidates(normalise_name("Completely Unrelated Widgets")) == []


def test_quality_on_the_evaluation_set_against_the_bundled_list(screener: PartyScreener) -> None:
    labels = load_labels(EVALUATION)
    results = [screener.screen(label.query, label.country) for label in labels]
    review = judge(labels, results, flagged_review)
    stop = judge(labels, results, flagged_match)
    detail = (review.misses, review.false_alarms)
    assert review.precision >= 0.95, detail
    assert review.recall >= 0.95, detail
    assert stop.precision >= 0.98, (stop.misses, stop.false_alarms)
    assert stop.recall >= 0.90, (stop.misses, stop.false_alarms)


@pytest.mark.parametrize("country", [float("nan"), 86, "  "])
def test_a_country_that_is_no_text_is_ignored(screener: PartyScreener, country: object) -> None:
    result = screener.screen("Hubei Amarvel Biotech", country)  # type: ignore[arg-type]
    assert result.verdict == "match"
    assert result.country is None
    assert bool(result.warnings) is (country != "  ")


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        (
            "ABC LOGISTICS LTD C/O HUBEI AMARVEL BIOTECH",
            ["ABC LOGISTICS LTD", "HUBEI AMARVEL BIOTECH"],
        ),
        ("Green Valley Trading t/a Shuokang Biotech", ["Green Valley Trading", "Shuokang Biotech"]),
        ("XYZ Freight on behalf of CJNG", ["XYZ Freight", "CJNG"]),
        ("Alpha SA de CV / Beta Ltd", ["Alpha SA de CV", "Beta Ltd"]),
        ("Hebei Shenghao I/E Co", ["Hebei Shenghao I/E Co"]),
        ("Import/Export Co", ["Import/Export Co"]),
        ("Hubei Amarvel Biotech Co Ltd", ["Hubei Amarvel Biotech Co Ltd"]),
    ],
)
def test_split_parties(name: str, parts: list[str]) -> None:
    assert split_parties(name) == parts


def test_each_party_of_a_joined_name_is_screened(screener: PartyScreener) -> None:
    result = screener.screen("ABC LOGISTICS LTD C/O HUBEI AMARVEL BIOTECH CO LTD")
    assert result.verdict == "match"
    assert result.best is not None
    assert result.best.entity_id == "ft-hubei-amarvel-biotech-co-ltd"
    assert any("part 'HUBEI AMARVEL BIOTECH CO LTD'" in line for line in result.best.explanation)
    assert any("2 parties" in w for w in result.warnings)
    clear = screener.screen("Sinaloa Fresh Produce SA de CV / Golfo Logistics")
    assert clear.verdict == "none"


def test_every_action_on_the_entity_is_listed(screener: PartyScreener) -> None:
    best = screener.screen("Ana Gabriela Rubio Zea").best
    assert best is not None
    assert (best.action, str(best.since)) == ("indictment", "2023-04-04")  # the earliest
    listings = best.to_dict()["listings"]
    assert {(li["action"], li["list"], li["since"]) for li in listings} == {
        ("ofac", "us-ofac-sdn", "2023-04-14"),
        ("indictment", "us-doj-indictments", "2023-04-04"),
    }
