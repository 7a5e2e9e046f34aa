"""ONS SAPE21DT11-style population estimates per LSOA, one file per mid-year.

The story: about 280,000 people at mid-2017, growing toward 295,800 by 2021. The district
totals are fixed (``TOTALS``) and each year's change is shared among LSOAs, most of it going
to a few LSOAs with new housing, so growth shows on the map where it happens.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.demo.common import largest_remainder

# District population at each mid-year, by construction.
TOTALS = {2015: 273_100, 2016: 276_500, 2017: 280_000, 2018: 283_700, 2019: 287_400, 2020: 291_300}
BASE_YEAR = 2017


def assign_population(lsoas: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Population per area LSOA (columns code, name, area_km2, and one per year in TOTALS)."""
    n = len(lsoas)
    urban = lsoas["urban"].to_numpy(dtype=bool)
    # Town LSOAs run a little larger; real LSOAs hold 1,000-3,000 people.
    raw = rng.lognormal(np.log(np.where(urban, 1850, 1650)), 0.18, n)
    base = largest_remainder(raw / raw.sum() * TOTALS[BASE_YEAR])

    # Growth LSOAs: about one in eight, with new estates on town edges and in larger villages.
    growth = rng.random(n) < 0.13
    share = np.where(growth, rng.uniform(6, 14, n), rng.uniform(0.2, 1.0, n))
    share = share / share.sum()

    out = pd.DataFrame({"code": lsoas["code"].to_numpy(), "name": lsoas["name"].to_numpy(),
                        "area_km2": lsoas["area_km2"].to_numpy()})
    out[BASE_YEAR] = base
    years = sorted(TOTALS)
    for y in years[years.index(BASE_YEAR) + 1:]:
        out[y] = out[y - 1] + rng.multinomial(TOTALS[y] - TOTALS[y - 1], share)
    for y in reversed(years[: years.index(BASE_YEAR)]):
        out[y] = out[y + 1] - rng.multinomial(TOTALS[y + 1] - TOTALS[y], share)
    return out[["code", "name", "area_km2", *years]]


def file_name(year: int) -> str:
    return f"sape21dt11-mid-{year}-lsoa-population-density.csv"


def write_population(table: pd.DataFrame, folder: Path) -> list[Path]:
    """One SAPE21DT11-layout CSV per year (no BOM, CRLF, as ONS writes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = table.sort_values("code", kind="stable")
    paths = []
    for year in [c for c in table.columns if isinstance(c, int)]:
        rows = [["LSOA11CD", "LSOA11NM", f"Mid-{year} population", "Area Sq Km", "People per Sq Km"]]
        for code, name, km2, pop in zip(table["code"], table["name"], table["area_km2"], table[year]):
            rows.append([code, name, str(int(pop)), f"{km2:.4f}", f"{pop / km2:.4f}"])
        path = folder / file_name(year)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
        paths.append(path)
    return paths
