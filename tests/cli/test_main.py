"""Exit statuses and error printing of the command-line edge."""

from __future__ import annotations

import click
import pytest

from fentrace import __version__
from fentrace.cli import cli, main
from fentrace.exc import FentraceError, UsageError


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_every_capability_is_registered() -> None:
    assert {"kb", "chem", "parties", "shipments", "network", "simulate", "evaluate", "demo"} <= set(
        cli.commands
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [(UsageError("bad flag"), 2), (FentraceError("broken file"), 1), (RuntimeError("bug"), 1)],
)
def test_errors_become_one_line_and_a_status(
    error: Exception,
    status: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FENTRACE_DEBUG", raising=False)

    @click.command(name="boom")
    def boom() -> None:
        raise error

    cli.add_command(boom)
    try:
        assert main(["boom"]) == status
    finally:
        cli.commands.pop("boom")
    err = capsys.readouterr().err
    assert str(error) in err
    assert "Traceback" not in err
