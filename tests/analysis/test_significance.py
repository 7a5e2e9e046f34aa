"""Exact comparison of two counts: hand-worked cases, scipy references, words, and the
period comparisons the partnership reports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import binom, binomtest
from scipy.stats import chi2 as chi2_dist
from scipy.stats import f as f_dist
from scipy.stats import t as t_dist

from csp_dash.analysis import series as S
from csp_dash.analysis.dispersion import NOT_ESTIMABLE, Dispersion, pearson_dispersion
from csp_dash.analysis.significance import (CHOSEN_YEAR, COLUMNS, LATEST_MONTH, LATEST_YEAR, ROLLING_12,
                                            Comparison, compare_counts, format_change, format_p,
                                            period_comparisons, quasi_deviance)


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


# -- compare_counts with overdispersed counts: quasi-Poisson ------------------------------------

def overdispersed(phi: float = 4.0, df: int = 22) -> Dispersion:
    """A dispersion as pearson_dispersion would report it for 24 months with X2 = phi x df."""
    return Dispersion(phi=phi, chi2=phi * df, df=df, p_value=float(chi2_dist.sf(phi * df, df)), months=df + 2)


def test_quasi_poisson_120_against_100_worked_by_hand():
    result = compare_counts(120, 100, dispersion=overdispersed(4.0, 22))
    # n = 220, e = 1: mu1 = mu0 = 110.
    # D = 2 [120 ln(120/110) + 100 ln(100/110)] = 2 [120 x 0.0870114 - 100 x 0.0953102]
    #   = 2 [10.441369 - 9.531018] = 2 x 0.910351 = 1.820695.
    assert quasi_deviance(120, 100) == pytest.approx(1.820695, abs=1e-6)
    # F = D / phi = 1.820695 / 4 = 0.455174 on (1, 22) df: upper tail 0.5069. (The exact Poisson
    # test would say p = 0.20, and D alone as chi-squared on 1 df 0.177.)
    assert result.p_value == pytest.approx(f_dist.sf(1.820695 / 4, 1, 22), rel=1e-6)
    assert result.p_value == pytest.approx(0.5069, abs=1e-4)
    # Wald on the log ratio: ln 1.2 = 0.182322; se = sqrt(4 (1/120 + 1/100)) = sqrt(0.073333) = 0.270801;
    # t(0.975, 22) = 2.073873; exp(0.182322 -+ 0.561607) = 0.68435, 2.10419.
    assert result.ci_low == pytest.approx(0.68435, abs=1e-5)
    assert result.ci_high == pytest.approx(2.10419, abs=1e-5)
    assert result.ci_low == pytest.approx(1.2 * math.exp(-t_dist.ppf(0.975, 22) * math.sqrt(4 * (1 / 120 + 1 / 100))))
    assert result.ratio == pytest.approx(1.2) and result.change_pct == pytest.approx(20.0)
    assert not result.significant
    assert result.words == "up 20%, within normal variation (p = 0.51)"
    assert result.method == "quasi-Poisson test (dispersion φ = 4.0 from 24 monthly counts)"
    assert result.dispersion == 4.0


def test_quasi_poisson_deviance_with_an_exposure_ratio_worked_by_hand():
    # 121 against 100 with e = 1.1: mu1 = 221 x 1.1 / 2.1 = 115.7619, mu0 = 221 / 2.1 = 105.2381;
    # D = 2 [121 ln(121/115.7619) + 100 ln(100/105.2381)] = 2 [121 x 0.044257 - 100 x 0.051056] = 0.498678.
    assert quasi_deviance(121, 100, 1.1) == pytest.approx(0.498678, abs=1e-6)
    result = compare_counts(121, 100, 1.1, dispersion=overdispersed(12.3, 22))
    assert result.p_value == pytest.approx(f_dist.sf(0.498678 / 12.3, 1, 22), rel=1e-5)
    assert result.change_pct == pytest.approx(10.0)
    assert result.method == "quasi-Poisson test (dispersion φ = 12.3 from 24 monthly counts)"


# Two financial years of monthly counts (Apr to Mar) that vary about six times as much as Poisson counts.
BASE_YEAR = [310, 270, 350, 290, 240, 330, 300, 260, 380, 280, 250, 320]  # 3,580
CURRENT_YEAR = [330, 300, 390, 280, 290, 360, 340, 270, 420, 300, 310, 350]  # 3,940


@pytest.mark.parametrize("with_population", [False, True])
def test_quasi_poisson_matches_a_statsmodels_glm_with_a_period_dummy(with_population):
    y = np.array(BASE_YEAR + CURRENT_YEAR, dtype="float64")
    period = np.r_[np.zeros(12), np.ones(12)]
    residents = 1000.0 + 5 * np.arange(24) if with_population else np.ones(24)
    offset = np.log(residents)
    full = sm.GLM(y, sm.add_constant(period), family=sm.families.Poisson(), offset=offset).fit(scale="X2",
                                                                                                use_t=True)
    null = sm.GLM(y, np.ones((24, 1)), family=sm.families.Poisson(), offset=offset).fit()
    exposures = [residents[12:], residents[:12]] if with_population else None
    dispersion = pearson_dispersion([CURRENT_YEAR, BASE_YEAR], exposures)
    # phi is the GLM's Pearson chi2 / residual df (22), about 6.1.
    assert full.df_resid == dispersion.df == 22
    assert dispersion.phi == pytest.approx(full.pearson_chi2 / full.df_resid, rel=1e-10)
    assert dispersion.overdispersed
    result = compare_counts(3940, 3580, residents[12:].sum() / residents[:12].sum(), dispersion=dispersion)
    # The quasi-likelihood F test: deviance dropped by the period dummy, over the scale, on 1 and 22 df.
    assert quasi_deviance(3940, 3580, result.exposure_ratio) == pytest.approx(null.deviance - full.deviance,
                                                                              rel=1e-9)
    assert result.p_value == pytest.approx(f_dist.sf((null.deviance - full.deviance) / full.scale, 1, 22),
                                           rel=1e-9)
    # And the interval is the GLM's t-based Wald interval for the dummy's coefficient, exponentiated.
    low, high = np.exp(full.conf_int()[1])
    assert (result.ci_low, result.ci_high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    assert result.ratio == pytest.approx(math.exp(full.params[1]), rel=1e-9)
    # Up 10% in counts (4% per resident) is within normal variation here, where the exact test,
    # taking the counts as Poisson, calls the 10% unlikely to be chance.
    assert not result.significant
    if not with_population:
        assert result.words == "up 10%, within normal variation (p = 0.11)"
        assert compare_counts(3940, 3580).words == "up 10%, unlikely to be chance (p < 0.001)"


@pytest.mark.parametrize("dispersion", [
    None,
    NOT_ESTIMABLE,
    pearson_dispersion([[100, 104, 97, 101, 99, 103], [90, 93, 88, 91, 92, 89]]),  # phi well under 1
    overdispersed(1.4, 22),  # more spread than Poisson, but not significantly (dispersion p = 0.10)
], ids=["none", "not estimable", "poisson-like", "not significant"])
def test_the_exact_test_is_kept_unless_the_counts_are_overdispersed(dispersion):
    assert dispersion is None or not dispersion.overdispersed
    result = compare_counts(114, 100, dispersion=dispersion)
    assert result == compare_counts(114, 100)
    assert result.method == "exact Poisson test" and result.dispersion == 1.0
    assert result.p_value == pytest.approx(binomtest(114, 214, 0.5).pvalue, rel=1e-12)


def test_comparison_built_the_old_way_defaults_to_the_exact_test():
    old = Comparison("x", 1, 1, 1.0, 1.0, 0.0, 0.5, 2.0, 1.0, False, "no change")
    assert (old.method, old.dispersion) == ("exact Poisson test", 1.0)


def test_quasi_poisson_with_a_zero_count_or_none_at_all():
    # 5 against 0, e = 1: mu1 = 2.5, D = 2 x 5 ln 2 = 6.931472; F = 6.931472 / 4 = 1.732868.
    new = compare_counts(5, 0, dispersion=overdispersed())
    assert new.p_value == pytest.approx(f_dist.sf(10 * math.log(2) / 4, 1, 22), rel=1e-9)
    assert new.p_value == pytest.approx(0.2016, abs=1e-4)
    # The log ratio is infinite: no Wald bound below, nothing above.
    assert math.isnan(new.ci_low) and new.ci_high == math.inf and math.isnan(new.ratio)
    assert new.words == "up from none to 5, within normal variation (p = 0.20)"
    gone = compare_counts(0, 5, dispersion=overdispersed())
    assert gone.p_value == pytest.approx(new.p_value, rel=1e-12)
    assert gone.ci_low == 0 and math.isnan(gone.ci_high) and gone.ratio == 0
    assert gone.words == "down 100%, within normal variation (p = 0.20)"
    empty = compare_counts(0, 0, dispersion=overdispersed())
    assert math.isnan(empty.p_value) and empty.words == "no records in either period"
    assert empty.method.startswith("quasi-Poisson test")


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
    # Counts constant within each year vary less than Poisson counts: the exact test throughout.
    assert table["method"].str.startswith("exact Poisson test, as the monthly counts").all()
    assert (table["note"] == "").all() and table["months_compared"].tolist() == [12, 12, 1, 12]


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
    # Changed: this used to assert "population change is allowed for" here, but 2018/19 and
    # 2017/18 share one figure (100,000 every month), so no population change was allowed for.
    latest = rows.loc[LATEST_YEAR, "method"]
    assert "population change is allowed for" not in latest
    assert latest.endswith("one population estimate (100,000 residents) for every month compared, so this is the "
                           "change in counts per resident at that population; population change is not allowed for")


def test_a_missing_month_drops_only_itself_and_its_partner():
    # Changed: this used to assert that a single missing month (Aug 2017) dropped every row whose
    # periods contain it. Now each row pairs month i with month i and leaves out only the pair.
    series = three_years().astype("float64")
    series["2017-08-01"] = np.nan  # a gap between downloads, not a quiet month
    table = period_comparisons(series, 2016, 2017)
    assert list(table["comparison"]) == [LATEST_YEAR, ROLLING_12, LATEST_MONTH, CHOSEN_YEAR]
    rows = table.set_index("comparison")
    # 2018/19 less Aug 2018: 11 x 120 = 1,320 against 2017/18 less Aug 2017: 11 x 114 = 1,254.
    # Rolling: 1,470 - 120 (Aug 2018) = 1,350 against 1,386 - 114 (Aug 2017) = 1,272.
    # Chosen: 2017/18 less Aug 2017, 11 x 114 = 1,254, against 2016/17 less Aug 2016, 11 x 100 = 1,100.
    assert rows[["current", "baseline", "months_compared"]].values.tolist() == [
        [1320, 1254, 11], [1350, 1272, 11], [130, 120, 1], [1254, 1100, 11]]
    note = ("compares the 11 of 12 months held in both periods; the store holds no data for Aug 2017, so those "
            "months and their partners are left out")
    assert rows["note"].tolist() == [note, note, "", note]
    assert rows.loc[CHOSEN_YEAR, "p_value"] == pytest.approx(binomtest(1254, 2354, 0.5).pvalue, rel=1e-12)


def test_rows_the_data_cannot_support_are_omitted():
    series = three_years()
    # Fewer than thirteen months: nothing to compare.
    assert period_comparisons(series[:12], 2016, 2017).empty
    assert list(period_comparisons(series[:12], 2016, 2017).columns) == COLUMNS
    assert period_comparisons(series.iloc[:0], None, None).empty
    # Thirteen months: only the month against the same month a year before.
    assert list(period_comparisons(series[:13], None, None)["comparison"]) == [LATEST_MONTH]
    # No chosen year, the same year twice, or a year with no month held: no fourth row.
    assert CHOSEN_YEAR not in set(period_comparisons(series, None, 2017)["comparison"])
    assert CHOSEN_YEAR not in set(period_comparisons(series, 2017, 2017)["comparison"])
    assert CHOSEN_YEAR not in set(period_comparisons(series, 2016, 2020)["comparison"])
    # Changed: a year not complete used to give no fourth row. Any year with a held month may now
    # be chosen; 2019/20 holds Apr - Jun 2019 only, 3 pairs of 12, so the row is there but withheld.
    chosen = period_comparisons(series, 2016, 2019).set_index("comparison").loc[CHOSEN_YEAR]
    assert chosen["words"] == chosen["note"] == (
        "withheld: only 3 of 12 months are held in both periods, and a comparison needs at least 6; the store "
        "holds no data for Jul 2019 to Mar 2020 (9 months)")
    assert math.isnan(chosen["current"]) and math.isnan(chosen["p_value"]) and not chosen["significant"]
    assert chosen["months_compared"] == 3
    # The latest financial year is the latest one over by the last month held (2018/19), not
    # 2019/20, which is still running: its later months have not happened yet.
    assert period_comparisons(series, None, None).set_index("comparison").loc[LATEST_YEAR, "current_label"] == "2018/19"


def two_years(start: str = "2017-04-01") -> pd.Series:
    """BASE_YEAR from April 2017, CURRENT_YEAR from April 2018."""
    return pd.Series(BASE_YEAR + CURRENT_YEAR, index=pd.date_range(start, periods=24, freq="MS"), dtype="float64")


def test_overdispersed_counts_are_compared_by_the_quasi_poisson_test():
    rows = period_comparisons(two_years(), 2017, 2018).set_index("comparison")
    chosen = rows.loc[CHOSEN_YEAR]
    assert (chosen["current"], chosen["baseline"]) == (3940, 3580)
    expected = compare_counts(3940, 3580, dispersion=pearson_dispersion([CURRENT_YEAR, BASE_YEAR]))
    assert chosen["p_value"] == pytest.approx(expected.p_value, rel=1e-12)
    assert chosen["words"] == "up 10%, within normal variation (p = 0.11)"
    assert chosen["method"] == (
        "quasi-Poisson test (dispersion φ = 6.1 from 24 monthly counts), as the monthly counts compared vary more "
        "than Poisson counts would (dispersion test p < 0.001, 22 df); equal months compared: 12 months, each "
        "against the same calendar month of the other period")


def test_months_held_on_one_side_only_are_left_out_with_their_partners():
    series = two_years()
    series[["2017-06-01", "2017-07-01", "2018-10-01", "2018-11-01"]] = np.nan
    chosen = period_comparisons(series, 2017, 2018).set_index("comparison").loc[CHOSEN_YEAR]
    # Each year holds 10 months, but only 8 calendar months are held in both (not Jun, Jul, Oct, Nov):
    # 2018/19: 330 + 300 + 290 + 360 + 420 + 300 + 310 + 350 = 2,660 (Apr, May, Aug, Sep, Dec - Mar);
    # 2017/18: 310 + 270 + 240 + 330 + 380 + 280 + 250 + 320 = 2,380, the same months a year before.
    assert (chosen["current"], chosen["baseline"], chosen["months_compared"]) == (2660, 2380, 8)
    assert chosen["note"] == (
        "compares the 8 of 12 months held in both periods; the store holds no data for Jun 2017 to Jul 2017 "
        "(2 months); Oct 2018 to Nov 2018 (2 months), so those months and their partners are left out")
    kept = [0, 1, 4, 5, 8, 9, 10, 11]
    dispersion = pearson_dispersion([[CURRENT_YEAR[i] for i in kept], [BASE_YEAR[i] for i in kept]])
    assert dispersion.df == 14
    assert chosen["p_value"] == pytest.approx(compare_counts(2660, 2380, dispersion=dispersion).p_value, rel=1e-12)
    assert chosen["change_pct"] == pytest.approx((2660 / 2380 - 1) * 100)


def hole_series() -> pd.Series:
    """100 a month from Apr 2016 to Apr 2022, with nothing held from Mar 2019 to Apr 2021 (26 months)."""
    months = pd.date_range("2016-04-01", "2022-04-01", freq="MS")
    series = pd.Series(100.0, index=months)
    series[(months >= "2019-03-01") & (months <= "2021-04-01")] = np.nan
    assert series.isna().sum() == 26
    return series


def test_a_26_month_hole_withholds_the_rows_that_fall_in_it():
    table = period_comparisons(hole_series(), 2017, 2018)
    rows = table.set_index("comparison")
    assert list(table["comparison"]) == [LATEST_YEAR, ROLLING_12, LATEST_MONTH, CHOSEN_YEAR]
    # May 2021 - Apr 2022 are all held; the 12 months before, May 2020 - Apr 2021, all fall in the hole.
    rolling = rows.loc[ROLLING_12]
    assert rolling["words"] == rolling["note"] == (
        "withheld: only 0 of 12 months are held in both periods, and a comparison needs at least 6; the store "
        "holds no data for May 2020 to Apr 2021 (12 months)")
    assert [rolling["current_label"], rolling["baseline_label"]] == ["May 2021 to Apr 2022", "May 2020 to Apr 2021"]
    assert math.isnan(rolling["current"]) and math.isnan(rolling["baseline"]) and math.isnan(rolling["p_value"])
    assert not rolling["significant"] and rolling["months_compared"] == 0
    assert rolling["method"] == "not tested: too few months held in both periods"
    # 2021/22 (the latest year over by Apr 2022) against 2020/21, which is wholly in the hole.
    latest = rows.loc[LATEST_YEAR]
    assert [latest["current_label"], latest["baseline_label"]] == ["2021/22", "2020/21"]
    assert latest["words"] == ("withheld: only 0 of 12 months are held in both periods, and a comparison needs "
                               "at least 6; the store holds no data for Apr 2020 to Apr 2021 (13 months)")
    assert rows.loc[LATEST_MONTH, "words"] == "withheld: the store holds no data for Apr 2021"
    # 2018/19 against 2017/18 loses only March, held in 2018 but not in 2019: 11 x 100 against 11 x 100.
    chosen = rows.loc[CHOSEN_YEAR]
    assert (chosen["current"], chosen["baseline"], chosen["months_compared"]) == (1100, 1100, 11)
    assert chosen["words"] == "no change"
    assert "no data for Mar 2019," in chosen["note"]
    # A year with no month held cannot be chosen.
    assert CHOSEN_YEAR not in set(period_comparisons(hole_series(), 2017, 2020)["comparison"])


def test_the_single_month_row_takes_its_dispersion_from_the_twelve_months_ending_at_each():
    series = pd.concat([two_years(), pd.Series([360.0], index=[pd.Timestamp("2019-04-01")])])
    month = period_comparisons(series, None, None).set_index("comparison").loc[LATEST_MONTH]
    # Apr 2019 (360) against Apr 2018 (330). Its dispersion: May 2018 - Apr 2019 against
    # May 2017 - Apr 2018, each a group of constant rate, 22 df.
    assert (month["current_label"], month["baseline_label"], month["current"], month["baseline"]) == (
        "Apr 2019", "Apr 2018", 360, 330)
    dispersion = pearson_dispersion([CURRENT_YEAR[1:] + [360], BASE_YEAR[1:] + [330]])
    assert dispersion.overdispersed and dispersion.df == 22
    # D = 2 [360 ln(360/345) + 330 ln(330/345)]; p from F = D / phi on (1, 22) df.
    deviance = 2 * (360 * math.log(360 / 345) + 330 * math.log(330 / 345))
    assert month["p_value"] == pytest.approx(f_dist.sf(deviance / dispersion.phi, 1, 22), rel=1e-9)
    assert month["months_compared"] == 1 and month["note"] == ""
    assert month["method"] == (
        f"quasi-Poisson test (dispersion φ = {dispersion.phi:.1f} from 24 monthly counts), as the monthly counts of "
        "the 12 months ending at each of the two months vary more than Poisson counts would (dispersion test "
        "p < 0.001, 22 df); equal months compared: the month against the same calendar month of the other period")
    # Thirteen months: only Apr 2016 pairs with Apr 2017 in the windows, one month a side, no df:
    # the exact test, and the method says why.
    short = period_comparisons(three_years()[:13], None, None).set_index("comparison").loc[LATEST_MONTH]
    assert short["p_value"] == pytest.approx(binomtest(114, 214, 0.5).pvalue, rel=1e-12)
    assert short["method"].startswith("exact Poisson test, as the dispersion of the monthly counts of the 12 months "
                                      "ending at each of the two months could not be estimated")


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
