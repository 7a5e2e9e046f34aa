"""Presentation mode: the pages as slides for a projector.

On (a toggle on the Overview page, or ``?present=1`` in the URL), it hides the sidebar and
Streamlit's header, sets large high-contrast type, and adds a small bar with Previous, Next
and Exit that steps through the navigation's pages in order; the arrow keys press Previous
and Next. The state lives in ``st.session_state`` so it survives page changes, and is
mirrored in the URL so a copied link opens in presentation mode.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext

import plotly.graph_objects as go
import streamlit as st

from csp_dash.ui import layout

FILL = "slide_fill"  # the block holding a slide's chart or map, sized by CSS to the screen's free height
HIDDEN = "slide_hidden"  # a page's controls on a slide: drawn (so they keep their defaults) but not shown
# A slide's map is fitted to the map's size on the smallest slide (1280x720 with the demo banner):
# on a larger screen the whole area still shows, with a margin.
SLIDE_MAP_PX = (640, 380)
STATE = "presenting"  # the mode itself: plain session state, kept across pages
TOGGLE = "present_toggle"  # the Overview page's widget (its state is dropped on other pages)
PARAM = "present"
NEXT, PREVIOUS, EXIT = "present_next", "present_prev", "present_exit"

# Sizes follow the viewport so that a slide fits 1280x720 and 1920x1080 alike: 1rem is about
# 18 px on the first and 24 px on the second.
CSS = """
html { font-size: clamp(17px, calc(0.55vw + 1.05vh + 3px), 26px); }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
.stApp, [data-testid="stMain"] { background: #ffffff; color: #000000; }
/* A slide is exactly one screen: the bottom padding keeps the slide bar (fixed at the bottom right)
   off the content, and the slide's chart or map (in a "slide_fill" block) takes the height the
   title and the lines above it leave, so one layout fits 1280x720 and 1920x1080 alike. */
[data-testid="stMainBlockContainer"] { padding: 0.6rem 2rem 4rem 2rem !important; max-width: 100% !important;
  height: 100vh; box-sizing: border-box; display: flex; flex-direction: column; }
[data-testid="stVerticalBlock"]:has(.st-key-slide_fill) > :has(.st-key-slide_fill),
.st-key-slide_fill > * { flex: 1 1 0 !important; min-height: 0; }
[data-testid="stColumn"]:has(.st-key-slide_fill) { display: flex; flex-direction: column; }
.st-key-slide_fill { min-height: 12rem; height: 100%; }
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-slide_hidden"]), [class*="st-key-slide_hidden"] {
  display: none !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li { color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #222222 !important; }
h1 { font-size: 1.9rem !important; padding: 0 0 0.1rem 0 !important; line-height: 1.15 !important; }
[data-testid="stHeading"] h2, [data-testid="stHeading"] h3 { font-size: 1.35rem !important;
  padding: 0.3rem 0 0 0 !important; line-height: 1.2 !important; }
[data-testid="stMetricValue"] { font-size: 1.8rem; }
[data-testid="stAlert"] [data-testid="stAlertContainer"] { padding: 0.3rem 0.8rem; }
[data-testid="stAlert"] p { font-size: 0.85rem; }
/* The slide bar and the key listener sit outside the flow; their blocks must not add gaps. */
[data-testid="stLayoutWrapper"]:has(> .st-key-present_keys),
[data-testid="stLayoutWrapper"]:has(> .st-key-present_bar) { position: absolute !important; }
.st-key-present_bar { position: fixed; bottom: 0.4rem; right: 1rem; z-index: 999990; width: auto !important;
  background: #ffffff; padding: 0.15rem 0.3rem; border: 2px solid #000000; border-radius: 0.5rem; }
.st-key-present_bar button { min-height: 2.1rem; padding: 0.1rem 0.7rem; border: 2px solid #000000;
  color: #000000; font-weight: 600; }
.st-key-present_bar p { font-size: 0.9rem; font-weight: 600; margin: 0 !important; line-height: 2.1rem; }
.st-key-present_keys { position: absolute; width: 0; height: 0; overflow: hidden; }
"""

# Same origin as the app, so the component's frame can reach the page and press its buttons.
# The handler is kept on the page's window so a re-drawn frame replaces it instead of adding
# a second one.
KEYS_JS = f"""
<script>
(function () {{
  const win = window.parent, doc = win.document;
  if (win.__cspPresentKeys) doc.removeEventListener("keydown", win.__cspPresentKeys);
  win.__cspPresentKeys = function (event) {{
    const t = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const key = event.key === "ArrowRight" ? "{NEXT}" : event.key === "ArrowLeft" ? "{PREVIOUS}" : null;
    if (!key) return;
    const button = doc.querySelector(".st-key-" + key + " button");
    if (button && !button.disabled) {{ event.preventDefault(); button.click(); }}
  }};
  doc.addEventListener("keydown", win.__cspPresentKeys);
}})();
</script>
"""


def active() -> bool:
    """Whether presentation mode is on for this run.

    A session's first run takes it from the URL (``?present=1``); after that the session
    state decides (the toggle and the Exit button change it) and the URL follows it.
    """
    if "_present_ready" not in st.session_state:
        st.session_state[STATE] = st.query_params.get(PARAM) == "1"
        st.session_state["_present_ready"] = True
    on = bool(st.session_state.get(STATE))
    if on and st.query_params.get(PARAM) != "1":
        st.query_params[PARAM] = "1"
    elif not on and PARAM in st.query_params:
        del st.query_params[PARAM]
    return on


def presenting() -> bool:
    """Whether this run draws a slide (app.py has already called ``active()``)."""
    return bool(st.session_state.get(STATE))


def slide_end() -> None:
    """The cut after a page's headline content: in presentation mode the page stops here, so
    its slide is the title, a line of summary and its one chart, table or map."""
    if presenting():
        st.stop()


def _fill(where=None):
    """The block for a slide's chart or map (one a page), in ``where`` or the current block: CSS
    stretches it over the height that the lines above it leave."""
    return (where or st).container(key=FILL)


def chart(fig, **slide_layout) -> None:
    """A page's headline chart: ``layout.chart`` on a page; in presentation mode it fills the slide,
    with ``slide_layout`` (plotly layout properties, such as ``margin_t=12``) applied to a copy."""
    if not presenting():
        layout.chart(fig)
        return
    if slide_layout:
        fig = go.Figure(fig).update_layout(**slide_layout)  # a copy: the page's figure may be memoised
    with _fill():
        st.plotly_chart(fig, theme=None, width="stretch", height="stretch", config=layout.PLOTLY_CONFIG)


def pydeck(deck, bounds, where=None, height: int = 500, **kwargs):
    """A page's headline map: ``st.pydeck_chart(deck, height=height, **kwargs)`` on a page (in
    ``where`` if given); in presentation mode it fills the slide, its view refitted to ``bounds``
    (min_lon, min_lat, max_lon, max_lat) for the smallest slide so that the whole area shows.
    Returns what ``st.pydeck_chart`` returns."""
    if not presenting():
        return (where or st).pydeck_chart(deck, height=height, **kwargs)
    from csp_dash.charts.maps import fit_view

    slide = copy.copy(deck)  # a shallow copy: the page's deck may be memoised and shared
    slide.initial_view_state = fit_view(bounds, *SLIDE_MAP_PX)
    with _fill(where):
        return st.pydeck_chart(slide, height="stretch", **kwargs)


def controls(where=None, key: str = HIDDEN):
    """The block for a page's controls that a slide leaves out: ``where`` (a column or container;
    no block if None) on a page; in presentation mode a hidden block, so the widgets keep their
    defaults and take no room. A second such block on one page needs its own ``key``, starting
    with "slide_hidden"."""
    if presenting():
        return (where or st).container(key=key)
    return where if where is not None else nullcontext()


def _from_toggle() -> None:
    st.session_state[STATE] = bool(st.session_state[TOGGLE])


def toggle(where=None) -> bool:
    """The "Presentation mode" toggle; returns whether the mode is on."""
    st.session_state[TOGGLE] = bool(st.session_state.get(STATE))
    (where or st).toggle("Presentation mode", key=TOGGLE, on_change=_from_toggle,
                         help="Hide the sidebar, use large type, and step through the pages with Next and Previous "
                              "or the arrow keys. Also opened by adding ?present=1 to the address.")
    return bool(st.session_state.get(STATE))


def _exit() -> None:
    st.session_state[STATE] = False


def present(current, pages: list) -> None:
    """Hide the sidebar, inject the large-type CSS, and draw the slide bar for ``current``.

    ``pages`` is the navigation's pages in order; Next and Previous switch to the neighbours
    of ``current`` (compared by URL path), keeping the URL's other parameters.
    """
    st.html(f"<style>{CSS}</style>")
    paths = [p.url_path for p in pages]
    at = paths.index(current.url_path) if current.url_path in paths else 0
    with st.container(key="present_bar", horizontal=True, vertical_alignment="center", gap="small", width="content"):
        previous = st.button("◀ Previous", key=PREVIOUS, disabled=at == 0)
        st.markdown(f"{at + 1} of {len(pages)}")
        following = st.button("Next ▶", key=NEXT, disabled=at >= len(pages) - 1)
        st.button("Exit", key=EXIT, on_click=_exit)
    with st.container(key="present_keys"):
        st.iframe(KEYS_JS, height=1)
    target = pages[at - 1] if previous else pages[at + 1] if following else None
    if target is not None:
        params = {k: v for k, v in st.query_params.to_dict().items()}
        params[PARAM] = "1"
        st.switch_page(target, query_params=params)
