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


def test_a_bad_csp_toml_is_said_in_a_box_naming_the_key(app_for, demo_store, monkeypatch, tmp_path):
    bad = tmp_path / "csp.toml"
    bad.write_text('[area]\nnam = "Central Bedfordshire"\n', encoding="utf-8")
    monkeypatch.setenv("CSP_CONFIG", str(bad))
    at = app_for(demo_store.path).run()
    assert not at.exception
    (box,) = at.error
    assert ("unknown key 'area.nam'; expected one of the keys allowed in [area]: code, name, partnership, force, "
            f"towns ({bad}, column 'area.nam')") in box.value


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


def test_every_page_says_which_chosen_months_the_store_holds(app_for, real_store):
    at = app_for(real_store.path).run()
    assert not at.exception
    assert ("Months chosen: 17 of 43 months held; no data for Mar 2019 to Apr 2021 (26 months). Months without "
            "data are gaps in every chart and are never counted as zero.") in [c.value for c in at.sidebar.caption]
    # Months that fall wholly in the gap: a box says so, naming the months the store holds.
    at = app_for(real_store.path, **{"from": "2020-01", "to": "2020-12"}).run()
    assert not at.exception
    assert ("The months chosen, Jan 2020 to Dec 2020, hold no police.uk data in this store: it holds Oct 2018 to "
            "Feb 2019 (5 months); May 2021 to Apr 2022 (12 months). Choose months within those in the sidebar."
            ) in [w.value for w in at.warning]
    # A range the store holds in full says nothing.
    at = app_for(real_store.path, **{"from": "2021-05", "to": "2022-04"}).run()
    assert not any(c.value.startswith("Months chosen:") for c in at.sidebar.caption)
