"""Priorities: each priority's indicators with their status, the outcomes it serves, and its action plan."""

import pandas as pd
import streamlit as st

from csp_dash.analysis import outcomes as O
from csp_dash.analysis import rag
from csp_dash.analysis.disclosure import disclosure_note
from csp_dash.charts.outcomes import sparkline
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, filters = context()
threshold, label = config.disclosure.threshold, config.suppressed_label

layout.page_header("Priorities", f"{config.strategy.title}: each priority's indicators, the outcomes it serves and "
                                 f"its 'What we will do' actions.")

indicators = data.table(store, "indicators")
actions = data.table(store, "actions")
crimes = data.table(store, "crimes", columns=["month", "category", "lsoa_code"])
if indicators is None and actions is None and crimes is None:
    data.require(store, "indicators")  # raises: the box says which ingest loads it

setup = repr((config.priorities, threshold, label))


def _with_charts(views):
    # Figures are built once per store version (and filters): building them is the slow part.
    return [(v, sparkline(v, threshold, label)) for v in views]


def _police():
    months = pd.DatetimeIndex(sorted(crimes["month"].unique())) if crimes is not None else pd.DatetimeIndex([])
    rows, notes = O.police_uk_indicators(crimes, config.priorities, filters, months)
    return _with_charts(O.indicator_views(rows, threshold, label)), notes


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _actions_markdown(table: pd.DataFrame) -> str:
    """The actions as a list, each with its owner, due date, status and note; an overdue
    action carries a warning badge and is bold, so colour never speaks alone."""
    nbsp = "\u00a0"  # keeps "30 Jun 2020" on one line
    items = []
    for row in table.rename(columns={"overdue by": "overdue_by", "last update": "last_update"}).itertuples(index=False):
        action = _md(row.action)
        lead = f":orange-badge[⚠ Overdue by {row.overdue_by}] **{action}**" if row.overdue else action
        details = [_md(row.owner), f"due {row.due.replace(' ', nbsp)}", f"**{_md(row.status)}**"]
        if row.note:
            details.append(_md(row.note))
        if row.last_update:
            details.append(f"updated {row.last_update.replace(' ', nbsp)}")
        items.append(f"- {lead}  \n  {' · '.join(details)}")
    return "\n".join(items)


def _prepare():
    file_views = data.memo(store, f"priorities:file:{setup}",
                           lambda: _with_charts(O.indicator_views(indicators, threshold, label)))
    police_views, police_notes = data.memo(store, f"priorities:police:{setup}:{filters!r}", _police)
    configured, others = O.sections(config.priorities, indicators, actions)
    as_of = O.as_of_date(indicators, actions)
    plan = O.actions_view(actions, as_of)
    by_id = {v.indicator_id: (v, fig) for v, fig in file_views}
    sections, glance = [], []
    for section in configured + others:
        pairs = [by_id[i] for i in section.indicator_ids] + [p for p in police_views if p[0].priority == section.name]
        table = plan[plan["priority"] == section.name].reset_index(drop=True)
        overdue = int(table["overdue"].sum())
        sections.append({"section": section, "pairs": pairs, "actions": _actions_markdown(table) if len(table) else "",
                         "n_actions": len(table), "overdue": overdue, "other": section.priority is None})
        ratings = [v.status.rating for v, _ in pairs]
        row = {"Priority": section.name}
        row.update({f"{rag.SYMBOLS[r]} {r}": ratings.count(r) for r in rag.RATINGS})
        row["⚠ Overdue actions"] = f"{overdue} of {len(table)}"
        glance.append(row)
    views = [v for s in sections for v, _ in s["pairs"]]
    glance = pd.DataFrame(glance)
    header = "| " + " | ".join(glance.columns) + " |\n|" + "---|" * len(glance.columns)
    body = "\n".join("| " + " | ".join(_md(x) for x in row) + " |" for row in glance.itertuples(index=False))
    return {
        "sections": sections, "police_notes": police_notes, "as_of": as_of, "glance": header + "\n" + body,
        "summary": O.summary_download(views), "figures": O.series_download(views, threshold, label),
        "plan": plan,
    }


page = data.memo(store, f"priorities:page:{setup}:{filters!r}", _prepare)
as_of = page["as_of"]
as_of_text = f"{as_of:%d %B %Y}" if as_of is not None else "unknown (no indicator period or action update)"

# -- at a glance --------------------------------------------------------------------------------
st.markdown(f"**As of {as_of_text}**: the end of the latest indicator period or action update in the data, "
            f"not today's date. An action is **overdue** when its due date is before then and it is not Complete.")
st.markdown(page["glance"])
presentation.slide_end()  # the slide: the status of each priority at a glance
st.caption(f"Partner indicators come from the indicators file and cover the whole district. Indicators counted "
           f"from police.uk follow the sidebar's area and months ({filters.scope_label}, {filters.period_label}, "
           f"whole calendar quarters only); the category filter does not apply to them. {O.POLICE_UK_NOTE} "
           + disclosure_note(threshold, label))
for note in page["police_notes"]:
    st.warning(note, icon=":material/warning:")
