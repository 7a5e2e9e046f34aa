"""The Data page on the demo store and on real data."""

from __future__ import annotations

from csp_dash.config import ROOT
from csp_dash.ui.layout import shown_path


def test_data_page_on_the_demo_store(app_for, demo_store):
    at = app_for(demo_store.path).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == "Data"
    metrics = {m.label: m.value for m in at.metric}
    crimes = demo_store.read("crimes", columns=["month"])
    assert metrics["Records in the area"] == f"{len(crimes):,}"
    assert metrics["Months covered"] == "72"
    headings = [h.value for h in at.subheader]
    assert headings == ["Coverage by month and category", "Unplaceable records", "Rejected rows",
                        "What the store holds", "Sources", "Licences and attribution"]
    licences = at.main.markdown[-1].value
    for attribution in ("Open Government Licence v3.0", "Office for National Statistics",
                        "Ministry of Housing, Communities and Local Government", "police.uk"):
        assert attribution in licences
    # The store is named, never its absolute path on the server: this one is in a temporary
    # folder outside the project, so only the folder's own name is shown.
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Store: `cleaned` · last updated ") for c in captions), captions
    assert not any(str(demo_store.path.parent) in c for c in captions)


def test_a_store_is_shown_relative_to_the_project_folder_or_by_its_name():
    assert shown_path(ROOT / "data" / "demo" / "cleaned") == "data/demo/cleaned"
    assert shown_path(ROOT / "data" / "cleaned") == "data/cleaned"
    assert shown_path(ROOT / "data" / ".." / "data" / "cleaned") == "data/cleaned"
    assert shown_path("/srv/elsewhere/safer-central/cleaned") == "cleaned"
    assert shown_path(ROOT.parent / "shared" / "store") == "store"


def test_data_page_counts_match_the_store_on_real_data(app_for, real_store):
    at = app_for(real_store.path).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Records in the area"] == f"{len(real_store.read('crimes', columns=['month'])):,}"
    assert metrics["Unplaceable records"] == f"{len(real_store.read('unlocated', columns=['month'])):,}"
    assert metrics["Rejected rows"] == "184"
    captions = [c.value for c in at.caption]
    assert "Months with no records at all: Mar 2019 to Apr 2021 (26 months)." in captions
    assert "The same rows, with the file, line, column and reason, are in `cleaned/rejects`." in captions
    assert not any(str(real_store.path.parent) in c for c in captions)
