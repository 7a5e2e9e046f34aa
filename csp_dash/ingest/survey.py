"""Community survey export: one row per response, one column per question (docs/data/survey.md).

Each row read ends in exactly one place: ``survey_responses`` (with its issue answers in
long form in ``survey_answers``) or ``rejects/survey_responses.csv``. A wave is the unit of
replacement: loading a file replaces every stored response of the waves it holds.

The CSV reading and row-checking helpers here are shared with ``outcomes.py``; both input
formats are "our" CSVs with named columns in any order, free text and quoted newlines.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.config import Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.common import (
    SourceReport,
    check_not_empty,
    decode_text,
    fingerprint,
    looks_binary,
    make_rejects,
    read_bytes,
    reason_counts,
)
from csp_dash.store import REJECT_COLUMNS

# -- the questions and their allowed answers -------------------------------------------------

DONT_KNOW = "Don't know"
AGREEMENT_SCALE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree",
                   DONT_KNOW)
CONCERN_SCALE = ("Very concerned", "Fairly concerned", "Not very concerned", "Not at all concerned", DONT_KNOW)
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Prefer not to say")
GENDERS = ("Female", "Male", "In another way", "Prefer not to say")
ISSUE_ANSWERS = ("Yes", "No")

# Allowed non-blank values of each scale (blank is always allowed and means "not answered").
SCALES: dict[str, tuple[str, ...]] = {
    "agreement": AGREEMENT_SCALE,
    "concern": CONCERN_SCALE,
    "age_band": AGE_BANDS,
    "gender": GENDERS,
    "issue": ISSUE_ANSWERS,
}
# The scale each fixed answer column uses; every issue_ column uses "issue".
COLUMN_SCALES: dict[str, str] = {
    "age_band": "age_band",
    "gender": "gender",
    "get_on_well_together": "agreement",
    "safe_place_to_live": "agreement",
    "concerned_about_crime": "concern",
}
# The statements as asked; format with area=config.area.name.
STATEMENTS: dict[str, str] = {
    "get_on_well_together": "People in my local area get on well together",
    "safe_place_to_live": "{area} is a safe place to live",
    "concerned_about_crime": "How concerned are you about crime in your area?",
}
ISSUE_QUESTION = "Is this an issue in your area?"
ISSUE_PREFIX = "issue_"
ISSUE_ITEMS: dict[str, str] = {
    "issue_fly_tipping": "Fly-tipping",
    "issue_drinking_rowdy": "People drinking or being rowdy in a public place",
    "issue_dog_fouling": "Dog fouling",
    "issue_violent_crime": "Violent crime",
    "issue_vehicle_crime": "Vehicle crime",
    "issue_burglary": "Burglary",
    "issue_drugs": "Drug dealing and use",
    "issue_asb": "Anti-social behaviour",
    "issue_speeding": "Speeding",
    "issue_litter": "Litter",
    "issue_graffiti_vandalism": "Graffiti and vandalism",
    "issue_nuisance_motorcycles": "Nuisance motorcycles",
}
# Headline percentages: positive answers over everyone answering, "Don't know" and blanks
# left out of the base (docs/data/survey.md, "Percentages").
POSITIVE_ANSWERS: dict[str, tuple[str, ...]] = {
    "agreement": ("Strongly agree", "Agree"),
    "concern": ("Very concerned", "Fairly concerned"),
    "issue": ("Yes",),
}
EXCLUDED_FROM_BASE: tuple[str, ...] = (DONT_KNOW,)

REQUIRED_COLUMNS = ["response_id", "date_submitted", "wave", "area", "age_band", "gender",
                    "get_on_well_together", "safe_place_to_live", "concerned_about_crime"]
TEXT_COLUMNS = ["feel_safer_text", "comments_text"]

RESPONSE_COLUMNS = ["response_id", "wave", "date_submitted", "area", "age_band", "gender", "get_on_well_together",
                    "safe_place_to_live", "concerned_about_crime", "feel_safer_text", "comments_text", "extra",
                    "source_file", "source_line"]
ANSWER_COLUMNS = ["response_id", "wave", "item", "label", "answer"]

# Reject reasons: short fixed phrases; the offending value sits in its own column.
R_FIELDS = "wrong number of fields"
R_ID_BLANK = "response_id is blank"
R_WAVE_BLANK = "wave is blank"
R_DATE = "date_submitted is not YYYY-MM-DD or DD/MM/YYYY"
R_DUPLICATE = "duplicate response_id within the wave"
R_SCALE = {
    "agreement": "not on the agreement scale",
    "concern": "not on the concern scale",
    "age_band": "not an allowed age band",
    "gender": "not an allowed gender",
    "issue": "not Yes, No or blank",
}


def issue_label(column: str) -> str:
    """The item as asked: the standard label, or the column name without ``issue_``, underscores as spaces."""
    return ISSUE_ITEMS.get(column) or column[len(ISSUE_PREFIX):].replace("_", " ")


def positive_answers(column: str) -> tuple[str, ...]:
    """The answers counted as positive in a headline percentage for ``column``."""
    scale = "issue" if column.startswith(ISSUE_PREFIX) else COLUMN_SCALES.get(column)
    if scale not in POSITIVE_ANSWERS:
        raise ValueError(f"'{column}' has no headline percentage; expected one of "
                         f"{', '.join(STATEMENTS)} or an issue_ column")
    return POSITIVE_ANSWERS[scale]


# -- reading our CSVs (shared with outcomes.py) ----------------------------------------------

@dataclass
class CsvTable:
    """One CSV file as text: its trimmed header, the well-formed rows and where each began."""

    name: str
    size: int
    sha256: str
    header: list[str]
    rows: pd.DataFrame  # one str column per header name, values exactly as in the file
    lines: np.ndarray  # 1-based line on which each row starts (the header is line 1)
    bad: list[tuple[int, list[str]]] = field(default_factory=list)  # rows with the wrong number of fields

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.bad)


def read_csv_table(path: Path, what: str) -> CsvTable:
    """Read a headed CSV as text, refusing a file that as a whole cannot be used.

    Parameters
    ----------
    path : Path
        The file (``.gz`` is unpacked).
    what : str
        What the file should be, for messages ("a survey export").
    """
    data = read_bytes(path)
    size, sha = fingerprint(data)
    check_not_empty(data, path)
    if looks_binary(data):
        raise UnusableInputError("is not a CSV text file", file=path, expected=f"{what} saved as CSV UTF-8")
    text = decode_text(data, path)
    # newline="": the csv module sees every line ending itself, so quoted newlines in free
    # text are kept and line_num counts physical lines.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    previous_end = 0
    try:
        for fields in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if len(fields) <= 1 and not "".join(fields).strip():
                continue  # a blank line is not a row
            records.append(fields)
            starts.append(start)
    except csv.Error as exc:
        # Name the line where the broken record began: an unclosed quote swallows what follows.
        raise UnusableInputError(f"is not valid CSV ({exc})", file=path, line=previous_end + 1,
                                 expected="quotes around a field only, and every opened quote closed") from None
    if not records or starts[0] != 1:
        raise UnusableInputError("does not start with a header line", file=path, line=1,
                                 expected=f"the column names of {what} on line 1")
    header = [c.strip() for c in records[0]]
    for i, name in enumerate(header):
        if not name:
            raise UnusableInputError(f"column {i + 1} of the header is blank", file=path, line=1,
                                     expected="a name for every column")
        if name in header[:i]:
            raise UnusableInputError(f"the header names column '{name}' twice", file=path, line=1, column=name,
                                     expected="each column name once")
    good, lines, bad = [], [], []
    for fields, start in zip(records[1:], starts[1:]):
        if len(fields) == len(header):
            good.append(fields)
            lines.append(start)
        else:
            bad.append((start, fields))
    rows = pd.DataFrame(good, columns=header, dtype="str") if good else \
        pd.DataFrame({c: pd.Series(dtype="str") for c in header})
    return CsvTable(str(path), size, sha, header, rows, np.asarray(lines, dtype=np.int64), bad)


def check_columns(table: CsvTable, required: list[str], what: str) -> None:
    """Refuse a file lacking any required column, naming every one missing."""
    missing = [c for c in required if c not in table.header]
    if missing:
        s = "s" if len(missing) > 1 else ""
        raise UnusableInputError(
            f"lacks the required column{s} {', '.join(missing)}",
            file=table.name, line=1, column=missing[0],
            expected=f"the columns of {what}: {', '.join(required)}",
        )


def check_has_rows(table: CsvTable, what: str) -> None:
    if table.rows_read == 0:
        raise UnusableInputError("has a header but no rows", file=table.name, expected=f"at least one {what}")


class RowChecks:
    """The first problem found on each row: its column, value and fixed reason phrase."""

    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return self.reason == None  # noqa: E711 - elementwise on an object array

    def flag(self, mask, column: str, why: str, values: pd.Series) -> None:
        hit = np.asarray(mask, dtype=bool) & self.ok
        self.reason[hit] = why
        self.column[hit] = column
        self.value[hit] = values.to_numpy(dtype=object)[hit]


def rejects_frame(table: CsvTable, checks: RowChecks) -> pd.DataFrame:
    """Rejected rows (and rows with the wrong number of fields) in the standard rejects shape."""
    # The raw fields follow the standard columns; rename any that would collide with them
    # (an indicators file has its own 'value').
    raw = table.rows.rename(columns={c: f"raw_{c}" for c in table.header if c in REJECT_COLUMNS})
    bad = ~checks.ok
    rejects = make_rejects(raw[bad], table.name, table.lines[bad], checks.column[bad], checks.reason[bad],
                           checks.value[bad])
    if table.bad:
        width = len(table.header)
        malformed = pd.DataFrame([(f + [""] * width)[:width] for _, f in table.bad], columns=raw.columns)
        rejects = pd.concat([rejects, make_rejects(
            malformed, table.name, [line for line, _ in table.bad], ["(row)"] * len(table.bad),
            [R_FIELDS] * len(table.bad), [f"{len(f)} fields, expected {width}" for _, f in table.bad],
        )], ignore_index=True)
    return rejects.sort_values("line", kind="stable").reset_index(drop=True)


def canonical(values: pd.Series, allowed: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """Allowed values in their canonical spelling (blank -> missing) and a mask of values not allowed.

    Matching ignores case and surrounding spaces, and reads a typographic apostrophe as "'".
    """
    lookup = {a.lower(): a for a in allowed}
    key = values.str.strip().str.replace("\u2019", "'").str.replace("\u2018", "'").str.lower()
    mapped = key.map(lookup)
    bad = (key != "").to_numpy(dtype=bool) & mapped.isna().to_numpy(dtype=bool)
    return mapped.astype("str"), bad


_DATE_RE = (r"^(?:(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})|(?P<d2>\d{2})/(?P<m2>\d{2})/(?P<y2>\d{4}))"
            r"(?:[ T](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_DATE_ONLY_RE = r"^(?:(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})|(?P<d2>\d{2})/(?P<m2>\d{2})/(?P<y2>\d{4}))$"


def parse_dates(values: pd.Series, allow_time: bool) -> pd.Series:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` (optionally with a time) as datetime64 dates; NaT where not."""
    parts = values.str.strip().str.extract(_DATE_RE if allow_time else _DATE_ONLY_RE)
    y = parts["y"].fillna(parts["y2"])
    m = parts["m"].fillna(parts["m2"])
    d = parts["d"].fillna(parts["d2"])
    # errors="coerce": 2019-02-30 and other non-dates become NaT and are rejected by the caller.
    dates = pd.to_datetime(y + "-" + m + "-" + d, format="%Y-%m-%d", errors="coerce")
    if allow_time:
        hour = pd.to_numeric(parts["H"]).fillna(0)
        minute = pd.to_numeric(parts["M"]).fillna(0)
        second = pd.to_numeric(parts["S"]).fillna(0)
        dates = dates.where((hour < 24) & (minute < 60) & (second < 60))
    return dates


