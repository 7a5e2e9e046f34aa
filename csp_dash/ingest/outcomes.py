"""Priority outcome indicators and the action plan (docs/data/outcomes.md).

Each file's kind is recognised from its header. Indicators files given together are
checked as one load and replace the stored rows for each (indicator_id, period) they
hold; an actions file is the whole plan and replaces every stored action. Every row read
is accepted or goes to ``rejects/indicators.csv`` or ``rejects/actions.csv``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.config import Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.common import SourceReport, reason_counts
from csp_dash.ingest.survey import (
    CsvTable,
    RowChecks,
    canonical,
    check_has_rows,
    duplicated_among,
    extras_json,
    nonblank_or_none,
    parse_dates,
    read_csv_table,
    rejects_frame,
    supersede,
)

UNITS = ("count", "percent", "rate per 1,000", "rate per 100,000", "days", "score")
POLARITIES = ("higher is better", "higher is worse", "neither")
STATUSES = ("Not started", "On track", "At risk", "Delayed", "Complete")
SENSITIVE_VALUES = ("yes", "no")
PERIOD_TYPES = ("month", "quarter", "financial_year", "year")

INDICATOR_REQUIRED = ["indicator_id", "priority", "name", "unit", "polarity", "period", "value", "sensitive",
                      "source"]
INDICATOR_OPTIONAL = ["baseline", "target"]
# What describes an indicator rather than one period's figure: the same on all its rows.
DESCRIPTIVE = ["priority", "name", "unit", "polarity", "sensitive", "source"]
ACTION_REQUIRED = ["priority", "action", "owner", "due_date", "status"]
ACTION_OPTIONAL = ["last_update", "note"]

INDICATOR_COLUMNS = ["indicator_id", "priority", "name", "unit", "polarity", "period", "period_type",
                     "period_start", "period_end", "value", "baseline", "target", "sensitive", "source", "extra",
                     "source_file", "source_line"]
ACTION_COLUMNS = ["priority", "action", "owner", "due_date", "status", "last_update", "note", "extra",
                  "source_file", "source_line"]

INDICATORS_WHAT = "an indicators file (docs/data/outcomes.md)"
ACTIONS_WHAT = "an actions file (docs/data/outcomes.md)"

# Reject reasons: short fixed phrases; the offending value sits in its own column.
R_BLANK = "{} is blank"
R_ID = "indicator_id has characters other than letters, digits, _ and -"
R_UNIT = "unit is not an allowed unit"
R_POLARITY = "polarity is not an allowed polarity"
R_SENSITIVE = "sensitive is not yes or no"
R_PERIOD = "period is not YYYY-MM, YYYY-Qn, YYYY/YY or YYYY"
R_NUMBER = "{} is not a number"
R_DESCRIBED = "describes the indicator differently from its first row"
R_DUPLICATE = "duplicate indicator_id and period"
R_DATE = "{} is not YYYY-MM-DD or DD/MM/YYYY"
R_STATUS = "status is not an allowed status"

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
# Thousands separators in threes and one trailing %, as spreadsheets write them: 1,234 and 45%.
NUMBER_PATTERN = r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)%?$"


# -- periods ---------------------------------------------------------------------------------

_PERIOD_FORMS = [
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-[Qq](\d)$"), "quarter"),
    (re.compile(r"^(\d{4})/(\d{2})$"), "financial_year"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def _period(text: str) -> tuple[str, str, dt.date, dt.date]:
    """(canonical text, type, first day, last day); ValueError when not a period."""
    s = str(text).strip()
    for pattern, kind in _PERIOD_FORMS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        try:
            if kind == "month":
                month = int(m.group(2))
                last = calendar.monthrange(year, month)[1]
                return f"{year:04d}-{month:02d}", kind, dt.date(year, month, 1), dt.date(year, month, last)
            if kind == "quarter":
                q = int(m.group(2))
                if 1 <= q <= 4:
                    end_month = 3 * q
                    last = calendar.monthrange(year, end_month)[1]
                    return f"{year:04d}-Q{q}", kind, dt.date(year, end_month - 2, 1), dt.date(year, end_month, last)
            elif kind == "financial_year":
                # The second part must be the next year: 2017/18, and 1999/00 across a century.
                if int(m.group(2)) == (year + 1) % 100:
                    return f"{year:04d}/{m.group(2)}", kind, dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
            else:
                return f"{year:04d}", kind, dt.date(year, 1, 1), dt.date(year, 12, 31)
        except ValueError:  # month 13, year 0000
            pass
        break
    raise ValueError(f"'{text}' is not a period; expected YYYY-MM (month), YYYY-Qn (calendar quarter), "
                     f"YYYY/YY (financial year, April-March, like 2017/18) or YYYY (calendar year)")


def parse_period(text: str) -> tuple[str, dt.date, dt.date]:
    """The type, first day and last day of a period.

    Parameters
    ----------
    text : str
        ``YYYY-MM`` (month), ``YYYY-Qn`` (calendar quarter), ``YYYY/YY`` (financial year,
        April to March: ``2017/18`` is 2017-04-01 to 2018-03-31) or ``YYYY`` (calendar year).

    Returns
    -------
    (period_type, start, end) : tuple[str, datetime.date, datetime.date]
        ``period_type`` is one of ``PERIOD_TYPES``.

    Raises
    ------
    ValueError
        When ``text`` is none of these forms (e.g. ``2017/19``, ``2019-13``, ``2019-Q5``).
    """
    _, kind, start, end = _period(text)
    return kind, start, end


def canonical_period(text: str) -> str | None:
    """The period as stored (``2019-q1`` -> ``2019-Q1``), or None when it is not a period."""
    try:
        return _period(text)[0]
    except ValueError:
        return None


# -- shared checks ---------------------------------------------------------------------------

def _numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Floats (45% -> 45.0, 1,234 -> 1234.0), a mask of blanks and a mask of non-numbers."""
    text = values.str.strip()
    blank = (text == "").to_numpy(dtype=bool)
    good = text.str.match(NUMBER_PATTERN).to_numpy(dtype=bool)
    cleaned = text.str.replace(",", "", regex=False).str.rstrip("%")
    numbers = pd.to_numeric(cleaned.where(good, None), errors="coerce").astype("float64")
    return numbers, blank, ~blank & ~good


