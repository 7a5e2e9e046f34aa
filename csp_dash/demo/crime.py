"""police.uk street-level crime for the force, April 2015 to March 2021, in the 12-column format.

Built by construction, not by luck: each category's total in the area for each financial
year is fixed (``area_totals``), spread over its twelve months with seasonal weights and
multinomial noise, then over LSOAs (population x town or village x deprivation x
category) and over each LSOA's fixed snap points. The story numbers in docs/demo.md follow
from the totals exactly; the tests recompute them from the store.

Beside the area's records the force file has, as a real one does: records in the
neighbouring districts' LSOAs (about ``NEIGHBOUR_SHARE`` extra), records with no location in
the last twelve months, and a few repeated Crime IDs in one month.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.config import Config
from csp_dash.demo.common import FINANCIAL_YEARS, MONTHS, largest_remainder
from csp_dash.demo.geography import Places
from csp_dash.ingest.police_uk import CATEGORIES, STREET_COLUMNS

ASB = "Anti-social behaviour"
VSO = "Violence and sexual offences"
SERIOUS_ACQUISITIVE = ("Burglary", "Robbery", "Vehicle crime")

# Recorded crime (every category but ASB) in the area per financial year 2015/16 ... 2020/21.
# 2017/18 is 14% up on 2016/17 (the strategy's "14% increase in police recorded crime").
RECORDED = [15_900, 16_000, 18_240, 18_000, 18_100, 17_300]
# Fixed categories; 2017/18 against 2015/16: violence +22%, serious acquisitive +30%, ASB -11%.
FIXED = {
    VSO: [3_800, 4_100, 4_636, 4_850, 4_950, 4_700],
    "Burglary": [2_000, 2_200, 2_650, 2_500, 2_350, 1_900],
    "Robbery": [200, 215, 250, 260, 240, 190],
    "Vehicle crime": [2_400, 2_700, 3_080, 3_000, 2_900, 2_500],
}
ASB_TOTALS = [7_100, 6_700, 6_319, 6_400, 6_350, 6_750]
# The remaining categories share what is left of recorded crime.
OTHER_SHARES = {
    "Criminal damage and arson": 0.30, "Other theft": 0.21, "Public order": 0.15, "Shoplifting": 0.15,
    "Bicycle theft": 0.055, "Drugs": 0.048, "Other crime": 0.045, "Theft from the person": 0.022,
    "Possession of weapons": 0.018,
}
# Public order and drugs drift up and criminal damage down over the years, as recorded nationally.
OTHER_DRIFT = {"Public order": 0.008, "Criminal damage and arson": -0.010, "Drugs": 0.002}

NEIGHBOUR_SHARE = 0.42     # extra records in LSOAs of other districts that touch the area
UNLOCATED_SHARE = 0.02     # records with no location, in the last twelve months only
DUPLICATE_MONTH = "2019-08"
DUPLICATES = 5

# Seasonal weight of each calendar month (index 0 = January).
SEASON = {
    "Burglary": [1.22, 1.15, 1.00, 0.92, 0.88, 0.85, 0.85, 0.88, 0.95, 1.05, 1.12, 1.25],
    ASB: [0.88, 0.86, 0.92, 1.00, 1.06, 1.16, 1.22, 1.18, 1.00, 0.98, 0.90, 0.88],
    VSO: [0.92, 0.88, 0.97, 0.98, 1.05, 1.08, 1.10, 1.05, 1.00, 0.98, 0.97, 1.04],
    "Vehicle crime": [1.10, 1.05, 1.00, 0.95, 0.92, 0.90, 0.92, 0.95, 1.00, 1.05, 1.10, 1.12],
    "Shoplifting": [0.95, 0.92, 1.00, 0.97, 1.00, 0.97, 1.00, 1.00, 0.97, 1.00, 1.07, 1.15],
    "Bicycle theft": [0.60, 0.60, 0.80, 1.00, 1.20, 1.35, 1.40, 1.35, 1.20, 1.00, 0.80, 0.65],
    "Criminal damage and arson": [0.95, 0.90, 1.00, 1.00, 1.05, 1.00, 1.05, 1.05, 0.95, 1.10, 1.05, 0.95],
}
# One-off events: (month, categories or None for all recorded crime, factor).
EVENTS = [
    ("2018-06", (VSO,), 1.32), ("2018-07", (VSO,), 1.32),          # World Cup, 14 June - 15 July 2018
    ("2020-04", None, 0.72), ("2020-05", None, 0.86),              # first lockdown
    ("2020-04", (ASB,), 1.30), ("2020-05", (ASB,), 1.25),      # ...and Covid breaches reported as ASB
]

# LSOA weight multipliers by IMD decile: deprived LSOAs carry more crime per head.
DEPRIVATION_FACTOR = {1: 2.8, 2: 2.4, 3: 1.8, 4: 1.4, 5: 1.2, 6: 1.05, 7: 0.95, 8: 0.9, 9: 0.85, 10: 0.8}
TOWN_FACTOR, URBAN_FACTOR, VILLAGE_FACTOR = 1.5, 1.2, 0.65
# Category mix shifts: (town centre, village) multipliers.
CATEGORY_PLACE = {
    "Shoplifting": (8.0, 0.35), "Theft from the person": (5.0, 0.5), "Public order": (3.0, 0.6),
    VSO: (2.0, 0.85), "Robbery": (2.5, 0.6), "Burglary": (1.0, 1.5), "Vehicle crime": (1.2, 1.3),
    "Other theft": (1.5, 1.4), "Other crime": (1.0, 1.2), "Bicycle theft": (2.0, 0.6), "Drugs": (2.0, 0.7),
}
# Snap point affinities: (location words, category -> factor).
PLACE_AFFINITY = {
    "Supermarket": {"Shoplifting": 14, "Bicycle theft": 2, "Other theft": 2},
    "Shopping Area": {"Shoplifting": 10, "Theft from the person": 5, ASB: 2, "Robbery": 2},
    "Petrol Station": {"Shoplifting": 4, "Other theft": 3},
    "Parking Area": {"Vehicle crime": 5, "Criminal damage and arson": 2},
    "Nightclub": {VSO: 6, "Public order": 5, "Theft from the person": 4},
    "Park/Open Space": {ASB: 3, "Drugs": 3},
    "Sports/Recreation Area": {ASB: 2, "Criminal damage and arson": 2},
    "Bus/Coach Station": {"Theft from the person": 4, "Bicycle theft": 3, ASB: 2},
    "Further/Higher Educational Building": {"Bicycle theft": 4},
    "Pedestrian Subway": {"Robbery": 3, ASB: 2},
}

OUTCOMES = {
    "Investigation complete; no suspect identified": 0.42,
    "Unable to prosecute suspect": 0.28,
    "Court result unavailable": 0.05,
    "Status update unavailable": 0.04,
    "Local resolution": 0.04,
    "Action to be taken by another organisation": 0.03,
    "Offender given a caution": 0.02,
    "Offender given community sentence": 0.015,
    "Offender sent to prison": 0.015,
    "Formal action is not in the public interest": 0.015,
    "Further investigation is not in the public interest": 0.01,
    "Offender fined": 0.01,
    "Defendant found not guilty": 0.008,
    "Offender given suspended prison sentence": 0.005,
    "Offender given conditional discharge": 0.004,
    "Court case unable to proceed": 0.004,
    "Suspect charged as part of another case": 0.004,
    "Offender given penalty notice": 0.003,
    "Offender otherwise dealt with": 0.003,
}
OUTCOME_SHIFT = {  # categories where an offender is usually known
    "Drugs": {"Offender given a drugs possession warning": 0.25, "Local resolution": 0.15,
              "Offender given a caution": 0.08, "Court result unavailable": 0.08},
    "Shoplifting": {"Local resolution": 0.10, "Offender given a caution": 0.06, "Offender fined": 0.05,
                    "Court result unavailable": 0.08},
    "Possession of weapons": {"Court result unavailable": 0.15, "Offender sent to prison": 0.08,
                              "Offender given suspended prison sentence": 0.05},
}


def force_slug(force: str) -> str:
    """police.uk's file name part for a force: "Bedfordshire Police" -> "bedfordshire"."""
    name = re.sub(r"\s+(police service|police|constabulary)$", "", force.strip(), flags=re.I)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def area_totals() -> dict[str, list[int]]:
    """Each category's total in the area for each financial year (the construction's input)."""
    totals = {c: list(v) for c, v in FIXED.items()}
    totals[ASB] = list(ASB_TOTALS)
    for i, fy in enumerate(FINANCIAL_YEARS):
        left = RECORDED[i] - sum(v[i] for v in FIXED.values())
        shares = {c: s + OTHER_DRIFT.get(c, 0) * i for c, s in OTHER_SHARES.items()}
        norm = sum(shares.values())
        split = largest_remainder(np.array([left * s / norm for s in shares.values()]))
        for c, n in zip(shares, split):
            totals.setdefault(c, []).append(int(n))
    return {c: totals[c] for c in CATEGORIES}


