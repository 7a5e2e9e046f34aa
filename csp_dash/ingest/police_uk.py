"""police.uk street-level crime CSVs: the 12-column monthly files, one per force.

Input can be a CSV (optionally gzipped), a folder tree of monthly folders, or a police.uk
archive .zip, for one force or several. Each row read ends in exactly one place:

* ``crimes``: records placed in the configured area, by point in polygon on the
  configured LSOA geography (the reported LSOA code is kept beside it), or, with no
  coordinates, by a reported LSOA that belongs to the area;
* ``unlocated``: records with neither coordinates nor an LSOA, kept per force and month;
* outside the area: counted only in ``crime_aggregate``;
* ``rejects/crimes.csv``: rows that fail a check, with the reason.

``crime_aggregate`` counts every accepted row by district (from the reported LSOA name),
force, month and category, so trends can compare the area with its force or other areas.

police.uk re-issues months with updated outcomes. A force's month is the unit of
replacement: ingesting it again replaces everything previously held for it.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely

from csp_dash.config import Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.boundaries import area_name_pattern
from csp_dash.ingest.common import (
    SourceReport,
    check_header,
    check_not_empty,
    decode_text,
    empty_rejects,
    fingerprint,
    looks_binary,
    make_rejects,
    reason_counts,
)

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]

# The 14 categories police.uk has used since May 2013.
CATEGORIES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
    "Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)

# Names used before May 2013, mapped onto today's 14 (docs/data/police-uk.md explains each).
# "Other theft" keeps its name but, before May 2013, also holds bicycle theft and theft
# from the person; "Public disorder and weapons" also holds possession of weapons.
LEGACY_CATEGORIES = {
    "Violent crime": "Violence and sexual offences",
    "Violence against the person": "Violence and sexual offences",
    "Public disorder and weapons": "Public order",
}

_CATEGORY_LOOKUP = {c.lower(): c for c in CATEGORIES} | {k.lower(): v for k, v in LEGACY_CATEGORIES.items()}

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
LSOA_CODE_PATTERN = r"^[EW]01\d{6}$"
# A generous box around the UK (police.uk covers England, Wales and Northern Ireland).
UK_LON = (-8.7, 1.9)
UK_LAT = (49.8, 60.9)

# Reject reasons: short fixed phrases, so that the summary can count them.
R_FIELDS = "wrong number of fields"
R_MONTH = "month is not YYYY-MM"
R_FORCE = "Reported by is blank"
R_LON = "longitude is not a number"
R_LAT = "latitude is not a number"
R_HALF = "only one of longitude and latitude is given"
R_OUTSIDE = "coordinates lie outside the UK"
R_CATEGORY = "unknown crime type"
R_LSOA = "LSOA code is not like E01000001"
R_DUPLICATE = "duplicate Crime ID within the month"

# Rows checked together: a national month (about 550,000 rows) fits in one batch, and a
# whole multi-year archive is read in batches of this size to bound memory.
BATCH_ROWS = 1_000_000
READERS = 2  # files read in parallel

# Where an accepted record goes, as small integers while a batch is processed.
PLACEMENTS = ("outside", "point", "reported_lsoa", "unlocated")
OUTSIDE, POINT, REPORTED_LSOA, UNLOCATED = range(4)
_PLACEMENT_NAMES = pa.array(PLACEMENTS)

CRIME_COLUMNS = [
    "month", "category", "reported_category", "lsoa_code", "lsoa_name", "reported_lsoa_code",
    "reported_lsoa_name", "longitude", "latitude", "location", "outcome", "crime_id", "force",
    "falls_within", "context", "placement", "source_file", "source_line",
]
UNLOCATED_COLUMNS = ["month", "category", "reported_category", "location", "outcome", "crime_id", "force",
                     "falls_within", "source_file", "source_line"]
AGGREGATE_COLUMNS = ["district", "force", "month", "category", "crimes"]


@dataclass
class CrimeSource:
    """One street-level CSV: a file on disk or a member of a zip archive."""

    name: str
    read: Callable[[], bytes]


@dataclass
class AreaGeometry:
    """The configured area's LSOAs, prepared for fast point-in-polygon tests."""

    codes: np.ndarray
    names: dict[str, str]
    tree: shapely.STRtree
    bounds: tuple[float, float, float, float]
    all_code_set: frozenset[str]  # every LSOA code of the configured geography, in the area or not
    name_re: re.Pattern
    code_array: pa.Array  # the area's codes and names as Arrow arrays, to look names up by code
    name_array: pa.Array

    @classmethod
    def from_lsoas(cls, lsoas: pd.DataFrame, district_name: str, all_codes=None) -> "AreaGeometry":
        """From the lsoas table (at least its area rows); ``all_codes`` defaults to its codes."""
        area = lsoas[lsoas["area"]]
        return cls.build(area["code"].tolist(), area["name"].tolist(), area.geometry.values, district_name,
                         lsoas["code"].tolist() if all_codes is None else list(all_codes))

    @classmethod
    def build(cls, codes: list[str], names: list[str], geometries, district_name: str,
              all_codes: list[str]) -> "AreaGeometry":
        geoms = np.asarray(geometries)
        shapely.prepare(geoms)
        return cls(
            codes=np.array(codes, dtype=object),
            names=dict(zip(codes, names)),
            tree=shapely.STRtree(geoms),
            bounds=tuple(shapely.total_bounds(geoms)),
            all_code_set=frozenset(all_codes),
            name_re=area_name_pattern(district_name),
            code_array=pa.array(codes, type=pa.string()),
            name_array=pa.array(names, type=pa.string()),
        )

    def names_of(self, codes: pa.Array) -> pa.Array:
        """The LSOA name of each area code (null for null)."""
        return self.name_array.take(pc.index_in(codes, value_set=self.code_array))

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The area LSOA code containing each point, or None outside the area."""
        out = np.full(len(lon), None, dtype=object)
        x0, y0, x1, y1 = self.bounds
        near = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        if len(near):
            pts = shapely.points(lon[near], lat[near])
            # "intersects" keeps a point lying exactly on an edge; the first match wins.
            hit_pt, hit_poly = self.tree.query(pts, predicate="intersects")
            first = np.unique(hit_pt, return_index=True)[1]
            out[near[hit_pt[first]]] = self.codes[hit_poly[first]]
        return out


# -- finding the files ------------------------------------------------------------------

def _is_street_name(name: str) -> bool:
    # "._name" files are macOS resource forks (AppleDouble) that copy a real file's name.
    return name.lower().endswith(("-street.csv", "-street.csv.gz")) and not name.startswith("._")


def expand_inputs(paths: list[Path]) -> tuple[list[CrimeSource], list[str]]:
    """Every street CSV under the given paths, and notes on files skipped."""
    sources: list[CrimeSource] = []
    notes: list[str] = []
    for path in paths:
        if not path.exists():
            raise UnusableInputError("no such file or folder", file=path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _is_street_name(p.name))
            skipped = sum(1 for p in path.rglob("*.csv") if not _is_street_name(p.name))
            if not files:
                raise UnusableInputError(
                    "holds no police.uk street-level files",
                    file=path,
                    expected="files named YYYY-MM-<force>-street.csv in this folder or its monthly folders",
                )
            if skipped:
                notes.append(f"{path}: skipped {skipped} CSV files that are not street-level (outcomes, stop and search)")
            sources.extend(CrimeSource(str(p), _file_reader(p)) for p in files)
        elif path.suffix.lower() == ".zip":
            sources.extend(_zip_sources(path, notes))
        else:
            sources.append(CrimeSource(str(path), _file_reader(path)))
    return _once_each(sources, notes), notes


def _once_each(sources: list[CrimeSource], notes: list[str]) -> list[CrimeSource]:
    """Drop a file given twice (directly and through its folder, say): read twice, it would count twice."""
    kept: dict[str, CrimeSource] = {}
    for source in sources:
        archive, bang, member = source.name.partition("!")
        key = str(Path(archive).resolve()) + bang + member
        if key in kept:
            notes.append(f"{source.name}: given more than once; read once")
        else:
            kept[key] = source
    return list(kept.values())


def _gunzip(data: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise UnusableInputError("is not a readable gzip file", file=name, expected="a .csv.gz file") from None


def _file_reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        data = path.read_bytes()
        return _gunzip(data, str(path)) if path.suffix.lower() == ".gz" else data

    return read


def _zip_sources(path: Path, notes: list[str]) -> list[CrimeSource]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UnusableInputError("is not a readable zip archive", file=path, expected="a police.uk archive .zip") from None
    members = sorted(n for n in archive.namelist()
                     if _is_street_name(n.rsplit("/", 1)[-1]) and not n.startswith("__MACOSX/"))
    others = [n for n in archive.namelist() if n.lower().endswith(".csv") and n not in members]
    if not members:
        raise UnusableInputError(
            "holds no street-level files",
            file=path,
            expected="a police.uk archive with YYYY-MM/YYYY-MM-<force>-street.csv files",
        )
    if others:
        notes.append(f"{path}: skipped {len(others)} CSV files that are not street-level (outcomes, stop and search)")

    def reader(member: str) -> Callable[[], bytes]:
        def read() -> bytes:
            name = f"{path}!{member}"
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise UnusableInputError(f"cannot be extracted from the archive ({exc})", file=name,
                                         expected="an intact police.uk archive .zip") from None
            return _gunzip(data, name) if member.lower().endswith(".gz") else data

        return read

    return [CrimeSource(f"{path}!{m}", reader(m)) for m in members]


# -- reading one file ---------------------------------------------------------------------

def _parse(data: bytes, name: str, quoted: bool) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    """Parse as text columns; rows with the wrong number of fields are returned apart."""
    bad: list[tuple[int | None, str]] = []

    def on_bad_row(row) -> str:
        bad.append((row.number, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=STREET_COLUMNS, skip_rows=1, block_size=1 << 22),
            # A quoted value may hold a line break; pyarrow only copes with one that falls on a
            # block boundary when told to look for them, which is slower, so only when quotes occur.
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row, newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in STREET_COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        decode_text(data, name)  # a bad byte: say so with its line, rather than pyarrow's column number
        raise UnusableInputError(f"cannot be parsed as CSV ({exc})", file=name) from None
    return table, bad


def _record_lines(text: str, n_records: int) -> tuple[np.ndarray, list[tuple[int, list[str]]]] | None:
    """Exact starting line of every record (and the malformed ones), via the csv module.

    Used only when the fast assumption, one record per line, does not hold.
    """
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    starts, bad = [], []
    previous_end = reader.line_num
    for fields in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not fields:
            continue
        if len(fields) == len(STREET_COLUMNS):
            starts.append(start)
        else:
            bad.append((start, fields))
    if len(starts) != n_records:
        return None
    return np.asarray(starts, dtype=np.int64), bad


@dataclass
class ParsedFile:
    """One street CSV parsed into text columns, before any row is checked."""

    source: CrimeSource
    table: pa.Table
    lines: np.ndarray  # each record's line number in the file (the header is line 1)
    malformed: list[tuple[int, list[str]]]  # records with the wrong number of fields
    report: SourceReport
    # Worked out while the file is read, in a reader thread (Arrow and numpy release the GIL):
    lon: tuple[np.ndarray, np.ndarray, np.ndarray] = None  # (values, blank, not a number)
    lat: tuple[np.ndarray, np.ndarray, np.ndarray] = None
    ids: tuple[np.ndarray, list[str]] = None  # Crime ID hashes, and IDs that could not be hashed

    def __post_init__(self) -> None:
        self.lon = _coordinate(self.table["Longitude"])
        self.lat = _coordinate(self.table["Latitude"])
        self.ids = _id_fingerprints(self.table["Crime ID"])


@dataclass
class BatchResult:
    """Checked and placed records of a batch of files: the parts each table receives."""

    crimes: pa.Table
    unlocated: pa.Table
    aggregate: pa.Table  # district, force, month ("YYYY-MM"), category, crimes
    rejects: pd.DataFrame | None
    keys: list[set[tuple[str, str]]]  # per file, the (force, "YYYY-MM") pairs it provides


def read_file(source: CrimeSource) -> ParsedFile:
    """Parse one file into text columns with each record's line number.

    Raises UnusableInputError when the file as a whole cannot be used.
    """
    data = source.read()
    size, sha = fingerprint(data)
    report = SourceReport(kind="crime", path=source.name, size=size, sha256=sha)
    check_not_empty(data, source.name)
    if looks_binary(data):
        raise UnusableInputError("is not a CSV text file", file=source.name, expected="a police.uk street-level CSV")
    first_break = data.find(b"\n")
    header_text = decode_text(data[: first_break if first_break >= 0 else len(data)], source.name)
    header = next(csv.reader([header_text.rstrip("\r")]), [])
    check_header(header, STREET_COLUMNS, source.name, "a police.uk street-level CSV")
    if not data.isascii():  # most police.uk files are pure ASCII, which is UTF-8; isascii is cheap
        decode_text(data, source.name)  # raises, naming the line of the first bad byte
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    quoted = b'"' in data
    table, bad = _parse(data, source.name, quoted)
    if table.num_rows == 0 and not bad:
        raise UnusableInputError("has a header but no rows", file=source.name, expected="at least one crime record")

    n = table.num_rows
    # As many lines as records (plus the header) means no blank line (pyarrow skips those)
    # and no record spanning lines, so record i is on line i + 2. Counting one byte is fast;
    # searching for a two-byte blank line in Python would cost more than the parse.
    if not bad and data.count(b"\n") + (0 if data.endswith(b"\n") else 1) == n + 1:
        return ParsedFile(source, table, np.arange(2, n + 2, dtype=np.int64), [], report)
    # The slow path: decoding here also finds a bad byte that pyarrow skipped inside a
    # malformed record, and names its line.
    exact = _record_lines(decode_text(data, source.name), n)
    if exact is None:  # csv module and pyarrow disagree: report positions, not lines
        return ParsedFile(source, table, np.arange(2, n + 2, dtype=np.int64),
                          [(num or 0, next(csv.reader([txt]), [])) for num, txt in bad], report)
    lines, bad_rows = exact
    return ParsedFile(source, table, lines, bad_rows, report)


class _Flags:
    """Which rows passed every check, and for the others the first check they failed."""

    def __init__(self, n: int):
        self.ok = np.ones(n, dtype=bool)
        self.hits: list[tuple[np.ndarray, str, str, list]] = []  # (rows, column, reason, values)

    def flag(self, mask, column: str, why: str, values) -> None:
        """Mark rows failing ``mask`` (an Arrow or numpy boolean) that passed every earlier
        check. ``values`` is the column to quote, or a function giving it (built only on a hit)."""
        hit = self.ok & _np(mask)
        if not hit.any():
            return
        idx = np.flatnonzero(hit)
        self.ok[idx] = False
        quoted = values() if callable(values) else values
        self.hits.append((idx, column, why, quoted.take(pa.array(idx)).to_pylist()))

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(rows, column, reason, value) of every flagged row, in row order."""
        if not self.hits:
            empty = np.array([], dtype=object)
            return np.array([], dtype=np.int64), empty, empty, empty
        rows = np.concatenate([h[0] for h in self.hits])
        column = np.concatenate([np.full(len(h[0]), h[1], dtype=object) for h in self.hits])
        reason = np.concatenate([np.full(len(h[0]), h[2], dtype=object) for h in self.hits])
        value = np.concatenate([np.array(h[3], dtype=object) for h in self.hits])
        order = np.argsort(rows, kind="stable")
        return rows[order], column[order], reason[order], value[order]


