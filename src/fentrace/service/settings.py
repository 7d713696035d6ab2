"""Service settings: defaults, then one optional TOML file, then ``FENTRACE_*`` environment variables.

Every field is listed in :data:`SETTING_HELP` with the environment variable that sets it;
``fentrace serve --help`` prints that table. A later source wins: a value in the environment
overrides the TOML file, which overrides the default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from fentrace.exc import ConfigError

ENV_PREFIX = "FENTRACE_"

#: Each setting, what it does, for ``fentrace serve --help`` and docs/service.md.
SETTING_HELP: dict[str, str] = {
    "data_dir": "directory for the SQLite database and stored uploads (default ./fentrace-data)",
    "database_url": "SQLAlchemy URL; postgresql+psycopg://user@host/db selects PostgreSQL "
    "(default: SQLite file fentrace.db in data_dir)",
    "host": "address to bind (default 127.0.0.1)",
    "port": "port to bind (default 8000)",
    "max_body_bytes": "largest JSON request body in bytes (default 1048576)",
    "max_upload_bytes": "largest manifest upload in bytes (default 268435456)",
    "max_batch": "most queries in one chem or parties request (default 100)",
    "job_chunk_rows": "manifest rows committed per job transaction (default 5000)",
    "job_workers": "background threads screening jobs (default 1)",
    "min_level": "lowest alert level a job stores: high, medium or low (default low)",
    "key_cache_seconds": "seconds a checked API key is trusted before it is looked up again; "
    "a revoked key stops working within this time (default 2)",
    "chem_opsin": "send chemical names the knowledge base lacks to OPSIN, as `fentrace chem "
    "screen` does (a Java process per name, about a second each); false answers such names "
    "as unresolved at once (default true)",
    "log_level": "DEBUG, INFO, WARNING or ERROR (default INFO)",
    "watchlists": "extra watchlist files for party screening (TOML list; in the environment "
    "separated by the path separator)",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to start; build one with :meth:`Settings.load`."""

    data_dir: Path = Path("fentrace-data")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1 << 20
    max_upload_bytes: int = 256 << 20
    max_batch: int = 100
    job_chunk_rows: int = 5000
    job_workers: int = 1
    min_level: str = "low"
    key_cache_seconds: float = 2.0
    chem_opsin: bool = True
    log_level: str = "INFO"
    watchlists: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def url(self) -> str:
        """The database URL: the configured one, else the SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fentrace.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        """Where uploaded manifests are stored before a worker screens them."""
        return self.data_dir / "uploads"

    @classmethod
    def load(
        cls,
        config: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Defaults, then the TOML file ``config``, then ``FENTRACE_*`` variables, then ``overrides``."""
        values: dict[str, Any] = {}
        if config is not None:
            values.update(_read_toml(Path(config)))
        env = os.environ if environ is None else environ
        for name in SETTING_HELP:
            key = ENV_PREFIX + name.upper()
            if key in env:
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        built: Settings = _build(values, str(config) if config is not None else "environment")
        return built

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated like loaded values)."""
        return replace(self, **_build(changes, "overrides", only=True))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(
            f"cannot read the settings file ({error.strerror})", file=str(path)
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML ({error})", file=str(path)) from None
    section = raw.get("service", raw)
    if not isinstance(section, dict):
        raise ConfigError("[service] must be a table", file=str(path), key="service")
    return dict(section)


def _build(values: Mapping[str, Any], where: str, *, only: bool = False) -> Any:
    """Validate ``values`` into Settings (or, with ``only``, into a dict of changed fields)."""
    kinds = {f.name: f for f in fields(Settings)}
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in kinds:
            raise ConfigError(
                f"unknown setting; known: {', '.join(sorted(SETTING_HELP))}", file=where, key=name
            )
        checked[name] = _coerce(name, value, where)
    if checked.get("min_level", "low") not in ("high", "medium", "low"):
        raise ConfigError("must be high, medium or low", file=where, key="min_level")
    if checked.get("log_level", "INFO") not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("must be DEBUG, INFO, WARNING or ERROR", file=where, key="log_level")
    return checked if only else Settings(**checked)


_POSITIVE = {
    "port",
    "max_body_bytes",
    "max_upload_bytes",
    "max_batch",
    "job_chunk_rows",
    "job_workers",
}


def _coerce(name: str, value: Any, where: str) -> Any:
    try:
        if name in _POSITIVE:
            number = int(value)
            if number < 1 or (name == "port" and number > 65535):
                raise ValueError(value)
            return number
        if name == "key_cache_seconds":
            seconds = float(value)
            if seconds < 0:
                raise ValueError(value)
            return seconds
        if name == "chem_opsin":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return text in ("true", "1", "yes")
        if name == "data_dir":
            return Path(str(value))
        if name == "watchlists":
            items = value.split(os.pathsep) if isinstance(value, str) else list(value)
            return tuple(Path(str(item)) for item in items if str(item))
        if name == "log_level":
            return str(value).upper()
        return None if value is None else str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"invalid value {value!r}", file=where, key=name) from None
