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

Disclosure control (docs/methods.md, "Strategic assessment", "Small numbers"): a priority
scored from a sensitive count indicator with a hidden count (1 to the threshold) in its
latest 12 months or the 12 before has its records, rate and change withheld, since each
would give the hidden count back from the periods the Priorities page shows. Its scores stay
only if they would be the same whatever the hidden counts are; otherwise they are withheld
too and the issue is not ranked.
Pure functions: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from csp_dash.analysis.disclosure import (SECONDARY_LABEL, display_number, plain_number, suppress_table,
                                          suppressed_mask)
from csp_dash.analysis import coverage as CV
from csp_dash.analysis.dispersion import pearson_dispersion
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
SCORE_WITHHELD = "score withheld (small numbers)"
MAX_TESTS = 200  # pairs of possible totals tested for a trend band before calling it varying

# Besides the figures: how many of the window's counts are hidden (this year, the year before),
# the range the window's totals could take given the counts shown (each hidden one being 1 to
# the threshold), whether the frequency or trend band would differ within that range, and
# whether the figures are withheld.
DISCLOSURE_COLUMNS = ["hidden_now", "hidden_before", "volume_low", "volume_high", "previous_low", "previous_high",
                      "bands_vary", "withheld"]
LIKELIHOOD_COLUMNS = ["issue", "kind", "measure", "window", "months", "volume", "previous", "per_week",
                      "change_pct", "p_value", "significant", "trend_words", "sensitive", "note",
                      *DISCLOSURE_COLUMNS]
CONCERN_COLUMNS = ["issue", "survey_item", "question", "wave", "answered", "yes", "concern_pct", "concern_note"]
WEIGHT_COLUMNS = ["issue", *DIMENSIONS, "source"]
SCORE_COLUMNS = ["rank", "issue", "kind", "risk", "likelihood", "harm", "concern_score", "concern_pct",
                 "volume", "volume_score", "per_week", "frequency_score", "trend_words", "trend_score",
                 *DIMENSIONS, "measure", "window", "question", "status", "sensitive", "withheld"]
# The figures a reader could recompute a hidden count from, replaced by text in what is shown.
FIGURE_COLUMNS = ["volume", "per_week", "trend_words"]


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
        rows.append({**row, "volume": volume, "per_week": volume * 12 / len(present) / WEEKS_PER_YEAR,
                     **_paired_trend(by_month, window)})
    return _nothing_hidden(_frame(rows, LIKELIHOOD_COLUMNS))


def _nothing_hidden(likelihood: pd.DataFrame) -> pd.DataFrame:
    """Fill the disclosure columns of rows with no hidden count: exact totals, nothing withheld."""
    out = likelihood.copy()
    out["hidden_now"] = out["hidden_now"].fillna(0).astype("int64")
    out["hidden_before"] = out["hidden_before"].fillna(0).astype("int64")
    for low, high, value in (("volume_low", "volume_high", "volume"), ("previous_low", "previous_high", "previous")):
        out[low] = out[low].astype("float64").fillna(out[value].astype("float64"))
        out[high] = out[high].astype("float64").fillna(out[value].astype("float64"))
    out["bands_vary"] = out["bands_vary"].astype(object).fillna(False).astype(bool)
    out["withheld"] = out["withheld"].astype(object).fillna(False).astype(bool)
    return out


def _paired_trend(by_month: pd.Series, window: Window) -> dict:
    """The category's trend on the months held in both the latest 12 and the 12 before, month by
    month (``coverage.paired_months``), tested with the dispersion of those months' counts."""
    if not len(window.previous):
        return _trend(0, None, 0, 0, "")
    held = window.current.union(window.previous).difference(pd.DatetimeIndex(list(window.gaps)))
    paired = CV.paired_months(window.current, window.previous, held)
    if not paired.enough:
        return {"previous": np.nan, "change_pct": np.nan, "p_value": np.nan, "significant": False,
                "trend_words": paired.note()}
    now = by_month.reindex(paired.current, fill_value=0).to_numpy(dtype="float64")
    before = by_month.reindex(paired.baseline, fill_value=0).to_numpy(dtype="float64")
    out = _trend(int(now.sum()), int(before.sum()), 1, 1, _span(window.previous),
                 dispersion=pearson_dispersion([now, before]))
    if not paired.complete:
        out["trend_words"] += f" ({paired.note()})"
    return out


