"""A real-format OFAC SDN extract (ten records of the May 2024 sdn.csv, alt.csv, add.csv):
people with aliases, remarks parsed into births, nationalities and document numbers, and
screening with a date of birth, an identifier, a kind and a programme."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fentrace.cli import main
from fentrace.parties import PartyScreener, load_watchlist
from fentrace.parties.cache import index_key, load_screener
from fentrace.parties.screen import parse_query_birth_date
from fentrace.parties.watchlist import parse_birth_date, parse_remarks, split_programs

EXTRACT = Path(__file__).parent / "data" / "sdn_extract"
SDN = EXTRACT / "sdn.csv"


@pytest.fixture(scope="module")
def screener() -> PartyScreener:
    return PartyScreener(load_watchlist([SDN], bundled=False))


def test_extract_loads_people_aliases_and_remarks() -> None:
    watchlist = load_watchlist([SDN], bundled=False)
    assert not watchlist.problems
    by_id = {e.entity_id: e for e in watchlist.entities}
    mayo = by_id["ofac-7226"]
    assert mayo.type == "person"
    assert mayo.birth_dates == ("1948",)
    assert "MX" in mayo.countries
    assert mayo.programs == ("SDNTK", "ILLICIT-DRUGS-EO14059")
    names = {a.name: a for a in mayo.aliases}
    assert "ZAMBADA GARCIA, Ismael Mario" in names  # alt.csv
    assert names["El Mayo"].weak  # remarks a.k.a.: a nickname
    monica = by_id["ofac-10357"]
    assert monica.birth_dates == ("1980-03-02", "1980-04-02")
    assert set(monica.identifiers) == {
        "040037016",
        "95040018272",
        "ZANM-800402",
        "ZANM800402MSLMBN02",
    }
    assert by_id["ofac-26468"].type == "company"


@pytest.mark.parametrize(
    ("remark", "births", "ids", "nationalities"),
    [
        ("DOB 1948; nationality Mexico; a.k.a. 'El Mayo'.", ("1948",), (), ("MX",)),
        ("DOB circa 1962; Passport A123456 (Iran).", ("~1962",), ("A123456",), ()),
        (
            "DOB 1960 to 1962; citizen Russia; Tax ID No. 7701234567 (Russia).",
            ("1960/1962",),
            ("7701234567",),
            ("RU",),
        ),
        ("Website www.x.com; Phone 123456; Organization Established Date 13 May 1994.", (), (), ()),
        ("Vessel Registration Identification IMO 9187629.", (), ("9187629",), ()),
        ("", (), (), ()),
    ],
)
def test_remarks(
    remark: str, births: tuple[str, ...], ids: tuple[str, ...], nationalities: tuple[str, ...]
) -> None:
    parsed = parse_remarks(remark)
    assert parsed.birth_dates == births
    assert parsed.identifiers == ids
    assert parsed.nationalities == nationalities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22 Nov 1982", "1982-11-22"),
        ("Nov 1982", "1982-11"),
        ("1948", "1948"),
        ("31 Feb 1980", "1980-02"),
        ("unknown", None),
    ],
)
def test_birth_dates(text: str, expected: str | None) -> None:
    assert parse_birth_date(text) == expected


def test_programs_split() -> None:
    assert split_programs("SDNTK] [ILLICIT-DRUGS-EO14059") == ("SDNTK", "ILLICIT-DRUGS-EO14059")
    assert split_programs("") == ()


@pytest.mark.parametrize(
    ("query", "verdict", "entity"),
    [
        ("Ismael Zambada Garcia", "match", "ofac-7226"),
        ("Ismael Zambada", "match", "ofac-7226"),  # second surname dropped
        ("Joaquin Guzman", "match", "ofac-6861"),
        ("Sergey Burlakov", "match", "ofac-35571"),  # patronymic dropped
        ("Sergei Burlakov", "match", "ofac-35571"),  # romanisation
        ("Sultan Bashir-Ud-Din Mehmood", "match", "ofac-7133"),  # Mehmood / Mahmood
        ("Aleksandr Lukashenko", "match", "ofac-9760"),
        ("Zambada Garcia", "possible", "ofac-7226"),  # no given name
        ("Ismael Guzman", "none", None),  # another family
        ("Maria Zambada Garcia", "none", None),  # another given name
        ("SMILE TECHNOLOGIES CANADA LIMITED LIABILITY COMPANY", "match", "ofac-26468"),
    ],
)
def test_people_and_companies(
    screener: PartyScreener, query: str, verdict: str, entity: str | None
) -> None:
    result = screener.screen(query)
    assert result.verdict == verdict, [m.to_dict() for m in result.matches]
    if entity is not None:
        assert result.matches[0].entity_id == entity


def test_date_of_birth_agrees_and_conflicts(screener: PartyScreener) -> None:
    agrees = screener.screen("Joaquin Guzman", birth_date="1954-12-25").matches[0]
    assert "birth_date_agrees" in agrees.features
    conflict = screener.screen("Joaquin Guzman", birth_date="1990-01-01")
    assert conflict.verdict != "match"
    best = conflict.best
    assert best is not None
    assert "birth_year_differs" in best.features
    assert any("1990-01-01 / 1954-12-25" in line for line in best.explanation)


def test_an_identifier_hit_decides(screener: PartyScreener) -> None:
    result = screener.screen("M. Z. N.", identifiers=["ZANM 800402 MSLMBN02"])
    assert result.verdict == "match"
    assert result.matches[0].entity_id == "ofac-10357"
    assert any("ZANM800402MSLMBN02" in line for line in result.matches[0].explanation)


def test_kind_mismatch_is_penalised_and_named(screener: PartyScreener) -> None:
    assert screener.screen("Ismael Zambada Garcia", kind="company").verdict == "none"
    assert screener.screen("Ismael Zambada Garcia", kind="person").verdict == "match"
    # an identifier still decides, and the explanation names the kind that differs
    result = screener.screen(
        "Monica del Rosario Zambada Niebla", kind="company", identifiers=["040037016"]
    )
    best = result.best
    assert best is not None
    assert "kind_differs" in best.features
    assert any("company / person" in line for line in best.explanation)


def test_programme_filter_and_report() -> None:
    watchlist = load_watchlist([SDN], bundled=False)
    drugs = PartyScreener(watchlist, programs=["ILLICIT-DRUGS-EO14059"])
    assert drugs.screen("Ismael Zambada").matches[0].programs == ("SDNTK", "ILLICIT-DRUGS-EO14059")
    assert drugs.screen("Joaquin Guzman").verdict == "none"  # SDNTK only


def test_cache_is_keyed_on_the_files(tmp_path: Path) -> None:
    listed = tmp_path / "list"
    listed.mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        (listed / name).write_bytes((EXTRACT / name).read_bytes())
    cache = tmp_path / "cache"
    first = load_screener([listed / "sdn.csv"], bundled=False, directory=cache)
    second = load_screener([listed / "sdn.csv"], bundled=False, directory=cache)
    assert (first.origin, second.origin) == ("built", "cached")
    assert second.screener.screen("Ismael Zambada").verdict == "match"
    key = index_key([listed / "sdn.csv"], False)
    (listed / "alt.csv").write_bytes(b"")  # an alias file changed: another key
    assert index_key([listed / "sdn.csv"], False) != key
    assert load_screener([listed / "sdn.csv"], bundled=False, directory=cache).origin == "built"
    damaged = next(cache.glob("*.pickle"))
    damaged.write_bytes(b"not a pickle")
    rebuilt = load_screener([listed / "sdn.csv"], bundled=False, directory=cache)
    assert rebuilt.screener.screen("Ismael Zambada").verdict == "match"


def test_cli_screens_a_person_with_a_date_of_birth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENTRACE_CACHE_DIR", str(tmp_path))
    code = main(
        [
            "parties",
            "screen",
            "Ismael Zambada",
            "--dob",
            "1948",
            "--country",
            "MX",
            "--list",
            str(SDN),
            "--no-bundled",
            "--program",
            "SDNTK",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)[0]
    assert result["verdict"] == "match"
    best = result["matches"][0]
    assert best["programs"] == ["SDNTK", "ILLICIT-DRUGS-EO14059"]
    assert "birth_date_agrees" in best["features"]


def test_cli_rejects_an_unknown_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FENTRACE_CACHE_DIR", str(tmp_path))
    assert (
        main(["parties", "screen", "X", "--kind", "ship", "--list", str(SDN), "--no-bundled"]) == 2
    )


def test_cli_screen_file_dob_and_kind_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENTRACE_CACHE_DIR", str(tmp_path))
    table = tmp_path / "names.csv"
    table.write_text(
        "name,dob,kind\nIsmael Zambada,1948,person\nJoaquin Guzman,1990,person\nSMILE WALLET,,spaceship\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "parties",
            "screen-file",
            str(table),
            "--column",
            "name",
            "--dob-column",
            "dob",
            "--kind-column",
            "kind",
            "-o",
            str(out),
            "--list",
            str(SDN),
            "--no-bundled",
        ]
    )
    assert code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["verdict"] for r in rows] == ["match", "possible", "match"]
    assert rows[0]["programs"] == "SDNTK|ILLICIT-DRUGS-EO14059"
    assert "row 4, field 'kind'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1978-03-02", "1978-03-02"),
        ("1978-03", "1978-03"),
        ("1978", "1978"),
        ("1978-03-02 00:00:00", "1978-03-02"),
        ("1948.0", "1948"),
        ("1978-02-30", None),
        ("02/03/1978", None),
        ("", None),
    ],
)
def test_query_birth_dates(value: str, expected: str | None) -> None:
    assert parse_query_birth_date(value) == expected


def test_a_bad_birth_date_is_a_warning_not_an_error(screener: PartyScreener) -> None:
    result = screener.screen("Ismael Zambada", birth_date="02/03/1978")
    assert result.verdict == "match"
    assert any("date of birth" in w for w in result.warnings)


@pytest.mark.parametrize("file", ["sdn.csv", "sdn.xml", "ftm.jsonl"])
def test_csv_xml_and_ftm_give_the_same_attributes(file: str) -> None:
    watchlist = load_watchlist([EXTRACT / file], bundled=False)
    assert not watchlist.problems
    by_name = {e.name.upper().replace(",", ""): e for e in watchlist.entities}
    mayo = next(e for n, e in by_name.items() if "ISMAEL" in n and "ZAMBADA GARCIA" in n)
    monica = next(e for n, e in by_name.items() if "MONICA" in n)
    assert mayo.birth_dates == ("1948",)
    assert set(mayo.programs) == {"SDNTK", "ILLICIT-DRUGS-EO14059"}
    assert "MX" in mayo.countries
    assert any(a.weak and a.name == "Mayo" for a in mayo.aliases)
    assert monica.birth_dates == ("1980-03-02", "1980-04-02")
    assert {"040037016", "ZANM800402MSLMBN02"} <= set(monica.identifiers)
    screener = PartyScreener(watchlist)
    assert screener.screen("Ismael Zambada", birth_date="1948").verdict == "match"
    assert screener.screen("Ismael Zambada", birth_date="1990").verdict == "possible"
