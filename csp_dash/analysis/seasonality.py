"""Seasonal patterns in monthly counts: year-by-month tables, a seasonal index, STL
decomposition, what the seasonal model expected for the latest months, and checks of the
strategy's three seasonal claims.

Methods (docs/methods.md, "Seasonal patterns"):

- Seasonal index: each month's count over the mean of the twelve months centred on it (a
  2x12 centred moving average, so a trend does not leak in), averaged by calendar month and
  scaled so the twelve average 1; the spread is the lowest and highest ratio of the years.
- STL (Cleveland et al. 1990, statsmodels): period 12, seasonal smoother 13, robust,
  additive on counts, on the latest run of at least 24 months without a gap.
- Expected against actual: a straight-line trend plus an effect for each calendar month,
  fitted by least squares on the 36 months before the latest 12 and extended over them; the
  95% prediction interval is the regression's (residual spread plus the uncertainty of
  the fitted trend and month effects, t distribution).
- The strategy's claims: a verdict says how much evidence there is. A season claim needs at
  least two whole years in a row, an events claim at least two separate one-off events with
  comparable months; with fewer the verdict is "too little evidence to tell". Counts are
  compared as daily rates, quasi-Poisson when the months behind them are overdispersed.

Pure functions: Series in, DataFrames and dataclasses out. A month that is NaN has no
data (a gap between downloads), which is never read as zero.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_dash.analysis import events as E
from csp_dash.analysis.dispersion import pearson_dispersion
from csp_dash.analysis.significance import EXACT, Comparison, compare_counts, format_change, format_p

PERIOD = 12
STL_SEASONAL = 13  # seasonal smoother span in years: wide, so the pattern changes only slowly
MIN_STL_MONTHS = 2 * PERIOD
HOLDOUT = 12
MIN_FORECAST_MONTHS = MIN_STL_MONTHS + HOLDOUT
FIT_MONTHS = 36  # the expected counts come from the three years before the latest twelve months
LEVEL = 0.95
MONTH_NAMES = [calendar.month_abbr[i] for i in range(1, 13)]
WINTER = (12, 1, 2)
SUMMER = (6, 7, 8)


def latest_run(series: pd.Series) -> pd.Series:
    """The latest stretch of consecutive months with data (no NaN), as floats."""
    s = series.astype("float64")
    present = s.notna().to_numpy()
    if not present.any():
        return s.iloc[0:0]
    end = len(s) - int(np.argmax(present[::-1]))  # one past the last present month
    gaps = np.flatnonzero(~present[:end])
    start = int(gaps[-1]) + 1 if len(gaps) else 0
    return s.iloc[start:end]


def year_by_month(series: pd.Series) -> pd.DataFrame:
    """Counts with a row per calendar year and a column per month (Jan ... Dec); NaN where
    the month is outside the data or has none."""
    s = series.dropna()
    table = pd.DataFrame({"year": s.index.year, "month": s.index.month, "count": s.to_numpy()})
    table = table.pivot(index="year", columns="month", values="count")
    table = table.reindex(columns=range(1, 13))
    table.columns = MONTH_NAMES
    return table.rename_axis("year")


def moving_average_ratios(series: pd.Series) -> pd.DataFrame:
    """Each month's count over the 2x12 centred moving average around it.

    The 2x12 average weights the months six before and six after by 1/24 and the eleven
    between by 1/12; it needs all thirteen months present, so the first and last six months
    of a run (and months near a gap) have no ratio.
    """
    s = series.astype("float64")
    rolling = s.rolling(PERIOD, min_periods=PERIOD).mean()
    centred = (rolling.shift(-5) + rolling.shift(-6)) / 2
    out = pd.DataFrame({"month": s.index, "year": s.index.year, "month_of_year": s.index.month,
                        "count": s.to_numpy(), "centred_mean": centred.to_numpy()})
    out["ratio"] = out["count"] / out["centred_mean"].where(out["centred_mean"] > 0)
    return out.dropna(subset=["ratio"]).reset_index(drop=True)


def seasonal_index(series: pd.Series) -> pd.DataFrame:
    """The seasonal index of each calendar month, with its spread across years.

    Returns a frame indexed by month number 1-12: ``month`` (name), ``index`` (mean ratio,
    scaled so the twelve average 1), ``low`` and ``high`` (lowest and highest year's ratio,
    on the same scale) and ``years`` (ratios averaged). Empty when some calendar month has
    no ratio (fewer than 24 consecutive months).
    """
    ratios = moving_average_ratios(series)
    grouped = ratios.groupby("month_of_year")["ratio"]
    if grouped.ngroups < 12:
        return pd.DataFrame(columns=["month", "index", "low", "high", "years"])
    mean = grouped.mean()
    scale = 12 / mean.sum()
    return pd.DataFrame({
        "month": MONTH_NAMES, "index": (mean * scale).to_numpy(), "low": (grouped.min() * scale).to_numpy(),
        "high": (grouped.max() * scale).to_numpy(), "years": grouped.size().to_numpy(),
    }, index=pd.Index(range(1, 13), name="month_of_year"))


@dataclass(frozen=True)
class Decomposition:
    """An STL decomposition and what it says about the seasonal pattern."""

    components: pd.DataFrame  # month, observed, trend, seasonal, remainder
    params: dict  # STL's settings as statsmodels reports them
    strength: float  # 1 - Var(remainder) / Var(seasonal + remainder), floored at 0
    amplitude: float  # half the range of the average seasonal component by calendar month
    months_left_out: int  # months before the latest gap, not decomposed

    @property
    def start(self) -> pd.Timestamp:
        return self.components["month"].iloc[0]

    @property
    def end(self) -> pd.Timestamp:
        return self.components["month"].iloc[-1]


def seasonal_strength(seasonal: np.ndarray, remainder: np.ndarray) -> float:
    """Strength of seasonality (Wang, Smith and Hyndman 2006): 0 none, 1 all of the detrended variation."""
    total = np.var(np.asarray(seasonal) + np.asarray(remainder))
    if not total > 0:
        return 0.0
    return float(max(0.0, 1 - np.var(remainder) / total))


def seasonal_amplitude(seasonal: pd.Series) -> float:
    """Half the range between the highest and lowest calendar month of the seasonal component."""
    profile = seasonal.groupby(seasonal.index.month).mean()
    return float((profile.max() - profile.min()) / 2)


def _stl(run: pd.Series):
    from statsmodels.tsa.seasonal import STL

    return STL(run.to_numpy(), period=PERIOD, seasonal=STL_SEASONAL, robust=True)


def decompose(series: pd.Series) -> Decomposition | None:
    """STL of the latest run of consecutive months; None with fewer than 24 of them."""
    run = latest_run(series)
    if len(run) < MIN_STL_MONTHS:
        return None
    model = _stl(run)
    fit = model.fit()
    components = pd.DataFrame({"month": run.index, "observed": run.to_numpy(), "trend": fit.trend,
                               "seasonal": fit.seasonal, "remainder": fit.resid})
    params = dict(model.config)
    # statsmodels' defaults when robust: 2 inner loops, 15 robustness iterations.
    params.update(inner_iterations=2, outer_iterations=15)
    months_left_out = int(series.loc[:run.index[0]].iloc[:-1].notna().sum())
    return Decomposition(
        components=components, params=params, strength=seasonal_strength(fit.seasonal, fit.resid),
        amplitude=seasonal_amplitude(pd.Series(fit.seasonal, index=run.index)),
        months_left_out=months_left_out)


def stl_parameters(decomposition: Decomposition) -> pd.DataFrame:
    """The STL settings as a two-column table for the page."""
    p = decomposition.params
    rows = [
        ("period", p["period"], "months in a seasonal cycle"),
        ("seasonal", p["seasonal"], "seasonal smoother span (years a calendar month's pattern is smoothed over)"),
        ("trend", p["trend"], "trend smoother span in months (statsmodels' default for this period and seasonal)"),
        ("low_pass", p["low_pass"], "low-pass filter span in months"),
        ("degrees", f"{p['seasonal_deg']}, {p['trend_deg']}, {p['low_pass_deg']}",
         "local polynomial degree of the seasonal, trend and low-pass smoothers"),
        ("robust", p["robust"], "outlying months are down-weighted, so one odd month does not bend the pattern"),
        ("iterations", f"{p['inner_iterations']} inner, {p['outer_iterations']} robustness",
         "statsmodels' defaults for a robust fit"),
        ("model", "additive", "observed = trend + seasonal + remainder, in records"),
        ("months", f"{decomposition.start:%b %Y} to {decomposition.end:%b %Y} ({len(decomposition.components)})",
         "the latest run of months without a gap"),
    ]
    return pd.DataFrame(rows, columns=["parameter", "value", "meaning"]).astype({"value": "str"})


@dataclass(frozen=True)
class Expected:
    """The seasonal model's expectation for the latest months against what was recorded."""

    table: pd.DataFrame  # month, actual, expected, lower, upper, outside ("above", "below" or "")
    fitted: pd.Series  # the months the model was fitted on (recorded counts)
    method: str

    @property
    def outside(self) -> int:
        return int((self.table["outside"] != "").sum())


