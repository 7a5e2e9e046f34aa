"""The figures JSON (``python -m csp_dash figures``) says what the screen says: the Overview's
tiles, the Hotspot map's LSOA table and the Trends page's comparisons, at the same filters, on
the demo store and on the real store with its 26-month gap."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from csp_dash.cli import main
from tests.app.test_real_store_pages import open_page


def figures_json(store, capsys, **filters) -> dict:
    args = ["figures", "--store", str(store.path)]
    for flag, value in filters.items():
        args += [f"--{flag}", value]
    capsys.readouterr()  # whatever a fixture printed before
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def tile_cards(at) -> list[dict]:
    """Each tile card of the Overview: title, value, change and signal lines as shown."""
    body = "".join(m.value for m in at.main.markdown if "ov-tile" in m.value)
    cards = re.findall(r'<div class="ov-tile[^"]*"[^>]*>(.*?)</div></div>', body, re.S)
    out = []
    for card in cards:
        field = {k: html.unescape(v) for k, v in re.findall(r'<div class="ov-(title|value|change)[^"]*">(.*?)</div>',
                                                              card, re.S)}
        field["change"] = re.sub(r"<[^>]+>", "", field.get("change", "")).strip()
        out.append(field)
    return out


STORES = ["demo_store", "real_full_store"]
RANGES = {"demo_store": {"from": "2017-04", "to": "2021-03"}, "real_full_store": {"from": "2021-09", "to": "2022-04"}}


@pytest.mark.parametrize("which", STORES)
def test_overview_tiles_are_the_figures_tiles(app_for, request, capsys, which):
    store = request.getfixturevalue(which)
    chosen = RANGES[which]
    out = figures_json(store, capsys, **chosen)
    cards = tile_cards(open_page(app_for, store, "pages/overview.py", **chosen))
    assert [c["title"] for c in cards] == [t["name"] for t in out["tiles"]]
    for card, tile in zip(cards, out["tiles"]):
        shown = "Withheld" if tile["value_text"] == "[c]" else tile["value_text"]
        assert card["value"] == shown, tile["name"]
        if tile["comparison"] and not tile["comparison"].get("withheld"):
            assert f"{abs(tile['comparison']['change_pct']):.0f}%" in card["change"] or "less than" in card["change"]
            assert tile["comparison"]["verdict"] in card["change"]
        else:
            assert card["change"].lstrip("▲▼▶ ") == tile["change_text"]


@pytest.mark.parametrize("which", STORES)
def test_the_lsoa_table_behind_the_map_is_the_figures_lsoas(app_for, request, capsys, which):
    store = request.getfixturevalue(which)
    chosen = RANGES[which]
    out = pd.json_normalize(figures_json(store, capsys, **chosen)["lsoas"]).set_index("code")
    at = open_page(app_for, store, "pages/hotspots.py", **chosen)
    at.session_state["hot_section"] = "How concentrated crime is"
    at.run()
    (shown,) = [d.value for d in at.dataframe if "rate_per_1000_a_year" in d.value.columns]
    shown = shown.set_index("code").reindex(out.index)
    assert len(shown) == len(out) and shown["records"].tolist() == out["records"].tolist()
    assert np.allclose(shown["rate_per_1000_a_year"].astype(float), out["rate_per_1000_a_year"].astype(float),
                       equal_nan=True)
    # Jan-Apr 2022 (real) and 2017-21 (demo) each have their previous period held: every change is there.
    assert shown["change.p_value"].notna().all() and out["change.p_value"].notna().all()
    assert np.allclose(shown["change.p_value"].astype(float), out["change.p_value"].astype(float))
    assert shown["change.significant_after_fdr"].tolist() == out["change.significant_after_fdr"].tolist()


@pytest.mark.parametrize("which", STORES)
def test_the_trends_comparisons_are_the_figures_financial_years(app_for, request, capsys, which):
    store = request.getfixturevalue(which)
    out = figures_json(store, capsys)["financial_years"]
    at = open_page(app_for, store, "pages/trends.py")
    text = "\n".join(m.value for m in at.main.markdown)
    assert out["comparisons"], "the page reports comparisons on both stores"
    for row in out["comparisons"]:
        assert f"**{row['comparison']}** ({row['current_label']} against {row['baseline_label']}): " in text
        assert row["words"] in text
    boxes = [box for box in at.selectbox if box.key == "t_year"]
    if which == "demo_store":  # several years on offer: the page's default chosen year is the JSON's
        assert boxes and boxes[0].value == int(out["chosen_year"][:4])
    else:  # only 2021/22 is on offer, so there is nothing to choose
        assert not boxes and out["chosen_year"] == "2021/22"
