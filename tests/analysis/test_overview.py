"""The overview's tiles, summary and sentences: hand-worked answers on small series, the
disclosure rules on small partner counts, and exact counts on the real police.uk files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis import overview as OV
from csp_dash.analysis import rag
from csp_dash.analysis import survey as V
from csp_dash.analysis.coverage import all_months, missing_months
from csp_dash.analysis.filters import Filters
from csp_dash.analysis.significance import compare_counts


def months(n: int, start: str = "2018-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


# -- crime tiles ------------------------------------------------------------------------------

def test_a_count_tile_sums_the_latest_12_months_and_tests_them_against_the_12_before():
    series = pd.Series([100.0] * 24 + [120.0] * 12, index=months(36))
    tile = OV.count_tile("x", "Example", series)
    assert tile.value == "1,440"
    assert tile.period == "latest 12 months to Dec 2020"
    assert tile.change == compare_counts(1440, 1200).words == "up 20%, unlikely to be chance (p < 0.001)"
    assert tile.against == "the 12 months before (Jan 2019 to Dec 2019)"
    assert tile.change_text == ("▲ up 20%, unlikely to be chance (p < 0.001) on the 12 months before "
                                "(Jan 2019 to Dec 2019)")
    assert (tile.direction, tile.significant, tile.arrow) == ("up", True, "▲")
    # Limits from the first 24 months: centre 100, upper limit 130; every later month sits above
    # the centre, so the run of 12 touches the latest 3 months.
    assert tile.chart["centre"].iloc[-1] == 100
    assert tile.chart["ucl"].iloc[-1] == 130
    assert tile.signal == "signal: above the usual range (run of 12 above the centre)"
    assert tile.has_signal


def test_a_steady_series_has_no_signal_and_no_change():
    series = pd.Series([100.0] * 36, index=months(36))
    tile = OV.count_tile("x", "Example", series)
    assert tile.change == "no change"
    assert (tile.direction, tile.arrow, tile.significant) == ("same", "▶", False)
    assert tile.signal == OV.NO_SIGNAL and not tile.has_signal


def test_a_point_beyond_the_upper_limit_in_the_latest_months_is_named():
    values = [100.0] * 35 + [140.0]
    tile = OV.count_tile("x", "Example", pd.Series(values, index=months(36)))
    assert tile.signal == "signal: above the usual range (above the upper control limit)"


def test_a_signal_older_than_the_latest_3_months_is_not_this_periods():
    values = [100.0] * 30 + [140.0] + [100.0] * 5
    tile = OV.count_tile("x", "Example", pd.Series(values, index=months(36)))
    assert tile.signal == OV.NO_SIGNAL


def test_a_month_without_data_is_left_out_with_its_partner_a_year_before():
    series = pd.Series([100.0] * 24 + [120.0] * 12, index=months(36))
    series.iloc[-1] = np.nan
    tile = OV.count_tile("x", "Example", series)
    assert tile.value == "1,320"
    assert tile.period == "latest 12 months to Dec 2020; 11 held (no data for Dec 2020)"
    # Like with like: Dec 2019 is left out too, so 11 months of 120 against 11 months of 100.
    expected = compare_counts(1320, 1100).words
    assert tile.change == f"{expected} (the 11 months held in both years: 1,320 against 1,100)"
    assert tile.comparison["months_compared"] == 11 and tile.comparison["previous"] == 1100


def test_too_few_months_for_a_change_or_for_control_limits():
    tile = OV.count_tile("x", "Example", pd.Series([10.0] * 20, index=months(20)))
    assert tile.value == "120"
    assert tile.change == "no change shown: the months chosen hold 20, and a change on the year before needs 24"
    assert tile.direction is None
    # The tile's few words; the table and the figures JSON give the whole reason.
    assert tile.signal == "not charted: needs 12 consecutive months with data before Sep 2018."
    assert tile.signal_detail == ("not charted: they need 12 consecutive months with data before Sep 2018, and the "
                                  "longest run there is 8 (Jan 2018 to Aug 2018).")
    assert tile.row()["signal"] == tile.as_dict()["signal_note"] == tile.signal_detail
    short = OV.count_tile("x", "Example", pd.Series([10.0] * 7, index=months(7)))
    assert short.value == "70"
    assert short.period == "all 7 months chosen, Jan 2018 to Jul 2018 (fewer than 12)"


def test_crime_counts_ignore_the_category_filter_and_blank_a_month_without_data():
    crimes = pd.DataFrame({
        "month": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01", "2020-03-01", "2020-03-01"]),
        "category": ["Burglary", "Anti-social behaviour", "Robbery", "Vehicle crime", "Shoplifting"],
        "lsoa_code": ["A", "A", "B", "A", "A"],
    })
    f = Filters(area_name="Area", categories=("Shoplifting",))
    counts = OV.crime_counts(crimes, f, months(3, "2020-01-01"), gaps=[pd.Timestamp("2020-02-01")])
    assert counts.loc["2020-01-01"].tolist() == [2.0, 1.0, 2.0, 0.0]  # total, ASB, SAC, violence
    assert counts.loc["2020-02-01"].isna().all()
    assert counts.loc["2020-03-01"].tolist() == [2.0, 0.0, 1.0, 0.0]
    town = Filters(area_name="Area", scope="town", town="T", lsoa_codes=("B",))
    assert OV.crime_counts(crimes, town, months(3, "2020-01-01")).loc["2020-01-01"].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_crime_tiles_on_the_real_files(real_store):
    crimes = real_store.read("crimes", columns=["month", "category", "lsoa_code"])
    span = pd.DatetimeIndex(all_months(crimes["month"]))
    assert (span[0], span[-1], len(span)) == (pd.Timestamp("2018-10-01"), pd.Timestamp("2022-04-01"), 43)
    counts = OV.crime_counts(crimes, Filters(area_name="Central Bedfordshire"), span, missing_months(crimes))
    tiles = {t.key: t for t in OV.crime_tiles(counts)}
    latest = crimes[crimes["month"] >= "2021-05-01"]
    assert tiles["total"].value == f"{int((latest['category'] != 'Anti-social behaviour').sum()):,}"
    assert tiles["asb"].value == f"{int((latest['category'] == 'Anti-social behaviour').sum()):,}"
    assert tiles["total"].period == "latest 12 months to Apr 2022"
    # The 12 months before (May 2020 to Apr 2021) fall in the gap between the downloads.
    assert tiles["total"].change == "no change shown: the year before (May 2020 to Apr 2021) is not held"
    assert tiles["total"].comparison["withheld"] == tiles["total"].row()["change"] == (
        "no change shown: only 0 of 12 months are held in both periods, and a comparison needs at least 6; the "
        "store holds no data for May 2020 to Apr 2021 (12 months)")
    assert tiles["total"].signal == "not charted: needs 12 consecutive months with data before May 2021."
    assert tiles["total"].signal_detail == ("not charted: they need 12 consecutive months with data before May "
                                            "2021, and the longest run there is 5 (Oct 2018 to Feb 2019).")


# -- partner indicator tiles ------------------------------------------------------------------

def indicator_rows(indicator_id: str, name: str, kind: str, values: list[float], first: str,
                   sensitive: bool = False, polarity: str = "neither", unit: str = "count") -> pd.DataFrame:
    step = {"financial_year": 12, "quarter": 3}[kind]
    starts = pd.date_range(first, periods=len(values), freq=f"{step}MS")
    return pd.DataFrame({
        "indicator_id": indicator_id, "priority": "P", "name": name, "unit": unit, "polarity": polarity,
        "period": [str(s.date()) for s in starts], "period_type": kind, "period_start": starts,
        "period_end": [s + pd.DateOffset(months=step) - pd.Timedelta(days=1) for s in starts],
        "value": values, "baseline": np.nan, "target": np.nan, "sensitive": sensitive, "source": "S",
    })


DA = OV.INDICATOR_TILES[0][2]
EXPLOITATION = OV.INDICATOR_TILES[1][2]


def test_domestic_abuse_is_the_latest_year_of_its_count_against_the_year_before():
    indicators = pd.concat([
        indicator_rows("da_crimes", "Domestic abuse crimes recorded", "financial_year", [3050, 3210, 3480],
                       "2018-04-01"),
        indicator_rows("da_repeat", "Repeat victims of domestic abuse", "financial_year", [600, 700, 790], "2018-04-01",
                       polarity="higher is worse"),
    ])
    assert OV.select_indicators(indicators, DA) == ["da_crimes"]
    tile = OV.indicator_tile("domestic_abuse", "Domestic abuse", indicators, DA, 4, "<5")
    assert tile.value == "3,480"
    assert tile.period == "12 months of figures to Mar 2021"
    assert tile.change == compare_counts(3480, 3210).words
    assert tile.against == "the 12 months before (Apr 2019 to Mar 2020)"
    assert tile.note == "Sum of 1 indicator from the indicators file: Domestic abuse crimes recorded."


def test_exploitation_adds_up_quarters_of_harm_counts_and_leaves_out_the_partnerships_own_work():
    indicators = pd.concat([
        indicator_rows("nrm", "Modern slavery referrals to the National Referral Mechanism", "quarter",
                       [5, 6, 7, 8, 9, 10, 11, 12], "2019-04-01", sensitive=True),
        indicator_rows("cse", "Child sexual exploitation cases identified", "quarter",
                       [6, 6, 6, 6, 7, 7, 7, 7], "2019-04-01", sensitive=True),
        indicator_rows("trained", "Frontline staff trained to spot exploitation", "financial_year", [400, 410],
                       "2019-04-01", polarity="higher is better"),
    ])
    assert OV.select_indicators(indicators, EXPLOITATION) == ["nrm", "cse"]
    tile = OV.indicator_tile("exploitation", "Exploitation", indicators, EXPLOITATION, 4, "<5")
    assert tile.value == "70"  # 9 + 10 + 11 + 12 + 4 x 7
    assert tile.change == compare_counts(70, 50).words
    assert tile.period == "12 months of figures to Mar 2021"


def test_a_total_that_would_give_back_a_hidden_count_is_withheld():
    indicators = indicator_rows("nrm", "Modern slavery referrals", "quarter", [5, 6, 7, 8, 9, 3, 11, 12],
                                "2019-04-01", sensitive=True)
    tile = OV.indicator_tile("exploitation", "Exploitation", indicators, EXPLOITATION, 4, "<5")
    assert tile.value == "[c]"
    assert tile.change == "change withheld: small numbers"
    assert tile.current is None and tile.direction is None
    assert "give them back" in tile.note
    # A hidden count in the year before withholds the change but not this year's total.
    before = indicator_rows("nrm", "Modern slavery referrals", "quarter", [5, 2, 7, 8, 9, 10, 11, 12],
                            "2019-04-01", sensitive=True)
    tile = OV.indicator_tile("exploitation", "Exploitation", before, EXPLOITATION, 4, "<5")
    assert (tile.value, tile.change) == ("42", "change withheld: small numbers")


def test_zeros_of_a_sensitive_indicator_are_shown_and_small_counts_of_an_open_one_too():
    zeros = indicator_rows("nrm", "Modern slavery referrals", "quarter", [0] * 8, "2019-04-01", sensitive=True)
    tile = OV.indicator_tile("exploitation", "Exploitation", zeros, EXPLOITATION, 4, "<5")
    assert (tile.value, tile.change) == ("0", "no records in either period")
    not_sensitive = indicator_rows("nrm", "Modern slavery referrals", "quarter", [1, 1, 1, 1, 1, 1, 1, 0],
                                   "2019-04-01", sensitive=False)
    assert OV.indicator_tile("e", "E", not_sensitive, EXPLOITATION, 4, "<5").value == "3"


def test_missing_partner_data_says_so_and_never_shows_zero():
    for indicators in (None, indicator_rows("x", "Knife crime offences", "quarter", [1, 2], "2020-01-01")):
        tile = OV.indicator_tile("domestic_abuse", "Domestic abuse", indicators, DA, 4, "<5")
        assert tile.value == OV.NO_DATA == "no data loaded"
        assert not tile.available
    gap = indicator_rows("nrm", "Modern slavery referrals", "quarter", [5, 6, 7, 8, 9, np.nan, 11, 12], "2019-04-01")
    assert OV.indicator_tile("e", "E", gap, EXPLOITATION, 4, "<5").value == "incomplete"


# -- survey tile ------------------------------------------------------------------------------

def test_the_feel_safe_tile_on_the_demo_survey(demo_store, config):
    responses, answers = demo_store.read("survey_responses"), demo_store.read("survey_answers")
    tile = OV.survey_tile(responses, answers, config.area.name, 10)
    row = V.headline(responses, answers, "2019", config.area.name).set_index("question").loc["safe_place_to_live"]
    change = V.wave_change(responses, answers, "2019", "2018", config.area.name).set_index("question")
    assert tile.value == f"{row['pct']:.0f}%"
    assert tile.period == (f"wave 2019: {int(row['n']):,} answering, 95% interval {row['ci_low']:.0f}% to "
                           f"{row['ci_high']:.0f}%")
    assert tile.change == change.loc["safe_place_to_live", "words"]
    assert tile.against == "wave 2018"
    assert OV.survey_tile(None, None, config.area.name, 10).value == "no data loaded"


# -- summary and sentences ----------------------------------------------------------------------

def test_rag_words_give_a_symbol_and_a_word_for_every_count():
    row = {"priority": "P", rag.RED: 1, rag.AMBER: 2, rag.GREEN: 0, rag.MONITOR: 3, rag.NOT_RATED: 0,
           "overdue": 1, "actions": 4}
    assert OV.rag_words(row) == "✕ 1 Red · ! 2 Amber · ○ 3 Monitor · ⚠ 1 of 4 actions overdue"
    empty = dict(row, **{rag.RED: 0, rag.AMBER: 0, rag.MONITOR: 0, "overdue": 0, "actions": 3})
    assert OV.rag_words(empty) == "no indicators · no action overdue of 3"


def _tile(key: str, change: str, direction, significant: bool, pct, signal: str = OV.NO_SIGNAL,
          has_signal: bool = False) -> OV.Tile:
    return OV.Tile(key, key, "1", "p", change, direction, significant, signal, has_signal, "", change_pct=pct)


def test_sentences_say_what_changed_largest_first_and_what_is_unusual():
    tiles = [
        _tile("total", "down 4%, unlikely to be chance (p < 0.001)", "down", True, -4.0),
        _tile("sac", "down 16%, unlikely to be chance (p < 0.001)", "down", True, -16.0),
        _tile("asb", "up 6%, unlikely to be chance (p < 0.001)", "up", True, 6.0,
              "signal: run of 7 below the centre", True),
        _tile("feel_safe", "up 4 points, could be chance (p = 0.14)", "up", False, 4.0),
    ]
    assert OV.sentences(tiles, None) == [
        "Changed by more than chance on the year before: serious acquisitive crime down 16%, anti-social "
        "behaviour up 6%, total recorded crime down 4%.",
        "Within normal variation: the share feeling safe.",
        "Unusual in the latest 3 months (control charts): anti-social behaviour (run of 7 below the centre).",
    ]


def test_the_demo_overview_end_to_end(demo_store, config):
    """Every tile on the demo store, the priorities' summary and the sentences, as the page builds them."""
    crimes = demo_store.read("crimes", columns=["month", "category", "lsoa_code"])
    span = pd.DatetimeIndex(all_months(crimes["month"]))
    f = Filters(area_name=config.area.name, start=span[0], end=span[-1])
    tiles = OV.crime_tiles(OV.crime_counts(crimes, f, span, missing_months(crimes)))
    indicators, actions = demo_store.read("indicators"), demo_store.read("actions")
    tiles += OV.indicator_tiles(indicators, 4, "<5")
    values = {t.key: t.value for t in tiles}
    latest = crimes[crimes["month"] >= "2020-04-01"]
    assert values["total"] == f"{int((latest['category'] != 'Anti-social behaviour').sum()):,}"
    assert values["sac"] == f"{int(latest['category'].isin(['Burglary', 'Robbery', 'Vehicle crime']).sum()):,}"
    assert values["domestic_abuse"] == "3,480"  # da_crimes 2020/21 in the demo's indicators file
    assert values["exploitation"] == "[c]"  # its quarters include counts of 1 to 4
    p = OV.priorities(indicators, actions, crimes, config.priorities, f, 4, "<5")
    summary = OV.rag_summary(p).set_index("priority")
    assert summary.loc["Priority Two: Domestic and Sexual Abuse", "overdue"] == 2
    assert int(summary["actions"].sum()) == len(actions)
    said = OV.sentences(tiles, p)
    assert said[0].startswith("Changed by more than chance on the year before: ")
    assert any(s.startswith("⚠ 4 of 20 actions in the plan are overdue as of 31 March 2021") for s in said)