def _np(mask) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _trim(table: pa.Table, column: str) -> pa.Array:
    return pc.utf8_trim_whitespace(table.column(column).combine_chunks())


def _blank_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


class _Coded:
    """A repetitive text column as its distinct trimmed values and a per-row index.

    Month, force, crime type and LSOA take a few hundred distinct values in a file of
    tens of thousands of rows, so each check runs once per distinct value.
    """

    def __init__(self, table: pa.Table, column: str, per_file: bool = False):
        """``per_file``: the column usually holds one value per file (month, force); check
        that cheaply before hashing every row."""
        chunks = table.column(column).chunks
        if per_file and chunks:
            firsts = [c[0].as_py() if len(c) else "" for c in chunks]
            if all(pc.all(pc.equal(c, f)).as_py() in (True, None) for c, f in zip(chunks, firsts)):
                values = list(dict.fromkeys(firsts))
                position = {v: i for i, v in enumerate(values)}
                self.indices = pa.array(np.repeat([position[f] for f in firsts], [len(c) for c in chunks]),
                                        type=pa.int32())
                self.values = pc.utf8_trim_whitespace(pa.array(values, type=pa.string()))
                return
        encoded = pc.dictionary_encode(table.column(column).combine_chunks())
        self.indices = encoded.indices
        self.values = pc.utf8_trim_whitespace(encoded.dictionary)

    def rows(self, per_value: pa.Array) -> pa.Array:
        """A per-value result spread back to the rows."""
        return per_value.take(self.indices)

    def text(self, rows: pa.Array | None = None) -> pa.Array:
        """The trimmed text of every row, or of the given row positions."""
        return self.values.take(self.indices if rows is None else self.indices.take(rows))


