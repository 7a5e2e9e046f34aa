"""Control charts: limits worked by hand, each signal rule with a near miss, baselines,
and the plain-words description of signals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis.spc import CHART_TYPES, control_chart, describe_signals

RULES = ["beyond", "run", "trend", "two_of_three"]


def monthly(values, start="2018-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype="float64")


def limits(chart: pd.DataFrame) -> list[list[float]]:
    return chart[["centre", "ucl", "lcl", "uwl", "lwl"]].to_numpy().tolist()


def with_baseline(tail: list[float]) -> pd.DataFrame:
    """A c-chart whose limits come from Jan-Dec 2018 = 18, 14, 18, ... 14, followed by ``tail``
    from Jan 2019.

    Centre 12 x 16 / 12 = 16, sigma sqrt(16) = 4: UCL 16 + 12 = 28, LCL 16 - 12 = 4,
    warning lines 16 + 8 = 24 and 16 - 8 = 8. The alternating baseline raises no signal itself,
    and it ends on 14 (below the centre, and above 10, 12 or 13) so the tail's runs and trends
    are the tail's own.
    """
    values = monthly([18, 14] * 6 + list(tail))
    return control_chart(values, "c", baseline=(pd.Timestamp("2018-01-01"), pd.Timestamp("2018-12-01")))


def flagged(chart: pd.DataFrame, rule: str) -> list[str]:
    return [f"{m:%Y-%m}" for m in chart.index[chart[rule].to_numpy()]]


def signals(chart: pd.DataFrame) -> dict[str, list[str]]:
    return {rule: flagged(chart, rule) for rule in RULES if chart[rule].any()}


# -- limits ----------------------------------------------------------------------------------

def test_c_chart_limits_by_hand():
    chart = control_chart(monthly([12, 16, 20, 14, 18]))
    # Mean (12 + 16 + 20 + 14 + 18) / 5 = 80 / 5 = 16; sigma = sqrt(16) = 4.
    # UCL 16 + 3 x 4 = 28, LCL 16 - 12 = 4, UWL 16 + 8 = 24, LWL 16 - 8 = 8.
    assert limits(chart) == [[16, 28, 4, 24, 8]] * 5
    assert chart["value"].tolist() == [12, 16, 20, 14, 18]
    assert chart["in_baseline"].all()
    assert not chart["any_signal"].any()
    assert list(chart.columns) == ["value", "centre", "sigma", "ucl", "lcl", "uwl", "lwl", "in_baseline",
                                   *RULES, "any_signal"]


def test_c_chart_lower_lines_are_floored_at_zero():
    chart = control_chart(monthly([2, 4, 6, 4]))
    # Mean 16 / 4 = 4, sigma 2: UCL 10, LCL 4 - 6 = -2 -> 0, UWL 8, LWL 4 - 4 = 0.
    assert limits(chart) == [[4, 10, 0, 8, 0]] * 4


def test_u_chart_limits_vary_with_exposure():
    counts = monthly([6, 14, 64])
    exposure = monthly([1, 4, 16])
    chart = control_chart(counts, "u", exposure=exposure)
    # Centre = (6 + 14 + 64) / (1 + 4 + 16) = 84 / 21 = 4.
    # sigma_i = sqrt(4 / n_i): sqrt(4) = 2, sqrt(1) = 1, sqrt(0.25) = 0.5.
    # Values 6/1 = 6, 14/4 = 3.5, 64/16 = 4.
    assert chart["value"].tolist() == [6, 3.5, 4]
    assert chart["sigma"].tolist() == [2, 1, 0.5]
    assert limits(chart) == [
        [4, 10, 0, 8, 0],  # LCL 4 - 6 = -2 -> 0; LWL 4 - 4 = 0
        [4, 7, 1, 6, 2],
        [4, 5.5, 2.5, 5, 3],
    ]


def test_u_chart_same_rate_can_be_a_signal_only_with_more_exposure():
    # Limits from the first three months (centre 4, as above). Then a rate of 6 on exposure 16
    # (96 / 16): sigma 0.5, UCL 5.5, so 6 is beyond; the same rate on exposure 1 was within (UCL 10).
    counts = monthly([6, 14, 64, 96])
    exposure = monthly([1, 4, 16, 16])
    chart = control_chart(counts, "u", exposure=exposure, baseline=(counts.index[0], counts.index[2]))
    assert chart["centre"].iloc[0] == 4
    assert flagged(chart, "beyond") == ["2018-04"]


def test_xmr_limits_by_hand():
    chart = control_chart(monthly([10, 14, 12, 18, 16]), "xmr")
    # Mean 70 / 5 = 14. Moving ranges |14-10|, |12-14|, |18-12|, |16-18| = 4, 2, 6, 2; mean 14 / 4 = 3.5.
    # sigma = 3.5 / 1.128 = 3.102837; UCL 14 + 9.308511, LCL 14 - 9.308511, warning lines 14 +- 6.205674.
    assert chart["sigma"].iloc[0] == pytest.approx(3.102837, abs=1e-6)
    assert limits(chart)[0] == pytest.approx([14, 23.308511, 4.691489, 20.205674, 7.794326], abs=1e-6)


def test_xmr_lower_limits_are_not_floored():
    chart = control_chart(monthly([1, 5, 1, 5]), "xmr")
    # Mean 3; moving ranges 4, 4, 4 -> sigma 4 / 1.128 = 3.546099; LCL 3 - 10.638298 = -7.638298.
    assert chart["lcl"].iloc[0] == pytest.approx(-7.638298, abs=1e-6)
    assert chart["lwl"].iloc[0] == pytest.approx(-4.092199, abs=1e-6)


def test_xmr_moving_ranges_come_from_the_baseline_only():
    values = monthly([10, 14, 12, 18, 16, 40])
    chart = control_chart(values, "xmr", baseline=(values.index[0], values.index[4]))
    # As above: the jump 16 -> 40 is outside the baseline and does not widen the limits.
    assert limits(chart)[5] == pytest.approx([14, 23.308511, 4.691489, 20.205674, 7.794326], abs=1e-6)
    assert flagged(chart, "beyond") == ["2018-06"]


def test_baseline_recalculation_changes_the_limits_and_the_signals():
    values = monthly([9] * 6 + [25] * 6)
    whole = control_chart(values)
    # All twelve: mean (54 + 150) / 12 = 17, sigma sqrt(17) = 4.1231: UCL 29.369, LCL 4.631,
    # UWL 25.246 - nothing beyond, and six on each side is no run.
    assert limits(whole)[0] == pytest.approx([17, 29.369317, 4.630683, 25.246211, 8.753789], abs=1e-6)
    assert not whole["any_signal"].any()
    first_half = control_chart(values, baseline=(values.index[0], values.index[5]))
    # Jan-Jun only: mean 9, sigma 3: UCL 18, LCL 0 (9 - 9), UWL 15, LWL 3 - so every 25 is beyond.
    assert limits(first_half)[0] == [9, 18, 0, 15, 3]
    assert first_half["in_baseline"].tolist() == [True] * 6 + [False] * 6
    assert flagged(first_half, "beyond") == [f"2018-{m:02d}" for m in range(7, 13)]


# -- rules: each triggered, each with a near miss ---------------------------------------------

def test_the_baseline_pattern_alone_raises_nothing():
    assert signals(with_baseline([])) == {}


def test_beyond_a_control_limit():
    assert signals(with_baseline([29])) == {"beyond": ["2019-01"]}
    assert signals(with_baseline([3])) == {"beyond": ["2019-01"]}
    # On the limit is not beyond it.
    assert signals(with_baseline([28])) == {}
    assert signals(with_baseline([4])) == {}


def test_run_of_seven_on_one_side():
    assert signals(with_baseline([17] * 7)) == {"run": [f"2019-{m:02d}" for m in range(1, 8)]}
    # Below the centre: one month above first, so the run starts in Feb 2019.
    assert signals(with_baseline([17] + [15] * 7)) == {"run": [f"2019-{m:02d}" for m in range(2, 9)]}
    # Six is not enough (the 14 before is below the centre, so the run is only the tail's six).
    assert signals(with_baseline([17] * 6)) == {}


def test_a_point_on_the_centre_breaks_a_run():
    assert signals(with_baseline([17] * 8)) == {"run": [f"2019-{m:02d}" for m in range(1, 9)]}
    # 16 is exactly the centre: four above, then three above - neither is seven.
    assert signals(with_baseline([17, 17, 17, 17, 16, 17, 17, 17])) == {}


def test_trend_of_six_rising_or_falling():
    # 14 (Dec 2018) is above 10, so the rise starts at 10: 10 < 12 < 13 < 15 < 17 < 19, six points.
    assert signals(with_baseline([10, 12, 13, 15, 17, 19])) == {"trend": [f"2019-{m:02d}" for m in range(1, 7)]}
    # 14 < 22, so the fall starts at 22: 22 > 20 > 19 > 17 > 15 > 13.
    assert signals(with_baseline([22, 20, 19, 17, 15, 13])) == {"trend": [f"2019-{m:02d}" for m in range(1, 7)]}
    # Five rising is not a trend.
    assert signals(with_baseline([10, 12, 13, 15, 17])) == {}
    # A repeated value is not a rise: 10, 12, 13 then 13, 15, 17, 19.
    assert signals(with_baseline([10, 12, 13, 13, 15, 17, 19])) == {}


def test_two_of_three_beyond_two_sigma():
    # 25 > UWL 24 twice in three months; the 20 between is not itself a signal.
    assert signals(with_baseline([25, 20, 25])) == {"two_of_three": ["2019-01", "2019-03"]}
    assert signals(with_baseline([7, 7])) == {"two_of_three": ["2019-01", "2019-02"]}
    # A point beyond the control limit is beyond the warning line too.
    assert signals(with_baseline([29, 25])) == {"beyond": ["2019-01"], "two_of_three": ["2019-01", "2019-02"]}
    # One of three, two more than three apart, or one on each side: not the pattern.
    assert signals(with_baseline([25, 20, 20])) == {}
    assert signals(with_baseline([25, 20, 20, 25])) == {}
    assert signals(with_baseline([25, 7])) == {}


def test_any_signal_is_the_union_of_the_rules():
    chart = with_baseline([29, 25, 17, 17, 17, 17, 17, 17])
    expected = chart[RULES].any(axis=1)
    assert chart["any_signal"].tolist() == expected.tolist()
    assert flagged(chart, "any_signal") == [f"2019-{m:02d}" for m in range(1, 9)]


def test_missing_months_take_no_part():
    chart = control_chart(monthly([10, np.nan, 20]))
    # Centre from the two values: (10 + 20) / 2 = 15.
    assert chart["centre"].iloc[0] == 15
    assert not chart.loc[chart["value"].isna(), "any_signal"].any()
    # A u-chart month with neither a count nor an exposure is a gap, not an error.
    u = control_chart(monthly([6, np.nan, 64]), "u", exposure=monthly([1, np.nan, 16]))
    assert u["centre"].iloc[0] == 70 / 17  # (6 + 64) / (1 + 16)
    assert np.isnan(u["value"].iloc[1]) and not u["any_signal"].iloc[1]
    # Seven above the centre with a gap in the middle is two shorter runs.
    assert signals(with_baseline([17, 17, 17, np.nan, 17, 17, 17, 17])) == {}


def test_the_index_is_kept():
    values = monthly([12, 16, 20, 14, 18]).rename_axis("month")
    assert control_chart(values).index.equals(values.index)


@pytest.mark.parametrize("call, message", [
    (lambda v: control_chart(v, "p"), "kind must be one of c, u, xmr; got 'p'"),
    (lambda v: control_chart(v, "u"), "a u-chart needs exposure (e.g. residents in thousands for each month)"),
    (lambda v: control_chart(v, "u", exposure=monthly([1, 0, 1])),
     "exposure must be a positive number for every month with a value; Feb 2018 has 0"),
    (lambda v: control_chart(v, "u", exposure=monthly([1, 1])),
     "exposure must be a positive number for every month with a value; Mar 2018 has none"),
    (lambda v: control_chart(v, "c", exposure=monthly([1, 1, 1])), "exposure is for u-charts only; kind is 'c'"),
    (lambda v: control_chart(v, baseline=(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-01"))),
     "the baseline period holds no values to set the limits from"),
    (lambda v: control_chart(v, baseline=(pd.Timestamp("2018-03-01"), pd.Timestamp("2018-01-01"))),
     "baseline must run forwards; got Mar 2018 to Jan 2018"),
    (lambda v: control_chart(v, "xmr", baseline=(pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-01"))),
     "an XmR chart needs at least two consecutive baseline values"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError) as error:
        call(monthly([5, 6, 7]))
    assert str(error.value) == message


def test_chart_types():
    assert CHART_TYPES == ("c", "u", "xmr")


# -- describe_signals ------------------------------------------------------------------------

def test_each_rule_in_plain_words():
    assert describe_signals(with_baseline([29])).to_dict("records") == [{
        "rule": "beyond a control limit", "start": pd.Timestamp("2019-01-01"), "end": pd.Timestamp("2019-01-01"),
        "direction": "high", "text": "Jan 2019: 29 is above the upper control limit (28)"}]
    low = describe_signals(with_baseline([3])).iloc[0]
    assert (low["direction"], low["text"]) == ("low", "Jan 2019: 3 is below the lower control limit (4)")

    run = describe_signals(with_baseline([17] + [15] * 8)).iloc[0]
    assert (run["rule"], run["direction"], run["text"]) == (
        "run of 8 on one side", "low", "Feb 2019 to Sep 2019: 8 months in a row below the centre line (16)")
    assert (run["start"], run["end"]) == (pd.Timestamp("2019-02-01"), pd.Timestamp("2019-09-01"))

    rising = describe_signals(with_baseline([10, 12, 13, 15, 17, 19])).iloc[0]
    assert (rising["rule"], rising["direction"], rising["text"]) == (
        "trend of 6 rising", "rising", "Jan 2019 to Jun 2019: 6 months in a row, each higher than the one before")
    falling = describe_signals(with_baseline([22, 20, 19, 17, 15, 13, 11])).iloc[0]
    assert (falling["rule"], falling["direction"]) == ("trend of 7 falling", "falling")

    pattern = describe_signals(with_baseline([25, 20, 25])).iloc[0]
    assert (pattern["rule"], pattern["direction"], pattern["text"]) == (
        "2 of 3 beyond 2 sigma", "high", "Jan 2019 to Mar 2019: 2 of 3 months above the upper warning line (2 sigma)")
    assert describe_signals(with_baseline([7, 7])).iloc[0]["text"] == (
        "Jan 2019 to Feb 2019: 2 months in a row below the lower warning line (2 sigma)")


def test_episodes_are_sorted_by_start_and_side_by_side_runs_stay_apart():
    # Seven above then seven below: two runs, not one of fourteen; and a point beyond first.
    chart = with_baseline([3] + [17] * 7 + [15] * 7)
    table = describe_signals(chart)
    assert table[["rule", "start", "direction"]].to_records(index=False).tolist() == [
        ("beyond a control limit", pd.Timestamp("2019-01-01"), "low"),
        ("run of 7 on one side", pd.Timestamp("2019-02-01"), "high"),
        ("run of 7 on one side", pd.Timestamp("2019-09-01"), "low"),
    ]


def test_no_signals_is_an_empty_table_with_the_columns():
    table = describe_signals(with_baseline([]))
    assert table.empty and list(table.columns) == ["rule", "start", "end", "direction", "text"]


def test_rates_read_with_sensible_figures():
    # u-chart: 96 / 16 = 6 is above UCL 5.5.
    counts, exposure = monthly([6, 14, 64, 96]), monthly([1, 4, 16, 16])
    chart = control_chart(counts, "u", exposure=exposure, baseline=(counts.index[0], counts.index[2]))
    assert describe_signals(chart)["text"].tolist() == ["Apr 2018: 6 is above the upper control limit (5.50)"]
    assert math.isclose(chart["ucl"].iloc[3], 5.5)
