"""Strategic assessment: the strategy's risk matrix, reproducible. Each issue is scored on
likelihood (from the store), harm (weights a user can edit here) and public concern (the survey),
and ranked by risk = likelihood x harm."""

import pandas as pd
import streamlit as st

from csp_dash.analysis import assessment as A
from csp_dash.analysis.coverage import missing_months
from csp_dash.analysis.filters import apply_filters
from csp_dash.charts.assessment import matrix_figure
from csp_dash.export import to_csv_bytes
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

ROW_PX = 40  # table rows at the app's 18-pixel base font

store, config, filters = context()
crimes = data.require(store, "crimes", columns=["month", "category", "lsoa_code"])
months, categories = data.crime_months_and_categories(store)
first = filters.start if filters.start is not None else months[0]
last = filters.end if filters.end is not None else months[-1]
district = filters.scope == "district"
entries = {e.name: e for e in reversed(config.assessment.issues)}  # the first entry for a name applies
themes = [(p.name, entries[p.name].indicator if p.name in entries else "") for p in config.priorities]
issues = list(categories) + [name for name, _ in themes if name not in categories]


def _inputs() -> A.Inputs:
    gaps = data.memo(store, "missing_months", lambda: missing_months(crimes))
    return A.gather(
        apply_filters(crimes, filters, categories=False), categories, A.crime_window(first, last, gaps), themes,
        data.table(store, "indicators") if district else None, data.table(store, "survey_answers"),
        data.table(store, "survey_responses", columns=["wave", "date_submitted"]),
        {issue: entries[issue].survey_item if issue in entries else "" for issue in issues},
        config.survey.min_group_n,
        themes_missing="no indicators loaded" if district else
        "partner indicators are district-wide, so not scored for a town or chosen LSOAs",
        threshold=config.disclosure.threshold, label=config.suppressed_label)


key = (f"assessment|{filters.scope}|{filters.lsoa_codes}|{first}|{last}|{themes}|"
       f"{[(e.name, e.survey_item) for e in config.assessment.issues]}|{config.survey.min_group_n}|"
       f"{config.disclosure.threshold}")
inputs = data.memo(store, key, _inputs)
window, likelihood, concern, wave = inputs.window, inputs.likelihood, inputs.concern, inputs.wave

layout.page_header(
    "Strategic assessment",
    f"{filters.scope_label} · latest 12 months in view: {window.label} · the strategy's risk matrix: every issue "
    f"scored on likelihood and harm, ranked by risk = likelihood × harm, with public concern beside it. "
    f"The category filter does not apply: the matrix compares every issue.")

# Harm weights live in the session (not in csp.toml) until someone pastes a download there.
signature = repr((issues, config.assessment.issues))
defaults = data.memo(store, f"assessment-weights|{signature}", lambda: A.harm_weights(issues, config.assessment.issues))
if st.session_state.get("assess_signature") != signature:
    st.session_state.update(assess_signature=signature, assess_weights=defaults, assess_version=0)


def _reset() -> None:
    st.session_state["assess_weights"] = defaults
    st.session_state["assess_version"] = st.session_state.get("assess_version", 0) + 1


if presentation.presenting():  # the slide: the bubble chart at this session's weights, without the editor
    slide_weights = st.session_state["assess_weights"]
    slide_scored = A.score(likelihood, slide_weights, concern)
    if slide_scored["rank"].notna().any():
        presentation.chart(data.memo(store, f"{key}|slide|{slide_weights[list(A.DIMENSIONS)].to_numpy().tolist()!r}",
                                     lambda: matrix_figure(slide_scored)))
    else:
        st.info("No issue can be scored: the table on the page says why.")
    presentation.slide_end()

chart_box, table_box = st.container(), st.container()

st.subheader("Harm weights")
st.caption("Each issue's harm on four dimensions, from 1 (little) to 5 (severe); harm is their mean. Edit a cell and "
           "the ranking above is recalculated. Edits last for this session only: to keep them, download them as "
           "TOML and replace the [[assessment.issues]] entries in csp.toml.")
