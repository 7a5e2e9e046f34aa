"""The demo's places: the configured area's real LSOAs, their neighbours, towns and snap points.

Everything here is derived from the store's ``lsoas`` table and csp.toml, so another district
gets its own demo without code changes. Snap points imitate police.uk's anonymised map
points: a fixed set per LSOA ("On or near High Street", "On or near Supermarket"...), so the
same locations recur month after month, as they do in the real files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from csp_dash.analysis.geography import RURAL, distance_km
from csp_dash.analysis.geography import assign_towns as town_of
from csp_dash.config import Config

# police.uk's named non-street locations, and the kind of LSOA they turn up in.
TOWN_PLACES = (
    "Supermarket", "Parking Area", "Petrol Station", "Shopping Area", "Sports/Recreation Area",
    "Park/Open Space", "Further/Higher Educational Building", "Pedestrian Subway", "Bus/Coach Station",
)
CENTRE_PLACES = ("Nightclub", "Theatre/Concert Hall", "Police Station", "Conference/Exhibition Centre")
RURAL_PLACES = ("Parking Area", "Petrol Station", "Park/Open Space", "Sports/Recreation Area", "Supermarket")

STREET_STEMS = (
    "Church", "Station", "Mill", "Park", "London", "Manor", "Victoria", "Queens", "Kings", "Windsor",
    "Grove", "Orchard", "Meadow", "Oak", "Willow", "Ash", "Beech", "Chestnut", "Elm", "Hawthorn", "Brook",
    "Springfield", "Farm", "Green", "School", "Hill", "Castle", "Abbey", "Priory", "Tennyson", "Milton",
    "Shelley", "Ridgeway", "Chiltern", "Woodland", "Heath", "Bridge", "Market", "West", "North", "South",
    "East", "Marlborough", "Beaumont", "Cromwell", "Russell", "Poplar", "Rosebery", "Lime", "Holly",
    "Laburnum", "Sandringham", "Balmoral", "Clarence", "Albert", "Hunters", "Fairfield", "Watling",
    "Dukes", "Mulberry", "Saxon", "Roman", "Kestrel", "Heron", "Swallow", "Lark", "Plover", "Falcon",
)
STREET_KINDS = (
    "Road", "Street", "Lane", "Close", "Drive", "Avenue", "Way", "Crescent", "Gardens", "Court", "Place",
    "View", "Walk", "Rise", "Mead", "End",
)

# Margin kept between a snap point and its LSOA's edge, in degrees (about 10-15 m), so that
# rounding to 6 decimals in the CSV cannot move a point into a neighbouring polygon.
EDGE_MARGIN = 0.00012


@dataclass
class Places:
    """The LSOAs records are placed in, with their snap points.

    ``lsoas`` has one row per LSOA used by the demo (the area's, then the neighbours'),
    indexed 0..n-1, with columns code, name, district, in_area, town, centre, area_km2.
    ``points`` has one row per snap point: lsoa (row of ``lsoas``), location, kind
    ('street' or 'place'), longitude, latitude (6-decimal strings) and weight.
    """

    lsoas: pd.DataFrame
    points: pd.DataFrame


def assign_towns(lsoas: pd.DataFrame, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Town name of each LSOA ("" outside every town), by the app's own rule, and whether it
    is the LSOA nearest its town's centre."""
    town = town_of(lsoas, config.area.towns).replace(RURAL, "").to_numpy(dtype=object)
    centre = np.zeros(len(lsoas), dtype=bool)
    lon = lsoas["centroid_lon"].to_numpy(dtype=float)
    lat = lsoas["centroid_lat"].to_numpy(dtype=float)
    for t in config.area.towns:
        d = distance_km(lon, lat, t.longitude, t.latitude)
        nearest = int(np.argmin(d)) if len(d) else None
        if nearest is not None and town[nearest] == t.name:
            centre[nearest] = True
    return town, centre


def neighbour_mask(all_lsoas: pd.DataFrame) -> np.ndarray:
    """LSOAs of other districts that touch the area (within about 50 m of it)."""
    in_area = all_lsoas["area"].to_numpy(dtype=bool)
    outline = shapely.union_all(all_lsoas.geometry.values[in_area]).buffer(0.0005)
    return ~in_area & shapely.intersects(all_lsoas.geometry.values, outline)


