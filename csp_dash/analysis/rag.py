"""Red, amber and green: the status of a priority indicator, by a rule that uses control
limits or a significance test wherever the data allow (docs/methods.md "Priorities: status
and disclosure").

The rule, in order:

1. No figure at all: Not rated.
2. At least ``MIN_PERIODS`` (12) periods with a figure: an XmR chart of the series (limits
   from every period shown).
   a. The latest period is part of a signal (beyond a limit, a run of 7, a trend of 6, 2 of
      3 beyond 2 sigma): Red if the signal points the bad way, Green if the good way
      (conflicting signals: Amber).
   b. Otherwise, with a target: Green if the latest figure meets it; Red if the target lies
      beyond the limits on the good side (the series, as it runs, cannot be expected to meet
      it); Amber if it lies within them (missed, but within normal variation).
   c. Otherwise, with a baseline: Green or Red if the baseline lies beyond the limits on the
      bad or good side (the whole usual range is better or worse than it); Amber if within.
   d. Neither: Amber (no signal of change, nothing to judge against).
3. Fewer periods: the latest figure against the target (else the baseline).
   a. Target met: Green. Missed: for a count, an exact Poisson test of the latest count
      against the target decides Red (p < 0.05) or Amber; for another unit, Red if it is
      missed by more than 5% of the target, Amber if by less.
   b. Baseline only: for counts, ``significance.compare_counts`` (both are observed counts):
      a significant change is Green or Red by its direction, none is Amber; for another
      unit, a change of more than 5% either way is Green or Red, less is Amber.
   c. Neither: Not rated.
4. Polarity "neither" (more reports may be good or bad news): never Red, Amber or Green but
   "Monitor", with the same evidence described in neutral words.

For a sensitive indicator whose figures include a hidden small count, the reason names no
statistic that would give one back (no centre line, limit, percentage change or p-value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import poisson

from csp_dash.analysis.disclosure import display_number, is_suppressed
from csp_dash.analysis.significance import compare_counts, format_change, format_p
from csp_dash.analysis.spc import control_chart, describe_signals

MIN_PERIODS = 12
ALPHA = 0.05
TOLERANCE = 0.05  # plain comparisons: within 5% of the target or baseline is Amber

RED, AMBER, GREEN, MONITOR, NOT_RATED = "Red", "Amber", "Green", "Monitor", "Not rated"
RATINGS = (RED, AMBER, GREEN, MONITOR, NOT_RATED)
# A symbol beside every word and colour, so no status is told by colour alone.
SYMBOLS = {RED: "✕", AMBER: "!", GREEN: "✓", MONITOR: "○", NOT_RATED: "–"}
# Okabe-Ito vermillion, orange, bluish green, blue; grey for not rated.
COLOURS = {RED: "#D55E00", AMBER: "#E69F00", GREEN: "#009E73", MONITOR: "#0072B2", NOT_RATED: "#777777"}
# Streamlit's named colours, for badges.
BADGE_COLOURS = {RED: "red", AMBER: "orange", GREEN: "green", MONITOR: "blue", NOT_RATED: "gray"}

CONTROL_LIMITS, SIGNIFICANCE, TARGET, BASELINE, NOT_ENOUGH = (
    "control limits", "significance test", "target", "baseline", "not enough data")
METHODS = (CONTROL_LIMITS, SIGNIFICANCE, TARGET, BASELINE, NOT_ENOUGH)

POLARITIES = ("higher is better", "higher is worse", "neither")
PERIOD_WORDS = {"month": "months", "quarter": "quarters", "financial_year": "financial years", "year": "years"}


@dataclass(frozen=True)
class Status:
    """An indicator's rating, the symbol shown with it, why (in words, with the numbers) and how."""

    rating: str
    symbol: str
    reason: str
    method: str

    @property
    def label(self) -> str:
        return f"{self.symbol} {self.rating}"


def make_status(rating: str, reason: str, method: str) -> Status:
    return Status(rating, SYMBOLS[rating], reason, method)


