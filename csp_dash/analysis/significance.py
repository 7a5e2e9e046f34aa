"""Is a change in a count more than chance? Exact tests on two counts, and the period
comparisons the partnership reports (year on year, rolling twelve months, month on month).

Method (docs/methods.md "Comparing two counts"): each count is taken as Poisson. Given
their total n, the current count is Binomial(n, p0) with p0 = e / (1 + e) when the rate has
not changed, e being the current period's exposure over the baseline's. The p-value is
scipy's exact two-sided binomial test; the 95% interval is Clopper-Pearson on the binomial
proportion, mapped to the rate ratio by RR = p / (1 - p) / e.

Pure functions: numbers and Series in, a dataclass or a DataFrame out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from csp_dash.analysis import series as S

LATEST_YEAR = "Latest financial year against the one before"
ROLLING_12 = "Latest 12 months against the 12 before"
LATEST_MONTH = "Latest month against the same month a year before"
CHOSEN_YEAR = "Chosen financial year against the baseline year"
COMPARISONS = (LATEST_YEAR, ROLLING_12, LATEST_MONTH, CHOSEN_YEAR)

COLUMNS = ["comparison", "current_label", "baseline_label", "current", "baseline", "change_pct",
           "ci_low", "ci_high", "p_value", "significant", "words", "method", "ratio", "exposure_ratio"]


@dataclass(frozen=True)
class Comparison:
    """Two counts compared as rates; ``ci_low``/``ci_high`` bound the rate ratio (95%)."""

    label: str
    current: int
    baseline: int
    exposure_ratio: float
    ratio: float
    change_pct: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    words: str


def compare_counts(current: int, baseline: int, exposure_ratio: float = 1.0, label: str = "",
                   alpha: float = 0.05) -> Comparison:
    """Compare a current count with a baseline count by an exact conditional test.

    Parameters
    ----------
    current, baseline : counts (whole numbers, not negative).
    exposure_ratio : current exposure over baseline exposure (months x residents); 1.0 when
        the periods are the same length and the population is taken as unchanged.
    label : carried through, e.g. "2017/18 against 2016/17".
    alpha : significance level for ``significant`` and the words.

    Returns
    -------
    Comparison. With no records in either period the ratio, interval and p-value are NaN;
    with a zero baseline the ratio and change are NaN and the interval's top is infinite.
    """
    current, baseline = _count(current, "current"), _count(baseline, "baseline")
    e = float(exposure_ratio)
    if not (math.isfinite(e) and e > 0):
        raise ValueError(f"exposure_ratio must be a positive number, got {exposure_ratio!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    n = current + baseline
    if n == 0:
        nan = float("nan")
        return Comparison(label, 0, 0, e, nan, nan, nan, nan, nan, False, "no records in either period")

    test = binomtest(current, n, e / (1 + e))
    ci = test.proportion_ci(confidence_level=0.95, method="exact")
    p_value = float(test.pvalue)
    significant = p_value < alpha
    ratio = current / baseline / e if baseline else float("nan")
    change = (ratio - 1) * 100
    return Comparison(
        label=label, current=current, baseline=baseline, exposure_ratio=e, ratio=ratio,
        change_pct=change, ci_low=_to_ratio(ci.low, e), ci_high=_to_ratio(ci.high, e),
        p_value=p_value, significant=significant,
        words=_words(current, baseline, ratio, change, p_value, significant, alpha),
    )


def _count(value, name: str) -> int:
    # Counts arrive as numpy ints or whole floats from summed Series; anything else is a bug upstream.
    if isinstance(value, (float, np.floating)) and not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number of records, got {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return number


def _to_ratio(p: float, e: float) -> float:
    return math.inf if p >= 1 else p / (1 - p) / e


def format_change(change_pct: float) -> str:
    """Size of a change in words-ready form: whole percent, one decimal below 1% ("0.4%")."""
    size = abs(change_pct)
    if size < 0.05:
        return "less than 0.1%"
    if size < 0.95:
        return f"{_half_up(size, 1):.1f}%"
    # A fall can only reach 100% when nothing is left; 99.7% must not read as 100%.
    if change_pct < 0 and size < 100 <= _half_up(size, 0):
        return "99.9%" if size >= 99.9 else f"{_half_up(size, 1):.1f}%"
    return f"{_half_up(size, 0):,.0f}%"


def _half_up(x: float, decimals: int) -> float:
    # Python's round() and format() round halves to even (0.0625 -> 0.062); reports expect 0.063.
    scale = 10 ** decimals
    return math.floor(x * scale + 0.5 + 1e-9) / scale


def format_p(p_value: float, alpha: float = 0.05, significant: bool | None = None) -> str:
    """"p < 0.001", "p = 0.004", "p = 0.31"; never rounds across ``alpha``."""
    if not math.isfinite(p_value):
        return ""
    if p_value < 0.001:
        return "p < 0.001"
    text = f"{_half_up(p_value, 3):.3f}"
    if float(text) >= 0.1:
        text = f"{_half_up(p_value, 2):.2f}"
    significant = p_value < alpha if significant is None else significant
    # 0.0496 must not read "p = 0.050" beside "unlikely to be chance".
    if significant and float(text) >= alpha:
        return f"p < {alpha:g}"
    return "p = 1" if float(text) == 1 else f"p = {text}"


def _words(current: int, baseline: int, ratio: float, change: float, p_value: float,
           significant: bool, alpha: float) -> str:
    verdict = "unlikely to be chance" if significant else "within normal variation"
    p_text = format_p(p_value, alpha, significant)
    if baseline == 0:
        return f"up from none to {current:,}, {verdict} ({p_text})"
    if math.isclose(ratio, 1.0, rel_tol=1e-9):
        return "no change"
    direction = "up" if change > 0 else "down"
    return f"{direction} {format_change(change)}, {verdict} ({p_text})"


def period_comparisons(series: pd.Series, baseline_year: int | None, chosen_year: int | None,
                       population: pd.Series | None = None) -> pd.DataFrame:
    """The comparisons the partnership reports, each with an exact test.

    Parameters
    ----------
    series : monthly counts indexed by month start. A NaN month is missing (no data), not
        zero: a period containing one is not compared.
    baseline_year, chosen_year : financial years (start years: 2017 for 2017/18) for the
        fourth row; skipped when either is None, they are equal, or either is incomplete.
    population : residents by month. When given, exposure is the summed person-months of
        each period, so population growth is allowed for; a period with a month lacking a
        figure falls back to comparing counts over equal months, and says so.

    Returns
    -------
    One row per comparison the data supports, in the order of ``COMPARISONS``: comparison,
    current_label, baseline_label, current, baseline, change_pct, ci_low, ci_high (the rate
    ratio's 95% interval), p_value, significant, words, method, ratio, exposure_ratio.
    """
    values = series.dropna()
    values = values[~values.index.duplicated()].sort_index()
    present = pd.DatetimeIndex(values.index)
    rows = []
    if len(present):
        years = _complete_years(present)
        if len(years) >= 1 and years[-1] - 1 in years:
            rows.append(_row(LATEST_YEAR, values, population, _fy_months(years[-1]), _fy_months(years[-1] - 1),
                             S.financial_year_label(years[-1]), S.financial_year_label(years[-1] - 1)))
        last = present.max()
        recent = pd.date_range(end=last, periods=12, freq="MS")
        before = pd.date_range(end=last - pd.DateOffset(months=12), periods=12, freq="MS")
        if recent.isin(present).all() and before.isin(present).all():
            rows.append(_row(ROLLING_12, values, population, recent, before, _span(recent), _span(before)))
        year_ago = last - pd.DateOffset(months=12)
        if year_ago in present:
            rows.append(_row(LATEST_MONTH, values, population, pd.DatetimeIndex([last]),
                             pd.DatetimeIndex([year_ago]), f"{last:%b %Y}", f"{year_ago:%b %Y}"))
        if (chosen_year is not None and baseline_year is not None and chosen_year != baseline_year
                and chosen_year in years and baseline_year in years):
            rows.append(_row(CHOSEN_YEAR, values, population, _fy_months(chosen_year), _fy_months(baseline_year),
                             S.financial_year_label(chosen_year), S.financial_year_label(baseline_year)))
    return pd.DataFrame(rows, columns=COLUMNS)


def _complete_years(present: pd.DatetimeIndex) -> list[int]:
    fy = pd.Series(S.financial_year_start(present))
    sizes = fy.value_counts()
    return sorted(int(y) for y, size in sizes.items() if size == 12)


def _fy_months(start_year: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{start_year}-04-01", periods=12, freq="MS")


def _span(months: pd.DatetimeIndex) -> str:
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}"


def _row(name: str, values: pd.Series, population: pd.Series | None, current_months: pd.DatetimeIndex,
         baseline_months: pd.DatetimeIndex, current_label: str, baseline_label: str) -> dict:
    current = values.reindex(current_months).sum()
    baseline = values.reindex(baseline_months).sum()
    exposure, method = 1.0, "exact test on the two counts (conditional binomial); equal months compared"
    if population is not None:
        residents_now = population.reindex(current_months)
        residents_then = population.reindex(baseline_months)
        if residents_now.notna().all() and residents_then.notna().all() and residents_then.sum() > 0:
            exposure = float(residents_now.sum() / residents_then.sum())
            method = ("exact test on the two counts (conditional binomial); exposure is residents x months "
                      f"(person-months), so population change is allowed for (the current period's person-months are "
                      f"{exposure:.3f} x the baseline's)")
        else:
            method += "; no population figure for every month, so population change is not allowed for"
    result = compare_counts(current, baseline, exposure, label=f"{current_label} against {baseline_label}")
    return {
        "comparison": name, "current_label": current_label, "baseline_label": baseline_label,
        "current": result.current, "baseline": result.baseline, "change_pct": result.change_pct,
        "ci_low": result.ci_low, "ci_high": result.ci_high, "p_value": result.p_value,
        "significant": result.significant, "words": result.words, "method": method,
        "ratio": result.ratio, "exposure_ratio": result.exposure_ratio,
    }