def expected_vs_actual(series: pd.Series, holdout: int = HOLDOUT, level: float = LEVEL,
                       window: int = FIT_MONTHS) -> Expected | None:
    """What a linear trend plus calendar-month effects, fitted on the months before, expects
    for the latest ``holdout`` months of the latest run, with a prediction interval.

    The model is fitted by least squares on the ``window`` months before the holdout (fewer
    if the run is shorter, but at least 24). The interval is the standard regression
    prediction interval (t distribution): the residual spread plus the uncertainty of the
    fitted trend and month effects. None when the run is shorter than 24 + ``holdout``
    months or the series never varies.
    """
    import statsmodels.api as sm

    run = latest_run(series)
    if len(run) < MIN_STL_MONTHS + holdout:
        return None
    fit_months = run.iloc[:-holdout].iloc[-window:]
    test = run.iloc[-holdout:]
    if fit_months.std() == 0:
        return None

    def design(index: pd.DatetimeIndex) -> pd.DataFrame:
        t = (index.year - fit_months.index[0].year) * 12 + (index.month - fit_months.index[0].month)
        months = pd.get_dummies(pd.Categorical(index.month, categories=range(1, 13)), prefix="m", dtype=float)
        x = pd.concat([pd.DataFrame({"const": 1.0, "t": t.astype(float)}), months.iloc[:, 1:]], axis=1)
        return x.set_axis(index)

    model = sm.OLS(fit_months.to_numpy(), design(fit_months.index)).fit()
    frame = model.get_prediction(design(test.index)).summary_frame(alpha=1 - level)
    expected = frame["mean"].to_numpy()
    lower = np.clip(frame["obs_ci_lower"].to_numpy(), 0, None)  # a count cannot fall below zero
    upper = frame["obs_ci_upper"].to_numpy()
    actual = test.to_numpy()
    outside = np.where(actual > upper, "above", np.where(actual < lower, "below", ""))
    table = pd.DataFrame({"month": test.index, "actual": actual, "expected": expected, "lower": lower,
                          "upper": upper, "outside": outside})
    method = (f"a straight-line trend plus an effect for each calendar month, fitted by least squares on the "
              f"{len(fit_months)} months before them ({fit_months.index[0]:%b %Y} to {fit_months.index[-1]:%b %Y}) "
              f"and extended over the latest {holdout}; the {level:.0%} prediction interval is the residual spread "
              f"widened for the uncertainty of the fitted trend and month effects (t distribution, "
              f"{int(model.df_resid)} degrees of freedom)")
    return Expected(table=table, fitted=fit_months, method=method)


