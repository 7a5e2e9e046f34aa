"""The Hotspot map's per-LSOA figures: records, months held, residents (and their year), rate
per 1,000 a year on held months, and the change on the previous period on months held in
both, as the map, its tooltip, its download and the figures JSON give them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from csp_dash.analysis import hotspots as H
from csp_dash.analysis.deprivation import nearest_years


def _num(x):
    if x is None or x is pd.NA:
        return None
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else float(x)
    return int(x)


def population_years(population: pd.DataFrame | None, codes, months: pd.DatetimeIndex) -> dict[str, str]:
    """Each LSOA's mid-year estimate years used over ``months`` ("2018", or "2019-2021")."""
    if population is None or population.empty or len(months) == 0:
        return {}
    out = {}
    for code, rows in population[population["lsoa_code"].isin(list(codes))].groupby("lsoa_code"):
        used = sorted(set(int(y) for y in nearest_years(rows["year"], months)))
        out[code] = str(used[0]) if len(used) == 1 else f"{used[0]}-{used[-1]}"
    return out


def lsoas(view: H.MapView, population: pd.DataFrame | None) -> list[dict]:
    """The ``lsoas`` part of the figures JSON (docs/figures.md): one entry per LSOA in scope."""
    t = view.table
    years = population_years(population, t.index, view.coverage.held)
    held = len(view.coverage.held)
    comparison = view.comparison
    out = []
    for code, r in t.iterrows():
        if pd.notna(r["rate"]):
            rate, why = float(r["rate"]), None
        elif not held:
            rate, why = None, "no month held in the range"
        else:
            rate, why = None, "no population figure (or a population of 0) for this LSOA"
        if not comparison.shown:
            change, change_why = None, comparison.note
        else:
            change_why = None
            change = {"previous_records": _num(r["previous"]), "current_records": _num(r["current_compared"]),
                      "months_compared": len(comparison.paired.current), "previous_period": comparison.label,
                      "change_pct": _num(r["change_pct"]), "p_value": _num(r["p_value"]),
                      "test": comparison.method, "significant": bool(r["significant"]),
                      "significant_after_fdr": bool(r["significant_fdr"]), "words": r["words"]}
        out.append({
            "code": code, "name": r["name"], "town": r["town"], "records": int(r["count"]), "months_held": held,
            "population": _num(r["residents"]), "population_year": years.get(code),
            "rate_per_1000_a_year": rate, "rate_reason": why, "rate_rank": _num(r["rate_rank"]),
            "change": change, "change_reason": change_why,
        })
    return out