number = dict(min_value=1, max_value=5, step=1, format="%d", width=125)
edited = st.data_editor(
    st.session_state["assess_weights"], key=f"assess_editor_{st.session_state['assess_version']}",
    hide_index=True, width="stretch", num_rows="fixed", disabled=["issue", "source"], row_height=ROW_PX,
    height=ROW_PX * (len(st.session_state["assess_weights"]) + 1) + 4,
    column_config={
        "issue": st.column_config.TextColumn("Issue", width="medium"),
        "physical": st.column_config.NumberColumn("Physical", help="Physical harm to a victim", **number),
        "psychological": st.column_config.NumberColumn("Psychological", help="Fear, distress, trauma", **number),
        "financial": st.column_config.NumberColumn("Financial", help="Losses, repair, costs to services", **number),
        "community": st.column_config.NumberColumn("Community", help="Fear of crime, damaged places, lost trust",
                                                   **number),
        "source": st.column_config.TextColumn("Where the weights come from", width="large"),
    })
st.session_state["assess_weights"] = edited
dims = list(A.DIMENSIONS)
changed = int((edited[dims].astype("Float64").fillna(0) != defaults[dims].astype("Float64").fillna(0)).to_numpy().sum())
c1, c2, c3 = st.columns(3)
c1.button("Reset to defaults", on_click=_reset, icon=":material/restart_alt:", disabled=changed == 0)
c2.download_button("Download weights (TOML)", lambda: A.weights_toml(edited, config.assessment.issues),
                   file_name="assessment-weights.toml", mime="application/toml", icon=":material/download:",
                   on_click="ignore", key="assess_dl_toml")
c3.download_button("Download weights (CSV)", lambda: to_csv_bytes(edited), file_name="assessment-weights.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore", key="assess_dl_csv")


def _ranking(weights: pd.DataFrame):
    scored = A.score(likelihood, weights, concern)
    notes = concern.set_index("issue")["concern_note"].reindex(scored["issue"])
    figures = A.shown_figures(scored)  # withheld ones as "[c]", the rate rounded
    shown = pd.DataFrame({
        "Rank": scored["rank"],
        "Issue": scored["issue"],
        "Risk": scored["risk"].round(1),
        "Likelihood": scored["likelihood"].round(2),
        "Harm": scored["harm"].round(2),
        "Concern": [f"{s:.0f} ({p:.0f}% say it is an issue)" if pd.notna(s) else n
                    for s, p, n in zip(scored["concern_score"], scored["concern_pct"], notes)],
        "Records": figures["volume"],
        "Volume (1-5)": scored["volume_score"],
        "A week": figures["per_week"],
        "Frequency (1-5)": scored["frequency_score"],
        "Change on the 12 months before": figures["trend_words"],
        "Trend (1-5)": scored["trend_score"],
        **{d.capitalize(): scored[d] for d in A.DIMENSIONS},
        "Likelihood from": scored["measure"],
        "Months": scored["window"],
        "Status": scored["status"],
    })
    full = A.ranking_download(scored)
    figure = matrix_figure(scored) if scored["rank"].notna().any() else None
    return scored, shown, full, figure


# The ranking and its chart, once per set of weights (warm reruns only look them up).
weights_key = f"{key}|{config.disclosure.threshold}|{edited[dims].to_numpy().tolist()!r}"
scored, shown, full, figure = data.memo(store, weights_key, lambda: _ranking(edited))

with chart_box:
    if changed:
        st.info(f"Ranking with harm weights edited in this session ({changed} cell{'s' if changed != 1 else ''} "
                f"changed from csp.toml); reset them below.", icon=":material/edit:")
    if figure is None:
        st.info("No issue can be scored: see the reasons in the table below.")
    else:
        layout.chart(figure)
        left_out = scored[scored["rank"].isna()]
        st.caption(
            "Across: likelihood; up: harm; dotted curves join equal risk (likelihood × harm). Bubble size: public "
            f"concern in the {wave or 'latest'} survey (bigger = more say it is an issue in their area); an open "
            "marker: the survey does not ask about it. Circles are police.uk categories, diamonds priority themes."
            + (f" Not plotted: {', '.join(f'{i} ({s})' for i, s in zip(left_out['issue'], left_out['status']))}."
               if len(left_out) else ""))

