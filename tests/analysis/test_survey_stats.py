"""Survey statistics: Wilson intervals and the wave-change tests against statsmodels and scipy,
headline percentages and breakdowns on a small survey counted by hand, suppression, the
published 2018 comparison on the demo, and perception beside recorded crime."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from csp_dash.analysis import survey as V
from csp_dash.analysis.geography import RURAL
from csp_dash.ingest import run_ingest

# -- Wilson intervals -----------------------------------------------------------------------------

CASES = [(0, 10), (10, 10), (1, 1), (0, 1), (3, 7), (88, 100), (355, 658), (603, 655), (1, 1000), (999, 1000)]


@pytest.mark.parametrize("successes,n", CASES)
@pytest.mark.parametrize("confidence", [0.95, 0.90, 0.99])
def test_wilson_matches_statsmodels(successes, n, confidence):
    low, high = V.wilson_interval(successes, n, confidence)
    ref_low, ref_high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)


def test_wilson_known_values():
    # 0 of 10: the upper end is z^2 / (n + z^2) = 3.841459 / 13.841459.
    assert V.wilson_interval(0, 10) == (0.0, pytest.approx(0.277532, abs=1e-6))
    assert V.wilson_interval(10, 10) == (pytest.approx(0.722468, abs=1e-6), 1.0)
    # 88 of 100 (the strategy's "get on well together" at n = 100).
    assert V.wilson_interval(88, 100) == (pytest.approx(0.80188, abs=1e-5), pytest.approx(0.93001, abs=1e-5))
    assert all(math.isnan(v) for v in V.wilson_interval(0, 0))


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError, match="need 0 <= successes <= n, got successes=11, n=10"):
        V.wilson_interval(11, 10)
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        V.wilson_interval(1, 10, confidence=95)


def test_vectorised_wilson_equals_the_scalar_one():
    x = np.array([c[0] for c in CASES])
    n = np.array([c[1] for c in CASES])
    low, high = V.wilson_percent(x, n)
    for i, (s, m) in enumerate(CASES):
        a, b = V.wilson_interval(s, m)
        assert (low[i], high[i]) == (pytest.approx(a * 100, abs=1e-10), pytest.approx(b * 100, abs=1e-10))


# -- two-proportion tests -------------------------------------------------------------------------

@pytest.mark.parametrize("x1,n1,x2,n2", [(570, 672, 603, 655), (355, 658, 400, 690), (50, 100, 50, 100),
                                         (30, 40, 20, 45), (12, 20, 5, 20)])
def test_z_test_matches_statsmodels(x1, n1, x2, n2):
    p, test = V.two_proportion_test(x1, n1, x2, n2)
    assert test == V.Z_TEST
    _, ref = proportions_ztest([x1, x2], [n1, n2])
    assert p == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("x1,n1,x2,n2", [(1, 10, 6, 10), (0, 15, 4, 15), (12, 12, 10, 14), (1, 3, 2, 3)])
def test_fisher_when_an_expected_count_is_under_five(x1, n1, x2, n2):
    p, test = V.two_proportion_test(x1, n1, x2, n2)
    assert test == V.FISHER
    _, ref = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])
    assert p == pytest.approx(ref, rel=1e-12)


def test_no_test_without_answers():
    p, test = V.two_proportion_test(0, 0, 5, 10)
    assert math.isnan(p) and test == ""


def test_change_words():
    assert V.change_words(4.6, 0.004) == "up 5 points, unlikely to be chance (p = 0.004)"
    assert V.change_words(-4.115, 0.0128) == "down 4 points, unlikely to be chance (p = 0.013)"
    assert V.change_words(1.2, 0.31) == "up 1 point, could be chance (p = 0.31)"
    assert V.change_words(0.3, 0.9) == "no change in whole points, could be chance (p = 0.90)"
    assert V.change_words(-12.0, 1e-6) == "down 12 points, unlikely to be chance (p < 0.001)"
    # p just under 0.05 must not read "p = 0.050" beside "unlikely to be chance".
    assert V.change_words(3.0, 0.0496) == "up 3 points, unlikely to be chance (p < 0.05)"


# -- a small survey, counted by hand --------------------------------------------------------------

AGREE, DISAGREE, DK = "Agree", "Disagree", "Don't know"
# 20 responses in 2018: (area, age_band, gender, get_on_well_together, safe_place_to_live,
# concerned_about_crime, burglary, asb); None = blank.
ROWS_2018 = [
    ("Dunstable", "25-34", "Female", AGREE, AGREE, "Very concerned", "Yes", "No"),
    ("Dunstable", "25-34", "Female", "Strongly agree", DISAGREE, "Very concerned", "Yes", "No"),
    ("Dunstable", "35-44", "Male", AGREE, DISAGREE, "Fairly concerned", "Yes", "Yes"),
    ("Dunstable", "35-44", "Male", DISAGREE, "Strongly disagree", "Fairly concerned", "No", "No"),
    ("Dunstable", "45-54", "Female", AGREE, AGREE, "Not very concerned", "Yes", None),
    ("Dunstable", "45-54", "Female", DK, None, "Very concerned", "Yes", "No"),
    ("Dunstable", "55-64", "Male", AGREE, "Neither agree nor disagree", DK, "Yes", "Yes"),
    ("Dunstable", "55-64", "Female", AGREE, AGREE, "Very concerned", None, "No"),
    ("Dunstable", "65-74", "Female", "Strongly agree", DISAGREE, "Fairly concerned", "Yes", "No"),
    ("Dunstable", "65-74", "Male", AGREE, DISAGREE, "Very concerned", "Yes", "No"),
    ("Dunstable", "75+", "Female", None, DISAGREE, "Fairly concerned", "No", "Yes"),
    ("Dunstable", "75+", "Male", AGREE, AGREE, "Not at all concerned", "Yes", "No"),
    ("sandy ", "25-34", "Female", DISAGREE, DISAGREE, "Very concerned", "Yes", "No"),
    ("Sandy", "35-44", "Male", AGREE, None, "Fairly concerned", "Yes", "No"),
    ("Sandy", "45-54", "Female", AGREE, DISAGREE, "Very concerned", "No", "Yes"),
    ("Sandy", "55-64", "Male", DK, DISAGREE, "Fairly concerned", "Yes", "No"),
    ("Rural north", "65-74", "Female", DISAGREE, AGREE, "Very concerned", "Yes", "No"),
    ("Rural north", None, None, AGREE, DISAGREE, "Very concerned", "Yes", "No"),
    ("Rural south", "16-24", "In another way", AGREE, None, "Fairly concerned", "Yes", "No"),
    (None, "Prefer not to say", "Prefer not to say", AGREE, DISAGREE, DK, "No", None),
]
# 2019: 20 responses, "get on well together" lower, burglary lower.
ROWS_2019 = [("Dunstable", "35-44", "Female", AGREE if i < 9 else DISAGREE, AGREE if i < 8 else DISAGREE,
              "Very concerned" if i < 14 else "Not very concerned", "Yes" if i < 10 else "No", "No")
             for i in range(20)]


def _survey(rows_by_wave: dict[str, list[tuple]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables shaped as the store holds survey_responses and survey_answers."""
    responses, answers = [], []
    for wave, rows in rows_by_wave.items():
        for i, (area, age, gender, well, safe, concern, burglary, asb) in enumerate(rows):
            rid = f"{wave}-{i:03d}"
            responses.append({"response_id": rid, "wave": wave,
                              "date_submitted": pd.Timestamp(f"{wave}-06-01") + pd.Timedelta(days=i),
                              "area": area, "age_band": age, "gender": gender, "get_on_well_together": well,
                              "safe_place_to_live": safe, "concerned_about_crime": concern,
                              "feel_safer_text": None, "comments_text": None})
            for item, label, answer in (("burglary", "Burglary", burglary), ("asb", "Anti-social behaviour", asb)):
                if answer is not None:
                    answers.append({"response_id": rid, "wave": wave, "item": item, "label": label, "answer": answer})
    return (pd.DataFrame(responses).astype({c: "str" for c in ("response_id", "wave", "area", "age_band", "gender",
                                                              "get_on_well_together", "safe_place_to_live",
                                                              "concerned_about_crime")}),
            pd.DataFrame(answers).astype("str"))


