"""Statistical process control: c-, u-, Laney u'/c'- and XmR charts with the standard signal
rules, and the one choice of chart and baseline every page uses (``series_chart``).

Limits come from a baseline period (all points by default) and are extended to every
point, so a later change shows up against the earlier "normal". The rules are those of NHS
England's "Making Data Count" and the Western Electric handbook (docs/methods.md "Control
charts").

Pure functions: Series in, DataFrames out. A NaN value (a month with no data) takes no part
in the limits, raises no signal and breaks any run, trend, 2-of-3 pattern or moving range it
falls in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_dash.analysis import coverage
from csp_dash.analysis.dispersion import Dispersion, pearson_dispersion

CHART_TYPES = ("c", "u", "xmr", "laney")
RUN_LENGTH = 7  # points on one side of the centre
TREND_LENGTH = 6  # points each strictly above (or below) the one before
D2 = 1.128  # bias constant turning the mean moving range of two points into sigma

BEYOND = "beyond a control limit"
TWO_OF_THREE = "2 of 3 beyond 2 sigma"
SIGNAL_COLUMNS = ["rule", "start", "end", "direction", "text"]

LANEY_U = "Laney u\u2032-chart"
LANEY_C = "Laney c\u2032-chart (XmR of the counts)"


def chart_name(kind: str, exposure: bool = False) -> str:
    """The chart's name in words: "c-chart", "u-chart", "XmR chart", "Laney u\u2032-chart" (with
    exposure) or "Laney c\u2032-chart (XmR of the counts)" (without)."""
    if kind == "laney":
        return LANEY_U if exposure else LANEY_C
    return {"c": "c-chart", "u": "u-chart", "xmr": "XmR chart"}[kind]


def control_chart(values: pd.Series, kind: str = "c", exposure: pd.Series | None = None,
                  baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> pd.DataFrame:
    """Control limits and signals for a monthly series.

    Parameters
    ----------
    values : counts (c, u, laney) or measurements (xmr), indexed by month; NaN = no data.
    kind : "c" (counts, equal opportunity each month), "u" (counts over a varying
        exposure, e.g. residents in thousands), "laney" (Laney's u'-chart with exposure, c'-chart
        without: c or u limits widened by the month-to-month spread of the standardised values,
        for counts that vary more than Poisson counts), or "xmr" (any measurement).
    exposure : for "u" (required) and "laney" (optional): the exposure of each month, aligned
        on the index; the plotted value is counts / exposure, so pass residents / 1000 to plot
        a rate per 1,000.
    baseline : (first, last) month, inclusive, whose points set the limits; None = all.

    Returns
    -------
    DataFrame indexed like ``values``: value, centre, sigma, ucl, lcl (3 sigma), uwl, lwl
    (2 sigma), in_baseline, and the signal flags beyond, run, trend, two_of_three,
    any_signal. A Laney chart also has ``sigma_z`` (after sigma): the spread of the
    standardised values, 1 for Poisson counts; its ``sigma`` is sigma_i x sigma_z. Lower lines
    are floored at 0 for c, u and Laney charts. ``attrs`` holds "kind" and "chart_name".

    Laney (Quality Engineering 14(4), 2002): u_i = x_i / n_i, centre u = sum x / sum n over
    the baseline, sigma_i = sqrt(u / n_i), z_i = (u_i - u) / sigma_i, sigma_z = mean moving
    range of z over neighbouring baseline months that both have a value / 1.128; limits
    u +- 3 sigma_i sigma_z. Without exposure sigma_i = sqrt(c) for every month, so the limits
    are c +- 3 x (mean moving range of the counts) / 1.128: an XmR chart of the counts.
    """
    if kind not in CHART_TYPES:
        raise ValueError(f"kind must be one of {', '.join(CHART_TYPES)}; got {kind!r}")
    counts = pd.to_numeric(values, errors="raise").astype("float64")
    index = values.index
    if kind == "u" and exposure is None:
        raise ValueError("a u-chart needs exposure (e.g. residents in thousands for each month)")
    if exposure is not None and kind not in ("u", "laney"):
        raise ValueError(f"exposure is for u- and Laney charts only; kind is {kind!r}")
    if exposure is not None:
        exp = exposure.reindex(index).astype("float64")
        unusable = counts.notna() & ~(exp > 0)
        if unusable.any():
            at = int(unusable.to_numpy().argmax())
            bad = exp.iloc[at]
            raise ValueError(f"exposure must be a positive number for every month with a value; "
                             f"{_label(index[at])} has {'none' if math.isnan(bad) else f'{bad:g}'}")
        plotted = counts / exp
    else:
        plotted = counts

    in_baseline = _baseline_mask(index, baseline)
    usable = in_baseline & plotted.notna().to_numpy()
    if not usable.any():
        raise ValueError("the baseline period holds no values to set the limits from")
    # Neighbouring baseline months that both have a value: the only moving ranges taken.
    pairs = usable[1:] & usable[:-1]
    sigma_z = None
    if kind in ("c", "xmr") or (kind == "laney" and exposure is None):
        centre = float(plotted[usable].mean())
    else:
        centre = float(counts[usable].sum() / exp[usable].sum())
    if kind == "c":
        sigma = np.full(len(index), math.sqrt(centre))
    elif kind == "u":
        sigma = np.sqrt(centre / exp.to_numpy())
    elif kind == "xmr":
        ranges = np.abs(np.diff(plotted.to_numpy()))[pairs]
        if len(ranges) == 0:
            raise ValueError("an XmR chart needs at least two consecutive baseline values")
        sigma = np.full(len(index), ranges.mean() / D2)
    else:
        if not centre > 0:
            raise ValueError("a Laney chart needs some records in the baseline months")
        sigma_i = np.full(len(index), math.sqrt(centre)) if exposure is None else np.sqrt(centre / exp.to_numpy())
        z = (plotted.to_numpy() - centre) / sigma_i
        ranges = np.abs(np.diff(z))[pairs]
        if len(ranges) == 0:
            raise ValueError("a Laney chart needs at least two consecutive baseline values")
        sigma_z = float(ranges.mean() / D2)
        sigma = sigma_i * sigma_z

    floor = 0.0 if kind in ("c", "u", "laney") else -np.inf
    columns = {"value": plotted.to_numpy(), "centre": centre, "sigma": sigma}
    if sigma_z is not None:
        columns["sigma_z"] = sigma_z
    columns.update({
        "ucl": centre + 3 * sigma,
        "lcl": np.maximum(centre - 3 * sigma, floor),
        "uwl": centre + 2 * sigma,
        "lwl": np.maximum(centre - 2 * sigma, floor),
        "in_baseline": in_baseline,
    })
    chart = pd.DataFrame(columns, index=index)
    flags = {rule: np.zeros(len(index), bool) for rule in ("beyond", "run", "trend", "two_of_three")}
    for rule, first, last, direction in _episodes(chart):
        if rule == "two_of_three":
            # The point between two beyond the warning line is part of no signal itself.
            flags[rule][first:last + 1] |= _beyond_warning(chart, first, last, direction)
        else:
            flags[rule][first:last + 1] = True
    for rule, flag in flags.items():
        chart[rule] = flag
    chart["any_signal"] = chart[["beyond", "run", "trend", "two_of_three"]].any(axis=1)
    chart.attrs["kind"] = kind
    chart.attrs["chart_name"] = chart_name(kind, exposure is not None)
    return chart


def describe_signals(chart: pd.DataFrame) -> pd.DataFrame:
    """One row per signal episode of a ``control_chart`` result, in plain words.

    Returns
    -------
    DataFrame with rule ("beyond a control limit", "run of N on one side", "trend of N
    rising", "trend of N falling", "2 of 3 beyond 2 sigma"), start, end (months), direction
    ("high", "low", "rising", "falling") and text, sorted by start.
    """
    rows = []
    index = chart.index
    value = chart["value"].to_numpy()
    for rule, first, last, direction in _episodes(chart):
        start, end = index[first], index[last]
        span = f"{_label(start)} to {_label(end)}"
        if rule == "beyond":
            limit = chart["ucl"].iloc[first] if direction == "high" else chart["lcl"].iloc[first]
            side = "above the upper" if direction == "high" else "below the lower"
            name, text = BEYOND, f"{_label(start)}: {_number(value[first])} is {side} control limit ({_number(limit)})"
        elif rule == "run":
            n = last - first + 1
            side = "above" if direction == "high" else "below"
            name = f"run of {n} on one side"
            text = f"{span}: {n} months in a row {side} the centre line ({_number(chart['centre'].iloc[first])})"
        elif rule == "trend":
            n = last - first + 1
            name = f"trend of {n} {direction}"
            text = f"{span}: {n} months in a row, each {'higher' if direction == 'rising' else 'lower'} " \
                   f"than the one before"
        else:
            n = int(_beyond_warning(chart, first, last, direction).sum())
            span_n = last - first + 1
            side = "above the upper" if direction == "high" else "below the lower"
            count = f"{n} months in a row" if n == span_n else f"{n} of {span_n} months"
            name, text = TWO_OF_THREE, f"{span}: {count} {side} warning line (2 sigma)"
        rows.append({"rule": name, "start": start, "end": end, "direction": direction, "text": text,
                     "_order": ("beyond", "run", "trend", "two_of_three").index(rule)})
    if not rows:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    table = pd.DataFrame(rows).sort_values(["start", "_order"], kind="stable")
    return table[SIGNAL_COLUMNS].reset_index(drop=True)


# -- one chart and one baseline per series: what every page uses --------------------------------

@dataclass(frozen=True, eq=False)
class ChartChoice:
    """Which control chart a series gets, and why."""

    kind: str  # "c", "u" or "laney": the ``control_chart`` kind
    name: str  # "c-chart", "u-chart", "Laney u\u2032-chart", "Laney c\u2032-chart (XmR of the counts)"
    dispersion: Dispersion  # Pearson dispersion of the baseline months
    reason: str  # one plain sentence, starting with the name


def choose_chart(values: pd.Series, exposure: pd.Series | None = None,
                 baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> ChartChoice:
    """The chart for a count series: a Laney chart when the baseline months vary significantly
    more than Poisson counts would (``Dispersion.overdispersed``), otherwise a c-chart (no
    exposure) or a u-chart (exposure).

    The dispersion is ``pearson_dispersion`` of the baseline months (``baseline`` = (first,
    last) inclusive; None = every month) as one group of constant rate, with their exposures
    when given; months without data (NaN) are left out.
    """
    counts = pd.to_numeric(values, errors="raise").astype("float64")
    mask = _baseline_mask(values.index, baseline)
    exps = None
    if exposure is not None:
        exps = [exposure.reindex(values.index).astype("float64").to_numpy()[mask]]
    dispersion = pearson_dispersion([counts.to_numpy()[mask]], exps)
    if dispersion.overdispersed:
        name = chart_name("laney", exposure is not None)
        reason = (f"{name}: the baseline months vary {dispersion.phi:.1f} times as much as Poisson counts would "
                  f"(dispersion test {_p_words(dispersion.p_value)}), so Poisson limits would flag ordinary months.")
        return ChartChoice("laney", name, dispersion, reason)
    kind = "c" if exposure is None else "u"
    name = chart_name(kind)
    if dispersion.df <= 0:
        reason = (f"{name}: too few baseline months with records to test whether they vary more than Poisson "
                  "counts would, so Poisson limits are used.")
    else:
        reason = (f"{name}: the baseline months vary as Poisson counts do "
                  f"(dispersion test {_p_words(dispersion.p_value)}).")
    return ChartChoice(kind, name, dispersion, reason)


def _p_words(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


@dataclass(frozen=True, eq=False)
class SeriesChart:
    """A series' control chart with its chosen kind and baseline, or (chart None) why there is none."""

    chart: pd.DataFrame | None  # ``control_chart`` over every month of the series
    choice: ChartChoice | None
    baseline: tuple[pd.Timestamp, pd.Timestamp] | None  # (first, last) month of the limits
    note: str  # the choice and the baseline in words, or why there are no limits


def series_chart(values: pd.Series, exposure: pd.Series | None = None, window_start: pd.Timestamp | None = None,
                 baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None, min_baseline: int = 12,
                 max_baseline: int | None = 36, kind: str | None = None) -> SeriesChart:
    """The one control chart of a monthly count series: its baseline, its kind, its limits.

    Parameters
    ----------
    values : monthly counts indexed by month; NaN for a month the store does not hold.
    exposure : optional exposure per month (residents / 1000 ...): a u- or Laney u'-chart.
    window_start : the first month being watched (pages pass the first of the latest 12). The
        default baseline is ``coverage.baseline_run``: the latest run of at least
        ``min_baseline`` consecutive months with data ending before ``window_start`` (before
        the end of the series when None), its latest ``max_baseline`` months at most. A
        baseline never straddles a month without data.
    baseline : (first, last) month chosen by the user instead; refused (chart None) when a
        month in it has no data.
    kind : a chart kind chosen by the user ("c", "u", "xmr", "laney") instead of the one
        ``choose_chart`` picks; the choice's dispersion is still measured and reported.

    Returns
    -------
    SeriesChart. The chart covers every month of ``values`` (limits extended forward, months
    without data NaN); the kind comes from ``choose_chart`` on the baseline months.
    """
    index = pd.DatetimeIndex(values.index)
    held = index[pd.to_numeric(values, errors="raise").notna().to_numpy()]
    if baseline is None:
        run = coverage.baseline_run(held, before=window_start, min_months=min_baseline, max_months=max_baseline)
        if run is None:
            return SeriesChart(None, None, None, _no_baseline_note(held, window_start, min_baseline))
        first, last = run[0], run[-1]
    else:
        first, last = (pd.Timestamp(b) for b in baseline)
        if first > last:
            return SeriesChart(None, None, None, f"No control limits: the baseline must run forwards; got "
                                                 f"{_label(first)} to {_label(last)}.")
        have = set(held.to_period("M"))
        missing = [p.to_timestamp() for p in pd.period_range(first, last, freq="M") if p not in have]
        if missing:
            return SeriesChart(None, None, None, (
                f"No control limits from {_label(first)} to {_label(last)}: the store holds no data for "
                f"{'; '.join(coverage.month_ranges(missing))}, and every month that sets the limits must have data."))
    choice = choose_chart(values, exposure, (first, last))
    if kind is not None and kind != choice.kind:
        picked = chart_name(kind, exposure is not None)
        choice = ChartChoice(kind, picked, choice.dispersion,
                             f"{picked}, as chosen (the data alone would give a {choice.name}: "
                             f"{choice.reason.split(': ', 1)[1].rstrip('.')}).")
        if kind in ("c", "xmr"):
            exposure = None
    # Limits hold only within the run of consecutive held months that contains the baseline: across
    # a gap the recording, the boundaries or the world may differ, so no signal is computed there.
    run = next(r for r in coverage.runs(held) if r[0] <= first <= r[-1])
    in_run = index.isin(run)
    try:
        chart = control_chart(values.where(in_run), choice.kind, exposure=exposure, baseline=(first, last))
    except ValueError as error:
        return SeriesChart(None, choice, (first, last), f"No control limits: {error}.")
    counts = pd.to_numeric(values, errors="raise").astype("float64")
    chart["value"] = (counts / exposure.reindex(index).astype("float64")) if exposure is not None else counts
    limits = [c for c in ("centre", "sigma", "sigma_z", "ucl", "lcl", "uwl", "lwl") if c in chart.columns]
    chart.loc[~in_run, limits] = np.nan
    n = int(chart["in_baseline"].sum())
    note = f"{choice.reason} Limits from {_label(first)} to {_label(last)} ({n} months)."
    if not in_run[-1]:
        note += (f" They hold until {_label(run[-1])}: the months after the gap that follows are not judged "
                 f"against them.")
    return SeriesChart(chart, choice, (first, last), note)


def _no_baseline_note(held: pd.DatetimeIndex, window_start, min_baseline: int) -> str:
    before = held if window_start is None else held[held < pd.Timestamp(window_start)]
    where = "" if window_start is None else f" before {_label(pd.Timestamp(window_start))}"
    if len(before) == 0:
        return f"No control limits: there are no months with data{where}."
    # The longest run; of equal ones, the latest.
    longest = max(reversed(coverage.runs(before)), key=len)
    span = _label(longest[0]) if len(longest) == 1 else f"{_label(longest[0])} to {_label(longest[-1])}"
    there = " there" if window_start is not None else ""
    return (f"No control limits: they need {min_baseline} consecutive months with data{where}, and the longest "
            f"run{there} is {len(longest)} ({span}).")


def recent_signals(sc: SeriesChart, last_n: int = 3) -> pd.DataFrame:
    """The ``describe_signals`` rows of the signals touching the latest ``last_n`` months of the
    series (an episode ending in or after the first of them); empty when there are no limits."""
    if sc.chart is None or len(sc.chart) == 0:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    since = sc.chart.index[-last_n:][0]
    table = describe_signals(sc.chart)
    return table[table["end"] >= since].reset_index(drop=True) if len(table) else table


def _baseline_mask(index: pd.Index, baseline) -> np.ndarray:
    if baseline is None:
        return np.ones(len(index), bool)
    first, last = (pd.Timestamp(b) for b in baseline)
    if first > last:
        raise ValueError(f"baseline must run forwards; got {_label(first)} to {_label(last)}")
    months = pd.DatetimeIndex(index)
    return np.asarray((months >= first) & (months <= last))


def _episodes(chart: pd.DataFrame) -> list[tuple[str, int, int, str]]:
    """(rule, first position, last position, direction) of every signal in the chart."""
    value = chart["value"].to_numpy(dtype="float64")
    centre = chart["centre"].to_numpy(dtype="float64")
    found: list[tuple[str, int, int, str]] = []

    with np.errstate(invalid="ignore"):
        high = value > chart["ucl"].to_numpy()
        low = value < chart["lcl"].to_numpy()
    for i in np.flatnonzero(high | low):
        found.append(("beyond", int(i), int(i), "high" if high[i] else "low"))

    # A point exactly on the centre belongs to neither side, so it breaks a run.
    side = np.sign(value - centre)
    side[np.isnan(side) | np.isclose(value, centre, rtol=1e-12, atol=0)] = 0
    for first, last, s in _segments(side):
        if s != 0 and last - first + 1 >= RUN_LENGTH:
            found.append(("run", first, last, "high" if s > 0 else "low"))

    # Steps between neighbours; a trend of n points is n - 1 steps the same way.
    step = np.sign(np.diff(value))
    step[np.isnan(step)] = 0
    for first, last, s in _segments(step):
        if s != 0 and last - first + 2 >= TREND_LENGTH:
            found.append(("trend", first, last + 1, "rising" if s > 0 else "falling"))

    upper, lower = _warning_sides(chart)
    for beyond, direction in ((upper, "high"), (lower, "low")):
        for first, last in _clusters(beyond, np.isnan(value)):
            found.append(("two_of_three", first, last, direction))
    return found


def _warning_sides(chart: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    value = chart["value"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        return value > chart["uwl"].to_numpy(), value < chart["lwl"].to_numpy()


def _beyond_warning(chart: pd.DataFrame, first: int, last: int, direction: str) -> np.ndarray:
    """Which points of a 2-of-3 episode are beyond its warning line."""
    upper, lower = _warning_sides(chart)
    return (upper if direction == "high" else lower)[first:last + 1]


def _segments(labels: np.ndarray) -> list[tuple[int, int, float]]:
    """Maximal stretches of equal labels: (first, last, label)."""
    out = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i - 1, labels[start]))
            start = i
    return out


def _clusters(beyond: np.ndarray, missing: np.ndarray) -> list[tuple[int, int]]:
    """Stretches where points beyond a warning line lie within three consecutive points of
    each other (at most one point between, and that one not a month without data), keeping
    only those with two or more. A window of three holding a month without data does not
    join the points either side of it."""
    out = []
    positions = np.flatnonzero(beyond)
    group: list[int] = []
    for p in positions:
        if group and (p - group[-1] > 2 or (p - group[-1] == 2 and missing[p - 1])):
            if len(group) >= 2:
                out.append((group[0], group[-1]))
            group = []
        group.append(int(p))
    if len(group) >= 2:
        out.append((group[0], group[-1]))
    return out


def _label(month) -> str:
    if isinstance(month, (pd.Timestamp, np.datetime64)):
        return f"{pd.Timestamp(month):%b %Y}"
    return str(month)


def _number(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if float(x).is_integer() or abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"
