"""Population per LSOA: the denominators that turn counts into rates.

Reads three shapes of table (CSV, .csv.gz or XLSX), recognised by their headers:

* IoD2019 File 6 (or File 7): "Total population: mid 2015 (excluding prisoners)" and the
  age groups used by the Indices;
* ONS SAPE density tables such as SAPE21DT11: LSOA11CD, LSOA11NM, "Mid-2018 population",
  "Area Sq Km", "People per Sq Km";
* ONS single-year-of-age tables: an "All Ages" (or "Total") column and columns 0 ... 90+.

Each file is one year of estimates, taken from the header ("mid 2015", "Mid-2018"), the
title rows or sheet name above it, or else the file name ("..._mid2019_..."). Re-loading
a year replaces that year's rows; other years are kept. A missing or non-numeric
population rejects the row: a denominator is never invented.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.config import Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.common import SourceReport, reason_counts
from csp_dash.ingest.imd import (
    CODE_HEADER_RE,
    DISTRICT_CODE_HEADER_RE,
    NAME_HEADER_RE,
    Flags,
    RawTable,
    area_rows,
    deprivation_columns,
    file_vintage_of,
    is_whole,
    read_table,
    report_area,
    to_number,
)

LSOA_RE = r"^[EW]01\d{6}$"  # ONS estimates cover England and Wales

TOTAL_HEADER_RE = re.compile(r"^(?:total population\b.*|mid[- ]?\d{4} population|all ages|total)$", re.I)
YEAR_RE = re.compile(r"mid[-_ ]?((?:19|20)\d{2})(?!\d)", re.I)
TABLE_ID_RE = re.compile(r"sape\d{2}dt\d+[a-z]?", re.I)

# IoD2019 File 6 age groups; "working age" is 18-59 for women and 18-64 for men.
AGE_GROUP_RES = {
    "children_0_15": re.compile(r"^(?:dependent )?children aged 0\s*-\s*15\b", re.I),
    "aged_16_59": re.compile(r"^population aged 16\s*-\s*59\b", re.I),
    "aged_60_plus": re.compile(r"^older population aged 60 and over\b", re.I),
    "working_age": re.compile(r"^working age population\b", re.I),
}
AGE_GROUPS = list(AGE_GROUP_RES)
# Single years of age and the groups they add up to (the last column is "90+").
SINGLE_AGE_GROUPS = {"children_0_15": range(0, 16), "aged_16_59": range(16, 60), "aged_60_plus": range(60, 91)}

POPULATION_COLUMNS = ["lsoa_code", "lsoa_name", "year", "population", "source", *AGE_GROUPS]

R_LSOA = "LSOA code is not like E01000001"
R_POPULATION = "population is not a whole number"
R_AGE = "age group count is not a whole number"
R_DUPLICATE = "duplicate LSOA code"

WHAT = "an LSOA population table (IoD2019 File 6, ONS SAPE or single-year-of-age estimates) as CSV or XLSX"


def _total_column(table: RawTable) -> int:
    found = [i for i, h in enumerate(table.header) if TOTAL_HEADER_RE.match(h)]
    if not found:
        raise UnusableInputError(
            "has no population column",
            file=table.name, line=table.header_line,
            expected="a column such as 'All Ages', 'Total', 'Mid-2019 population' or "
                     "'Total population: mid 2015 (excluding prisoners)'",
        )
    if len(found) > 1:
        names = ", ".join(f"'{table.header[i]}'" for i in found)
        raise UnusableInputError(
            f"has several population columns: {names}",
            file=table.name, line=table.header_line, column=table.header[found[1]],
            expected="one total population column (one year of estimates per file)",
        )
    return found[0]


def _year(table: RawTable, total_i: int, path: Path) -> tuple[int, str]:
    """The year of the estimates and where it was found."""
    m = YEAR_RE.search(table.header[total_i])
    if m:
        return int(m.group(1)), "header"
    years = {int(y) for text in [*table.context, *table.header] for y in YEAR_RE.findall(text)}
    if len(years) == 1:
        return years.pop(), "title"
    m = YEAR_RE.search(path.name)
    if m:
        return int(m.group(1)), "file name"
    raise UnusableInputError(
        "cannot tell which year the population estimates are for",
        file=table.name, line=table.header_line, column=table.header[total_i],
        expected="the year in the header (like 'Mid-2019 population') or in the file name",
        hint=f"Rename the file to include the year, like 'mid2019-{path.name}'.",
    )


def _source_label(table: RawTable, total_i: int, year: int, path: Path) -> str:
    if table.header[total_i].lower().startswith("total population"):
        file_no = 7 if deprivation_columns(table) else 6
        return f"IoD2019 File {file_no} (mid-{year})"
    m = TABLE_ID_RE.search(path.name) or next(
        (TABLE_ID_RE.search(t) for t in table.context if TABLE_ID_RE.search(t)), None)
    return f"ONS {m.group(0).upper()} mid-{year}" if m else f"ONS mid-{year} estimates"


def _single_ages(table: RawTable) -> dict[int, int] | None:
    """Positions of the columns 0 ... 89 and 90+, when the table has all of them."""
    ages = {}
    for i, h in enumerate(table.header):
        if re.fullmatch(r"\d{1,2}", h):
            ages.setdefault(int(h), i)
        elif re.fullmatch(r"90\s*\+|90 and over", h, re.I):
            ages.setdefault(90, i)
    return ages if set(ages) == set(range(91)) else None


def read_population(path: Path, config: Config, tx) -> tuple[pd.DataFrame, pd.DataFrame, SourceReport]:
    """Read and check one population file: the area's rows, the rejects and the report."""
    table = read_table(path, WHAT)
    report = SourceReport(kind="population", path=table.name, size=table.size, sha256=table.sha256)
    total_i = _total_column(table)
    year, year_from = _year(table, total_i, path)
    if len(table) == 0 and not table.malformed:
        raise UnusableInputError("has a header but no rows", file=table.name, line=table.header_line,
                                 expected="one row per LSOA")
    source = _source_label(table, total_i, year, path)
    code_i = table.find(CODE_HEADER_RE)
    name_i = table.find(NAME_HEADER_RE)
    dcode_i = table.find(DISTRICT_CODE_HEADER_RE)

    codes = table.col(code_i)
    flags = Flags(len(table))
    flags.flag(~codes.str.match(LSOA_RE).to_numpy(dtype=bool), table.header[code_i], R_LSOA, codes)
    total_text = table.cells[:, total_i]
    population = to_number(total_text)
    with np.errstate(invalid="ignore"):
        flags.flag(~(is_whole(population) & (population >= 0)), table.header[total_i], R_POPULATION, total_text)

    groups: dict[str, np.ndarray] = {}
    for key, pattern in AGE_GROUP_RES.items():
        i = table.find(pattern)
        if i is not None:
            groups[key] = _counts(table, i, flags)
    ages = _single_ages(table) if not groups else None
    if ages:
        counts = {age: _counts(table, i, flags) for age, i in ages.items()}
        for key, span in SINGLE_AGE_GROUPS.items():
            groups[key] = np.sum([counts[a] for a in span], axis=0)
    flags.flag_duplicates(codes, table.header[code_i])
    ok = flags.ok()
    rejects = flags.rejects(table)

    names = table.col(name_i) if name_i is not None else None
    districts = table.col(dcode_i) if dcode_i is not None else None
    vintage = file_vintage_of(table.header[code_i]) or config.geography.lsoa_vintage
    rule = area_rows(tx, config, codes, names, districts, vintage, table.name)
    keep = ok & rule.mask
    area = pd.DataFrame({
        "lsoa_code": codes[keep].to_numpy(dtype=object),
        "lsoa_name": names[keep].to_numpy(dtype=object) if names is not None else None,
        "year": year,
        "population": population[keep].astype(np.int64),
        "source": source,
    })
    for key in AGE_GROUPS:
        area[key] = pd.array(groups[key][keep] if key in groups else [pd.NA] * int(keep.sum()), dtype="Int64")

    report.rows_read = len(table) + len(table.malformed)
    report.rows_rejected = len(rejects)
    report.rows_accepted = int(ok.sum())
    report.reject_reasons = reason_counts(rejects["reason"])
    in_area = int(keep.sum())
    population_in_area = int(area["population"].sum())
    report.details = {"year": year, "year_from": year_from, "source": source, "area_population": population_in_area}
    report.notes.append(f"{source}: {in_area} LSOAs in {config.area.name} ({rule.rule}), population "
                        f"{population_in_area:,}; {report.rows_accepted - in_area:,} elsewhere counted, not stored")
    report_area(report, rule, area["lsoa_code"], config)
    report.details["age_groups"] = [k for k in AGE_GROUPS if k in groups]
    if table.sheet:
        report.details["sheet"] = table.sheet
    if vintage != config.geography.lsoa_vintage:
        report.notes.append(f"LSOA codes are of the {vintage} geography, not the configured "
                            f"{config.geography.lsoa_vintage} one: they will not match the boundaries")
    if year_from == "file name":
        report.notes.append(f"year {year} taken from the file name")
    if table.blank_rows:
        report.notes.append(f"{table.blank_rows} rows with every cell blank skipped")
    return area, rejects, report


