"""Is a change in a count more than chance? Tests on two counts, and the period comparisons the
partnership reports (year on year, rolling twelve months, month on month).

Method (docs/methods.md "Comparing two counts"). Each count is taken as Poisson unless the
monthly counts behind it vary more than Poisson counts would:

* *Exact Poisson test* (no dispersion given, or the counts are not overdispersed). Given the
  total n, the current count is Binomial(n, p0) with p0 = e / (1 + e) when the rate has not
  changed, e being the current period's exposure over the baseline's. The p-value is scipy's
  exact two-sided binomial test; the 95% interval is Clopper-Pearson on the binomial
  proportion, mapped to the rate ratio by RR = p / (1 - p) / e.
* *Quasi-Poisson test* (``dispersion.overdispersed``, see ``dispersion.pearson_dispersion``).
  Under no change the expected counts are mu1 = n e / (1 + e) and mu0 = n / (1 + e); the
  deviance D = 2 [c ln(c / mu1) + b ln(b / mu0)] scaled by the dispersion phi is F on
  (1, df) degrees of freedom (McCullagh and Nelder 1989, section 4.5); the 95% interval is
  Wald on the log rate ratio with the standard error sqrt(phi (1/c + 1/b)) and t on df.

``period_comparisons`` compares like with like: month i of the current period against month i
of the baseline, keeping only the pairs the store holds on both sides (``coverage.paired_months``).

Pure functions: numbers and Series in, a dataclass or a DataFrame out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from scipy.stats import f as f_dist
from scipy.stats import t as t_dist

from csp_dash.analysis import series as S
from csp_dash.analysis.coverage import PairedMonths, paired_months, previous_months
from csp_dash.analysis.dispersion import NOT_ESTIMABLE, Dispersion, pearson_dispersion

LATEST_YEAR = "Latest financial year against the one before"
ROLLING_12 = "Latest 12 months against the 12 before"
LATEST_MONTH = "Latest month against the same month a year before"
CHOSEN_YEAR = "Chosen financial year against the baseline year"
COMPARISONS = (LATEST_YEAR, ROLLING_12, LATEST_MONTH, CHOSEN_YEAR)

COLUMNS = ["comparison", "current_label", "baseline_label", "current", "baseline", "change_pct",
           "ci_low", "ci_high", "p_value", "significant", "words", "method", "ratio", "exposure_ratio",
           "note", "months_compared"]

EXACT = "exact Poisson test"
DISPERSION_WINDOW = 12  # months ending at each month whose spread sets the single-month row's dispersion


@dataclass(frozen=True)
class Comparison:
    """Two counts compared as rates; ``ci_low``/``ci_high`` bound the rate ratio (95%).

    ``method`` names the test ("exact Poisson test", or "quasi-Poisson test (dispersion
    phi = 12.3 from 24 monthly counts)"); ``dispersion`` is the phi it used (1.0 for the exact
    test)."""

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
    method: str = EXACT
    dispersion: float = 1.0


def compare_counts(current: int, baseline: int, exposure_ratio: float = 1.0, label: str = "",
                   alpha: float = 0.05, *, dispersion: Dispersion | None = None) -> Comparison:
    """Compare a current count with a baseline count as rates.

    Parameters
    ----------
    current, baseline : counts (whole numbers, not negative).
    exposure_ratio : current exposure over baseline exposure (months x residents); 1.0 when
        the periods are the same length and the population is taken as unchanged.
    label : carried through, e.g. "2017/18 against 2016/17".
    alpha : significance level for ``significant`` and the words.
    dispersion : the Pearson dispersion of the monthly counts behind the two totals
        (``dispersion.pearson_dispersion``). When it says they are overdispersed the test is
        quasi-Poisson (deviance / phi against F on 1 and its df); otherwise, or when None, the
        exact conditional binomial test.

    Returns
    -------
    Comparison. With no records in either period the ratio, interval and p-value are NaN;
    with a zero baseline the ratio and change are NaN and the interval's top is infinite.
    The quasi-Poisson interval is Wald on the log scale, which needs both counts: with a zero
    baseline it is (NaN, inf), with a zero current count (0, NaN).
    """
    current, baseline = _count(current, "current"), _count(baseline, "baseline")
    e = float(exposure_ratio)
    if not (math.isfinite(e) and e > 0):
        raise ValueError(f"exposure_ratio must be a positive number, got {exposure_ratio!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    quasi = dispersion is not None and dispersion.overdispersed
    method, phi = (quasi_method(dispersion), float(dispersion.phi)) if quasi else (EXACT, 1.0)
    n = current + baseline
    if n == 0:
        nan = float("nan")
        return Comparison(label, 0, 0, e, nan, nan, nan, nan, nan, False, "no records in either period",
                          method, phi)

    ratio = current / baseline / e if baseline else float("nan")
    change = (ratio - 1) * 100
    if quasi:
        p_value = float(f_dist.sf(quasi_deviance(current, baseline, e) / phi, 1, dispersion.df))
        ci_low, ci_high = _wald_interval(current, baseline, e, phi, dispersion.df)
    else:
        test = binomtest(current, n, e / (1 + e))
        ci = test.proportion_ci(confidence_level=0.95, method="exact")
        p_value = float(test.pvalue)
        ci_low, ci_high = _to_ratio(ci.low, e), _to_ratio(ci.high, e)
    significant = p_value < alpha
    return Comparison(
        label=label, current=current, baseline=baseline, exposure_ratio=e, ratio=ratio,
        change_pct=change, ci_low=ci_low, ci_high=ci_high, p_value=p_value, significant=significant,
        words=_words(current, baseline, ratio, change, p_value, significant, alpha), method=method,
        dispersion=phi,
    )


def quasi_method(dispersion: Dispersion) -> str:
    """"quasi-Poisson test (dispersion φ = 12.3 from 24 monthly counts)"."""
    return f"quasi-Poisson test (dispersion φ = {dispersion.phi:.1f} from {dispersion.months} monthly counts)"


def quasi_deviance(current: int, baseline: int, exposure_ratio: float = 1.0) -> float:
    """Poisson deviance of "no change" for two counts: 2 [c ln(c / mu1) + b ln(b / mu0)], with
    mu1 = n e / (1 + e), mu0 = n / (1 + e) and 0 ln 0 = 0. Chi-squared on 1 df for Poisson
    counts; divided by the dispersion, F on (1, df) for overdispersed ones."""
    n, e = current + baseline, float(exposure_ratio)
    mu1, mu0 = n * e / (1 + e), n / (1 + e)
    return 2 * (_xlog(current, mu1) + _xlog(baseline, mu0))


def _xlog(x: int, mu: float) -> float:
    return x * math.log(x / mu) if x > 0 else 0.0


def _wald_interval(current: int, baseline: int, e: float, phi: float, df: int) -> tuple[float, float]:
    # Wald on the log rate ratio, as a quasi-Poisson GLM with a period dummy gives it; with a zero
    # count the log ratio is infinite and only the bound that the data fix is given.
    if baseline == 0:
        return float("nan"), math.inf
    if current == 0:
        return 0.0, float("nan")
    log_ratio = math.log(current / baseline / e)
    half = float(t_dist.ppf(0.975, df)) * math.sqrt(phi * (1 / current + 1 / baseline))
    return math.exp(log_ratio - half), math.exp(log_ratio + half)


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
    """The comparisons the partnership reports, like with like.

    Parameters
    ----------
    series : monthly counts indexed by month start. A NaN month (or one absent from the index)
        is not held: unknown, never zero.
    baseline_year, chosen_year : financial years (start years: 2017 for 2017/18) for the
        fourth row; skipped when either is None, they are equal, or either has no held month.
    population : residents by month. When given, exposure is the summed person-months of the
        months compared; if one of them lacks a figure the row compares counts over equal
        months, and says so.

    Returns
    -------
    One row per comparison, in the order of ``COMPARISONS``: comparison, current_label,
    baseline_label, current, baseline, change_pct, ci_low, ci_high (the rate ratio's 95%
    interval), p_value, significant, words, method, ratio, exposure_ratio, note,
    months_compared.

    Month i of the current period is paired with month i of the baseline (the same calendar
    month) and only the pairs held on both sides are summed (``coverage.paired_months``);
    ``note`` names the months left out ('' when none were) and ``months_compared`` counts the
    pairs kept. With fewer than ``coverage.MIN_PAIRED_SHARE`` of the pairs kept the row is
    withheld: counts, change and p-value NaN, ``significant`` False, the words the note.

    Which rows appear: the latest financial year that has ended by the last held month (and
    has a held month) against the year before; the 12 months ending at the last held month
    against the 12 before; that month against the same month a year before; the chosen year
    against the baseline year. The first three are left out when the months from the first
    held month to the last do not reach back far enough for them (rather than withheld: the
    store was never meant to cover those months); a gap inside that span withholds instead.

    Each row's test follows the Pearson dispersion of its monthly counts (each period a group of
    constant rate; ``dispersion.pearson_dispersion``): quasi-Poisson when they are
    overdispersed, the exact Poisson test otherwise. The single-month row takes its dispersion
    from the 12 months ending at each of the two months, paired the same way. ``method`` says
    which test, why, and how population was treated.
    """
    values = series[~series.index.duplicated()].sort_index()
    values.index = pd.DatetimeIndex(values.index)
    held = pd.DatetimeIndex(values.dropna().index)
    rows = []
    if len(held):
        last = held.max()
        span = pd.date_range(held.min(), last, freq="MS")

        def reaches(current: pd.DatetimeIndex, baseline: pd.DatetimeIndex) -> bool:
            return paired_months(current, baseline, span).enough

        years = sorted({int(y) for y in S.financial_year_start(held)})
        ended = [y for y in years if _fy_months(y)[-1] <= last]
        if ended and reaches(_fy_months(ended[-1]), _fy_months(ended[-1] - 1)):
            rows.append(_row(LATEST_YEAR, values, held, population, _fy_months(ended[-1]),
                             _fy_months(ended[-1] - 1), S.financial_year_label(ended[-1]),
                             S.financial_year_label(ended[-1] - 1)))
        recent = pd.date_range(end=last, periods=12, freq="MS")
        before = previous_months(recent)
        if reaches(recent, before):
            rows.append(_row(ROLLING_12, values, held, population, recent, before, _span(recent), _span(before)))
        month, year_ago = pd.DatetimeIndex([last]), previous_months(pd.DatetimeIndex([last]), 12)
        if reaches(month, year_ago):
            rows.append(_row(LATEST_MONTH, values, held, population, month, year_ago, f"{last:%b %Y}",
                             f"{year_ago[0]:%b %Y}", window=DISPERSION_WINDOW))
        if (chosen_year is not None and baseline_year is not None and chosen_year != baseline_year
                and chosen_year in years and baseline_year in years):
            rows.append(_row(CHOSEN_YEAR, values, held, population, _fy_months(chosen_year),
                             _fy_months(baseline_year), S.financial_year_label(chosen_year),
                             S.financial_year_label(baseline_year)))
    return pd.DataFrame(rows, columns=COLUMNS)


def _fy_months(start_year: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{start_year}-04-01", periods=12, freq="MS")


def _span(months: pd.DatetimeIndex) -> str:
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}"


NOT_ALLOWED_FOR = "no population figure for every month, so population change is not allowed for"


def _exposure(population: pd.Series | None, current: pd.DatetimeIndex,
              baseline: pd.DatetimeIndex) -> tuple[float, str, list | None]:
    """Exposure ratio, what the method says of population, and the residents per month (for the
    dispersion), over the months compared."""
    if population is None:
        return 1.0, "", None
    now, then = population.reindex(current).to_numpy("float64"), population.reindex(baseline).to_numpy("float64")
    if np.isnan(now).any() or np.isnan(then).any() or not ((now > 0).all() and (then > 0).all()):
        return 1.0, NOT_ALLOWED_FOR, None
    if np.unique(np.concatenate([now, then])).size == 1:
        return 1.0, (f"one population estimate ({now[0]:,.0f} residents) for every month compared, so this is the "
                     "change in counts per resident at that population; population change is not allowed for"), \
            [now, then]
    exposure = float(now.sum() / then.sum())
    return exposure, ("exposure is residents x months (person-months), so population change is allowed for (the "
                      f"current period's person-months are {exposure:.3f} x the baseline's)"), [now, then]


def _dispersion(values: pd.Series, population: pd.Series | None, paired: PairedMonths) -> Dispersion:
    _, _, residents = _exposure(population, paired.current, paired.baseline)
    return pearson_dispersion([values.reindex(paired.current).to_numpy("float64"),
                               values.reindex(paired.baseline).to_numpy("float64")], residents)


def _test_text(result: Comparison, dispersion: Dispersion, whose: str) -> str:
    if result.method != EXACT:
        return (f"{result.method}, as {whose} vary more than Poisson counts would (dispersion test "
                f"{format_p(dispersion.p_value)}, {dispersion.df} df)")
    if dispersion.df <= 0:
        return f"{EXACT}, as the dispersion of {whose} could not be estimated (too few months with records)"
    return (f"{EXACT}, as {whose} do not vary significantly more than Poisson counts would (dispersion "
            f"φ = {dispersion.phi:.1f} from {dispersion.months} monthly counts, dispersion test "
            f"{format_p(dispersion.p_value)}, {dispersion.df} df)")


def _row(name: str, values: pd.Series, held: pd.DatetimeIndex, population: pd.Series | None,
         current_months: pd.DatetimeIndex, baseline_months: pd.DatetimeIndex, current_label: str,
         baseline_label: str, window: int | None = None) -> dict:
    paired = paired_months(current_months, baseline_months, held)
    kept = len(paired.current)
    row = {"comparison": name, "current_label": current_label, "baseline_label": baseline_label,
           "note": paired.note(), "months_compared": kept}
    if not paired.enough:
        nan = float("nan")
        return row | {"current": nan, "baseline": nan, "change_pct": nan, "ci_low": nan, "ci_high": nan,
                      "p_value": nan, "significant": False, "words": paired.note(),
                      "method": "not tested: too few months held in both periods", "ratio": nan,
                      "exposure_ratio": nan}
    exposure, population_text, _ = _exposure(population, paired.current, paired.baseline)
    if window is None:
        dispersion, whose = _dispersion(values, population, paired), "the monthly counts compared"
    else:
        # One month against one leaves no degrees of freedom; the spread of the months around each
        # month (paired like the comparison) stands in for it.
        windows = paired_months(pd.date_range(end=current_months[-1], periods=window, freq="MS"),
                                pd.date_range(end=baseline_months[-1], periods=window, freq="MS"), held)
        dispersion = _dispersion(values, population, windows) if windows.length else NOT_ESTIMABLE
        whose = f"the monthly counts of the {window} months ending at each of the two months"
    result = compare_counts(values.reindex(paired.current).sum(), values.reindex(paired.baseline).sum(), exposure,
                            label=f"{current_label} against {baseline_label}", dispersion=dispersion)
    months = ("equal months compared: the month against the same calendar month of the other period" if kept == 1
              else f"equal months compared: {kept} months, each against the same calendar month of the other period")
    method = "; ".join(part for part in (_test_text(result, dispersion, whose), months, population_text) if part)
    return row | {
        "current": result.current, "baseline": result.baseline, "change_pct": result.change_pct,
        "ci_low": result.ci_low, "ci_high": result.ci_high, "p_value": result.p_value,
        "significant": result.significant, "words": result.words, "method": method,
        "ratio": result.ratio, "exposure_ratio": result.exposure_ratio,
    }
