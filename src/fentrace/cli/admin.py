"""`fentrace admin`: API keys, users and the audit log of the service database."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from fentrace.cli._common import emit_json, print_table
from fentrace.exc import FentraceError

_CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
    help="The service's TOML settings file.",
)
_DATA_DIR = click.option("--data-dir", help="The service's data directory (SQLite).")
_DATABASE_URL = click.option("--database-url", help="The service's database URL.")
_ROLE = click.option(
    "--role", type=click.Choice(["viewer", "analyst", "admin"]), required=True, help="Role."
)


class AuditChainBrokenError(FentraceError):
    """The audit log's hash chain is broken (exit status 1)."""


def _service(config: str | None, data_dir: str | None, database_url: str | None) -> object:
    from fentrace.service import Service, Settings

    settings = Settings.load(
        config, data_dir=Path(data_dir) if data_dir else None, database_url=database_url
    )
    service = Service(settings)
    service.migrate()
    return service


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group(name="admin")
def admin() -> None:
    """Administer the service: API keys, users, the audit log."""


@admin.group(name="key")
def key() -> None:
    """Create, revoke and list API keys."""


@key.command(name="create")
@click.option("--name", required=True, help="Who or what the key is for.")
@_ROLE
@_CONFIG
@_DATA_DIR
@_DATABASE_URL
@click.option("--json", "as_json", is_flag=True, help="Print the key as JSON.")
def key_create(
    name: str,
    role: str,
    config: str | None,
    data_dir: str | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Create a key; its token is printed once and never stored."""
    from fentrace.service import Service

    service = _service(config, data_dir, database_url)
    assert isinstance(service, Service)
    described, token = service.create_key(name, role, actor=_actor())
    service.engine.dispose()
    if as_json:
        emit_json({**described, "token": token})
        return
    click.echo(token)
    click.echo(
        f"key {described['key_id']} ({role}) for {name!r}: the token above is shown only now",
        err=True,
    )


@key.command(name="revoke")
@click.argument("key_id")
@_CONFIG
@_DATA_DIR
@_DATABASE_URL
def key_revoke(
    key_id: str, config: str | None, data_dir: str | None, database_url: str | None
) -> None:
    """Revoke the key KEY_ID (the id shown by `admin key list`, or a whole token)."""
    from fentrace.service import Service
    from fentrace.service.security import split_token

    service = _service(config, data_dir, database_url)
    assert isinstance(service, Service)
    described = service.revoke_key(split_token(key_id) or key_id, actor=_actor())
    service.engine.dispose()
    click.echo(f"key {described['key_id']} revoked at {described['revoked_at']}")


@key.command(name="list")
@_CONFIG
@_DATA_DIR
@_DATABASE_URL
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON.")
def key_list(
    config: str | None, data_dir: str | None, database_url: str | None, as_json: bool
) -> None:
    """List every key (never its secret)."""
    from fentrace.service import Service

    service = _service(config, data_dir, database_url)
    assert isinstance(service, Service)
    keys = service.list_keys()
    service.engine.dispose()
    if as_json:
        emit_json(keys)
        return
    print_table(
        ("key id", "name", "role", "created", "revoked"),
        [(k["key_id"], k["name"], k["role"], k["created_at"], k["revoked_at"] or "") for k in keys],
        title=f"API keys ({len(keys)})",
    )


@admin.group(name="user")
def user() -> None:
    """Create users who sign in to the web application."""


@user.command(name="create")
@click.option("--username", required=True, help="The sign-in name.")
@_ROLE
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else a one-time password is printed).",
)
@_CONFIG
@_DATA_DIR
@_DATABASE_URL
def user_create(
    username: str,
    role: str,
    password_stdin: bool,
    config: str | None,
    data_dir: str | None,
    database_url: str | None,
) -> None:
    """Create a user; print a generated one-time password unless --password-stdin."""
    from fentrace.service import Service
    from fentrace.service.security import new_password

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else new_password()
    service = _service(config, data_dir, database_url)
    assert isinstance(service, Service)
    service.create_user(username, role, password, actor=_actor())
    service.engine.dispose()
    if not password_stdin:
        click.echo(password)
        click.echo(f"user {username!r} ({role}): the password above is shown only now", err=True)
    else:
        click.echo(f"user {username!r} ({role}) created", err=True)


@admin.group(name="audit")
def audit_group() -> None:
    """Check the audit log."""


@audit_group.command(name="verify")
@_CONFIG
@_DATA_DIR
@_DATABASE_URL
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def audit_verify(
    config: str | None, data_dir: str | None, database_url: str | None, as_json: bool
) -> None:
    """Recompute the audit hash chain: OK, or the first broken link (exit status 1)."""
    from fentrace.service import Service

    service = _service(config, data_dir, database_url)
    assert isinstance(service, Service)
    report = service.verify_audit()
    service.engine.dispose()
    if as_json:
        emit_json(report.to_dict())
    elif report.ok:
        click.echo(f"OK: {report.records} audit records, the hash chain is intact")
    if report.ok:
        return
    raise AuditChainBrokenError(
        f"audit chain broken at record {report.broken_seq}: {report.reason} "
        f"({report.records} records before it are intact)"
    )
