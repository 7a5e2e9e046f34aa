"""The Strategic assessment's scoring: bands, likelihood from records and indicators, concern
from the survey, the formula and the ranking, known answers on hand-made inputs; the config
section and its TOML download; and a sanity check of the ranking on the demo store."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis import assessment as A
from csp_dash.analysis.coverage import missing_months
from csp_dash.config import DEFAULT_ISSUES, Issue, load_config
from csp_dash.errors import ConfigError

M = pd.Timestamp


def months(start: str, end: str) -> pd.DatetimeIndex:
    return pd.date_range(f"{start}-01", f"{end}-01", freq="MS")


def records(per_month: dict[str, dict[str, int]]) -> pd.DataFrame:
    """{category: {"YYYY-MM": count}} -> one row per record (month, category)."""
    rows = [(M(f"{m}-01"), cat) for cat, counts in per_month.items() for m, n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["month", "category"])


# -- bands ----------------------------------------------------------------------------------

def test_volume_scores_are_quintiles_of_rank_and_zero_scores_one():
    assert A.volume_scores(pd.Series([10, 20, 30, 40, 50])).tolist() == [1, 2, 3, 4, 5]
    assert A.volume_scores(pd.Series(range(1, 11))).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Ties share their average rank: ceil(5 x 2.5 / 4) = 4; a zero scores 1 whatever its rank.
    assert A.volume_scores(pd.Series([7, 7, 7, 7])).tolist() == [4, 4, 4, 4]
    assert A.volume_scores(pd.Series([0, 0, 5])).tolist() == [1, 1, 5]
    scores = A.volume_scores(pd.Series([np.nan, 3.0, 9.0]))
    assert math.isnan(scores[0]) and scores[1:].tolist() == [3, 5]


@pytest.mark.parametrize("per_year, score", [(0, 1), (11.9, 1), (12, 2), (51, 2), (52, 3), (364, 3), (365, 4),
                                             (1824, 4), (1825, 5), (50_000, 5)])
def test_frequency_bands(per_year, score):
    assert A.frequency_score(per_year) == score


@pytest.mark.parametrize("change, significant, score", [
    (40.0, False, 1), (-20.0, True, 1), (0.0, True, 1), (4.9, True, 2), (5.0, True, 3), (14.99, True, 3),
    (15.0, True, 4), (29.9, True, 4), (30.0, True, 5), (250.0, True, 5), (float("nan"), True, 5),
    (float("nan"), False, 1)])
def test_only_a_significant_rise_raises_the_trend_score(change, significant, score):
    assert A.trend_score(change, significant) == score


@pytest.mark.parametrize("pct, score", [(0, 1), (19.99, 1), (20, 2), (39.9, 2), (40, 3), (59.9, 3), (60, 4),
                                        (79.9, 4), (80, 5), (100, 5)])
def test_concern_bands(pct, score):
    assert A.concern_score(pct) == score


def test_no_concern_percentage_has_no_concern_score():
    assert math.isnan(A.concern_score(float("nan")))


# -- likelihood from crime records --------------------------------------------------------------

def test_window_is_the_latest_12_months_and_the_12_before_within_the_period():
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"))
    assert (w.current[0], w.current[-1], len(w.current)) == (M("2020-01-01"), M("2020-12-01"), 12)
    assert (w.previous[0], w.previous[-1], len(w.previous)) == (M("2019-01-01"), M("2019-12-01"), 12)
    assert w.label == "Jan 2020 to Dec 2020"
    short = A.crime_window(M("2020-06-01"), M("2020-12-01"))
    assert len(short.current) == 7 and len(short.previous) == 0


TINY = records({
    "A": {**{f"2019-{m:02d}": 10 for m in range(1, 13)}, **{f"2020-{m:02d}": 20 for m in range(1, 13)}},
    "B": {**{f"2019-{m:02d}": 1 for m in range(1, 13)}, **{f"2020-{m:02d}": 1 for m in range(1, 13)}},
})


def test_crime_likelihood_known_answers():
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"))
    lk = A.crime_likelihood(TINY, ["A", "B", "C"], w).set_index("issue")
    assert lk["volume"].tolist() == [240, 12, 0]
    assert lk["previous"].tolist() == [120, 12, 0]
    assert lk.loc["A", "per_week"] == pytest.approx(240 / (365.25 / 7))
    assert lk.loc["A", "significant"] and lk.loc["A", "change_pct"] == pytest.approx(100.0)
    assert not lk.loc["B", "significant"] and lk.loc["B", "trend_words"].startswith("no change")
    assert lk.loc["C", "trend_words"].startswith("no records in either period")
    assert set(lk["kind"]) == {A.CATEGORY} and set(lk["window"]) == {"Jan 2020 to Dec 2020"}


def test_a_period_too_short_for_a_previous_year_gives_no_trend():
    w = A.crime_window(M("2020-06-01"), M("2020-12-01"))
    lk = A.crime_likelihood(TINY[TINY["month"] >= M("2020-06-01")], ["A"], w).iloc[0]
    assert lk["volume"] == 140 and lk["window"] == "Jun 2020 to Dec 2020"
    assert lk["per_week"] == pytest.approx(140 * 12 / 7 / (365.25 / 7))
    assert lk["trend_words"] == "no earlier 12 months in view to compare with" and not lk["significant"]
    assert A.trend_score(lk["change_pct"], lk["significant"]) == 1


def test_gap_months_are_missing_not_zero():
    """A month with no records at all in the store is left out of the rate and the comparison."""
    crimes = TINY[TINY["month"] != M("2020-12-01")]
    gaps = missing_months(pd.concat([crimes, pd.DataFrame({"month": [M("2021-01-01")], "category": ["B"]})]))
    assert gaps == [M("2020-12-01")]
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"), gaps)
    lk = A.crime_likelihood(crimes, ["A"], w).iloc[0]
    assert (lk["volume"], lk["months"]) == (220, 11)
    assert lk["per_week"] == pytest.approx(220 * 12 / 11 / (365.25 / 7))
    assert lk["note"] == "1 month(s) without any records left out"
    # 220 in 11 months against 120 in 12: the rate ratio allows for the shorter exposure.
    assert lk["change_pct"] == pytest.approx((220 / 11) / (120 / 12) * 100 - 100)


# -- likelihood of a priority theme from indicators -----------------------------------------

def indicator_rows(ind: str, priority: str, unit: str, polarity: str, periods: dict[str, float],
                   sensitive: bool = False) -> list[dict]:
    from csp_dash.ingest.outcomes import parse_period

    rows = []
    for period, value in periods.items():
        _kind, first, last = parse_period(period)
        rows.append({"indicator_id": ind, "priority": priority, "name": f"{ind} name", "unit": unit,
                     "polarity": polarity, "period": period, "period_start": pd.Timestamp(first),
                     "period_end": pd.Timestamp(last), "value": float(value), "sensitive": sensitive,
                     "source": "Partner"})
    return rows


QUARTERS = [f"{y}-Q{q}" for y in (2019, 2020) for q in (1, 2, 3, 4)]
INDICATORS = pd.DataFrame(
    indicator_rows("cases", "P", "count", "neither", {q: 10 for q in QUARTERS})
    + indicator_rows("trained", "P", "count", "higher is better", {q: 500 for q in QUARTERS})
    + indicator_rows("share", "P", "percent", "higher is worse", {q: 90 for q in QUARTERS})
    + indicator_rows("crimes", "Q", "count", "higher is worse", {"2019/20": 100, "2020/21": 150})
    + indicator_rows("gappy", "R", "count", "neither", {q: 5 for q in QUARTERS if q != "2020-Q2"})
)


def test_a_theme_takes_its_largest_count_indicator_of_harm_not_of_work_done():
    lk = A.indicator_likelihood(INDICATORS, [("P", "")]).iloc[0]
    assert lk["measure"] == "cases name (cases, Partner)"
    assert (lk["volume"], lk["previous"], lk["window"]) == (40, 40, "Jan 2020 to Dec 2020")
    assert lk["kind"] == A.THEME and not lk["significant"]


def test_a_named_indicator_is_used_even_if_it_is_not_the_default_choice():
    lk = A.indicator_likelihood(INDICATORS, [("P", "trained")]).iloc[0]
    assert lk["volume"] == 2000


def test_financial_years_compare_and_the_cutoff_drops_later_periods():
    lk = A.indicator_likelihood(INDICATORS, [("Q", "")]).iloc[0]
    assert (lk["volume"], lk["previous"], lk["window"]) == (150, 100, "Apr 2020 to Mar 2021")
    assert lk["significant"] and A.trend_score(lk["change_pct"], lk["significant"]) == 5  # +50%
    cut = A.indicator_likelihood(INDICATORS, [("Q", "")], cutoff=M("2020-12-01")).iloc[0]
    assert (cut["volume"], cut["window"]) == (100, "Apr 2019 to Mar 2020")
    assert cut["trend_words"] == "no earlier 12 months in view to compare with"


def test_themes_without_usable_indicators_say_why():
    rows = A.indicator_likelihood(INDICATORS, [("R", ""), ("P", "nope"), ("S", "")]).set_index("issue")
    assert rows["volume"].isna().all()
    assert rows["note"].to_dict() == {
        "R": "no complete 12 months of its indicator(s) in view",
        "P": "indicator 'nope' is not loaded for this priority",
        "S": "no count indicator loaded for this priority",
    }
    none = A.indicator_likelihood(None, [("P", "")], missing="partner indicators are district-wide").iloc[0]
    assert none["note"] == "partner indicators are district-wide" and math.isnan(none["volume"])


# -- public concern -----------------------------------------------------------------------------

ANSWERS = pd.DataFrame(
    [("r1", "2018", "a", "A?", "No")]
    + [(f"s{i}", "2019", "a", "A?", "Yes") for i in range(3)] + [("s3", "2019", "a", "A?", "No")]
    + [(f"s{i}", "2019", "d", "D?", "Yes") for i in range(2)],
    columns=["response_id", "wave", "item", "label", "answer"])
RESPONSES = pd.DataFrame({"wave": ["2018", "2019"], "date_submitted": [M("2018-06-01"), M("2019-06-01")]})


def test_concern_is_the_share_answering_yes_in_the_latest_wave():
    assert A.latest_wave(ANSWERS, RESPONSES) == "2019"
    table = A.concern_table(ANSWERS, {"A": "a", "B": "", "C": "c", "D": "d"}, min_answers=3, wave="2019")
    table = table.set_index("issue")
    assert table.loc["A", "concern_pct"] == 75.0 and A.concern_score(75.0) == 4
    assert (table.loc["A", "answered"], table.loc["A", "yes"], table.loc["A", "question"]) == (4, 3, "A?")
    assert table["concern_note"].to_dict() == {"A": "", "B": "no survey question", "C": "not asked in the 2019 wave",
                                               "D": "fewer than 3 answers"}
    assert table.loc[["B", "C", "D"], "concern_pct"].isna().all()


def test_the_latest_wave_is_by_date_not_by_name():
    responses = pd.DataFrame({"wave": ["2018", "2019"], "date_submitted": [M("2020-01-01"), M("2019-06-01")]})
    assert A.latest_wave(ANSWERS, responses) == "2018"
    assert A.latest_wave(ANSWERS, None) == "2019"
    assert A.latest_wave(None, None) is None


# -- the matrix ---------------------------------------------------------------------------------

def test_score_known_answers_formula_and_ranking():
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"))
    likelihood = pd.concat([A.crime_likelihood(TINY, ["A", "B", "C"], w),
                            A.indicator_likelihood(None, [("Theme", "")])], ignore_index=True)
    weights = A.harm_weights(["A", "B", "C", "Theme"], [
        Issue("A", 1, 1, 1, 1, "s"), Issue("B", 5, 5, 5, 5, "s"), Issue("C", 3, 3, 3, 3, "s"),
        Issue("Theme", 4, 4, 4, 4, "s")])
    concern = A.concern_table(ANSWERS, {"A": "a", "B": "", "C": "", "Theme": ""}, 1, "2019")
    scored = A.score(likelihood, weights, concern).set_index("issue")
    # A: volume 5 (top of three), frequency 3 (240 a year: weekly), trend 5 (+100%, significant).
    assert scored.loc["A", ["volume_score", "frequency_score", "trend_score"]].tolist() == [5, 3, 5]
    # B: volume 4 (ceil(5 x 2/3)), frequency 2 (12 a year: monthly), trend 1 (no change).
    assert scored.loc["B", ["volume_score", "frequency_score", "trend_score"]].tolist() == [4, 2, 1]
    assert scored.loc["C", ["volume_score", "frequency_score", "trend_score"]].tolist() == [1, 1, 1]
    assert scored["likelihood"].loc[["A", "B", "C"]].tolist() == pytest.approx([13 / 3, 7 / 3, 1])
    assert scored["harm"].loc[["A", "B", "C"]].tolist() == [1, 5, 3]
    assert scored["risk"].loc[["A", "B", "C"]].tolist() == pytest.approx([13 / 3, 35 / 3, 3])
    assert scored.loc["A", ["concern_pct", "concern_score"]].tolist() == [75.0, 4]
    assert math.isnan(scored.loc["B", "concern_score"]) and scored.loc["B", "question"] == "no survey question"
    assert scored["rank"].loc[["B", "A", "C"]].tolist() == [1, 2, 3]
    assert pd.isna(scored.loc["Theme", "rank"]) and scored.loc["Theme", "status"] == "no data: no indicators loaded"
    assert list(A.score(likelihood, weights, concern)["issue"]) == ["B", "A", "C", "Theme"]


def test_missing_or_partial_weights_are_not_scored_and_ties_go_to_concern():
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"))
    likelihood = A.crime_likelihood(records({"X": {"2020-01": 5}, "Y": {"2020-01": 5}, "Z": {"2020-01": 5},
                                             "V": {"2020-01": 5}}), ["X", "Y", "Z", "V"], w)
    weights = A.harm_weights(["X", "Y", "Z", "V"], [Issue("X", 2, 2, 2, 2), Issue("Y", 2, 2, 2, 2)])
    weights.loc[weights["issue"] == "Z", "physical"] = 3
    concern = A.concern_table(ANSWERS, {"X": "", "Y": "a", "Z": "", "V": ""}, 1, "2019")
    scored = A.score(likelihood, weights, concern)
    assert list(scored["issue"]) == ["Y", "X", "V", "Z"]  # equal risk: Y has a concern score, X has none
    assert scored["status"].tolist() == ["scored", "scored", "no harm weights", "harm weights incomplete"]
    assert scored["rank"].tolist()[:2] == [1, 2] and scored["rank"].isna().tolist()[2:] == [True, True]
    assert weights.loc[weights["issue"] == "V", "source"].item() == "not set in csp.toml"


def test_editing_a_weight_changes_the_ranking():
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"))
    likelihood = A.crime_likelihood(TINY, ["A", "B"], w)
    weights = A.harm_weights(["A", "B"], [Issue("A", 2, 2, 2, 2), Issue("B", 2, 2, 2, 2)])
    concern = A.concern_table(None, {"A": "", "B": ""})
    assert list(A.score(likelihood, weights, concern)["issue"]) == ["A", "B"]
    weights.loc[weights["issue"] == "B", list(A.DIMENSIONS)] = 5
    assert list(A.score(likelihood, weights, concern)["issue"]) == ["B", "A"]


# -- config and the TOML download -----------------------------------------------------------

def test_default_weights_cover_every_police_uk_category_and_priority_with_a_source(config):
    names = [i.name for i in DEFAULT_ISSUES]
    assert len(names) == len(set(names)) == 17
    assert set(names) >= {p.name for p in config.priorities}
    assert all(i.source.startswith("Judgement") for i in DEFAULT_ISSUES)
    assert all(1 <= getattr(i, d) <= 5 for i in DEFAULT_ISSUES for d in A.DIMENSIONS)
    assert config.assessment.issues == DEFAULT_ISSUES


def test_a_harm_weight_outside_1_to_5_is_refused(tmp_path):
    path = tmp_path / "csp.toml"
    path.write_text('[[assessment.issues]]\nname = "Burglary"\nphysical = 6\npsychological = 4\n'
                    'financial = 4\ncommunity = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}, column 'assessment.issues[0].physical': assessment.issues[0].physical = 6 is not allowed; "
        "expected a whole number from 1 (little harm) to 5 (severe harm)")


def test_an_issue_needs_all_four_weights(tmp_path):
    path = tmp_path / "csp.toml"
    path.write_text('[[assessment.issues]]\nname = "Burglary"\nphysical = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}, column 'assessment.issues[0].psychological': assessment.issues[0].psychological is missing; "
        "expected name, physical, psychological, financial, community in every [[assessment.issues]] entry")


def test_the_weights_download_loads_back_as_the_same_config(tmp_path):
    configured = (Issue("Drugs", 1, 2, 2, 4, 'Judgement: "quoted" and \\ backslash', survey_item="drugs"),
                  Issue("Theme: X", 5, 5, 3, 4, "s", indicator="da_crimes"))
    weights = A.harm_weights(["Drugs", "Theme: X", "Unset"], configured)
    weights.loc[0, "physical"] = 3
    text = A.weights_toml(weights, configured)
    assert "Unset" not in text  # an issue with blank weights has no entry
    path = tmp_path / "csp.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_config(path).assessment.issues
    assert loaded == (Issue("Drugs", 3, 2, 2, 4, 'Judgement: "quoted" and \\ backslash', survey_item="drugs"),
                      Issue("Theme: X", 5, 5, 3, 4, "s", indicator="da_crimes"))
    assert tomllib.loads(text)["assessment"]["issues"][0]["physical"] == 3


def test_the_default_weights_round_trip_through_the_download():
    text = A.weights_toml(A.harm_weights([i.name for i in DEFAULT_ISSUES], DEFAULT_ISSUES), DEFAULT_ISSUES)
    assert tomllib.loads(text)["assessment"]["issues"] == [
        {k: v for k, v in vars_of(i).items() if v != ""} for i in DEFAULT_ISSUES]


def vars_of(issue: Issue) -> dict:
    return {"name": issue.name, **{d: getattr(issue, d) for d in A.DIMENSIONS}, "survey_item": issue.survey_item,
            "indicator": issue.indicator, "source": issue.source}


# -- the demo store -----------------------------------------------------------------------------

def test_demo_store_ranking_puts_violence_and_asb_near_the_top(demo_store, config):
    crimes = demo_store.read("crimes", columns=["month", "category"])
    categories = sorted(crimes["category"].unique())
    first, last = crimes["month"].min(), crimes["month"].max()
    themes = [(p.name, "") for p in config.priorities]
    items = {i.name: i.survey_item for i in config.assessment.issues}
    inputs = A.gather(crimes, categories, A.crime_window(first, last, missing_months(crimes)), themes,
                      demo_store.read("indicators"), demo_store.read("survey_answers"),
                      demo_store.read("survey_responses", columns=["wave", "date_submitted"]), items,
                      config.survey.min_group_n)
    names = categories + [t[0] for t in themes]
    scored = A.score(inputs.likelihood, A.harm_weights(names, config.assessment.issues), inputs.concern)
    rank = dict(zip(scored["issue"], scored["rank"]))
    assert len(scored) == 17 and scored["rank"].notna().all()
    assert inputs.window.label == "Apr 2020 to Mar 2021" and inputs.wave == "2019"
    # ASB's 6% rise (6,750 against 6,350) is within normal variation once its months' overdispersion is
    # allowed for (quasi-Poisson, p = 0.37), so its trend scores lower than an exact test would make it.
    assert rank["Violence and sexual offences"] <= 3 and rank["Anti-social behaviour"] == 5
    assert rank["Priority Two: Domestic and Sexual Abuse"] == 1  # domestic abuse crimes: high volume, high harm
    assert rank["Bicycle theft"] == 17
    dsa = scored.set_index("issue").loc["Priority Two: Domestic and Sexual Abuse"]
    assert dsa["measure"].startswith("Domestic abuse crimes recorded (da_crimes")


def test_chart_labels_on_the_demo_ranking_cover_no_label_and_no_bubble(demo_store, config):
    """At the smallest plot size the chart is drawn in, every label clears every other label and bubble."""
    from csp_dash.charts import assessment as C

    crimes = demo_store.read("crimes", columns=["month", "category"])
    categories = sorted(crimes["category"].unique())
    themes = [(p.name, "") for p in config.priorities]
    inputs = A.gather(crimes, categories, A.crime_window(crimes["month"].min(), crimes["month"].max()), themes,
                      demo_store.read("indicators"), demo_store.read("survey_answers"), None,
                      {i.name: i.survey_item for i in config.assessment.issues}, config.survey.min_group_n)
    scored = A.score(inputs.likelihood, A.harm_weights(categories + [t[0] for t in themes],
                                                       config.assessment.issues), inputs.concern)
    points = scored.assign(label=[C.label(row) for _, row in scored.iterrows()])
    boxes, circles = [], []
    for (ax, ay), (_, row) in zip(C.place_labels(points), points.iterrows()):
        cx, cy = C._to_px(row["likelihood"], row["harm"])
        w, h = len(row["label"]) * C.CHAR_PX + 6, C.LINE_PX
        x, y = cx + ax, cy - ay
        boxes.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        circles.append((cx, cy, C.bubble_size(row["concern_score"]) / 2))
    assert len(boxes) == 17

    def overlap(a, b) -> bool:
        return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])

    for i, box in enumerate(boxes):
        assert 0 <= box[0] and box[2] <= C.PLOT_PX[0] and 0 <= box[1] and box[3] <= C.PLOT_PX[1]
        assert not any(overlap(box, other) for j, other in enumerate(boxes) if j != i)
        assert not any(overlap(box, (x - r, y - r, x + r, y + r)) for x, y, r in circles)
    assert C.label(points.iloc[2]) == "3. Burglary"


# -- small numbers: a theme scored from a sensitive indicator ---------------------------------

def cse(last_year: list[float], year_before: list[float], sensitive: bool = True) -> pd.DataFrame:
    """A quarterly count indicator of theme "T": 2019's quarters, then 2020's."""
    values = dict(zip(QUARTERS, year_before + last_year))
    return pd.DataFrame(indicator_rows("cse", "T", "count", "neither", values, sensitive=sensitive))


def assess(indicators: pd.DataFrame, crimes: pd.DataFrame = TINY, threshold: int = 4):
    """Likelihood, score, the table shown and the download, as the page builds them."""
    w = A.crime_window(M("2019-01-01"), M("2020-12-01"))
    likelihood = pd.concat([A.crime_likelihood(crimes, ["A", "B", "C"], w),
                            A.indicator_likelihood(indicators, [("T", "cse")], threshold=threshold, label="<5")],
                           ignore_index=True)
    weights = A.harm_weights(["A", "B", "C", "T"], [Issue(n, 2, 2, 2, 2) for n in "ABCT"])
    scored = A.score(likelihood, weights, A.concern_table(None, {i: "" for i in "ABCT"}))
    return likelihood, scored, A.shown_figures(scored), A.ranking_download(scored)


def test_a_hidden_quarter_withholds_records_rate_and_change_but_not_invariant_scores():
    # The reviewer's case: quarters 7, 7, <5, 6 on the Priorities page; 24 in the records gave the 4 back.
    likelihood, scored, shown, download = assess(cse([7, 7, 4, 6], [6, 6, 5, 6]))
    row = likelihood.set_index("issue").loc["T"]
    assert (row["hidden_now"], row["hidden_before"], row["volume_low"], row["volume_high"]) == (1, 0, 21, 24)
    assert (row["previous_low"], row["previous_high"], row["withheld"], row["bands_vary"]) == (23, 23, True, False)
    t = scored.set_index("issue").loc["T"]
    # 21 to 24 a year: volume 3rd of 4 (240, 24, 12, 0) whatever it is, frequency 2 (monthly), trend 1.
    assert (t["status"], t["volume_score"], t["frequency_score"], t["trend_score"]) == ("scored", 4, 2, 1)
    assert pd.notna(t["rank"])
    i = scored.index[scored["issue"] == "T"][0]
    assert shown.loc[i].tolist() == ["[c]", "[c]", "[c]"]
    assert download.loc[i, ["volume", "per_week", "trend_words"]].tolist() == ["[c]", "[c]", "[c]"]
    note = A.withheld_note(scored, "<5")
    assert note.startswith("[c]: records, records a week and the change on the 12 months before are withheld for T.")
    assert "T keeps its scores: they would be the same whatever the hidden counts are." in note


def test_nothing_shown_or_downloaded_depends_on_the_hidden_count():
    """Whatever the hidden quarter is (1 to 4), the table and its download are the same: no figure
    on them, alone or with the quarters shown, can give it back."""
    outputs = [assess(cse([7, 7, hidden, 6], [6, 6, 5, 6])) for hidden in (1, 2, 3, 4)]
    for _lk, scored, shown, download in outputs[1:]:
        pd.testing.assert_frame_equal(shown, outputs[0][2])
        pd.testing.assert_frame_equal(download, outputs[0][3])
    # A hidden quarter in the year before only: the change would give it back, so it goes too.
    before = [assess(cse([7, 7, 5, 6], [6, 6, hidden, 6]))[3] for hidden in (1, 2, 3, 4)]
    assert all(b.equals(before[0]) for b in before)
    assert before[0].set_index("issue").loc["T", ["volume", "per_week", "trend_words"]].tolist() == ["[c]"] * 3


def test_the_normal_case_is_unchanged_and_the_rate_is_rounded():
    _lk, scored, shown, download = assess(cse([7, 7, 4, 6], [6, 6, 5, 6], sensitive=False))
    i = scored.index[scored["issue"] == "T"][0]
    assert not scored.loc[i, "withheld"] and A.withheld_note(scored, "<5") == ""
    assert shown.loc[i].tolist() == ["24", "0.5", "up 4%, within normal variation (p = 1)"]
    a = scored.index[scored["issue"] == "A"][0]
    assert download.loc[a, ["volume", "per_week"]].tolist() == ["240", "4.6"]  # 240 / 52.18 = 4.599...
    assert shown.loc[a, "per_week"] == "4.6"
    assert "sensitive" not in download and "withheld" not in download
    # Threshold 0 switches disclosure control off: the sensitive indicator's figures are shown.
    assert assess(cse([7, 7, 4, 6], [6, 6, 5, 6]), threshold=0)[2].loc[i].tolist()[0] == "24"


def test_a_score_that_would_narrow_the_hidden_counts_is_withheld_and_not_ranked():
    # All four quarters hidden: 4 to 16 a year spans the monthly band's floor of 12.
    outputs = [assess(cse(q, [6, 6, 6, 6])) for q in ([3, 3, 3, 3], [1, 1, 1, 1], [4, 4, 4, 4], [2, 4, 1, 3])]
    lk, scored, shown, download = outputs[0]
    assert lk.set_index("issue").loc["T", ["volume_low", "volume_high", "bands_vary"]].tolist() == [4, 16, True]
    t = scored.set_index("issue").loc["T"]
    assert t["status"] == A.SCORE_WITHHELD and pd.isna(t["rank"])
    assert t[["volume_score", "frequency_score", "trend_score", "likelihood", "risk"]].isna().all()
    # The other issues' volume quintiles leave it out: 240, 12, 0 score 5, 4 (ceil(5 x 2/3)), 1.
    assert scored.set_index("issue").loc[["A", "B", "C"], "volume_score"].tolist() == [5, 4, 1]
    assert "T: score withheld too and not ranked" in A.withheld_note(scored, "<5")
    i = scored.index[scored["issue"] == "T"][0]
    assert download.loc[i, "volume"] == "[c]"
    for _lk, _scored, other_shown, other_download in outputs[1:]:
        pd.testing.assert_frame_equal(other_download, download)
        pd.testing.assert_frame_equal(other_shown, shown)


def test_another_issue_within_the_possible_totals_withholds_the_score():
    # B has 22 records: whether T's 21 to 24 is above or below it would move a quintile or the order.
    crimes = records({"B": {"2020-01": 22}, "A": {"2020-01": 240}})
    outputs = [assess(cse([7, 7, hidden, 6], [6, 6, 5, 6]), crimes=crimes) for hidden in (1, 2, 3, 4)]
    likelihood, scored = outputs[0][0].set_index("issue"), outputs[0][1].set_index("issue")
    assert not likelihood.loc["T", "bands_vary"]  # the bands alone would not tell
    assert scored.loc["T", "status"] == A.SCORE_WITHHELD and pd.isna(scored.loc["T", "rank"])
    for other in outputs[1:]:
        pd.testing.assert_frame_equal(other[3], outputs[0][3])


def test_a_small_total_shows_the_label_and_zeros_hide_nothing():
    _lk, scored, shown, _dl = assess(cse([1, 0, 0, 2], [0, 0, 0, 0]))
    i = scored.index[scored["issue"] == "T"][0]
    # 3 records in all: "<5" would say the two hidden quarters are each 1 to 3; "[c]" says nothing.
    assert shown.loc[i].tolist() == ["[c]", "[c]", "[c]"]
    _lk, scored, shown, _dl = assess(cse([0, 0, 0, 0], [6, 6, 6, 6]))
    assert not scored.set_index("issue").loc["T", "withheld"]


def test_the_quick_trend_band_matches_compare_counts():
    for current in range(0, 40):
        for previous in range(0, 40):
            t = A._trend(current, previous, 12, 12, "")
            assert A.rise_trend_score(current, previous) == A.trend_score(t["change_pct"], t["significant"]), \
                (current, previous)
