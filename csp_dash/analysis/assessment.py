"""The Strategic assessment: a MoRiLE-style risk matrix that scores each issue on likelihood,
harm and public concern, and ranks the issues by risk.

Method (docs/methods.md, "Strategic assessment (MoRiLE-style matrix)"), in short:

- likelihood = the mean of three 1-5 scores over the latest 12 months in view: volume
  (quintile of the issue's records among the issues scored), frequency (fixed bands of how
  often it happens, from less than monthly to five or more a day) and trend (1 unless the
  records rose significantly against the 12 months before; then 2-5 by the size of the rise);
- harm = the mean of four 1-5 weights (physical, psychological, financial, community),
  set in csp.toml and editable on the page;
- risk = likelihood x harm (1 to 25); issues are ranked by risk, then public concern, then volume;
- public concern = the share answering "Yes" to "Is this an issue in your area?" in the
  survey's latest wave, in fixed 20-point bands (1-5); shown beside risk, never folded into it.

An issue without data is listed with the reason, never given a made-up score.
Pure functions: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from csp_dash.analysis.significance import compare_counts

DIMENSIONS = ("physical", "psychological", "financial", "community")
CATEGORY = "police.uk category"
THEME = "priority theme"

WINDOW_MONTHS = 12
WEEKS_PER_YEAR = 365.25 / 7

# Frequency: records a year (the window's count scaled to 12 months) at which each score starts.
FREQUENCY_BANDS = ((1825, 5, "five or more a day"), (365, 4, "daily"), (52, 3, "weekly"),
                   (12, 2, "monthly"), (0, 1, "less than monthly"))
# Trend: a significant rise of at least this many percent scores this; anything else scores 1.
TREND_BANDS = ((30.0, 5), (15.0, 4), (5.0, 3), (0.0, 2))
# Public concern: % answering Yes, in 20-point bands.
CONCERN_BANDS = ((80.0, 5), (60.0, 4), (40.0, 3), (20.0, 2), (0.0, 1))

SCORED = "scored"
NO_SURVEY_QUESTION = "no survey question"
NO_WEIGHTS = "no harm weights"
INCOMPLETE_WEIGHTS = "harm weights incomplete"

LIKELIHOOD_COLUMNS = ["issue", "kind", "measure", "window", "months", "volume", "previous", "per_week",
                      "change_pct", "p_value", "significant", "trend_words", "sensitive", "note"]
CONCERN_COLUMNS = ["issue", "survey_item", "question", "wave", "answered", "yes", "concern_pct", "concern_note"]
WEIGHT_COLUMNS = ["issue", *DIMENSIONS, "source"]
SCORE_COLUMNS = ["rank", "issue", "kind", "risk", "likelihood", "harm", "concern_score", "concern_pct",
                 "volume", "volume_score", "per_week", "frequency_score", "trend_words", "trend_score",
                 *DIMENSIONS, "measure", "window", "question", "status", "sensitive"]


# -- the bands --------------------------------------------------------------------------------

def volume_scores(volumes: pd.Series) -> pd.Series:
    """Quintile of each volume among those given, as 1-5.

    score = ceil(5 x rank / n), rank being the volume's ascending rank (ties share their
    average rank) among the n non-missing volumes; a volume of 0 scores 1 whatever its rank.
    Missing volumes stay missing.
    """
    present = volumes.dropna()
    scores = pd.Series(np.nan, index=volumes.index, dtype="float64")
    if present.empty:
        return scores
    ranks = present.rank(method="average")
    band = np.ceil(5 * ranks / len(present) - 1e-9).clip(1, 5)
    band[present <= 0] = 1
    scores.loc[present.index] = band
    return scores


def frequency_score(per_year: float) -> float:
    """1-5 by how often the issue happens: fewer than 12 records a year 1, 12+ (monthly) 2,
    52+ (weekly) 3, 365+ (daily) 4, 1,825+ (five a day) 5."""
    if per_year is None or not math.isfinite(per_year):
        return float("nan")
    for floor, score, _words in FREQUENCY_BANDS:
        if per_year >= floor:
            return float(score)
    return 1.0


def frequency_words(per_year: float) -> str:
    if per_year is None or not math.isfinite(per_year):
        return ""
    return next(words for floor, _score, words in FREQUENCY_BANDS if per_year >= floor)


def trend_score(change_pct: float, significant: bool) -> float:
    """1 unless a significant rise: then 2 (under 5%), 3 (5% to under 15%), 4 (15% to under 30%), 5 (30%+).

    A fall or a change within normal variation never lowers the score below 1, and a rise
    from none (no baseline) counts as 30%+.
    """
    if not significant:
        return 1.0
    if change_pct is None or math.isnan(change_pct):
        return 5.0  # significant with no baseline: a rise from none
    if change_pct <= 0:
        return 1.0
    return float(next(score for floor, score in TREND_BANDS if change_pct >= floor))


def concern_score(pct: float) -> float:
    """1-5 from the % answering Yes: under 20% 1, 20-39 2, 40-59 3, 60-79 4, 80%+ 5; NaN stays NaN."""
    if pct is None or not math.isfinite(pct):
        return float("nan")
    return float(next(score for floor, score in CONCERN_BANDS if pct >= floor))


# -- likelihood from the crime records ----------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """The months compared: the latest up to 12 of the period in view and the same number before."""

    current: pd.DatetimeIndex
    previous: pd.DatetimeIndex  # empty when the period in view does not reach back that far
    gaps: frozenset  # months with no records at all in the store: missing, not zero

    @property
    def current_present(self) -> pd.DatetimeIndex:
        return self.current[~self.current.isin(list(self.gaps))]

    @property
    def previous_present(self) -> pd.DatetimeIndex:
        return self.previous[~self.previous.isin(list(self.gaps))]

    @property
    def label(self) -> str:
        return _span(self.current)


def crime_window(first: pd.Timestamp, last: pd.Timestamp, gaps: Iterable[pd.Timestamp] = ()) -> Window:
    """The latest 12 months (fewer if the period is shorter) up to ``last``, and the as-many
    months before them if they lie within the period from ``first``."""
    start = max(pd.Timestamp(first), pd.Timestamp(last) - pd.DateOffset(months=WINDOW_MONTHS - 1))
    current = pd.date_range(start, last, freq="MS")
    previous_start = current[0] - pd.DateOffset(months=len(current))
    previous = (pd.date_range(previous_start, current[0] - pd.DateOffset(months=1), freq="MS")
                if previous_start >= pd.Timestamp(first) else pd.DatetimeIndex([]))
    return Window(current=current, previous=previous, gaps=frozenset(pd.Timestamp(g) for g in gaps))


def crime_likelihood(crimes: pd.DataFrame, categories: Sequence[str], window: Window) -> pd.DataFrame:
    """Volume, frequency and trend of each police.uk category in the window.

    ``crimes`` holds the records in scope (month, category); every category in
    ``categories`` gets a row, with 0 records if it has none. Months in ``window.gaps`` hold
    no records at all in the store: they are left out of the rates and the comparison.
    """
    present, before = window.current_present, window.previous_present
    counts = crimes.groupby(["category", "month"], observed=True).size()
    rows = []
    for category in categories:
        by_month = counts.xs(category, level="category") if category in counts.index.get_level_values(0) \
            else pd.Series(dtype="int64")
        volume = int(by_month.reindex(present, fill_value=0).sum())
        note = "" if len(present) == len(window.current) else \
            f"{len(window.current) - len(present)} month(s) without any records left out"
        row = {"issue": category, "kind": CATEGORY, "measure": "police.uk records", "window": window.label,
               "months": len(present), "sensitive": False, "note": note}
        if not len(present):
            rows.append({**row, "volume": np.nan, "note": "no records in the store for these months"})
            continue
        previous = int(by_month.reindex(before, fill_value=0).sum()) if len(before) else None
        rows.append({**row, "volume": volume, "per_week": volume * 12 / len(present) / WEEKS_PER_YEAR,
                     **_trend(volume, previous, len(present), len(before), _span(window.previous))})
    return _frame(rows, LIKELIHOOD_COLUMNS)


def _trend(current: float, previous: float | None, months_now: int, months_then: int, label: str) -> dict:
    if previous is None or months_then == 0:
        return {"previous": np.nan, "change_pct": np.nan, "p_value": np.nan, "significant": False,
                "trend_words": "no earlier 12 months in view to compare with"}
    if not (float(current).is_integer() and float(previous).is_integer()):
        return {"previous": previous, "change_pct": np.nan, "p_value": np.nan, "significant": False,
                "trend_words": "not whole numbers, so not tested"}
    result = compare_counts(int(current), int(previous), exposure_ratio=months_now / months_then,
                            label=f"against {label}")
    return {"previous": previous, "change_pct": result.change_pct, "p_value": result.p_value,
            "significant": bool(result.significant), "trend_words": result.words}


# -- likelihood of a priority theme from its partner indicators -------------------------------

def _month_number(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year * 12 + d.dt.month - 1).to_numpy()


def _month_label(number: int) -> str:
    return f"{pd.Timestamp(year=number // 12, month=number % 12 + 1, day=1):%b %Y}"


def _complete_year(rows: pd.DataFrame, last: int) -> pd.DataFrame | None:
    """The rows whose periods tile exactly the 12 months ending with month ``last``, else None."""
    inside = rows[(rows["m0"] >= last - 11) & (rows["m1"] <= last)]
    covered = (inside["m1"] - inside["m0"] + 1).sum()
    months = {m for a, b in zip(inside["m0"], inside["m1"]) for m in range(a, b + 1)}
    return inside if covered == 12 and len(months) == 12 else None


def indicator_likelihood(indicators: pd.DataFrame | None, themes: Sequence[tuple[str, str]],
                         cutoff: pd.Timestamp | None = None, missing: str = "no indicators loaded") -> pd.DataFrame:
    """Volume, frequency and trend of each priority theme from its partner indicators.

    Parameters
    ----------
    indicators : the store's ``indicators`` table, or None (every theme is then "no data: ``missing``").
    themes : (priority name, indicator_id or "") pairs. With an indicator_id, that indicator is
        used; with "", the priority's indicators with unit ``count`` whose polarity is not
        "higher is better" (counts of harm, not of work done), and of those the one with the
        most records in its latest complete 12 months.
    cutoff : the last month in view; periods ending after it are not used.

    The latest 12 months are those ending with the last period (on or before ``cutoff``), and
    must be covered exactly by the indicator's periods (12 months, 4 quarters or 1 year);
    the 12 months before are compared when they are covered too.
    """
    rows = []
    for name, chosen in themes:
        base = {"issue": name, "kind": THEME, "measure": "", "window": "", "months": 0, "volume": np.nan,
                "sensitive": False}
        if indicators is None:
            rows.append({**base, "note": missing})
            continue
        mine = indicators[indicators["priority"] == name]
        if chosen:
            candidates = mine[mine["indicator_id"] == chosen]
            if candidates.empty:
                rows.append({**base, "note": f"indicator '{chosen}' is not loaded for this priority"})
                continue
        else:
            candidates = mine[(mine["unit"] == "count") & (mine["polarity"] != "higher is better")]
            if candidates.empty:
                rows.append({**base, "note": "no count indicator loaded for this priority"})
                continue
        best = None
        for _ind, group in candidates.groupby("indicator_id", sort=True):
            found = _indicator_year(group, cutoff)
            if found is not None and (best is None or found["volume"] > best["volume"]):
                best = found
        if best is None:
            rows.append({**base, "note": "no complete 12 months of its indicator(s) in view"})
            continue
        rows.append({**base, **best})
    return _frame(rows, LIKELIHOOD_COLUMNS)


def _indicator_year(group: pd.DataFrame, cutoff: pd.Timestamp | None) -> dict | None:
    rows = group.assign(m0=_month_number(group["period_start"]), m1=_month_number(group["period_end"]))
    if cutoff is not None:
        rows = rows[rows["m1"] <= pd.Timestamp(cutoff).year * 12 + pd.Timestamp(cutoff).month - 1]
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return None
    last = int(rows["m1"].max())
    current = _complete_year(rows, last)
    if current is None:
        return None
    volume = float(current["value"].sum())
    previous = _complete_year(rows, last - 12)
    first = group.iloc[0]
    label = f"{_month_label(last - 11)} to {_month_label(last)}"
    before = f"{_month_label(last - 23)} to {_month_label(last - 12)}"
    return {"measure": f"{first['name']} ({first['indicator_id']}, {first['source']})", "window": label,
            "months": 12, "volume": volume, "per_week": volume / WEEKS_PER_YEAR,
            "sensitive": bool(first["sensitive"]), "note": "",
            **_trend(volume, None if previous is None else float(previous["value"].sum()), 12,
                     0 if previous is None else 12, before)}


# -- public concern from the survey -------------------------------------------------------------

def latest_wave(answers: pd.DataFrame, responses: pd.DataFrame | None = None) -> str | None:
    """The survey wave answered most recently (by the latest submission date), else the last
    wave name in sort order."""
    if answers is None or answers.empty:
        return None
    waves = answers["wave"].dropna().unique()
    if responses is not None and not responses.empty and "date_submitted" in responses:
        dated = responses[responses["wave"].isin(waves)].groupby("wave")["date_submitted"].max().dropna()
        if len(dated):
            return str(dated.sort_values(kind="stable").index[-1])
    return str(sorted(waves)[-1]) if len(waves) else None


def concern_table(answers: pd.DataFrame | None, items: dict[str, str], min_answers: int = 1,
                  wave: str | None = None) -> pd.DataFrame:
    """% answering Yes to each issue's survey item in ``wave`` (blank answers are not in the base).

    ``items`` maps issue -> survey item ("" when the survey does not ask). An item not asked
    in the wave, or answered by fewer than ``min_answers`` people, has no percentage and a note.
    """
    rows = []
    if answers is not None and wave is not None:
        in_wave = answers[(answers["wave"] == wave) & answers["answer"].isin(["Yes", "No"])]
        tally = in_wave.groupby("item")["answer"].agg(answered="size", yes=lambda s: int((s == "Yes").sum()))
        labels = in_wave.groupby("item")["label"].first()
    else:
        tally, labels = pd.DataFrame(columns=["answered", "yes"]), pd.Series(dtype="str")
    for issue, item in items.items():
        row = {"issue": issue, "survey_item": item, "question": "", "wave": wave, "answered": 0, "yes": 0,
               "concern_pct": np.nan}
        if not item:
            rows.append({**row, "question": NO_SURVEY_QUESTION, "concern_note": NO_SURVEY_QUESTION})
            continue
        if answers is None or wave is None:
            rows.append({**row, "question": item, "concern_note": "no survey loaded"})
            continue
        if item not in tally.index:
            rows.append({**row, "question": item, "concern_note": f"not asked in the {wave} wave"})
            continue
        answered, yes = int(tally.loc[item, "answered"]), int(tally.loc[item, "yes"])
        row.update(question=str(labels.get(item, item)), answered=answered, yes=yes)
        if answered < min_answers:
            rows.append({**row, "concern_note": f"fewer than {min_answers} answers"})
            continue
        rows.append({**row, "concern_pct": yes / answered * 100, "concern_note": ""})
    return _frame(rows, CONCERN_COLUMNS)


@dataclass(frozen=True)
class Inputs:
    """What the matrix scores, before harm: likelihood rows and concern rows of every issue."""

    window: Window
    likelihood: pd.DataFrame
    concern: pd.DataFrame
    wave: str | None


def gather(crimes: pd.DataFrame, categories: Sequence[str], window: Window, themes: Sequence[tuple[str, str]],
           indicators: pd.DataFrame | None, answers: pd.DataFrame | None, responses: pd.DataFrame | None,
           items: dict[str, str], min_answers: int = 1, themes_missing: str = "no indicators loaded") -> Inputs:
    """Likelihood of every category (from ``crimes``, the records in scope) and priority theme
    (from ``indicators``; None gives each theme "no data: ``themes_missing``"), and public
    concern from the latest survey wave for each issue's item in ``items``."""
    likelihood = pd.concat([
        crime_likelihood(crimes, categories, window),
        indicator_likelihood(indicators, [t for t in themes if t[0] not in categories], window.current[-1],
                             missing=themes_missing),
    ], ignore_index=True)
    wave = latest_wave(answers, responses)
    issues = list(likelihood["issue"])
    concern = concern_table(answers, {i: items.get(i, "") for i in issues}, min_answers, wave)
    return Inputs(window=window, likelihood=likelihood, concern=concern, wave=wave)


