"""One error shape for the whole app.

Every expected failure is a ``CspError`` carrying where it happened (file, line,
column) and what was expected. The CLI prints ``str(error)`` in one or two lines
and exits 2; the app shows it in a box with ``error.hint``. Tracebacks are for bugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(eq=False)
class CspError(Exception):
    """An expected failure, described for a person rather than a debugger.

    Parameters
    ----------
    message : str
        What went wrong, in plain words.
    file : str or Path, optional
        The file being read.
    line : int, optional
        1-based line number in that file (the header is line 1).
    column : str, optional
        The column (or config key) concerned.
    expected : str, optional
        What would have been accepted.
    hint : str, optional
        What the user can do about it.
    """

    message: str
    file: str | Path | None = None
    line: int | None = None
    column: str | None = None
    expected: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def location(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        first = f"{where}: {self.message}" if where else self.message
        if self.expected:
            first += f"; expected {self.expected}"
        return f"{first}\n{self.hint}" if self.hint else first


class UnusableInputError(CspError):
    """A whole input file cannot be used: wrong columns, not a CSV, empty, undecodable."""


class ConfigError(CspError):
    """csp.toml has an unknown key or a value outside what is allowed."""


class MissingDataError(CspError):
    """The store lacks a table that an operation needs (e.g. boundaries before crimes)."""
