"""IoD2019-style deprivation for the area's LSOAs: Files 1, 2 and 5 in the official layouts.

The story: a handful of deprived town LSOAs (``DECILE_2`` in decile 2, ``DECILE_3`` in
decile 3), the rest spread over deciles 4-10, villages mostly less deprived on the IMD but
more deprived on Barriers to Housing and Services, as in the real indices. Ranks are on the
national scale of 32,844 LSOAs and fall inside the range of their decile.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from csp_dash.config import Config
from csp_dash.demo.common import largest_remainder

N_LSOAS = 32844
DECILE_2, DECILE_3 = 5, 8

DISTRICT_HEADERS = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
                    "Local Authority District name (2019)"]
FILE_1 = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
FILE_2 = "File_2_-_IoD2019_Domains_of_Deprivation.csv"
FILE_5 = "File_5_-_IoD2019_Scores.csv"

# (key, name as the official headers write it, how strongly it follows the IMD, village shift)
DOMAINS = [
    ("income", "Income", 0.93, 0.0),
    ("employment", "Employment", 0.90, 0.0),
    ("education", "Education, Skills and Training", 0.85, 0.1),
    ("health", "Health Deprivation and Disability", 0.80, 0.2),
    ("crime", "Crime", 0.70, 0.4),
    ("barriers", "Barriers to Housing and Services", 0.15, -1.3),
    ("living_environment", "Living Environment", 0.35, -0.2),
]
SCORE_HEADERS = {
    "imd": "Index of Multiple Deprivation (IMD) Score",
    "income": "Income Score (rate)",
    "employment": "Employment Score (rate)",
    "education": "Education, Skills and Training Score",
    "health": "Health Deprivation and Disability Score",
    "crime": "Crime Score",
    "barriers": "Barriers to Housing and Services Score",
    "living_environment": "Living Environment Score",
}
# Scores fall as rank rises; these anchors (rank -> score) are close to the published
# distributions, and interpolating between them keeps score and rank consistent.
_ANCHOR_RANKS = [1, 3284, 9853, 16422, 26275, N_LSOAS]
SCORE_ANCHORS = {
    "imd": [92.0, 34.2, 21.4, 13.8, 6.4, 0.5],
    "income": [0.62, 0.24, 0.15, 0.10, 0.05, 0.005],
    "employment": [0.52, 0.18, 0.12, 0.08, 0.045, 0.004],
    "education": [99.0, 45.0, 27.0, 15.0, 6.0, 0.02],
    "health": [3.6, 1.0, 0.45, 0.0, -0.75, -3.2],
    "crime": [3.1, 0.9, 0.40, -0.05, -0.65, -3.0],
    "barriers": [72.0, 35.0, 26.0, 21.0, 14.0, 2.0],
    "living_environment": [91.0, 40.0, 25.0, 18.0, 10.0, 0.5],
}


def decile_of(rank: np.ndarray) -> np.ndarray:
    """Decile of a national rank, as IoD2019 cuts them (decile 1 = ranks 1-3284)."""
    return np.ceil(np.asarray(rank) * 10 / N_LSOAS).astype(int)


def decile_bounds(decile: int) -> tuple[int, int]:
    return (decile - 1) * N_LSOAS // 10 + 1, decile * N_LSOAS // 10


def assign_deprivation(lsoas: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """IMD and domain ranks, deciles and scores for the area's LSOAs.

    ``lsoas`` is the area part of ``Places.lsoas``. The ``DECILE_2 + DECILE_3`` deprived
    LSOAs are the smallest (densest) town LSOAs, picked with some randomness.
    """
    n = len(lsoas)
    urban = lsoas["town"].ne("").to_numpy() | lsoas["urban"].to_numpy(dtype=bool)
    decile = np.zeros(n, dtype=int)
    # Deprived candidates: town LSOAs, the smaller the likelier (estates, town centres).
    candidates = np.flatnonzero(urban)
    if len(candidates) < DECILE_2 + DECILE_3:
        candidates = np.arange(n)
    key = np.log(lsoas["area_km2"].to_numpy()[candidates]) + rng.normal(0, 0.8, len(candidates))
    deprived = candidates[np.argsort(key, kind="stable")[: min(n, DECILE_2 + DECILE_3)]]
    deprived = rng.permutation(deprived)
    decile[deprived[:DECILE_2]] = 2
    decile[deprived[DECILE_2:]] = 3

    # The rest over deciles 4-10, villages leaning to the less deprived end.
    rest = np.flatnonzero(decile == 0)
    shares = np.array([0.06, 0.10, 0.13, 0.16, 0.18, 0.19, 0.18])
    counts = largest_remainder(shares * len(rest))
    latent = np.where(urban[rest], 0.0, 0.9) + rng.normal(0, 1, len(rest))
    order = rest[np.argsort(latent, kind="stable")]
    decile[order] = np.repeat(np.arange(4, 11), counts)

    rank = np.zeros(n, dtype=int)
    for d in np.unique(decile):
        lo, hi = decile_bounds(int(d))
        idx = np.flatnonzero(decile == d)
        rank[idx] = rng.choice(np.arange(lo, hi + 1), size=len(idx), replace=False)

    out = pd.DataFrame({"code": lsoas["code"].to_numpy(), "name": lsoas["name"].to_numpy(),
                        "imd_rank": rank, "imd_decile": decile})
    z = norm.ppf((rank - 0.5) / N_LSOAS)
    village = (~urban).astype(float)
    for key, _name, rho, shift in DOMAINS:
        latent = rho * z + np.sqrt(1 - rho ** 2) * rng.normal(0, 1, n) + shift * village
        out[f"{key}_rank"] = _unique_ranks(norm.cdf(latent), rng)
        out[f"{key}_decile"] = decile_of(out[f"{key}_rank"].to_numpy())
    for key in SCORE_HEADERS:
        anchors = SCORE_ANCHORS[key]
        out[f"{key}_score"] = np.round(np.interp(out[f"{key}_rank"], _ANCHOR_RANKS, anchors), 3)
    return out


def _unique_ranks(u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """National ranks from quantiles, distinct within the area (as real ranks are)."""
    rank = np.clip(np.round(u * N_LSOAS).astype(int), 1, N_LSOAS)
    seen: set[int] = set()
    for i in range(len(rank)):
        while rank[i] in seen:
            rank[i] = int(np.clip(rank[i] + rng.integers(-50, 51), 1, N_LSOAS))
        seen.add(int(rank[i]))
    return rank


def _thousands(n: int) -> str:
    return f"{n:,}"


def write_deprivation(table: pd.DataFrame, config: Config, folder: Path) -> list[Path]:
    """Files 1, 2 and 5 as the official CSVs are: UTF-8 with a BOM, CRLF, quoted "29,199" ranks in File 1."""
    folder.mkdir(parents=True, exist_ok=True)
    table = table.sort_values("code", kind="stable")
    ids = [[c, nm, config.area.code, config.area.name] for c, nm in zip(table["code"], table["name"])]

    f1 = [DISTRICT_HEADERS + ["Index of Multiple Deprivation (IMD) Rank",
                              "Index of Multiple Deprivation (IMD) Decile"]]
    f1 += [i + [_thousands(r), str(d)] for i, r, d in zip(ids, table["imd_rank"], table["imd_decile"])]

    head2 = DISTRICT_HEADERS + ["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
                                "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
    for _key, name, _rho, _shift in DOMAINS:
        head2 += [f"{name} Rank (where 1 is most deprived)",
                  f"{name} Decile (where 1 is most deprived 10% of LSOAs)"]
    cols2 = ["imd_rank", "imd_decile"] + [f"{k}_{m}" for k, *_ in DOMAINS for m in ("rank", "decile")]
    f2 = [head2] + [i + [str(v) for v in row] for i, row in zip(ids, table[cols2].itertuples(index=False))]

    head5 = DISTRICT_HEADERS + list(SCORE_HEADERS.values())
    cols5 = [f"{k}_score" for k in SCORE_HEADERS]
    f5 = [head5] + [i + [f"{v:.3f}" for v in row] for i, row in zip(ids, table[cols5].itertuples(index=False))]

    paths = []
    for name, rows in ((FILE_1, f1), (FILE_2, f2), (FILE_5, f5)):
        path = folder / name
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
        paths.append(path)
    return paths