# -- harm weights -------------------------------------------------------------------------------

def harm_weights(issues: Sequence[str], configured: Sequence) -> pd.DataFrame:
    """The weights table the page edits: one row per issue, in ``issues`` order, with the
    configured weights (``Issue`` entries; the first entry for a name applies) or blanks."""
    first = {}
    for entry in configured:
        first.setdefault(entry.name, entry)
    rows = []
    for issue in issues:
        entry = first.get(issue)
        rows.append({"issue": issue, **{d: (getattr(entry, d) if entry else None) for d in DIMENSIONS},
                     "source": entry.source if entry else "not set in csp.toml"})
    table = pd.DataFrame(rows, columns=WEIGHT_COLUMNS)
    for d in DIMENSIONS:
        table[d] = table[d].astype("Int64")
    return table


def weights_toml(weights: pd.DataFrame, configured: Sequence) -> str:
    """``[[assessment.issues]]`` entries for csp.toml holding these weights.

    The survey item and indicator of an issue come from its configured entry, so pasting
    the text in place of the old entries changes only the weights. Issues with a blank
    weight are left out (an entry needs all four).
    """
    first = {}
    for entry in configured:
        first.setdefault(entry.name, entry)
    out = ["# Harm weights for csp.toml: replace every [[assessment.issues]] entry with these."]
    for row in weights.itertuples(index=False):
        values = [getattr(row, d) for d in DIMENSIONS]
        if any(pd.isna(v) for v in values):
            continue
        entry = first.get(row.issue)
        out += ["", "[[assessment.issues]]", f"name = {_toml_string(row.issue)}"]
        out += [f"{d} = {int(v)}" for d, v in zip(DIMENSIONS, values)]
        if entry is not None and entry.survey_item:
            out.append(f"survey_item = {_toml_string(entry.survey_item)}")
        if entry is not None and entry.indicator:
            out.append(f"indicator = {_toml_string(entry.indicator)}")
        if isinstance(row.source, str) and row.source and row.source != "not set in csp.toml":
            out.append(f"source = {_toml_string(row.source)}")
    return "\n".join(out) + "\n"


