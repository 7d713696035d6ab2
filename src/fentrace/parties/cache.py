"""A built screening index kept on disk, keyed on the list files' contents.

Building the index for the full SDN list (about 45,000 names) takes seconds; a screening
run that starts again on unchanged lists should not pay that again. The key is a SHA-256
over the bytes of every list file (and the alt.csv / add.csv read beside an sdn.csv), the
programme filter, and the source of this package (so a new normaliser never reads an old
index). The cache lives in ``$FENTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/fentrace``,
else ``~/.cache/fentrace``. Only files this process wrote are read back; a damaged entry
is rebuilt, never trusted.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

from fentrace.parties.screen import PartyScreener
from fentrace.parties.watchlist import BUNDLED_NAME, load_watchlist

#: Bumped when the pickled layout changes in a way the source hash would not show.
CACHE_FORMAT: Final[int] = 1
#: Files read beside an OFAC sdn.csv; their contents are part of the key too.
_SIBLINGS: Final[tuple[str, ...]] = ("alt.csv", "add.csv")


def cache_directory() -> Path:
    """Where built indexes are kept: FENTRACE_CACHE_DIR, else the XDG cache directory."""
    explicit = os.environ.get("FENTRACE_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "fentrace"


def _source_digest() -> str:
    """A digest of this package's source, so an index built by other code is never reused."""
    digest = hashlib.sha256(str(CACHE_FORMAT).encode())
    package = resources.files("fentrace.parties")
    for name in sorted(p.name for p in package.iterdir() if p.name.endswith(".py")):
        digest.update(name.encode())
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()


def index_key(paths: Iterable[Path], bundled: bool, programs: Iterable[str] = ()) -> str:
    """The cache key of an index: list file contents, bundled or not, programmes, source."""
    digest = hashlib.sha256(_source_digest().encode())
    digest.update(b"bundled" if bundled else b"files-only")
    if bundled:
        digest.update(
            resources.files("fentrace.reference").joinpath("data", BUNDLED_NAME).read_bytes()
        )
    for path in paths:
        files = [path]
        if path.name.lower() == "sdn.csv":
            files += [path.parent / name for name in _SIBLINGS if (path.parent / name).is_file()]
        for file in files:
            digest.update(file.name.encode())
            try:
                digest.update(hashlib.sha256(file.read_bytes()).digest())
            except OSError:
                digest.update(b"unreadable")  # the loader reports it with its own message
    for program in sorted(p.strip().upper() for p in programs):
        digest.update(program.encode())
    return digest.hexdigest()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many long-lived objects are made (several times faster)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(given: list[Path], bundled: bool, programs: list[str]) -> PartyScreener:
    with _collector_paused():
        return PartyScreener(load_watchlist(given, bundled=bundled), programs)


@dataclass(frozen=True, slots=True)
class CachedScreener:
    """A screener and where it came from: ``built`` (and saved) or ``cached`` (read back)."""

    screener: PartyScreener
    origin: str
    path: Path | None


def load_screener(
    paths: Iterable[str | Path] | None = None,
    *,
    bundled: bool | None = None,
    programs: Iterable[str] = (),
    use_cache: bool = True,
    directory: Path | None = None,
) -> CachedScreener:
    """The screener for these lists: read back from the cache when the files are unchanged, else built and saved."""
    given = [Path(p) for p in paths or ()]
    use_bundled = (not given) if bundled is None else bundled
    program_list = [p for p in programs if p.strip()]
    if not use_cache:
        return CachedScreener(_build(given, use_bundled, program_list), "built", None)
    folder = directory or cache_directory()
    key = index_key(given, use_bundled, program_list)
    target = folder / f"parties-index-{key[:32]}.pickle"
    if target.is_file():
        try:
            with target.open("rb") as stored, _collector_paused():
                screener = pickle.load(stored)
            if isinstance(screener, PartyScreener):
                return CachedScreener(screener, "cached", target)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            pass  # damaged or from an older layout: build it again below
    screener = _build(given, use_bundled, program_list)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            pickle.dump(screener, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, target)
    except OSError:
        return CachedScreener(screener, "built", None)  # a read-only cache only costs time
    return CachedScreener(screener, "built", target)
