"""Watchlist loaders: bundled CSV, OFAC SDN CSV and XML, FollowTheMoney JSON lines, broken files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fentrace.exc import DataFileError, InputError
from fentrace.parties import load_watchlist
from fentrace.parties.watchlist import detect_format


def test_bundled_list_has_the_researched_entities() -> None:
    wl = load_watchlist()
    assert not wl.problems
    by_id = {e.entity_id: e for e in wl.entities}
    amarvel = by_id["ft-hubei-amarvel-biotech-co-ltd"]
    assert amarvel.type == "company"
    assert amarvel.countries == ("CN",)
    assert [a.name for a in amarvel.aliases] == ["AmarvelBio"]
    assert amarvel.listings[0].action == "indictment"
    assert amarvel.listings[0].since == date(2023, 6, 23)
    assert "DOJ press release" in amarvel.listings[0].source
    # one entity with two actions keeps both
    rubio = by_id["ft-ana-gabriela-rubio-zea"]
    assert {li.action for li in rubio.listings} == {"ofac", "indictment"}
    assert rubio.countries == ("GT",)
    # Chinese-character aliases are kept
    assert "武漢碩康生物科技有限公司" in [
        a.name for a in by_id["ft-wuhan-shuokang-biological-technology-co-ltd"].aliases
    ]
    # unverified marks are kept; nicknames are weak aliases
    fnu = {a.name: a for a in by_id["ft-fnu-lnu"].aliases}
    assert fnu["Anita Yang"].unverified
    assert not fnu["Er Yang"].unverified
    assert [(a.name, a.weak) for a in by_id["ft-qingzhou-wang"].aliases] == [("Bruce", True)]
    # the DOJ and OFAC spellings of Hanhong are one entity
    hanhong = by_id["ft-hanhong-pharmaceutical-technology-co-ltd"]
    assert {li.action for li in hanhong.listings} == {"ofac", "indictment"}
    assert "Hanhong Medicine Technology Co." in [a.name for a in hanhong.aliases]
    # "Hong Kong-registered" is a note that adds a country, not an alias
    vast = by_id["ft-hubei-vast-chemical-co-limited"]
    assert vast.aliases == ()
    assert vast.countries == ("CN", "HK")
    assert "Hong Kong-registered" in vast.notes


def test_bundled_summary_counts() -> None:
    summary = load_watchlist().summary()
    assert summary["entities"] == 56
    assert summary["by_type"] == {"person": 26, "company": 20, "cartel": 10}
    assert summary["earliest"] == "2023-04-04"
    assert summary["latest"] == "2025-11-24"


def test_sdn_csv_with_aliases_and_addresses(data_dir: Path) -> None:
    wl = load_watchlist([data_dir / "sdn" / "sdn.csv"])
    assert not wl.problems
    by_id = {e.entity_id: e for e in wl.entities}
    assert set(by_id) == {"ofac-90001", "ofac-90002", "ofac-90003", "ofac-90004"}
    assert by_id["ofac-90001"].type == "company"
    assert [a.name for a in by_id["ofac-90001"].aliases] == ["QIANLONG CHEM"]
    assert by_id["ofac-90001"].countries == ("CN",)
    assert by_id["ofac-90002"].type == "person"
    assert by_id["ofac-90003"].countries == ("MX",)
    assert by_id["ofac-90004"].type == "vessel"
    assert wl.loaded[0].format == "sdn-csv"


def test_sdn_xml(data_dir: Path) -> None:
    wl = load_watchlist([data_dir / "sdn.xml"])
    by_id = {e.entity_id: e for e in wl.entities}
    jintai = by_id["ofac-91001"]
    assert jintai.identifiers == ("FICT-0001",)
    assert [(a.name, a.weak) for a in jintai.aliases] == [("JINTAI PHARMA", False), ("JT", True)]
    assert by_id["ofac-91002"].name == "Meiling ZHOU"
    assert by_id["ofac-91002"].countries == ("HK",)
    assert wl.loaded[0].published == date(2025, 3, 14)
    # the entry without a name is reported with its place in the file, the rest loads
    assert len(wl.problems) == 1
    assert "sdnEntry 3" in str(wl.problems[0])


def test_followthemoney_json_lines(data_dir: Path) -> None:
    wl = load_watchlist([data_dir / "ftm.jsonl"])
    by_id = {e.entity_id: e for e in wl.entities}
    assert set(by_id) == {"fict-ftm-001", "fict-ftm-002", "fict-ftm-004"}  # the Address is no name
    company = by_id["fict-ftm-001"]
    assert company.countries == ("CN",)
    assert company.identifiers == ("FICT-REG-77",)
    assert company.listings[0].action == "sanction"
    assert company.listings[0].since == date(2024, 5, 1)
    assert "南京示例新材料科技有限公司" in [a.name for a in company.aliases]
    assert by_id["fict-ftm-004"].type == "cartel"


def test_bundled_and_extra_lists_together(data_dir: Path) -> None:
    wl = load_watchlist([data_dir / "ftm.jsonl"], bundled=True)
    assert len(wl.entities) == 56 + 3
    assert [item.format for item in wl.loaded] == ["bundled", "ftm"]


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "bad/ftm_bad.jsonl",
            ["record 2: not JSON", "record 3", "record 4, field 'name'", "record 5"],
        ),
        (
            "bad/watchlist_bad.csv",
            [
                "record 3, field 'type'",
                "record 4, field 'since'",
                "record 5, field 'countries'",
                "record 6",
            ],
        ),
        ("bad/sdn.csv", ["record 1: expected 12 fields", "record 3, field 'ent_num'"]),
    ],
)
def test_broken_records_are_located_and_the_rest_loads(
    data_dir: Path, file: str, expected: list[str]
) -> None:
    wl = load_watchlist([data_dir / file])
    messages = [str(p) for p in wl.problems]
    assert len(messages) == len(expected)
    for message, fragment in zip(messages, expected, strict=True):
        assert fragment in message
        assert file.split("/")[-1] in message
    assert wl.entities  # the good records are loaded


@pytest.mark.parametrize(
    ("file", "error", "fragment"),
    [
        ("bad/broken.xml", DataFileError, "not well-formed XML"),
        ("bad/watchlist_missing_columns.csv", DataFileError, "missing columns"),
        ("bad/notutf8.jsonl", DataFileError, "not UTF-8"),
        ("no/such/file.jsonl", InputError, "no such list file"),
        ("sdn/alt.csv", InputError, "needs its sdn.csv"),
        ("conftest.txt", InputError, "cannot tell the list format"),
    ],
)
def test_unreadable_files_raise_a_located_error(
    data_dir: Path, file: str, error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        load_watchlist([data_dir / file])


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sdn/sdn.csv", "sdn-csv"),
        ("sdn/alt.csv", "sdn-alt"),
        ("sdn/add.csv", "sdn-add"),
        ("sdn.xml", "sdn-xml"),
        ("ftm.jsonl", "ftm"),
        ("bad/watchlist_bad.csv", "bundled"),
    ],
)
def test_format_detection(data_dir: Path, name: str, fmt: str) -> None:
    assert detect_format(data_dir / name) == fmt