def _toml_string(text: str) -> str:
    # JSON's string escapes are all valid in a TOML basic string.
    return json.dumps(str(text), ensure_ascii=False)


# -- the matrix ---------------------------------------------------------------------------------

def score(likelihood: pd.DataFrame, weights: pd.DataFrame, concern: pd.DataFrame) -> pd.DataFrame:
    """Every issue with every component, ranked by risk.

    Parameters
    ----------
    likelihood : rows of ``crime_likelihood`` and ``indicator_likelihood`` (LIKELIHOOD_COLUMNS).
    weights : ``harm_weights`` (possibly edited): issue and the four 1-5 dimensions.
    concern : ``concern_table``.

    Returns
    -------
    SCORE_COLUMNS, scored issues first by rank (risk, then concern score, then volume, all
    descending, then name); the others follow with the reason in ``status`` and no rank.
    """
    table = likelihood.merge(weights[["issue", *DIMENSIONS]], on="issue", how="left")
    table = table.merge(concern[["issue", "question", "concern_pct", "concern_note"]], on="issue", how="left")
    table["volume_score"] = volume_scores(table["volume"].astype("float64"))
    per_year = table["per_week"].astype("float64") * WEEKS_PER_YEAR
    table["frequency_score"] = [frequency_score(v) for v in per_year]
    table["trend_score"] = [trend_score(c, bool(s)) if pd.notna(v) else np.nan
                            for c, s, v in zip(table["change_pct"], table["significant"], table["volume"])]
    table["likelihood"] = table[["volume_score", "frequency_score", "trend_score"]].mean(axis=1, skipna=False)
    dims = table[list(DIMENSIONS)].apply(pd.to_numeric, errors="coerce").astype("float64")
    table["harm"] = dims.mean(axis=1, skipna=False)
    table["risk"] = table["likelihood"] * table["harm"]
    table["concern_score"] = [concern_score(p) for p in table["concern_pct"]]
    table["question"] = table["question"].fillna(NO_SURVEY_QUESTION)

    def status(row) -> str:
        if pd.isna(row["volume"]):
            return f"no data: {row['note']}"
        if dims.loc[row.name].isna().all():
            return NO_WEIGHTS
        if dims.loc[row.name].isna().any():
            return INCOMPLETE_WEIGHTS
        return SCORED

    table["status"] = table.apply(status, axis=1) if len(table) else pd.Series(dtype="str")
    scored = table[table["status"] == SCORED].sort_values(
        ["risk", "concern_score", "volume", "issue"], ascending=[False, False, False, True], na_position="last",
        kind="stable")
    rest = table[table["status"] != SCORED].sort_values(["kind", "issue"], kind="stable")
    scored = scored.assign(rank=np.arange(1, len(scored) + 1))
    rest = rest.assign(rank=pd.NA)
    out = pd.concat([scored, rest], ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out[SCORE_COLUMNS]


def short_name(issue: str) -> str:
    """A chart label: a priority's name without its "Priority Two:" prefix."""
    return issue.split(": ", 1)[1] if ": " in issue else issue


def _span(months: pd.DatetimeIndex) -> str:
    if len(months) == 0:
        return ""
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}" if len(months) > 1 else f"{months[0]:%b %Y}"


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)
