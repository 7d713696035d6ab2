"""Every command the README shows runs as written, on the input files shipped in examples/.

The commands run in a scratch folder holding ``examples/`` (outputs land there). The
simulation and evaluation examples take tens of seconds: they are slow tests, run by
``make test-slow``.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from fentrace.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SLOW = ("simulate", "evaluate")


def _commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("fentrace "):
                commands.append(shlex.split(line)[1:])
    return commands


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_input_file_the_readme_names_is_shipped() -> None:
    named = {a for args in _commands() for a in args if a.startswith("examples/")}
    assert named
    for path in sorted(named):
        assert (ROOT / path).is_file(), f"README names {path}, which is not shipped"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(a, marks=pytest.mark.slow) if a[0] in SLOW else a
        for a in _commands()
        if a[0] != "evaluate"
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_readme_command_runs_as_written(workdir: Path, args: list[str]) -> None:
    assert main(args) == 0, f"fentrace {shlex.join(args)}"


def test_the_readme_trace_example_reaches_a_party(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (trace,) = [a for a in _commands() if a[:2] == ["network", "trace"]]
    assert main([*trace, "--json"]) == 0
    reached = json.loads(capsys.readouterr().out)["reached"]
    assert reached
    assert all("MX" in party["countries"] for party in reached)


@pytest.mark.slow
def test_readme_simulation_then_evaluation_run_as_written(workdir: Path) -> None:
    commands = _commands()
    (simulate,) = [a for a in commands if a[0] == "simulate" and "--compare" not in a]
    (evaluate,) = [a for a in commands if a[0] == "evaluate"]
    assert main(simulate) == 0
    assert main(evaluate) == 0
