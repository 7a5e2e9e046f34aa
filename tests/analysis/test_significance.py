"""Exact comparison of two counts: hand-worked cases, scipy references, words, and the
period comparisons the partnership reports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, binomtest

from csp_dash.analysis import series as S
from csp_dash.analysis.significance import (CHOSEN_YEAR, COLUMNS, LATEST_MONTH, LATEST_YEAR, ROLLING_12,
                                            compare_counts, format_change, format_p, period_comparisons)


# -- compare_counts: known answers --------------------------------------------------------------

def test_114_against_100_with_equal_exposure():
    result = compare_counts(114, 100, label="2017/18 against 2016/17")
    # Rate ratio 114 / 100 = 1.14, so +14%.
    assert result.ratio == pytest.approx(1.14)
    assert result.change_pct == pytest.approx(14.0)
    # Under no change, 114 of 214 ~ Binomial(214, 0.5); symmetric, so the two-sided exact p is
    # twice the upper tail P(X >= 114) - an independent route to scipy's answer.
    assert result.p_value == pytest.approx(2 * binom.sf(113, 214, 0.5), rel=1e-9)
    assert result.p_value == pytest.approx(binomtest(114, 214, 0.5).pvalue, rel=1e-12)
    assert result.p_value == pytest.approx(0.3742, abs=1e-4)
    # Clopper-Pearson for 114/214 is (0.463475, 0.601027); p/(1-p) maps it to the rate ratio:
    # 0.463475/0.536525 = 0.86385, 0.601027/0.398973 = 1.50643.
    assert result.ci_low == pytest.approx(0.86385, abs=1e-5)
    assert result.ci_high == pytest.approx(1.50643, abs=1e-5)
    assert not result.significant
    assert result.words == "up 14%, within normal variation (p = 0.37)"
    assert result.label == "2017/18 against 2016/17"
    assert (result.current, result.baseline, result.exposure_ratio) == (114, 100, 1.0)


def test_none_against_five_worked_by_hand():
    result = compare_counts(0, 5)
    # P(X = 0) = P(X = 5) = 1/32 under Binomial(5, 0.5); both as unlikely, so p = 2/32 = 0.0625.
    assert result.p_value == pytest.approx(0.0625, rel=1e-12)
    # Clopper-Pearson with no successes: upper = 1 - 0.025^(1/5) = 1 - 0.478176 = 0.521824, lower 0;
    # as a rate ratio 0.521824 / 0.478176 = 1.091279.
    assert result.ci_low == 0
    assert result.ci_high == pytest.approx(1.091279, abs=1e-6)
    assert result.ratio == 0 and result.change_pct == -100
    assert result.words == "down 100%, within normal variation (p = 0.063)"


@pytest.mark.parametrize("current, baseline, exposure_ratio", [
    (114, 100, 1.0), (100, 114, 1.0), (3, 11, 1.0), (18240, 16000, 1.0), (6319, 7100, 1.0),
    (121, 100, 1.1), (40, 90, 0.5), (7, 2, 12.0),
])
def test_p_value_and_interval_match_scipy(current, baseline, exposure_ratio):
    result = compare_counts(current, baseline, exposure_ratio)
    n, e = current + baseline, exposure_ratio
    reference = binomtest(current, n, e / (1 + e))
    ci = reference.proportion_ci(confidence_level=0.95, method="exact")
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    assert result.ci_low == pytest.approx(ci.low / (1 - ci.low) / e, rel=1e-12)
    assert result.ci_high == pytest.approx(ci.high / (1 - ci.high) / e, rel=1e-12)
    assert result.ratio == pytest.approx(current / baseline / e, rel=1e-12)
    # The interval always holds its own point estimate.
    assert result.ci_low <= result.ratio <= result.ci_high


def test_population_growth_is_allowed_for_by_the_exposure_ratio():
    # 121 crimes against 100 while residents grew 10%: per resident 121 / (100 x 1.1) = 1.10, +10%,
    # not the +21% the raw counts show.
    grown = compare_counts(121, 100, exposure_ratio=1.1)
    raw = compare_counts(121, 100)
    assert grown.change_pct == pytest.approx(10.0)
    assert raw.change_pct == pytest.approx(21.0)
    # The null proportion moves from 1/2 to 1.1 / 2.1 = 0.5238.
    assert grown.p_value == pytest.approx(binomtest(121, 221, 1.1 / 2.1).pvalue, rel=1e-12)
    assert grown.p_value > raw.p_value
    assert grown.words == "up 10%, within normal variation (p = 0.50)"
    # Counts rising exactly with the population are no change.
    same = compare_counts(110, 100, exposure_ratio=1.1)
    assert same.ratio == pytest.approx(1.0) and same.words == "no change"


@pytest.mark.parametrize("current, baseline, words", [
    (18240, 16000, "up 14%, unlikely to be chance (p < 0.001)"),
    (1068, 1200, "down 11%, unlikely to be chance (p = 0.006)"),
    (89, 100, "down 11%, within normal variation (p = 0.47)"),
    (1005, 1000, "up 0.5%, within normal variation (p = 0.93)"),
    (100, 100, "no change"),
    (0, 0, "no records in either period"),
    (5, 0, "up from none to 5, within normal variation (p = 0.063)"),
    # -99.9% must not round to a 100% fall while one record is left.
    (1, 1000, "down 99.9%, unlikely to be chance (p < 0.001)"),
])
def test_words(current, baseline, words):
    assert compare_counts(current, baseline).words == words


def test_no_records_and_a_zero_baseline_leave_what_cannot_be_known_as_nan():
    empty = compare_counts(0, 0)
    assert all(math.isnan(x) for x in (empty.ratio, empty.change_pct, empty.ci_low, empty.ci_high, empty.p_value))
    assert not empty.significant
    new = compare_counts(5, 0)
    assert math.isnan(new.ratio) and math.isnan(new.change_pct)
    assert new.ci_high == math.inf and new.ci_low > 0


def test_alpha_sets_significance():
    # p = 0.0059 for 1068 against 1200.
    assert compare_counts(1068, 1200).significant
    assert not compare_counts(1068, 1200, alpha=0.005).significant
    assert compare_counts(1068, 1200, alpha=0.005).words == "down 11%, within normal variation (p = 0.006)"


def test_p_and_change_formatting():
    assert format_p(0.0009) == "p < 0.001"
    assert format_p(0.0625) == "p = 0.063"  # halves round up, not to even
    assert format_p(0.31) == "p = 0.31"
    assert format_p(0.0999) == "p = 0.10"
    assert format_p(0.0496) == "p < 0.05"  # never "p = 0.050" beside "unlikely to be chance"
    assert format_p(0.0504) == "p = 0.050"
    assert format_p(0.999) == "p = 1"
    assert format_change(13.5) == "14%"
    assert format_change(-0.94) == "0.9%"
    assert format_change(0.96) == "1%"
    assert format_change(0.04) == "less than 0.1%"
    assert format_change(99.96) == "100%"
    assert format_change(-99.96) == "99.9%"
    assert format_change(1234.5) == "1,235%"


@pytest.mark.parametrize("args, message", [
    ((-1, 5), "current must not be negative, got -1"),
    ((5, 2.5), "baseline must be a whole number of records, got 2.5"),
    ((5, 5, 0.0), "exposure_ratio must be a positive number, got 0.0"),
    ((5, 5, float("nan")), "exposure_ratio must be a positive number, got nan"),
])
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError) as error:
        compare_counts(*args)
    assert str(error.value) == message


def test_whole_float_counts_from_summed_series_are_accepted():
    assert compare_counts(np.float64(114.0), np.int64(100)).current == 114


# -- period_comparisons ----------------------------------------------------------------------

def three_years() -> pd.Series:
    """Apr 2016 - Jun 2019: 100 a month in 2016/17, 114 in 2017/18, 120 in 2018/19, 130 after."""
    months = pd.date_range("2016-04-01", "2019-06-01", freq="MS")
    fy = S.financial_year_start(months)
    return pd.Series(np.select([fy == 2016, fy == 2017, fy == 2018], [100, 114, 120], 130), index=months,
                     dtype="int64", name="crimes")


def test_period_comparisons_worked_by_hand():
    table = period_comparisons(three_years(), baseline_year=2016, chosen_year=2017)
    assert list(table.columns) == COLUMNS
    assert list(table["comparison"]) == [LATEST_YEAR, ROLLING_12, LATEST_MONTH, CHOSEN_YEAR]
    rows = table.set_index("comparison")
    # 2019/20 has three months only, so the latest complete year is 2018/19: 12 x 120 = 1,440
    # against 12 x 114 = 1,368.
    assert rows.loc[LATEST_YEAR, ["current_label", "baseline_label", "current", "baseline"]].tolist() == [
        "2018/19", "2017/18", 1440, 1368]
    # Jul 2018 - Jun 2019: 9 x 120 + 3 x 130 = 1,470; Jul 2017 - Jun 2018: 9 x 114 + 3 x 120 = 1,386.
    assert rows.loc[ROLLING_12, ["current_label", "baseline_label", "current", "baseline"]].tolist() == [
        "Jul 2018 to Jun 2019", "Jul 2017 to Jun 2018", 1470, 1386]
    assert rows.loc[LATEST_MONTH, ["current_label", "baseline_label", "current", "baseline"]].tolist() == [
        "Jun 2019", "Jun 2018", 130, 120]
    # 12 x 114 = 1,368 against 12 x 100 = 1,200: +14%.
    chosen = rows.loc[CHOSEN_YEAR]
    assert [chosen["current_label"], chosen["baseline_label"], chosen["current"], chosen["baseline"]] == [
        "2017/18", "2016/17", 1368, 1200]
    assert chosen["change_pct"] == pytest.approx(14.0)
    assert chosen["p_value"] == pytest.approx(binomtest(1368, 2568, 0.5).pvalue, rel=1e-12)
    assert chosen["significant"] and chosen["words"].startswith("up 14%, unlikely to be chance")
    assert chosen["ci_low"] < chosen["ratio"] < chosen["ci_high"]
    assert (table["exposure_ratio"] == 1.0).all()
    assert table["method"].str.contains("equal months compared").all()


def test_population_growth_sets_the_exposure_and_says_so():
    series = three_years()
    # 100,000 residents until Mar 2017, 110,000 from Apr 2017.
    population = pd.Series(np.where(series.index < "2017-04-01", 100_000.0, 110_000.0), index=series.index)
    rows = period_comparisons(series, 2016, 2017, population=population).set_index("comparison")
    chosen = rows.loc[CHOSEN_YEAR]
    # Person-months 12 x 110,000 / 12 x 100,000 = 1.1; rate ratio 1,368 / 1,200 / 1.1 = 1.03636.
    assert chosen["exposure_ratio"] == pytest.approx(1.1)
    assert chosen["change_pct"] == pytest.approx(3.636, abs=1e-3)
    assert chosen["words"].startswith("up 4%, ")
    assert "population change is allowed for" in chosen["method"]
    # Same residents in both of the later years: the exposure ratio is 1.
    assert rows.loc[LATEST_YEAR, "exposure_ratio"] == pytest.approx(1.0)


def test_population_missing_for_a_month_is_said_not_guessed():
    series = three_years()
    population = pd.Series(100_000.0, index=series.index[series.index >= "2017-04-01"])
    rows = period_comparisons(series, 2016, 2017, population=population).set_index("comparison")
    assert rows.loc[CHOSEN_YEAR, "exposure_ratio"] == 1.0
    assert rows.loc[CHOSEN_YEAR, "method"].endswith("no population figure for every month, "
                                                     "so population change is not allowed for")
    assert "population change is allowed for" in rows.loc[LATEST_YEAR, "method"]


def test_a_missing_month_drops_the_comparisons_that_need_it():
    series = three_years().astype("float64")
    series["2017-08-01"] = np.nan  # a gap between downloads, not a quiet month
    table = period_comparisons(series, 2016, 2017)
    # 2017/18 is incomplete, and Aug 2017 falls in the rolling twelve before Jul 2018 - Jun 2019.
    assert list(table["comparison"]) == [LATEST_MONTH]


def test_rows_the_data_cannot_support_are_omitted():
    series = three_years()
    # Fewer than thirteen months: nothing to compare.
    assert period_comparisons(series[:12], 2016, 2017).empty
    assert list(period_comparisons(series[:12], 2016, 2017).columns) == COLUMNS
    assert period_comparisons(series.iloc[:0], None, None).empty
    # Thirteen months: only the month against the same month a year before.
    assert list(period_comparisons(series[:13], None, None)["comparison"]) == [LATEST_MONTH]
    # No chosen year, the same year twice, or a year not complete: no fourth row.
    assert CHOSEN_YEAR not in set(period_comparisons(series, None, 2017)["comparison"])
    assert CHOSEN_YEAR not in set(period_comparisons(series, 2017, 2017)["comparison"])
    assert CHOSEN_YEAR not in set(period_comparisons(series, 2016, 2019)["comparison"])


def test_demo_story_recorded_crime_up_14_percent(demo_store):
    crimes = demo_store.read("crimes", columns=["month", "category"])
    months = S.month_index(crimes["month"].min(), crimes["month"].max())
    recorded = S.group_series(S.monthly_counts(crimes, months), S.ALL_CRIME)
    rows = period_comparisons(recorded, baseline_year=2016, chosen_year=2017).set_index("comparison")
    chosen = rows.loc[CHOSEN_YEAR]
    print(f"\ndemo recorded crime: {chosen['baseline']:,} -> {chosen['current']:,}, {chosen['words']}")
    assert chosen["change_pct"] == pytest.approx(14, abs=0.5)
    assert chosen["significant"] and chosen["p_value"] < 0.001
    assert chosen["words"] == "up 14%, unlikely to be chance (p < 0.001)"