def duplicated_among(keys: pd.DataFrame, among: np.ndarray) -> np.ndarray:
    """Rows of ``among`` whose key repeats an earlier row of ``among``."""
    dup = np.zeros(len(keys), dtype=bool)
    dup[np.flatnonzero(among)[keys[among].duplicated(keep="first").to_numpy()]] = True
    return dup


def extras_json(table: CsvTable, columns: list[str], keep: np.ndarray) -> list[str]:
    """Each kept row's extra columns as a JSON object (blank -> null)."""
    if not columns:
        return ["{}"] * int(keep.sum())
    sub = table.rows.loc[keep, columns]
    return [json.dumps({c: (v if v.strip() else None) for c, v in zip(columns, row)}, ensure_ascii=False)
            for row in sub.itertuples(index=False, name=None)]


def nonblank_or_none(values: pd.Series) -> pd.Series:
    """Text kept as given, with blank or whitespace-only values as missing."""
    return values.where(values.str.strip() != "", None).astype("str")


def supersede(tx, kind: str, covered, reports: list[SourceReport]) -> set[str]:
    """Mark earlier sources of ``kind`` whose rows the reports have wholly replaced; return their paths.

    ``covered(entry)`` says whether this load replaced everything an earlier manifest entry held.
    """
    paths = set()
    for entry in tx.manifest["sources"]:
        if entry["kind"] == kind and not entry.get("superseded_by") and covered(entry):
            entry["superseded_by"] = [r.path for r in reports]
            paths.add(entry["path"])
    return paths