def indicator_status(periods: pd.DataFrame, polarity: str, unit: str, baseline: float | None,
                     target: float | None, *, sensitive: bool = False, threshold: int = 4,
                     label: str = "<5") -> Status:
    """The red/amber/green status of one indicator (the rule is in this module's docstring).

    Parameters
    ----------
    periods : one row per period, oldest first, with ``value`` (NaN: no figure for that
        period, which breaks runs and trends) and optionally ``period`` (its label, e.g.
        "2021-Q1") and ``period_type`` ("month", "quarter", "financial_year", "year").
    polarity : "higher is better", "higher is worse" or "neither".
    unit : "count" for counts (tested as Poisson counts); anything else is compared plainly.
    baseline, target : None (or NaN) when not given.
    sensitive, threshold, label : disclosure control for the numbers quoted in the reason.
    """
    return assess(periods, polarity, unit, baseline, target, sensitive=sensitive, threshold=threshold,
                  label=label)[0]


def assess(periods: pd.DataFrame, polarity: str, unit: str, baseline: float | None, target: float | None, *,
           sensitive: bool = False, threshold: int = 4, label: str = "<5") -> tuple[Status, pd.DataFrame | None]:
    """``indicator_status`` and the XmR chart it used (None when the series was too short)."""
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}; got {polarity!r}")
    values = pd.to_numeric(periods["value"], errors="coerce").astype("float64").reset_index(drop=True)
    labels = (periods["period"].astype(str).reset_index(drop=True) if "period" in periods
              else pd.Series([str(i + 1) for i in range(len(values))]))
    kind = str(periods["period_type"].iloc[0]) if "period_type" in periods and len(periods) else ""
    ctx = _Context(
        polarity=polarity, unit=unit, baseline=_number_or_none(baseline), target=_number_or_none(target),
        word=PERIOD_WORDS.get(kind, "periods"), sensitive=sensitive, threshold=threshold, label=label,
    )
    present = values.notna().to_numpy()
    if not present.any():
        return make_status(NOT_RATED, "No figures yet.", NOT_ENOUGH), None
    ctx.quiet = sensitive and (any(is_suppressed(v, threshold) for v in values[present])
                               or (ctx.baseline is not None and is_suppressed(ctx.baseline, threshold)))
    last = int(np.flatnonzero(present)[-1])
    ctx.latest, ctx.latest_label = float(values.iloc[last]), labels.iloc[last]
    n = int(present.sum())
    if n >= MIN_PERIODS:
        try:
            chart = control_chart(values, kind="xmr")
        except ValueError:  # no two neighbouring figures to measure variation from
            chart = None
        if chart is not None:
            return _by_control_limits(chart, last, n, ctx), chart
    return _by_comparison(n, ctx), None


class _Context:
    """What the rule needs to know besides the series, and how to write its numbers."""

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.quiet = False
        self.latest = math.nan
        self.latest_label = ""

    @property
    def good(self) -> str | None:
        return {"higher is better": "up", "higher is worse": "down"}.get(self.polarity)

    def show(self, value: float) -> str:
        """A figure of the series (hidden if it is a small sensitive count)."""
        if self.sensitive and is_suppressed(value, self.threshold):
            return self.label
        return display_number(value) + ("%" if self.unit == "percent" else "")

    def stat(self, value: float) -> str:
        """A derived figure (limit, centre): rounded, never hidden (never quoted when quiet)."""
        text = display_number(round(value) if abs(value) >= 100 else round(value, 1))
        return text + ("%" if self.unit == "percent" else "")

    def rating_for(self, direction: str | None) -> str:
        """Red/Green for a change the bad/good way; Amber for none or mixed; Monitor if no polarity."""
        if self.good is None:
            return MONITOR
        if direction not in ("up", "down"):
            return AMBER
        return GREEN if direction == self.good else RED

    def meets(self, value: float, reference: float) -> bool:
        return value >= reference if self.good == "up" else value <= reference

    def verdict_word(self, direction: str | None) -> str:
        if direction == "mixed":
            return "Mixed signals"
        if self.good is None or direction not in ("up", "down"):
            return {"up": "Rising", "down": "Falling"}.get(direction, "")
        return "Better" if direction == self.good else "Worse"

    def target_note(self) -> str:
        if self.target is None or self.good is None:
            return ""
        met = "met" if self.meets(self.latest, self.target) else "not met"
        return f" Target {self.stat(self.target)}: {met}."