def month_weights(category: str) -> np.ndarray:
    """Seasonal and event weight of each month in MONTHS for a category."""
    season = np.array(SEASON.get(category, [1.0] * 12))
    w = np.array([season[int(m[5:]) - 1] for m in MONTHS])
    for month, cats, factor in EVENTS:
        if (cats is None and category != ASB) or (cats is not None and category in cats):
            w[MONTHS.index(month)] *= factor
    return w


def monthly_counts(rng: np.random.Generator) -> pd.DataFrame:
    """Area records per month (rows, MONTHS) and category (columns); FY totals exact."""
    out = {}
    for category, totals in area_totals().items():
        w = month_weights(category)
        counts = []
        for i, total in enumerate(totals):
            wy = w[12 * i: 12 * i + 12]
            counts.extend(rng.multinomial(total, wy / wy.sum()))
        out[category] = counts
    return pd.DataFrame(out, index=MONTHS)


def lsoa_weights(places: Places, deciles: pd.Series, population: pd.Series) -> dict[str, np.ndarray]:
    """Per category, the relative weight of each area LSOA (rows of places.lsoas in the area)."""
    area = places.lsoas[places.lsoas["in_area"]]
    pop = area["code"].map(population).to_numpy(dtype=float)
    dep = area["code"].map(deciles).map(DEPRIVATION_FACTOR).fillna(1.0).to_numpy(dtype=float)
    town = area["town"].ne("").to_numpy()
    urban = area["urban"].to_numpy(dtype=bool)
    centre = area["centre"].to_numpy(dtype=bool)
    village = ~urban
    base = pop * dep * np.where(town, TOWN_FACTOR, np.where(urban, URBAN_FACTOR, VILLAGE_FACTOR))
    base *= np.where(centre, 2.0, 1.0)
    out = {}
    for c in CATEGORIES:
        in_centre, in_village = CATEGORY_PLACE.get(c, (1.0, 1.0))
        out[c] = base * np.where(centre, in_centre, 1.0) * np.where(village, in_village, 1.0)
    return out