def _coordinate(raw: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values with NaN where blank or bad, blank, not a number) for a coordinate column."""
    raw = raw.combine_chunks()
    blank = _np(pc.equal(raw, ""))
    try:  # nearly every file: plain decimals and blanks, converted in one step
        values = pc.cast(_blank_to_null(raw), pa.float64()).to_numpy(zero_copy_only=False)
        return values, blank, np.isnan(values) & ~blank
    except pa.ArrowInvalid:
        text = pc.utf8_trim_whitespace(raw)
        blank = _np(pc.equal(text, ""))
        number = pc.match_substring_regex(text, NUMBER_PATTERN)
        values = pc.cast(pc.if_else(number, text, pa.scalar(None, pa.string())), pa.float64())
        values = values.to_numpy(zero_copy_only=False)
        return values, blank, ~blank & (~_np(number) | np.isnan(values))


NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_LOOKUP_KEYS = pa.array(list(_CATEGORY_LOOKUP))
_LOOKUP_VALUES = pa.array(list(_CATEGORY_LOOKUP.values()))
_LEGACY_KEYS = pa.array([k.lower() for k in LEGACY_CATEGORIES])


def process_batch(files: list[ParsedFile], area: AreaGeometry) -> BatchResult:
    """Check every row of a batch of parsed files, place the accepted ones and count them.

    The checks run once over the batch as Arrow compute kernels (over distinct values where
    a column repeats itself), so a national month of 43 files costs one pass, not 43.
    pandas frames are built only for the few rows kept one by one: the area's records,
    unlocated ones and rejects. Each file's report is filled in place.
    """
    table = pa.concat_tables([p.table for p in files])
    sizes = np.array([p.table.num_rows for p in files])
    file_of = np.repeat(np.arange(len(files)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    lines = np.concatenate([p.lines for p in files]) if files else np.zeros(0, dtype=np.int64)
    names = pa.array([p.source.name for p in files], type=pa.string())
    n = table.num_rows
    f = _Flags(n)

    month = _Coded(table, "Month", per_file=True)
    f.flag(month.rows(pc.invert(pc.match_substring_regex(month.values, MONTH_PATTERN))), "Month", R_MONTH,
           table["Month"])
    force = _Coded(table, "Reported by", per_file=True)
    f.flag(force.rows(pc.equal(force.values, "")), "Reported by", R_FORCE, table["Reported by"])

    lon, lon_blank, lon_bad = (np.concatenate(parts) for parts in zip(*(p.lon for p in files)))
    lat, lat_blank, lat_bad = (np.concatenate(parts) for parts in zip(*(p.lat for p in files)))
    f.flag(lon_bad, "Longitude", R_LON, table["Longitude"])
    f.flag(lat_bad, "Latitude", R_LAT, table["Latitude"])
    f.flag(lon_blank & ~lat_blank, "Longitude", R_HALF, table["Longitude"])
    f.flag(lat_blank & ~lon_blank, "Latitude", R_HALF, table["Latitude"])
    with np.errstate(invalid="ignore"):
        outside = ~np.isnan(lon) & ~np.isnan(lat) & ~(
            (lon >= UK_LON[0]) & (lon <= UK_LON[1]) & (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]))
    f.flag(outside, "Longitude", R_OUTSIDE, lambda: pc.binary_join_element_wise(
        table["Longitude"].combine_chunks(), table["Latitude"].combine_chunks(), ","))

    crime_type = _Coded(table, "Crime type")
    category_of_value = pc.take(_LOOKUP_VALUES, pc.index_in(pc.utf8_lower(crime_type.values), value_set=_LOOKUP_KEYS))
    f.flag(crime_type.rows(pc.is_null(category_of_value)), "Crime type", R_CATEGORY, table["Crime type"])
    lsoa_code = _Coded(table, "LSOA code")
    bad_code = pc.and_(pc.not_equal(lsoa_code.values, ""),
                       pc.invert(pc.match_substring_regex(lsoa_code.values, LSOA_CODE_PATTERN)))
    f.flag(lsoa_code.rows(bad_code), "LSOA code", R_LSOA, table["LSOA code"])
    f.flag(_duplicates(month, table["Crime ID"], f.ok, file_of, [p.ids for p in files]), "Crime ID", R_DUPLICATE,
           table["Crime ID"])

    rejects = _rejects(f, lines, files, file_of, starts)
    accepted = np.flatnonzero(f.ok)
    kept = None if len(accepted) == n else pa.array(accepted)
    lsoa_name = _Coded(table, "LSOA name")
    if kept is not None:
        lon, lat = lon[accepted], lat[accepted]
    placement, codes = place(lon, lat, lsoa_code, lsoa_name, kept, area)
    counts = aggregate(month, force, crime_type, category_of_value, lsoa_name, kept,
                       file_of if kept is None else file_of[accepted])

    def rows(mask: np.ndarray, columns: list[str]) -> pa.Table:
        idx = np.flatnonzero(mask)
        at = pa.array(accepted[idx])  # positions in the batch's table
        raw_columns = {"location": "Location", "outcome": "Last outcome category", "crime_id": "Crime ID",
                       "falls_within": "Falls within", "context": "Context"}
        raw = _take(files, starts, accepted[idx], [raw_columns[c] for c in columns if c in raw_columns])
        area_code = pa.array(codes[idx], type=pa.string())
        # Built lazily: unlocated records need only some of the columns.
        build = {
            "month": lambda: pc.strptime(pc.binary_join_element_wise(month.text(at), "01", "-"),
                                         format="%Y-%m-%d", unit="ms"),
            "category": lambda: category_of_value.take(crime_type.indices.take(at)),
            "reported_category": lambda: crime_type.text(at),
            "lsoa_code": lambda: area_code,
            "lsoa_name": lambda: area.names_of(area_code),
            "reported_lsoa_code": lambda: _blank_to_null(lsoa_code.text(at)),
            "reported_lsoa_name": lambda: _blank_to_null(lsoa_name.text(at)),
            "longitude": lambda: pa.array(lon[idx], type=pa.float64(), from_pandas=True),
            "latitude": lambda: pa.array(lat[idx], type=pa.float64(), from_pandas=True),
            "location": lambda: _blank_to_null(_trim(raw, "Location")),
            "outcome": lambda: _blank_to_null(_trim(raw, "Last outcome category")),
            "crime_id": lambda: _blank_to_null(_trim(raw, "Crime ID")),
            "force": lambda: force.text(at),
            "falls_within": lambda: _trim(raw, "Falls within"),
            "context": lambda: _blank_to_null(_trim(raw, "Context")),
            "placement": lambda: _PLACEMENT_NAMES.take(pa.array(placement[idx])),
            "source_file": lambda: names.take(pa.array(file_of[accepted[idx]])),
            "source_line": lambda: pa.array(lines[accepted[idx]], type=pa.int64()),
        }
        return pa.table({c: build[c]() for c in columns})

    in_area = (placement == POINT) | (placement == REPORTED_LSOA)
    is_unlocated = placement == UNLOCATED
    _fill_reports(files, f.ok, file_of, accepted, placement, counts, lsoa_code, kept, area, rejects)
    pairs = counts.group_by(["file", "force", "month"]).aggregate([])
    keys: list[set[tuple[str, str]]] = [set() for _ in files]
    for i, fo, mo in zip(pairs["file"].to_pylist(), pairs["force"].to_pylist(), pairs["month"].to_pylist()):
        keys[i].add((fo, mo))
    for p, k in zip(files, keys):
        p.report.details["force_months"] = sorted(f"{f_}|{m}" for f_, m in k)
    totals = counts.group_by(["district", "force", "month", "category"]).aggregate([("crimes", "sum")])
    return BatchResult(crimes=rows(in_area, CRIME_COLUMNS), unlocated=rows(is_unlocated, UNLOCATED_COLUMNS),
                       aggregate=totals.rename_columns(["district", "force", "month", "category", "crimes"]),
                       rejects=rejects, keys=keys)


def _take(files: list[ParsedFile], starts: np.ndarray, rows: np.ndarray, columns: list[str]) -> pa.Table:
    """Rows of the batch by position, taken file by file: a take across the concatenated
    table would first copy every column of every file."""
    parts = []
    for i, p in enumerate(files):
        lo, hi = np.searchsorted(rows, [starts[i], starts[i + 1]])
        if hi > lo:
            parts.append(p.table.select(columns).take(pa.array(rows[lo:hi] - starts[i])))
    if not parts:
        return files[0].table.select(columns).slice(0, 0)
    return pa.concat_tables(parts)


def _fill_reports(files: list[ParsedFile], ok: np.ndarray, file_of: np.ndarray, accepted: np.ndarray,
                  placement: np.ndarray, counts: pa.Table, lsoa_code: _Coded, kept: pa.Array | None,
                  area: AreaGeometry, rejects: pd.DataFrame | None) -> None:
    """Each file's row accounting, placement counts and notes, from the batch's arrays."""
    k = len(files)
    accepted_file = file_of[accepted]
    by_kind = np.bincount(accepted_file * len(PLACEMENTS) + placement, minlength=k * len(PLACEMENTS))
    point, reported, unlocated, outside = (by_kind[kind::len(PLACEMENTS)]
                                           for kind in (POINT, REPORTED_LSOA, UNLOCATED, OUTSIDE))
    accepted_n = np.bincount(accepted_file, minlength=k)
    reasons = {} if rejects is None else {name: group["reason"] for name, group in rejects.groupby("source_file")}
    unknown = pa.array([bool(c) and c not in area.all_code_set for c in lsoa_code.values.to_pylist()],
                       type=pa.bool_())
    unknown_rows = lsoa_code.rows(unknown) if kept is None else lsoa_code.rows(unknown).take(kept)
    unknown_n = np.bincount(accepted_file[_np(unknown_rows)], minlength=k)
    legacy = counts.filter(pc.is_in(pc.utf8_lower(counts["reported_category"]), value_set=_LEGACY_KEYS)).to_pandas()
    for i, p in enumerate(files):
        r = p.report
        r.rows_read = p.table.num_rows + len(p.malformed)
        r.rows_accepted = int(accepted_n[i])
        mine = reasons.get(p.source.name)
        r.rows_rejected = 0 if mine is None else len(mine)
        r.reject_reasons = {} if mine is None else reason_counts(mine)
        r.details.update({
            "in_area": int(point[i] + reported[i]),
            "in_area_by_point": int(point[i]),
            "in_area_by_reported_lsoa": int(reported[i]),
            "outside_area": int(outside[i]),
            "unlocated": int(unlocated[i]),
            "reported_codes_not_in_geography": int(unknown_n[i]),
        })
        theirs = legacy[legacy["file"] == i] if len(legacy) else legacy
        if len(theirs):
            mapped = theirs.groupby("reported_category")["crimes"].sum().sort_index()
            mapped = mapped.sort_values(ascending=False, kind="stable")  # most frequent first, then by name
            r.notes.append("pre-May-2013 categories mapped: " + ", ".join(f"{c} ({v})" for c, v in mapped.items()))


def process_file(source: CrimeSource, area: AreaGeometry) -> tuple[SourceReport, pd.DataFrame, pd.DataFrame | None]:
    """One file on its own: its report, its records in the area, and its rejects."""
    parsed = read_file(source)
    result = process_batch([parsed], area)
    return parsed.report, result.crimes.to_pandas(), result.rejects


def _duplicates(month: _Coded, crime_id: pa.ChunkedArray, ok: np.ndarray, file_of: np.ndarray,
                fingerprints: list[tuple[np.ndarray, list[str]]]) -> np.ndarray:
    """Later copies of a Crime ID within the same file and month, among rows still accepted.

    Blank IDs (anti-social behaviour) never clash. The same ID in two files is left to the
    check that each force's month comes from one file only.
    """
    dup = np.zeros(len(ok), dtype=bool)
    if not _may_repeat(fingerprints):
        return dup  # the usual batch: no ID repeats at all
    # Rare: look closely at the repeated IDs only.
    crime_id = crime_id.combine_chunks()
    candidates = ok & _np(pc.not_equal(crime_id, ""))
    counts = pc.value_counts(crime_id.filter(pa.array(candidates)))
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    suspects = np.flatnonzero(candidates & _np(pc.is_in(crime_id, value_set=repeated)))
    at = pa.array(suspects)
    key = pd.DataFrame({"file": file_of[suspects], "month": month.text(at).to_pylist(),
                        "id": pc.utf8_trim_whitespace(crime_id.take(at)).to_pylist()})
    dup[suspects[key.duplicated(keep="first").to_numpy()]] = True
    return dup


def _id_fingerprints(crime_id: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Hashes of the non-blank IDs, and any non-blank ID that could not be hashed.

    police.uk IDs are 64 hex digits (a SHA-256): the first 16 bytes, read straight from the
    Arrow buffers as two integers, make a hash computed without building strings.
    """
    hashes, others = [], []
    for chunk in crime_id.chunks:
        if len(chunk) == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset: chunk.offset + len(chunk) + 1]
        lengths = np.diff(offsets)
        full = lengths == 64
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8) if chunk.buffers()[2] is not None else None
        if full.any() and data is not None and len(data) >= 16:
            # A zero-copy view giving the 8 bytes that start at every byte offset.
            words = np.ndarray(shape=(len(data) - 7,), dtype=np.uint64, buffer=data, strides=(1,))
            starts = offsets[:-1][full]
            hashes.append(words[starts] ^ (words[starts + 8] * np.uint64(0x9E3779B97F4A7C15)))
        odd = np.flatnonzero(~full & (lengths > 0))
        if len(odd):
            others.extend(chunk.take(pa.array(odd)).to_pylist())
    return (np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)), others


