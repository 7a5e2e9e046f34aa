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
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely

from csp_dash.config import Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.boundaries import area_name_pattern, district_of
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
    all_codes: pa.Array  # every LSOA code of the configured geography, in the area or not
    name_re: re.Pattern

    @classmethod
    def from_lsoas(cls, lsoas: pd.DataFrame, district_name: str) -> "AreaGeometry":
        area = lsoas[lsoas["area"]]
        geoms = area.geometry.values
        shapely.prepare(geoms)
        return cls(
            codes=area["code"].to_numpy(),
            names=dict(zip(area["code"], area["name"])),
            tree=shapely.STRtree(geoms),
            bounds=tuple(shapely.total_bounds(geoms)),
            all_codes=pa.array(lsoas["code"].astype(str).unique()),
            name_re=area_name_pattern(district_name),
        )

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

def _parse(data: bytes, name: str) -> tuple[pa.Table, list[tuple[int | None, str]]]:
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
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row, newlines_in_values=b'"' in data),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in STREET_COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
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


def read_street_csv(source: CrimeSource) -> tuple[pd.DataFrame, pd.DataFrame, SourceReport]:
    """Read and check one street CSV.

    Returns the accepted rows (columns renamed, category mapped, ``source_line`` added), the
    rejected rows with reasons, and the file's report. Raises UnusableInputError when the
    file as a whole cannot be used.
    """
    data = source.read()
    size, sha = fingerprint(data)
    report = SourceReport(kind="crime", path=source.name, size=size, sha256=sha)
    check_not_empty(data, source.name)
    if looks_binary(data):
        raise UnusableInputError("is not a CSV text file", file=source.name, expected="a police.uk street-level CSV")
    text = decode_text(data, source.name)
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None])), [])
    check_header(header, STREET_COLUMNS, source.name, "a police.uk street-level CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    table, bad = _parse(data, source.name)
    if table.num_rows == 0 and not bad:
        raise UnusableInputError("has a header but no rows", file=source.name, expected="at least one crime record")

    n = table.num_rows
    physical_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if not bad and physical_lines == n + 1:
        lines = np.arange(2, n + 2, dtype=np.int64)
        bad_rows: list[tuple[int, list[str]]] = []
    else:
        exact = _record_lines(text, n)
        if exact is None:  # csv module and pyarrow disagree: report positions, not lines
            lines = np.arange(2, n + 2, dtype=np.int64)
            bad_rows = [(num or 0, next(csv.reader([txt]), [])) for num, txt in bad]
        else:
            lines, bad_rows = exact

    df = table.to_pandas()
    df.columns = STREET_COLUMNS
    reason = np.full(n, None, dtype=object)
    column = np.full(n, None, dtype=object)
    value = np.full(n, None, dtype=object)

    def flag(mask: np.ndarray, col: str, why: str, values: pd.Series) -> None:
        hit = mask & (reason == None)  # noqa: E711 - elementwise on an object array
        reason[hit] = why
        column[hit] = col
        value[hit] = values.to_numpy()[hit]

    month = df["Month"].str.strip()
    flag(~month.str.match(MONTH_PATTERN).to_numpy(dtype=bool), "Month", R_MONTH, df["Month"])
    force = df["Reported by"].str.strip()
    flag((force == "").to_numpy(), "Reported by", R_FORCE, df["Reported by"])

    lon_text, lat_text = df["Longitude"].str.strip(), df["Latitude"].str.strip()
    lon = pd.to_numeric(lon_text.replace("", None), errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(lat_text.replace("", None), errors="coerce").to_numpy(dtype=float)
    lon_blank, lat_blank = (lon_text == "").to_numpy(), (lat_text == "").to_numpy()
    flag(~lon_blank & np.isnan(lon), "Longitude", R_LON, df["Longitude"])
    flag(~lat_blank & np.isnan(lat), "Latitude", R_LAT, df["Latitude"])
    flag(lon_blank & ~lat_blank, "Longitude", R_HALF, df["Longitude"])
    flag(lat_blank & ~lon_blank, "Latitude", R_HALF, df["Latitude"])
    with np.errstate(invalid="ignore"):
        outside = ~lon_blank & ~lat_blank & ~(
            (lon >= UK_LON[0]) & (lon <= UK_LON[1]) & (lat >= UK_LAT[0]) & (lat <= UK_LAT[1]))
    flag(outside, "Longitude", R_OUTSIDE, lon_text + "," + lat_text)

    category = df["Crime type"].str.strip().str.lower().map(_CATEGORY_LOOKUP)
    flag(category.isna().to_numpy(), "Crime type", R_CATEGORY, df["Crime type"])
    lsoa_code = df["LSOA code"].str.strip()
    flag(((lsoa_code != "") & ~lsoa_code.str.match(LSOA_CODE_PATTERN)).to_numpy(dtype=bool),
         "LSOA code", R_LSOA, df["LSOA code"])

    crime_id = df["Crime ID"].str.strip()
    ok_so_far = reason == None  # noqa: E711
    keyed = pd.DataFrame({"m": month, "id": crime_id})[ok_so_far & (crime_id != "").to_numpy()]
    dup_index = keyed.index[keyed.duplicated(keep="first")]
    dup = np.zeros(n, dtype=bool)
    dup[dup_index] = True
    flag(dup, "Crime ID", R_DUPLICATE, df["Crime ID"])

    rejected = reason != None  # noqa: E711
    rejects = make_rejects(df[rejected], source.name, lines[rejected], column[rejected], reason[rejected],
                           value[rejected])
    if bad_rows:
        rejects = pd.concat([rejects, _malformed_rejects(bad_rows, source.name)], ignore_index=True)
        rejects = rejects.sort_values("line", kind="stable").reset_index(drop=True)

    accepted = pd.DataFrame({
        "month": pd.to_datetime(month[~rejected] + "-01", format="%Y-%m-%d"),
        "category": category[~rejected].astype("string"),
        "reported_category": df["Crime type"][~rejected].str.strip(),
        "reported_lsoa_code": lsoa_code[~rejected].replace("", None),
        "reported_lsoa_name": df["LSOA name"][~rejected].str.strip().replace("", None),
        "longitude": lon[~rejected],
        "latitude": lat[~rejected],
        "location": df["Location"][~rejected].str.strip().replace("", None),
        "outcome": df["Last outcome category"][~rejected].str.strip().replace("", None),
        "crime_id": crime_id[~rejected].replace("", None),
        "force": force[~rejected],
        "falls_within": df["Falls within"][~rejected].str.strip(),
        "context": df["Context"][~rejected].str.strip().replace("", None),
        "source_file": source.name,
        "source_line": lines[~rejected],
    }).reset_index(drop=True)

    report.rows_read = n + len(bad_rows)
    report.rows_rejected = len(rejects)
    report.rows_accepted = len(accepted)
    report.reject_reasons = reason_counts(rejects["reason"])
    # Compare names case-blind: "burglary" is today's category, not a legacy one.
    legacy = accepted["reported_category"].str.lower().isin([k.lower() for k in LEGACY_CATEGORIES])
    if legacy.any():
        mapped = accepted.loc[legacy, "reported_category"].value_counts().to_dict()
        report.notes.append("pre-May-2013 categories mapped: " + ", ".join(f"{k} ({v})" for k, v in mapped.items()))
    return accepted, rejects, report


def _malformed_rejects(bad_rows: list[tuple[int, list[str]]], name: str) -> pd.DataFrame:
    rows = pd.DataFrame([(f + [""] * len(STREET_COLUMNS))[: len(STREET_COLUMNS)] for _, f in bad_rows],
                        columns=STREET_COLUMNS)
    return make_rejects(
        rows, name, [line for line, _ in bad_rows], ["(row)"] * len(bad_rows),
        [R_FIELDS] * len(bad_rows),
        [f"{len(f)} fields, expected {len(STREET_COLUMNS)}" for _, f in bad_rows],
    )


# -- placing records ------------------------------------------------------------------------

def isin(values: pd.Series, value_set: pa.Array) -> np.ndarray:
    """Vectorised membership; pandas' isin on Arrow strings loops in Python for big sets."""
    arr = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())
    return pc.is_in(arr, value_set=value_set).to_numpy(zero_copy_only=False)


def place(accepted: pd.DataFrame, area: AreaGeometry) -> pd.Series:
    """Where each accepted record goes: 'point' or 'reported_lsoa' (in the area),
    'unlocated', or 'outside'. Also fills ``lsoa_code`` and ``lsoa_name`` in place."""
    has_point = ~np.isnan(accepted["longitude"].to_numpy())
    code = np.full(len(accepted), None, dtype=object)
    code[has_point] = area.locate(accepted["longitude"].to_numpy()[has_point],
                                  accepted["latitude"].to_numpy()[has_point])
    # object dtype: a numpy string array would be as wide as its longest initial value.
    placement = np.full(len(accepted), "outside", dtype=object)
    placement[has_point & (code != None)] = "point"  # noqa: E711

    no_point = ~has_point
    reported_code = accepted["reported_lsoa_code"].fillna("")
    reported_name = accepted["reported_lsoa_name"].fillna("")
    by_name = reported_name.str.match(area.name_re).to_numpy(dtype=bool)
    by_code = isin(reported_code, pa.array(area.codes.astype(str)))
    in_area_reported = no_point & (by_name | by_code)
    placement[in_area_reported] = "reported_lsoa"
    # The reported code is used only if it is one of the area's LSOAs in the configured
    # geography: a 2021-only code, or one that contradicts an in-area name, leaves lsoa_code empty
    # rather than putting another district's code in the crimes table.
    known = in_area_reported & by_code
    code[known] = reported_code.to_numpy()[known]
    unlocated = no_point & (reported_code == "").to_numpy() & (reported_name == "").to_numpy()
    placement[unlocated] = "unlocated"

    accepted["lsoa_code"] = pd.array(code, dtype="string")
    accepted["lsoa_name"] = accepted["lsoa_code"].map(area.names).astype("string")
    accepted["placement"] = placement
    return pd.Series(placement, index=accepted.index)


def aggregate(accepted: pd.DataFrame) -> pd.DataFrame:
    """Accepted records counted by district (from the reported LSOA), force, month, category."""
    counts = (
        accepted.assign(district=district_of(accepted["reported_lsoa_name"]))
        .groupby(["district", "force", "month", "category"], observed=True, sort=True)
        .size()
        .rename("crimes")
        .reset_index()
    )
    return counts[AGGREGATE_COLUMNS]


# -- the ingest -----------------------------------------------------------------------------

def ingest_crime(paths: list[Path], config: Config, tx, progress: Callable[[str, int, int], None] | None = None,
                 area: AreaGeometry | None = None) -> list[SourceReport]:
    """Ingest street CSVs into crimes, unlocated, crime_aggregate and rejects/crimes.csv."""
    sources, notes = expand_inputs(paths)
    if area is None:
        lsoas = tx.read("lsoas", columns=["code", "name", "area", "geometry"])
        area = AreaGeometry.from_lsoas(lsoas, config.area.name)

    reports: list[SourceReport] = []
    crimes, unlocated, aggregates, rejects = [], [], [], []
    seen: dict[tuple[str, str], str] = {}
    for i, source in enumerate(sources):
        if progress:
            progress(source.name, i, len(sources))
        accepted, rejected, report = read_street_csv(source)
        placement = place(accepted, area)
        keys = accepted[["force", "month"]].drop_duplicates()
        for force, month in keys.itertuples(index=False):
            key = (force, month.strftime("%Y-%m"))
            if key in seen and seen[key] != source.name:
                raise UnusableInputError(
                    f"{key[0]} {key[1]} is also in {seen[key]}",
                    file=source.name,
                    column="Month",
                    expected="each force's month in only one of the files given; ingest the newer download on its own",
                )
            seen[key] = source.name
        in_area = placement.isin(["point", "reported_lsoa"]).to_numpy()
        is_unlocated = (placement == "unlocated").to_numpy()
        crimes.append(accepted.loc[in_area, CRIME_COLUMNS])
        unlocated.append(accepted.loc[is_unlocated, UNLOCATED_COLUMNS])
        aggregates.append(aggregate(accepted))
        rejects.append(rejected)
        report.details = {
            "force_months": sorted(f"{f}|{m}" for f, m in seen_keys(accepted)),
            "in_area": int(in_area.sum()),
            "in_area_by_point": int((placement == "point").sum()),
            "in_area_by_reported_lsoa": int((placement == "reported_lsoa").sum()),
            "outside_area": int((placement == "outside").sum()),
            "unlocated": int(is_unlocated.sum()),
            "reported_codes_not_in_geography": int(
                (~isin(accepted["reported_lsoa_code"].dropna(), area.all_codes)).sum()),
        }
        reports.append(report)
    if progress:
        progress("done", len(sources), len(sources))
    if reports:
        reports[0].notes.extend(notes)

    new_keys = set(seen)
    sources_given = {r.path for r in reports}
    _merge(tx, "crimes", crimes, new_keys, CRIME_COLUMNS)
    _merge(tx, "unlocated", unlocated, new_keys, UNLOCATED_COLUMNS)
    _merge(tx, "crime_aggregate", aggregates, new_keys, AGGREGATE_COLUMNS, sort=["district", "force", "month", "category"])
    _merge_rejects(tx, rejects, new_keys, sources_given)
    _supersede(tx, new_keys, reports)
    return reports


def seen_keys(accepted: pd.DataFrame) -> Iterator[tuple[str, str]]:
    for force, month in accepted[["force", "month"]].drop_duplicates().itertuples(index=False):
        yield force, month.strftime("%Y-%m")


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
