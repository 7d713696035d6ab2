"""Exit statuses and error printing of the command-line edge."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_every_capability_is_registered_and_loads() -> None:
    capabilities = {"kb", "chem", "parties", "shipments", "network", "simulate", "evaluate", "demo"}
    with click.Context(cli) as ctx:
        assert capabilities <= set(cli.list_commands(ctx))
        for name in capabilities:
            command = cli.get_command(ctx, name)
            assert isinstance(command, click.Command)
            assert command.name == name


def test_start_up_imports_no_capability(tmp_path: Path) -> None:
    """`fentrace --version` must not import RDKit, Polars or matplotlib (lazy commands)."""
    code = (
        "import sys; from fentrace.cli import main; main(['--version']); "
        "print(sorted(m for m in ('rdkit', 'polars', 'matplotlib', 'networkx') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.strip().endswith("[]")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UsageError("bad flag"), 2),
        (FentraceError("broken file"), 1),
        (FileNotFoundError(2, "No such file or directory", "/nonexistent/alerts.csv"), 1),
        (RuntimeError("bug"), 1),
    ],
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


def test_an_unwritable_output_path_is_a_located_error_not_an_internal_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    smi = tmp_path / "in.smi"
    smi.write_text("CCO ethanol\n", encoding="utf-8")
    out = tmp_path / "missing-folder" / "out.csv"
    # a usage error (2), found before any screening, as in every command
    assert main(["chem", "screen-file", str(smi), "-o", str(out), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "missing-folder" in err
