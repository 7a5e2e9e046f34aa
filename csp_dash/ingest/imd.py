"""English Indices of Deprivation 2019: ranks, deciles and scores per LSOA (2011).

Reads the official IoD2019 Files 1, 2, 5 and 7 (CSV, .csv.gz or XLSX). Columns are
recognised by their wording, not their position: "Index of Multiple Deprivation (IMD)
Rank", "Income Decile (where 1 is most deprived 10% of LSOAs)", "Crime Score" and so on.
Every file covers all of England; the rows of the configured area are kept in one wide
``deprivation`` table, the rest are counted as accepted but not stored. Loading File 1
and then File 5 merges their columns per LSOA, the newer file winning where both give a
value.

This module also holds the table reader and area rule that ``population`` shares: both
take England-wide LSOA tables in the same official shapes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csp_dash.config import Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.boundaries import area_name_pattern
from csp_dash.ingest.common import (
    SourceReport,
    check_not_empty,
    decode_text,
    fingerprint,
    looks_binary,
    make_rejects,
    reason_counts,
    read_bytes,
)

# 2011 LSOAs in England: the lowest possible IoD2019 rank.
N_LSOAS = 32844

ENGLISH_LSOA_RE = r"^E01\d{6}$"

# Header wording, matched after trimming and collapsing spaces, ignoring case.
CODE_HEADER_RE = re.compile(
    r"^(?:lsoa\s*(?:(?:20)?(?P<v1>11|21)\s*)?(?:code|cd)(?:\s*\((?:20)?(?P<v2>11|21)\))?|area\s+codes?)$", re.I)
NAME_HEADER_RE = re.compile(
    r"^(?:lsoa\s*(?:(?:20)?(?:11|21)\s*)?(?:name|nm)(?:\s*\((?:20)?(?:11|21)\))?|area\s+names?)$", re.I)
DISTRICT_CODE_HEADER_RE = re.compile(r"^(?:local authority district code\b.*|lad\d\dcd|la code\b.*)$", re.I)
DISTRICT_NAME_HEADER_RE = re.compile(r"^(?:local authority district name\b.*|lad\d\dnm|la name\b.*)$", re.I)

# The IMD and its seven domains, as the official headers start. A domain name must be
# followed directly by Rank, Decile or Score, so "Income Deprivation Affecting Children
# Index (IDACI) Score" and "Adult Skills Sub-domain Score" are not mistaken for domains.
DOMAINS = {
    "imd": r"(?:index of multiple deprivation(?: \(imd\))?|imd)(?: 2019)?",
    "income": r"income(?: deprivation)?",
    "employment": r"employment(?: deprivation)?",
    "education": r"education,? skills and training(?: deprivation)?",
    "health": r"health deprivation and disability",
    "crime": r"crime",
    "barriers": r"barriers to housing and services",
    "living_environment": r"living environment(?: deprivation)?",
}
MEASURES = ("rank", "decile", "score")
_FIELD_RES = {d: re.compile(rf"^{p}(?: domain)?\s+(rank|decile|score)\b", re.I) for d, p in DOMAINS.items()}

VALUE_COLUMNS = [f"{d}_{m}" for d in DOMAINS for m in MEASURES]
DEPRIVATION_COLUMNS = ["lsoa_code", "lsoa_name", "district_code", "district_name", *VALUE_COLUMNS]

# How many rows at the top of a file or sheet may hold titles before the header.
HEADER_SEARCH_ROWS = 20

_THOUSANDS_RE = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"

R_FIELDS = "wrong number of fields"
R_LSOA = "LSOA code is not like E01000001"
R_RANK = "rank is not a whole number"
R_RANK_RANGE = f"rank is outside 1 to {N_LSOAS}"
R_DECILE = "decile is not a whole number from 1 to 10"
R_SCORE = "score is not a number"
R_DUPLICATE = "duplicate LSOA code"


def clean_header(cell: str) -> str:
    return " ".join(str(cell).split())


# -- reading a CSV or XLSX table --------------------------------------------------------

@dataclass
class RawTable:
    """One file's table as text: the header row and the data rows below it.

    ``lines`` are 1-based line numbers in the CSV (or row numbers in the sheet), so that a
    reject points at the row a person would look at.
    """

    name: str
    size: int
    sha256: str
    header: list[str]
    cells: np.ndarray  # 2-D object array of text, one row per record, as wide as the header
    lines: np.ndarray
    header_line: int
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # titles above the header and the sheet name
    sheet: str | None = None
    blank_rows: int = 0  # rows below the header with every cell blank, skipped

    def __len__(self) -> int:
        return len(self.cells)

    def col(self, i: int) -> pd.Series:
        return pd.Series(self.cells[:, i], dtype="str").str.strip()

    def find(self, pattern: re.Pattern) -> int | None:
        """Index of the first header cell matching ``pattern``."""
        return next((i for i, h in enumerate(self.header) if pattern.match(h)), None)

    def raw_frame(self, mask: np.ndarray) -> pd.DataFrame:
        names = [h or f"column {i + 1}" for i, h in enumerate(self.header)]
        return pd.DataFrame(self.cells[mask], columns=names)


def _is_header(cells: list[str]) -> bool:
    return any(CODE_HEADER_RE.match(clean_header(c)) for c in cells)


def read_table(path: Path, what: str) -> RawTable:
    """Read a CSV (optionally gzipped) or an XLSX workbook into a RawTable.

    The header is the first row, within the first 20 of a file or sheet, that has an LSOA
    code column; rows above it are titles. In a workbook the first sheet with such a row
    is used (a sheet named for persons is preferred), so a leading notes sheet is skipped.

    Parameters
    ----------
    path : Path
        The file.
    what : str
        What the file should be, for messages ("an IoD2019 file").
    """
    data = read_bytes(path)
    size, sha = fingerprint(data)
    check_not_empty(data, path)
    if data.startswith(b"PK\x03\x04"):
        sheet, records, blank = _xlsx_records(data, path, what)
        header_at = _header_index(records, path, what)
    elif looks_binary(data):
        raise UnusableInputError("is not a CSV or XLSX file", file=path, expected=what,
                                 hint="Save it as 'CSV UTF-8' or as an Excel .xlsx workbook.")
    else:
        sheet = None
        records, blank = _csv_records(decode_text(data, path), path)
        header_at = _header_index(records, path, what)

    header_line, raw_header = records[header_at]
    header = [clean_header(c) for c in raw_header]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    good, lines, malformed = [], [], []
    for line, fields in records[header_at + 1:]:
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing empty cells (a stray comma, Excel's used range)
        elif len(fields) < width and sheet is not None:
            fields = list(fields) + [""] * (width - len(fields))  # a sheet has no field count
        if len(fields) == width:
            good.append(fields)
            lines.append(line)
        else:
            malformed.append((line, list(fields)))
    cells = np.empty((len(good), width), dtype=object)
    if good:
        cells[:] = good
    context = [" ".join(c for c in fields if c) for _, fields in records[:header_at]]
    if sheet:
        context.append(sheet)
    return RawTable(name=str(path), size=size, sha256=sha, header=header, cells=cells,
                    lines=np.asarray(lines, dtype=np.int64), header_line=header_line, malformed=malformed,
                    context=context, sheet=sheet, blank_rows=sum(1 for b in blank if b > header_line))


def _header_index(records: list[tuple[int, list[str]]], path: Path, what: str) -> int:
    for i, (_, fields) in enumerate(records[:HEADER_SEARCH_ROWS]):
        if _is_header(fields):
            return i
    raise UnusableInputError(
        "has no LSOA code column",
        file=path,
        line=records[0][0] if records else 1,
        column="LSOA code (2011)",
        expected=f"{what}, with a header naming the LSOA code column, such as 'LSOA code (2011)' or 'LSOA11CD'",
    )


def _csv_records(text: str, path: Path) -> tuple[list[tuple[int, list[str]]], list[int]]:
    """Every non-blank record with the line it starts on; and the lines of ",,," records skipped."""
    reader = csv.reader(io.StringIO(text))
    records, blank, previous_end = [], [], 0
    try:
        for fields in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not fields or not (fields[0].strip() or "".join(fields).strip()):
                if fields:  # ",,,," is a row of blanks; an empty line is just spacing
                    blank.append(start)
                continue
            records.append((start, fields))
    except csv.Error as exc:
        raise UnusableInputError(f"cannot be parsed as CSV ({exc})", file=path, line=reader.line_num) from None
    return records, blank


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_records(data: bytes, path: Path, what: str) -> tuple[str, list[tuple[int, list[str]]], list[int]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError and XML errors for non-workbooks
        raise UnusableInputError("is not a readable XLSX workbook", file=path, expected=what,
                                 hint="Save it as an Excel .xlsx workbook or as 'CSV UTF-8'.") from None
    try:
        with_header = []
        for ws in book.worksheets:
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if _is_header([_cell_text(v) for v in row]):
                    with_header.append(ws)
                    break
                if n >= HEADER_SEARCH_ROWS:
                    break
        if not with_header:
            raise UnusableInputError(
                "has no sheet with an LSOA code column",
                file=path,
                column="LSOA code (2011)",
                expected=f"{what}: a sheet whose header names the LSOA code column, such as 'LSOA code (2011)'",
            )
        ws = next((w for w in with_header if "person" in w.title.lower()), with_header[0])
        records, blank = [], []
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            fields = [_cell_text(v) for v in row]
            if not fields or not (fields[0].strip() or "".join(fields).strip()):
                blank.append(n)
                continue
            records.append((n, fields))
        return ws.title, records, blank
    finally:
        book.close()


def to_number(cells: np.ndarray) -> np.ndarray:
    """Numbers from a column of text cells, NaN where a cell is not a number.

    Surrounding spaces are ignored and thousands separators are allowed: "29,199" is 29199.
    """
    try:  # fast path: every cell a plain number (Arrow's cast is several times numpy's speed)
        out = pc.cast(pa.array(cells, type=pa.string()), pa.float64()).to_numpy(zero_copy_only=False).copy()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pd.Series(cells, dtype="str").str.strip()
        grouped = text.str.fullmatch(_THOUSANDS_RE).to_numpy(dtype=bool)
        if grouped.any():
            text = text.where(~grouped, text.str.replace(",", "", regex=False))
        out = np.array(pd.to_numeric(text, errors="coerce"), dtype=float)  # a writable copy
    out[~np.isfinite(out)] = np.nan
    return out


def is_whole(num: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(num) & (num == np.floor(num))


class Flags:
    """First problem found in each row: its reason, column and offending value."""

    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)

    def flag(self, mask: np.ndarray, column: str, reason: str, values: np.ndarray | pd.Series) -> None:
        hit = np.asarray(mask, dtype=bool) & self.ok()
        if hit.any():
            self.reason[hit] = reason
            self.column[hit] = column
            self.value[hit] = np.asarray(values, dtype=object)[hit]

    def ok(self) -> np.ndarray:
        return self.reason == None  # noqa: E711 - elementwise on an object array

    def flag_duplicates(self, codes: pd.Series, column: str) -> None:
        ok = self.ok()
        dup = np.zeros(len(codes), dtype=bool)
        dup[ok] = codes[ok].duplicated(keep="first").to_numpy()
        self.flag(dup, column, R_DUPLICATE, codes)

    def rejects(self, table: RawTable) -> pd.DataFrame:
        """The rejected rows, and rows with the wrong number of fields, in file order."""
        bad = ~self.ok()
        frames = [make_rejects(table.raw_frame(bad), table.name, table.lines[bad], self.column[bad],
                               self.reason[bad], self.value[bad])]
        if table.malformed:
            width = len(table.header)
            rows = np.empty((len(table.malformed), width), dtype=object)
            rows[:] = [(f + [""] * width)[:width] for _, f in table.malformed]
            raw = pd.DataFrame(rows, columns=table.raw_frame(np.zeros(0, dtype=bool)).columns)
            frames.append(make_rejects(raw, table.name, [ln for ln, _ in table.malformed],
                                       ["(row)"] * len(rows), [R_FIELDS] * len(rows),
                                       [f"{len(f)} fields, expected {width}" for _, f in table.malformed]))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values("line", kind="stable").reset_index(drop=True)


# -- the area ---------------------------------------------------------------------------

@dataclass
class AreaRule:
    """Which rows of an England-wide table belong to the configured area, and why."""

    mask: np.ndarray
    rule: str
    area_codes: set[str] | None = None  # when taken from the lsoas table


def area_rows(tx, config: Config, codes: pd.Series, names: pd.Series | None, districts: pd.Series | None,
              file_vintage: int, path: Path | str) -> AreaRule:
    """Rows in the area: LSOAs marked ``area`` in the store's ``lsoas`` table when that table
    is of the file's LSOA vintage; else the district code column; else the LSOA name."""
    lsoas = None
    if config.geography.lsoa_vintage == file_vintage:
        lsoas = tx.read_optional("lsoas", columns=["code", "area"])
    if lsoas is not None:
        area_codes = set(lsoas.loc[lsoas["area"].astype(bool), "code"].astype(str))
        return AreaRule(codes.isin(area_codes).to_numpy(dtype=bool),
                        f"LSOAs of {config.area.name} in the store's {file_vintage} boundaries", area_codes)
    if districts is not None:
        return AreaRule((districts == config.area.code).to_numpy(dtype=bool),
                        f"district code {config.area.code}")
    if names is not None:
        return AreaRule(names.str.match(area_name_pattern(config.area.name)).to_numpy(dtype=bool),
                        f"LSOA names '{config.area.name} NNNX'")
    raise UnusableInputError(
        "cannot tell which rows are in the area",
        file=path,
        expected="an LSOA name or district code column, or LSOA boundaries loaded first "
                 "(python -m csp_dash ingest boundaries)",
    )