def test_the_cover_words_for_filters_and_vintage():
    f = Filters(area_name="Central Bedfordshire", start=pd.Timestamp("2019-04-01"), end=pd.Timestamp("2021-03-01"))
    assert OV.filters_in_words(f) == ("Area: the whole of Central Bedfordshire. Months: Apr 2019 to Mar 2021. "
                                      "Crime categories: every category.")
    town = Filters(area_name="Central Bedfordshire", scope="town", town="Sandy", lsoa_codes=("a", "b"),
                   categories=("Drugs",))
    assert OV.filters_in_words(town).startswith("Area: the town of Sandy (2 LSOAs). Months: all months. "
                                                "Crime categories: Drugs (this choice narrows no tile")
    assert OV.data_vintage(months(3, "2021-01-01"), "2026-11-25T09:23:14+00:00") == \
        "crime records to Mar 2021; store updated 25 Nov 2026 09:23 UTC"
    assert OV.data_vintage([], None) == "no crime records; store never updated"
    assert OV.data_vintage(months(3, "2021-01-01"), None, indicators_to=pd.Timestamp("2021-03-31"),
                           survey_wave="2019") == \
        "crime records to Mar 2021; partner indicators to Mar 2021; survey wave 2019; store never updated"


@pytest.mark.parametrize("rule,direction,words", [
    ("beyond a control limit", "low", "below the usual range (below the lower control limit)"),
    ("run of 9 on one side", "high", "above the usual range (run of 9 above the centre)"),
    ("2 of 3 beyond 2 sigma", "high", "above the usual range (2 of 3 beyond the upper warning line)"),
    ("trend of 6 falling", "falling", "falling steadily (trend of 6 falling)"),
])
def test_signal_words(rule, direction, words):
    assert OV.signal_words(rule, direction) == words


