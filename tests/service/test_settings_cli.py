"""Settings from defaults, a TOML file and the environment; the serve and admin commands."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from fentrace.cli import cli, main
from fentrace.exc import ConfigError
from fentrace.service import SETTING_HELP, Service, Settings
from fentrace.service.models import Base


def test_precedence_default_toml_environment_override(tmp_path: Path) -> None:
    config = tmp_path / "fentrace.toml"
    config.write_text('[service]\nport = 9000\nmax_batch = 7\nmin_level = "high"\n')
    loaded = Settings.load(config, environ={"FENTRACE_PORT": "9100", "FENTRACE_CHEM_OPSIN": "no"})
    assert loaded.port == 9100
    assert loaded.max_batch == 7
    assert loaded.min_level == "high"
    assert loaded.chem_opsin is False
    assert loaded.host == "127.0.0.1"
    assert Settings.load(config, environ={}, port=9200).port == 9200
    assert Settings.load(environ={}).url.startswith("sqlite:///")
    url = "postgresql+psycopg://u@h/db"
    assert Settings.load(environ={"FENTRACE_DATABASE_URL": url}).url == url


@pytest.mark.parametrize(
    ("text", "environ", "key"),
    [
        ("port = 0\n", {}, "port"),
        ("", {"FENTRACE_MAX_BATCH": "many"}, "max_batch"),
        ("colour = 'red'\n", {}, "colour"),
        ("min_level = 'none'\n", {}, "min_level"),
        ("", {"FENTRACE_CHEM_OPSIN": "perhaps"}, "chem_opsin"),
        ("", {"FENTRACE_LOG_LEVEL": "LOUD"}, "log_level"),
        ("", {"FENTRACE_KEY_CACHE_SECONDS": "-1"}, "key_cache_seconds"),
    ],
)
def test_bad_settings_name_the_key(
    tmp_path: Path, text: str, environ: dict[str, str], key: str
) -> None:
    config = tmp_path / "fentrace.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        Settings.load(config, environ=environ)
    assert caught.value.context["key"] == key


def test_a_broken_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "fentrace.toml"
    config.write_text("port = = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(config)


def test_serve_help_lists_every_variable() -> None:
    text = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=200).output
    for name in SETTING_HELP:
        assert f"FENTRACE_{name.upper()}" in text


def test_admin_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["admin", "key", "create", "--name", "ops", "--role", "admin", *data]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("ftk_")
    service = Service(Settings(data_dir=tmp_path, key_cache_seconds=0))
    principal = service.authenticate(token)
    assert principal is not None
    assert principal.role == "admin"
    assert main(["admin", "key", "list", "--json", *data]) == 0
    listed = capsys.readouterr().out
    assert principal.id in listed
    assert token not in listed
    assert main(["admin", "key", "revoke", principal.id, *data]) == 0
    assert service.authenticate(token) is None
    assert main(["admin", "key", "revoke", "nosuchkey", *data]) == 1
    capsys.readouterr()
    assert main(["admin", "key", "create", "--name", "x", "--role", "root", *data]) == 2

    assert main(["admin", "user", "create", "--username", "ana", "--role", "analyst", *data]) == 0
    password = capsys.readouterr().out.strip()
    assert service.verify_user_password("ana", password) is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert (
        main(
            [
                "admin",
                "user",
                "create",
                "--username",
                "bo",
                "--role",
                "viewer",
                "--password-stdin",
                *data,
            ]
        )
        == 0
    )
    assert service.verify_user_password("bo", "a long enough password") is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        main(
            [
                "admin",
                "user",
                "create",
                "--username",
                "cy",
                "--role",
                "viewer",
                "--password-stdin",
                *data,
            ]
        )
        == 2
    )
    assert main(["admin", "user", "create", "--username", "ana", "--role", "viewer", *data]) == 1
    actions = [r["action"] for r in service.list_audit()["items"]]
    assert actions == ["key.create", "key.revoke", "user.create", "user.create"]
    assert service.list_audit()["items"][0]["actor"].startswith("cli:")
    service.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migrations_build_exactly_the_models(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = None if backend == "sqlite" else request.getfixturevalue("pg_database")
    service = Service(Settings(data_dir=tmp_path, database_url=url))
    assert service.migrate() == "0002"
    assert service.migrate() == "0002"  # idempotent
    with service.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    service.engine.dispose()
    assert differences == []


def test_readiness_reports_an_unreachable_database(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=2"
    service = Service(Settings(data_dir=tmp_path, database_url=url))
    checks = service.ready()
    service.engine.dispose()
    assert checks["ok"] is False
    assert checks["database"].startswith("unreachable")
    assert checks["knowledge_base"] == "not loaded"


def test_an_unsupported_database_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        Service(Settings(data_dir=tmp_path, database_url="mysql://u@h/db"))