def _by_control_limits(chart: pd.DataFrame, last: int, n: int, ctx: _Context) -> Status:
    signals = describe_signals(chart)
    current = signals[signals["end"] == last]
    # Strongest evidence first: a point beyond a limit, then 2 of 3, a run, a trend.
    current = current.assign(_order=current["rule"].map(_rule_order)).sort_values("_order", kind="stable")
    ucl = float(chart["ucl"].iloc[last])
    # XmR limits can fall below zero; no count, percentage, rate or number of days can.
    lcl = float(chart["lcl"].iloc[last]) if ctx.unit == "score" else max(float(chart["lcl"].iloc[last]), 0.0)
    limits = "" if ctx.quiet else f" ({ctx.stat(lcl)} to {ctx.stat(ucl)})"
    if len(current):
        directions = {"high": "up", "rising": "up", "low": "down", "falling": "down"}
        found = {directions[d] for d in current["direction"]}
        direction = found.pop() if len(found) == 1 else "mixed"
        what = "; ".join(_signal_words(r, chart, n, ctx) for r in current.itertuples())
        reason = f"{ctx.verdict_word(direction)}: {what}.{ctx.target_note()}"
        return make_status(ctx.rating_for(direction), reason, CONTROL_LIMITS)

    opening = f"{ctx.latest_label}: {ctx.show(ctx.latest)}, within its usual range{limits}"
    if ctx.good is None:
        return make_status(MONITOR, f"{opening}: no signal of change in the {n} {ctx.word} shown.",
                           CONTROL_LIMITS)
    if ctx.target is not None:
        if ctx.meets(ctx.latest, ctx.target):
            return make_status(GREEN, f"{opening}; meets the target ({ctx.stat(ctx.target)}).", TARGET)
        beyond = ctx.target > ucl if ctx.good == "up" else ctx.target < lcl
        if beyond:
            return make_status(RED, f"{opening}; the target ({ctx.stat(ctx.target)}) lies outside that range, so "
                                    f"it will keep being missed unless something changes.", CONTROL_LIMITS)
        return make_status(AMBER, f"{opening}; misses the target ({ctx.stat(ctx.target)}), but the target lies "
                                  f"within that range, so it can be met by normal variation.", CONTROL_LIMITS)
    if ctx.baseline is not None:
        b = ctx.baseline
        if b > ucl or b < lcl:
            direction = "up" if b < lcl else "down"
            side = "above" if direction == "up" else "below"
            return make_status(ctx.rating_for(direction),
                               f"{opening}: the whole range lies {side} the baseline ({ctx.show(b)}).",
                               CONTROL_LIMITS)
        return make_status(AMBER, f"{opening}, which includes the baseline ({ctx.show(b)}): no clear change "
                                  f"from it.", CONTROL_LIMITS)
    return make_status(AMBER, f"{opening}: no signal of change in the {n} {ctx.word} shown, and no target or "
                              f"baseline to judge against.", CONTROL_LIMITS)


def _rule_order(rule: str) -> int:
    for i, start in enumerate(("beyond", "2 of 3", "run", "trend")):
        if rule.startswith(start):
            return i
    return 4


def _signal_words(signal, chart: pd.DataFrame, n: int, ctx: _Context) -> str:
    first, last = int(signal.start), int(signal.end)
    count = last - first + 1
    rule = str(signal.rule)
    high = signal.direction in ("high", "rising")
    if rule.startswith("beyond"):
        limit = chart["ucl"].iloc[last] if high else chart["lcl"].iloc[last]
        side = "above the upper" if high else "below the lower"
        number = "" if ctx.quiet else f" ({ctx.stat(limit)})"
        return f"{ctx.latest_label} ({ctx.show(ctx.latest)}) is {side} control limit{number}"
    if rule.startswith("run"):
        centre = "" if ctx.quiet else f" ({ctx.stat(chart['centre'].iloc[last])})"
        return (f"the last {count} {ctx.word} are all {'above' if high else 'below'} the average of the {n} "
                f"shown{centre}")
    if rule.startswith("trend"):
        return f"the last {count} {ctx.word} have each been {'higher' if high else 'lower'} than the one before"
    side = "upper" if high else "lower"
    return f"2 of the last 3 {ctx.word} are close to the {side} control limit (beyond 2 sigma)"


