"""The Community survey page on the demo store: wave selector, breakdown selector, the sidebar's
town, the published 2018 comparison, and no personal data in anything shown."""

from __future__ import annotations

import re

import pandas as pd

from csp_dash.analysis import survey as V

PAGE = "pages/survey.py"
PERSONAL = re.compile(r"@|07700|01632|\b[A-Z]{2}\d{2} ?[A-Z]{3}\b|\b[A-Z]{2}\d{1,2} \d[A-Z]{2}\b")


def _open(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def _frame_with(at, column: str) -> pd.DataFrame:
    matches = [df for df in _frames(at) if column in df.columns]
    assert matches, f"no table with a '{column}' column"
    return matches[0]


def _table_with(at, column: str) -> pd.DataFrame:
    """A static table (st.table, Markdown escaped) as plain text, its first column restored."""
    matches = [t.value.reset_index() for t in at.table if column in t.value.reset_index().columns]
    assert matches, f"no static table with a '{column}' column"
    return matches[0].map(lambda v: re.sub(r"\\(.)", r"\1", v) if isinstance(v, str) else v)


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_the_page_on_the_demo_store(app_for, demo_store, config):
    at = _open(app_for, demo_store)
    assert at.title[0].value == "Community survey"
    assert [h.value for h in at.subheader] == [
        "Headline results, wave 2019", "Change since wave 2018", "Against the strategy's published 2018 results",
        "Breakdowns", "What residents said", "Perception and recorded crime"]
    assert not at.error
    assert at.selectbox(key="s_wave").value == "2019"
    assert "Wave 2019: 708 responses, all respondents in Central Bedfordshire" in _captions(at)
    headline = _frame_with(at, "counted as yes")
    assert len(headline) == 15
    assert f"{config.area.name} is a safe place to live" in headline["question"].tolist()
    change = _table_with(at, "change")
    burglary = change[change["question"] == "Burglary"].iloc[0]
    assert burglary["change"] == "down 4 points, unlikely to be chance (p = 0.013)"
    assert (burglary["2018 %"], burglary["2019 %"]) == ("92.1", "87.9")
    downloaded = _frame_with(at, "in words")
    assert downloaded["test"].unique().tolist() == ["two-proportion z-test (pooled)"]


def test_published_comparison_table(app_for, demo_store):
    at = _open(app_for, demo_store)
    table = _table_with(at, "published inside it")
    assert len(table) == 9
    assert table["published %"].tolist() == [f"{v:.0f}" for v in V.PUBLISHED_2018.values()]
    assert (table["difference"].astype(float).abs() <= 2).all()
    assert set(table["published inside it"]) == {"yes"}
    assert table["question"].iloc[0] == "People in my local area get on well together"
    downloaded = _frame_with(at, "published inside our interval")
    assert (downloaded["ours %"] - downloaded["published %"]).abs().max() <= 2


def test_wave_selector(app_for, demo_store):
    at = _open(app_for, demo_store)
    at.selectbox(key="s_wave").set_value("2018").run()
    assert not at.exception
    assert at.subheader[0].value == "Headline results, wave 2018"
    assert at.subheader[1].value == "Change between waves"
    assert "Wave 2018 is the first wave held" in " ".join(i.value for i in at.info)
    assert "Wave 2018: 693 responses" in _captions(at)
    headline = _frame_with(at, "counted as yes").set_index("question")
    assert headline.loc["Burglary", "%"] == 92.1


def test_breakdown_selector_hides_small_groups(app_for, demo_store):
    at = _open(app_for, demo_store)
    assert at.radio(key="s_by").options == ["Town or area", "Age band", "Gender"]
    by_area = _frame_with(at, "town or area")
    assert (by_area["n (answering)"] >= 10).all()
    at.radio(key="s_by").set_value("gender").run()
    assert not at.exception
    by_gender = _frame_with(at, "gender")
    assert set(by_gender["gender"]) <= {"Female", "Male", "Prefer not to say", "In another way", V.NOT_GIVEN}
    assert (by_gender["n (answering)"] >= 10).all()
    # "In another way" has fewer than 10 people in the demo, so it is never shown.
    assert "In another way" not in set(by_gender["gender"])
    assert "groups hidden" in _captions(at) or "group hidden" in _captions(at)
    at.selectbox(key="s_question").set_value("issue_burglary").run()
    assert not at.exception


def test_the_sidebar_town_narrows_the_respondents(app_for, demo_store):
    at = _open(app_for, demo_store)
    at.sidebar.radio(key="f_scope").set_value("town").run()
    at.sidebar.selectbox(key="f_town").set_value("Dunstable").run()
    assert not at.exception
    responses = demo_store.read("survey_responses", columns=["wave", "area"])
    n = int(((responses["wave"] == "2019") & (responses["area"] == "Dunstable")).sum())
    assert f"Wave 2019: {n:,} responses, respondents in Dunstable" in _captions(at)
    # Within one town, breaking down by town says nothing.
    assert at.radio(key="s_by").options == ["Age band", "Gender"]
    headline = _frame_with(at, "counted as yes")
    assert (headline["n (answering)"] <= n).all() and (headline["n (answering)"] >= 10).all()


def test_a_town_with_few_respondents_shows_no_results(app_for, demo_store):
    at = _open(app_for, demo_store, scope="town", town="arlesey")
    responses = demo_store.read("survey_responses", columns=["wave", "area"])
    assert ((responses["wave"] == "2019") & (responses["area"] == "Arlesey")).sum() < 10
    infos = " ".join(i.value for i in at.info)
    assert "Fewer than 10 people in Arlesey answered wave 2019, so its results are not shown." in infos
    assert not any("counted as yes" in df.columns for df in _frames(at))


def test_nothing_shown_carries_personal_data(app_for, demo_store):
    at = _open(app_for, demo_store)
    for text_question in ("feel_safer_text", "comments_text"):
        at.radio(key="s_text").set_value(text_question).run()
        assert not at.exception
        quotes = _table_with(at, "what residents wrote (redacted)")
        comments = _frame_with(at, "comment")
        assert len(comments) > 100
        for df in (quotes, comments):
            for value in df.astype(str).to_numpy().ravel():
                assert not PERSONAL.search(value), value
    # The planted comments are there, redacted.
    assert comments["comment"].str.contains(r"\[(?:email|phone|postcode|vehicle registration|address)\]").sum() >= 3


def test_perception_against_recorded_crime(app_for, demo_store, config):
    at = _open(app_for, demo_store)
    table = _frame_with(at, "per 1,000 residents")
    assert set(table["police.uk category"]) == set(V.ISSUE_CRIME_CATEGORIES.values())
    district = table[table["place"] == config.area.name]
    assert len(district) == 4 and district["per 1,000 residents"].notna().all()
    assert (table["n (answering)"] >= 10).all()
    assert "Dec 2018 to Nov 2019 (the 12 months to the wave's last response)" in _captions(at)
    at.selectbox(key="s_item").set_value("issue_asb").run()
    assert not at.exception


def test_without_a_survey_the_page_says_what_to_load(app_for, store):
    at = _open(app_for, store)
    assert at.title[0].value == "Community survey"
    assert "survey" in at.error[0].value.lower()


def test_theme_selector_shows_that_themes_quotes(app_for, demo_store):
    at = _open(app_for, demo_store)
    assert at.selectbox(key="s_theme").value == "Visibility and patrols"
    at.selectbox(key="s_theme").set_value("Drugs").run()
    assert not at.exception
    quotes = _table_with(at, "what residents wrote (redacted)")
    assert 1 <= len(quotes) <= 3
    assert all(re.search(r"(?i)\b(drug|dealing|dealer)", q) for q in quotes["what residents wrote (redacted)"])
    counts = _frame_with(at, "% of comments").set_index("theme")
    assert counts.loc["Drugs", "keywords"] == "drug, dealing, dealer, cannabis, weed, county lines, needle"
