"""Places within the area: which LSOAs make up each configured town."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_dash.config import Town

RURAL = "Rest of the area"
EARTH_RADIUS_KM = 6371.0


def distance_km(lon1: np.ndarray, lat1: np.ndarray, lon2: float, lat2: float) -> np.ndarray:
    """Great-circle (haversine) distance from each point to one point, in km."""
    lon1, lat1 = np.radians(lon1), np.radians(lat1)
    lon2, lat2 = np.radians(lon2), np.radians(lat2)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def assign_towns(lsoas: pd.DataFrame, towns: tuple[Town, ...]) -> pd.Series:
    """The town of each LSOA: the nearest town centre whose radius reaches its centroid.

    LSOAs beyond every town's radius belong to ``RURAL``. Needs ``centroid_lon`` and
    ``centroid_lat`` columns; returns a Series aligned with ``lsoas``.
    """
    result = pd.Series(RURAL, index=lsoas.index, dtype="object")
    if not towns or lsoas.empty:
        return result
    lon = lsoas["centroid_lon"].to_numpy(dtype=float)
    lat = lsoas["centroid_lat"].to_numpy(dtype=float)
    dist = np.column_stack([distance_km(lon, lat, t.longitude, t.latitude) for t in towns])
    reach = np.array([t.radius_km for t in towns])
    within = dist <= reach
    nearest = np.where(within, dist, np.inf).argmin(axis=1)
    has_town = within.any(axis=1)
    names = np.array([t.name for t in towns], dtype=object)
    result[has_town] = names[nearest[has_town]]
    return result
