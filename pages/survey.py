"""Community survey: headline results with their intervals, the change between waves, the
strategy's published 2018 figures, breakdowns, free-text themes, and perception beside
recorded crime. Every quote and downloaded comment is redacted first."""

import re

import pandas as pd
import streamlit as st

from csp_dash.analysis import survey as V
from csp_dash.analysis import themes as T
from csp_dash.analysis.redaction import redact_series
from csp_dash.charts.survey import breakdown_figure, change_figure, percent_figure, perception_figure, themes_figure
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, filters = context()
MIN_N = config.survey.min_group_n
AREA = config.area.name
layout.page_header("Community survey", "What residents told the partnership's survey: each figure is the share of "
                                       "those answering, with its 95% interval. The sidebar's town narrows the "
                                       "respondents; its months and categories do not apply here.")

responses = data.require(store, "survey_responses", columns=[
    "response_id", "wave", "date_submitted", "area", "age_band", "gender", *V.STATEMENTS, "feel_safer_text",
    "comments_text"])
answers = data.require(store, "survey_answers")
held = data.memo(store, "survey_waves", lambda: V.waves(responses))
if not held:
    st.info("The survey tables are empty: load an export with `python -m csp_dash ingest survey FILE.csv`.")
    st.stop()


def _keep_valid(key: str, valid) -> None:
    """Forget a remembered choice that is no longer offered."""
    if key in st.session_state and st.session_state[key] not in valid:
        del st.session_state[key]


def _chart(key: str, build) -> None:
    """Draw a figure built once per store version and ``key`` (building plotly figures is the
    slow part of this page)."""
    layout.chart(data.memo(store, f"survey_fig|{key}", build))