def _flag_blanks(checks: RowChecks, df: pd.DataFrame, columns: list[str]) -> None:
    for c in columns:
        checks.flag(df[c].str.strip() == "", c, R_BLANK.format(c), df[c])


def _extra_columns(table: CsvTable, known: list[str]) -> list[str]:
    return [c for c in table.header if c not in known]


def _optional(df: pd.DataFrame, column: str) -> pd.Series:
    return df[column] if column in df else pd.Series("", index=df.index, dtype="str")


# -- recognising a file ----------------------------------------------------------------------

def kind_of(table: CsvTable) -> str:
    """'indicators' or 'actions', from the required columns present in the header."""
    have = set(table.header)
    missing = {"indicators": [c for c in INDICATOR_REQUIRED if c not in have],
               "actions": [c for c in ACTION_REQUIRED if c not in have]}
    complete = [k for k, m in missing.items() if not m]
    if len(complete) == 2:
        raise UnusableInputError(
            "has the required columns of both an indicators file and an actions file", file=table.name, line=1,
            expected="indicators and actions in separate files")
    if complete:
        return complete[0]
    required = {"indicators": INDICATOR_REQUIRED, "actions": ACTION_REQUIRED}
    # The closer match has the larger share of its required columns present; then fewer missing.
    closer = max(missing, key=lambda k: (1 - len(missing[k]) / len(required[k]), -len(missing[k])))
    lacking = missing[closer]
    s = "s" if len(lacking) > 1 else ""
    raise UnusableInputError(
        f"is neither an indicators file nor an actions file: as an {closer} file it lacks the column{s} "
        f"{', '.join(lacking)}",
        file=table.name, line=1, column=lacking[0],
        expected=f"the columns of an indicators file ({', '.join(INDICATOR_REQUIRED)}) "
                 f"or of an actions file ({', '.join(ACTION_REQUIRED)})",
    )


