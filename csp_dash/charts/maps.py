"""Map building blocks shared by the map pages: simplified LSOA GeoJSON, stated class breaks,
colour-blind-safe fills, pydeck layers and a legend.

Everything here is pure (no Streamlit, no I/O). The deck works offline: with no basemap it
draws the district outline and its LSOAs on a plain background; ``basemap=True`` asks for a
free, keyless Carto style.
"""

from __future__ import annotations

import json
import math
import weakref
from html import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

# Viridis, light to dark (yellow -> purple): ordered in lightness, so classes stay distinguishable
# under the common colour-vision deficiencies and in greyscale on a washed-out projector.
_VIRIDIS = [
    [253, 231, 37], [181, 222, 43], [110, 206, 88], [53, 183, 121], [31, 158, 137],
    [38, 130, 142], [49, 104, 142], [62, 73, 137], [72, 40, 120], [68, 1, 84],
]
SEQUENTIAL_RGB: list[list[int]] = [[253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84]]

# Hot and cold spots: blue (cold) to orange-red (hot), with lightness carrying the confidence, and
# grey for "not significant". Blue/orange stays apart under red-green colour blindness.
HOTSPOT_RGB: dict[str, list[int]] = {
    "Hot spot, 99%": [179, 40, 0],
    "Hot spot, 95%": [230, 97, 1],
    "Hot spot, 90%": [253, 184, 99],
    "Not significant": [235, 235, 235],
    "Cold spot, 90%": [146, 197, 222],
    "Cold spot, 95%": [67, 147, 195],
    "Cold spot, 99%": [5, 80, 150],
}
# The same seven colours in order, for any measure that runs from "well below" to "well above".
DIVERGING_RGB: list[list[int]] = [HOTSPOT_RGB[k] for k in reversed(list(HOTSPOT_RGB))]
# Records per grid square: ColorBrewer Oranges, apart from the LSOAs' viridis when both show.
GRID_RGB: list[list[int]] = [[254, 237, 222], [253, 190, 133], [253, 141, 60], [230, 85, 13], [166, 54, 3]]
MISSING_RGBA = [200, 200, 200, 120]
LINE_RGBA = [255, 255, 255, 190]  # light edges show on the dark classes; the outline is black
OUTLINE_RGBA = [0, 0, 0, 255]