@pytest.fixture
def small():
    return _survey({"2018": ROWS_2018, "2019": ROWS_2019})


def _hand_count(rows, column_index, positive, keep=lambda row: True):
    """Positive answers and base of one question, by plain counting."""
    answered = [r[column_index] for r in rows if keep(r) and r[column_index] is not None and r[column_index] != DK]
    return sum(a in positive for a in answered), len(answered)


def test_headline_counts_those_answering(small):
    responses, answers = small
    table = V.headline(responses, answers, "2018", area_name="Central Bedfordshire").set_index("question")
    assert list(table.index) == ["get_on_well_together", "safe_place_to_live", "concerned_about_crime",
                                 "issue_burglary", "issue_asb"]
    # 20 responses: well together has one blank and two "Don't know" -> n = 17, 14 agree.
    assert table.loc["get_on_well_together", ["positive", "n"]].tolist() == [14, 17]
    assert table.loc["safe_place_to_live", ["positive", "n"]].tolist() == [5, 17]
    assert table.loc["concerned_about_crime", ["positive", "n"]].tolist() == [16, 18]
    assert table.loc["issue_burglary", ["positive", "n"]].tolist() == [15, 19]
    assert table.loc["issue_asb", ["positive", "n"]].tolist() == [4, 18]
    for q, positive, column in (("get_on_well_together", ("Agree", "Strongly agree"), 3),
                                ("concerned_about_crime", ("Very concerned", "Fairly concerned"), 5),
                                ("issue_burglary", ("Yes",), 6)):
        assert (table.loc[q, "positive"], table.loc[q, "n"]) == _hand_count(ROWS_2018, column, positive)
    assert table.loc["get_on_well_together", "pct"] == pytest.approx(100 * 14 / 17)
    low, high = proportion_confint(14, 17, method="wilson")
    assert table.loc["get_on_well_together", ["ci_low", "ci_high"]].tolist() == [pytest.approx(low * 100),
                                                                                 pytest.approx(high * 100)]
    assert table.loc["safe_place_to_live", "label"] == "Central Bedfordshire is a safe place to live"
    assert table.loc["issue_asb", "label"] == "Anti-social behaviour"
    assert table.loc["issue_asb", "kind"] == "issue" and table.loc["safe_place_to_live", "kind"] == "statement"
    assert table.loc["concerned_about_crime", "positive_means"] == "very or fairly concerned"