def _memo_table(key: str, build) -> pd.DataFrame:
    return data.memo(store, f"survey_table|{key}", build)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text) -> str:
    """Text shown in st.table, which renders Markdown: escaped so it reads as typed (and a
    comment cannot draw a link or an image), on one line."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _static(df: pd.DataFrame) -> None:
    """A static table that wraps long text (st.dataframe would cut it at projector widths); the
    first column is the index, so no row numbers are drawn (a Styler would be slower)."""
    st.table(df.set_index(df.columns[0]))


def _pct(v: float) -> str:
    return f"{v:.1f}" if pd.notna(v) else ""


left, right = st.columns([1, 3])
_keep_valid("s_wave", held)
# A slide leaves the choice out: it shows the latest wave.
wave = presentation.controls(left).selectbox("Survey wave", held, index=len(held) - 1, key="s_wave")
previous = V.previous_wave(held, wave)

# The sidebar's town narrows the respondents to those giving it as their area.
place = filters.town if filters.scope == "town" and filters.town else None
if place:
    r, a = data.memo(store, f"survey_place|{place}", lambda: V.respondents_in(responses, answers, place))
    scope_label = f"respondents in {place}"
else:
    r, a = responses, answers
    scope_label = f"all respondents in {AREA}"
in_wave = data.memo(store, f"survey_in_wave|{place}|{wave}", lambda: r.loc[r["wave"] == wave, "date_submitted"])
right.caption(f"Wave {wave}: {len(in_wave):,} responses, {scope_label}"
              + (f", submitted {in_wave.min():%d %b %Y} to {in_wave.max():%d %b %Y}." if len(in_wave) else ".")
              + (" Chosen LSOAs cannot be matched to survey answers, so the whole area is shown."
                 if filters.scope == "lsoas" else ""))
too_few = len(in_wave) < MIN_N
scope_key = f"{place}|{wave}|{MIN_N}"

PCT_COLUMNS = {"label": "question", "positive_means": "counted as yes", "pct": "%", "n": "n (answering)",
               "ci_low": "95% interval from", "ci_high": "95% interval to"}


def _download_table(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    out = table[list(columns)].rename(columns=columns)
    return out.round({c: 1 for c in out.columns if out[c].dtype.kind == "f"})


# -- Headline -------------------------------------------------------------------------------------
st.subheader(f"Headline results, wave {wave}")
if too_few:
    st.info(f"Fewer than {MIN_N} people {'in ' + place + ' ' if place else ''}answered wave {wave}, so its "
            "results are not shown.")
    presentation.slide_end()
else:
    table, dropped = data.memo(store, f"survey_headline_shown|{scope_key}", lambda: V.suppress_small(
        V.headline(r, a, wave, AREA), MIN_N))
    overlay = V.PUBLISHED_2018 if wave == V.PUBLISHED_WAVE and not place else None
    published_name = f"Strategy's published {V.PUBLISHED_WAVE} figure"
    statements, issues = table[table["kind"] == "statement"], table[table["kind"] == "issue"]
    if len(statements):
        presentation.chart(data.memo(store, f"survey_fig|statements|{scope_key}", lambda: percent_figure(
            statements, "% agreeing, or concerned", overlay, published_name)))
    presentation.slide_end()  # the slide: the headline statements
    if len(issues):
        st.markdown("**Is this an issue in your area?** The share answering yes.")
        _chart(f"issues|{scope_key}", lambda: percent_figure(issues, "% saying it is an issue", overlay,
                                                               published_name))
    st.caption("Each percentage counts those giving the positive answer (strongly agree or agree; very or fairly "
               "concerned; yes) out of those answering; \"Don't know\" and blanks are left out, and n is the number "
               "answering. The bar is the 95% Wilson interval: the figure for everyone the respondents stand for "
               "probably lies within it."
               + (f" {dropped} question{'s' if dropped != 1 else ''} answered by fewer than {MIN_N} people "
                  "not shown." if dropped else ""))
    layout.data_download(_memo_table(f"headline|{scope_key}", lambda: _download_table(table, PCT_COLUMNS)),
                         f"survey_headline_{wave}", key="dl_headline")

# -- Change ---------------------------------------------------------------------------------------
st.subheader(f"Change since wave {previous}" if previous else "Change between waves")
if previous is None:
    st.info(f"Wave {wave} is the first wave held, so there is nothing earlier to compare it with.")
elif not too_few:
    change_key = f"{scope_key}|{previous}"

    def _change() -> pd.DataFrame:
        result = V.wave_change(r, a, wave, previous, AREA)
        return result[(result["n"] >= MIN_N) & (result["n_before"] >= MIN_N)].reset_index(drop=True)

    change = data.memo(store, f"survey_change|{change_key}", _change)
    if change.empty:
        st.info(f"No question was answered by at least {MIN_N} people in both waves.")
    else:
        _chart(f"change|{change_key}", lambda: change_figure(change, wave, previous))
        _static(_memo_table(f"change_shown|{change_key}", lambda: pd.DataFrame({
            "question": change["label"].map(_plain), f"{previous} %": change["pct_before"].map(_pct),
            f"{wave} %": change["pct"].map(_pct), "change": change["words"].map(_plain)})))
        tests = " or ".join(sorted(set(change["test"]) - {""}))
        st.caption(f"Each change is tested with the {tests}: two-sided, and called unlikely to be chance when "
                   "p < 0.05. Fisher's exact test replaces the z-test when an expected count is under 5. With this "
                   "many questions, about one in twenty unchanged ones will still look significant by chance.")
        layout.data_download(_memo_table(f"change|{change_key}", lambda: _download_table(change, {
            "label": "question", "n_before": f"n {previous}", "pct_before": f"{previous} %", "n": f"n {wave}",
            "pct": f"{wave} %", "difference": "change (points)", "p_value": "p", "test": "test",
            "words": "in words"})), f"survey_change_{previous}_{wave}", key="dl_change")

# -- Published 2018 -------------------------------------------------------------------------------
st.subheader(f"Against the strategy's published {V.PUBLISHED_WAVE} results")
if V.PUBLISHED_WAVE not in held:
    st.info(f"The strategy's figures come from the {V.PUBLISHED_WAVE} wave, which is not loaded.")
else:
    pub = data.memo(store, "survey_published", lambda: V.published_comparison(
        V.headline(responses, answers, V.PUBLISHED_WAVE, AREA)))
    _static(_memo_table("published_shown", lambda: pd.DataFrame({
        "question": pub["label"].map(_plain), "published %": pub["published"].map(lambda v: f"{v:.0f}"),
        "ours %": pub["ours"].map(_pct),
        "difference": pub["difference"].map(lambda v: f"{v:+.1f}" if round(v, 1) != 0 else "0.0"),
        "our 95% interval": [f"{lo:.1f} to {hi:.1f}" for lo, hi in zip(pub["ci_low"], pub["ci_high"])],
        "published inside it": pub["interval_contains"].map({True: "yes", False: "no"})})))
    st.caption(f"{config.strategy.title}, \"What you told us\": the {V.PUBLISHED_WAVE} wave for the whole of "
               f"{AREA}, whatever the sidebar's town. The published figures are whole percents, so \"inside\" "
               "allows half a point of rounding.")
    layout.data_download(_memo_table("published", lambda: _download_table(pub, {
        "label": "question", "published": "published %", "ours": "ours %", "difference": "difference (points)",
        "n": "n (answering)", "ci_low": "our 95% interval from", "ci_high": "our 95% interval to",
        "interval_contains": "published inside our interval"})), "survey_published_comparison", key="dl_published")

# -- Breakdowns -----------------------------------------------------------------------------------
st.subheader("Breakdowns")
options = [k for k in V.BREAKDOWNS if not (place and k == "area")]
_keep_valid("s_by", options)
c1, c2 = st.columns([1, 2])
by = c1.radio("Break down by", options, format_func=V.BREAKDOWNS.get, key="s_by")
if too_few:
    st.info(f"Fewer than {MIN_N} people answered wave {wave}: no breakdown is shown.")
else:
    parts = data.memo(store, f"survey_breakdown|{scope_key}|{by}", lambda: V.breakdown(r, a, wave, by, MIN_N, AREA))
    everyone = data.memo(store, f"survey_headline|{place}|{wave}", lambda: V.headline(r, a, wave, AREA))
    questions = dict(zip(everyone["question"], everyone["label"]))
    _keep_valid("s_question", questions)
    question = c2.selectbox("Question", list(questions), format_func=questions.get, key="s_question")
    cells = parts.table[parts.table["question"] == question]
    if cells.empty:
        st.info(f"Every group answered by fewer than {MIN_N} people: nothing to show.")
    else:
        overall = everyone.set_index("question")["pct"].get(question)
        _chart(f"breakdown|{scope_key}|{by}|{question}", lambda: breakdown_figure(cells, overall, V.BREAKDOWNS[by]))
    st.caption(f"Groups answered by fewer than {MIN_N} people are not shown ([survey] min_group_n in csp.toml). "
               + (parts.hidden_note(question) or "No group is hidden for this question."))
    by_columns = {"group": V.BREAKDOWNS[by].lower(), "label": "question", "pct": "%", "n": "n (answering)",
                  "ci_low": "95% interval from", "ci_high": "95% interval to"}
    layout.data_download(_memo_table(f"breakdown|{scope_key}|{by}", lambda: _download_table(parts.table, by_columns)),
                         f"survey_by_{by}_{wave}", key="dl_breakdown")

# -- Free text ------------------------------------------------------------------------------------
st.subheader("What residents said")
TEXTS = {"feel_safer_text": "What can we do to make you feel safer?", "comments_text": "Any other comments"}
themes = config.survey.themes
c1, c2 = st.columns([1, 2])
text_column = c1.radio("Question", list(TEXTS), format_func=TEXTS.get, key="s_text")
if too_few:
    st.info(f"Fewer than {MIN_N} people answered wave {wave}: comments are not shown.")
else:
    comments = r.loc[r["wave"] == wave, text_column]
    text_key = f"{scope_key}|{text_column}|{tuple((t.name, t.keywords) for t in themes)!r}"
    counts = data.memo(store, f"survey_themes|{text_key}", lambda: T.theme_counts(comments, themes))
    answered = data.memo(store, f"survey_answered|{text_key}",
                         lambda: int(comments.fillna("").astype(str).str.strip().ne("").sum()))
    c2.caption(f"{answered:,} residents answered this question in wave {wave}. A comment is in a theme when one of "
               "the theme's keywords starts a word in it (case ignored); a comment can be in several themes and "
               "counts in each. The keywords are in csp.toml ([[survey.themes]]); edit them to change the themes.")
    if answered:
        _chart(f"themes|{text_key}", lambda: themes_figure(counts))
        examples = data.memo(store, f"survey_examples|{text_key}", lambda: T.examples(comments, themes, per_theme=3))
        names = [t for t in counts["theme"] if t in set(examples["theme"])]
        _keep_valid("s_theme", names)
        theme = st.selectbox("Example quotes for the theme", names, key="s_theme",
                             help="Comments in this theme alone come first.") if names else None
        if theme:
            _static(_memo_table(f"examples|{text_key}|{theme}", lambda: examples.loc[
                examples["theme"] == theme, ["quote", "matched"]].rename(
                columns={"quote": "what residents wrote (redacted)", "matched": "keywords found"}).map(_plain)))
        st.caption("Email addresses, phone numbers, full postcodes, vehicle registrations and house numbers with "
                   "street names are replaced by [email], [phone], [postcode], [vehicle registration] and [address] "
                   "before anything is shown or downloaded.")
        layout.data_download(_memo_table(f"theme_counts|{text_key}", lambda: counts.rename(
            columns={"pct": "% of comments"}).round(1)), f"survey_themes_{wave}", label="Theme counts and keywords",
            key="dl_themes")

        def _redacted_comments() -> pd.DataFrame:
            text = comments.fillna("").astype(str).str.strip()
            text = text[text != ""]
            flags = T.theme_matches(text, themes)
            out = pd.DataFrame({"comment": redact_series(text).to_numpy()})
            for name in flags.columns:
                out[name] = flags[name].map({True: "yes", False: ""}).to_numpy()
            return out

        layout.data_download(_memo_table(f"comments|{text_key}", _redacted_comments), f"survey_comments_{wave}",
                             label="All comments, redacted", key="dl_comments")

# -- Perception against recorded crime ------------------------------------------------------------
st.subheader("Perception and recorded crime")
crimes = data.table(store, "crimes", columns=["month", "category", "lsoa_code"])
if crimes is None or not store.has("lsoas"):
    st.info("Load police.uk crime data to set residents' views beside recorded crime.")
else:
    population = data.table(store, "population", columns=["lsoa_code", "year", "population"])
    perception = data.memo(store, f"survey_perception|{wave}|{MIN_N}", lambda: V.perception_vs_recorded(
        responses, answers, wave, crimes, data.area_table(store, config)[["code", "town"]], population, MIN_N,
        AREA))
    items = dict(zip(perception.table["question"], perception.table["label"]))
    if not items:
        st.info(f"Wave {wave} has none of the issue items that match a police.uk category.")
    else:
        _keep_valid("s_item", items)
        item = st.selectbox("Issue", list(items), format_func=items.get, key="s_item")
        rows = perception.table[perception.table["question"] == item]
        category = V.ISSUE_CRIME_CATEGORIES[item]
        _chart(f"perception|{wave}|{MIN_N}|{item}", lambda: perception_figure(rows, items[item], category))
        hidden = perception.hidden.get(item, 0)
        st.caption(f"All respondents of wave {wave}, whatever the sidebar's town. Recorded: police.uk "
                   f"{category} records in {perception.period_label} (the 12 months to the wave's last response) "
                   f"per 1,000 residents, for the LSOAs of each town; survey areas starting 'Rural' are matched to "
                   f"the LSOAs outside every town. " + " ".join(perception.notes)
                   + (f" {hidden} place{'s' if hidden != 1 else ''} hidden (fewer than {MIN_N} answering)."
                      if hidden else "")
                   + " A high share beside a low rate is not an error: people judge whether something is an "
                     "issue from what they hear as well as from what happens near them.")
        layout.data_download(_memo_table(f"perception|{wave}|{MIN_N}", lambda: _download_table(perception.table, {
            "place": "place", "label": "issue", "category": "police.uk category", "n": "n (answering)",
            "pct": "% saying it is an issue", "ci_low": "95% interval from", "ci_high": "95% interval to",
            "recorded": "recorded", "residents": "residents", "rate_per_1000": "per 1,000 residents",
            "lsoas": "LSOAs"})), f"survey_perception_{wave}", key="dl_perception")