def test_an_overdispersed_series_is_flagged_only_where_a_laney_chart_flags_it():
    from csp_dash.analysis.spc import control_chart

    # Months swing 80, 120, 80, ...: variance 400 against a mean of 100, four times Poisson. The baseline
    # is the 36 months before the latest 12 (never across a gap: there is none here).
    values = [80.0, 120.0] * 24
    values[-1] = 135.0  # the latest month: beyond a c-chart's Poisson limit of 130, ordinary for these counts
    tile = OV.count_tile("x", "Example", pd.Series(values, index=months(48)))
    assert control_chart(pd.Series(values, index=months(48)), "c", baseline=(months(48)[0], months(48)[35]))[
        "beyond"].iloc[-1]
    assert tile.control["chart"] == "Laney c\u2032-chart (XmR of the counts)"
    assert tile.control["dispersion"]["phi"] == pytest.approx(4.0 * 36 / 35)  # 36 x 400 / 100 on 35 df
    assert tile.signal == OV.NO_SIGNAL and not tile.has_signal
    # The year's change is tested with the dispersion of the months compared, so 55 more records in
    # 1,215 against 1,200 is tested with a dispersion of 4, not as Poisson counts.
    assert tile.comparison["test"].startswith("quasi-Poisson test")
    assert tile.change.startswith("up 1%, within normal variation")

    values[-1] = 260.0  # beyond the Laney limit, 100 + 3 x 40 / 1.128 = 206.4
    tile = OV.count_tile("x", "Example", pd.Series(values, index=months(48)))
    assert tile.signal == "signal: above the usual range (above the upper control limit)"
    assert tile.verdict.startswith("▲ up 12%, within normal variation")  # 1,340 against 1,200
    assert tile.verdict.endswith("; in the latest 3 months: above the usual range (above the upper control limit).")


def test_latest_months_after_a_gap_that_follows_the_limits_are_not_called_ordinary():
    values = pd.Series([1200.0] * 36, index=months(36))
    values.iloc[-8:-4] = np.nan  # four months missing between the limits' run and the latest months
    values.iloc[-3:] = 3000.0
    tile = OV.count_tile("x", "Example", values)
    assert not tile.has_signal and tile.control is None
    assert tile.signal == ("not charted: the control limits hold only to Apr 2020, and a gap in the data lies "
                           "between them and the latest months")