def _counts(table: RawTable, i: int, flags: Flags) -> np.ndarray:
    text = table.cells[:, i]
    num = to_number(text)
    with np.errstate(invalid="ignore"):
        bad = ~(is_whole(num) & (num >= 0))
    flags.flag(bad, table.header[i], R_AGE, text)
    return np.where(bad, 0, num).astype(np.int64)


def ingest_population(paths: list[Path], config: Config, tx) -> list[SourceReport]:
    """Ingest population files into ``population`` and ``rejects/population.csv``.

    A year's rows are replaced as a whole; one file per year in a single ingest.
    """
    if not paths:
        raise UnusableInputError("no file given", expected="one or more LSOA population files")
    reports, frames, rejects = [], [], []
    by_year: dict[int, str] = {}
    for path in paths:
        area, rejected, report = read_population(path, config, tx)
        year = report.details["year"]
        if year in by_year:
            raise UnusableInputError(
                f"mid-{year} is also in {by_year[year]}",
                file=report.path,
                expected="one file for each year; ingest a second source for the same year on its own to replace it",
            )
        by_year[year] = report.path
        frames.append(area)
        rejects.append(rejected)
        reports.append(report)

    years = set(by_year)
    replaced_sources = set(by_year.values())
    for entry in tx.manifest["sources"]:
        if entry["kind"] == "population" and entry.get("details", {}).get("year") in years:
            replaced_sources.add(entry["path"])
            if not entry.get("superseded_by"):
                entry["superseded_by"] = [by_year[entry["details"]["year"]]]

    old = tx.read_optional("population")
    if old is not None and len(old):
        frames.insert(0, old[~old["year"].isin(years)])
    table = pd.concat([f for f in frames if len(f)] or frames[-1:], ignore_index=True)
    table = table.sort_values(["year", "lsoa_code"], kind="stable").reset_index(drop=True)
    table["year"] = table["year"].astype(np.int64)
    table["population"] = table["population"].astype(np.int64)
    for key in AGE_GROUPS:
        table[key] = table[key].astype("Int64")
    tx.write("population", table[POPULATION_COLUMNS])

    old_rejects = tx.read_rejects("population")
    keep = old_rejects[~old_rejects["source_file"].isin(replaced_sources)] if len(old_rejects) else old_rejects
    parts = [f for f in [keep, *rejects] if len(f)]
    merged = pd.concat(parts, ignore_index=True) if parts else rejects[0]
    tx.write_rejects("population", merged.astype("string"))
    return reports
