"""Chemical and party screening on Spark equal ``chem screen-file`` / ``parties screen-file``."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from tests.spark.conftest import collect

from fentrace.chemistry.batch import screen_file
from fentrace.cli import cli
from fentrace.exc import InputError, UsageError
from fentrace.parties import load_watchlist
from fentrace.reference import load_knowledge_base
from fentrace.spark.chem import screen_structures, structure_counts
from fentrace.spark.manifest import ROW_COLUMN, number_rows
from fentrace.spark.parties import match_parties, party_counts

pytestmark = pytest.mark.spark

AS_OF = date(2025, 1, 1)
RINGS = ["c1ccccc1{a}", "c1ccncc1{a}", "C1CCN({a})CC1", "C1CCC({a})CC1", "c1ccc2[nH]ccc2c1{a}"]
GROUPS = ["", "C", "CC", "F", "Cl", "O", "N", "C(=O)O", "CCc1ccccc1", "C(=O)N(C)C", "OC"]
BROKEN = ["C1CC", "not a structure", "c1ccccc", "C(C(C", "Xx"]


def structure_set(count: int = 2500, seed: int = 13) -> list[str]:
    """An approved-drug-sized set: generated rings and chains, the knowledge base's own
    structures, repeats, and some broken or empty records (they must come back rejected)."""
    rng = random.Random(seed)
    known = [s.smiles for s in load_knowledge_base().substances.values() if s.smiles]
    pool = [r.format(a=g) for r in RINGS for g in GROUPS]
    pool += [f"{a}{b}".replace("{a}", g) for a in RINGS for b in GROUPS[1:6] for g in GROUPS[:4]]
    pool += known + BROKEN
    out = [rng.choice(pool) for _ in range(count)]
    out[7] = ""
    return out


@pytest.fixture(scope="module")
def structures(tmp_path_factory: Any) -> tuple[Path, pl.DataFrame]:
    """The set as CSV (for the single-process reader) and Parquet (for Spark), and the
    single-process ``screen-file`` result."""
    folder = tmp_path_factory.mktemp("chem")
    smiles = structure_set()
    ids = [f"M{i}" if i % 11 else "" for i in range(len(smiles))]
    with (folder / "set.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "smiles"])
        writer.writerows(zip(ids, smiles, strict=True))
    pl.DataFrame({"id": ids, "smiles": smiles}).write_parquet(folder / "set.parquet")
    screen_file(folder / "set.csv", str(folder / "single.parquet"), "parquet", AS_OF, jobs=1)
    return folder, pl.read_parquet(folder / "single.parquet")


@pytest.mark.parametrize("partitions", [1, 3, 17])
def test_structures_equal_chem_screen_file(
    spark: Any, structures: tuple[Path, pl.DataFrame], partitions: int
) -> None:
    folder, single = structures
    frame = spark.read.parquet(str(folder / "set.parquet"))
    if partitions == 1:
        result = screen_structures(frame, "smiles", AS_OF, id_column="id")
    else:
        shuffled = number_rows(frame).withColumnRenamed(ROW_COLUMN, "n").repartition(partitions)
        result = screen_structures(shuffled, "smiles", AS_OF, id_column="id", row_column="n")
    got = collect(result).sort("record")
    assert got.columns == single.columns
    assert got.equals(single.sort("record"))
    counts = structure_counts(result)
    assert counts.read == single.height
    assert counts.rejected == single.filter(~pl.col("resolved")).height > len(BROKEN) - 1
    assert counts.verdicts["clear"] > 0
    assert len(counts.verdicts) > 1


def test_structures_need_the_named_column(spark: Any) -> None:
    frame = spark.createDataFrame([("CCO",)], ["structure"])
    with pytest.raises(InputError, match="column 'smiles' not in the data"):
        screen_structures(frame, "smiles")


def party_names(count: int = 2500, seed: int = 5) -> list[tuple[str | None, str | None]]:
    """Listed names as written, upper-cased, with their legal form changed or letters
    dropped; ordinary company names; a few empty names."""
    rng = random.Random(seed)
    listed = [e.name for e in load_watchlist().entities]
    pool: list[tuple[str | None, str | None]] = []
    for name in listed:
        pool += [
            (name, "CN"),
            (name.upper(), None),
            (name.replace("Co., Ltd.", "Company Limited"), "CN"),
        ]
        pool.append((name[: max(3, len(name) - 2)], "HK"))
    words = ["Golden", "River", "Chemical", "Trading", "Pharma", "Export", "Star", "Bio", "Tech"]
    for _ in range(400):
        firm = " ".join(rng.sample(words, 3)) + rng.choice([" Co., Ltd.", " LLC", " S.A. de C.V."])
        pool.append((firm, rng.choice(["CN", "MX", "US", None])))
    pool += [
        (None, "CN"),
        ("", "MX"),
    ]  # (a row of empty cells only is skipped by the single-process reader)
    return [rng.choice(pool) for _ in range(count)]


@pytest.fixture(scope="module")
def parties_file(tmp_path_factory: Any) -> tuple[Path, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("parties")
    path = folder / "names.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "country"])
        writer.writerows((n or "", c or "") for n, c in party_names())
    out = folder / "single.parquet"
    run = CliRunner().invoke(
        cli,
        [
            "parties",
            "screen-file",
            str(path),
            "--column",
            "name",
            "--country-column",
            "country",
            "-o",
            str(out),
        ],
    )
    assert run.exit_code == 0, run.output
    return path, pl.read_parquet(out).sort("row").to_dicts()


@pytest.mark.parametrize("partitions", [1, 3, 17])
def test_parties_equal_parties_screen_file(
    spark: Any, parties_file: tuple[Path, list[dict[str, Any]]], partitions: int
) -> None:
    path, single = parties_file
    frame = spark.read.csv(str(path), header=True)
    if partitions == 1:
        result = match_parties(frame, "name", country_column="country", first_row=2)
    else:
        shuffled = number_rows(frame, 2).withColumnRenamed(ROW_COLUMN, "n").repartition(partitions)
        result = match_parties(shuffled, "name", country_column="country", row_column="n")
    got = collect(result).sort("row").to_dicts()
    assert got == single
    counts = party_counts(result)
    assert counts["read"] == len(single) == counts["screened"] + counts["rejected"]
    assert counts["match"] > 0
    assert counts["none"] > 0
    assert counts["rejected"] > 0


def test_parties_need_the_named_columns(spark: Any) -> None:
    frame = spark.createDataFrame([("Acme",)], ["name"])
    with pytest.raises(UsageError, match="no column 'country'"):
        match_parties(frame, "name", country_column="country")
