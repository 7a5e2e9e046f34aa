"""Statistical process control: c-, u- and XmR charts with the standard signal rules.

Limits come from a baseline period (all points by default) and are extended to every
point, so a later change shows up against the earlier "normal". The rules are those of NHS
England's "Making Data Count" and the Western Electric handbook (docs/methods.md "Control
charts").

Pure functions: Series in, DataFrames out. A NaN value (a month with no data) takes no part
in the limits, raises no signal and breaks any run or trend it falls in.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CHART_TYPES = ("c", "u", "xmr")
RUN_LENGTH = 7  # points on one side of the centre
TREND_LENGTH = 6  # points each strictly above (or below) the one before
D2 = 1.128  # bias constant turning the mean moving range of two points into sigma

BEYOND = "beyond a control limit"
TWO_OF_THREE = "2 of 3 beyond 2 sigma"
SIGNAL_COLUMNS = ["rule", "start", "end", "direction", "text"]


def control_chart(values: pd.Series, kind: str = "c", exposure: pd.Series | None = None,
                  baseline: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> pd.DataFrame:
    """Control limits and signals for a monthly series.

    Parameters
    ----------
    values : counts (c, u) or measurements (xmr), indexed by month.
    kind : "c" (counts, equal opportunity each month), "u" (counts over a varying
        exposure, e.g. residents in thousands), or "xmr" (any measurement).
    exposure : for "u" only: the exposure of each month, aligned on the index; the plotted
        value is counts / exposure, so pass residents / 1000 to plot a rate per 1,000.
    baseline : (first, last) month, inclusive, whose points set the limits; None = all.

    Returns
    -------
    DataFrame indexed like ``values``: value, centre, sigma, ucl, lcl (3 sigma), uwl, lwl
    (2 sigma), in_baseline, and the signal flags beyond, run, trend, two_of_three,
    any_signal. Lower lines are floored at 0 for c and u charts.
    """
    if kind not in CHART_TYPES:
        raise ValueError(f"kind must be one of {', '.join(CHART_TYPES)}; got {kind!r}")
    counts = pd.to_numeric(values, errors="raise").astype("float64")
    index = values.index
    if kind == "u":
        if exposure is None:
            raise ValueError("a u-chart needs exposure (e.g. residents in thousands for each month)")
        exp = exposure.reindex(index).astype("float64")
        unusable = counts.notna() & ~(exp > 0)
        if unusable.any():
            at = int(unusable.to_numpy().argmax())
            bad = exp.iloc[at]
            raise ValueError(f"exposure must be a positive number for every month with a value; "
                             f"{_label(index[at])} has {'none' if math.isnan(bad) else f'{bad:g}'}")
        plotted = counts / exp
    elif exposure is not None:
        raise ValueError(f"exposure is for u-charts only; kind is {kind!r}")
    else:
        plotted = counts

    in_baseline = _baseline_mask(index, baseline)
    usable = in_baseline & plotted.notna().to_numpy()
    if not usable.any():
        raise ValueError("the baseline period holds no values to set the limits from")
    if kind == "c":
        centre = float(plotted[usable].mean())
        sigma = np.full(len(index), math.sqrt(centre))
    elif kind == "u":
        centre = float(counts[usable].sum() / exp[usable].sum())
        sigma = np.sqrt(centre / exp.to_numpy())
    else:
        centre = float(plotted[usable].mean())
        # Moving ranges only between neighbouring baseline points that both have a value.
        pairs = usable[1:] & usable[:-1]
        ranges = np.abs(np.diff(plotted.to_numpy()))[pairs]
        if len(ranges) == 0:
            raise ValueError("an XmR chart needs at least two consecutive baseline values")
        sigma = np.full(len(index), ranges.mean() / D2)

    floor = 0.0 if kind in ("c", "u") else -np.inf
    chart = pd.DataFrame({
        "value": plotted.to_numpy(),
        "centre": centre,
        "sigma": sigma,
        "ucl": centre + 3 * sigma,
        "lcl": np.maximum(centre - 3 * sigma, floor),
        "uwl": centre + 2 * sigma,
        "lwl": np.maximum(centre - 2 * sigma, floor),
        "in_baseline": in_baseline,
    }, index=index)
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
        for first, last in _clusters(beyond):
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


def _clusters(beyond: np.ndarray) -> list[tuple[int, int]]:
    """Stretches where points beyond a warning line lie within three consecutive points of
    each other (at most one point between), keeping only those with two or more."""
    out = []
    positions = np.flatnonzero(beyond)
    group: list[int] = []
    for p in positions:
        if group and p - group[-1] > 2:
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