# -- indicators ------------------------------------------------------------------------------

def _check_indicator_rows(table: CsvTable) -> tuple[pd.DataFrame, RowChecks]:
    """Row-by-row checks; returns the normalised values beside the checks."""
    df = table.rows
    checks = RowChecks(len(df))
    _flag_blanks(checks, df, INDICATOR_REQUIRED)
    indicator_id = df["indicator_id"].str.strip()
    checks.flag(~indicator_id.str.match(ID_PATTERN).to_numpy(dtype=bool), "indicator_id", R_ID, df["indicator_id"])
    unit, bad = canonical(df["unit"], UNITS)
    checks.flag(bad, "unit", R_UNIT, df["unit"])
    polarity, bad = canonical(df["polarity"], POLARITIES)
    checks.flag(bad, "polarity", R_POLARITY, df["polarity"])
    sensitive, bad = canonical(df["sensitive"], SENSITIVE_VALUES)
    checks.flag(bad, "sensitive", R_SENSITIVE, df["sensitive"])

    parsed = {p: _try_period(p) for p in df["period"].unique()}
    parts = [parsed[p] or (None, None, None, None) for p in df["period"]]
    checks.flag(np.array([p[0] is None for p in parts], dtype=bool), "period", R_PERIOD, df["period"])
    numbers = {}
    for c in ["value", *INDICATOR_OPTIONAL]:
        numbers[c], _, bad = _numbers(_optional(df, c))
        checks.flag(bad, c, R_NUMBER.format(c), _optional(df, c))

    norm = pd.DataFrame({
        "indicator_id": indicator_id,
        "priority": df["priority"].str.strip(),
        "name": df["name"].str.strip(),
        "unit": unit,
        "polarity": polarity,
        "period": [p[0] for p in parts],
        "period_type": [p[1] for p in parts],
        "period_start": pd.to_datetime([p[2] for p in parts]),
        "period_end": pd.to_datetime([p[3] for p in parts]),
        **numbers,
        "sensitive": sensitive == "yes",
        "source": df["source"].str.strip(),
    }, index=df.index)
    return norm, checks


def _try_period(text: str):
    try:
        return _period(text)
    except ValueError:
        return None


def _check_across(tables: list[CsvTable], norms: list[pd.DataFrame], checks: list[RowChecks]) -> None:
    """Checks that span every indicators file given: descriptions and repeated periods."""
    combo = pd.concat(norms, ignore_index=True)
    bounds = np.cumsum([0] + [len(n) for n in norms])

    def scatter(mask: np.ndarray, column: str, why: str) -> None:
        for i, (t, c) in enumerate(zip(tables, checks)):
            c.flag(mask[bounds[i]:bounds[i + 1]], column, why, t.rows[column])

    def ok() -> np.ndarray:
        return np.concatenate([c.ok for c in checks])

    good = ok()
    sub = combo[good]
    first = sub.groupby("indicator_id", sort=False)[DESCRIPTIVE].transform("first")
    for column in DESCRIPTIVE:
        differs = np.zeros(len(combo), dtype=bool)
        differs[good] = (sub[column] != first[column]).to_numpy(dtype=bool)
        scatter(differs, column, R_DESCRIBED)
    scatter(duplicated_among(combo[["indicator_id", "period"]], ok()), "period", R_DUPLICATE)


