"""The app shell: demo banner, shared filters mirrored in the URL, error boxes."""

from __future__ import annotations

from csp_dash.ui.layout import DEMO_BANNER


def _texts(at) -> str:
    parts = [e.value for e in [*at.warning, *at.info, *at.markdown, *at.caption, *at.error]]
    return "\n".join(str(p) for p in parts)


def test_demo_store_shows_the_synthetic_label(app_for, demo_store):
    at = app_for(demo_store.path).run()
    assert not at.exception
    assert DEMO_BANNER in _texts(at)


def test_real_store_shows_no_synthetic_label(app_for, real_store):
    at = app_for(real_store.path).run()
    assert not at.exception
    assert "synthetic" not in _texts(at).lower()


def test_filters_start_from_the_url(app_for, real_store):
    at = app_for(real_store.path, scope="town", town="dunstable", **{"from": "2021-05", "to": "2021-12"},
                 cat="burglary,robbery").run()
    assert not at.exception
    assert at.sidebar.radio(key="f_scope").value == "town"
    assert at.sidebar.selectbox(key="f_town").value == "Dunstable"
    months = at.sidebar.select_slider(key="f_months").value
    assert [f"{m:%Y-%m}" for m in months] == ["2021-05", "2021-12"]
    assert at.sidebar.multiselect(key="f_cats").value == ["Burglary", "Robbery"]
    f = at.session_state["filters"]
    assert f.scope_label == "Dunstable" and len(f.lsoa_codes) == 21


def test_changing_a_filter_rewrites_the_url(app_for, real_store):
    at = app_for(real_store.path).run()
    assert dict(at.query_params) == {}
    at.sidebar.radio(key="f_scope").set_value("town").run()
    at.sidebar.selectbox(key="f_town").set_value("Leighton Buzzard").run()
    at.sidebar.multiselect(key="f_cats").set_value(["Drugs"]).run()
    assert dict(at.query_params) == {"scope": "town", "town": "leighton-buzzard", "cat": "drugs"}
    at.sidebar.radio(key="f_scope").set_value("district").run()
    assert dict(at.query_params) == {"cat": "drugs"}


def test_unknown_link_parts_are_ignored_and_said(app_for, real_store):
    at = app_for(real_store.path, scope="town", town="atlantis", cat="piracy").run()
    assert not at.exception
    assert at.sidebar.radio(key="f_scope").value == "district"
    notes = " ".join(c.value for c in at.sidebar.caption)
    assert "Ignored in the link: unknown town 'atlantis'." in notes
    assert "Ignored in the link: 1 unknown category." in notes