with table_box:
    st.subheader("Ranked issues")
    st.dataframe(shown, hide_index=True, width="stretch", row_height=ROW_PX, height=ROW_PX * (len(shown) + 1) + 4,
                 column_config={"Issue": st.column_config.TextColumn(pinned=True),
                                # Text so that a withheld figure can say so; aligned as the numbers are.
                                "Records": st.column_config.TextColumn(alignment="right"),
                                "A week": st.column_config.TextColumn(alignment="right")})
    st.caption("Risk = likelihood × harm (1 to 25). Likelihood = mean of the volume, frequency and trend scores; "
               "harm = mean of the four weights. Ties in risk are ordered by concern, then records. "
               + A.withheld_note(scored, config.suppressed_label))
    layout.data_download(full, "strategic_assessment", label="Show the full table")

st.subheader("How the matrix is scored")
st.markdown(f"""
The strategy decides its priorities with a risk matrix that weighs the **harm** of each issue against its
**likelihood** (frequency and volume), read beside the **{config.area.partnership} Survey**. This page does the same, in the
spirit of MoRiLE (the NPCC's Management of Risk in Law Enforcement) but kept simple, and says exactly what it computes.

- **Issues**: every police.uk category in the store, and each of the strategy's priorities (csp.toml).
  A priority is scored from its partner indicators: the indicator named for it in csp.toml, otherwise its `count`
  indicator that is not "higher is better" with the most records in its latest complete 12 months. Without one
  it is listed as *no data*, never given a made-up score.
- **Volume** (1-5): records in the latest 12 months in view ({window.label}), as a quintile among the issues
  scored: score = ⌈5 × rank ÷ number of issues⌉, the smallest volume ranking 1 (ties share their average rank).
  No records scores 1.
- **Frequency** (1-5), fixed bands of records a year: under 12 (less than monthly) 1; 12 or more (monthly) 2;
  52 or more (weekly) 3; 365 or more (daily) 4; 1,825 or more (five or more a day) 5.
- **Trend** (1-5): the latest 12 months against the 12 before, tested as a rate ratio by an exact test
  (docs/methods.md, "Comparing two counts"). Only a significant rise (p < 0.05) raises the score: under 5% 2,
  5% to under 15% 3, 15% to under 30% 4, 30% or more 5. A fall, or a change within normal variation, scores 1.
- **Likelihood** = mean of volume, frequency and trend.
- **Harm** = mean of four weights from 1 to 5: physical, psychological, financial, and community (including the
  local environment), editable above. The defaults are a **judgement**, checked against the order of published
  sentencing-based severity weights (the ONS Crime Severity Score and the Cambridge Crime Harm Index); neither
  splits harm into these four dimensions. Each issue's note says what it rests on.
- **Risk** = likelihood × harm, from 1 to 25; the rank orders risk, then concern, then records.
- **Public concern** (1-5): of those answering Yes or No to "Is this an issue in your area?" in the latest survey
  wave ({wave or 'none loaded'}), the share answering Yes: under 20% 1, 20-39% 2, 40-59% 3, 60-79% 4, 80% or more 5.
  District-wide, whatever the area chosen. An issue the survey does not ask about has *no survey question*, not 0.
  Concern is shown beside risk (and as bubble size), not multiplied into it, so that a high-risk issue few people
  worry about still stands out, as the strategy asks.
- **Small numbers**: a priority scored from a sensitive count indicator with a count from 1 to
  {config.disclosure.threshold} (shown as '{config.suppressed_label}' on the Priorities page) in its latest 12 months or
  the 12 before has its records, records a week and change withheld ('{A.SECONDARY_LABEL}'), on screen and in the
  download: each would give the hidden count back from the periods shown there. Its scores are kept when they would
  be the same whatever the hidden counts are (no band boundary and no other issue's records within the totals
  possible); otherwise they are withheld too and it is not ranked. The rate a week is rounded to one decimal place.
""")