def test_headline_names_an_unknown_wave(small):
    responses, answers = small
    with pytest.raises(ValueError, match="wave '2017' is not in the survey; waves held: 2018, 2019"):
        V.headline(responses, answers, "2017")


def test_wave_change_uses_the_z_test_or_fisher(small):
    responses, answers = small
    change = V.wave_change(responses, answers, "2019", "2018").set_index("question")
    row = change.loc["get_on_well_together"]
    assert (row["pct"], row["n"], row["pct_before"], row["n_before"]) == (
        pytest.approx(45.0), 20, pytest.approx(100 * 14 / 17), 17)
    assert row["difference"] == pytest.approx(45 - 100 * 14 / 17)
    assert row["test"] == V.Z_TEST
    assert row["p_value"] == pytest.approx(proportions_ztest([9, 14], [20, 17])[1], rel=1e-10)
    # Burglary: 10/20 against 15/19; expected "no" count 20 * 14/39 = 7.2 and 19 * 14/39 = 6.8 (>= 5): z-test.
    assert change.loc["issue_burglary", "test"] == V.Z_TEST
    # Concern: 14/20 against 16/18; expected "not concerned" in 2018 = 18 * 8/38 = 3.8 < 5: Fisher.
    row = change.loc["concerned_about_crime"]
    assert row["test"] == V.FISHER
    assert row["p_value"] == pytest.approx(fisher_exact([[14, 6], [16, 2]])[1], rel=1e-12)
    assert change.loc["issue_asb", "words"] == V.change_words(change.loc["issue_asb", "difference"],
                                                              change.loc["issue_asb", "p_value"])
    assert row["significant"] == (row["p_value"] < 0.05)


