"""Releases, differences between them, and which records rest on primary texts."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from fentrace.cli import main
from fentrace.exc import DataFileError, UsageError
from fentrace.reference import KnowledgeBase, load_knowledge_base
from fentrace.reference.diff import diff_knowledge_bases
from fentrace.reference.kb import resolve_knowledge_base, shipped_releases
from fentrace.reference.loader import DATA_DIR
from fentrace.reference.provenance import secondary_only_records, watchlist_hosts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def previous() -> KnowledgeBase:
    return load_knowledge_base(resolve_knowledge_base("2026.11.29"))


def test_release_manifest(kb: KnowledgeBase, previous: KnowledgeBase) -> None:
    assert kb.release is not None
    assert previous.release is not None
    assert (kb.release.version, kb.release.previous) == ("2026.12.02.1", "2026.12.02")
    assert previous.release.previous is None
    assert set(shipped_releases()) == {"2026.11.29", "2026.12.02", "2026.12.02.1"}
    middle = load_knowledge_base(resolve_knowledge_base("2026.12.02")).release
    assert middle is not None
    assert (middle.version, middle.previous) == ("2026.12.02", "2026.11.29")
    assert resolve_knowledge_base("current") == DATA_DIR


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("version: '2026-12-02'\nreleased: '2026-12-02'\n", "not a release version"),
        ("version: '2026.12.02.0'\nreleased: '2026-12-02'\n", "not a release version"),
        ("version: '2026.12.02.x'\nreleased: '2026-12-02'\n", "not a release version"),
        ("version: '2026.12.02.1'\nreleased: '2026-12-02'\nprevious: '2026.12'\n", "previous"),
        ("version: '2026.12.02'\n", "released"),
        ("- a list\n", "mapping"),
    ],
)
def test_bad_release_manifest(tmp_path: Path, text: str, problem: str) -> None:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("releases"))
    (target / "kb.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=problem):
        load_knowledge_base(target)


def test_unknown_release_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"shipped: 2026\.11\.29"):
        resolve_knowledge_base("1999.01.01")


# -- the corrections of release 2026.12.02, case by case -----------------------------------


@pytest.mark.parametrize(
    ("substance", "jurisdiction", "day", "status", "since"),
    [
        ("BOCPIP", "CA", date(2024, 9, 2), "not_controlled", None),
        ("BOCPIP", "CA", date(2024, 9, 3), "controlled", "2024-09-03"),
        ("PIP", "CA", date(2024, 9, 3), "controlled", "2016-11-30"),  # one unbroken run
        ("OFF", "US", date(2019, 10, 25), "controlled", "2017-10-26"),
        ("CPRF", "US", date(2019, 10, 24), "not_controlled", None),
        ("CPRF", "US", date(2019, 10, 25), "controlled", "2019-10-25"),
        ("BUTF", "US", date(2016, 5, 12), "controlled", "2016-05-12"),
        ("ACF", "CN", date(2015, 10, 1), "controlled", "2015-10-01"),
        ("ACF", "CN", date(2015, 9, 30), "not_controlled", None),
        ("FENT", "UN", date(2020, 1, 1), "controlled", "1964"),
        ("AMF", "US", date(2026, 1, 1), "controlled", None),
        ("AMF", "UN", date(2026, 1, 1), "controlled", None),
        ("NPP", "UN", date(2017, 10, 17), "not_controlled", None),
    ],
)
def test_listed_status_after_the_corrections(
    kb: KnowledgeBase, substance: str, jurisdiction: str, day: date, status: str, since: str | None
) -> None:
    found = kb.listed_status(substance, day)[jurisdiction]
    assert found.status == status
    assert found.since_text == since
    if status == "controlled":
        assert found.verified


def test_temporary_orders_end_with_the_2019_rule(kb: KnowledgeBase) -> None:
    by_id = {c.id: c for c in kb.controls}
    for target in ("off", "maf", "pfbf"):
        assert by_id[f"us-{target}-temp"].end == date(2019, 10, 25)
        assert by_id[f"us-{target}-sched1"].effective == date(2019, 10, 25)
        assert by_id[f"us-{target}-sched1"].source_ids == ("fr-84-57323",)


# -- diff ---------------------------------------------------------------------------------------


def test_diff_previous_release_to_this_one(kb: KnowledgeBase, previous: KnowledgeBase) -> None:
    result = diff_knowledge_bases(previous, kb)
    kinds = {(c.section, c.id): c.kind for c in result.changes}
    assert kinds[("control", "ca-bocpip-pcr28-2024")] == "added"
    assert kinds[("control", "ca-pip-pcr28")] == "ended"
    assert kinds[("control", "us-off-temp")] == "ended"
    assert kinds[("control", "un-npp-table1")] == "changed"
    assert ("control", "us-4ap-list1-2020") not in kinds  # untouched records are not listed
    npp = next(c for c in result.changes if c.id == "un-npp-table1")
    assert {f.field for f in npp.fields} >= {"citation", "unverified_fields"}
    assert diff_knowledge_bases(kb, kb).changes == ()


def test_diff_reports_removed_and_watchlist_changes(tmp_path: Path, kb: KnowledgeBase) -> None:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("releases"))
    controls = yaml.safe_load((target / "controls.yaml").read_text(encoding="utf-8"))
    controls = [c for c in controls if c["id"] != "us-pip-list1"]
    (target / "controls.yaml").write_text(
        yaml.safe_dump(controls, sort_keys=False), encoding="utf-8"
    )
    lines = (target / "watchlist.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "watchlist.csv").write_text("".join(lines[:-1]), encoding="utf-8")
    result = diff_knowledge_bases(kb, load_knowledge_base(target))
    kinds = {(c.section, c.kind) for c in result.changes}
    assert kinds == {("control", "removed"), ("watchlist", "removed")}
    assert result.counts()["control"] == {"removed": 1}


@pytest.mark.parametrize(("old", "new"), [("2026.11.29", "2026.12.02"), ("2026.12.02", "current")])
def test_changelog_holds_the_diff(old: str, new: str) -> None:
    """Each release's section of the changelog holds the diff from the release before it."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newer = load_knowledge_base(resolve_knowledge_base(new))
    assert newer.release is not None
    start = text.index(f"## Knowledge base {newer.release.version} ")
    end = text.find("\n## Knowledge base ", start + 1)
    section = text[start : end if end >= 0 else None]
    for change in diff_knowledge_bases(
        load_knowledge_base(resolve_knowledge_base(old)), newer
    ).changes:
        assert f"| {change.section} | {change.kind} | `{change.id}` |" in section, change.id