def report_area(report: SourceReport, rule: AreaRule, in_area_codes: pd.Series, config: Config) -> None:
    """Record the area filter in the report, with a note when the file misses area LSOAs."""
    in_area = len(in_area_codes)
    report.details.update(in_area=in_area, outside_area=report.rows_accepted - in_area, area_rule=rule.rule)
    if in_area == 0:
        report.notes.append(f"no accepted row is in {config.area.name} ({rule.rule}): is this the right file?")
    if rule.area_codes is not None:
        missing = len(rule.area_codes - set(in_area_codes))
        report.details["area_lsoas_without_row"] = missing
        if missing:
            report.notes.append(f"{missing} of the {len(rule.area_codes)} LSOAs of {config.area.name} "
                                "have no accepted row in this file")


def file_vintage_of(header: str) -> int | None:
    m = CODE_HEADER_RE.match(header)
    v = m and (m.group("v1") or m.group("v2"))
    return 2000 + int(v) if v else None


# -- IoD2019 ----------------------------------------------------------------------------

def deprivation_columns(table: RawTable) -> dict[str, int]:
    """Map ``imd_rank`` ... ``living_environment_score`` to header positions."""
    found: dict[str, int] = {}
    for i, h in enumerate(table.header):
        for domain, pattern in _FIELD_RES.items():
            m = pattern.match(h)
            if not m:
                continue
            key = f"{domain}_{m.group(1).lower()}"
            if key in found:
                raise UnusableInputError(
                    f"columns '{table.header[found[key]]}' and '{h}' both look like {key}",
                    file=table.name, line=table.header_line, column=h,
                    expected="one column for each rank, decile and score",
                )
            found[key] = i
            break
    return found