def test_waves_are_ordered_and_the_previous_one_found(small):
    responses, _ = small
    assert V.waves(responses) == ["2018", "2019"]
    assert V.previous_wave(["2018", "2019", "2020"], "2020") == "2019"
    assert V.previous_wave(["2018", "2019"], "2018") is None
    assert V.waves(pd.DataFrame({"wave": ["9", "10", "spring"]})) == ["9", "10", "spring"]


# -- suppression ----------------------------------------------------------------------------------

def test_small_groups_are_hidden_and_their_complement_too():
    n = pd.Series({"A": 40, "B": 12, "C": 15, "D": 3})
    # D alone (3) could be worked out from the total, so the smallest shown group (B) goes too.
    assert V.hidden_groups(n, 10).to_dict() == {"A": False, "B": True, "C": False, "D": True}
    # Two small groups that together reach 10 need no complement.
    n = pd.Series({"A": 40, "B": 12, "C": 6, "D": 4})
    assert V.hidden_groups(n, 10).to_dict() == {"A": False, "B": False, "C": True, "D": True}
    # Nothing small: nothing hidden.
    assert not V.hidden_groups(pd.Series({"A": 10, "B": 11}), 10).any()
    # A group never shown counts as hidden for the complement rule.
    n = pd.Series({"A": 40, "B": 12, "X": 2})
    assert V.hidden_groups(n, 10, not_shown=pd.Series({"X": True})).to_dict() == {"A": False, "B": True, "X": True}


def test_breakdown_by_area_hides_small_groups(small):
    responses, answers = small
    b = V.breakdown(responses, answers, "2018", "area", min_group_n=5)
    well = b.table[b.table["question"] == "get_on_well_together"]
    # Dunstable 10 answering, Sandy 3 (one "Don't know"), Rural north 2, Rural south 1, not given 1:
    # Sandy and the rest are under 5, and together (7) not under 5, so only they are hidden.
    assert well["group"].tolist() == ["Dunstable"]
    assert well["n"].tolist() == [10]
    assert b.hidden["get_on_well_together"] == 4
    assert (well.iloc[0]["positive"], 10) == _hand_count(ROWS_2018, 3, ("Agree", "Strongly agree"),
                                                         keep=lambda r: r[0] == "Dunstable")
    assert "4 groups hidden: fewer than 5 people in them answered" in b.hidden_note("get_on_well_together")
    assert b.hidden_note("nothing") == ""


def test_breakdown_groups_are_trimmed_ordered_and_blank_is_not_given(small):
    responses, answers = small
    b = V.breakdown(responses, answers, "2018", "area", min_group_n=1)
    assert b.table[b.table["question"] == "issue_burglary"]["group"].tolist() == [
        "Dunstable", "Sandy", "Rural north", "Rural south", V.NOT_GIVEN]
    assert b.hidden["issue_burglary"] == 0
    sandy = b.table[(b.table["question"] == "issue_burglary") & (b.table["group"] == "Sandy")].iloc[0]
    assert (sandy["positive"], sandy["n"]) == (3, 4)  # "sandy " is the same place as "Sandy"
    ages = V.breakdown(responses, answers, "2018", "age_band", min_group_n=1).table
    assert ages[ages["question"] == "issue_asb"]["group"].tolist() == [
        "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", V.NOT_GIVEN]
    with pytest.raises(ValueError, match="by must be one of area, age_band, gender, got 'ward'"):
        V.breakdown(responses, answers, "2018", "ward", 10)


def test_suppress_small_counts_what_it_drops(small):
    responses, answers = small
    table = V.headline(responses, answers, "2018")
    kept, dropped = V.suppress_small(table, 18)
    assert kept["question"].tolist() == ["concerned_about_crime", "issue_burglary", "issue_asb"] and dropped == 2


def test_respondents_in_a_place(small):
    responses, answers = small
    r, a = V.respondents_in(responses, answers, "Sandy")
    assert len(r) == 4 and set(a["response_id"]) <= set(r["response_id"]) and len(a) == 8