def strongest_patterns(monthly: pd.DataFrame) -> pd.DataFrame:
    """Every series' seasonal strength (STL) with its peak and lowest month (seasonal index),
    strongest first; series with fewer than 24 consecutive months are left out."""
    rows = []
    for name in monthly.columns:
        decomposition = decompose(monthly[name])
        index = seasonal_index(monthly[name])
        if decomposition is None or index.empty:
            continue
        peak, low = index["index"].idxmax(), index["index"].idxmin()
        rows.append({"series": name, "strength": decomposition.strength, "amplitude": decomposition.amplitude,
                     "peak_month": MONTH_NAMES[peak - 1], "peak_index": index.loc[peak, "index"],
                     "low_month": MONTH_NAMES[low - 1], "low_index": index.loc[low, "index"]})
    table = pd.DataFrame(rows, columns=["series", "strength", "amplitude", "peak_month", "peak_index",
                                        "low_month", "low_index"])
    return table.sort_values("strength", ascending=False, kind="stable").reset_index(drop=True)


# -- the strategy's claims ---------------------------------------------------------------------

CLAIM_BURGLARY = "Domestic burglary increases in the winter months"
CLAIM_VIOLENCE = "Violent crime increases when large sporting events take place"
CLAIM_ASB = "Anti-social behaviour increases in the summer months"
SUPPORTED, NOT_SUPPORTED, UNCHECKED = "supported", "not supported", "cannot be checked"
TOO_LITTLE = "too little evidence to tell"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, TOO_LITTLE, UNCHECKED)

