"""Control charts: limits worked by hand, each signal rule with a near miss, baselines,
and the plain-words description of signals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis.dispersion import pearson_dispersion
from csp_dash.analysis.spc import (CHART_TYPES, ChartChoice, SeriesChart, choose_chart, control_chart,
                                   describe_signals, recent_signals, series_chart)

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
    (lambda v: control_chart(v, "p"), "kind must be one of c, u, xmr, laney; got 'p'"),
    (lambda v: control_chart(v, "u"), "a u-chart needs exposure (e.g. residents in thousands for each month)"),
    (lambda v: control_chart(v, "u", exposure=monthly([1, 0, 1])),
     "exposure must be a positive number for every month with a value; Feb 2018 has 0"),
    (lambda v: control_chart(v, "u", exposure=monthly([1, 1])),
     "exposure must be a positive number for every month with a value; Mar 2018 has none"),
    (lambda v: control_chart(v, "c", exposure=monthly([1, 1, 1])),
     "exposure is for u- and Laney charts only; kind is 'c'"),
    (lambda v: control_chart(v, "xmr", exposure=monthly([1, 1, 1])),
     "exposure is for u- and Laney charts only; kind is 'xmr'"),
    (lambda v: control_chart(v, "laney", exposure=monthly([1, 0, 1])),
     "exposure must be a positive number for every month with a value; Feb 2018 has 0"),
    (lambda v: control_chart(v, "laney", baseline=(pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-01"))),
     "a Laney chart needs at least two consecutive baseline values"),
    (lambda v: control_chart(v * 0, "laney"), "a Laney chart needs some records in the baseline months"),
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
    assert CHART_TYPES == ("c", "u", "xmr", "laney")


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


# -- Laney u' and c' charts --------------------------------------------------------------------

# Six months of counts over exposures 1, 4, 1, 4, 1, 4 (sum 15); counts sum 6+12+2+24+4+12 = 60.
LANEY_COUNTS = [6, 12, 2, 24, 4, 12]
LANEY_EXPOSURE = [1, 4, 1, 4, 1, 4]


def test_laney_u_prime_by_hand():
    chart = control_chart(monthly(LANEY_COUNTS), "laney", exposure=monthly(LANEY_EXPOSURE))
    # u_i = x_i / n_i = 6, 3, 2, 6, 4, 3.  Centre u = 60 / 15 = 4.
    # sigma_i = sqrt(4 / n_i): sqrt(4) = 2 for n = 1, sqrt(1) = 1 for n = 4.
    # z_i = (u_i - 4) / sigma_i = 2/2, -1/1, -2/2, 2/1, 0/2, -1/1 = 1, -1, -1, 2, 0, -1.
    # Moving ranges of z: |-1-1| = 2, |-1+1| = 0, |2+1| = 3, |0-2| = 2, |-1-0| = 1; mean 8 / 5 = 1.6.
    # sigma_z = 1.6 / 1.128 = 1.41843971631...
    sigma_z = 1.6 / 1.128
    assert chart["value"].tolist() == [6, 3, 2, 6, 4, 3]
    assert chart["centre"].tolist() == [4] * 6
    assert chart["sigma_z"].iloc[0] == pytest.approx(1.4184397163120568, abs=1e-9)
    assert chart["sigma_z"].iloc[0] == pytest.approx(sigma_z, abs=1e-12)
    # n = 4 (Feb): sigma = 1 x 1.41844; UCL 4 + 3 x 1.41844 = 4 + 4.8 / 1.128 = 8.25531914894;
    # LCL 4 - 4.25532 < 0 -> 0; UWL 4 + 3.2 / 1.128 = 6.83687943262; LWL 4 - 2.83688 = 1.16312056738.
    assert limits(chart)[1] == pytest.approx([4, 8.25531914893617, 0, 6.836879432624113, 1.1631205673758866],
                                             abs=1e-9)
    # n = 1 (Jan): sigma = 2 x 1.41844; UCL 4 + 9.6 / 1.128 = 12.5106382979; LCL and LWL (4 - 5.67) floored at 0.
    assert limits(chart)[0] == pytest.approx([4, 12.51063829787234, 0, 9.673758865248226, 0], abs=1e-9)
    assert chart["sigma"].tolist() == pytest.approx([2 * sigma_z, sigma_z] * 3, abs=1e-12)
    assert list(chart.columns[:4]) == ["value", "centre", "sigma", "sigma_z"]
    assert chart.attrs == {"kind": "laney", "chart_name": "Laney u\u2032-chart"}
    assert not chart["any_signal"].any()


def test_laney_limits_extend_beyond_the_baseline_and_describe_signals_reads_them():
    counts, exposure = monthly(LANEY_COUNTS + [40]), monthly(LANEY_EXPOSURE + [4])
    chart = control_chart(counts, "laney", exposure=exposure, baseline=(counts.index[0], counts.index[5]))
    # July: 40 / 4 = 10 against the n = 4 UCL of 8.255 (as above) - beyond. A plain u-chart would
    # have UCL 4 + 3 x 1 = 7; Laney's is wider by sigma_z = 1.418.
    assert chart["ucl"].iloc[6] == pytest.approx(4 + 4.8 / 1.128, abs=1e-9)
    assert flagged(chart, "beyond") == ["2018-07"]
    assert describe_signals(chart)["text"].tolist() == ["Jul 2018: 10 is above the upper control limit (8.26)"]


def test_laney_c_prime_is_an_xmr_chart_of_the_counts():
    counts = monthly([120, 95, 140, 128, 110, 150, 104, 133, 130, 118, 105, 126, 180, 175])
    base = (counts.index[0], counts.index[11])
    laney = control_chart(counts, "laney", baseline=base)
    xmr = control_chart(counts, "xmr", baseline=base)
    # c' : sigma_i = sqrt(c) for every month, so z = (x - c) / sqrt(c), MR(z) = MR(x) / sqrt(c),
    # sigma_z = MR(x)bar / (1.128 sqrt(c)) and sigma_i x sigma_z = MR(x)bar / 1.128: XmR's sigma.
    # Centre (120 + 95 + ... + 126) / 12 = 1459 / 12 = 121.5833; moving ranges 25, 45, 12, 18, 40, 46,
    # 29, 3, 12, 13, 21 = 264, mean 24; sigma 24 / 1.128 = 21.2766; UCL 121.5833 + 63.8298 = 185.4131.
    assert laney["centre"].iloc[0] == pytest.approx(1459 / 12, abs=1e-9)
    assert laney["sigma"].iloc[0] == pytest.approx(24 / 1.128, abs=1e-9)
    assert laney["ucl"].iloc[0] == pytest.approx(1459 / 12 + 72 / 1.128, abs=1e-9)
    for col in ["value", "centre", "sigma", "ucl", "lcl", "uwl", "lwl"]:
        assert laney[col].tolist() == pytest.approx(xmr[col].tolist(), abs=1e-9), col
    for col in RULES + ["any_signal", "in_baseline"]:
        assert laney[col].tolist() == xmr[col].tolist(), col
    assert laney["sigma_z"].iloc[0] == pytest.approx(24 / 1.128 / math.sqrt(1459 / 12), abs=1e-9)
    assert laney.attrs["chart_name"] == "Laney c\u2032-chart (XmR of the counts)"
    # The one difference: a count cannot be negative, so Laney's lower lines stop at 0 and XmR's do not.
    low = monthly([1, 5, 1, 5])
    assert control_chart(low, "xmr")["lcl"].iloc[0] == pytest.approx(-7.638298, abs=1e-6)
    assert control_chart(low, "laney")["lcl"].iloc[0] == 0
    assert control_chart(low, "laney")["ucl"].iloc[0] == pytest.approx(3 + 12 / 1.128, abs=1e-9)


# -- gaps: a month without data breaks everything ----------------------------------------------

@pytest.mark.parametrize("kind", ["xmr", "laney"])
def test_moving_ranges_never_pair_across_a_missing_month(kind):
    chart = control_chart(monthly([10, 14, np.nan, 12, 18, 16]), kind)
    # Centre (10 + 14 + 12 + 18 + 16) / 5 = 14. Moving ranges |14-10| = 4, then none for
    # 14 -> NaN or NaN -> 12, then |18-12| = 6, |16-18| = 2: mean 12 / 3 = 4, sigma 4 / 1.128.
    # (Pairing 14 with 12 across the gap would give 4, 2, 6, 2: mean 3.5.)
    assert chart["centre"].iloc[0] == 14
    assert chart["sigma"].iloc[0] == pytest.approx(4 / 1.128, abs=1e-9)
    assert chart["ucl"].iloc[0] == pytest.approx(14 + 12 / 1.128, abs=1e-9)


def test_two_of_three_is_not_found_across_a_missing_month():
    # The baseline's UWL is 24: 25, 20, 25 is the pattern, 25, NaN, 25 is not.
    assert signals(with_baseline([25, 20, 25])) == {"two_of_three": ["2019-01", "2019-03"]}
    assert signals(with_baseline([25, np.nan, 25])) == {}
    assert signals(with_baseline([7, np.nan, 7])) == {}
    # Neighbours beside a gap still make the pattern between themselves.
    assert signals(with_baseline([25, 25, np.nan, 25])) == {"two_of_three": ["2019-01", "2019-02"]}
    # A chain 25, 20, 25, NaN, 25 stops at the gap: the last 25 is on its own.
    assert signals(with_baseline([25, 20, 25, np.nan, 25])) == {"two_of_three": ["2019-01", "2019-03"]}
    assert describe_signals(with_baseline([25, 20, 25, np.nan, 25]))["text"].tolist() == [
        "Jan 2019 to Mar 2019: 2 of 3 months above the upper warning line (2 sigma)"]


def test_runs_and_trends_are_broken_by_a_missing_month():
    # Seven above the centre (16) with a gap after the third: two runs of 3 and 4, no signal.
    assert signals(with_baseline([17, 17, 17, np.nan, 17, 17, 17, 17])) == {}
    # Seven in a row then the gap: the run is the seven before it.
    assert signals(with_baseline([17] * 7 + [np.nan])) == {"run": [f"2019-{m:02d}" for m in range(1, 8)]}
    # Six rising either side of a gap: 10 < 12 < 13, gap, 15 < 17 < 19 - two rises of three.
    assert signals(with_baseline([10, 12, 13, np.nan, 15, 17, 19])) == {}
    assert signals(with_baseline([22, 20, 19, np.nan, 17, 15, 13])) == {}
    # The missing month itself is never flagged.
    chart = with_baseline([29, np.nan, 29])
    assert flagged(chart, "any_signal") == ["2019-01", "2019-03"]


# -- which chart -----------------------------------------------------------------------------

def test_choose_chart_keeps_poisson_counts_on_a_c_or_u_chart():
    counts = monthly(np.random.default_rng(2024).poisson(50, 36))
    choice = choose_chart(counts)
    # Pearson X2 = sum (x - mean)^2 / mean on 35 df: 39.29, phi 1.12, p = 0.284 - Poisson-like.
    assert isinstance(choice, ChartChoice)
    assert (choice.kind, choice.name) == ("c", "c-chart")
    assert choice.dispersion == pearson_dispersion([counts.to_numpy()])
    assert choice.dispersion.df == 35 and choice.dispersion.phi == pytest.approx(1.1225721, abs=1e-6)
    assert choice.reason == "c-chart: the baseline months vary as Poisson counts do (dispersion test p = 0.28)."
    u = choose_chart(counts, exposure=monthly([2.5] * 36))
    assert (u.kind, u.name) == ("u", "u-chart")
    assert u.reason == "u-chart: the baseline months vary as Poisson counts do (dispersion test p = 0.28)."


def test_choose_chart_picks_laney_for_overdispersed_counts():
    counts = monthly([80, 120] * 6)
    choice = choose_chart(counts)
    # Mean 100; X2 = 12 x 20^2 / 100 = 48 on 11 df: phi 48 / 11 = 4.36, p = 1.4e-6.
    assert choice.kind == "laney"
    assert choice.dispersion.chi2 == pytest.approx(48, abs=1e-9)
    assert choice.dispersion.phi == pytest.approx(48 / 11, abs=1e-9)
    assert choice.name == "Laney c\u2032-chart (XmR of the counts)"
    assert choice.reason == ("Laney c\u2032-chart (XmR of the counts): the baseline months vary 4.4 times as much as "
                             "Poisson counts would (dispersion test p < 0.001), so Poisson limits would flag "
                             "ordinary months.")
    u = choose_chart(counts, exposure=monthly([3] * 12))
    # Equal exposures: expected count = 3 x 1200 / 36 = 100 each month, the same X2.
    assert (u.kind, u.name) == ("laney", "Laney u\u2032-chart")
    assert u.reason.startswith("Laney u\u2032-chart: the baseline months vary 4.4 times as much")


def test_choose_chart_reads_only_the_baseline_months():
    # 95, 105 alternating: X2 = 12 x 25 / 100 = 3 on 11 df, p = 0.99. Then a wild year.
    counts = monthly([95, 105] * 6 + [80, 120] * 6)
    calm = choose_chart(counts, baseline=(counts.index[0], counts.index[11]))
    assert calm.kind == "c" and calm.dispersion.chi2 == pytest.approx(3, abs=1e-9)
    assert calm.reason == "c-chart: the baseline months vary as Poisson counts do (dispersion test p = 0.99)."
    assert choose_chart(counts).kind == "laney"


# -- one baseline and one chart per series -----------------------------------------------------

def gappy(after: list[float]) -> pd.Series:
    """Oct 2018 to Feb 2019 held (5 months of 500), Mar 2019 to Apr 2021 not (26 months), then
    ``after`` from May 2021 (40 months: to Aug 2024)."""
    return monthly([500] * 5 + [np.nan] * 26 + list(after), start="2018-10-01")


def test_series_chart_baseline_is_the_run_after_the_gap():
    values = gappy([95, 105] * 20)
    window = pd.Timestamp("2023-09-01")  # the latest 12 months are Sep 2023 to Aug 2024
    assert values.index[-12] == window
    sc = series_chart(values, window_start=window)
    assert isinstance(sc, SeriesChart)
    # Held months before Sep 2023: Oct 2018-Feb 2019 (5) and May 2021-Aug 2023 (28): the latest run of 12+.
    assert sc.baseline == (pd.Timestamp("2021-05-01"), pd.Timestamp("2023-08-01"))
    chart = sc.chart
    assert chart.index.equals(values.index)
    assert flagged(chart, "in_baseline")[0] == "2021-05" and chart["in_baseline"].sum() == 28
    # Centre from 14 x 95 + 14 x 105 = 2800 over 28 months = 100; the 500s before the gap take no part.
    assert chart["centre"].iloc[-1] == 100
    # The limits hold only in the baseline's run: the 500s before the gap are not judged against them.
    before = chart.loc["2018-10-01":"2019-02-01"]
    assert before["ucl"].isna().all() and not before["any_signal"].any() and (before["value"] == 500).all()
    # 95/105: X2 = 28 x 25 / 100 = 7 on 27 df, p = 1.00 - a c-chart, sigma 10, limits 70 to 130.
    assert sc.choice.kind == "c" and sc.choice.dispersion.chi2 == pytest.approx(7, abs=1e-9)
    assert (chart["ucl"].iloc[-1], chart["lcl"].iloc[-1]) == (130, 70)
    assert sc.note == ("c-chart: the baseline months vary as Poisson counts do (dispersion test p = 1.00). "
                       "Limits from May 2021 to Aug 2023 (28 months).")
    # Months without data stay NaN and raise nothing.
    gap = chart.loc["2019-03-01":"2021-04-01"]
    assert len(gap) == 26 and gap["value"].isna().all() and not gap["any_signal"].any()


def test_series_chart_without_a_window_uses_the_latest_36_months():
    sc = series_chart(gappy([95, 105] * 20))
    # The latest run, May 2021 to Aug 2024 (40 months), cut to its latest 36: Sep 2021 to Aug 2024.
    assert sc.baseline == (pd.Timestamp("2021-09-01"), pd.Timestamp("2024-08-01"))
    assert sc.chart["in_baseline"].sum() == 36
    assert series_chart(gappy([95, 105] * 20), max_baseline=None).baseline[0] == pd.Timestamp("2021-05-01")


def test_series_chart_goes_laney_for_overdispersed_months():
    sc = series_chart(gappy([80, 120] * 20), window_start=pd.Timestamp("2023-09-01"))
    # Baseline May 2021 to Aug 2023, 14 x 80 + 14 x 120: centre 100, X2 = 28 x 400 / 100 = 112 on 27 df.
    # c': z = +-20 / 10 = +-2, moving ranges of z all 4: sigma_z = 4 / 1.128;
    # UCL 100 + 3 x 10 x 4 / 1.128 = 100 + 120 / 1.128 = 206.383 (an XmR chart: 100 + 3 x 40 / 1.128).
    assert sc.choice.kind == "laney"
    assert sc.chart["sigma_z"].iloc[-1] == pytest.approx(4 / 1.128, abs=1e-9)
    assert sc.chart["ucl"].iloc[-1] == pytest.approx(100 + 120 / 1.128, abs=1e-9)
    assert sc.chart["lcl"].iloc[-1] == 0  # 100 - 106.4 floored
    assert sc.note == ("Laney c\u2032-chart (XmR of the counts): the baseline months vary 4.1 times as much as "
                       "Poisson counts would (dispersion test p < 0.001), so Poisson limits would flag ordinary "
                       "months. Limits from May 2021 to Aug 2023 (28 months).")


def test_series_chart_with_no_adequate_baseline_says_why():
    values = gappy([95, 105] * 20)
    # Before Jun 2021 the store holds Oct 2018-Feb 2019 (5) and May 2021 (1).
    sc = series_chart(values, window_start=pd.Timestamp("2021-06-01"))
    assert (sc.chart, sc.choice, sc.baseline) == (None, None, None)
    assert sc.note == ("No control limits: they need 12 consecutive months with data before Jun 2021, and the "
                       "longest run there is 5 (Oct 2018 to Feb 2019).")
    assert series_chart(values, window_start=pd.Timestamp("2018-10-01")).note == (
        "No control limits: there are no months with data before Oct 2018.")
    assert series_chart(monthly([3, 4, 5, np.nan, 6]), min_baseline=4).note == (
        "No control limits: they need 4 consecutive months with data, and the longest run is 3 (Jan 2018 to "
        "Mar 2018).")
    assert series_chart(monthly([3, np.nan, 5, np.nan, 6]), min_baseline=2).note == (
        "No control limits: they need 2 consecutive months with data, and the longest run is 1 (May 2018).")


def test_series_chart_refuses_a_chosen_baseline_across_a_gap():
    values = gappy([95, 105] * 20)
    sc = series_chart(values, baseline=(pd.Timestamp("2018-10-01"), pd.Timestamp("2021-12-01")))
    assert sc.chart is None and sc.baseline is None
    assert sc.note == ("No control limits from Oct 2018 to Dec 2021: the store holds no data for Mar 2019 to "
                       "Apr 2021 (26 months), and every month that sets the limits must have data.")
    ok = series_chart(values, baseline=(pd.Timestamp("2021-05-01"), pd.Timestamp("2021-10-01")))
    # Six months of 95/105: centre 100; the chosen baseline is used as given.
    assert ok.baseline == (pd.Timestamp("2021-05-01"), pd.Timestamp("2021-10-01"))
    assert ok.chart["centre"].iloc[-1] == 100 and ok.chart["in_baseline"].sum() == 6


def test_series_chart_with_exposure_is_a_u_chart():
    counts = monthly([6, 14, 64] * 4)
    exposure = monthly([1, 4, 16] * 4)
    sc = series_chart(counts, exposure=exposure, min_baseline=12)
    # Centre 4 x 84 / (4 x 21) = 4; expected counts 4, 16, 64: X2 per block (6-4)^2/4 + (14-16)^2/16 + 0
    # = 1 + 0.25 = 1.25, x 4 = 5 on 11 df, p = 0.93 - not overdispersed, so a u-chart.
    assert sc.choice.kind == "u" and sc.choice.dispersion.chi2 == pytest.approx(5, abs=1e-9)
    assert sc.chart["ucl"].tolist()[:3] == [10, 7, 5.5]
    assert sc.choice.reason == "u-chart: the baseline months vary as Poisson counts do (dispersion test p = 0.93)."
    assert sc.note.endswith("Limits from Jan 2018 to Dec 2018 (12 months).")


def test_recent_signals_touch_the_latest_months():
    values = monthly([18, 14] * 6 + [16, 16, 16, 16, 16, 29])
    sc = series_chart(values, baseline=(values.index[0], values.index[11]))
    assert recent_signals(sc)["text"].tolist() == ["Jun 2019: 29 is above the upper control limit (28)"]
    quiet = monthly([18, 14] * 6 + [29, 16, 16, 16, 16, 16])
    assert recent_signals(series_chart(quiet, baseline=(quiet.index[0], quiet.index[11]))).empty
    assert len(recent_signals(series_chart(quiet, baseline=(quiet.index[0], quiet.index[11])), last_n=6)) == 1
    none = recent_signals(SeriesChart(None, None, None, "no limits"))
    assert none.empty and list(none.columns) == ["rule", "start", "end", "direction", "text"]


# -- the figure --------------------------------------------------------------------------------

def test_figure_draws_gaps_as_gaps_and_names_the_chart():
    from csp_dash.charts.spc import control_chart_figure

    sc = series_chart(gappy([80, 120] * 20), window_start=pd.Timestamp("2023-09-01"))
    fig = control_chart_figure(sc.chart, "records a month")
    names = [t.name for t in fig.data]
    assert "Laney c\u2032-chart (XmR of the counts) limits (3 sigma)" in names
    for trace in fig.data[:6]:  # value, centre, two limits, two warning lines
        assert trace.connectgaps is False
        y = np.asarray(trace.y, dtype="float64")
        assert np.isnan(y[5:31]).all(), trace.name  # Mar 2019 to Apr 2021: nothing drawn
    assert "no data" in [a.text for a in fig.layout.annotations]
    plain = control_chart_figure(with_baseline([]), "records", chart_name="", title="Burglary")
    assert "Control limits (3 sigma)" in [t.name for t in plain.data]
    assert plain.layout.title.text == "Burglary"
