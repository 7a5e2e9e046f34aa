"""The Overview page in AppTest: the tiles and summary on the demo store, presentation mode from
the URL and from the toggle with Next and Previous, the board pack only on a click, and a store
with nothing loaded."""

from __future__ import annotations

import pandas as pd

from csp_dash.report.render import NEEDS_CHROMIUM


def _tiles_html(at) -> str:
    found = [m.value for m in at.markdown if 'class="ov-tiles' in m.value]
    assert len(found) == 1
    return found[0]


def test_the_overview_is_the_first_page_with_its_tiles_and_summary(app_for, demo_store):
    at = app_for(demo_store.path).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    tiles = _tiles_html(at)
    crimes = demo_store.read("crimes", columns=["month", "category"])
    latest = crimes[crimes["month"] >= pd.Timestamp("2020-04-01")]
    total = int((latest["category"] != "Anti-social behaviour").sum())
    asb = int((latest["category"] == "Anti-social behaviour").sum())
    for text in (f">{total:,}<", f">{asb:,}<", ">3,480<", ">Withheld<", "hidden to protect victims",
                 "latest 12 months to Mar 2021", "Feel safe (survey)", "change withheld: small numbers"):
        assert text in tiles, text
    # Arrows and words, never colour alone.
    # The demo's months vary ten times as much as Poisson counts: a 4% fall is within normal variation.
    assert "▼</span> down 4%, within normal variation (p = 0.19)" in tiles
    side = " ".join(m.value for m in at.markdown)
    assert "<b>Priority Two: Domestic and Sexual Abuse</b>: ✕ 1 Red · ○ 5 Monitor · ⚠ 2 of 7 actions overdue" in side
    assert "⚠ 4 of 20 actions in the plan are overdue as of 31 March 2021." in side
    # The board pack is one download button whose PDF is made only when it is pressed (the
    # browser test presses it); the page itself draws no chart image.
    assert [d.proto.label for d in at.get("download_button")] == ["Board pack (PDF)", "Download CSV"]
    assert not at.button
    assert at.toggle(key="present_toggle").value is False


def test_present_1_in_the_url_shows_slides_that_step_through_the_pages(app_for, demo_store):
    at = app_for(demo_store.path, present="1").run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert at.session_state["presenting"] is True
    assert at.button(key="present_prev").disabled
    assert not at.button(key="present_next").disabled
    assert "1 of 9" in [m.value for m in at.markdown]
    assert 'ov-tiles ov-slide' in _tiles_html(at)
    assert len(at.toggle) == 0 and len(at.expander) == 0  # the slide keeps to one screen

    at.button(key="present_next").click().run()
    assert not at.exception
    second = at.title[0].value
    assert second != "Overview"
    assert "2 of 9" in [m.value for m in at.markdown]
    assert at.session_state["presenting"] is True
    assert at.query_params["present"] == "1"

    at.button(key="present_prev").click().run()
    assert at.title[0].value == "Overview"

    at.button(key="present_exit").click().run()
    assert at.session_state["presenting"] is False
    assert "present" not in at.query_params
    assert not [b for b in at.button if b.key == "present_next"]


def test_the_toggle_turns_presentation_mode_on_and_it_survives_a_page_change(app_for, demo_store):
    at = app_for(demo_store.path).run()
    at.toggle(key="present_toggle").set_value(True).run()
    assert not at.exception
    assert at.session_state["presenting"] is True
    assert at.query_params["present"] == "1"
    at.switch_page("pages/trends.py").run()
    assert at.title[0].value == "Trends"
    assert [b for b in at.button if b.key == "present_next"]


def test_with_nothing_loaded_the_tiles_say_so_and_never_show_zero(app_for, store):
    at = app_for(store.path).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    tiles = _tiles_html(at)
    assert tiles.count(">no data loaded<") == 7
    assert ">0<" not in tiles


def _pack_help_and_caption(at) -> tuple[str, str]:
    (button,) = [d for d in at.get("download_button") if d.proto.label == "Board pack (PDF)"]
    (caption,) = [c.value for c in at.caption if c.value.startswith("The board pack:")]
    return button.proto.help, caption


def test_without_chromium_the_board_pack_says_what_to_install(app_for, demo_store, monkeypatch, tmp_path):
    monkeypatch.delenv("CSP_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser anywhere on the PATH
    at = app_for(demo_store.path).run()
    assert not at.exception
    help_text, caption = _pack_help_and_caption(at)
    assert NEEDS_CHROMIUM in help_text and caption.endswith(NEEDS_CHROMIUM)
    assert "apt-get install chromium" in NEEDS_CHROMIUM


def test_with_chromium_the_board_pack_says_nothing_about_it(app_for, demo_store, monkeypatch, tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("CSP_CHROMIUM", str(browser))
    at = app_for(demo_store.path).run()
    assert not at.exception
    help_text, caption = _pack_help_and_caption(at)
    assert "Chromium" not in help_text and "Chromium" not in caption
