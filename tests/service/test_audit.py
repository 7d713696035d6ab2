"""The audit chain: intact after concurrent appends; any change, removal or re-link is found."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from fentrace.cli import main
from fentrace.service import Service, Settings, audit
from fentrace.service.models import AuditRecord


@pytest.fixture
def service(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    backend = request.param
    url = None if backend == "sqlite" else request.getfixturevalue("pg_database")
    made = Service(Settings(data_dir=tmp_path, database_url=url))
    made.migrate()
    yield made
    made.engine.dispose()


BOTH = pytest.mark.parametrize("service", ["sqlite", "postgresql"], indirect=True)


def _fill(service: Service, count: int) -> None:
    for number in range(count):
        audit.append(
            service.sessions,
            actor="key:test",
            action="chem.screen",
            input_sha256=audit.sha256_hex(str(number)),
            result={"n": number, "names": ["Ünïcode", "汉字"]},
        )


def test_record_hash_covers_every_field() -> None:
    fields = {
        "seq": 1,
        "at": "2026-01-01T00:00:00+00:00",
        "actor": "key:a",
        "action": "x",
        "target": None,
        "input_sha256": None,
        "result": "{}",
        "prev_hash": audit.GENESIS_HASH,
    }
    base = audit.record_hash(fields)
    for key in fields:
        changed = {**fields, key: "other" if key != "seq" else 2}
        assert audit.record_hash(changed) != base, key


@BOTH
def test_concurrent_appends_never_fork_the_chain(service: Service) -> None:
    def worker() -> None:
        _fill(service, 25)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = service.verify_audit()
    assert report.ok, report
    assert report.records == 200


@BOTH
def test_two_services_on_one_database_keep_one_chain(service: Service) -> None:
    # a second Service (another process in production: its own engine, no shared lock object
    # would help) appending at the same time; the unique seq makes the loser retry
    other = Service(service.settings)
    try:
        threads = [
            threading.Thread(target=_fill, args=(service, 30)),
            threading.Thread(target=_fill, args=(other, 30)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.engine.dispose()
    report = service.verify_audit()
    assert report.ok, report
    assert report.records == 60


@BOTH
@pytest.mark.parametrize(
    ("tamper", "seq", "words"),
    [
        (
            lambda s: update(AuditRecord).where(AuditRecord.seq == 4).values(result='{"n":99}'),
            4,
            "changed",
        ),
        (
            lambda s: update(AuditRecord).where(AuditRecord.seq == 3).values(actor="key:someone"),
            3,
            "changed",
        ),
        (lambda s: delete(AuditRecord).where(AuditRecord.seq == 5), 5, "missing"),
        (
            lambda s: (
                update(AuditRecord).where(AuditRecord.seq == 6).values(prev_hash=audit.GENESIS_HASH)
            ),
            6,
            "does not point",
        ),
    ],
    ids=["result", "actor", "removed", "relinked"],
)
def test_tampering_is_found_at_the_first_broken_link(
    service: Service, tamper: Any, seq: int, words: str
) -> None:
    _fill(service, 8)
    with service.sessions() as session, session.begin():
        session.execute(tamper(session))
    report = service.verify_audit()
    assert not report.ok
    assert report.broken_seq == seq
    assert words in (report.reason or "")
    assert report.records == seq - 1


@BOTH
def test_rewriting_a_record_with_a_fresh_hash_breaks_the_next_link(service: Service) -> None:
    _fill(service, 5)
    with service.sessions() as session, session.begin():
        record = session.execute(select(AuditRecord).where(AuditRecord.seq == 2)).scalar_one()
        record.result = '{"n":-1}'
        record.hash = audit.record_hash(
            {
                k: getattr(record, k)
                for k in (
                    "seq",
                    "at",
                    "actor",
                    "action",
                    "target",
                    "input_sha256",
                    "result",
                    "prev_hash",
                )
            }
        )
    report = service.verify_audit()
    assert report.broken_seq == 3


@pytest.mark.parametrize("service", ["sqlite"], indirect=True)
def test_cli_audit_verify(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(service, 3)
    data_dir = str(service.settings.data_dir)
    assert main(["admin", "audit", "verify", "--data-dir", data_dir]) == 0
    assert "OK: 3 audit records" in capsys.readouterr().out
    with service.sessions() as session, session.begin():
        session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(action="forged"))
    assert main(["admin", "audit", "verify", "--data-dir", data_dir]) == 1
    assert "broken at record 2" in capsys.readouterr().err
    assert main(["admin", "audit", "verify", "--data-dir", data_dir, "--json"]) == 1
    assert '"broken_seq": 2' in capsys.readouterr().out