if indicators is None:
    st.info("No indicators file is loaded: `python -m csp_dash ingest outcomes indicators.csv actions.csv` "
            "loads it (docs/data/outcomes.md).", icon=":material/info:")
if actions is None:
    st.info("No action plan is loaded: `python -m csp_dash ingest outcomes actions.csv` loads it.",
            icon=":material/info:")

with st.expander("How the status is decided"):
    st.markdown(
        f"""
- **{rag.MIN_PERIODS} or more periods**: an XmR control chart of the series. If the latest period is part of a
  signal (beyond a control limit, 7 in a row on one side of the average, 6 rising or falling, or 2 of 3 near a
  limit), the status is **{rag.SYMBOLS['Red']} Red** when it points the bad way and **{rag.SYMBOLS['Green']} Green**
  when it points the good way. Otherwise a target decides: met is Green; missed is **{rag.SYMBOLS['Amber']} Amber**
  when the target lies within the usual range (the control limits) and Red when it lies outside it. With no target,
  a baseline outside the usual range gives Green or Red, inside it Amber; with neither, Amber (no change).
- **Fewer periods**: the latest figure against the target (met is Green; for counts, an exact test decides Red,
  p < 0.05, or Amber; for other units, more than 5% short is Red), or else against the baseline (for counts, an
  exact test: a significant change is Green or Red, none is Amber; for other units, 5% either way).
  With neither, **{rag.SYMBOLS['Not rated']} Not rated**.
- **Polarity "neither"** (more reports can be good news, such as more referrals): never red, amber or green but
  **{rag.SYMBOLS['Monitor']} Monitor**, with the same evidence in neutral words.
- On a sparkline the shaded band is the usual range and the dotted line the target. Full method:
  docs/methods.md, "Priorities: status and disclosure".
"""
    )


# -- sections -------------------------------------------------------------------------------------
def show_indicator(v: O.IndicatorView, figure) -> None:
    with st.container(border=True):
        left, middle, right = st.columns([5, 3, 5], vertical_alignment="center")
        colour = rag.BADGE_COLOURS[v.status.rating]
        left.markdown(f"**{v.name}**")
        left.markdown(f":{colour}-badge[{v.status.symbol} {v.status.rating}] {v.status.reason}")
        flags = " · sensitive" if v.sensitive else ""
        left.caption(f"{v.source} · {v.unit} · {v.polarity}{flags} · status by {v.status.method}")
        middle.metric(f"Latest ({v.latest_period})" if v.latest_period else "Latest", v.latest or "–",
                      delta=v.delta, delta_color=O.delta_colour(v.polarity),
                      delta_arrow="off" if (v.delta or "").startswith("0 ") else "auto",
                      help=f"The change is on {v.previous_period}, the period before." if v.delta else None)
        change = "" if v.delta else f"  \nChange: {v.change}"
        middle.markdown(f"Baseline: **{v.baseline or 'none'}**  \nTarget: **{v.target or 'none'}**{change}")
        with right:
            layout.chart(figure)
            if v.notes:
                st.caption(" ".join(v.notes))


def show_section(prepared: dict, heading, inner) -> None:
    section = prepared["section"]
    heading(section.name)
    if section.priority is not None and section.priority.includes:
        st.caption("Covers: " + ", ".join(section.priority.includes) + ".")
    if prepared["pairs"]:
        for v, figure in prepared["pairs"]:
            show_indicator(v, figure)
    elif not prepared["other"]:
        st.write("No indicators for this priority yet: add rows with this priority's name to the indicators file.")
    if section.priority is not None and section.priority.outcomes:
        inner("Outcomes it serves")
        st.markdown("\n".join(f"- {o}" for o in section.priority.outcomes))
    if prepared["n_actions"] or not prepared["other"]:
        inner("What we will do")
        if prepared["n_actions"]:
            st.markdown(prepared["actions"])
            late = prepared["overdue"]
            st.caption(f"{late} of {prepared['n_actions']} actions overdue as of {as_of_text}." if late
                       else f"No action overdue as of {as_of_text}.")
        else:
            st.write("No actions for this priority in the action plan.")


sections = page["sections"]
for prepared in sections:
    if not prepared["other"]:
        show_section(prepared, st.header, st.subheader)

others = [p for p in sections if p["other"]]
if others:
    kinds = [k for k, present in (("indicators", any(p["pairs"] for p in others)),
                                  ("actions", any(p["n_actions"] for p in others))) if present]
    st.header(f"Other {' and '.join(kinds)} in the file{'s' if len(kinds) > 1 else ''}")
    st.caption("These name a priority that csp.toml's [[priorities]] does not list (such as one from an earlier "
               "strategy). They are shown here rather than dropped; add the priority to csp.toml to give it a "
               "section of its own.")
    for prepared in others:
        show_section(prepared, st.subheader, lambda text: st.markdown(f"#### {text}"))

st.header("Downloads")
st.caption("Exactly what the page shows, with hidden counts as '" + label + "': the status of every indicator, "
           "every figure behind the sparklines, and the action plan with overdue flags.")
layout.data_download(page["summary"], "priority-indicators", label="Indicators and their status")
layout.data_download(page["figures"], "priority-indicator-figures", label="Every indicator figure")
layout.data_download(page["plan"], "action-plan", label="Action plan")
