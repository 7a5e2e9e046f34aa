"""The shared filters (area scope, months, categories): their value, their URL form, and
how they cut the crime table.

The sidebar in app.py is the only place that draws them; this module is what the sidebar,
the pages and the tests share, so it stays free of Streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

SCOPES = ("district", "town", "lsoas")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def slug(text: str) -> str:
    """URL form of a category or town: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Filters:
    """What the user has chosen. An empty ``categories`` means every category."""

    scope: str = "district"
    town: str | None = None
    lsoa_codes: tuple[str, ...] = ()  # the chosen LSOAs (scope "lsoas") or the town's LSOAs
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    categories: tuple[str, ...] = ()
    area_name: str = ""
    notes: tuple[str, ...] = field(default=(), compare=False)  # link parts that were ignored, and why

    @property
    def scope_label(self) -> str:
        if self.scope == "town" and self.town:
            return self.town
        if self.scope == "lsoas":
            n = len(self.lsoa_codes)
            return f"{n} chosen LSOA{'s' if n != 1 else ''}"
        return self.area_name

    @property
    def period_label(self) -> str:
        if self.start is None or self.end is None:
            return "all months"
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    @property
    def categories_label(self) -> str:
        if not self.categories:
            return "all categories"
        if len(self.categories) <= 2:
            return " and ".join(self.categories)
        return f"{len(self.categories)} categories"

    def describe(self) -> str:
        return f"{self.scope_label} · {self.period_label} · {self.categories_label}"


def apply_filters(crimes: pd.DataFrame, f: Filters, *, categories: bool = True) -> pd.DataFrame:
    """The crime records inside the filters.

    At district scope every record counts, including those placed by a reported LSOA
    code from another LSOA vintage (``lsoa_code`` null); a town or chosen LSOAs take only
    records with an LSOA in the scope.
    """
    keep = pd.Series(True, index=crimes.index)
    if f.start is not None:
        keep &= crimes["month"] >= f.start
    if f.end is not None:
        keep &= crimes["month"] <= f.end
    if categories and f.categories:
        keep &= crimes["category"].isin(f.categories)
    if f.scope in ("town", "lsoas"):
        keep &= crimes["lsoa_code"].isin(f.lsoa_codes)
    return crimes.loc[keep]


def lsoas_in_scope(area_lsoas: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The area's LSOAs within the scope (all of them at district scope)."""
    if f.scope == "district":
        return area_lsoas
    return area_lsoas[area_lsoas["code"].isin(f.lsoa_codes)]


def _month(text: str) -> pd.Timestamp | None:
    return pd.Timestamp(f"{text}-01") if MONTH_RE.match(text or "") else None


def from_params(params: Mapping[str, str], *, towns: dict[str, tuple[str, ...]], lsoa_codes: set[str],
                categories: tuple[str, ...], months: tuple[pd.Timestamp, pd.Timestamp],
                area_name: str) -> Filters:
    """Filters from URL query parameters, ignoring (and noting) anything not on offer.

    ``towns`` maps each town's name to its LSOA codes; ``months`` is the first and last
    month the store holds, and the chosen range is clipped to it.
    """
    notes: list[str] = []
    scope = params.get("scope", "district")
    if scope not in SCOPES:
        notes.append(f"unknown scope '{scope}'")
        scope = "district"
    town = None
    codes: tuple[str, ...] = ()
    if scope == "town":
        by_slug = {slug(t): t for t in towns}
        town = by_slug.get(slug(params.get("town", "")))
        if town is None:
            notes.append(f"unknown town '{params.get('town', '')}'")
            scope = "district"
        else:
            codes = towns[town]
    elif scope == "lsoas":
        asked = [c for c in params.get("lsoa", "").split(",") if c]
        codes = tuple(c for c in asked if c in lsoa_codes)
        if len(codes) < len(asked):
            notes.append(f"{len(asked) - len(codes)} LSOA code(s) not in the area")
        if not codes:
            scope = "district"
    first, last = months
    start = _month(params.get("from", "")) or first
    end = _month(params.get("to", "")) or last
    start, end = max(start, first), min(end, last)
    if start > end:
        notes.append("the chosen months lie outside the data")
        start, end = first, last
    by_slug = {slug(c): c for c in categories}
    asked = [c for c in params.get("cat", "").split(",") if c]
    chosen = tuple(by_slug[c] for c in asked if c in by_slug)
    if len(chosen) < len(asked):
        notes.append(f"{len(asked) - len(chosen)} unknown categor{'y' if len(asked) - len(chosen) == 1 else 'ies'}")
    return Filters(scope=scope, town=town, lsoa_codes=codes, start=start, end=end, categories=chosen,
                   area_name=area_name, notes=tuple(notes))


def to_params(f: Filters, months: tuple[pd.Timestamp, pd.Timestamp]) -> dict[str, str]:
    """The URL form of the filters; defaults are left out to keep links short."""
    params: dict[str, str] = {}
    if f.scope == "town" and f.town:
        params.update(scope="town", town=slug(f.town))
    elif f.scope == "lsoas" and f.lsoa_codes:
        params.update(scope="lsoas", lsoa=",".join(f.lsoa_codes))
    if f.start is not None and f.start != months[0]:
        params["from"] = f"{f.start:%Y-%m}"
    if f.end is not None and f.end != months[1]:
        params["to"] = f"{f.end:%Y-%m}"
    if f.categories:
        params["cat"] = ",".join(slug(c) for c in f.categories)
    return params