def _trend(current: float, previous: float | None, months_now: int, months_then: int, label: str,
           dispersion=None) -> dict:
    if previous is None or months_then == 0:
        return {"previous": np.nan, "change_pct": np.nan, "p_value": np.nan, "significant": False,
                "trend_words": "no earlier 12 months in view to compare with"}
    if not (float(current).is_integer() and float(previous).is_integer()):
        return {"previous": previous, "change_pct": np.nan, "p_value": np.nan, "significant": False,
                "trend_words": "not whole numbers, so not tested"}
    result = compare_counts(int(current), int(previous), exposure_ratio=months_now / months_then,
                            label=f"against {label}", dispersion=dispersion)
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
                         cutoff: pd.Timestamp | None = None, missing: str = "no indicators loaded",
                         threshold: int = 0, label: str = "<5") -> pd.DataFrame:
    """Volume, frequency and trend of each priority theme from its partner indicators.

    Parameters
    ----------
    indicators : the store's ``indicators`` table, or None (every theme is then "no data: ``missing``").
    themes : (priority name, indicator_id or "") pairs. With an indicator_id, that indicator is
        used; with "", the priority's indicators with unit ``count`` whose polarity is not
        "higher is better" (counts of harm, not of work done), and of those the one with the
        most records in its latest complete 12 months.
    cutoff : the last month in view; periods ending after it are not used.
    threshold, label : disclosure control (csp.toml [disclosure]): for a sensitive count
        indicator, a period's count from 1 to ``threshold`` is hidden (``label``), and a theme
        with one in its window has ``withheld`` set (see ``DISCLOSURE_COLUMNS``). 0 hides nothing.

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
            found = _indicator_year(group, cutoff, threshold, label)
            if found is not None and (best is None or found["volume"] > best["volume"]):
                best = found
        if best is None:
            rows.append({**base, "note": "no complete 12 months of its indicator(s) in view"})
            continue
        rows.append({**base, **best})
    return _nothing_hidden(_frame(rows, LIKELIHOOD_COLUMNS))


def _indicator_year(group: pd.DataFrame, cutoff: pd.Timestamp | None, threshold: int = 0,
                    label: str = "<5") -> dict | None:
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
    window = f"{_month_label(last - 11)} to {_month_label(last)}"
    before = f"{_month_label(last - 23)} to {_month_label(last - 12)}"
    total_before = None if previous is None else float(previous["value"].sum())
    # As the Priorities page decides (outcomes.indicator_view): only counts are hidden.
    hides = bool(first["sensitive"]) and str(first["unit"]) == "count" and threshold > 0
    return {"measure": f"{first['name']} ({first['indicator_id']}, {first['source']})", "window": window,
            "months": 12, "volume": volume, "per_week": volume / WEEKS_PER_YEAR,
            "sensitive": bool(first["sensitive"]), "note": "",
            **_trend(volume, total_before, 12, 0 if previous is None else 12, before),
            **_hidden_in_window(current, previous, hides, threshold, label)}


def _hidden_in_window(current: pd.DataFrame, previous: pd.DataFrame | None, hides: bool, threshold: int,
                      label: str) -> dict:
    """The disclosure columns of a theme's window (its 12 months and the 12 before).

    The two years' periods make a small table with a total for each year; ``suppress_table``
    hides the small counts and any year total adding one up. The figures are withheld when
    either total is: the records are this year's total, and the change compares it with the
    year before's, so either gives a total, and with it a hidden count, back. They show as
    ``SECONDARY_LABEL`` even when the total is itself small: "<5" would bound the counts under it.
    """
    years = [current.sort_values("m0")["value"].to_numpy(dtype="float64")]
    if previous is not None:
        years.append(previous.sort_values("m0")["value"].to_numpy(dtype="float64"))
    width = max(len(y) for y in years)
    cells = [f"period {i + 1}" for i in range(width)]
    table = pd.DataFrame([np.pad(y, (0, width - len(y)), constant_values=np.nan) for y in years], columns=cells)
    table["total"] = [float(y.sum()) for y in years]
    shown = suppress_table(table, cells, hides, threshold, label, total_col="total")
    withheld = bool(shown["total"].isin([label, SECONDARY_LABEL]).any())

    hidden = [suppressed_mask(pd.Series(y), hides, threshold).to_numpy() for y in years]
    # Each hidden count is a whole number from 1 to the threshold, so a year's total lies
    # between the counts shown plus k and the counts shown plus k x threshold.
    spans = [(int(h.sum()), float(y[~h].sum()) + h.sum(), float(y[~h].sum()) + h.sum() * threshold)
             for y, h in zip(years, hidden)]
    hidden_now, volume_low, volume_high = spans[0]
    hidden_before, previous_low, previous_high = spans[1] if previous is not None else (0, np.nan, np.nan)
    # A hidden figure that is not a whole number (a count should be) leaves the range unknown:
    # the bands are then taken to vary, so that the scores are withheld too.
    whole = all(float(v).is_integer() for y, h in zip(years, hidden) for v in y[h])
    return {"hidden_now": hidden_now, "hidden_before": hidden_before, "volume_low": volume_low,
            "volume_high": volume_high, "previous_low": previous_low, "previous_high": previous_high,
            "bands_vary": withheld and (not whole or _bands_vary(volume_low, volume_high, previous_low,
                                                                 previous_high, 12)),
            "withheld": withheld}


def _bands_vary(volume_low: float, volume_high: float, previous_low: float, previous_high: float,
                months: int) -> bool:
    """Whether the frequency or trend score would differ between the totals the window could
    have (every whole number from low to high, this year and the year before).

    Only a rise can score above 1, so a pair without one scores 1 untested; the rises are
    tested largest first, and the first score that differs from another ends the search. More
    than ``MAX_TESTS`` rises to test counts as varying (the scores are then withheld), which
    keeps a page fast when a long run of small counts makes the range wide.
    """
    volumes = np.arange(volume_low, volume_high + 1)
    if len({frequency_score(v * 12 / months) for v in volumes}) > 1:
        return True
    if pd.isna(previous_low):
        return False  # no year before: the trend score is 1 whatever the total
    befores = np.arange(previous_low, previous_high + 1)
    rises = [(v, p) for v in volumes[::-1] for p in befores if v > p]
    if not rises:
        return False  # never a rise: 1 whatever the totals
    if len(rises) > MAX_TESTS:
        return True
    # A fall somewhere scores 1, so any rise scoring above 1 differs from it.
    seen = {1.0} if volume_low <= previous_high else set()
    for v, p in rises:
        seen.add(rise_trend_score(int(v), int(p)))
        if len(seen) > 1:
            return True
    return False


def rise_trend_score(current: int, previous: int, alpha: float = 0.05) -> float:
    """``trend_score`` of two whole counts over equal periods, tested as ``compare_counts``
    tests them (exact two-sided binomial test of current out of the total against 1/2) but
    without its confidence interval, which is most of its time."""
    n = current + previous
    if n == 0:
        return 1.0
    significant = binomtest(current, n, 0.5).pvalue < alpha
    change = (current / previous - 1) * 100 if previous else float("nan")
    return trend_score(change, bool(significant))


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
           items: dict[str, str], min_answers: int = 1, themes_missing: str = "no indicators loaded",
           threshold: int = 0, label: str = "<5") -> Inputs:
    """Likelihood of every category (from ``crimes``, the records in scope) and priority theme
    (from ``indicators``; None gives each theme "no data: ``themes_missing``"), and public
    concern from the latest survey wave for each issue's item in ``items``. ``threshold`` and
    ``label``: disclosure control of sensitive indicators, as in ``indicator_likelihood``."""
    likelihood = pd.concat([
        crime_likelihood(crimes, categories, window),
        indicator_likelihood(indicators, [t for t in themes if t[0] not in categories], window.current[-1],
                             missing=themes_missing, threshold=threshold, label=label),
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
    An issue whose figures are withheld (``withheld``) keeps its scores only when they, and
    every other issue's, would be the same whatever its hidden counts are; otherwise its
    scores are blank, its status is ``SCORE_WITHHELD``, and its records are left out of the
    volume quintiles (so that the other issues' volume scores do not depend on them).
    """
    table = likelihood.merge(weights[["issue", *DIMENSIONS]], on="issue", how="left")
    table = table.merge(concern[["issue", "question", "concern_pct", "concern_note"]], on="issue", how="left")
    withheld_score = _score_withheld(table)
    volumes = table["volume"].astype("float64").where(~withheld_score)
    table["volume_score"] = volume_scores(volumes)
    per_year = table["per_week"].astype("float64").where(~withheld_score) * WEEKS_PER_YEAR
    table["frequency_score"] = [frequency_score(v) for v in per_year]
    table["trend_score"] = [trend_score(c, bool(s)) if pd.notna(v) else np.nan
                            for c, s, v in zip(table["change_pct"], table["significant"], volumes)]
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
        if withheld_score.loc[row.name]:
            return SCORE_WITHHELD
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