def read_imd(path: Path, config: Config, tx) -> tuple[pd.DataFrame, pd.DataFrame, SourceReport, set[str]]:
    """Read and check one IoD2019 file.

    Returns the area's rows (only the columns the file gives), the rejects, the report and
    the value columns the file provides.
    """
    table = read_table(path, "an IoD2019 file (File 1, 2, 5 or 7) as CSV or XLSX")
    report = SourceReport(kind="imd", path=table.name, size=table.size, sha256=table.sha256)
    fields = deprivation_columns(table)
    if not fields:
        raise UnusableInputError(
            "has no IMD or domain rank, decile or score column",
            file=table.name, line=table.header_line,
            expected="columns such as 'Index of Multiple Deprivation (IMD) Rank' or "
                     "'Income Decile (where 1 is most deprived 10% of LSOAs)', as in IoD2019 Files 1, 2, 5 and 7",
        )
    if len(table) == 0 and not table.malformed:
        raise UnusableInputError("has a header but no rows", file=table.name, line=table.header_line,
                                 expected="one row per LSOA")

    code_i = table.find(CODE_HEADER_RE)
    name_i = table.find(NAME_HEADER_RE)
    dcode_i = table.find(DISTRICT_CODE_HEADER_RE)
    dname_i = table.find(DISTRICT_NAME_HEADER_RE)
    codes = table.col(code_i)
    flags = Flags(len(table))
    flags.flag(~codes.str.match(ENGLISH_LSOA_RE).to_numpy(dtype=bool), table.header[code_i], R_LSOA, codes)
    values: dict[str, np.ndarray] = {}
    for key, i in fields.items():
        text = table.cells[:, i]
        num = to_number(text)
        header = table.header[i]
        if key.endswith("_rank"):
            whole = is_whole(num)
            flags.flag(~whole, header, R_RANK, text)
            with np.errstate(invalid="ignore"):
                flags.flag(whole & ((num < 1) | (num > N_LSOAS)), header, R_RANK_RANGE, text)
        elif key.endswith("_decile"):
            with np.errstate(invalid="ignore"):
                flags.flag(~(is_whole(num) & (num >= 1) & (num <= 10)), header, R_DECILE, text)
        else:
            flags.flag(np.isnan(num), header, R_SCORE, text)
        values[key] = num
    flags.flag_duplicates(codes, table.header[code_i])
    ok = flags.ok()
    rejects = flags.rejects(table)

    names = table.col(name_i) if name_i is not None else None
    districts = table.col(dcode_i) if dcode_i is not None else None
    rule = area_rows(tx, config, codes, names, districts, 2011, table.name)
    keep = ok & rule.mask
    area = pd.DataFrame({"lsoa_code": codes[keep].to_numpy(dtype=object)})
    for col, i in (("lsoa_name", name_i), ("district_code", dcode_i), ("district_name", dname_i)):
        if i is not None:
            area[col] = table.col(i)[keep].to_numpy(dtype=object)
    for key in VALUE_COLUMNS:
        if key in values:
            area[key] = values[key][keep]

    report.rows_read = len(table) + len(table.malformed)
    report.rows_rejected = len(rejects)
    report.rows_accepted = int(ok.sum())
    report.reject_reasons = reason_counts(rejects["reason"])
    report.notes.append(f"{int(keep.sum())} LSOAs in {config.area.name} ({rule.rule}); "
                        f"{report.rows_accepted - int(keep.sum()):,} elsewhere counted, not stored")
    report_area(report, rule, area["lsoa_code"], config)
    report.details["columns"] = [k for k in VALUE_COLUMNS if k in fields]
    if table.sheet:
        report.details["sheet"] = table.sheet
    known = {code_i, name_i, dcode_i, dname_i, *fields.values()}
    ignored = [h for i, h in enumerate(table.header) if i not in known]
    if ignored:
        report.notes.append(f"{len(ignored)} other columns not kept (supplementary indices, sub-domains, "
                            f"denominators): {', '.join(ignored[:3])}{', ...' if len(ignored) > 3 else ''}")
    if table.blank_rows:
        report.notes.append(f"{table.blank_rows} rows with every cell blank skipped")
    return area, rejects, report, set(fields)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in DEPRIVATION_COLUMNS:
        s = df[col] if col in df.columns else pd.Series(np.nan, index=df.index)
        if col.endswith(("_rank", "_decile")):
            out[col] = pd.to_numeric(s).astype("Int64")
        elif col.endswith("_score"):
            out[col] = pd.to_numeric(s).astype("float64")
        else:
            out[col] = s.astype("str")
    return out


