"""The shared sidebar filters: drawn once, in app.py, for every page.

Widget values live in st.session_state under the ``f_`` keys, so they survive page
changes. They are read from the URL on a session's first run and written back to it on
every run, so a copied link reproduces the view.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from csp_dash.analysis import filters as F
from csp_dash.analysis.geography import RURAL

SCOPE_LABELS = {"district": "Whole district", "town": "A town", "lsoas": "Chosen LSOAs"}
URL_KEYS = ("scope", "town", "lsoa", "from", "to", "cat")


def town_lsoas(area_lsoas: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Town name -> its LSOA codes, towns first (alphabetically), then the rest of the area."""
    groups = area_lsoas.groupby("town")["code"].apply(lambda s: tuple(sorted(s))).to_dict()
    order = sorted(t for t in groups if t != RURAL) + ([RURAL] if RURAL in groups else [])
    return {t: groups[t] for t in order}


def _init_from_url(choices: dict) -> None:
    """Seed the widgets from the URL, once per session."""
    if st.session_state.get("_filters_ready"):
        return
    params = {k: st.query_params[k] for k in URL_KEYS if k in st.query_params}
    f = F.from_params(params, **choices)
    st.session_state["f_scope"] = f.scope
    if f.scope == "town":
        st.session_state["f_town"] = f.town
    if f.scope == "lsoas":
        st.session_state["f_lsoas"] = list(f.lsoa_codes)
    if f.start is not None:
        st.session_state["f_months"] = (f.start, f.end)
    st.session_state["f_cats"] = list(f.categories)
    st.session_state["_filter_notes"] = f.notes
    st.session_state["_filters_ready"] = True


def shared_filters(area_name: str, area_lsoas: pd.DataFrame, months: list[pd.Timestamp],
                   categories: list[str]) -> F.Filters:
    """Draw the sidebar filters and return what they say."""
    towns = town_lsoas(area_lsoas)
    span = (months[0], months[-1]) if months else (None, None)
    choices = dict(towns=towns, lsoa_codes=set(area_lsoas["code"]), categories=tuple(categories),
                   months=span, area_name=area_name)
    if months:
        _init_from_url(choices)

    side = st.sidebar
    side.markdown("### Filters")
    scope = side.radio("Area", list(SCOPE_LABELS), format_func=SCOPE_LABELS.get, key="f_scope")
    town, codes = None, ()
    if scope == "town":
        town = side.selectbox("Town", list(towns), key="f_town",
                              format_func=lambda t: f"{t} ({len(towns[t])} LSOA{'s' if len(towns[t]) != 1 else ''})")
        codes = towns[town]
    elif scope == "lsoas":
        names = dict(zip(area_lsoas["code"], area_lsoas["name"]))
        place = dict(zip(area_lsoas["code"], area_lsoas["town"]))
        codes = tuple(side.multiselect(
            "LSOAs", sorted(names, key=names.get), key="f_lsoas", placeholder="Type a name, code or town",
            format_func=lambda c: f"{names[c]} · {place[c]} · {c}"))
    start = end = None
    if months:
        held = st.session_state.get("f_months")
        if held is not None and not all(m in months for m in held):
            del st.session_state["f_months"]  # the store changed under this session
        # value= also sets range mode; the session state seeded from the URL takes precedence.
        start, end = side.select_slider("Months", options=months, value=span, key="f_months",
                                        format_func=lambda m: f"{m:%b %Y}")
    chosen = side.multiselect("Crime categories", categories, key="f_cats", placeholder="All categories")
    for note in st.session_state.get("_filter_notes", ()):
        side.caption(f"Ignored in the link: {note}.")

    if scope == "lsoas" and not codes:
        scope = "district"  # nothing chosen yet: show the whole district rather than nothing
    result = F.Filters(scope=scope, town=town, lsoa_codes=tuple(codes), start=start, end=end,
                       categories=tuple(chosen), area_name=area_name)
    if months:
        _write_url(F.to_params(result, span))
    return result


def _write_url(params: dict[str, str]) -> None:
    for key in URL_KEYS:
        if key in params:
            if st.query_params.get(key) != params[key]:
                st.query_params[key] = params[key]
        elif key in st.query_params:
            del st.query_params[key]
