"""The documentation is checked against the code: every command the README shows exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from fentrace.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("fentrace "):
                commands.append(shlex.split(line)[1:])
    return commands


def _resolve(args: list[str]) -> tuple[click.Command, list[str]]:
    """Walk the click groups along ``args``; return the command and the options given to it."""
    command: click.Command = cli
    rest = list(args)
    with click.Context(cli) as ctx:
        while isinstance(command, click.Group) and rest:
            sub = command.get_command(ctx, rest[0])
            if sub is None:
                break
            rest.pop(0)
            command = sub
    return command, rest


def test_the_readme_shows_commands() -> None:
    assert len(_readme_commands()) >= 15


@pytest.mark.parametrize("args", _readme_commands(), ids=lambda a: " ".join(a[:2]))
def test_readme_command_exists_with_its_options(args: list[str]) -> None:
    command, rest = _resolve(args)
    assert not isinstance(command, click.Group), f"{args}: names a group, not a command"
    known = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for token in rest:
        if token.startswith("-") and token != "-":
            assert token in known, f"fentrace {' '.join(args)}: no option {token}"


@pytest.mark.parametrize("target", ["demo", "test", "check", "serve"])
def test_the_readme_make_targets_exist(target: str) -> None:
    assert f"make {target}" in README
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), flags=re.M)


def test_architecture_names_every_package() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = [
        p.name for p in (ROOT / "src" / "fentrace").iterdir() if (p / "__init__.py").is_file()
    ]
    for package in packages:
        assert f"{package}/" in text, package
