"""What every ingest module shares: the per-file report, fingerprints, text decoding,
header checks and the shape of a rejects table.

An ingest module reads and validates raw files, then hands the store a transaction's
worth of tables. It never draws and never writes files itself.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from csp_dash.errors import UnusableInputError
from csp_dash.store import REJECT_COLUMNS, now_iso


@dataclass
class SourceReport:
    """One input file's accounting: every row read is accepted or rejected.

    ``details`` holds what the kind of source adds (e.g. months, forces, rows in the
    area); it is stored verbatim in the manifest.
    """

    kind: str
    path: str
    size: int
    sha256: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    ingested_at: str = field(default_factory=now_iso)

    def balanced(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected

    def to_manifest(self) -> dict[str, Any]:
        return asdict(self)


def fingerprint(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it ends in .gz."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise UnusableInputError("is a folder, not a file", file=path) from None
    except FileNotFoundError:
        raise UnusableInputError("no such file", file=path) from None
    if path.suffix == ".gz":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError):
            raise UnusableInputError("is not a readable gzip file", file=path, expected="a .csv.gz file") from None
    return raw


def decode_text(data: bytes, path: Path | str) -> str:
    """Decode UTF-8 (with or without a byte-order mark), naming the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnusableInputError(
            f"byte 0x{data[exc.start]:02x} at position {exc.start} is not valid UTF-8",
            file=path,
            line=line,
            expected="a UTF-8 text file (save it as 'CSV UTF-8' in Excel)",
        ) from None


_CONTENT = re.compile(rb"[^\xef\xbb\xbf \t\r\n]")


def check_not_empty(data: bytes, path: Path | str) -> None:
    # A search stops at the first character; stripping would copy the whole file.
    if not _CONTENT.search(data):
        raise UnusableInputError("is empty", file=path, expected="a header line followed by data rows")


def looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG"))


def check_header(found: list[str], expected: list[str], path: Path | str, what: str) -> None:
    """Raise naming the first column that differs from the expected header."""
    cleaned = [c.strip() for c in found]
    if cleaned == expected:
        return
    for i, want in enumerate(expected):
        got = cleaned[i] if i < len(cleaned) else None
        if got != want:
            shown = f"'{got}'" if got is not None else "nothing"
            raise UnusableInputError(
                f"column {i + 1} of the header is {shown}, not '{want}'",
                file=path,
                line=1,
                column=want,
                expected=f"the {len(expected)} columns of {what}: {', '.join(expected)}",
            )
    extra = cleaned[len(expected)]
    raise UnusableInputError(
        f"the header has {len(cleaned)} columns; column {len(expected) + 1} is '{extra}'",
        file=path,
        line=1,
        column=extra,
        expected=f"exactly the {len(expected)} columns of {what}",
    )


def make_rejects(rows: pd.DataFrame, source_file: str, line: Iterable[int], column: Iterable[str],
                 reason: Iterable[str], value: Iterable[str] | None = None) -> pd.DataFrame:
    """A rejects frame: the standard columns first, then the row's raw fields as text."""
    raw = rows.reset_index(drop=True).astype("string").fillna("")
    meta = pd.DataFrame({
        "source_file": source_file,
        "line": list(line),
        "column": list(column),
        "value": list(value) if value is not None else "",
        "reason": list(reason),
    })
    meta["line"] = meta["line"].astype("int64")
    return pd.concat([meta, raw], axis=1)


def empty_rejects(extra_columns: Iterable[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in [*REJECT_COLUMNS, *extra_columns]})


def reason_counts(reasons: Iterable[str]) -> dict[str, int]:
    """How many rows each reason rejected, most frequent first.

    Reasons are short fixed phrases; the offending value sits in its own column.
    """
    return dict(Counter(reasons).most_common())


def text_stream(text: str) -> io.StringIO:
    return io.StringIO(text)