def _may_repeat(fingerprints: list[tuple[np.ndarray, list[str]]]) -> bool:
    """Whether any non-blank ID might occur twice in the batch (a false alarm only costs
    the exact check)."""
    hashes = np.concatenate([h for h, _ in fingerprints]) if fingerprints else np.zeros(0, dtype=np.uint64)
    if len(hashes) and pd.Series(hashes).duplicated().any():
        return True
    others = [v for _, o in fingerprints for v in o]
    return len(set(others)) < len(others)


def _rejects(f: _Flags, lines: np.ndarray, files: list[ParsedFile], file_of: np.ndarray,
             starts: np.ndarray) -> pd.DataFrame | None:
    """The batch's rejected rows with their reasons, file by file in line order; None if none."""
    parts = []
    bad, column, reason, value = f.table()
    for i, p in enumerate(files):
        mine = file_of[bad] == i
        rows = bad[mine]
        if len(rows):
            raw = p.table.take(pa.array(rows - starts[i])).to_pandas()
            raw.columns = STREET_COLUMNS
            parts.append(make_rejects(raw, p.source.name, lines[rows], column[mine], reason[mine], value[mine]))
        if p.malformed:
            parts.append(_malformed_rejects(p.malformed, p.source.name))
        if len(rows) and p.malformed:
            both = pd.concat(parts[-2:], ignore_index=True).sort_values("line", kind="stable")
            parts[-2:] = [both]
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True)