def merge_deprivation(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Per LSOA, the new file's columns replace the old ones; columns it lacks are kept."""
    new = new.set_index("lsoa_code")
    if old is None or old.empty:
        merged = new
    else:
        merged = old.set_index("lsoa_code")
        merged = merged.reindex(merged.index.union(new.index))
        for col in new.columns:
            incoming = new[col].reindex(merged.index)
            merged[col] = incoming.where(incoming.notna(), merged[col]) if col in merged else incoming
    merged = merged.rename_axis("lsoa_code").reset_index().sort_values("lsoa_code", kind="stable")
    return _typed(merged.reset_index(drop=True))


def ingest_imd(paths: list[Path], config: Config, tx) -> list[SourceReport]:
    """Ingest IoD2019 files into ``deprivation`` and ``rejects/deprivation.csv``."""
    if not paths:
        raise UnusableInputError("no file given", expected="one or more IoD2019 files (Files 1, 2, 5 or 7)")
    reports, rejects = [], []
    table = tx.read_optional("deprivation")
    for path in paths:
        area, rejected, report, provided = read_imd(path, config, tx)
        table = merge_deprivation(table, area)
        rejects.append(rejected)
        reports.append(report)
        for entry in tx.manifest["sources"]:
            if (entry["kind"] == "imd" and not entry.get("superseded_by")
                    and set(entry.get("details", {}).get("columns", [])) <= provided):
                entry["superseded_by"] = [report.path]
    tx.write("deprivation", table)
    given = {r.path for r in reports}
    old = tx.read_rejects("deprivation")
    keep = old[~old["source_file"].isin(given)] if len(old) else old
    frames = [f for f in [keep, *rejects] if len(f)]
    merged = pd.concat(frames, ignore_index=True) if frames else rejects[0]
    tx.write_rejects("deprivation", merged.astype("string"))
    return reports