def _score_withheld(table: pd.DataFrame) -> pd.Series:
    """Which issues' scores would narrow down a hidden count.

    The frequency and trend bands of an issue with hidden counts are checked over every total
    its window could have (``bands_vary``). Its volume score, every other issue's, and the
    order of issues tied on risk and concern depend only on how its records compare with the
    other issues': they cannot change when no other issue's records (or range of possible
    records) fall within its range. A range that touches another is treated as changing them.
    """
    has_volume = table["volume"].notna().to_numpy()
    uncertain = (table["withheld"].fillna(False).to_numpy(dtype=bool) & has_volume)
    low = table["volume_low"].astype("float64").fillna(table["volume"].astype("float64")).to_numpy()
    high = table["volume_high"].astype("float64").fillna(table["volume"].astype("float64")).to_numpy()
    overlap = (low[:, None] <= high[None, :]) & (low[None, :] <= high[:, None]) & has_volume[None, :]
    np.fill_diagonal(overlap, False)
    order_changes = uncertain & (low < high) & overlap.any(axis=1)
    bands = table["bands_vary"].fillna(False).to_numpy(dtype=bool) & uncertain
    return pd.Series(order_changes | bands, index=table.index)


def shown_figures(scored: pd.DataFrame, fmt=display_number) -> pd.DataFrame:
    """The records, records a week (to 1 decimal place) and change words of ``score``'s table
    as text, those withheld (``withheld``) as ``SECONDARY_LABEL`` ("[c]").

    ``fmt`` writes a number: ``display_number`` on screen, ``disclosure.plain_number`` in a download.
    """
    withheld = scored["withheld"].fillna(False).astype(bool)
    return pd.DataFrame({
        "volume": [SECONDARY_LABEL if w else fmt(v) for v, w in zip(scored["volume"], withheld)],
        # Rounded: the exact rate times 52.18 gives the records back to the unit.
        "per_week": [SECONDARY_LABEL if w else fmt(round(float(v), 1) if pd.notna(v) else v)
                     for v, w in zip(scored["per_week"], withheld)],
        "trend_words": [SECONDARY_LABEL if w else ("" if pd.isna(t) else str(t))
                        for t, w in zip(scored["trend_words"], withheld)],
    }, index=scored.index)


