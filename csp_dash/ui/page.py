"""What every page starts with: the store, the config and the shared filters that app.py set."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from csp_dash.analysis.filters import Filters


def context():
    """(store, config, filters) for this run, as app.py left them in session state.

    On a server's very first request, if that request is a deep link to a page, Streamlit
    can still be in its legacy ``pages/`` mode and run the page without app.py. Switch
    the legacy mode off (as st.navigation itself does) and rerun through app.py.
    """
    if "store" not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()
    filters = st.session_state.get("filters") or Filters(area_name=st.session_state["config"].area.name)
    return st.session_state["store"], st.session_state["config"], filters