# How much evidence a claim needs before it is called supported or not. A claim says something
# happens again and again ("increases when large sporting events take place", "in the winter
# months"); one occasion cannot tell that pattern from the occasion itself (one tournament in a
# hot summer, one year's burglary spree), however clear the test on that occasion is.
MIN_EVENTS = 2  # separate one-off events, each with its months and comparable months held
MIN_SEASON_YEARS = 2  # whole years (12 months in a row), each holding every month of the season and the rest


@dataclass(frozen=True)
class Claim:
    """One of the strategy's claims checked on the data loaded, said with its number."""

    claim: str
    verdict: str  # SUPPORTED, NOT_SUPPORTED, TOO_LITTLE or UNCHECKED
    sentence: str
    comparison: Comparison | None = None

    @property
    def change_pct(self) -> float:
        return self.comparison.change_pct if self.comparison else float("nan")


def _verdict(c: Comparison) -> str:
    return SUPPORTED if c.significant and c.change_pct > 0 else NOT_SUPPORTED


def _months_words(months: tuple[int, ...]) -> str:
    return f"{calendar.month_name[months[0]]} to {calendar.month_name[months[-1]]}"


def _chance(c: Comparison) -> str:
    return "unlikely to be chance" if c.significant else "within normal variation"


def _rate(count: int, days: int) -> str:
    return f"{count / days:,.1f}"


def _test_words(c: Comparison) -> str:
    """What the test allowed for, when it was not the exact Poisson test."""
    if c.method == EXACT:
        return ""
    return f" The monthly counts vary more than Poisson counts would, so the test is a {c.method}."


def season_against_rest(series: pd.Series, months: tuple[int, ...]) -> tuple[Comparison, pd.Series] | None:
    """Records in the given calendar months against the rest of the year, as daily rates.

    Uses the latest whole years (multiples of twelve months, counted back from the latest
    month) of the latest run of months with data, so every calendar month is counted equally
    often and a month without data (NaN) is never read as zero: it ends the run. None with
    fewer than twelve consecutive months.

    The test allows for overdispersion: the season's months and the rest's are two groups of
    constant daily rate (``dispersion.pearson_dispersion``, each month's days its exposure),
    and when their counts vary more than Poisson counts would the test is quasi-Poisson, so
    a large count is not called unlikely to be chance on its size alone.
    """
    run = latest_run(series)
    whole = len(run) // PERIOD * PERIOD
    if whole == 0:
        return None
    run = run.iloc[len(run) - whole:]
    inside = run.index.month.isin(months)
    days = run.index.days_in_month.to_numpy()
    dispersion = pearson_dispersion([run[inside].to_numpy(), run[~inside].to_numpy()], [days[inside], days[~inside]])
    c = compare_counts(int(run[inside].sum()), int(run[~inside].sum()),
                       exposure_ratio=days[inside].sum() / days[~inside].sum(), dispersion=dispersion)
    return c, run


def _years_words(n: int) -> str:
    return "one whole year" if n == 1 else f"{n} whole years"


def _season_claim(claim: str, name: str, series: pd.Series | None, months: tuple[int, ...], season: str,
                  note: str = "") -> Claim:
    if series is None:
        return Claim(claim, UNCHECKED, f"{name} is not among the categories chosen in the sidebar.")
    found = season_against_rest(series, months)
    if found is None:
        return Claim(claim, UNCHECKED, f"{name} needs at least 12 consecutive months of data.")
    c, run = found
    inside = run.index.month.isin(months)
    days = run.index.days_in_month.to_numpy()
    if c.current + c.baseline == 0:
        return Claim(claim, UNCHECKED, f"No {name} records in the months loaded.", c)
    direction = "higher" if c.change_pct > 0 else "lower"
    sentence = (f"{name}: {_rate(c.current, days[inside].sum())} records a day in {season} "
                f"({_months_words(months)}) against {_rate(c.baseline, days[~inside].sum())} in the rest of the "
                f"year, {format_change(c.change_pct)} {direction} ({_chance(c)}, "
                f"{format_p(c.p_value, significant=c.significant)}), over the {len(run)} months "
                f"{run.index[0]:%b %Y} to {run.index[-1]:%b %Y}.{_test_words(c)}{note}")
    years = len(run) // PERIOD
    if years < MIN_SEASON_YEARS:
        why = (f"The latest run of months with data holds only {_years_words(years)} ({run.index[0]:%b %Y} to "
               f"{run.index[-1]:%b %Y}); a claim about the {season} months needs at least "
               f"{_count_words(MIN_SEASON_YEARS)} whole years, each holding every month of {season} and of the rest "
               f"of the year, to tell a pattern from one year.")
        return Claim(claim, TOO_LITTLE, f"{why} {sentence}", c)
    return Claim(claim, _verdict(c), sentence, c)


