"""The red/amber/green rule on its boundary cases: exactly on a control limit or a target,
p just either side of 0.05, 11 and 12 periods, missing baseline or target, each polarity."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import poisson

from csp_dash.analysis import rag
from csp_dash.analysis.rag import (
    AMBER,
    GREEN,
    MONITOR,
    NOT_RATED,
    RED,
    Status,
    indicator_status,
    poisson_p_value,
)
from csp_dash.analysis.significance import compare_counts
from csp_dash.analysis.spc import control_chart

BETTER, WORSE, NEITHER = "higher is better", "higher is worse", "neither"
K = 3 / 1.128 / 11  # d(3 sigma)/d(one moving range) of an XmR chart of 12 points


def quarters(values, start="2018-01-01") -> pd.DataFrame:
    starts = pd.date_range(start, periods=len(values), freq="QS")
    return pd.DataFrame({"period": [f"{s.year}-Q{(s.month - 1) // 3 + 1}" for s in starts],
                         "period_type": "quarter", "value": [float(v) for v in values]})


def years(values, start=2015) -> pd.DataFrame:
    return pd.DataFrame({"period": [f"{start + i}/{(start + i + 1) % 100:02d}" for i in range(len(values))],
                         "period_type": "financial_year", "value": [float(v) for v in values]})


def status(values, polarity=WORSE, unit="count", baseline=None, target=None, **kw) -> Status:
    frame = values if isinstance(values, pd.DataFrame) else quarters(values)
    return indicator_status(frame, polarity, unit, baseline, target, **kw)


# Eleven steady quarters, 10 and 12 alternating, then a latest quarter placed exactly on the
# upper control limit of all twelve: x = centre + 3 sigma with x itself in the mean and in the
# last moving range, solved for x.
STEADY = [10, 12] * 5 + [10]
ON_UCL = (sum(STEADY) / 12 + K * (sum(abs(b - a) for a, b in zip(STEADY, STEADY[1:])) - STEADY[-1])) / (1 - 1 / 12 - K)
HIGH_STEADY = [21, 20] * 5 + [21]
ON_LCL = (sum(HIGH_STEADY) / 12 - K * (sum(abs(b - a) for a, b in zip(HIGH_STEADY, HIGH_STEADY[1:]))
                                       + HIGH_STEADY[-1])) / (1 - 1 / 12 - K)


def test_the_boundary_series_really_sit_on_their_limits():
    up = control_chart(pd.Series(STEADY + [ON_UCL]), kind="xmr")
    assert up["value"].iloc[-1] == up["ucl"].iloc[-1] and not up["any_signal"].any()
    down = control_chart(pd.Series(HIGH_STEADY + [ON_LCL]), kind="xmr")
    assert down["value"].iloc[-1] == down["lcl"].iloc[-1] and not down["any_signal"].any()


# -- not enough data -----------------------------------------------------------------------------

def test_no_figures_is_not_rated():
    s = status([math.nan] * 5)
    assert (s.rating, s.method, s.reason) == (NOT_RATED, "not enough data", "No figures yet.")


def test_eleven_periods_and_nothing_to_compare_with_is_not_rated_twelve_get_control_limits():
    eleven = status(STEADY, polarity=WORSE)
    assert (eleven.rating, eleven.method) == (NOT_RATED, "not enough data")
    assert eleven.reason == ("2020-Q3: 10; only 11 quarters of figures (control limits need 12), and no baseline "
                             "or target to compare with.")
    twelve = status(STEADY + [11], polarity=WORSE)
    assert (twelve.rating, twelve.method) == (AMBER, "control limits")
    assert twelve.reason.startswith("2020-Q4: 11, within its usual range (")
    assert twelve.reason.endswith("no signal of change in the 12 quarters shown, and no target or baseline to "
                                  "judge against.")


def test_gaps_do_not_count_as_periods():
    s = status(STEADY + [math.nan, 11], polarity=WORSE)  # 12 figures over 13 quarters
    assert s.method == "control limits"
    s = status([math.nan] + STEADY[:10] + [11], polarity=WORSE)  # 11 figures
    assert s.method == "not enough data"


# -- control limits --------------------------------------------------------------------------------

def test_exactly_on_the_upper_limit_is_no_signal_just_above_is():
    on = status(STEADY + [ON_UCL], polarity=WORSE, unit="score")
    assert (on.rating, on.method) == (AMBER, "control limits")
    assert "within its usual range" in on.reason
    above = STEADY + [ON_UCL + 0.01]
    assert status(above, polarity=WORSE, unit="score").rating == RED
    assert status(above, polarity=BETTER, unit="score").rating == GREEN
    assert status(above, polarity=NEITHER, unit="score").rating == MONITOR
    worse = status(above, polarity=WORSE, unit="score")
    assert worse.reason.startswith("Worse: 2020-Q4 (18.41) is above the upper control limit (18.4).")


def test_exactly_on_the_lower_limit_is_no_signal_just_below_is():
    assert status(HIGH_STEADY + [ON_LCL], polarity=WORSE, unit="score").rating == AMBER
    below = HIGH_STEADY + [ON_LCL - 0.01]
    assert status(below, polarity=WORSE, unit="score").rating == GREEN
    assert status(below, polarity=BETTER, unit="score").rating == RED
    falling = status(below, polarity=NEITHER, unit="score")
    assert falling.rating == MONITOR and falling.reason.startswith("Falling: ")


def test_a_run_ending_in_the_latest_period_is_a_signal_one_that_ended_before_is_not():
    run = [10, 12] * 3 + [14, 15, 14, 15, 14, 15, 14]  # the last 7 above the mean
    s = status(run, polarity=WORSE)
    assert s.rating == RED
    assert "the last 7 quarters are all above the average of the 13 shown" in s.reason
    assert status(run, polarity=BETTER).rating == GREEN
    ended = run + [9]  # the run stops one quarter before the latest
    s = status(ended, polarity=WORSE)
    assert s.rating == AMBER and "within its usual range" in s.reason


def test_a_trend_is_a_signal_and_words_name_it():
    s = status([10, 12] * 3 + [9, 10, 11, 12, 13, 14], polarity=BETTER)
    assert s.rating == GREEN
    assert "the last 6 quarters have each been higher than the one before" in s.reason


def test_signals_pointing_both_ways_are_amber():
    # The last 7 sit above the mean (a run up) while the last 6 each fall (a trend down).
    values = [1, 2, 1, 2, 1, 2, 1, 30, 29, 28, 27, 26, 25]
    s = status(values, polarity=WORSE)
    assert s.rating == AMBER and s.reason.startswith("Mixed signals: ")
    assert status(values, polarity=NEITHER).rating == MONITOR


def test_within_limits_a_target_decides():
    base = [20, 24] * 6  # mean 22, every moving range 4: limits 22 +- 10.64
    met = status(base + [22], polarity=WORSE, target=22)  # exactly on target
    assert (met.rating, met.method) == (GREEN, "target")
    assert "meets the target (22)" in met.reason
    missed = status(base + [24], polarity=WORSE, target=15)  # target inside the usual range
    assert (missed.rating, missed.method) == (AMBER, "control limits")
    assert "the target lies within that range" in missed.reason
    beyond = status(base + [24], polarity=WORSE, target=10)  # below the lower limit (about 11.5)
    assert (beyond.rating, beyond.method) == (RED, "control limits")
    assert "the target (10) lies outside that range, so it will keep being missed" in beyond.reason


def test_a_target_exactly_on_the_limit_is_within_the_range():
    values = STEADY + [11]
    chart = control_chart(pd.Series(values, dtype="float64"), kind="xmr")
    ucl = float(chart["ucl"].iloc[-1])
    assert status(values, polarity=BETTER, unit="score", target=ucl).rating == AMBER
    assert status(values, polarity=BETTER, unit="score", target=ucl + 0.001).rating == RED


def test_within_limits_without_a_target_a_baseline_outside_the_range_decides():
    base = [20, 24] * 6 + [22]  # usual range about 11.4 to 32.6
    assert status(base, polarity=BETTER, baseline=10).rating == GREEN  # the whole range is above it
    assert status(base, polarity=WORSE, baseline=10).rating == RED
    inside = status(base, polarity=WORSE, baseline=25)
    assert inside.rating == AMBER and "which includes the baseline (25): no clear change from it" in inside.reason


def test_no_polarity_is_monitor_whatever_the_evidence():
    assert status([20, 24] * 6 + [22], polarity=NEITHER, target=10, baseline=10).rating == MONITOR
    assert status([5, 6, 7], polarity=NEITHER, baseline=5).rating == MONITOR
    assert status([5, 6, 7], polarity=NEITHER).rating == MONITOR


# -- fewer periods: target ----------------------------------------------------------------------------

def test_exactly_on_target_is_green():
    for polarity in (BETTER, WORSE):
        s = status(years([400, 480, 500]), polarity=polarity, target=500)
        assert (s.rating, s.method) == (GREEN, "target")
        assert s.reason == ("2017/18: 500, meets the target (500); only 3 financial years of figures (control limits "
                            "need 12).")


def test_a_count_short_of_target_p_either_side_of_0_05():
    # Two-sided exact Poisson p: 21 against 13 gives 0.0500 (just above), 31 against 21 gives 0.0483.
    assert poisson_p_value(21, 13) == pytest.approx(2 * poisson.sf(20, 13))
    assert 0.0500 < poisson_p_value(21, 13) < 0.0501
    assert 0.048 < poisson_p_value(31, 21) < 0.049
    above = status(years([15, 21]), polarity=WORSE, target=13)
    assert (above.rating, above.method) == (AMBER, "significance test")
    assert "short of the target (13), but by no more than chance would explain (p = 0.050)" in above.reason
    below = status(years([15, 31]), polarity=WORSE, target=21)
    assert (below.rating, below.method) == (RED, "significance test")
    assert "short of the target (21) by more than chance would explain (p = 0.048)" in below.reason


def test_a_count_below_a_higher_is_better_target():
    s = status(years([320, 540, 410]), polarity=BETTER, target=500)
    assert s.rating == RED and "(p < 0.001)" in s.reason
    assert status(years([495]), polarity=BETTER, target=500).rating == AMBER


def test_other_units_short_of_target_by_5_percent_or_less_are_amber():
    assert status(years([95.0]), polarity=BETTER, unit="percent", target=100).rating == AMBER  # exactly 5%
    s = status(years([94.9]), polarity=BETTER, unit="percent", target=100)
    assert (s.rating, s.method) == (RED, "target")
    assert s.reason.startswith("2015/16: 94.9%, short of the target (100%) by more than 5% of it")
    assert status(years([105.0]), polarity=WORSE, unit="rate per 1,000", target=100).rating == AMBER
    assert status(years([105.1]), polarity=WORSE, unit="rate per 1,000", target=100).rating == RED


def test_a_count_that_is_not_whole_is_compared_plainly():
    assert status(years([10.5]), polarity=WORSE, target=10).rating == AMBER  # 5% over, plainly
    s = status(years([10.6]), polarity=WORSE, target=10)
    assert (s.rating, s.method) == (RED, "target")


# -- fewer periods: baseline --------------------------------------------------------------------------

def test_a_count_against_its_baseline_p_either_side_of_0_05():
    assert 0.0500 < compare_counts(22, 10).p_value < 0.0502
    assert 0.0497 < compare_counts(42, 25).p_value < 0.0499
    above = status(years([12, 22]), polarity=WORSE, baseline=10)
    assert (above.rating, above.method) == (AMBER, "significance test")
    assert "against the baseline (10): up 120%, within normal variation (p = 0.050)" in above.reason
    below = status(years([30, 42]), polarity=WORSE, baseline=25)
    assert (below.rating, below.method) == (RED, "significance test")
    assert "against the baseline (25): up 68%, unlikely to be chance (p < 0.05)" in below.reason
    assert status(years([30, 42]), polarity=BETTER, baseline=25).rating == GREEN
    assert status(years([25, 8]), polarity=BETTER, baseline=25).rating == RED


def test_a_count_equal_to_its_baseline_is_amber():
    s = status(years([660]), polarity=WORSE, baseline=660)
    assert s.rating == AMBER and "against the baseline (660): no different" in s.reason


def test_a_baseline_that_is_an_average_is_tested_as_an_expectation():
    s = status(years([40]), polarity=WORSE, baseline=27.5)
    assert s.method == "significance test"
    assert s.rating == (RED if poisson_p_value(40, 27.5) < 0.05 else AMBER)


def test_other_units_against_a_baseline_within_5_percent_are_amber():
    assert status(years([31.5]), polarity=WORSE, unit="percent", baseline=30).rating == AMBER  # +5% exactly
    s = status(years([13.8]), polarity=WORSE, unit="percent", baseline=29)
    assert (s.rating, s.method) == (GREEN, "baseline")
    assert "down 52% on the baseline (29%)" in s.reason


def test_missing_or_nan_baseline_and_target_are_treated_alike():
    for baseline, target in ((None, None), (math.nan, math.nan)):
        assert status(years([5, 6]), polarity=BETTER, baseline=baseline, target=target).rating == NOT_RATED


# -- disclosure and the API ----------------------------------------------------------------------------

def test_a_sensitive_reason_never_gives_back_a_hidden_count():
    s = status(years([3, 2]), polarity=WORSE, baseline=4, sensitive=True, threshold=4, label="<5")
    assert s.reason == ("2016/17: <5, not significantly different from the baseline (<5); only 2 financial years "
                        "of figures (control limits need 12).")
    values = [1, 3, 0, 2, 4, 1, 0, 2, 3, 1, 2, 9]
    s = status(values, polarity=NEITHER, sensitive=True, threshold=4, label="<5")
    assert s.reason == "Rising: 2020-Q4 (9) is above the upper control limit."
    # The same series, not sensitive, quotes the limit.
    assert status(values, polarity=NEITHER).reason.startswith("Rising: 2020-Q4 (9) is above the upper control "
                                                             "limit (")


def test_status_carries_a_symbol_for_every_rating_and_a_bad_polarity_is_refused():
    symbols = [rag.SYMBOLS[r] for r in rag.RATINGS]
    assert len(set(symbols)) == len(symbols) == 5
    assert status(STEADY + [ON_UCL + 0.01], unit="score").label == "✕ Red"
    with pytest.raises(ValueError, match="polarity must be one of higher is better, higher is worse, neither; "
                                         "got 'up is good'"):
        status([1, 2], polarity="up is good")
