"""Building the bundled watchlist from the research table: alias splitting rules and reproducibility."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from fentrace.exc import DataFileError
from fentrace.parties.build import build_rows, entity_id, main, split_alias_field, write_rows

ALIAS_FIELDS = [
    # (research alias column, aliases, weak aliases, notes, countries)
    ("AmarvelBio", ["AmarvelBio"], [], [], []),
    ("'Bruce' (per press)", [], ["Bruce"], ["Bruce: per press"], []),
    (
        "a/k/a 'Er Yang'; some reports name 'Anita Yang' (unverified)",
        ["Er Yang", "Anita Yang (unverified)"],
        [],
        ["some reports name Anita Yang"],
        [],
    ),
    (
        "Hanhong Medicine Technology Co. (DOJ wording); Wuhan-based",
        ["Hanhong Medicine Technology Co."],
        [],
        ["Hanhong Medicine Technology Co.: DOJ wording", "Wuhan-based"],
        [],
    ),
    ("Hong Kong-registered", [], [], ["Hong Kong-registered"], ["HK"]),
    ("湖北奧克斯生物科技有限公司; Wuhan", ["湖北奧克斯生物科技有限公司"], [], ["place: Wuhan"], []),
    ("director of Hubei Aoks", [], [], ["director of Hubei Aoks"], []),
    (
        "employee alias as named in indictment",
        [],
        [],
        ["employee alias as named in indictment"],
        [],
    ),
    (
        "CDN|Northeast Cartel|Los Zetas (formerly)",
        ["CDN", "Northeast Cartel", "Los Zetas"],
        [],
        ["Los Zetas: formerly"],
        [],
    ),
    ("", [], [], [], []),
]


@pytest.mark.parametrize(("text", "aliases", "weak", "notes", "countries"), ALIAS_FIELDS)
def test_split_alias_field(
    text: str, aliases: list[str], weak: list[str], notes: list[str], countries: list[str]
) -> None:
    parts = split_alias_field(text)
    assert (parts.aliases, parts.weak_aliases, parts.notes, parts.countries) == (
        aliases,
        weak,
        notes,
        countries,
    )


def test_entity_ids_are_stable_slugs() -> None:
    assert entity_id("Hubei Amarvel Biotech Co., Ltd.") == "ft-hubei-amarvel-biotech-co-ltd"
    assert entity_id("MS-13") == "ft-ms-13"


def test_bundled_file_is_the_build_of_the_research_table(data_dir: Path) -> None:
    research = (data_dir / "entities_research.csv").read_text(encoding="utf-8")
    built = write_rows(build_rows(research, "entities_research.csv"))
    bundled = (
        resources.files("fentrace.reference")
        .joinpath("data", "watchlist.csv")
        .read_text(encoding="utf-8")
    )
    assert built == bundled


def test_build_rejects_an_unknown_country() -> None:
    text = (
        "name,aliases,country,type,action,date,source\nX Co,,Atlantis,company,ofac,2024-01-01,s\n"
    )
    with pytest.raises(DataFileError, match="record 2, field 'country'"):
        build_rows(text, "e.csv")


def test_build_rejects_missing_columns() -> None:
    with pytest.raises(DataFileError, match="needs columns"):
        build_rows("name,aliases\nX,\n", "e.csv")


def test_build_command(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "watchlist.csv"
    assert main([str(data_dir / "entities_research.csv"), str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("entity_id,type,name,")
    assert main([]) == 2