# -- the survey ingest -----------------------------------------------------------------------

WHAT = "a survey export (docs/data/survey.md)"


def _read_survey(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, SourceReport]:
    table = read_csv_table(path, WHAT)
    report = SourceReport(kind="survey", path=table.name, size=table.size, sha256=table.sha256)
    check_columns(table, REQUIRED_COLUMNS, WHAT)
    issue_columns = [c for c in table.header if c.startswith(ISSUE_PREFIX)]
    if not issue_columns:
        raise UnusableInputError(
            "has no issue_ column", file=table.name, line=1, column="issue_",
            expected="at least one column named issue_<item>, like issue_fly_tipping")
    if ISSUE_PREFIX in issue_columns:
        raise UnusableInputError("has a column named just 'issue_'", file=table.name, line=1, column=ISSUE_PREFIX,
                                 expected="issue_<item>, naming the item, like issue_fly_tipping")
    check_has_rows(table, "survey response")
    known = set(REQUIRED_COLUMNS) | set(TEXT_COLUMNS) | set(issue_columns)
    extra_columns = [c for c in table.header if c not in known]

    df = table.rows
    checks = RowChecks(len(df))
    response_id = df["response_id"].str.strip()
    wave = df["wave"].str.strip()
    checks.flag(response_id == "", "response_id", R_ID_BLANK, df["response_id"])
    checks.flag(wave == "", "wave", R_WAVE_BLANK, df["wave"])
    date = parse_dates(df["date_submitted"], allow_time=True)
    checks.flag(date.isna(), "date_submitted", R_DATE, df["date_submitted"])
    answers: dict[str, pd.Series] = {}
    for column in [*COLUMN_SCALES, *issue_columns]:
        scale = COLUMN_SCALES.get(column, "issue")
        answers[column], bad = canonical(df[column], SCALES[scale])
        checks.flag(bad, column, R_SCALE[scale], df[column])
    # Only rows without another problem count as "earlier": an id first seen on a rejected
    # row is not held against a later good one.
    keys = pd.DataFrame({"wave": wave, "id": response_id})
    checks.flag(duplicated_among(keys, checks.ok), "response_id", R_DUPLICATE, df["response_id"])
    keep = checks.ok

    responses = pd.DataFrame({
        "response_id": response_id[keep],
        "wave": wave[keep],
        "date_submitted": date[keep],
        "area": nonblank_or_none(df["area"].str.strip())[keep],
        **{c: answers[c][keep] for c in COLUMN_SCALES},
        **{c: (nonblank_or_none(df[c]) if c in df else pd.Series(None, index=df.index, dtype="str"))[keep]
           for c in TEXT_COLUMNS},
        "extra": extras_json(table, extra_columns, keep),
        "source_file": table.name,
        "source_line": table.lines[keep],
    }).reset_index(drop=True)[RESPONSE_COLUMNS]

    long = pd.DataFrame({c: answers[c][keep] for c in issue_columns}).reset_index(drop=True)
    long.index = responses.index
    stacked = long.stack(future_stack=True).dropna()
    answered = stacked.index.get_level_values(1)
    answer_rows = pd.DataFrame({
        "response_id": responses["response_id"].to_numpy()[stacked.index.get_level_values(0)],
        "wave": responses["wave"].to_numpy()[stacked.index.get_level_values(0)],
        "item": [c[len(ISSUE_PREFIX):] for c in answered],
        "label": [issue_label(c) for c in answered],
        "answer": stacked.to_numpy(),
    }, columns=ANSWER_COLUMNS)

    rejects = rejects_frame(table, checks)
    report.rows_read = table.rows_read
    report.rows_accepted = len(responses)
    report.rows_rejected = len(rejects)
    report.reject_reasons = reason_counts(rejects["reason"])
    waves = responses["wave"].value_counts(sort=False)
    additional = [c for c in issue_columns if c not in ISSUE_ITEMS]
    report.details = {
        "waves": {str(w): int(n) for w, n in sorted(waves.items())},
        "issue_items": [c[len(ISSUE_PREFIX):] for c in issue_columns],
        "extra_columns": extra_columns,
    }
    if additional:
        report.notes.append(f"{table.name}: additional issue items: "
                            f"{', '.join(c[len(ISSUE_PREFIX):] for c in additional)}")
    if extra_columns:
        report.notes.append(f"{table.name}: extra columns kept in 'extra': {', '.join(extra_columns)}")
    return responses, answer_rows, rejects, report


