"""The shipped data files load and hold what the reference research says; broken copies fail, located."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fentrace.exc import DataFileError
from fentrace.reference import KnowledgeBase, load_knowledge_base
from fentrace.reference.models import JURISDICTIONS

EditRecords = Callable[[str, Callable[[list[dict[str, Any]]], None]], None]

#: Every non-negative-control substance of the reference research, by id.
EXPECTED_SUBSTANCES = [
    "NPP",
    "ANPP",
    "4AP",
    "4AP2HCl",
    "BOC4AP",
    "NORF",
    "PIP",
    "PIPHCl",
    "PIPHClH2O",
    "BOCPIP",
    "PROPCL",
    "PROPANH",
    "ANILINE",
    "PEBr",
    "PECl",
    "BZF",
    "BZPIP",
    "BZ4AP",
    "IMINE",
    "F4AP",
    "BOCF4AP",
    "BOCBr4AP",
    "BOCNORF",
    "PIPKETAL",
    "FANPP",
    "FENT",
    "CARF",
    "SUF",
    "ALF",
    "REMI",
    "THIAF",
    "FURF",
    "FIBF",
    "ACRF",
    "THFF",
    "OCF",
    "OFF",
    "MAF",
    "VALF",
    "PFBF",
    "PMBF",
    "PCIBF",
    "IBF",
    "CPENF",
    "FCARB",
    "OFACRF",
    "OFIBF",
    "PFFURF",
    "MFF",
    "MFIBF",
    "ACF",
    "BUTF",
    "BHTF",
    "CPRF",
    "CROF",
    "PFF",
    "AMF",
    "AAMF",
    "AMTF",
    "BHF",
    "BHMF",
    "3MF",
    "3MTF",
    "TF",
    # release 2026.12.02: seven of the ten fentanyl-related substances of 86 FR 22113
    "FOFF2",
    "BMF",
    "OFBF",
    "OMACF",
    "OMMAF",
    "PMF",
    "PPBZA",
]


def test_shipped_files_load(kb: KnowledgeBase) -> None:
    assert sorted(kb.substances) == sorted(EXPECTED_SUBSTANCES)
    assert len(kb.negative_controls) == 33
    assert {"us-frs", "cn-frs"} <= set(kb.classes)
    assert len(kb.timeline) >= 63
    assert [o.year for o in kb.overdose_deaths] == [2013, *range(2015, 2025)]  # 2014 stays missing


def test_load_is_cached() -> None:
    assert load_knowledge_base() is load_knowledge_base()


def test_negative_controls_are_not_substances(kb: KnowledgeBase) -> None:
    ids = {n[0] for n in kb.negative_controls}
    assert not ids & set(kb.substances)
    assert ("NC_LIDO", "Lidocaine", "CCN(CC)CC(=O)Nc1c(C)cccc1C") in kb.negative_controls


def test_negative_controls_are_shipped_twice_identically() -> None:
    shipped = load_knowledge_base().data_dir / "negative_controls.csv"
    tests_copy = Path(__file__).parent / "data" / "negative_controls.csv"
    assert shipped.read_text(encoding="utf-8") == tests_copy.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("sid", "cas", "verified"),
    [
        ("NPP", "39742-60-4", True),
        ("NORF", "1609-66-1", True),
        ("4AP2HCl", None, False),  # csv: "unverified"
        ("PIPHCl", "41979-39-9", False),  # csv: "41979-39-9 (unverified)"
        ("BZF", "1474-02-8", False),
        ("FENT", "437-38-7", True),
    ],
)
def test_cas_and_its_verification_mark(
    kb: KnowledgeBase, sid: str, cas: str | None, verified: bool
) -> None:
    assert kb.substances[sid].cas == cas
    assert kb.substances[sid].cas_verified is verified


@pytest.mark.parametrize(
    ("sid", "codes", "verified"),
    [
        ("NPP", ("2933.37",), True),
        ("ANPP", ("2933.36",), True),
        ("PIP", ("2933.39",), False),
        ("BZF", ("2933.39", "2933.34"), False),
        ("PROPCL", ("2915.90",), False),
        ("CARF", ("2933.33",), True),
    ],
)
def test_hs_codes_and_their_mark(
    kb: KnowledgeBase, sid: str, codes: tuple[str, ...], verified: bool
) -> None:
    assert kb.substances[sid].hs_codes == codes
    assert kb.substances[sid].hs_verified is verified


@pytest.mark.parametrize(
    ("sid", "family"),
    [
        ("FENT", "fentanyl"),
        ("NPP", "precursor"),
        ("ANPP", "precursor"),
        ("BZF", "precursor"),
        ("PROPCL", "reagent"),
    ],
)
def test_family_follows_role(kb: KnowledgeBase, sid: str, family: str) -> None:
    assert kb.substances[sid].family == family


def test_salt_rows_point_at_their_base(kb: KnowledgeBase) -> None:
    assert {s.id: s.salt_of for s in kb.substances.values() if s.salt_of} == {
        "4AP2HCl": "4AP",
        "PIPHCl": "PIP",
        "PIPHClH2O": "PIP",
    }
    assert "." in kb.substances["4AP2HCl"].smiles


@pytest.mark.parametrize(
    ("control_id", "derivatives", "effective", "end"),
    [
        (
            "us-4ap-list1-2020",
            ("amides", "carbamates", "salts"),
            date(2020, 5, 15),
            date(2023, 11, 30),
        ),
        (
            "us-4ap-list1-2023",
            ("amides", "carbamates", "halides", "salts", "combinations"),
            date(2023, 11, 30),
            None,
        ),
        ("us-pip-list1", ("acetals", "amides", "carbamates", "salts"), date(2023, 5, 12), None),
        ("ca-4ap-pcr31-2023", ("derivatives_and_analogues", "salts"), date(2023, 8, 30), None),
        ("ca-anpp-ncr", ("derivatives_and_analogues", "salts"), date(2019, 5, 15), None),
        ("ca-npp-pcr27", ("salts",), date(2016, 11, 30), None),
        ("ca-boc4ap-sched5", (), date(2022, 8, 31), date(2023, 8, 30)),
    ],
)
def test_derivative_wording_and_dates(
    kb: KnowledgeBase,
    control_id: str,
    derivatives: tuple[str, ...],
    effective: date,
    end: date | None,
) -> None:
    control = next(c for c in kb.controls if c.id == control_id)
    assert (control.derivatives, control.effective, control.end) == (derivatives, effective, end)


def test_class_controls(kb: KnowledgeBase) -> None:
    by_id = {c.id: c for c in kb.controls if c.target_kind == "class"}
    assert by_id["us-frs-temp"].effective == date(2018, 2, 6)
    assert by_id["us-frs-temp"].end == date(2025, 7, 16)
    assert by_id["us-frs-halt"].effective == date(
        2025, 7, 16
    )  # not 17 July: see data-provenance.md
    assert by_id["cn-frs"].effective == date(2019, 5, 1)
    assert [c.code for c in kb.classes["us-frs"].conditions] == ["A", "B", "C", "D", "E"]
    assert [c.code for c in kb.classes["cn-frs"].conditions] == ["1", "2", "3", "4"]
    assert all(c.text_original for c in kb.classes["cn-frs"].conditions)


def test_class_controls_in_force(kb: KnowledgeBase) -> None:
    assert {c.id for c in kb.class_controls_in_force(date(2018, 1, 1))} == set()
    assert {c.id for c in kb.class_controls_in_force(date(2019, 6, 1))} == {"us-frs-temp", "cn-frs"}
    assert {c.id for c in kb.class_controls_in_force(date(2025, 7, 16))} == {
        "us-frs-halt",
        "cn-frs",
    }


def test_unverified_dates_are_marked(kb: KnowledgeBase) -> None:
    by_id = {c.id: c for c in kb.controls}
    # 18 Oct 2017 is now confirmed (INCB Precursors Report 2017, chapter II)
    assert by_id["un-npp-table1"].unverified_fields == ()
    assert by_id["un-pip-table1"].unverified_fields == ("effective",)
    assert by_id["cn-npp-precursor"].unverified_fields == ("list_name",)
    assert by_id["eu-npp-cat1"].unverified_fields == ("effective",)
    assert by_id["mx-4ap-lfcpq"].unverified_fields == ()


def test_every_record_cites_known_sources(kb: KnowledgeBase) -> None:
    cited = [
        *(s for x in kb.substances.values() for s in x.source_ids),
        *(s for x in kb.controls for s in x.source_ids),
        *(s for x in kb.classes.values() for s in x.source_ids),
        *(s for x in kb.timeline for s in x.source_ids),
        *(s for x in kb.hs_codes.values() for s in x.source_ids),
        *(s for x in kb.overdose_deaths for s in x.source_ids),
    ]
    assert cited
    assert set(cited) <= set(kb.sources)


def test_timeline_month_precision(kb: KnowledgeBase) -> None:
    months = {e.date for e in kb.timeline if e.date_precision == "month"}
    assert months == {date(2018, 6, 1), date(2022, 3, 1)}
    # the CND decisions of 16 March 2017 came into force on 18 October 2017 (both to the day)
    days = {e.id: e.date for e in kb.timeline}
    assert days["2017-03-16-un-scheduling"] == date(2017, 3, 16)
    assert days["2017-10-18-un-scheduling"] == date(2017, 10, 18)


def test_overdose_verified_only_when_status_says_so(kb: KnowledgeBase) -> None:
    verified = {o.year for o in kb.overdose_deaths if o.verified}
    # 2018 = 31,335 per MMWR 69(11); 2015, 2017, 2020 and 2021 stay unverified
    assert verified == {2013, 2018, 2019}
    assert next(o for o in kb.overdose_deaths if o.year == 2024).status == "provisional"


def test_format_sources(kb: KnowledgeBase) -> None:
    text = kb.format_sources(["sor-2016-294", "cnd-65"])
    assert text.startswith("Canada Gazette, Part II, SOR/2016-294")
    assert "<https://gazette.gc.ca/" in text
    assert "; European Commission" in text


# -- broken copies ----------------------------------------------------------------------------


def _by_id(records: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(r for r in records if r.get("id") == ident)


def _set(ident: str, field: str, value: Any) -> Any:
    def change(records: list[dict[str, Any]]) -> None:
        _by_id(records, ident)[field] = value

    return change


def _duplicate_first(records: list[dict[str, Any]]) -> None:
    records.append(dict(records[0]))


BROKEN = [
    # (file, edit, expected file, record, field, message fragment)
    (
        "substances.yaml",
        _set("NORF", "cas", "1609-66-7"),
        "substances.yaml",
        "NORF",
        "cas",
        "check digit should be 1",
    ),
    (
        "substances.yaml",
        _set("NPP", "cas", "39742604"),
        "substances.yaml",
        "NPP",
        "cas",
        "not of the form",
    ),
    (
        "substances.yaml",
        _set("NPP", "source_ids", ["no-such-source"]),
        "substances.yaml",
        "NPP",
        "source_ids",
        "unknown source",
    ),
    (
        "substances.yaml",
        _set("NPP", "source_ids", []),
        "substances.yaml",
        "NPP",
        "source_ids",
        "at least one source",
    ),
    (
        "substances.yaml",
        _set("ANPP", "synonyms", ["4-ANPP", "N-phenethyl-4-piperidinone"]),
        "substances.yaml",
        "ANPP",
        "synonyms",
        "already a name of NPP",
    ),
    (
        "substances.yaml",
        _set("ANPP", "synonyms", ["N PHENETHYL 4 PIPERIDINONE"]),
        "substances.yaml",
        "ANPP",
        "synonyms",
        "already a name of NPP",
    ),
    (
        "substances.yaml",
        _set("FENT", "inchikey", "not-a-key"),
        "substances.yaml",
        "FENT",
        "inchikey",
        "not a standard InChIKey",
    ),
    (
        "substances.yaml",
        _set("FENT", "family", "opioid"),
        "substances.yaml",
        "FENT",
        "family",
        "not one of",
    ),
    (
        "substances.yaml",
        _set("FENT", "cas_verified", "yes"),
        "substances.yaml",
        "FENT",
        "cas_verified",
        "true or false",
    ),
    (
        "substances.yaml",
        _set("FENT", "hs_codes", ["2933.99"]),
        "substances.yaml",
        "FENT",
        "hs_codes",
        "not in hs_codes.yaml",
    ),
    (
        "substances.yaml",
        _set("PIPHCl", "salt_of", "NOPE"),
        "substances.yaml",
        "PIPHCl",
        "salt_of",
        "unknown substance",
    ),
    ("substances.yaml", _duplicate_first, "substances.yaml", "NPP", "id", "duplicate id"),
    (
        "controls.yaml",
        _set("us-npp-list1", "effective", "2007-02-30"),
        "controls.yaml",
        "us-npp-list1",
        "effective",
        "expected a date",
    ),
    (
        "controls.yaml",
        _set("us-npp-list1", "effective", "23 Apr 2007"),
        "controls.yaml",
        "us-npp-list1",
        "effective",
        "expected a date",
    ),
    (
        "controls.yaml",
        _set("us-npp-list1", "target", "XYZ"),
        "controls.yaml",
        "us-npp-list1",
        "target",
        "unknown substance 'XYZ'",
    ),
    (
        "controls.yaml",
        _set("cn-frs", "target", "cn-nope"),
        "controls.yaml",
        "cn-frs",
        "target",
        "unknown class 'cn-nope'",
    ),
    (
        "controls.yaml",
        _set("us-4ap-list1-2020", "end", "2019-01-01"),
        "controls.yaml",
        "us-4ap-list1-2020",
        "end",
        "not after effective",
    ),
    (
        "controls.yaml",
        _set("us-4ap-list1-2020", "end", "2020-05-15"),
        "controls.yaml",
        "us-4ap-list1-2020",
        "end",
        "not after effective",
    ),
    (
        "controls.yaml",
        _set("us-npp-list1", "source_ids", ["fr-99-1"]),
        "controls.yaml",
        "us-npp-list1",
        "source_ids",
        "unknown source id 'fr-99-1'",
    ),
    (
        "controls.yaml",
        _set("us-npp-list1", "jurisdiction", "UK"),
        "controls.yaml",
        "us-npp-list1",
        "jurisdiction",
        "not one of",
    ),
    (
        "controls.yaml",
        _set("us-npp-list1", "derivatives", ["esters"]),
        "controls.yaml",
        "us-npp-list1",
        "derivatives",
        "not one of",
    ),
    (
        "controls.yaml",
        _set("us-npp-list1", "unverified_fields", ["colour"]),
        "controls.yaml",
        "us-npp-list1",
        "unverified_fields",
        "not a field",
    ),
    ("controls.yaml", _duplicate_first, "controls.yaml", "un-npp-table1", "id", "duplicate id"),
    (
        "timeline.yaml",
        _set("2007-04-23-us-scheduling", "source_ids", ["nope"]),
        "timeline.yaml",
        "2007-04-23-us-scheduling",
        "source_ids",
        "unknown source",
    ),
    (
        "timeline.yaml",
        _set("2007-04-23-us-scheduling", "substances", ["NOPE"]),
        "timeline.yaml",
        "2007-04-23-us-scheduling",
        "substances",
        "unknown substance",
    ),
    (
        "timeline.yaml",
        _set("2007-04-23-us-scheduling", "kind", "party"),
        "timeline.yaml",
        "2007-04-23-us-scheduling",
        "kind",
        "not one of",
    ),
    (
        "timeline.yaml",
        _set("2007-04-23-us-scheduling", "date", "2007-04"),
        "timeline.yaml",
        "2007-04-23-us-scheduling",
        "date",
        "expected a date",
    ),
    (
        "classes.yaml",
        _set("us-frs", "end", "2010-01-01"),
        "classes.yaml",
        "us-frs",
        "end",
        "not after effective",
    ),
    (
        "classes.yaml",
        _set("us-frs", "conditions", []),
        "classes.yaml",
        "us-frs",
        "conditions",
        "non-empty list",
    ),
    (
        "sources.yaml",
        _set("cnd-65", "retrieved", "yesterday"),
        "sources.yaml",
        "cnd-65",
        "retrieved",
        "expected a date",
    ),
    (
        "sources.yaml",
        _set("cnd-65", "publisher", ""),
        "sources.yaml",
        "cnd-65",
        "publisher",
        "must not be empty",
    ),
    (
        "hs_codes.yaml",
        lambda rs: rs[0].update(code="29.33"),
        "hs_codes.yaml",
        "29.33",
        "code",
        "not an HS subheading",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "file", "record", "field", "fragment"),
    BROKEN,
    ids=[f"{b[0]}:{b[3]}:{b[4]}:{b[5]}" for b in BROKEN],
)
def test_broken_copy_fails_located(
    edit_yaml: EditRecords,
    data_copy: Path,
    name: str,
    change: Any,
    file: str,
    record: str,
    field: str,
    fragment: str,
) -> None:
    edit_yaml(name, change)
    with pytest.raises(DataFileError) as caught:
        load_knowledge_base(data_copy)
    error = caught.value
    assert (error.file, str(error.record), error.field) == (file, record, field)
    assert fragment in error.message
    assert error.to_dict()["error"]["file"] == file


def test_missing_required_field(edit_yaml: EditRecords, data_copy: Path) -> None:
    edit_yaml("controls.yaml", lambda rs: _by_id(rs, "us-npp-list1").pop("citation"))
    with pytest.raises(
        DataFileError, match=r"controls.yaml, record us-npp-list1, field 'citation': required"
    ):
        load_knowledge_base(data_copy)


def test_missing_file(data_copy: Path) -> None:
    (data_copy / "classes.yaml").unlink()
    with pytest.raises(DataFileError, match=r"classes\.yaml: file not found"):
        load_knowledge_base(data_copy)


def test_not_yaml(data_copy: Path) -> None:
    (data_copy / "sources.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"sources.yaml: not valid YAML at line \d"):
        load_knowledge_base(data_copy)


def test_top_level_must_be_a_list(data_copy: Path) -> None:
    (data_copy / "sources.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="expected a list of records"):
        load_knowledge_base(data_copy)


@pytest.mark.parametrize(
    ("row_edit", "field", "fragment"),
    [
        (
            lambda t: t.replace("2013,3105", "2013,many", 1),
            "synthetic_opioid_deaths",
            "whole number",
        ),
        (lambda t: t.replace(",verified,true,", ",verified,yes,", 1), "verified", "true or false"),
        (lambda t: t.replace("mmwr-70-6", "mmwr-nope", 1), "source_ids", "unknown source"),
        (lambda t: t.replace("2015,", "2013,", 1), "year", "duplicate year"),
    ],
)
def test_broken_overdose_csv(data_copy: Path, row_edit: Any, field: str, fragment: str) -> None:
    path = data_copy / "overdose_deaths.csv"
    path.write_text(row_edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_knowledge_base(data_copy)
    assert (caught.value.file, caught.value.field) == ("overdose_deaths.csv", field)
    assert fragment in caught.value.message


def test_broken_negative_controls_csv(data_copy: Path) -> None:
    path = data_copy / "negative_controls.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("137-58-6", "137-58-7"), encoding="utf-8"
    )
    with pytest.raises(DataFileError) as caught:
        load_knowledge_base(data_copy)
    assert (caught.value.file, caught.value.record, caught.value.field) == (
        "negative_controls.csv",
        "NC_LIDO",
        "cas",
    )


def test_csv_missing_column(data_copy: Path) -> None:
    path = data_copy / "negative_controls.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([lines[0].replace("smiles", "smile"), *lines[1:]]) + "\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError, match="missing columns: smiles"):
        load_knowledge_base(data_copy)


def test_every_jurisdiction_has_some_control(kb: KnowledgeBase) -> None:
    assert {c.jurisdiction for c in kb.controls} == set(JURISDICTIONS)


def test_every_source_is_cited(kb: KnowledgeBase) -> None:
    cited = {
        s
        for records in (
            kb.substances.values(),
            kb.controls,
            kb.classes.values(),
            kb.timeline,
            kb.hs_codes.values(),
            kb.overdose_deaths,
        )
        for record in records
        for s in record.source_ids
    }
    cited |= {s for x in kb.substances.values() for u in x.undated_listings for s in u.source_ids}
    assert set(kb.sources) == cited


def _set_undated(ident: str, value: Any) -> Any:
    def change(records: list[dict[str, Any]]) -> None:
        _by_id(records, ident)["undated_listings"][0].update(value)

    return change


def _append(ident: str, field: str, value: Any) -> Any:
    def change(records: list[dict[str, Any]]) -> None:
        records.append({**_by_id(records, ident), field: value})

    return change


BROKEN_MORE = [
    (
        "substances.yaml",
        _set("FENT", "reference_status", "Schedule II"),
        "FENT",
        "reference_status",
        "expected a mapping",
    ),
    (
        "substances.yaml",
        _set("FENT", "reference_status", {"UK": "x"}),
        "FENT",
        "reference_status",
        "bad entry 'UK'",
    ),
    (
        "substances.yaml",
        _set("FENT", "undated_listings", "US"),
        "FENT",
        "undated_listings",
        "expected a list",
    ),
    (
        "substances.yaml",
        _set("FENT", "undated_listings", ["US"]),
        "FENT",
        "undated_listings",
        "entry 1 is not a mapping",
    ),
    (
        "substances.yaml",
        _set_undated("FENT", {"jurisdiction": "UK"}),
        "FENT/undated_listings[1]",
        "jurisdiction",
        "not one of",
    ),
    (
        "substances.yaml",
        _set_undated("FENT", {"source_ids": ["x"]}),
        "FENT/undated_listings[1]",
        "source_ids",
        "unknown source",
    ),
    (
        "substances.yaml",
        _set_undated("FURF", {"class_id": "us-nope"}),
        "FURF",
        "undated_listings",
        "unknown class 'us-nope'",
    ),
    (
        "substances.yaml",
        _set("FENT", "synonyms", "fentanil"),
        "FENT",
        "synonyms",
        "list of non-empty texts",
    ),
    ("substances.yaml", _set("FENT", "name", 42), "FENT", "name", "expected text, got int"),
    ("substances.yaml", _append("FENT", "id", "bad id!"), "bad id!", "id", "not a valid id"),
    ("sources.yaml", _set("cnd-65", "url", ""), "cnd-65", "url", "non-empty text or null"),
    (
        "classes.yaml",
        _set("cn-frs", "conditions", ["any acyl"]),
        "cn-frs",
        "conditions",
        "condition 1 is not a mapping",
    ),
    ("classes.yaml", _set("cn-frs", "jurisdiction", "PRC"), "cn-frs", "jurisdiction", "not one of"),
    (
        "controls.yaml",
        _set("un-fent-1961", "effective_precision", "week"),
        "un-fent-1961",
        "effective_precision",
        "not one of",
    ),
    (
        "timeline.yaml",
        _set("2025-10-30-us-cn-diplomacy", "jurisdiction", "US/UK"),
        "2025-10-30-us-cn-diplomacy",
        "jurisdiction",
        "not one of",
    ),
    ("hs_codes.yaml", lambda rs: rs.append(dict(rs[0])), "2933.33", "code", "duplicate code"),
]


@pytest.mark.parametrize(
    ("name", "change", "record", "field", "fragment"),
    BROKEN_MORE,
    ids=[f"{b[0]}:{b[2]}:{b[3]}:{b[4]}" for b in BROKEN_MORE],
)
def test_more_broken_copies(
    edit_yaml: EditRecords,
    data_copy: Path,
    name: str,
    change: Any,
    record: str,
    field: str,
    fragment: str,
) -> None:
    edit_yaml(name, change)
    with pytest.raises(DataFileError) as caught:
        load_knowledge_base(data_copy)
    assert (caught.value.file, str(caught.value.record), caught.value.field) == (
        name,
        record,
        field,
    )
    assert fragment in caught.value.message


def test_negative_control_id_clashing_with_a_substance(data_copy: Path) -> None:
    path = data_copy / "negative_controls.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("NC_LIDO,", "NPP,"), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_knowledge_base(data_copy)
    assert (caught.value.record, caught.value.field) == ("NPP", "id")
