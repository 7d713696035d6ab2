"""The one exception tree of fentrace.

Every error the library raises on purpose is a :class:`FentraceError`. Edges (CLI, API)
catch that base class, print ``str(error)`` (a located, human sentence) and, for
machines, :meth:`FentraceError.to_dict` -- the one JSON error shape::

    {"error": {"type": "DataFileError", "message": "...", "file": "...", "record": "...", "field": "..."}}

Tree::

    FentraceError
    +-- DataFileError        a bundled or user-supplied data file is broken (file, record, field)
    +-- InputError           user input cannot be used (a file of the wrong type, a missing column)
    |   +-- UsageError       a command-line or API call is malformed (exit status 2)
    +-- ResolutionError      a chemical query cannot be turned into a structure
    +-- ConfigError          a rules, scenario or settings file is invalid
"""

from __future__ import annotations

from typing import Any


class FentraceError(Exception):
    """Base class of every error fentrace raises on purpose."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """The JSON error shape shared by the CLI and the API."""
        body: dict[str, Any] = {"type": type(self).__name__, "message": self.message}
        body.update(
            {k: (str(v) if not isinstance(v, int | float) else v) for k, v in self.context.items()}
        )
        return {"error": body}


class DataFileError(FentraceError):
    """A data file is broken; the message names the file, the record and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        record: str | int | None = None,
        field: str | None = None,
    ) -> None:
        where = file
        if record is not None:
            where += f", record {record}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}", file=file, record=record, field=field)
        self.file = file
        self.record = record
        self.field = field


class InputError(FentraceError):
    """User input cannot be used as given."""


class UsageError(InputError):
    """A command is called wrongly; the CLI exits with status 2."""


class ResolutionError(FentraceError):
    """A chemical query could not be resolved to a structure."""

    def __init__(self, message: str, *, query: str | None = None) -> None:
        super().__init__(message, query=query)
        self.query = query


class ConfigError(FentraceError):
    """A rules, scenario or settings file is invalid."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        where = ""
        if file is not None:
            where = file + (f", key {key!r}" if key else "") + ": "
        super().__init__(where + message, file=file, key=key)