# -- the ingest's tables feed the same numbers ----------------------------------------------------

def test_headline_from_an_ingested_export(tmp_path, store, config):
    lines = ["response_id,date_submitted,wave,area,age_band,gender,get_on_well_together,safe_place_to_live,"
             "concerned_about_crime,issue_burglary,issue_dog_fouling"]
    answers = [("Strongly agree", "Agree", "Very concerned", "Yes", "Yes"),
               ("Agree", "Don\u2019t know", "Not very concerned", "No", ""),
               ("Disagree", "Disagree", "Don't know", "Yes", "Yes"),
               ("", "Agree", "Fairly concerned", "", "No")]
    for i, (well, safe, concern, burglary, dogs) in enumerate(answers):
        lines.append(f"{i + 1},2018-06-0{i + 1},2018,Sandy,,,{well},{safe},{concern},{burglary},{dogs}")
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_ingest("survey", [path], config, store)
    table = V.headline(store.read("survey_responses"), store.read("survey_answers"), "2018", config.area.name)
    got = {q: (p, n) for q, p, n in zip(table["question"], table["positive"], table["n"])}
    assert got == {"get_on_well_together": (2, 3), "safe_place_to_live": (2, 3), "concerned_about_crime": (2, 3),
                   "issue_burglary": (2, 3), "issue_dog_fouling": (2, 3)}


# -- the strategy's published figures and the demo ------------------------------------------------

def test_published_2018_figures_are_the_strategys():
    assert V.PUBLISHED_2018 == {"get_on_well_together": 88, "concerned_about_crime": 90, "safe_place_to_live": 54,
                                "issue_fly_tipping": 83, "issue_drinking_rowdy": 45, "issue_dog_fouling": 80,
                                "issue_violent_crime": 59, "issue_vehicle_crime": 86, "issue_burglary": 92}


def test_demo_2018_wave_matches_the_published_results(demo_store, config):
    responses, answers = demo_store.read("survey_responses"), demo_store.read("survey_answers")
    table = V.published_comparison(V.headline(responses, answers, "2018", config.area.name))
    assert table["question"].tolist() == list(V.PUBLISHED_2018)
    assert (table["difference"].abs() <= 2).all(), table
    assert table["interval_contains"].all()
    assert table.set_index("question").loc["safe_place_to_live", "label"] == \
        f"{config.area.name} is a safe place to live"
    # The strategy: "just under 700 responses".
    assert 650 <= (responses["wave"] == "2018").sum() < 700


def test_published_comparison_flags_a_value_outside_the_interval():
    head = pd.DataFrame({"question": ["issue_burglary"], "label": ["Burglary"], "pct": [80.0], "n": [400],
                         "ci_low": [75.8], "ci_high": [83.7]})
    row = V.published_comparison(head).iloc[0]
    assert (row["published"], row["ours"], row["difference"], bool(row["interval_contains"])) == (92, 80, -12, False)
    # Within half a point of the interval counts: published figures are rounded to whole percents.
    head["ci_high"] = 91.6
    assert bool(V.published_comparison(head).iloc[0]["interval_contains"])


def test_demo_wave_change_agrees_with_statsmodels(demo_store):
    responses, answers = demo_store.read("survey_responses"), demo_store.read("survey_answers")
    change = V.wave_change(responses, answers, "2019", "2018")
    now = V.headline(responses, answers, "2019").set_index("question")
    before = V.headline(responses, answers, "2018").set_index("question")
    assert len(change) == 15
    for row in change.itertuples():
        counts = [now.loc[row.question, "positive"], before.loc[row.question, "positive"]]
        nobs = [now.loc[row.question, "n"], before.loc[row.question, "n"]]
        assert row.test == V.Z_TEST
        assert row.p_value == pytest.approx(proportions_ztest(counts, nobs)[1], rel=1e-9)


# -- perception against recorded crime ------------------------------------------------------------