def ranking_download(scored: pd.DataFrame) -> pd.DataFrame:
    """``score``'s table as the page's download gives it: the figures as text through
    ``shown_figures`` (plain numbers, withheld ones as "[c]"), no working columns."""
    out = scored.drop(columns=["sensitive", "withheld"])
    figures = shown_figures(scored, fmt=plain_number)
    for column in FIGURE_COLUMNS:
        out[column] = figures[column]
    return out


def withheld_note(scored: pd.DataFrame, label: str) -> str:
    """The caption saying which issues' figures (and scores) are withheld and why; "" if none."""
    rows = scored[scored["withheld"].fillna(False).astype(bool)]
    if rows.empty:
        return ""
    names = ", ".join(rows["issue"])
    text = (f"{SECONDARY_LABEL}: records, records a week and the change on the 12 months before are withheld for "
            f"{names}. Each is scored from a sensitive indicator with a small count (shown as '{label}' on the "
            f"Priorities page) in its latest 12 months or the 12 before, and these figures would give that count "
            f"back.")
    kept = rows[rows["status"] != SCORE_WITHHELD]
    lost = rows[rows["status"] == SCORE_WITHHELD]
    if len(kept):
        one = len(kept) == 1
        text += (f" {', '.join(kept['issue'])} keep{'s its' if one else ' their'} scores: they would be the same "
                 f"whatever the hidden counts are.")
    if len(lost):
        text += (f" {', '.join(lost['issue'])}: score withheld too and not ranked, as it would narrow down the "
                 f"hidden counts.")
    return text


def short_name(issue: str) -> str:
    """A chart label: a priority's name without its "Priority Two:" prefix."""
    return issue.split(": ", 1)[1] if ": " in issue else issue


def _span(months: pd.DatetimeIndex) -> str:
    if len(months) == 0:
        return ""
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}" if len(months) > 1 else f"{months[0]:%b %Y}"


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)
