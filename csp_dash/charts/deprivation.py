"""Figures and the map of the Deprivation page.

Deciles have one colour each everywhere on the page (map, bars, domain strips): ten
steps of viridis, decile 1 (most deprived) darkest, so the order survives colour-vision
deficiencies and greyscale. Colour is never the only cue: every bar and axis names its
decile and every map tooltip and legend row says it in words.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from csp_dash.analysis.deprivation import DECILES, DOMAINS, SELECTED_CRIME, SEVEN_DOMAINS, decile_band
from csp_dash.analysis.series import ALL_CRIME, ASB
from csp_dash.charts import maps, theme

# Decile 1 (most deprived) darkest, decile 10 lightest.
DECILE_RGB: list[list[int]] = maps.sequential(10)[::-1]
DECILE_HEX: list[str] = [maps.hex_colour(c) for c in DECILE_RGB]
NO_DECILE = "No IMD 2019 decile"
SHORT_NAMES = {ALL_CRIME: "Recorded crime", ASB: "ASB", SELECTED_CRIME: "Chosen crime"}


DECILE_AXIS = "decile (1 = most deprived)"


# -- the map ----------------------------------------------------------------------------

def decile_legend(counts: pd.DataFrame) -> pd.DataFrame:
    """One legend row per decile: its colour, and a label naming the decile, its national band
    and, in brackets, how many LSOAs in scope it holds (``counts`` from ``decile_counts``)."""
    n = dict(zip(counts["decile"], counts["lsoas"]))
    return pd.DataFrame({
        "colour": DECILE_HEX,
        "label": [f"{d} · {decile_band(d)} ({n.get(d, 0)})" for d in DECILES],
    })


def map_properties(scope: pd.DataFrame, deprivation: pd.DataFrame) -> pd.DataFrame:
    """Per-LSOA map properties (indexed by code): fill colour and the tooltip's words."""
    dep = deprivation.set_index("lsoa_code").reindex(scope["code"])
    decile = dep["imd_decile"].astype("float64").to_numpy()
    rank = dep["imd_rank"].astype("float64").to_numpy()
    classes = pd.Series(decile - 1, index=scope["code"].to_numpy())
    fill = maps.fill_colours(classes, DECILE_RGB)
    return pd.DataFrame({
        "fill": fill.to_numpy(),
        "town": scope["town"].to_numpy() if "town" in scope else "",
        "decile": [str(int(d)) if not np.isnan(d) else "none" for d in decile],
        "band": [f"{decile_band(int(d))} in England" if not np.isnan(d) else NO_DECILE for d in decile],
        "rank": [f"{int(r):,}" if not np.isnan(r) else "-" for r in rank],
    }, index=scope["code"].to_numpy())


def decile_map(geojson: dict, outline, bounds: tuple[float, float, float, float]):
    """The LSOAs filled by national IMD decile, the district outlined, the decile in the tooltip."""
    tip = maps.tooltip("<b>{name}</b> · {code}<br/>{town}<br/>IMD 2019 decile <b>{decile}</b>: {band}"
                       "<br/>national rank {rank} of 32,844 (1 = most deprived)")
    layers = [maps.lsoa_layer(geojson, layer_id="deprivation"), maps.lsoa_edges_layer(geojson),
              maps.outline_layer(outline)]
    return maps.deck(layers, bounds, tooltip=tip)


# -- bars -------------------------------------------------------------------------------