def neighbour_weights(places: Places) -> np.ndarray:
    nb = places.lsoas[~places.lsoas["in_area"]]
    # No population for neighbours: denser (smaller) LSOAs stand in for busier ones.
    return 1.0 / np.sqrt(np.clip(nb["area_km2"].to_numpy(), 0.1, None))


class _PointPicker:
    """Draws a snap point within a given LSOA, with category-specific weights, vectorised."""

    def __init__(self, points: pd.DataFrame):
        self.lsoa = points["lsoa"].to_numpy()
        # Index of each LSOA's last point: a guard against lsoa + u rounding up to lsoa + 1.
        self.last = pd.Series(np.arange(len(points))).groupby(self.lsoa).max()
        self.keys: dict[str, np.ndarray] = {}
        for c in CATEGORIES:
            w = points["weight"].to_numpy(dtype=float).copy()
            for word, factors in PLACE_AFFINITY.items():
                hit = points["location"].str.endswith(word).to_numpy()
                w[hit] *= factors.get(c, 1.0)
            total = pd.Series(w).groupby(self.lsoa).transform("sum").to_numpy()
            cum = pd.Series(w / total).groupby(self.lsoa).cumsum().to_numpy().copy()
            # lsoa + cumulative share is increasing across the whole table: one searchsorted.
            cum[np.r_[self.lsoa[1:] != self.lsoa[:-1], True]] = 1.0
            self.keys[c] = self.lsoa + cum

    def pick(self, category: str, lsoa: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(len(lsoa))
        found = np.searchsorted(self.keys[category], lsoa + u, side="right")
        return np.minimum(found, self.last.reindex(lsoa).to_numpy())


def generate_records(places: Places, counts: pd.DataFrame, weights: dict[str, np.ndarray],
                     rng: np.random.Generator) -> pd.DataFrame:
    """One row per record (month, category, point) for the area and its neighbours."""
    lsoas = places.lsoas
    area_idx = np.flatnonzero(lsoas["in_area"].to_numpy())
    nb_idx = np.flatnonzero(~lsoas["in_area"].to_numpy())
    nb_w = neighbour_weights(places)
    picker = _PointPicker(places.points)
    frames = []
    for c in CATEGORIES:
        n_area = counts[c].to_numpy()
        per_lsoa = rng.multinomial(n_area, weights[c] / weights[c].sum())          # months x area LSOAs
        n_nb = rng.poisson(NEIGHBOUR_SHARE * n_area)
        per_nb = rng.multinomial(n_nb, nb_w / nb_w.sum())                          # months x neighbours
        for idx, table in ((area_idx, per_lsoa), (nb_idx, per_nb)):
            month_i, col = np.nonzero(table)
            reps = table[month_i, col]
            month_i, lsoa = np.repeat(month_i, reps), np.repeat(idx[col], reps)
            point = picker.pick(c, lsoa, rng)
            frames.append(pd.DataFrame({"month": month_i, "category": c, "lsoa": lsoa, "point": point}))
    return pd.concat(frames, ignore_index=True)


def _outcomes(records: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    out = np.full(len(records), "", dtype=object)
    for c in CATEGORIES:
        if c == ASB:
            continue
        rows = np.flatnonzero(records["category"].to_numpy() == c)
        probs = dict(OUTCOMES) | OUTCOME_SHIFT.get(c, {})
        labels = list(probs)
        p = np.array([probs[k] for k in labels])
        out[rows] = np.array(labels, dtype=object)[rng.choice(len(labels), size=len(rows), p=p / p.sum())]
    # The newest months are still open: police.uk shows them "Under investigation".
    age = len(MONTHS) - 1 - records["month"].to_numpy()
    open_p = 0.6 * np.exp(-age / 2.0)
    still_open = (rng.random(len(records)) < open_p) & (out != "")
    out[still_open] = "Under investigation"
    awaiting = (rng.random(len(records)) < 0.08 * np.exp(-age / 6.0)) & (out != "") & ~still_open
    out[awaiting] = "Awaiting court outcome"
    return out


def _crime_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    blob = rng.bytes(32 * n).hex()
    return np.array([blob[64 * i: 64 * i + 64] for i in range(n)], dtype=object)


def build_street_tables(places: Places, counts: pd.DataFrame, weights: dict[str, np.ndarray],
                        config: Config, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The rows of every monthly file as text in the 12 police.uk columns (an object array per month)."""
    records = generate_records(places, counts, weights, rng)
    # Records with no location in the last twelve months, in the same category mix.
    last_year = np.flatnonzero(records["month"].to_numpy() >= len(MONTHS) - 12)
    n_unloc = int(round(len(last_year) * UNLOCATED_SHARE / (1 - UNLOCATED_SHARE)))
    unloc = records.iloc[rng.choice(last_year, size=n_unloc, replace=False)][["month", "category"]].copy()
    unloc["lsoa"], unloc["point"] = -1, -1
    records = pd.concat([records, unloc], ignore_index=True)

    pts, lsoas = places.points, places.lsoas
    month_i = records["month"].to_numpy()
    located = records["point"].to_numpy() >= 0
    point = np.where(located, records["point"].to_numpy(), 0)
    lsoa = np.where(located, records["lsoa"].to_numpy(), 0)
    category = records["category"].to_numpy(dtype=object)
    is_asb = category == ASB
    crime_id = np.full(len(records), "", dtype=object)
    crime_id[~is_asb] = _crime_ids(int((~is_asb).sum()), rng)

    def text(values: pd.Series) -> np.ndarray:
        return values.to_numpy(dtype=object)

    force = np.full(len(records), config.area.force, dtype=object)
    columns = {
        "Crime ID": crime_id,
        "Month": np.array(MONTHS, dtype=object)[month_i],
        "Reported by": force,
        "Falls within": force,
        "Longitude": np.where(located, text(pts["longitude"])[point], ""),
        "Latitude": np.where(located, text(pts["latitude"])[point], ""),
        "Location": np.where(located, text(pts["location"])[point], "No Location"),
        "LSOA code": np.where(located, text(lsoas["code"])[lsoa], ""),
        "LSOA name": np.where(located, text(lsoas["name"])[lsoa], ""),
        "Crime type": category,
        "Last outcome category": _outcomes(records, rng),
        "Context": np.full(len(records), "", dtype=object),
    }
    # Real files list records by LSOA, those without a location last.
    name_rank = _rank(lsoas["name"])[lsoa]
    location_rank = _rank(pts["location"])[point]
    category_rank = np.searchsorted(np.array(sorted(CATEGORIES), dtype=object), category)
    order = np.lexsort((location_rank, category_rank, name_rank, ~located, month_i))
    table = np.column_stack([_csv_quoted(columns[c]) for c in STREET_COLUMNS])[order]
    bounds = np.searchsorted(month_i[order], np.arange(len(MONTHS) + 1))
    by_month = {m: table[bounds[i]: bounds[i + 1]] for i, m in enumerate(MONTHS)}

    # A few records repeated with a later outcome, as when police.uk re-issues a record.
    rows = by_month[DUPLICATE_MONTH]
    col = {c: i for i, c in enumerate(STREET_COLUMNS)}
    area_codes = lsoas.loc[lsoas["in_area"], "code"].to_numpy(dtype=object)
    candidates = np.flatnonzero((rows[:, col["Crime ID"]] != "") & np.isin(rows[:, col["LSOA code"]], area_codes))
    repeat = rows[np.sort(rng.choice(candidates, size=DUPLICATES, replace=False))].copy()
    repeat[:, col["Last outcome category"]] = "Status update unavailable"
    by_month[DUPLICATE_MONTH] = np.concatenate([rows, repeat])
    return by_month


def _rank(values: pd.Series) -> np.ndarray:
    """Each value's position in sorted order (ties share a position)."""
    codes, _uniques = pd.factorize(values, sort=True)
    return codes


def _csv_quoted(values: np.ndarray) -> np.ndarray:
    """CSV fields: quoted (and inner quotes doubled) only where needed, as police.uk does."""
    text = pd.Series(values, dtype=object).astype(str)
    needs = text.str.contains(r'[",\r\n]', regex=True).to_numpy(dtype=bool)
    out = np.asarray(values, dtype=object).copy()
    out[needs] = ['"' + v.replace('"', '""') + '"' for v in text[needs]]
    return out


def write_street_files(by_month: dict[str, np.ndarray], config: Config, folder: Path) -> list[Path]:
    """YYYY-MM/YYYY-MM-<force>-street.csv, UTF-8 without a BOM and LF line ends, as police.uk writes them."""
    slug = force_slug(config.area.force)
    paths = []
    for month, rows in by_month.items():
        path = folder / month / f"{month}-{slug}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Fields are quoted already (_csv_quoted): a plain join is many times faster than csv.writer.
        lines = [",".join(STREET_COLUMNS)] + [",".join(r) for r in rows.tolist()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
