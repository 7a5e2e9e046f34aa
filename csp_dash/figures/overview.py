"""The Overview's headline tiles for a set of filters: the four police.uk tiles on the months
the store holds, the partner-indicator tiles and the survey tile (both district-wide)."""

from __future__ import annotations

import pandas as pd

from csp_dash.analysis import overview as OV
from csp_dash.analysis.filters import Filters


def crime_months(filters: Filters, held: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Every calendar month of the filters' range (the first to last held month when unset)."""
    start = filters.start if filters.start is not None else held[0]
    end = filters.end if filters.end is not None else held[-1]
    return OV.S.month_index(start, end)


def tiles(crimes: pd.DataFrame | None, held: pd.DatetimeIndex, filters: Filters, indicators: pd.DataFrame | None,
          responses: pd.DataFrame | None, answers: pd.DataFrame | None, area_name: str, min_group_n: int,
          threshold: int, label: str) -> list[OV.Tile]:
    """Every headline tile, in the order the page shows them."""
    out: list[OV.Tile] = []
    if crimes is not None and len(held):
        months = crime_months(filters, held)
        gaps = months.difference(held)
        out += OV.crime_tiles(OV.crime_counts(crimes, filters, months, list(gaps)))
    else:
        out += [OV.Tile(k, title, OV.NO_DATA, "no police.uk records loaded", "no change to show", None, False,
                        "not charted", False, "Load police.uk files with `python -m csp_dash ingest crime`.",
                        available=False) for k, title, _ in OV.CRIME_TILES]
    out += OV.indicator_tiles(indicators, threshold, label)
    out.append(OV.survey_tile(responses, answers, area_name, min_group_n))
    return OV.district_wide(out, filters)
