"""Figures and map layers of the Hotspot map page: the LSOA measure as colours with its legend,
the deck, the profile's crime mix and control chart, and the concentration curve.

Nothing is told by colour alone: legends name every class, tooltips give the value and rank,
lines differ in dash as well as colour, and bars carry their value as text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from csp_dash.analysis.hotspots import NO_NEIGHBOUR, ranks
from csp_dash.charts import maps, theme

COUNT, RATE, CHANGE, IMD, GI = ("Records", "Rate per 1,000 residents", "Change on the previous period",
                                "IMD decile", "Hot and cold spots (Gi*)")
MEASURES = (COUNT, RATE, CHANGE, IMD, GI)
CHANGE_BREAKS = [-50, -20, -5, 5, 20, 50]  # % change; the seven classes lie between and beyond these
CHANGE_LABELS = ["down over 50%", "down 20% to 50%", "down 5% to 20%", "within 5%", "up 5% to 20%",
                 "up 20% to 50%", "up over 50% (or from none)"]
IMD_LABELS = ["1: most deprived 10%"] + [str(i) for i in range(2, 10)] + ["10: least deprived 10%"]
# Every layer's rows carry title and line1-3: Streamlit leaves a "{field}" a row lacks in the text.
TOOLTIP = maps.tooltip("<b>{title}</b><br/>{line1}<br/>{line2}<br/>{line3}")
OUTSIDE = {"title": "Outside the chosen area", "line1": "", "line2": "", "line3": "", "fill": [235, 235, 235, 90]}
LEGEND_TOP = dict(orientation="h", y=1.02, yanchor="bottom", x=0, title=None)


@dataclass(frozen=True)
class MapMeasure:
    """What the LSOA layer shows: per-LSOA properties (title, line1, line2, fill) and its legend."""

    props: pd.DataFrame  # title, line1 (the value), line2 (its rank in the area), line3, fill
    legend: pd.DataFrame  # colour, label
    title: str
    note: str
    missing_label: str | None
    flagged: tuple[str, ...] = ()  # LSOAs to edge in black (a significant change)


def _rank_lines(ranks_: pd.Series, what: str, first: str, missing: str) -> list[str]:
    """"Rank r of n LSOAs by ``what`` (1 = ``first``)" per LSOA, n the LSOAs ranked; ``missing``
    where an LSOA has no rank."""
    n = int(ranks_.notna().sum())
    return [f"Rank {int(r)} of {n} LSOAs by {what} (1 = {first})" if pd.notna(r) else missing for r in ranks_]


def measure_colours(table: pd.DataFrame, measure: str, method: str = "quantile", gi: pd.DataFrame | None = None,
                    previous=None, gi_on: str = "rate", gi_note: str = "") -> MapMeasure:
    """Colours, tooltip lines and legend for one measure of ``hotspots.lsoa_table``.

    Every measure's tooltip gives the LSOA's name and code (title), its value (line1), its rank
    among the LSOAs in the table saying what rank 1 is (line2) and one more fact (line3): the
    records, their share, or, for the IMD, England's rank.

    ``method`` is "quantile" or "natural" (records and rates); ``gi`` the Gi* table for GI;
    ``previous`` the ``hotspots.PeriodChange`` for CHANGE: which months were compared, and how.
    """
    props = pd.DataFrame(index=table.index)
    props["title"] = table["name"] + " (" + table.index + ")"
    count_text = [f"{c:,} record{'s' if c != 1 else ''}" for c in table["count"]]
    if measure in (COUNT, RATE):
        col = "count" if measure == COUNT else "rate"
        classes, breaks = maps.classify(table[col], 5, method)
        palette = maps.sequential(max(1, len(breaks) - 1))
        props["fill"] = maps.fill_colours(classes, palette)
        if measure == COUNT:
            total = int(table["count"].sum())
            props["line1"] = count_text
            props["line2"] = _rank_lines(table["count_rank"], "records", "most", "")
            props["line3"] = [f"{c / total:.1%} of the {total:,} records mapped" if total else ""
                              for c in table["count"]]
        else:
            props["line1"] = [f"{v:,.1f} per 1,000 residents a year" if pd.notna(v) else "No population figure"
                              for v in table["rate"]]
            props["line2"] = _rank_lines(table["rate_rank"], "rate", "highest", "No rate, so no rank")
            props["line3"] = count_text
        legend = maps.legend(breaks, palette, "{:,.0f}" if measure == COUNT else "{:,.1f}", integer=measure == COUNT)
        name = "Quantiles" if method == "quantile" else "Natural breaks (Fisher-Jenks)"
        missing = "No population figure" if measure == RATE and table["rate"].isna().any() else None
        return MapMeasure(props, legend, "Records" if measure == COUNT else "Crimes per 1,000 residents a year",
                          f"{name}; each class includes its upper value.", missing)
    if measure == CHANGE:
        change = table["change_pct"].where(~((table["previous"] == 0) & (table["current_compared"] > 0)), math.inf)
        cls = pd.Series(np.searchsorted(CHANGE_BREAKS, change.to_numpy(), side="left"), index=table.index,
                        dtype=float).where(change.notna())
        props["fill"] = maps.fill_colours(cls, maps.DIVERGING_RGB)
        against = previous.label
        props["line1"] = [f"{c:,} records against {p:,} in {against}"
                          for c, p in zip(table["current_compared"], table["previous"])]
        props["line2"] = _rank_lines(table["change_rank"], "change", "biggest rise",
                                     "No records in either period, so no rank")
        props["line3"] = [w + (": holds after allowing for testing every LSOA" if fdr else
                               ": but not once every LSOA tested is allowed for" if sig else "")
                          for w, sig, fdr in zip(table["words"], table["significant"], table["significant_fdr"])]
        legend = pd.DataFrame({"colour": [maps.hex_colour(c) for c in maps.DIVERGING_RGB], "label": CHANGE_LABELS})
        months_note = f" The comparison {previous.note}." if previous.note else ""
        note = (f"Against {against}.{months_note} A thick black edge marks a change unlikely to be chance "
                f"({previous.method}; p < 0.05, false-discovery rate 5% across the LSOAs).")
        flagged = tuple(table.index[table["significant_fdr"].astype(bool)])
        return MapMeasure(props, legend, "Change in records", note, "No records in either period", flagged)
    if measure == IMD:
        palette = list(reversed(maps.sequential(10)))  # decile 1, the most deprived, darkest
        dec = table["imd_decile"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        props["fill"] = maps.fill_colours(pd.Series(dec - 1, index=table.index), palette)
        props["line1"] = [f"IMD decile {int(d)}" if pd.notna(d) else "No IMD figure" for d in table["imd_decile"]]
        props["line2"] = _rank_lines(table["imd_area_rank"], "deprivation", "most deprived", "")
        props["line3"] = [f"Rank {int(r):,} of England's 32,844 LSOAs (1 = most deprived)" if pd.notna(r) else ""
                          for r in table["imd_rank"]]
        legend = pd.DataFrame({"colour": [maps.hex_colour(c) for c in palette], "label": IMD_LABELS})
        return MapMeasure(props, legend, "IMD 2019 decile", "Deciles of all English LSOAs.", "No IMD figure")
    if measure != GI:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}")
    label = gi["hot_cold"].reindex(table.index).fillna("No value")
    z, p = gi["gi_z"].reindex(table.index), gi["p_value"].reindex(table.index)
    props["fill"] = [list(maps.HOTSPOT_RGB.get(v, maps.MISSING_RGBA)) for v in label]
    props["line1"] = [f"{v}: Gi* z = {a:.2f}, p = {b:.3f}" if pd.notna(a) and pd.notna(b) else str(v)
                      for v, a, b in zip(label, z, p)]
    # Only LSOAs actually tested (a p-value) are ranked: an untested one's z says nothing.
    props["line2"] = _rank_lines(ranks(z.where(p.notna())), "Gi* z", "hottest", "Not tested, so no rank")
    props["line3"] = count_text
    legend = pd.DataFrame({"colour": [maps.hex_colour(c) for c in maps.HOTSPOT_RGB.values()],
                           "label": list(maps.HOTSPOT_RGB)})
    note = f"Getis-Ord Gi* on each LSOA's {gi_on}; " + (gi_note or "the method is below the map.")
    missing = "No value, or no neighbour" if (label == NO_NEIGHBOUR).any() else "No value"
    return MapMeasure(props, legend, "Hot and cold spots", note, missing)


def hotspot_deck(base_geojson: dict, outline, measure: MapMeasure, bounds, *, show_fill: bool = True,
                 points: dict | None = None, show_points: bool = False, show_heat: bool = False,
                 basemap: bool = False, selected: str | None = None, height_px: int = 600):
    """The page's deck: LSOAs (LSOAs outside the scope in pale grey) and their edges, flagged
    edges, the district outline, then points or grid squares and a heatmap when asked, and the
    chosen LSOA's edge."""
    props = measure.props if show_fill else measure.props.assign(fill=[[0, 0, 0, 0]] * len(measure.props))
    geo = maps.with_properties(base_geojson, props)
    for f in geo["features"]:
        if f["properties"].get("title") is None:
            f["properties"].update(OUTSIDE if show_fill else {**OUTSIDE, "fill": [0, 0, 0, 0]})
    layers = [maps.lsoa_layer(geo), maps.lsoa_edges_layer(geo)]
    if measure.flagged and show_fill:
        flagged = set(measure.flagged)
        layers.append(maps.edge_layer([f for f in geo["features"] if f["properties"]["code"] in flagged],
                                      "significant", [0, 0, 0, 255], 4))
    layers.append(maps.outline_layer(outline))
    if points and (show_points or show_heat):
        rows = points["rows"]
        if show_heat:
            layers.append(maps.heat_layer(rows))
        if show_points:
            layers.append(maps.point_layer(rows) if points["kind"] == "points" else maps.grid_layer(rows))
    if selected:
        layers.append(maps.edge_layer([f for f in geo["features"] if f["properties"]["code"] == selected],
                                      "selected", [0, 114, 178, 255], 5))
    return maps.deck(layers, bounds, TOOLTIP, basemap=basemap, height_px=height_px)