def _indicator_rows(table: CsvTable, norm: pd.DataFrame, checks: RowChecks, extra: list[str]) -> pd.DataFrame:
    keep = checks.ok
    out = norm[keep].copy()
    out["extra"] = extras_json(table, extra, keep)
    out["source_file"] = table.name
    out["source_line"] = table.lines[keep]
    return out[INDICATOR_COLUMNS].reset_index(drop=True)


def _typed_indicators(df: pd.DataFrame) -> pd.DataFrame:
    types = {c: "str" for c in INDICATOR_COLUMNS}
    types.update(period_start="datetime64[us]", period_end="datetime64[us]", value="float64",
                 baseline="float64", target="float64", sensitive="bool", source_line="int64")
    return df[INDICATOR_COLUMNS].astype(types)


def _ingest_indicators(tables: list[CsvTable], reports: list[SourceReport], tx) -> None:
    norms, checks, extras = [], [], []
    for table in tables:
        n, c = _check_indicator_rows(table)
        norms.append(n)
        checks.append(c)
        extras.append(_extra_columns(table, INDICATOR_REQUIRED + INDICATOR_OPTIONAL))
    _check_across(tables, norms, checks)

    new_parts, rejects = [], []
    for table, norm, check, extra, report in zip(tables, norms, checks, extras, reports):
        rows = _indicator_rows(table, norm, check, extra)
        rej = rejects_frame(table, check)
        new_parts.append(rows)
        rejects.append(rej)
        report.rows_accepted, report.rows_rejected = len(rows), len(rej)
        report.reject_reasons = reason_counts(rej["reason"])
        report.details = {"contents": "indicators", "indicators": sorted(rows["indicator_id"].unique().tolist()),
                          "extra_columns": extra}
        report.notes.append(f"{table.name}: an indicators file")
        if extra:
            report.notes.append(f"{table.name}: extra columns kept in 'extra': {', '.join(extra)}")
    new = pd.concat(new_parts, ignore_index=True)
    new_keys = set(zip(new["indicator_id"], new["period"]))

    old = tx.read_optional("indicators")
    merged = new
    if old is not None and len(old):
        replaced = np.array([k in new_keys for k in zip(old["indicator_id"], old["period"])], dtype=bool)
        kept = _redescribe(old.loc[~replaced, INDICATOR_COLUMNS].copy(), new, reports[0])
        merged = pd.concat([f for f in (kept, new) if len(f)], ignore_index=True) if len(kept) else new
    merged = merged.sort_values(["indicator_id", "period_start", "period_end"], kind="stable")
    tx.write("indicators", _typed_indicators(merged.reset_index(drop=True)))

    old_rejects = tx.read_rejects("indicators")
    if len(old_rejects):
        gone = old_rejects["source_file"].isin({r.path for r in reports})
        if {"indicator_id", "period"} <= set(old_rejects.columns):
            key = zip(old_rejects["indicator_id"].fillna("").str.strip(),
                      old_rejects["period"].fillna("").map(canonical_period))
            gone |= pd.Series([k in new_keys for k in key], index=old_rejects.index, dtype=bool)
        old_rejects = old_rejects[~gone]
    frames = [f for f in [old_rejects, *rejects] if len(f)]
    all_rejects = pd.concat(frames, ignore_index=True) if frames else rejects[0]
    tx.write_rejects("indicators", all_rejects.astype("string"))


def _redescribe(kept: pd.DataFrame, new: pd.DataFrame, report: SourceReport) -> pd.DataFrame:
    """Give stored rows of other periods the description this load gives their indicator.

    Keeps the rule that an indicator reads the same on every row, and says so when it changes.
    """
    latest = new.groupby("indicator_id", sort=True)[DESCRIPTIVE].first()
    for indicator_id, desc in latest.iterrows():
        rows = kept["indicator_id"] == indicator_id
        if not rows.any():
            continue
        changed = [c for c in DESCRIPTIVE if (kept.loc[rows, c] != desc[c]).any()]
        if changed:
            for c in DESCRIPTIVE:
                kept.loc[rows, c] = desc[c]
            report.notes.append(f"indicator {indicator_id}: {', '.join(changed)} changed; the new description "
                                f"now applies to its {int(rows.sum())} stored rows for other periods")
    return kept


