"""``python -m csp_dash figures``: the figures the pages show, as JSON, for given filters.

It reads the store once, builds the same ``Filters`` the sidebar builds, and calls the same
figure functions as the pages (``figures.overview``, ``figures.hotspots``, ``figures.trends``),
so the JSON is what the screen says. The contract is docs/figures.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from csp_dash.analysis import coverage as CV
from csp_dash.analysis import hotspots as H
from csp_dash.analysis import series as S
from csp_dash.analysis.filters import Filters, apply_filters, lsoas_in_scope
from csp_dash.analysis.geography import assign_towns
from csp_dash.analysis.survey import STATEMENTS
from csp_dash.config import Config
from csp_dash.errors import CspError
from csp_dash.figures import hotspots as FH
from csp_dash.figures import overview as FO
from csp_dash.figures import trends as FT
from csp_dash.store import Store

VERSION = 1
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
AREA_COLUMNS = ["code", "name", "district", "area", "centroid_lon", "centroid_lat"]


class FilterError(CspError):
    """A filter given to the figures command names something the store does not hold."""


@dataclass(frozen=True)
class Inputs:
    """The store's tables the figures read, read once."""

    crimes: pd.DataFrame
    held: pd.DatetimeIndex
    area: pd.DataFrame  # the area's LSOAs with their town, no polygons
    population: pd.DataFrame | None
    deprivation: pd.DataFrame | None
    indicators: pd.DataFrame | None
    responses: pd.DataFrame | None
    answers: pd.DataFrame | None


def read_inputs(store: Store, config: Config) -> Inputs:
    crimes = store.read("crimes", columns=["month", "category", "lsoa_code", "longitude", "latitude", "location"])
    area = store.read("lsoas", columns=AREA_COLUMNS, filters=[("area", "==", True)]).reset_index(drop=True)
    area["town"] = assign_towns(area, config.area.towns).to_numpy()
    responses = store.read_optional("survey_responses")
    if responses is not None:
        responses = responses[[c for c in ["response_id", "wave", "area", "age_band", "gender", *STATEMENTS]
                               if c in responses.columns]]
    return Inputs(crimes=crimes, held=CV.held_months(crimes["month"]), area=area,
                  population=store.read_optional("population", columns=["lsoa_code", "year", "population"]),
                  deprivation=store.read_optional("deprivation"), indicators=store.read_optional("indicators"),
                  responses=responses, answers=store.read_optional("survey_answers"))


def _month(text: str | None, flag: str) -> pd.Timestamp | None:
    if text is None:
        return None
    if not MONTH.match(text):
        raise FilterError(f"{flag} {text!r} is not a month", expected="YYYY-MM, such as 2021-05")
    return pd.Timestamp(f"{text}-01")


def build_filters(inputs: Inputs, config: Config, start: str | None = None, end: str | None = None,
                  categories: list[str] | None = None, town: str | None = None,
                  lsoas: list[str] | None = None) -> Filters:
    """The sidebar's filters from command-line values; a bad value raises ``FilterError``."""
    if not len(inputs.held):
        raise FilterError("the store holds no crime records", hint="Load police.uk files first.")
    first, last = _month(start, "--from"), _month(end, "--to")
    first = first if first is not None else inputs.held[0]
    last = last if last is not None else inputs.held[-1]
    if first > last:
        raise FilterError(f"--from {first:%Y-%m} is after --to {last:%Y-%m}")
    known = sorted(inputs.crimes["category"].unique())
    chosen = []
    for c in categories or []:
        match = next((k for k in known if k.lower() == c.lower()), None)
        if match is None:
            raise FilterError(f"unknown category {c!r}", expected="one of " + ", ".join(known))
        chosen.append(match)
    if town and lsoas:
        raise FilterError("give --town or --lsoa, not both")
    if town:
        towns = [t.name for t in config.area.towns]
        match = next((t for t in towns if t.lower() == town.lower()), None)
        if match is None:
            raise FilterError(f"unknown town {town!r}", expected="one of " + ", ".join(towns) if towns else
                              "a town from csp.toml's [[area.towns]] (none are configured)")
        codes = tuple(inputs.area.loc[inputs.area["town"] == match, "code"])
        return Filters(scope="town", town=match, lsoa_codes=codes, start=first, end=last,
                       categories=tuple(chosen), area_name=config.area.name)
    if lsoas:
        area_codes = set(inputs.area["code"])
        bad = [c for c in lsoas if c not in area_codes]
        if bad:
            raise FilterError(f"LSOA {bad[0]!r} is not one of the {len(area_codes)} LSOAs of {config.area.name}",
                              expected="a code such as " + sorted(area_codes)[0])
        return Filters(scope="lsoas", lsoa_codes=tuple(dict.fromkeys(lsoas)), start=first, end=last,
                       categories=tuple(chosen), area_name=config.area.name)
    return Filters(start=first, end=last, categories=tuple(chosen), area_name=config.area.name)


def figures(inputs: Inputs, config: Config, filters: Filters) -> dict:
    """Every figure of the JSON contract for these filters."""
    cover = CV.coverage(inputs.held, filters.start, filters.end)
    tiles = FO.tiles(inputs.crimes, inputs.held, filters, inputs.indicators, inputs.responses, inputs.answers,
                     config.area.name, config.survey.min_group_n, config.disclosure.threshold,
                     config.suppressed_label)
    scope = lsoas_in_scope(inputs.area, filters)
    view = H.map_view(inputs.crimes, filters, scope, inputs.population, inputs.deprivation, inputs.held,
                      point_limit=len(inputs.crimes) + 1)
    name, members = FT.default_series(sorted(inputs.crimes["category"].unique()), filters.categories)
    months = S.month_index(filters.start, filters.end)
    counts = S.monthly_counts(apply_filters(inputs.crimes, filters), months)
    values = counts.reindex(columns=list(members), fill_value=0).sum(axis=1).astype("float64")
    values[~months.isin(inputs.held)] = float("nan")
    values.name = name
    return {
        "version": VERSION,
        "filters": {"from": f"{filters.start:%Y-%m}", "to": f"{filters.end:%Y-%m}", "scope": filters.scope,
                    "town": filters.town, "lsoas": list(filters.lsoa_codes) if filters.scope == "lsoas" else [],
                    "categories": list(filters.categories), "described": filters.describe()},
        "coverage": cover.as_dict() | {"described": cover.describe()},
        "tiles": [t.as_dict() for t in tiles],
        "lsoas": FH.lsoas(view, inputs.population),
        "financial_years": FT.financial_years(values, config.strategy.start, config.strategy.end, inputs.held),
    }