def _count_words(n: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(n, str(n))


def _event_claim(series: pd.Series | None, events) -> Claim:
    name = "Violence and sexual offences"
    if series is None:
        return Claim(CLAIM_VIOLENCE, UNCHECKED, f"{name} is not among the categories chosen in the sidebar.")
    one_offs = [e for e in events if not e.recurring]
    table, used = E.compare_events(series, one_offs)
    if table.empty:
        names = ", ".join(e.name for e in one_offs) or "none configured"
        return Claim(CLAIM_VIOLENCE, UNCHECKED,
                     f"No one-off event in csp.toml ({names}) falls in the months loaded with comparable months "
                     f"a year before or after.")
    current, baseline = int(table["event_records"].sum()), int(table["comparison_records"].sum())
    days, base_days = int(table["event_days"].sum()), int(table["comparison_days"].sum())
    c = compare_counts(current, baseline, exposure_ratio=days / base_days,
                       dispersion=E.months_dispersion(series, *E.pooled_months(series, one_offs)))
    direction = "higher" if c.change_pct > 0 else "lower"
    what = "; ".join(f"{r.event} ({r.event_months}, against {r.comparison_months})" for r in table.itertuples())
    sentence = (f"{name}: {_rate(current, days)} records a day in the months of {what}, against "
                f"{_rate(baseline, base_days)} in the comparison months, {format_change(c.change_pct)} {direction} "
                f"({_chance(c)}, "
                f"{format_p(c.p_value, significant=c.significant)}).{_test_words(c)}")
    if len(used) < MIN_EVENTS:
        compared = ", ".join(o.name for o in used)
        events_words = f"{_count_words(len(used))} event{'s' if len(used) > 1 else ''}"
        why = (f"Only {events_words} ({compared}) in the months loaded with comparable months a year before or "
               f"after; a claim about large sporting events needs at least "
               f"{_count_words(MIN_EVENTS)} to tell a pattern from one occasion.")
        return Claim(CLAIM_VIOLENCE, TOO_LITTLE, f"{why} {sentence}", c)
    return Claim(CLAIM_VIOLENCE, _verdict(c), sentence, c)


def check_claims(burglary: pd.Series | None, violence: pd.Series | None, asb: pd.Series | None,
                 events) -> list[Claim]:
    """The strategy's three seasonal claims, each checked on the given monthly counts.

    A series is None when the sidebar's categories leave it out. Winter is December to
    February and summer June to August, each against the rest of the year; the sporting
    events are the one-off events of csp.toml against the same months a year before and after.

    The verdict says how much evidence there is: ``UNCHECKED`` with none (no whole year, no
    event with comparable months); ``TOO_LITTLE`` with fewer than ``MIN_SEASON_YEARS`` whole
    years for a season or fewer than ``MIN_EVENTS`` separate events, the sentence saying why
    and still giving the number; otherwise ``SUPPORTED`` (higher as claimed, p < 0.05) or
    ``NOT_SUPPORTED``.
    """
    return [
        _season_claim(CLAIM_BURGLARY, "Burglary", burglary, WINTER, "winter",
                      " police.uk's Burglary also counts non-domestic burglary."),
        _event_claim(violence, events),
        _season_claim(CLAIM_ASB, "Anti-social behaviour", asb, SUMMER, "summer"),
    ]


def pattern_sentences(patterns: pd.DataFrame, top: int = 3) -> list[str]:
    """The strongest seasonal patterns in words, one sentence each."""
    out = []
    for r in patterns.head(top).itertuples():
        out.append(f"{r.series}: seasonal strength {r.strength:.2f}; highest in {r.peak_month} "
                   f"({_pct(r.peak_index)} an average month), lowest in {r.low_month} ({_pct(r.low_index)}).")
    return out


def _pct(index: float) -> str:
    change = (index - 1) * 100
    return "about the same as" if abs(change) < 0.5 else f"{abs(change):.0f}% {'above' if change > 0 else 'below'}"