def test_kb_diff_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "diff", "2026.11.29", "current", "--section", "control", "--json"]) == 0
    payload: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert (payload["old"], payload["new"]) == ("2026.11.29", "2026.12.02.1")
    assert {c["section"] for c in payload["changes"]} == {"control"}
    assert main(["kb", "diff", "2026.11.29"]) == 0
    assert "ca-bocpip-pcr28-2024" in capsys.readouterr().out
    assert main(["kb", "diff", "nope"]) == 2
    assert main(["kb", "version", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["previous"] == "2026.12.02"


# -- provenance ---------------------------------------------------------------------------------


def test_every_source_is_classified(kb: KnowledgeBase, previous: KnowledgeBase) -> None:
    assert all(isinstance(s.primary, bool) for s in kb.sources.values())
    assert all(s.primary is None for s in previous.sources.values())


def test_us_un_and_eu_controls_cite_a_primary_text(kb: KnowledgeBase) -> None:
    missing = {
        r.id
        for r in secondary_only_records(kb)
        if r.section == "control" and r.jurisdiction in ("US", "UN", "EU")
    }
    # butyryl fentanyl's UN listing, the last one, cites the UN press release UNIS/NAR/1315
    assert missing == set()


def test_secondary_only_count_is_documented(
    kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    records = secondary_only_records(kb)
    text = (ROOT / "docs" / "data-provenance.md").read_text(encoding="utf-8")
    assert re.search(rf"\*\*{len(records)} records\*\*", text)
    assert main(["kb", "sources", "--secondary-only", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["count"] == len(records)
    assert main(["kb", "sources", "--secondary-only"]) == 0
    listed = capsys.readouterr().out
    assert "mx-npp-lfcpq" in listed  # still press reports of the DOF Acuerdo
    assert "un-butf-1961" not in listed  # now cites UNIS/NAR/1315


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("via https://www.irs.gov/x ; https://jpost.com/y", ("irs.gov", "jpost.com")),
        ("no url here", ()),
    ],
)
def test_watchlist_hosts(text: str, hosts: tuple[str, ...]) -> None:
    assert watchlist_hosts(text) == hosts
