"""kill -9 in the middle of writing leaves the previous output or none, never half of one.

Each test starts a long-running command as a subprocess, waits until its temporary output
exists (so the kill lands while the output is being written), kills it with SIGKILL and checks
the final path. Bounded: the command is killed as soon as it writes, and after 90 s at most.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from fentrace.atomic import TEMP_PREFIX

SMALL = Path(__file__).parents[1] / "network" / "data" / "small.csv"
PREVIOUS = "previous good output\n"
LIMIT_S = 90.0


def _run_and_kill(argv: list[str], folder: Path, ready: Callable[[], bool]) -> None:
    """Start fentrace with ``argv``; SIGKILL it once ``ready()`` holds (checked every 2 ms)."""
    command = [sys.executable, "-c", "from fentrace.cli import entry; entry()", *argv]
    env = {**os.environ, "FENTRACE_LOCK_WAIT_S": "0"}
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder, env=env
    )
    deadline = time.monotonic() + LIMIT_S
    try:
        while not ready():
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"the command ended (status {process.returncode}) first: {err}")
            if time.monotonic() > deadline:
                pytest.fail("the command never started writing its output")
            time.sleep(0.002)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def _temp_in(folder: Path, *, min_size: int = 0) -> Callable[[], bool]:
    def ready() -> bool:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(TEMP_PREFIX):
                    try:
                        if entry.is_dir() or entry.stat().st_size >= min_size:
                            return True
                    except FileNotFoundError:  # renamed into place meanwhile
                        continue
        return False

    return ready


@pytest.mark.parametrize(
    "previous",
    [True, pytest.param(False, marks=pytest.mark.slow)],  # `make test-slow` runs the second
    ids=["over-a-file", "new-file"],
)
def test_kill_9_during_chem_screen_file(tmp_path: Path, previous: bool) -> None:
    source = tmp_path / "big.smi"
    # enough records that the rows are streamed to the temporary file for seconds
    molecules = ("CCO", "c1ccccc1CCN", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC")
    source.write_text(
        "".join(f"{molecules[i % 4]} r{i}\n" for i in range(60_000)), encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    if previous:
        out.write_text(PREVIOUS, encoding="utf-8")
    argv = ["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]
    # the temporary file already holds rows: the kill lands mid-write
    _run_and_kill(argv, tmp_path, _temp_in(tmp_path, min_size=1))
    if previous:
        assert out.read_text(encoding="utf-8") == PREVIOUS
    else:
        assert not out.exists()


@pytest.mark.parametrize(
    "previous",
    [True, pytest.param(False, marks=pytest.mark.slow)],  # `make test-slow` runs the second
    ids=["over-a-file", "new-file"],
)
def test_kill_9_during_shipments_screen(tmp_path: Path, previous: bool) -> None:
    base = pl.read_csv(SMALL, infer_schema=False)
    copies = 2500
    big = pl.concat([base] * copies).with_columns(
        pl.format("S{}", pl.int_range(pl.len())).alias("shipment_id")
    )
    manifest = tmp_path / "big.csv"
    big.write_csv(manifest)
    out = tmp_path / "alerts.csv"
    if previous:
        out.write_text(PREVIOUS, encoding="utf-8")
    argv = ["shipments", "screen", str(manifest), "-o", str(out), "--min-level", "none"]
    _run_and_kill(argv, tmp_path, _temp_in(tmp_path))
    if previous:
        assert out.read_text(encoding="utf-8") == PREVIOUS
    else:
        assert not out.exists()


@pytest.mark.parametrize(
    "previous",
    [True, pytest.param(False, marks=pytest.mark.slow)],
    ids=["over-a-folder", "new-folder"],
)
def test_kill_9_during_simulate(tmp_path: Path, previous: bool) -> None:
    out = tmp_path / "sim"
    if previous:
        out.mkdir()
        (out / "series.csv").write_text(PREVIOUS, encoding="utf-8")
        (out / "notes.txt").write_text("the analyst's own file\n", encoding="utf-8")
    argv = ["simulate", "--start", "2020-01", "--end", "2021-12", "--volume", "0.2", "-o", "sim"]
    _run_and_kill(argv, tmp_path, _temp_in(tmp_path))
    if previous:
        assert (out / "series.csv").read_text(encoding="utf-8") == PREVIOUS
        assert (out / "notes.txt").read_text(encoding="utf-8") == "the analyst's own file\n"
        assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "series.csv"]
    else:
        assert not out.exists()