def sequential(k: int) -> list[list[int]]:
    """``k`` colours evenly spaced along the light-to-dark viridis ramp (``SEQUENTIAL_RGB`` for 5)."""
    if k == len(SEQUENTIAL_RGB):
        return [list(c) for c in SEQUENTIAL_RGB]
    if k <= 1:
        return [list(_VIRIDIS[len(_VIRIDIS) // 2])]
    idx = np.linspace(0, len(_VIRIDIS) - 1, k).round().astype(int)
    return [list(_VIRIDIS[i]) for i in idx]


def _json_value(v):
    """A value JSON can hold: NaN/NA -> None, numpy scalars -> Python, lists kept."""
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def simplify(lsoas: gpd.GeoDataFrame, tolerance_m: float = 25.0) -> gpd.GeoSeries:
    """The geometries simplified in metres (British National Grid), back in WGS84, 5 decimals.

    Five decimals of a degree is about a metre: finer digits only add bytes to the JSON.
    """
    geoms = lsoas.geometry.to_crs(BNG)
    if tolerance_m > 0:
        geoms = geoms.simplify(tolerance_m, preserve_topology=True)
    geoms = geoms.to_crs(WGS84)
    rounded = shapely.transform(geoms.to_numpy(), lambda xy: np.round(xy, 5))
    return gpd.GeoSeries(rounded, index=lsoas.index, crs=WGS84)


def simplified_geojson(lsoas: gpd.GeoDataFrame, properties: pd.DataFrame | None = None,
                       tolerance_m: float = 25.0) -> dict:
    """A GeoJSON FeatureCollection of the LSOAs, light enough to send to a browser.

    Parameters
    ----------
    lsoas : GeoDataFrame with ``code``, ``name`` and a geometry (any CRS with one set).
    properties : extra per-LSOA columns, indexed by LSOA code; codes it lacks get None.
    tolerance_m : simplification tolerance in metres (0 keeps every vertex).
    """
    geoms = simplify(lsoas, tolerance_m)
    props = pd.DataFrame({"code": lsoas["code"].to_numpy(), "name": lsoas["name"].to_numpy()})
    if properties is not None and len(properties.columns):
        extra = properties.reindex(lsoas["code"].to_numpy())
        for col in extra.columns:
            if col not in ("code", "name"):
                props[col] = extra[col].to_numpy()
    records = props.to_dict("records")
    features = []
    for rec, geom in zip(records, geoms.to_numpy()):
        features.append({
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geom) if geom is not None and not geom.is_empty else None,
            "properties": {k: _json_value(v) for k, v in rec.items()},
        })
    return {"type": "FeatureCollection", "features": features}


def with_properties(geojson: dict, properties: pd.DataFrame) -> dict:
    """A copy of a FeatureCollection with per-LSOA properties (indexed by code) added or replaced.

    Geometry objects are shared, not copied, so a memoised base GeoJSON can be dressed per run cheaply.
    """
    cols = [c for c in properties.columns if c not in ("code", "name")]
    lookup = {code: {c: _json_value(v) for c, v in zip(cols, row)}
              for code, row in zip(properties.index, properties[cols].itertuples(index=False, name=None))}
    empty = {c: None for c in cols}
    features = []
    for f in geojson["features"]:
        code = f["properties"]["code"]
        features.append({"type": "Feature", "geometry": f["geometry"],
                         "properties": {**f["properties"], **lookup.get(code, empty)}})
    return {"type": "FeatureCollection", "features": features}


def district_outline(lsoas: gpd.GeoDataFrame, tolerance_m: float = 25.0):
    """The union of the LSOAs (the district's outline), simplified in metres, in WGS84."""
    merged = shapely.union_all(lsoas.geometry.to_crs(BNG).to_numpy())
    merged = shapely.simplify(merged, tolerance_m, preserve_topology=True) if tolerance_m > 0 else merged
    out = gpd.GeoSeries([merged], crs=BNG).to_crs(WGS84).to_numpy()[0]
    return shapely.transform(out, lambda xy: np.round(xy, 5))


# --- classes ------------------------------------------------------------------------------


def _jenks_breaks(values: np.ndarray, k: int) -> list[float]:
    """Fisher-Jenks natural breaks: the k-class split of sorted values minimising the within-class
    sum of squared deviations (exact dynamic programme, O(k n^2))."""
    x = np.sort(values)
    n = len(x)
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(i, j):  # within-class cost of x[i:j] (vectorised over i)
        m = j - i
        total = s1[j] - s1[i]
        return (s2[j] - s2[i]) - total * total / m

    # cost[c, j]: best cost of splitting x[:j] into c+1 classes; back[c, j]: start of the last class
    cost = np.full((k, n + 1), np.inf)
    back = np.zeros((k, n + 1), dtype=int)
    j_all = np.arange(1, n + 1)
    cost[0, 1:] = ssd(np.zeros(n, dtype=int), j_all)
    for c in range(1, k):
        for j in range(c + 1, n + 1):
            i = np.arange(c, j)
            total = cost[c - 1, i] + ssd(i, j)
            best = int(np.argmin(total))
            cost[c, j] = total[best]
            back[c, j] = i[best]
    uppers = []
    j = n
    for c in range(k - 1, -1, -1):
        uppers.append(float(x[j - 1]))
        j = back[c, j]
    return [float(x[0])] + uppers[::-1]


def classify(values: pd.Series, k: int = 5, method: str = "quantile") -> tuple[pd.Series, list[float]]:
    """Class index 0..k-1 per value (NaN stays NaN) and the k+1 stated breaks.

    Class i holds the values in (breaks[i], breaks[i+1]]; the first class also takes breaks[0].
    Where ties leave fewer distinct breaks than asked (many zero counts, say), the repeated
    breaks are dropped, so there are fewer classes; ``len(breaks) - 1`` is always the number.

    Parameters
    ----------
    method : "quantile" (equal numbers of areas per class) or "natural" (Fisher-Jenks natural
        breaks, via mapclassify when installed, else an exact implementation here).
    """
    if method not in ("quantile", "natural"):
        raise ValueError(f"method must be 'quantile' or 'natural', not {method!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    v = pd.to_numeric(values, errors="coerce").astype(float)
    known = v.dropna().to_numpy()
    if known.size == 0:
        return pd.Series(np.nan, index=values.index), []
    distinct = np.unique(known)
    if distinct.size <= k:
        # Each distinct value its own class: no break can do better.
        breaks = [float(distinct[0])] + [float(d) for d in distinct]
    elif method == "quantile":
        breaks = [float(b) for b in np.quantile(known, np.linspace(0, 1, k + 1))]
    else:
        breaks = _natural_breaks(known, k)
    # Drop repeated breaks but keep the lowest value as a lower bound.
    stated = [breaks[0]]
    for b in breaks[1:]:
        if b > stated[-1] or len(stated) == 1:
            stated.append(b)
    classes = np.searchsorted(np.asarray(stated[1:-1]), v.to_numpy(), side="left").astype(float)
    classes[np.isnan(v.to_numpy())] = np.nan
    return pd.Series(classes, index=values.index), stated


def _natural_breaks(known: np.ndarray, k: int) -> list[float]:
    try:
        import mapclassify  # optional: esda's companion; faster on large n

        return [float(known.min())] + [float(b) for b in mapclassify.FisherJenks(known, k=k).bins]
    except ImportError:
        pass
    if known.size > 3000:
        # Past a few thousand values the exact programme is slow; evenly spaced order statistics
        # keep the shape of the distribution (mapclassify's FisherJenksSampled does the same).
        srt = np.sort(known)
        sample = srt[np.linspace(0, srt.size - 1, 3000).round().astype(int)]
        b = _jenks_breaks(sample, k)
        b[0], b[-1] = float(srt[0]), float(srt[-1])
        return b
    return _jenks_breaks(known, k)


def fill_colours(classes: pd.Series, palette: list[list[int]], missing=MISSING_RGBA) -> pd.Series:
    """An [r, g, b(, a)] list per class index; NaN (no value) gets ``missing``."""
    out = []
    for c in classes.to_numpy(dtype=float):
        out.append(list(missing) if np.isnan(c) else list(palette[int(c)]))
    return pd.Series(out, index=classes.index, dtype=object)


def hex_colour(rgb) -> str:
    return "#{:02X}{:02X}{:02X}".format(*[int(x) for x in rgb[:3]])


def legend(breaks: list[float], palette, fmt: str = "{:,.0f}", integer: bool = False) -> pd.DataFrame:
    """One row per class: its colour (hex), its bounds and a label such as "12 to 30".

    Classes after the first exclude their lower break; with ``integer`` (counts) the labels give
    the whole numbers each class holds ("13 to 30" for (12, 30], "310 to 496" for (309.2, 496.4]).
    """
    rows = []
    for i in range(len(breaks) - 1):
        lo, hi = breaks[i], breaks[i + 1]
        shown_lo, shown_hi = lo, hi
        if integer:  # whole numbers only: (309.2, 496.4] holds 310 to 496
            shown_lo = math.floor(lo) + 1 if i > 0 else math.ceil(lo)
            shown_hi = math.floor(hi)
        label = fmt.format(shown_hi) if shown_lo >= shown_hi else f"{fmt.format(shown_lo)} to {fmt.format(shown_hi)}"
        rows.append({"colour": hex_colour(palette[i]), "from": lo, "to": hi, "label": label})
    return pd.DataFrame(rows, columns=["colour", "from", "to", "label"])


def legend_html(rows: pd.DataFrame, title: str, note: str | None = None, missing_label: str | None = None) -> str:
    """A legend as HTML: a swatch beside each stated class, large enough for a projector."""
    sw = ("display:inline-block;width:1.6em;height:1.1em;border:1px solid #333;"
          "vertical-align:middle;margin-right:0.5em;background:{}")
    items = [f"<div style='margin:0.15em 0'><span style='{sw.format(r.colour)}'></span>{escape(str(r.label))}</div>"
             for r in rows.itertuples()]
    if missing_label:
        items.append(f"<div style='margin:0.15em 0'><span style='{sw.format('#C8C8C8')}'></span>"
                     f"{escape(missing_label)}</div>")
    foot = f"<div style='font-size:0.85em;color:#444;margin-top:0.3em'>{escape(note)}</div>" if note else ""
    return (f"<div style='font-size:1.05rem;line-height:1.35'><div style='font-weight:600;margin-bottom:0.2em'>"
            f"{escape(title)}</div>{''.join(items)}{foot}</div>")


# --- layers and the deck ------------------------------------------------------------------


# Lines are drawn with deck.gl's LineLayer (one flat quad per edge), not as the stroke of a
# GeoJsonLayer, which uses PathLayer's mitred joints and caps. PathLayer's shaders cost about a
# second to compile in software WebGL (SwiftShader: headless Chromium, and browsers on machines or
# remote desktops without a usable GPU), which delayed the first draw of every map; LineLayer's
# cost a fraction of that. The price is no joints: on lines 4 px or wider a sharp corner shows a
# small notch.


def lsoa_layer(geojson: dict, layer_id: str = "lsoas", fill: str = "properties.fill",
               pickable: bool = True) -> pdk.Layer:
    """The LSOAs as a GeoJsonLayer filled from a property (their edges: ``lsoa_edges_layer``)."""
    return pdk.Layer(
        "GeoJsonLayer", data=geojson, id=layer_id, filled=True, stroked=False, get_fill_color=fill,
        pickable=pickable, auto_highlight=True, highlight_color=[255, 255, 255, 110],
    )


def ring_segments(geometries) -> list[dict]:
    """Every edge of the (GeoJSON) polygons' rings once, as LineLayer rows
    ``{"s": [lon, lat], "t": [lon, lat]}``.

    Neighbouring LSOAs share boundary edges: an edge met again, in either direction, is kept
    once, so the shared boundary is drawn (and sent) once. None geometries are skipped.
    """
    seen: set = set()
    rows = []
    for geometry in geometries:
        if not geometry:
            continue
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for ring in polygon:
                for a, b in zip(ring[:-1], ring[1:]):
                    a, b = tuple(a), tuple(b)
                    edge = (a, b) if a <= b else (b, a)
                    if a != b and edge not in seen:
                        seen.add(edge)
                        rows.append({"s": list(a), "t": list(b)})
    return rows


def line_layer(segments: list[dict], layer_id: str, colour: list[int], width_px: float) -> pdk.Layer:
    """Straight edges (``ring_segments`` rows) drawn ``width_px`` screen pixels wide; not pickable."""
    # Plain strings become JavaScript expressions in pydeck; the units must stay a literal string,
    # or deck.gl draws the lines metres wide.
    return pdk.Layer("LineLayer", data=segments, id=layer_id, get_source_position="s", get_target_position="t",
                     get_color=colour, get_width=width_px, width_units="'pixels'", pickable=False)


def lsoa_edges_layer(geojson: dict, layer_id: str = "lsoa_edges") -> pdk.Layer:
    """Thin light edges between the LSOAs of a FeatureCollection: visible on the dark classes."""
    return line_layer(ring_segments(f["geometry"] for f in geojson["features"]), layer_id, LINE_RGBA, 1)


def outline_layer(geometry, layer_id: str = "outline") -> pdk.Layer:
    """The district's outline (a shapely polygon or multipolygon): a thick dark line."""
    return line_layer(ring_segments([shapely.geometry.mapping(geometry)]), layer_id, OUTLINE_RGBA, 2.5)


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 560,
             padding: float = 0.06) -> pdk.ViewState:
    """A view centred on (min_lon, min_lat, max_lon, max_lat) at the zoom that just fits it."""
    x0, y0, x1, y1 = bounds
    lon_span = max(x1 - x0, 1e-6)
    y_span = max(_merc_y(y1) - _merc_y(y0), 1e-8)
    usable_w, usable_h = width_px * (1 - 2 * padding), height_px * (1 - 2 * padding)
    # deck.gl's world is 512 px wide at zoom 0; mercator y spans 2*pi over that width.
    zoom_x = math.log2(usable_w * 360.0 / (lon_span * 512.0))
    zoom_y = math.log2(usable_h * 2 * math.pi / (y_span * 512.0))
    centre_lat = math.degrees(2 * math.atan(math.exp((_merc_y(y0) + _merc_y(y1)) / 2)) - math.pi / 2)
    return pdk.ViewState(longitude=(x0 + x1) / 2, latitude=centre_lat, zoom=round(min(zoom_x, zoom_y), 2),
                         pitch=0, bearing=0)


_DECK_JSON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class CompactDeck(pdk.Deck):
    """A pydeck Deck whose JSON has no indentation and is made once.

    pydeck indents its JSON by two spaces per level, which for GeoJSON and line rows is most of
    the bytes: the Hotspot map's spec shrinks from 0.53 MB to about a third. Streamlit asks for the
    JSON on every run and the pages memoise their decks, so it is kept (treat a shown deck as
    read-only). Kept outside the object: pydeck serialises every instance attribute.
    """

    def to_json(self) -> str:
        if self not in _DECK_JSON:
            _DECK_JSON[self] = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
        return _DECK_JSON[self]


def deck(layers: list[pdk.Layer], bounds: tuple[float, float, float, float], tooltip: dict | None = None,
         basemap: bool = False, height_px: int = 560) -> CompactDeck:
    """A deck with its view fitted to ``bounds``; no basemap (plain background, works offline)
    unless ``basemap`` asks for Carto's free, keyless light style.

    ``tooltip``: see ``tooltip()``; its ``{field}`` placeholders read each picked object's fields
    (or, for GeoJSON features, their properties), so every layer's rows should carry them.
    """
    view = fit_view(bounds, height_px=height_px)
    if basemap:
        return CompactDeck(layers=layers, initial_view_state=view, tooltip=tooltip or False,
                           map_provider="carto", map_style=pdk.map_styles.CARTO_LIGHT)
    # map_provider=None with pydeck's default map_style leaves its "__MAP_STYLE__" sentinel in the
    # spec, which Streamlit reads as "no basemap": no tiles are fetched. (map_style=None instead
    # would make Streamlit pick a Carto style for its theme, fetched from the internet.)
    return CompactDeck(layers=layers, initial_view_state=view, tooltip=tooltip or False, map_provider=None)


def tooltip(html: str) -> dict:
    """A pydeck tooltip with projector-sized text; ``{name}`` etc. read a feature's properties."""
    return {"html": html, "style": {"backgroundColor": "#FFFFFF", "color": "#111111", "fontSize": "16px",
                                    "border": "1px solid #333", "padding": "6px 8px"}}


def edge_layer(features: list[dict], layer_id: str, colour: list[int], width_px: float) -> pdk.Layer:
    """Thick edges round some features: a selected LSOA, or those a test flagged."""
    return line_layer(ring_segments(f["geometry"] for f in features), layer_id, colour, width_px)


def picked_code(state, layer_id: str = "lsoas", valid=None) -> str | None:
    """The code of the feature clicked in ``layer_id``, from ``st.pydeck_chart``'s event state.

    Parameters
    ----------
    state : the chart's state as Streamlit 1.67 keeps it under the chart's key (or returns it):
        ``{"selection": {"indices": {layer_id: [i]}, "objects": {layer_id: [feature]}}}``, the
        feature being the picked GeoJSON feature with its ``properties``. Nothing clicked (or a
        second click on the same feature, which deselects it) leaves both dicts empty; None, an
        empty dict or any other shape also mean nothing was picked.
    layer_id : the pickable LSOA layer's id (``lsoa_layer``'s default).
    valid : the codes that may be picked (those in the chosen area: the pale LSOAs drawn around
        it carry codes too), or None for any.

    Returns
    -------
    The first picked feature's ``properties.code`` if it is valid, else None.
    """
    try:
        objects = state["selection"]["objects"].get(layer_id) or []
    except (KeyError, TypeError, AttributeError):
        return None
    first = objects[0] if objects else None  # single-object selection: at most one
    props = first.get("properties") if isinstance(first, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    return code if isinstance(code, str) and (valid is None or code in valid) else None


def point_radius(records: int) -> float:
    """Circle radius in pixels for a point with ``records``: area grows with the count, capped."""
    return round(min(22.0, 3 + 2 * math.sqrt(records)), 1)


def point_layer(rows: list[dict], layer_id: str = "points") -> pdk.Layer:
    """Snap points as white circles with a black edge (visible on any fill); each row has
    longitude, latitude and radius (pixels, see ``point_radius``)."""
    # deck.gl's JSON expressions may not call functions (Math.sqrt), so the radius comes precomputed.
    return pdk.Layer("ScatterplotLayer", data=rows, id=layer_id, get_position=["longitude", "latitude"],
                     get_radius="radius", radius_units="'pixels'", radius_max_pixels=22,
                     get_fill_color=[255, 255, 255, 230], get_line_color=[0, 0, 0, 255], stroked=True,
                     line_width_min_pixels=1.5, pickable=True, auto_highlight=True)


def grid_layer(rows: list[dict], layer_id: str = "grid") -> pdk.Layer:
    """Grid squares (rows with ``polygon`` and ``fill``), drawn over the LSOAs."""
    return pdk.Layer("PolygonLayer", data=rows, id=layer_id, get_polygon="polygon", get_fill_color="fill",
                     get_line_color=[80, 80, 80, 160], line_width_min_pixels=0.5, stroked=True, filled=True,
                     opacity=0.85, pickable=True, auto_highlight=True)


def heat_layer(rows: list[dict], layer_id: str = "heat") -> pdk.Layer:
    """A heatmap of points weighted by ``records``."""
    data = [{"longitude": r["longitude"], "latitude": r["latitude"], "records": r["records"]} for r in rows]
    return pdk.Layer("HeatmapLayer", data=data, id=layer_id, get_position=["longitude", "latitude"],
                     get_weight="records", radius_pixels=40, opacity=0.75, pickable=False)


def grid_rows(cells: pd.DataFrame, cell_m: float,
              palette: list[list[int]] = GRID_RGB) -> tuple[list[dict], list[float]]:
    """Square cells (south-west corner x0, y0 in British National Grid, ``records``) as WGS84
    polygons coloured by quantile class, with tooltip fields; and the stated class breaks."""
    from pyproj import Transformer

    if cells.empty:
        return [], []
    classes, breaks = classify(cells["records"], len(palette), "quantile")
    colours = fill_colours(classes, palette[-(len(breaks) - 1):])
    t = Transformer.from_crs(BNG, WGS84, always_xy=True)
    x0, y0 = cells["x0"].to_numpy(float), cells["y0"].to_numpy(float)
    xs = np.stack([x0, x0 + cell_m, x0 + cell_m, x0], axis=1)
    ys = np.stack([y0, y0, y0 + cell_m, y0 + cell_m], axis=1)
    lon, lat = t.transform(xs, ys)
    lon, lat = np.round(lon, 5).tolist(), np.round(lat, 5).tolist()
    label = f"{cell_m:,.0f} m square"
    rows = [{"polygon": [[a, b] for a, b in zip(lon[i], lat[i])], "longitude": round(sum(lon[i]) / 4, 5),
             "latitude": round(sum(lat[i]) / 4, 5), "records": int(n), "fill": colours.iat[i], "title": label,
             "line1": f"{n:,} records", "line2": "", "line3": ""}
            for i, n in enumerate(cells["records"].tolist())]
    return rows, breaks
