"""Free-text themes from the keyword dictionary: matching at word starts, case ignored, a comment
counted in every theme it matches, and example quotes redacted."""

from __future__ import annotations

import pandas as pd
import pytest

from csp_dash.analysis.themes import NO_THEME, examples, keyword_pattern, matched_keywords, theme_counts, theme_matches
from csp_dash.config import DEFAULT_THEMES, Theme

THEMES = (
    Theme("Visibility and patrols", ("police", "patrol", "pcso")),
    Theme("Drugs", ("drug", "dealer", "county lines")),
    Theme("Youth provision", ("youth", "young people")),
)

CORPUS = pd.Series([
    "More POLICE patrols in the evenings.",                      # visibility
    "Drug dealers by the park; the police know.",                # drugs + visibility
    "Somewhere for young   people to go, a youth club.",         # youth (spaced keyword)
    "County\nlines gangs recruiting kids.",                       # drugs (keyword across a line break)
    "Nothing, it is fine.",                                       # no theme
    "   ",                                                        # blank: not a comment
    None,                                                         # not answered
    "An outpatrol of unpoliced streets",                          # keywords inside words: no theme
    "Call PCSO Smith on 07700 900123 about the drugs",            # visibility + drugs; quote redacted
])


def test_keywords_match_at_the_start_of_a_word_ignoring_case():
    pattern = keyword_pattern(("patrol",))
    assert pattern.search("Patrols please")
    assert pattern.search("more patrolling")
    assert pattern.search("(patrol)")
    assert not pattern.search("outpatrol")
    assert not pattern.search("unpatrolled")
    assert keyword_pattern(("young people",)).search("YOUNG\tpeople")
    assert keyword_pattern(("fly-tip",)).search("Fly-tipping again")
    assert not keyword_pattern(("fly-tip",)).search("flytip")
    assert keyword_pattern(()) is None and keyword_pattern(("  ",)) is None


def test_matches_per_comment():
    m = theme_matches(CORPUS, THEMES)
    assert m.index.tolist() == CORPUS.index.tolist()
    assert m["Visibility and patrols"].tolist() == [True, True, False, False, False, False, False, False, True]
    assert m["Drugs"].tolist() == [False, True, False, True, False, False, False, False, True]
    assert m["Youth provision"].tolist() == [False, False, True, False, False, False, False, False, False]


def test_counts_put_a_comment_in_every_theme_it_matches():
    counts = theme_counts(CORPUS, THEMES).set_index("theme")
    # 7 non-blank comments; two of them are in two themes each, so the counts sum to 9.
    assert counts["comments"].to_dict() == {"Visibility and patrols": 3, "Drugs": 3, "Youth provision": 1,
                                            NO_THEME: 2}
    assert counts.loc["Drugs", "pct"] == pytest.approx(300 / 7)
    assert counts.loc["Drugs", "keywords"] == "drug, dealer, county lines"
    assert counts["comments"].sum() == 9


def test_counts_of_no_comments():
    counts = theme_counts(pd.Series([None, ""], dtype="object"), THEMES)
    assert counts["comments"].tolist() == [0, 0, 0, 0]
    assert counts["pct"].isna().all()


def test_example_quotes_are_redacted_and_show_their_keywords():
    ex = examples(CORPUS, THEMES, per_theme=2)
    drugs = ex[ex["theme"] == "Drugs"]
    # The comment in this theme alone comes first.
    assert drugs["quote"].tolist() == ["County\nlines gangs recruiting kids.",
                                       "Drug dealers by the park; the police know."]
    assert drugs["matched"].tolist() == ["county lines", "drug, dealer"]
    visible = ex[ex["theme"] == "Visibility and patrols"]
    assert len(visible) == 2
    ex = examples(CORPUS, THEMES, per_theme=5)
    quotes = ex.loc[ex["theme"] == "Visibility and patrols", "quote"].tolist()
    assert quotes[-1] == "Call PCSO Smith on [phone] about the drugs"
    assert not ex["quote"].str.contains("07700").any()
    assert matched_keywords("Call PCSO Smith about the drugs", THEMES[0]) == ["pcso"]


def test_the_default_dictionary_covers_the_strategys_themes():
    names = [t.name for t in DEFAULT_THEMES]
    assert names == ["Visibility and patrols", "Communication", "Drugs", "Dog fouling", "Litter and fly-tipping",
                     "Speeding", "Street lighting", "Youth provision"]
    # The strategy's own quotes land in their themes.
    quotes = pd.Series(["Greater visibility, more proactive steps to engage with the community.",
                        "Improve communications! What crimes have happened in your area this week?",
                        "Follow up on drug dealers",
                        "Simple things - signs up where dogs aren't allowed, empty litter bins, fines for owners"])
    m = theme_matches(quotes, DEFAULT_THEMES)
    assert m.loc[0, ["Visibility and patrols", "Communication"]].all()
    assert m.loc[1, "Communication"] and m.loc[2, "Drugs"]
    assert m.loc[3, ["Dog fouling", "Litter and fly-tipping"]].all()


def test_demo_comments_fall_into_the_themes(demo_store, config):
    comments = demo_store.read("survey_responses", columns=["wave", "feel_safer_text"])
    text = comments.loc[comments["wave"] == "2018", "feel_safer_text"]
    counts = theme_counts(text, config.survey.themes).set_index("theme")
    answered = int(text.fillna("").str.strip().ne("").sum())
    # The demo weights visibility most (30 of 102), so it must lead.
    assert counts["comments"].drop(NO_THEME).idxmax() == "Visibility and patrols"
    matches = theme_matches(text.fillna(""), config.survey.themes)
    for name in counts.index.drop(NO_THEME):
        assert counts.loc[name, "comments"] == int(matches[name].sum())
    assert counts.loc[NO_THEME, "comments"] == int((~matches[text.fillna("").str.strip() != ""].any(axis=1)).sum())
    assert counts.loc[NO_THEME, "comments"] < answered / 10