def build_places(all_lsoas: pd.DataFrame, config: Config, rng: np.random.Generator) -> Places:
    """Pick the demo's LSOAs from the store's ``lsoas`` table and give each its snap points."""
    in_area = all_lsoas["area"].to_numpy(dtype=bool)
    neighbours = neighbour_mask(all_lsoas)
    chosen = all_lsoas[in_area | neighbours]
    # Area first, then neighbours, each in code order: a stable order for the random draws.
    chosen = chosen.assign(_first=~chosen["area"].to_numpy(dtype=bool)).sort_values(["_first", "code"])
    own = chosen["area"].to_numpy(dtype=bool)
    # Towns are the area's own: a neighbouring district's LSOA is never a town's centre.
    town = np.full(len(chosen), "", dtype=object)
    centre = np.zeros(len(chosen), dtype=bool)
    town[own], centre[own] = assign_towns(chosen[own], config)
    lsoas = pd.DataFrame({
        "code": chosen["code"].astype(str).to_numpy(),
        "name": chosen["name"].astype(str).to_numpy(),
        "district": chosen["district"].astype(str).to_numpy(),
        "in_area": own,
        "town": town,
        "centre": centre,
        "area_km2": chosen["area_km2"].to_numpy(dtype=float),
        "centroid_lon": chosen["centroid_lon"].to_numpy(dtype=float),
        "centroid_lat": chosen["centroid_lat"].to_numpy(dtype=float),
    })
    # Small dense LSOAs outside any named town are urban too (estates on a town's edge).
    lsoas["urban"] = (lsoas["town"] != "") | (lsoas["area_km2"] < 0.6) | ~lsoas["in_area"]
    geoms = chosen.geometry.values
    points = _snap_points(lsoas, geoms, all_lsoas.geometry.values, rng)
    return Places(lsoas=lsoas, points=points)


def _snap_points(lsoas: pd.DataFrame, geoms: np.ndarray, every_geom: np.ndarray,
                 rng: np.random.Generator) -> pd.DataFrame:
    """A fixed set of snap points per LSOA, each strictly inside its own polygon only."""
    n_points = np.clip(np.round(7 + 5 * np.sqrt(lsoas["area_km2"].to_numpy())), 7, 28).astype(int)
    n_points += np.where(lsoas["urban"], 5, 0) + np.where(lsoas["centre"], 6, 0)
    xy = _points_inside(geoms, n_points, every_geom, rng)

    rows = []
    for i, lsoa in lsoas.iterrows():
        k = n_points[i]
        if lsoa["centre"]:
            places = list(CENTRE_PLACES) + list(TOWN_PLACES)
        elif lsoa["urban"]:
            places = list(rng.choice(TOWN_PLACES, size=int(rng.integers(1, 4)), replace=False))
        else:
            places = list(rng.choice(RURAL_PLACES, size=int(rng.integers(0, 3)), replace=False))
        places = places[: k - 3]
        streets = _street_names(k - len(places), bool(lsoa["centre"]), rng)
        names = [f"On or near {p}" for p in places] + [f"On or near {s}" for s in streets]
        kinds = ["place"] * len(places) + ["street"] * len(streets)
        # A few locations take most of an LSOA's records, as in the real data.
        weight = rng.pareto(1.6, size=k) + 0.3
        weight[: len(places)] *= 2.5
        if lsoa["centre"]:
            weight[: len(CENTRE_PLACES)] *= 1.5
        for j in range(k):
            lon, lat = xy[i][j]
            rows.append((i, names[j], kinds[j], f"{lon:.6f}", f"{lat:.6f}", weight[j]))
    return pd.DataFrame(rows, columns=["lsoa", "location", "kind", "longitude", "latitude", "weight"])


def _street_names(k: int, centre: bool, rng: np.random.Generator) -> list[str]:
    names: list[str] = ["High Street", "Market Square"] if centre else []
    while len(names) < k:
        name = f"{STREET_STEMS[rng.integers(len(STREET_STEMS))]} {STREET_KINDS[rng.integers(len(STREET_KINDS))]}"
        if name not in names:
            names.append(name)
    return names[:k]


def _points_inside(geoms: np.ndarray, counts: np.ndarray, every_geom: np.ndarray,
                   rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """``counts[i]`` points inside ``geoms[i]``, away from its edge and in no other LSOA.

    Rejection sampling in each polygon's bounding box; the coordinates are rounded to 6
    decimals first so the check applies to the values written to the CSV.
    """
    tree = shapely.STRtree(every_geom)
    inner = shapely.buffer(geoms, -EDGE_MARGIN)
    out: list[list[tuple[float, float]]] = []
    for i, geom in enumerate(geoms):
        target = inner[i] if not shapely.is_empty(inner[i]) else geom
        x0, y0, x1, y1 = shapely.bounds(target)
        found: list[tuple[float, float]] = []
        for _attempt in range(50):
            lon = np.round(rng.uniform(x0, x1, 64), 6)
            lat = np.round(rng.uniform(y0, y1, 64), 6)
            ok = shapely.contains_xy(target, lon, lat)
            lon, lat = lon[ok], lat[ok]
            if len(lon):
                hit_pt, _hit = tree.query(shapely.points(lon, lat), predicate="intersects")
                alone = np.bincount(hit_pt, minlength=len(lon)) == 1
                found.extend(zip(lon[alone].tolist(), lat[alone].tolist()))
            if len(found) >= counts[i]:
                break
        if not found:  # a sliver: its representative point is the best available
            p = shapely.point_on_surface(geom)
            found = [(round(p.x, 6), round(p.y, 6))]
        distinct = len(found)
        while len(found) < counts[i]:  # too small for distinct points: share them
            found.append(found[len(found) % distinct])
        out.append(found[: counts[i]])
    return out
