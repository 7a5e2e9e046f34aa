"""The Hotspot page's figures: what a narrow column must still show."""

from __future__ import annotations

import pandas as pd

from csp_dash.charts import hotspots as C


def test_the_crime_mix_leaves_room_for_the_longest_bars_label():
    mix = pd.DataFrame({"category": ["Anti-social behaviour", "Burglary"], "lsoa_share": [0.62, 0.38],
                        "area_share": [0.28, 0.72]})
    fig = C.mix_figure(mix, "Test 001A", "Test district, all LSOAs")
    assert fig.layout.xaxis.range == (0, 72 * 1.25)  # the longest bar is the area's 72%
    bars = {t.name: t for t in fig.data}
    # Largest at the top: plotly draws the first row at the bottom, so the rows come reversed.
    assert list(bars["Test 001A"].y) == ["Burglary", "Anti-social behaviour"]
    assert list(bars["Test 001A"].text) == ["38%", "62%"] and bars["Test 001A"].textposition == "outside"
