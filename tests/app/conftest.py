"""AppTest fixtures: run app.py against a given store, with navigation as served."""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def navigation_pages(monkeypatch):
    """Streamlit 1.67's AppTest resets PagesManager.uses_pages_directory before each run;
    with a pages/ folder beside app.py, switch_page would then run a page without app.py
    (no sidebar, no banner). A served app sets the flag to False through st.navigation;
    do the same here as soon as the PagesManager is built."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_for(monkeypatch):
    """A function giving an AppTest of app.py that reads the given store."""

    def make(store_path, **query) -> AppTest:
        monkeypatch.setenv("CSP_STORE", str(store_path))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        return at

    return make