def _by_comparison(n: int, ctx: _Context) -> Status:
    few = f"only {n} {ctx.word if n != 1 else ctx.word.rstrip('s')} of figures (control limits need {MIN_PERIODS})"
    opening = f"{ctx.latest_label}: {ctx.show(ctx.latest)}"
    if ctx.target is not None and ctx.good is not None:
        return _against_target(opening, few, ctx)
    if ctx.baseline is not None:
        return _against_baseline(opening, few, ctx)
    if ctx.good is None:
        return make_status(MONITOR, f"{opening}; {few}.", NOT_ENOUGH)
    return make_status(NOT_RATED, f"{opening}; {few}, and no baseline or target to compare with.", NOT_ENOUGH)


def _against_target(opening: str, few: str, ctx: _Context) -> Status:
    t = ctx.target
    if ctx.meets(ctx.latest, t):
        return make_status(GREEN, f"{opening}, meets the target ({ctx.stat(t)}); {few}.", TARGET)
    if _is_count(ctx.unit, ctx.latest):
        p = poisson_p_value(int(ctx.latest), t)
        significant = p < ALPHA
        p_text = "" if ctx.quiet else f" ({format_p(p, ALPHA, significant)})"
        if significant:
            return make_status(RED, f"{opening}, short of the target ({ctx.stat(t)}) by more than chance would "
                                    f"explain{p_text}; {few}.", SIGNIFICANCE)
        return make_status(AMBER, f"{opening}, short of the target ({ctx.stat(t)}), but by no more than chance "
                                  f"would explain{p_text}; {few}.", SIGNIFICANCE)
    gap = abs(ctx.latest - t)
    share = gap / abs(t) if t != 0 else math.inf
    if share <= TOLERANCE:
        return make_status(AMBER, f"{opening}, short of the target ({ctx.stat(t)}) by {format_change(share * 100)}"
                                  f" of it (5% or less); {few}.", TARGET)
    return make_status(RED, f"{opening}, short of the target ({ctx.stat(t)}) by more than 5% of it; {few}.",
                       TARGET)


def _against_baseline(opening: str, few: str, ctx: _Context) -> Status:
    b = ctx.baseline
    base = f"the baseline ({ctx.show(b)})"
    if _is_count(ctx.unit, ctx.latest):
        if float(b).is_integer() and b >= 0:
            result = compare_counts(int(ctx.latest), int(b), label="latest against baseline", alpha=ALPHA)
            significant, p = result.significant, result.p_value
            words = "no different" if result.words == "no change" else result.words
        else:  # a baseline that is an average, not a count: test against it as an expectation
            p = poisson_p_value(int(ctx.latest), b)
            significant = p < ALPHA
            words = ""
        direction = ("up" if ctx.latest > b else "down") if significant else None
        if ctx.quiet or not words:
            change = {"up": "higher than", "down": "lower than"}.get(direction, "not significantly different from")
            detail = f"{change} {base}" + (" by more than chance would explain" if significant else "")
            if not ctx.quiet and math.isfinite(p):
                detail += f" ({format_p(p, ALPHA, significant)})"
        else:
            detail = f"against {base}: {words}"
        return make_status(ctx.rating_for(direction), f"{opening}, {detail}; {few}.", SIGNIFICANCE)
    change = (ctx.latest - b) / abs(b) if b != 0 else (math.inf if ctx.latest != b else 0.0)
    direction = None if abs(change) <= TOLERANCE else ("up" if change > 0 else "down")
    if direction is None:
        detail = f"within 5% of {base}"
    elif math.isfinite(change):
        detail = f"{'up' if change > 0 else 'down'} {format_change(change * 100)} on {base}"
    else:
        detail = f"{'up' if ctx.latest > b else 'down'} from {base}"
    return make_status(ctx.rating_for(direction), f"{opening}, {detail}; {few}.", BASELINE)


def poisson_p_value(observed: int, expected: float) -> float:
    """Two-sided exact p-value of a count against a fixed expected count (the target), by
    doubling the smaller tail of the Poisson distribution (capped at 1)."""
    if expected <= 0:
        return 1.0 if observed == 0 else 0.0
    lower = float(poisson.cdf(observed, expected))
    upper = float(poisson.sf(observed - 1, expected))
    return min(1.0, 2 * min(lower, upper))


def _is_count(unit: str, value: float) -> bool:
    return unit == "count" and float(value).is_integer() and value >= 0


def _number_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value
