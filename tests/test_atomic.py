"""Atomic, exclusive outputs: whole or absent, never interleaved."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from fentrace.atomic import (
    TEMP_PREFIX,
    OutputLockedError,
    atomic_directory,
    atomic_open,
    atomic_path,
    output_lock,
    refuse_output_over_input,
    same_file,
    write_text_atomic,
)
from fentrace.exc import ConfigError, UsageError


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_completed_write_replaces_the_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with atomic_open(target) as handle:
        handle.write("new\n")
        assert target.read_text() == "old\n"  # nothing visible before the end
    assert target.read_text() == "new\n"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def write_half() -> None:
        with atomic_open(target) as handle:
            handle.write("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_half()
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_a_failed_first_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"

    def write_half() -> None:
        with atomic_path(target) as temp:
            temp.write_bytes(b"PAR1")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_half()
    assert not target.exists()


def test_permissions_follow_the_old_file_or_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text_atomic(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    target.chmod(0o600)
    write_text_atomic(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_second_writer_fails_with_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    with output_lock(target):
        with pytest.raises(OutputLockedError, match="another process is writing") as caught:
            write_text_atomic(target, "second")
        assert caught.value.to_dict()["error"]["file"] == str(target)
        monkeypatch.setenv("FENTRACE_LOCK_WAIT_S", "0.2")
        with pytest.raises(OutputLockedError, match=r"waited 0.2 s"):
            write_text_atomic(target, "second")
    write_text_atomic(target, "after")
    assert target.read_text() == "after"
    assert _leftovers(tmp_path) == []


def _hold_lock(path: str, ready: multiprocessing.synchronize.Event, go: multiprocessing.synchronize.Event) -> None:  # fmt: skip
    with atomic_open(path) as handle:
        handle.write("first writer, row 1\n")
        ready.set()
        go.wait(10)
        handle.write("first writer, row 2\n")


def test_two_processes_never_interleave_one_path(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    context = multiprocessing.get_context("fork")
    ready, go = context.Event(), context.Event()
    first = context.Process(target=_hold_lock, args=(str(target), ready, go))
    first.start()
    try:
        assert ready.wait(10)
        with pytest.raises(OutputLockedError):
            write_text_atomic(target, "second writer\n")
    finally:
        go.set()
        first.join(10)
    assert target.read_text() == "first writer, row 1\nfirst writer, row 2\n"


def test_a_missing_folder_and_a_folder_as_target_are_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        write_text_atomic(tmp_path / "nope" / "x.csv", "x")
    with pytest.raises(UsageError, match="is a folder"):
        write_text_atomic(tmp_path, "x")


def test_a_new_folder_appears_whole(tmp_path: Path) -> None:
    target = tmp_path / "sim"
    with atomic_directory(target) as temp:
        (temp / "a.csv").write_text("a")
        assert not target.exists()
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]
    assert _leftovers(tmp_path) == []


def test_an_existing_folder_keeps_other_files_and_gets_whole_new_ones(tmp_path: Path) -> None:
    target = tmp_path / "sim"
    target.mkdir()
    (target / "a.csv").write_text("old")
    (target / "notes.txt").write_text("mine")
    with atomic_directory(target) as temp:
        (temp / "a.csv").write_text("new")
        assert (target / "a.csv").read_text() == "old"
    assert (target / "a.csv").read_text() == "new"
    assert (target / "notes.txt").read_text() == "mine"

    def write_half() -> None:
        with atomic_directory(target) as temp:
            (temp / "a.csv").write_text("half")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_half()
    assert (target / "a.csv").read_text() == "new"
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())


def test_a_file_is_not_an_output_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is a file"), atomic_directory(tmp_path / "f"):
        pass


def test_output_over_input_is_found_through_links_and_spellings(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("x")
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    assert same_file(link, tmp_path / "." / "in.csv")
    assert not same_file(source, tmp_path / "other.csv")
    with pytest.raises(UsageError, match="is the input file"):
        refuse_output_over_input(str(link), source)
    refuse_output_over_input("-", source)
    refuse_output_over_input(tmp_path / "out.csv", source, None, "-")


def test_a_bad_lock_wait_setting_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FENTRACE_LOCK_WAIT_S", "soon")
    with pytest.raises(ConfigError, match="FENTRACE_LOCK_WAIT_S='soon'"):
        write_text_atomic(tmp_path / "x", "x")