def point_rows(locations: pd.DataFrame) -> list[dict]:
    """Snap points (``hotspots.locations``) as layer rows with tooltip fields."""
    return [{"longitude": lon, "latitude": lat, "records": n, "radius": maps.point_radius(n), "title": loc,
             "line1": f"{n:,} record{'s' if n != 1 else ''} at this point", "line2": f"Most often: {cat}",
             "line3": "A police.uk snap point, not an address"}
            for lon, lat, n, loc, cat in zip(locations["longitude"].tolist(), locations["latitude"].tolist(),
                                             locations["records"].tolist(), locations["location"].astype(str),
                                             locations["top_category"].astype(str))]


# --- figures ---------------------------------------------------------------------------------


def mix_figure(mix: pd.DataFrame, lsoa_name: str, area_name: str) -> go.Figure:
    """The LSOA's share of records by category beside the area's (hatched), largest at the top."""
    mix = mix.iloc[::-1]
    fig = go.Figure()
    for col, label, colour, pattern in (("lsoa_share", lsoa_name, theme.PALETTE[0], ""),
                                        ("area_share", area_name, theme.PALETTE[1], "/")):
        fig.add_trace(go.Bar(y=mix["category"], x=mix[col] * 100, name=label, orientation="h",
                             marker=dict(color=colour, pattern=dict(shape=pattern)),
                             text=[f"{v:.0f}%" for v in mix[col] * 100], textposition="outside",
                             textfont=dict(size=theme.FONT_SIZE - 3),
                             hovertemplate="%{y}: %{x:.1f}%<extra>" + label + "</extra>"))
    theme.apply(fig)
    # Room right of the longest bar for its label, which a narrow column would otherwise cut off.
    top = float(max(mix["lsoa_share"].max(), mix["area_share"].max(), 0.01)) * 100
    fig.update_layout(barmode="group", height=max(380, 44 * len(mix)), legend=LEGEND_TOP,
                      xaxis=dict(title=dict(text="Share of records (%)"), range=[0, top * 1.25]),
                      margin=dict(l=10, r=20, t=50, b=10))
    return fig