def rates_figure(by_decile: pd.DataFrame) -> go.Figure:
    """Rate per 1,000 residents per year by decile, one panel per group, with the exact 95%
    interval as error bars; a decile with no LSOAs says so instead of a bar."""
    groups = list(dict.fromkeys(by_decile["group"]))
    fig = make_subplots(rows=1, cols=max(1, len(groups)), subplot_titles=groups, horizontal_spacing=0.08)
    for i, group in enumerate(groups):
        g = by_decile[by_decile["group"] == group]
        x = [str(d) for d in g["decile"]]
        rate = g["rate"].to_numpy(dtype=float)
        fig.add_trace(go.Bar(
            x=x, y=rate, name=group, showlegend=False,
            marker=dict(color=DECILE_HEX, line=dict(color="#333", width=1)),
            error_y=dict(type="data", symmetric=False, array=g["upper"] - g["rate"],
                         arrayminus=g["rate"] - g["lower"], color=theme.TEXT, thickness=2, width=6),
            customdata=np.column_stack([g["band"], g["count"], g["lower"], g["upper"], g["lsoas"]]),
            hovertemplate=("decile %{x}: %{customdata[0]}<br>%{y:.1f} per 1,000 a year "
                           "(95% CI %{customdata[2]:.1f} to %{customdata[3]:.1f})<br>"
                           "%{customdata[1]:,} records in %{customdata[4]} LSOAs<extra></extra>")),
            row=1, col=i + 1)
        top = np.nanmax(g["upper"].to_numpy(dtype=float)) if g["upper"].notna().any() else 1.0
        for position, n in enumerate(g["lsoas"]):
            if n == 0:
                # On a category axis a number places an annotation by position ("1" would be read as 1).
                fig.add_annotation(x=position, y=0, text="no<br>LSOAs", showarrow=False, yanchor="bottom",
                                   font=dict(size=theme.FONT_SIZE - 4, color=theme.MUTED), row=1, col=i + 1)
        fig.update_yaxes(range=[0, top * 1.1], row=1, col=i + 1)
    theme.apply(fig)
    fig.update_xaxes(type="category", showgrid=False, tickangle=0, title_text=DECILE_AXIS)
    fig.update_yaxes(title_text="per 1,000 residents a year", row=1, col=1)
    fig.update_layout(height=440, margin=dict(l=10, r=10, t=60, b=10))
    return fig


def counts_by_decile_figure(by_decile: pd.DataFrame) -> go.Figure:
    """Records by decile when no population is loaded (no rates, so no intervals)."""
    groups = list(dict.fromkeys(by_decile["group"]))
    fig = make_subplots(rows=1, cols=max(1, len(groups)), subplot_titles=groups, horizontal_spacing=0.08)
    for i, group in enumerate(groups):
        g = by_decile[by_decile["group"] == group]
        fig.add_trace(go.Bar(
            x=[str(d) for d in g["decile"]], y=g["count"], showlegend=False,
            marker=dict(color=DECILE_HEX, line=dict(color="#333", width=1)),
            text=[f"{c:,}" if n else "no LSOAs" for c, n in zip(g["count"], g["lsoas"])], textposition="outside",
            cliponaxis=False, hovertemplate="decile %{x}: %{y:,} records<extra></extra>"), row=1, col=i + 1)
    theme.apply(fig)
    fig.update_xaxes(type="category", showgrid=False, tickangle=0, title_text=DECILE_AXIS)
    fig.update_yaxes(title_text="records", row=1, col=1)
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=60, b=10))
    return fig