def _places():
    lsoas = pd.DataFrame({"code": ["E1", "E2", "E3", "E4"], "town": ["Dunstable", "Dunstable", "Sandy", RURAL]})
    population = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3", "E4"] * 2, "year": [2017] * 4 + [2018] * 4,
                               "population": [1000, 1500, 2000, 4000, 1000, 1500, 2000, 4000]})
    months = pd.date_range("2017-06-01", "2018-06-01", freq="MS")  # 13 months, one before the window
    crimes = []
    for m in months:
        crimes += [(m, "Burglary", "E1"), (m, "Burglary", "E3"), (m, "Anti-social behaviour", "E2"),
                   (m, "Burglary", "E4"), (m, "Burglary", None), (m, "Drugs", "E1")]
    crimes = pd.DataFrame(crimes, columns=["month", "category", "lsoa_code"])
    return lsoas, population, crimes


def test_perception_beside_recorded_rates(small):
    responses, answers = small
    lsoas, population, crimes = _places()
    # 2018's last response is 2018-06-20: the window is Jul 2017 to Jun 2018.
    p = V.perception_vs_recorded(responses, answers, "2018", crimes, lsoas, population, 3, "The district")
    assert p.period_label == "Jul 2017 to Jun 2018"
    burglary = p.table[p.table["question"] == "issue_burglary"].set_index("place")
    assert burglary.index.tolist() == ["The district", "Dunstable", "Sandy"]
    # The district counts every record, 4 a month (the one without an LSOA too); 8,500 residents.
    assert burglary.loc["The district", ["recorded", "residents"]].tolist() == [48, 8500]
    assert burglary.loc["The district", "rate_per_1000"] == pytest.approx(48 / 8.5)
    assert burglary.loc["Dunstable", ["recorded", "residents", "lsoas"]].tolist() == [12, 2500, 2]
    assert burglary.loc["Dunstable", "rate_per_1000"] == pytest.approx(12 / 2.5)
    assert burglary.loc["Sandy", "rate_per_1000"] == pytest.approx(12 / 2.0)
    assert (burglary.loc["Dunstable", "positive"], burglary.loc["Dunstable", "n"]) == (9, 11)
    # "Rural north" (2 answering) and "Rural south" (1) pool into the rest of the area (3, enough),
    # but the blank area (1) is never shown, so the smallest shown place goes too: otherwise the
    # blank area's answer would follow from the district's figure by subtraction.
    assert p.hidden["issue_burglary"] == 1
    p = V.perception_vs_recorded(responses, answers, "2018", crimes, lsoas, population, 1, "The district")
    burglary = p.table[p.table["question"] == "issue_burglary"].set_index("place")
    assert burglary.index.tolist() == ["The district", "Dunstable", "Sandy", RURAL]
    assert burglary.loc[RURAL, ["n", "positive", "recorded", "residents", "lsoas"]].tolist() == [3, 3, 12, 4000, 1]
    asb = p.table[p.table["question"] == "issue_asb"].set_index("place")
    assert asb.loc["Dunstable", "recorded"] == 12 and asb.loc["Sandy", "recorded"] == 0
    assert p.notes == ()


def test_rural_areas_map_to_the_rest_of_the_area():
    lsoas, _, _ = _places()
    mapping = V.place_lsoas(["Rural north", "DUNSTABLE ", "Atlantis", "", None], lsoas)
    assert mapping == {"Rural north": (RURAL, ("E4",)), "DUNSTABLE ": ("Dunstable", ("E1", "E2"))}


def test_no_rate_without_population_or_full_months(small):
    responses, answers = small
    lsoas, population, crimes = _places()
    p = V.perception_vs_recorded(responses, answers, "2018", crimes, lsoas, None, 3, "The district")
    assert p.table["rate_per_1000"].isna().all() and p.table["recorded"].notna().all()
    assert p.notes == ("No population is loaded for some of these LSOAs, so their rates are not shown.",)
    gap = crimes[crimes["month"] != pd.Timestamp("2018-01-01")]
    p = V.perception_vs_recorded(responses, answers, "2018", gap, lsoas, population, 3, "The district")
    assert p.table["rate_per_1000"].isna().all() and p.table["recorded"].isna().all()
    assert p.notes[0] == ("The crime data does not cover every month from Jul 2017 to Jun 2018, so recorded "
                          "rates are not shown.")
