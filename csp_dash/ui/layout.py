"""Page furniture: the demo banner, page headers, error boxes and "show data" downloads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from csp_dash.config import ROOT
from csp_dash.errors import CspError, MissingDataError
from csp_dash.export import to_csv_bytes

DEMO_BANNER = "Demo data: synthetic, for illustration"


def shown_path(path: str | Path, project: Path = ROOT) -> str:
    """A folder as a page shows it: relative to the project folder (the folder of app.py) when it
    is inside it, like ``data/demo/cleaned``; otherwise only its own name, so a page never shows
    where things are on the server."""
    path = Path(path).resolve()
    try:
        return path.relative_to(Path(project).resolve()).as_posix()
    except ValueError:
        return path.name


def demo_banner() -> None:
    st.warning(f"**{DEMO_BANNER}.** Load your own data with `python -m csp_dash ingest` "
               "(see the README); this label disappears once the dashboard reads a real store.",
               icon=":material/science:")


def page_header(title: str, summary: str | None = None) -> None:
    st.title(title)
    if summary:
        st.caption(summary)


def error_box(error: CspError) -> None:
    """An expected problem, said plainly with what to do about it."""
    what = "Some data this page needs has not been loaded." if isinstance(error, MissingDataError) \
        else "The dashboard could not use some of its input."
    expected = f"; expected {error.expected}" if error.expected else ""
    where = f" ({error.location()})" if error.location() else ""
    hint = f"\n\n**What to do:** {error.hint}" if error.hint else ""
    st.error(f"{what}\n\n{error.message}{expected}{where}{hint}", icon=":material/error:")


PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart(fig) -> None:
    """Draw a plotly figure with our own template (Streamlit's theme would grey the text)."""
    st.plotly_chart(fig, theme=None, width="stretch", config=PLOTLY_CONFIG)


def data_download(df: pd.DataFrame, name: str, label: str = "Show data", key: str | None = None) -> None:
    """An expander with the table behind a chart and a CSV download of exactly that table."""
    with st.expander(label):
        st.dataframe(df, hide_index=True, width="stretch")
        # A callable is run only when the button is clicked, so pages don't encode every table
        # on every rerun; on_click="ignore" keeps the page as it is after a download.
        st.download_button("Download CSV", lambda: to_csv_bytes(df), file_name=f"{name}.csv", mime="text/csv",
                           key=key or f"dl_{name}", icon=":material/download:", on_click="ignore")