# -- actions ---------------------------------------------------------------------------------

def _ingest_actions(table: CsvTable, report: SourceReport, tx) -> None:
    df = table.rows
    checks = RowChecks(len(df))
    _flag_blanks(checks, df, ACTION_REQUIRED)
    due = parse_dates(df["due_date"], allow_time=False)
    checks.flag(due.isna(), "due_date", R_DATE.format("due_date"), df["due_date"])
    status, bad = canonical(df["status"], STATUSES)
    checks.flag(bad, "status", R_STATUS, df["status"])
    last_text = _optional(df, "last_update")
    last = parse_dates(last_text, allow_time=False)
    checks.flag(last.isna() & (last_text.str.strip() != ""), "last_update", R_DATE.format("last_update"), last_text)

    keep = checks.ok
    extra = _extra_columns(table, ACTION_REQUIRED + ACTION_OPTIONAL)
    actions = pd.DataFrame({
        "priority": df["priority"].str.strip(),
        "action": df["action"].str.strip(),
        "owner": df["owner"].str.strip(),
        "due_date": due,
        "status": status,
        "last_update": last,
        "note": nonblank_or_none(_optional(df, "note")),
    })[keep]
    actions["extra"] = extras_json(table, extra, keep)
    actions["source_file"] = table.name
    actions["source_line"] = table.lines[keep]
    types = {c: "str" for c in ACTION_COLUMNS}
    types.update(due_date="datetime64[us]", last_update="datetime64[us]", source_line="int64")
    tx.write("actions", actions[ACTION_COLUMNS].reset_index(drop=True).astype(types))
    rejects = rejects_frame(table, checks)
    tx.write_rejects("actions", rejects.astype("string"))

    report.rows_accepted, report.rows_rejected = len(actions), len(rejects)
    report.reject_reasons = reason_counts(rejects["reason"])
    report.details = {"contents": "actions", "by_status": {s: int((actions["status"] == s).sum()) for s in STATUSES},
                      "extra_columns": extra}
    report.notes.append(f"{table.name}: an actions file; it replaces all stored actions")
    if extra:
        report.notes.append(f"{table.name}: extra columns kept in 'extra': {', '.join(extra)}")


# -- the ingest ------------------------------------------------------------------------------

def ingest_outcomes(paths: list[Path], config: Config, tx) -> list[SourceReport]:
    """Load indicators and actions files, recognised by their headers, into the store."""
    if not paths:
        raise UnusableInputError("no indicators or actions file was given",
                                 expected="one or more CSV files in the schemas of docs/data/outcomes.md")
    indicators: list[tuple[CsvTable, SourceReport]] = []
    actions: tuple[CsvTable, SourceReport] | None = None
    reports: list[SourceReport] = []
    for path in paths:
        table = read_csv_table(path, "an indicators or actions file (docs/data/outcomes.md)")
        kind = kind_of(table)
        check_has_rows(table, "indicator figure" if kind == "indicators" else "action")
        report = SourceReport(kind="outcomes", path=table.name, size=table.size, sha256=table.sha256,
                              rows_read=table.rows_read)
        if kind == "actions":
            if actions is not None:
                raise UnusableInputError(
                    f"is a second actions file (after {actions[0].name})", file=table.name,
                    expected="one actions file at a time: an actions file is the whole plan")
            actions = (table, report)
        else:
            indicators.append((table, report))
        reports.append(report)

    if indicators:
        _ingest_indicators([t for t, _ in indicators], [r for _, r in indicators], tx)
    if actions is not None:
        supersede(tx, "outcomes", lambda e: e.get("details", {}).get("contents") == "actions", [actions[1]])
        _ingest_actions(*actions, tx)
    return reports