def _malformed_rejects(bad_rows: list[tuple[int, list[str]]], name: str) -> pd.DataFrame:
    rows = pd.DataFrame([(f + [""] * len(STREET_COLUMNS))[: len(STREET_COLUMNS)] for _, f in bad_rows],
                        columns=STREET_COLUMNS)
    return make_rejects(
        rows, name, [line for line, _ in bad_rows], ["(row)"] * len(bad_rows),
        [R_FIELDS] * len(bad_rows),
        [f"{len(f)} fields, expected {len(STREET_COLUMNS)}" for _, f in bad_rows],
    )


# -- placing records ------------------------------------------------------------------------

def place(lon: np.ndarray, lat: np.ndarray, lsoa_code: _Coded, lsoa_name: _Coded, kept: pa.Array | None,
          area: AreaGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Where each accepted record goes (a PLACEMENTS index), and its area LSOA code or None.

    Placement is 'point' or 'reported_lsoa' (in the area), 'unlocated' (neither
    coordinates nor an LSOA), or 'outside'. ``kept`` holds the accepted rows' positions in
    the file (None when every row was accepted); ``lon`` and ``lat`` are already cut to them.
    """
    n = len(lon)
    has_point = ~np.isnan(lon)
    code = np.full(n, None, dtype=object)
    code[has_point] = area.locate(lon[has_point], lat[has_point])
    placement = np.full(n, OUTSIDE, dtype=np.int8)
    placement[has_point] = np.where(pd.isna(code[has_point]), OUTSIDE, POINT)

    # Records without coordinates: neither code nor name means unlocated; the few that
    # carry an LSOA are judged one by one on what police.uk reported.
    no_point = np.flatnonzero(~has_point)
    at = pa.array(no_point if kept is None else kept.to_numpy()[no_point])
    rep_code, rep_name = lsoa_code.text(at), lsoa_name.text(at)
    blank = _np(pc.and_(pc.equal(rep_code, ""), pc.equal(rep_name, "")))
    placement[no_point[blank]] = UNLOCATED
    area_codes = set(area.codes)
    reported = np.flatnonzero(~blank)
    for i, rc, rn in zip(no_point[reported], rep_code.take(pa.array(reported)).to_pylist(),
                         rep_name.take(pa.array(reported)).to_pylist()):
        if rc in area_codes:
            # The reported code is used only if it is one of the area's LSOAs in the configured
            # geography; a 2021-only code, or another district's, leaves lsoa_code empty.
            placement[i], code[i] = REPORTED_LSOA, rc
        elif rn and area.name_re.match(rn):
            placement[i] = REPORTED_LSOA
    return placement, code


def aggregate(month: _Coded, force: _Coded, crime_type: _Coded, category_of_value: pa.Array, lsoa_name: _Coded,
              kept: pa.Array | None, file_of: np.ndarray) -> pa.Table:
    """Accepted records counted by file, district (from the reported LSOA name), force,
    month, category and category as reported (the last two feed the legacy-name note)."""
    named = pc.match_substring_regex(lsoa_name.values, r" \d{3}[A-Z]$")
    district_of_name = pc.dictionary_encode(
        pc.if_else(named, pc.utf8_slice_codeunits(lsoa_name.values, 0, -5), ""))
    districts = district_of_name.dictionary
    district_index = district_of_name.indices.to_numpy(zero_copy_only=False)
    codes = {}
    for name, coded in (("m", month), ("f", force), ("c", crime_type), ("n", lsoa_name)):
        idx = coded.indices if kept is None else coded.indices.take(kept)
        codes[name] = idx.to_numpy(zero_copy_only=False).astype(np.int64)
    codes["d"] = district_index[codes.pop("n")]
    sizes = {"m": len(month.values), "f": len(force.values), "c": len(crime_type.values), "d": max(len(districts), 1)}
    # One int64 key for the five small codes: counting it is far cheaper than grouping on five.
    key = file_of.astype(np.int64)
    for name in ("m", "f", "c", "d"):
        key = key * sizes[name] + codes[name]
    counted = pd.Series(key).value_counts(sort=False)
    rest = counted.index.to_numpy()
    decoded = {}
    for name in ("d", "c", "f", "m"):
        rest, decoded[name] = np.divmod(rest, sizes[name])
    return pa.table({
        "file": pa.array(rest, type=pa.int64()),
        "district": districts.take(pa.array(decoded["d"])),
        "force": force.values.take(pa.array(decoded["f"])),
        "month": month.values.take(pa.array(decoded["m"])),
        "category": category_of_value.take(pa.array(decoded["c"])),
        "reported_category": crime_type.values.take(pa.array(decoded["c"])),
        "crimes": pa.array(counted.to_numpy(), type=pa.int64()),
    })


def _combine_aggregates(parts: list[pa.Table]) -> pd.DataFrame:
    counts = pa.concat_tables(parts).group_by(["district", "force", "month", "category"]).aggregate(
        [("crimes", "sum")]).rename_columns(["district", "force", "month", "category", "crimes"]).to_pandas()
    counts["month"] = pd.to_datetime(counts["month"] + "-01", format="%Y-%m-%d").astype("datetime64[ms]")
    return counts.sort_values(["district", "force", "month", "category"]).reset_index(drop=True)[AGGREGATE_COLUMNS]


# -- the ingest -----------------------------------------------------------------------------

def _area_geometry(tx, config: Config) -> AreaGeometry:
    """The area's polygons; only the area's rows of geometry are read, every code is."""
    codes = tx.read("lsoas", columns=["code"])["code"].tolist()
    if "lsoas" in tx.staged_tables():  # boundaries loaded in this same transaction
        return AreaGeometry.from_lsoas(tx.read("lsoas"), config.area.name, all_codes=codes)
    # Straight from Parquet: going through GeoPandas would parse the CRS, which costs more
    # than reading the area's polygons.
    rows = tx.store.read_arrow("lsoas", columns=["code", "name", "geometry"], filters=[("area", "==", True)])
    return AreaGeometry.build(rows["code"].to_pylist(), rows["name"].to_pylist(),
                              shapely.from_wkb(rows["geometry"].to_numpy(zero_copy_only=False)),
                              config.area.name, codes)


def ingest_crime(paths: list[Path], config: Config, tx, progress: Callable[[str, int, int], None] | None = None,
                 area: AreaGeometry | None = None) -> list[SourceReport]:
    """Ingest street CSVs into crimes, unlocated, crime_aggregate and rejects/crimes.csv."""
    sources, notes = expand_inputs(paths)
    if area is None:
        area = _area_geometry(tx, config)

    reports: list[SourceReport] = []
    crimes, unlocated, aggregates, rejects = [], [], [], []
    seen: dict[tuple[str, str], str] = {}
    pending: list[ParsedFile] = []

    def flush() -> None:
        result = process_batch(pending, area)
        for parsed, keys in zip(pending, result.keys):
            for key in sorted(keys):
                if key in seen and seen[key] != parsed.source.name:
                    raise UnusableInputError(
                        f"{key[0]} {key[1]} is also in {seen[key]}",
                        file=parsed.source.name,
                        column="Month",
                        expected="each force's month in only one of the files given; "
                                 "ingest the newer download on its own",
                    )
                seen[key] = parsed.source.name
            reports.append(parsed.report)
        crimes.append(result.crimes)
        unlocated.append(result.unlocated)
        aggregates.append(result.aggregate)
        if result.rejects is not None:
            rejects.append(result.rejects)
        pending.clear()

    rows = 0
    # Reading, hashing and parsing release the GIL, so two files are read at once; map
    # keeps the files' order, and an unusable file stops the run when its turn comes.
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for i, parsed in enumerate(pool.map(read_file, sources)):
            if progress:
                progress(parsed.source.name, i, len(sources))
            pending.append(parsed)
            rows += parsed.table.num_rows
            if rows >= BATCH_ROWS:  # bounds memory on a whole archive; a national month is one batch
                flush()
                rows = 0
    if pending:
        flush()
    if progress:
        progress("done", len(sources), len(sources))
    if reports:
        reports[0].notes.extend(notes)

    new_keys = set(seen)
    sources_given = {r.path for r in reports}
    # One conversion to pandas for the whole run, not one per file.
    crimes_new = [pa.concat_tables(crimes).to_pandas()] if crimes else []
    unlocated_new = [pa.concat_tables(unlocated).to_pandas()] if unlocated else []
    aggregate_new = [_combine_aggregates(aggregates)] if aggregates else []
    _merge(tx, "crimes", crimes_new, new_keys, CRIME_COLUMNS)
    _merge(tx, "unlocated", unlocated_new, new_keys, UNLOCATED_COLUMNS)
    _merge(tx, "crime_aggregate", aggregate_new, new_keys, AGGREGATE_COLUMNS,
           sort=["district", "force", "month", "category"])
    _merge_rejects(tx, rejects, new_keys, sources_given)
    _supersede(tx, new_keys, reports)
    return reports


def _key_mask(df: pd.DataFrame, keys: set[tuple[str, str]]) -> np.ndarray:
    if df.empty or not keys:
        return np.zeros(len(df), dtype=bool)
    key = df["force"].astype(str) + "|" + df["month"].dt.strftime("%Y-%m")
    return key.isin({f"{f}|{m}" for f, m in keys}).to_numpy()


def _merge(tx, table: str, parts: list[pd.DataFrame], keys: set[tuple[str, str]], columns: list[str],
           sort: list[str] | None = None) -> None:
    old = tx.read_optional(table)
    frames = []
    if old is not None and len(old):
        frames.append(old.loc[~_key_mask(old, keys), columns])
    frames.extend(p for p in parts if len(p))
    if not frames:
        # Keep the typed columns of an empty part (month stays a date), not an untyped frame.
        frames = [parts[0].iloc[0:0]] if parts else [pd.DataFrame(columns=columns)]
    merged = pd.concat(frames, ignore_index=True)
    merged = merged.sort_values(sort or ["month", "force"], kind="stable").reset_index(drop=True)
    tx.write(table, merged[columns])


def _merge_rejects(tx, parts: list[pd.DataFrame], keys: set[tuple[str, str]], sources: set[str]) -> None:
    old = tx.read_rejects("crimes")
    keep = old
    if len(old):
        old_key = old["Reported by"].str.strip() + "|" + old["Month"].str.strip()
        replaced = old_key.isin({f"{f}|{m}" for f, m in keys}) | old["source_file"].isin(sources)
        keep = old[~replaced]
    frames = [f for f in [keep, *parts] if len(f)]
    if not frames:
        # An empty rejects file still carries the full header: the standard columns and the 12 raw ones.
        frames = [parts[0].iloc[0:0] if parts else empty_rejects(STREET_COLUMNS)]
    merged = pd.concat(frames, ignore_index=True)
    tx.write_rejects("crimes", merged.astype("string"))


def _supersede(tx, keys: set[tuple[str, str]], reports: list[SourceReport]) -> None:
    """Mark earlier crime sources whose every force-month has now been replaced."""
    labels = {f"{f}|{m}" for f, m in keys}
    for entry in tx.manifest["sources"]:
        if entry["kind"] != "crime" or entry.get("superseded_by"):
            continue
        theirs = set(entry.get("details", {}).get("force_months", []))
        if theirs and theirs <= labels:
            entry["superseded_by"] = [r.path for r in reports
                                      if theirs & set(r.details.get("force_months", []))]