def control_figure(chart: pd.DataFrame | None, values: pd.Series | None = None) -> go.Figure:
    """Monthly records with the centre line, the 3-sigma limits and the signals marked; with no
    chart (no adequate baseline), the records alone. A month the store does not hold is NaN and
    the line breaks there: it is never drawn as zero."""
    fig = go.Figure()
    records = chart["value"] if chart is not None else values
    fig.add_trace(go.Scatter(x=records.index, y=records, name="Records", mode="lines+markers", connectgaps=False,
                             line=dict(color=theme.PALETTE[0], width=theme.LINE_WIDTH), marker=dict(size=8),
                             hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra></extra>"))
    if chart is not None:
        fig.add_trace(go.Scatter(x=chart.index, y=chart["centre"], name="Average", mode="lines",
                                 line=dict(color=theme.MUTED, dash="dash", width=2), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=chart.index, y=chart["ucl"], name="Control limits", mode="lines",
                                 line=dict(color=theme.PALETTE[3], dash="dot", width=2), hoverinfo="skip",
                                 legendgroup="limits"))
        fig.add_trace(go.Scatter(x=chart.index, y=chart["lcl"], name="Control limits", mode="lines",
                                 showlegend=False, line=dict(color=theme.PALETTE[3], dash="dot", width=2),
                                 hoverinfo="skip", legendgroup="limits"))
        sig = chart[chart["any_signal"]]
        if len(sig):
            fig.add_trace(go.Scatter(x=sig.index, y=sig["value"], name="Signal", mode="markers",
                                     marker=dict(symbol="diamond", size=14, color=theme.PALETTE[3],
                                                 line=dict(color="black", width=1)),
                                     hovertemplate="%{x|%b %Y}: %{y:,.0f} (signal)<extra></extra>"))
    theme.apply(fig)
    fig.update_layout(height=380, legend=LEGEND_TOP, yaxis=dict(title=dict(text="Records a month")),
                      xaxis=dict(tickformat="%b %Y"))
    return fig


def lorenz_figure(curves: dict[str, pd.DataFrame]) -> go.Figure:
    """Cumulative share of records against share of places (busiest first), one line per kind of
    place, with the line of equal shares."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 100], y=[0, 100], name="Equal shares", mode="lines",
                             line=dict(color=theme.MUTED, dash="dot", width=2), hoverinfo="skip"))
    for i, (name, df) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=df["share_of_places"] * 100, y=df["share_of_records"] * 100, name=name,
                                 mode="lines", line=dict(color=theme.PALETTE[i], dash=theme.DASHES[i],
                                                         width=theme.LINE_WIDTH),
                                 hovertemplate=f"Busiest %{{x:.0f}}% of {name}: %{{y:.0f}}% of records<extra></extra>"))
    theme.apply(fig)
    fig.update_layout(height=420, legend=LEGEND_TOP,
                      xaxis=dict(title=dict(text="Share of places, busiest first (%)"), range=[0, 101], dtick=20),
                      yaxis=dict(title=dict(text="Share of records (%)"), range=[0, 101]))
    return fig