def fifth_figure(fifth: pd.DataFrame) -> go.Figure:
    """The most deprived fifth's share of LSOAs, of residents and of records, side by side."""
    rows = []
    if len(fifth):
        first = fifth.iloc[0]
        rows.append(("LSOAs", first["lsoa_share"]))
        if pd.notna(first["resident_share"]):
            rows.append(("Residents", first["resident_share"]))
    for r in fifth.itertuples():
        rows.append((SHORT_NAMES.get(r.group, r.group), r.count_share))
    labels = [r[0] for r in rows][::-1]
    values = [100 * float(r[1]) if pd.notna(r[1]) else np.nan for r in rows][::-1]
    # Residents and LSOAs in grey, the records in the palette's first colour: the words say which is which.
    colours = [theme.PALETTE[0] if lab not in ("LSOAs", "Residents") else "#9AA3AD" for lab in labels]
    fig = go.Figure(go.Bar(
        x=values, y=labels, orientation="h", marker=dict(color=colours),
        text=[f"{v:.1f}%" if not np.isnan(v) else "" for v in values], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f}% in the most deprived fifth<extra></extra>"))
    theme.apply(fig)
    top = np.nanmax(values) if values and not np.all(np.isnan(values)) else 1.0
    fig.update_layout(height=90 + 56 * len(labels), showlegend=False,
                      title=dict(text="Most deprived fifth's share"),
                      xaxis=dict(title=dict(text="% of the area's total"), range=[0, top * 1.25]),
                      yaxis=dict(showgrid=False, rangemode="normal"))
    return fig


# -- domains ----------------------------------------------------------------------------

def _decile_colourscale() -> list:
    scale = []
    for i, colour in enumerate(DECILE_HEX):
        scale += [[i / 10, colour], [(i + 1) / 10, colour]]
    return scale


def domain_heatmap(domains: pd.DataFrame, text_limit: int = 40) -> go.Figure:
    """Each LSOA's IMD and seven domain deciles: one strip per domain, LSOAs left to right
    from most to least deprived overall. Deciles are written in the cells when few LSOAs
    are shown; the colour bar names every decile."""
    keys = ["imd", *SEVEN_DOMAINS]
    names = [DOMAINS[k] for k in keys]
    z = np.array([domains[f"{k}_decile"].astype("float64").to_numpy() for k in keys])
    names_full = domains["lsoa_name"].fillna(domains["lsoa_code"]).astype(str)
    # "Central Bedfordshire 030C" -> "030C": the district is the same for every column.
    short = names_full.str.extract(r" (\d{3}[A-Z])$")[0]
    x = short.fillna(names_full).tolist() if short.notna().all() and short.is_unique else names_full.tolist()
    hover = np.array([[f"{n} ({c})" for n, c in zip(names_full, domains["lsoa_code"])] for _ in keys])
    show_text = len(x) <= text_limit
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=names, zmin=0.5, zmax=10.5, colorscale=_decile_colourscale(), xgap=1, ygap=3,
        text=np.where(np.isnan(z), "", np.nan_to_num(z).astype(int).astype(str)) if show_text else None,
        texttemplate="%{text}" if show_text else None, textfont=dict(size=theme.FONT_SIZE - 4),
        customdata=hover, hovertemplate="%{customdata}<br>%{y}: decile %{z}<extra></extra>",
        colorbar=dict(title=dict(text="decile"), tickvals=list(DECILES),
                      ticktext=["1 most deprived", *[str(d) for d in range(2, 10)], "10 least deprived"],
                      thickness=16, len=1.0)))
    theme.apply(fig)
    fig.update_layout(height=120 + 48 * len(keys), margin=dict(l=10, r=10, t=30, b=10),
                      xaxis=dict(showticklabels=show_text, showgrid=False, tickangle=-45,
                                 title=dict(text="LSOAs, most deprived (IMD) on the left")),
                      yaxis=dict(autorange="reversed", showgrid=False, rangemode="normal"))
    return fig


def correlation_figure(correlations: pd.DataFrame) -> go.Figure:
    """Spearman's rho with its approximate 95% interval, per domain, one marker and colour per group."""
    fig = go.Figure()
    for i, (group, g) in enumerate(correlations.groupby("group", sort=False)):
        fig.add_trace(go.Scatter(
            x=g["rho"], y=g["label"], name=group, mode="markers",
            marker=dict(size=13, symbol=theme.MARKERS[i % len(theme.MARKERS)], color=theme.PALETTE[i]),
            error_x=dict(type="data", symmetric=False, array=g["upper"] - g["rho"], arrayminus=g["rho"] - g["lower"],
                         color=theme.PALETTE[i], thickness=2, width=5),
            customdata=np.column_stack([g["n"], g["p"]]),
            hovertemplate=(f"{group}<br>%{{y}}: rho %{{x:.2f}} (n = %{{customdata[0]}}, "
                           "p = %{customdata[1]:.2g})<extra></extra>")))
    fig.add_vline(x=0, line=dict(color=theme.MUTED, width=1.5))
    theme.apply(fig)
    fig.update_layout(height=140 + 46 * correlations["label"].nunique(), hovermode="closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None),
                      xaxis=dict(title=dict(text="Spearman's rho (above 0: more deprived, higher rate)"),
                                 range=[-1, 1], zeroline=False),
                      yaxis=dict(autorange="reversed", showgrid=False, rangemode="normal"),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def bounds_of(lsoas: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = lsoas.total_bounds
    return float(x0), float(y0), float(x1), float(y1)
