"""Every command the README shows runs as written, on the input files shipped in examples/.

The commands run in order in a scratch folder holding ``examples/`` (outputs land there, and
the re-screening examples read them). The simulation and evaluation examples take tens of
seconds: they are a slow test, run by ``make test-slow``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from fentrace.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SLOW = ("simulate", "evaluate")
# `fentrace serve` runs until stopped; the service and web tests start and stop real servers.
SERVER = ("serve",)


def _commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("fentrace ") and shlex.split(line)[1] not in SERVER:
                commands.append(shlex.split(line)[1:])
    return commands


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def statuses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Every fast README command run once, in README order, in one folder (later examples read
    what earlier ones wrote): the exit status of each."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "examples").symlink_to(ROOT / "examples")
    before = Path.cwd()
    os.chdir(folder)
    try:
        return {shlex.join(args): main(args) for args in _commands() if args[0] not in SLOW}
    finally:
        os.chdir(before)


def test_every_input_file_the_readme_names_is_shipped() -> None:
    named = {a for args in _commands() for a in args if a.startswith("examples/")}
    assert named
    for path in sorted(named):
        assert (ROOT / path).is_file(), f"README names {path}, which is not shipped"


@pytest.mark.parametrize(
    "args", [a for a in _commands() if a[0] not in SLOW], ids=lambda a: " ".join(a[:3])
)
def test_readme_command_runs_as_written(statuses: dict[str, int], args: list[str]) -> None:
    assert statuses[shlex.join(args)] == 0, f"fentrace {shlex.join(args)}"


def test_the_readme_trace_example_reaches_a_party(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (trace,) = [a for a in _commands() if a[:2] == ["network", "trace"]]
    assert main([*trace, "--json"]) == 0
    reached = json.loads(capsys.readouterr().out)["reached"]
    assert reached
    assert all("MX" in party["countries"] for party in reached)


@pytest.mark.slow
def test_readme_simulation_and_evaluation_run_as_written(workdir: Path) -> None:
    for args in _commands():
        if args[0] in SLOW:
            assert main(args) == 0, f"fentrace {shlex.join(args)}"