def ingest_survey(paths: list[Path], config: Config, tx) -> list[SourceReport]:
    """Load survey exports into ``survey_responses``, ``survey_answers`` and rejects.

    Every wave found among a file's accepted rows replaces that wave in both tables; a wave
    may come from only one of the files given together.
    """
    if not paths:
        raise UnusableInputError("no survey export was given", expected="one or more survey CSV files")
    reports: list[SourceReport] = []
    responses, answers, rejects = [], [], []
    wave_source: dict[str, str] = {}
    for path in paths:
        r, a, rej, report = _read_survey(path)
        for w in report.details["waves"]:
            if w in wave_source:
                raise UnusableInputError(
                    f"wave {w} is also in {wave_source[w]}", file=report.path, column="wave",
                    expected="each wave in only one of the files given; put a wave's responses in one file")
            wave_source[w] = report.path
        responses.append(r)
        answers.append(a)
        rejects.append(rej)
        reports.append(report)

    waves = set(wave_source)
    old = tx.read_optional("survey_responses")
    if old is not None:
        held = old["wave"].value_counts()
        for w in sorted(waves & set(held.index)):
            new_n = sum(rep.details["waves"].get(w, 0) for rep in reports)
            reports[0].notes.append(f"wave {w}: replaced {held[w]} stored responses with {new_n}")
    merged = _replace_waves(old, responses, waves, RESPONSE_COLUMNS)
    merged = merged.sort_values(["wave", "source_file", "source_line"], kind="stable").reset_index(drop=True)
    tx.write("survey_responses", _typed_responses(merged))
    merged_answers = _replace_waves(tx.read_optional("survey_answers"), answers, waves, ANSWER_COLUMNS)
    tx.write("survey_answers", merged_answers.astype("str"))

    replaced = supersede(tx, "survey", lambda e: bool(e.get("details", {}).get("waves"))
                         and set(e["details"]["waves"]) <= waves, reports)
    # A reloaded wave's old rejects go with it, as do all rejects of a file wholly replaced
    # (those include its rows with a blank wave) or given again.
    old_rejects = tx.read_rejects("survey_responses")
    if len(old_rejects):
        gone = old_rejects["source_file"].isin(replaced | {r.path for r in reports})
        if "wave" in old_rejects:
            gone |= old_rejects["wave"].fillna("").str.strip().isin(waves)
        old_rejects = old_rejects[~gone]
    frames = [f for f in [old_rejects, *rejects] if len(f)]
    all_rejects = pd.concat(frames, ignore_index=True) if frames else rejects[0].iloc[0:0]
    tx.write_rejects("survey_responses", all_rejects.astype("string"))
    return reports


def _replace_waves(old: pd.DataFrame | None, parts: list[pd.DataFrame], waves: set[str],
                   columns: list[str]) -> pd.DataFrame:
    frames = []
    if old is not None and len(old):
        frames.append(old.loc[~old["wave"].isin(waves), columns])
    frames.extend(p for p in parts if len(p))
    return pd.concat(frames, ignore_index=True) if frames else parts[0].iloc[0:0]


def _typed_responses(df: pd.DataFrame) -> pd.DataFrame:
    types = {c: "str" for c in RESPONSE_COLUMNS}
    types.update(date_submitted="datetime64[us]", source_line="int64")
    return df[RESPONSE_COLUMNS].astype(types)
