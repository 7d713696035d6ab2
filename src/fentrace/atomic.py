"""Atomic, exclusive output files and folders.

Every file fentrace writes goes to a temporary file in the same directory, is flushed to disk
(``fsync``) and renamed over the final path (``os.replace``). A crash, ``kill -9`` or a full
disk therefore leaves either the previous file or no file at the final path, never half of one.

While it writes, a process holds an advisory lock (``fcntl.flock``) on a hidden lock file beside
the output (``.<name>.lock``): a second process writing the same path waits up to
``FENTRACE_LOCK_WAIT_S`` seconds (default 0) and then fails with a located error, so two runs
never interleave their rows. The kernel drops the lock when a process dies, even by ``kill -9``.

Folders (simulation outputs) are built in a temporary folder beside the final one. A folder
that does not exist yet, or is empty, is replaced by one rename; into a folder that already
holds files each file is moved by its own rename, so every file is whole, old or new.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

from fentrace.exc import FentraceError, UsageError
from fentrace.limits import bound

#: Prefix of the temporary files and folders, so a leftover one (after kill -9) is recognisable.
TEMP_PREFIX = ".fentrace-tmp-"


class OutputLockedError(FentraceError):
    """Another process is writing the same output path."""

    def __init__(self, path: Path, waited: float) -> None:
        super().__init__(
            f"{path}: another process is writing this output"
            + (f" (waited {waited:g} s)" if waited else "")
            + "; wait for it to finish or write elsewhere (FENTRACE_LOCK_WAIT_S sets the wait)",
            file=str(path),
        )


def _lock_path(path: Path) -> Path:
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def output_lock(path: str | Path) -> Iterator[None]:
    """Hold the advisory lock of ``path`` (see the module docstring); raise when it is taken."""
    target = Path(path)
    lock_file = _lock_path(target)
    wait = float(bound("lock_wait_s"))
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputLockedError(target, wait) from None
            time.sleep(0.05)
            continue
        # the holder before us may have removed the lock file after we opened it: then our lock
        # is on an orphan inode and a third process could lock a new file; start again
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_file).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_file)
        os.close(fd)


def _final_mode(path: Path) -> int:
    """The permission bits the final file gets: the old file's, else the umask's default."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check_parent(target: Path) -> None:
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {target}: the folder {parent} does not exist")
    if target.is_dir():
        raise UsageError(f"{target}: is a folder; give a file name")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s new content to; renamed over ``path`` on success.

    For writers that take a path (Polars, networkx, matplotlib). On an exception the
    temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    _check_parent(target)
    with output_lock(target):
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=TEMP_PREFIX + target.name + ".", suffix=target.suffix
        )
        os.close(fd)
        temp = Path(name)
        try:
            yield temp
            os.chmod(temp, _final_mode(target))
            with open(temp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temp, target)
            _fsync_dir(target.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


@overload
def atomic_open(
    path: str | Path,
    mode: Literal["w"] = "w",
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_open(
    path: str | Path, mode: Literal["wb"], *, encoding: None = None, newline: None = None
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def atomic_open(
    path: str | Path,
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Open ``path`` for writing, atomically: the content appears at ``path`` only when complete."""
    return _atomic_open(path, mode, encoding, newline)


@contextlib.contextmanager
def _atomic_open(
    path: str | Path, mode: str, encoding: str | None, newline: str | None
) -> Iterator[IO[Any]]:
    with atomic_path(path) as temp:
        if "b" in mode:
            with open(temp, mode) as handle:
                yield handle
        else:
            with open(temp, mode, encoding=encoding, newline=newline) as handle:
                yield handle


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """A temporary folder to build ``path``'s files in; moved into place on success.

    A new or empty ``path`` is replaced by one rename (all files appear at once); an existing
    folder with files keeps its other files and gets each new file by its own rename.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: is a file, not a folder")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FentraceError(
            f"{target}: cannot create the output folder ({error.strerror})", file=str(target)
        ) from error
    with output_lock(target):
        temp = Path(tempfile.mkdtemp(dir=parent, prefix=TEMP_PREFIX + target.name + "."))
        try:
            yield temp
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temp, 0o777 & ~mask)
            for file in temp.iterdir():
                with open(file, "rb") as handle:
                    os.fsync(handle.fileno())
            if target.is_dir() and not any(target.iterdir()):
                target.rmdir()
            if not target.exists():
                os.replace(temp, target)
            else:
                for file in sorted(temp.iterdir()):
                    os.replace(file, target / file.name)
                _fsync_dir(target)
            _fsync_dir(parent)
        finally:
            shutil.rmtree(temp, ignore_errors=True)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when the two paths name one file (also through links and different spellings)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_output_over_input(output: str | Path | None, *inputs: str | Path | None) -> None:
    """A usage error when an output path is one of the inputs (it would be destroyed)."""
    if output is None or str(output) == "-":
        return
    for given in inputs:
        if given is None or str(given) == "-":
            continue
        if same_file(output, given):
            raise UsageError(
                f"output {str(output)!r} is the input file {str(given)!r}: "
                "writing it would destroy the input; choose another output path"
            )
