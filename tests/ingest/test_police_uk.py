"""police.uk street-level crime: real Bedfordshire and West Yorkshire files, and tiny fixtures
written here for each kind of bad row, placement rule and input shape."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_dash.cli import main
from csp_dash.config import load_config
from csp_dash.errors import CspError, UnusableInputError
from csp_dash.ingest import run_ingest
from csp_dash.ingest.police_uk import (
    CATEGORIES,
    LEGACY_CATEGORIES,
    STREET_COLUMNS,
    AreaGeometry,
    CrimeSource,
    process_file,
)
from csp_dash.status import store_status
from csp_dash.store import Store
from tests.conftest import shared

MONTHS = ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02",
          "2021-05", "2021-06", "2021-07", "2021-08", "2021-09", "2021-10", "2021-11", "2021-12",
          "2022-01", "2022-02", "2022-03", "2022-04"]
HEADER = ",".join(STREET_COLUMNS)
FORCE = "Bedfordshire Police"
CB = "Central Bedfordshire"


def beds_file(month: str) -> Path:
    return shared("police_uk", "bedfordshire", month, f"{month}-bedfordshire-street.csv")


def west_yorkshire_file() -> Path:
    return shared("police_uk", "2016-07-west-yorkshire-street.csv")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def row(crime_id="", month="2019-01", lon="-0.5", lat="52.0", location="On or near High Street",
        code="E01017433", name="Central Bedfordshire 001A", crime_type="Burglary", outcome="", force=FORCE) -> str:
    fields = [crime_id, month, force, FORCE, lon, lat, location, code, name, crime_type, outcome, ""]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


def write_street(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n" + "".join(rows), encoding="utf-8")
    return path


def summary_cells(out: str, file_name: str) -> list[str]:
    """The cells of the CLI summary table's row for one file."""
    (line,) = [ln for ln in out.splitlines() if f" {file_name} " in ln]
    return [cell.strip() for cell in line.strip("│ ").split("│")]


def table_sizes(store: Store) -> dict[str, int]:
    sizes = {t: len(store.read(t)) for t in ("crimes", "unlocated", "crime_aggregate")}
    sizes["rejects"] = len(store.read_rejects("crimes"))
    return sizes


@pytest.fixture(scope="module")
def beds(tmp_path_factory, _boundaries_store, config):
    """The 17 real Bedfordshire months, ingested once for the module as one folder tree."""
    path = tmp_path_factory.mktemp("beds") / "cleaned"
    shutil.copytree(_boundaries_store, path)
    store = Store(path)
    folder = beds_file(MONTHS[0]).parent.parent
    outcome = run_ingest("crime", [folder], config, store)
    reports = {Path(r.path).name[:7]: r for r in outcome.reports if r.kind == "crime"}
    return store, reports


@pytest.fixture
def beds_copy(beds, tmp_path) -> Store:
    path = tmp_path / "cleaned"
    shutil.copytree(beds[0].path, path)
    return Store(path)


@pytest.fixture(scope="module")
def named_counts():
    """Per month, counted independently with the csv module: rows, rows whose reported LSOA name
    starts with "Central Bedfordshire", and how many of those are later copies of a (Month, Crime ID)."""
    out = {}
    for month in MONTHS:
        with beds_file(month).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        seen, extra, extra_cb, cb = set(), 0, 0, 0
        for r in rows:
            in_cb = r["LSOA name"].startswith(CB)
            cb += in_cb
            key = (r["Month"], r["Crime ID"])
            if r["Crime ID"] and key in seen:
                extra += 1
                extra_cb += in_cb
            seen.add(key)
        out[month] = {"rows": len(rows), "cb": cb, "extra_copies": extra, "extra_copies_cb": extra_cb,
                      "cb_deduplicated": cb - extra_cb}
    return out


# -- the 17 real months ------------------------------------------------------------------------

def test_central_bedfordshire_has_157_lsoas_in_the_2011_geography(beds):
    lsoas = beds[0].read("lsoas", columns=["code", "name", "area"])
    assert lsoas["area"].sum() == 157
    assert lsoas.loc[lsoas["area"], "name"].str.startswith(CB + " ").all()


def test_each_month_keeps_only_central_bedfordshire_within_1pc_of_the_named_count(beds, named_counts):
    store, reports = beds
    crimes = store.read("crimes", columns=["month", "force", "lsoa_code", "lsoa_name", "placement"])
    per_month = crimes.groupby(crimes["month"].dt.strftime("%Y-%m")).size().to_dict()
    assert sorted(per_month) == MONTHS
    for month in MONTHS:
        expected = named_counts[month]["cb_deduplicated"]
        assert per_month[month] == reports[month].details["in_area"]
        assert abs(per_month[month] - expected) <= 0.01 * expected, (month, per_month[month], expected)
    assert len(crimes) == 28835
    assert (crimes["force"] == FORCE).all()
    assert crimes["lsoa_name"].str.startswith(CB + " ").all()


def test_the_raw_2022_01_file_has_178_extra_copies_of_crime_ids(beds, named_counts):
    raw = named_counts["2022-01"]
    # The reason the raw name count (1,359) is not the comparison: 48 of the 178 later copies
    # of a duplicated Crime ID are in Central Bedfordshire, and duplicates are rejected.
    assert raw == {"rows": 4084, "cb": 1359, "extra_copies": 178, "extra_copies_cb": 48, "cb_deduplicated": 1311}
    report = beds[1]["2022-01"]
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4084, 3906, 178)
    assert report.reject_reasons == {"duplicate Crime ID within the month": 178}
    assert report.details["in_area"] == 1310
    rejects = beds[0].read_rejects("crimes")
    jan = rejects[rejects["Month"] == "2022-01"]
    assert len(jan) == 178 and (jan["column"] == "Crime ID").all() and (jan["value"] == jan["Crime ID"]).all()
    assert jan["LSOA name"].str.startswith(CB).sum() == 48


def test_read_is_accepted_plus_rejected_for_every_file(beds, named_counts):
    store, reports = beds
    sources = store.manifest()["sources"]
    assert len(sources) == 18  # the boundaries and 17 months
    for s in sources:
        assert s["rows_read"] == s["rows_accepted"] + s["rows_rejected"], s["path"]
    rejects = store.read_rejects("crimes")
    crimes = store.read("crimes", columns=["source_file"])
    unlocated = store.read("unlocated", columns=["source_file"])
    for month, r in reports.items():
        d = r.details
        assert d["in_area"] + d["outside_area"] + d["unlocated"] == r.rows_accepted, month
        assert d["in_area"] == d["in_area_by_point"] + d["in_area_by_reported_lsoa"]
        assert (rejects["source_file"] == r.path).sum() == r.rows_rejected
        assert (crimes["source_file"] == r.path).sum() == d["in_area"]
        assert (unlocated["source_file"] == r.path).sum() == d["unlocated"]
    assert {m: r.rows_read for m, r in reports.items()} == {m: c["rows"] for m, c in named_counts.items()}
    assert sum(r.rows_read for r in reports.values()) == 88513
    assert len(rejects) == sum(r.rows_rejected for r in reports.values()) == 184


def test_2011_and_2021_coded_months_line_up_on_the_2011_geography(beds):
    store, reports = beds
    lsoas = store.read("lsoas", columns=["code", "area"])
    area_codes = set(lsoas.loc[lsoas["area"], "code"])
    all_codes = set(lsoas["code"])
    crimes = store.read("crimes", columns=["month", "lsoa_code", "reported_lsoa_code", "placement"])
    located = crimes["lsoa_code"].notna()
    assert set(crimes.loc[located, "lsoa_code"]) <= area_codes
    assert (~located <= (crimes["placement"] == "reported_lsoa")).all()
    assert not (crimes.loc[~located, "reported_lsoa_code"].isin(all_codes)).any()
    new_codes = ~crimes["reported_lsoa_code"].isin(all_codes)
    assert new_codes.sum() == 2864
    assert "E01033808" in set(crimes["reported_lsoa_code"])
    assert (crimes.loc[new_codes, "month"] >= "2021-05-01").all()  # only the 2021-coded downloads
    assert crimes.loc[new_codes, "lsoa_code"].isin(area_codes).all()
    assert {m: reports[m].details["reported_codes_not_in_geography"] for m in ("2019-01", "2021-05")} == {
        "2019-01": 0, "2021-05": 911}


def test_unlocated_records_are_kept_with_force_and_month(beds):
    store, reports = beds
    unlocated = store.read("unlocated")
    may = unlocated[unlocated["month"] == "2021-05-01"]
    assert len(may) == 75 == reports["2021-05"].details["unlocated"]
    assert (may["force"] == FORCE).all() and (may["falls_within"] == FORCE).all()
    assert (may["location"] == "No Location").all()
    assert may["crime_id"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert {m: reports[m].details["unlocated"] for m in MONTHS[:5]} == dict.fromkeys(MONTHS[:5], 0)
    assert len(unlocated) == 1504
    assert store_status(store)["crimes"]["unlocated"] == 1504


def test_crime_aggregate_counts_every_accepted_row_by_reported_district(beds, named_counts):
    store, reports = beds
    agg = store.read("crime_aggregate")
    assert list(agg.columns) == ["district", "force", "month", "category", "crimes"]
    per_month = agg.groupby(agg["month"].dt.strftime("%Y-%m"))["crimes"].sum().to_dict()
    assert per_month == {m: reports[m].rows_accepted for m in MONTHS}
    assert {CB, "Luton", "Bedford", "Aylesbury Vale", "Buckinghamshire", ""} <= set(agg["district"])
    cb = agg[agg["district"] == CB].groupby(agg["month"].dt.strftime("%Y-%m"))["crimes"].sum().to_dict()
    assert cb == {m: named_counts[m]["cb_deduplicated"] for m in MONTHS}
    no_district = agg[agg["district"] == ""]["crimes"].sum()
    assert no_district == len(store.read("unlocated")) == 1504
    assert set(agg["category"]) <= set(CATEGORIES)


def test_reingesting_months_changes_no_totals(beds_copy, config):
    store = beds_copy
    before = table_sizes(store)
    crimes_before = store.read("crimes").sort_values(["source_file", "source_line"]).reset_index(drop=True)
    assert before == {"crimes": 28835, "unlocated": 1504, "crime_aggregate": 1203, "rejects": 184}
    run_ingest("crime", [beds_file("2021-05"), beds_file("2022-01")], config, store)
    assert table_sizes(store) == before
    crimes_after = store.read("crimes").sort_values(["source_file", "source_line"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(crimes_after, crimes_before)
    status = store_status(store)
    assert sorted(s["path"] for s in status["superseded_sources"]) == [
        str(beds_file("2021-05")), str(beds_file("2022-01"))]
    assert all(s["superseded_by"] == [s["path"]] for s in status["superseded_sources"])
    assert len(status["sources"]) == 18


def test_a_reissued_month_replaces_the_old_outcomes(beds_copy, config, tmp_path):
    store = beds_copy
    old = store.read("crimes")
    old_jan = old[old["month"] == "2019-01-01"]
    stale = (old_jan["outcome"] == "Status update unavailable").sum()
    assert len(old_jan) == 1945 and stale > 0
    text = beds_file("2019-01").read_text(encoding="utf-8")
    reissued = write_street(tmp_path / "redownload" / "2019-01" / "2019-01-bedfordshire-street.csv", [])
    reissued.write_text(text.replace(",Status update unavailable,", ",Offender given a caution,"), encoding="utf-8")

    before = table_sizes(store)
    run_ingest("crime", [reissued], config, store)
    assert table_sizes(store) == before
    new = store.read("crimes")
    new_jan = new[new["month"] == "2019-01-01"]
    assert len(new_jan) == 1945 and (new_jan["source_file"] == str(reissued)).all()
    assert (new_jan["outcome"] == "Status update unavailable").sum() == 0
    assert (new_jan["outcome"] == "Offender given a caution").sum() == (
        (old_jan["outcome"] == "Offender given a caution").sum() + stale)
    others = lambda df: df[df["month"] != "2019-01-01"].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(others(new), others(old))
    superseded = store_status(store)["superseded_sources"]
    assert [(s["path"], s["superseded_by"]) for s in superseded] == [(str(beds_file("2019-01")), [str(reissued)])]


def test_a_failed_ingest_changes_nothing(store, config, tmp_path):
    run_ingest("crime", [beds_file("2019-01")], config, store)
    before = snapshot(store.path)
    unusable = write_street(tmp_path / "raw" / "2019-02-bedfordshire-street.csv", [])
    unusable.write_text("Crime ID,Month,Reported by\n1,2019-02,x\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match="column 4 of the header is nothing, not 'Falls within'"):
        run_ingest("crime", [beds_file("2019-02"), unusable], config, store)
    assert snapshot(store.path) == before
    assert sorted(before) == ["crime_aggregate.parquet", "crimes.parquet", "lsoas.parquet", "manifest.json",
                              "rejects/crimes.csv", "rejects/lsoas.csv", "unlocated.parquet"]
    assert not [p for p in store.path.parent.iterdir() if ".staging" in p.name or p.name.endswith(".old")]


def test_validate_writes_nothing(store, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    before = snapshot(store.path)
    assert main(["validate", "crime", str(beds_file("2021-05")), "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "Checked (dry run, nothing written): crime" in out
    assert summary_cells(out, "2021-05-bedfordshire-street.csv") == [
        "2021-05-bedfordshire-street.csv", "5,082", "5,082", "0", "1,585", "3,422", "75"]
    assert snapshot(store.path) == before


# -- input shapes ------------------------------------------------------------------------------

def test_a_gzipped_csv_gives_the_same_rows(store, config, tmp_path, _boundaries_store):
    gz = tmp_path / "2021-05-bedfordshire-street.csv.gz"
    gz.write_bytes(gzip.compress(beds_file("2021-05").read_bytes()))
    (report,) = [r for r in run_ingest("crime", [gz], config, store).reports]
    plain = Store(tmp_path / "plain")
    shutil.copytree(_boundaries_store, plain.path)
    run_ingest("crime", [beds_file("2021-05")], config, plain)
    assert (report.rows_read, report.details["in_area"], report.details["unlocated"]) == (5082, 1585, 75)
    assert report.size == len(beds_file("2021-05").read_bytes())  # fingerprint of the CSV, not the gzip
    pd.testing.assert_frame_equal(store.read("crimes").drop(columns="source_file"),
                                  plain.read("crimes").drop(columns="source_file"))


def outcomes_file(path: Path) -> None:
    path.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                    "Outcome type\nabc,2019-01,Bedfordshire Police,Bedfordshire Police,-0.5,52.0,On or near X,"
                    "E01017649,Central Bedfordshire 001A,Offender fined\n", encoding="utf-8")


def test_a_folder_tree_of_monthly_folders_skips_outcomes_files(store, config, tmp_path):
    root = tmp_path / "download"
    for month in ("2019-01", "2019-02"):
        (root / month).mkdir(parents=True)
        shutil.copy(beds_file(month), root / month)
        outcomes_file(root / month / f"{month}-bedfordshire-outcomes.csv")
    reports = [r for r in run_ingest("crime", [root], config, store).reports if r.kind == "crime"]
    assert [Path(r.path).name for r in reports] == ["2019-01-bedfordshire-street.csv", "2019-02-bedfordshire-street.csv"]
    assert reports[0].notes == [f"{root}: skipped 2 CSV files that are not street-level (outcomes, stop and search)"]
    assert [r.details["in_area"] for r in reports] == [1945, 1689]


def test_a_police_uk_archive_zip(store, config, tmp_path):
    archive = tmp_path / "police-uk-download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for month in ("2019-01", "2019-02"):
            z.write(beds_file(month), f"{month}/{month}-bedfordshire-street.csv")
        z.writestr("2019-01/2019-01-bedfordshire-outcomes.csv", "Crime ID,Month\n")
        # A macOS resource fork copies the name of a street file; it is not one.
        z.writestr("__MACOSX/2019-01/._2019-01-bedfordshire-street.csv", b"\x00\x05\x16\x07\x00\x02")
    reports = [r for r in run_ingest("crime", [archive], config, store).reports if r.kind == "crime"]
    assert [r.path for r in reports] == [f"{archive}!2019-01/2019-01-bedfordshire-street.csv",
                                         f"{archive}!2019-02/2019-02-bedfordshire-street.csv"]
    # The outcomes file and the resource fork are both skipped.
    assert reports[0].notes == [f"{archive}: skipped 2 CSV files that are not street-level (outcomes, stop and search)"]
    assert [(r.rows_read, r.details["in_area"]) for r in reports] == [(5630, 1945), (5168, 1689)]
    assert reports[0].sha256 == hashlib.sha256(beds_file("2019-01").read_bytes()).hexdigest()
    assert len(store.read("crimes")) == 1945 + 1689


def test_several_forces_at_once(store, config):
    outcome = run_ingest("crime", [beds_file("2019-01"), west_yorkshire_file()], config, store)
    beds_report, wy = [r for r in outcome.reports if r.kind == "crime"]
    assert (wy.rows_read, wy.rows_accepted, wy.rows_rejected) == (27176, 27176, 0)
    assert wy.details["in_area"] == 0 and wy.details["unlocated"] == 1347
    assert wy.details["outside_area"] == 27176 - 1347
    assert wy.details["force_months"] == ["West Yorkshire Police|2016-07"]
    crimes = store.read("crimes", columns=["force"])
    assert len(crimes) == 1945 and set(crimes["force"]) == {FORCE}
    unlocated = store.read("unlocated")
    assert len(unlocated) == 1347
    assert set(zip(unlocated["force"], unlocated["month"].dt.strftime("%Y-%m"))) == {("West Yorkshire Police", "2016-07")}
    agg = store.read("crime_aggregate")
    wy_agg = agg[agg["force"] == "West Yorkshire Police"]
    assert wy_agg["crimes"].sum() == 27176
    assert wy_agg.groupby("district")["crimes"].sum()[["Leeds", "Bradford", ""]].tolist() == [9243, 6381, 1347]


def test_a_store_of_another_area_with_no_rows_in_it_keeps_typed_empty_tables(store, config):
    run_ingest("crime", [west_yorkshire_file()], config, store)
    assert len(store.read("crimes")) == 0
    schema = pq.read_schema(store.table_path("crimes"))
    assert schema.field("month").type == pa.date32()
    assert schema.field("longitude").type == pa.float64()
    assert pa.types.is_integer(schema.field("source_line").type)
    assert store_status(store)["crimes"]["months"] == {"first": None, "last": None, "count": 0, "missing": []}


def test_the_same_force_month_in_two_files_is_refused(store, config, tmp_path):
    copy = tmp_path / "again" / "2019-01-bedfordshire-street.csv"
    copy.parent.mkdir()
    shutil.copy(beds_file("2019-01"), copy)
    before = snapshot(store.path)
    with pytest.raises(UnusableInputError) as info:
        run_ingest("crime", [beds_file("2019-01"), copy], config, store)
    assert str(info.value) == (
        f"{copy}, column 'Month': Bedfordshire Police 2019-01 is also in {beds_file('2019-01')}; expected each "
        "force's month in only one of the files given; ingest the newer download on its own")
    assert snapshot(store.path) == before


def test_a_file_given_twice_is_read_once(store, config, tmp_path):
    root = tmp_path / "download"
    (root / "2019-01").mkdir(parents=True)
    gz = root / "2019-01" / "2019-01-bedfordshire-street.csv.gz"  # .csv.gz inside a folder tree
    gz.write_bytes(gzip.compress(beds_file("2019-01").read_bytes()))
    reports = [r for r in run_ingest("crime", [root, gz], config, store).reports if r.kind == "crime"]
    assert len(reports) == 1
    assert f"{gz}: given more than once; read once" in reports[0].notes
    assert len(store.read("crimes")) == 1945


def test_a_corrupt_archive_member_is_an_unusable_input(store, config, tmp_path):
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.write(beds_file("2019-01"), "2019-01/2019-01-bedfordshire-street.csv")
    data = bytearray(archive.read_bytes())
    data[5000] ^= 0xFF  # inside the member's bytes: its CRC no longer matches
    archive.write_bytes(bytes(data))
    with pytest.raises(UnusableInputError) as info:
        run_ingest("crime", [archive], config, store)
    assert str(info.value) == (
        f"{archive}!2019-01/2019-01-bedfordshire-street.csv: cannot be extracted from the archive "
        "(Bad CRC-32 for file '2019-01/2019-01-bedfordshire-street.csv'); expected an intact police.uk archive .zip")


# -- bad rows ------------------------------------------------------------------------------------

def test_bad_rows_go_to_rejects_with_reason_line_and_value(store, config, tmp_path):
    path = write_street(tmp_path / "bad-rows-street.csv", [
        row("a1", location="On or near\nHigh Street"),              # lines 2-3: a quoted line break
        row("b1", month="2019-13"),                                 # 4
        row("c1", lon="abc"),                                       # 5
        row("c2", lat="52,1"),                                      # 6
        row("d1", lon="2.5", lat="48.0"),                           # 7
        row("e1", lon=""),                                          # 8
        row("e2", lat=""),                                          # 9
        row("f1", crime_type="Jaywalking"),                         # 10
        row("g1", code="X01017649"),                                # 11
        row("a1"),                                                  # 12: same Crime ID, same month
        "h1,2019-01,Bedfordshire Police,Bedfordshire Police,-0.5,52.0,On or near X,E01017433\n",  # 13
        row("i1", force=" "),                                       # 14
        row("", crime_type="Anti-social behaviour"),                # 15: ASB has no Crime ID
        row("", crime_type="Anti-social behaviour"),                # 16: ...so blank IDs never clash
    ])
    (report,) = [r for r in run_ingest("crime", [path], config, store).reports if r.kind == "crime"]
    rejects = store.read_rejects("crimes")
    assert list(rejects.columns) == ["source_file", "line", "column", "value", "reason", *STREET_COLUMNS]
    assert (rejects["source_file"] == str(path)).all()
    assert rejects[["line", "column", "value", "reason", "Crime ID"]].values.tolist() == [
        ["4", "Month", "2019-13", "month is not YYYY-MM", "b1"],
        ["5", "Longitude", "abc", "longitude is not a number", "c1"],
        ["6", "Latitude", "52,1", "latitude is not a number", "c2"],
        ["7", "Longitude", "2.5,48.0", "coordinates lie outside the UK", "d1"],
        ["8", "Longitude", "", "only one of longitude and latitude is given", "e1"],
        ["9", "Latitude", "", "only one of longitude and latitude is given", "e2"],
        ["10", "Crime type", "Jaywalking", "unknown crime type", "f1"],
        ["11", "LSOA code", "X01017649", "LSOA code is not like E01000001", "g1"],
        ["12", "Crime ID", "a1", "duplicate Crime ID within the month", "a1"],
        ["13", "(row)", "8 fields, expected 12", "wrong number of fields", "h1"],
        ["14", "Reported by", " ", "Reported by is blank", "i1"],
    ]
    assert rejects.loc[rejects["Crime ID"] == "h1", "LSOA code"].tolist() == ["E01017433"]
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (14, 3, 11)
    assert report.reject_reasons["only one of longitude and latitude is given"] == 2
    crimes = store.read("crimes")
    assert crimes["source_line"].tolist() == [2, 15, 16]
    assert crimes.loc[0, "location"] == "On or near\nHigh Street"
    assert crimes["crime_id"].isna().tolist() == [False, True, True]


@pytest.fixture
def area(store, config) -> AreaGeometry:
    return AreaGeometry.from_lsoas(store.read("lsoas"), config.area.name)


def test_a_quoted_line_break_on_a_block_boundary_is_read_whole(area):
    """pyarrow reads in 4 MB blocks; a quoted line break at a block edge must not split a record."""
    n = 30000  # about 6 MB
    text = HEADER + "\n" + "".join(row(f"{i:064x}", location=f"On or near\nStreet {i}") for i in range(n))
    data = text.encode("utf-8")
    assert len(data) > 1 << 22
    report, accepted, _rejects = process_file(CrimeSource("big-street.csv", lambda: data), area)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (n, n, 0)
    assert len(accepted) == n  # every row lies in Central Bedfordshire
    assert accepted["location"].iloc[-1] == f"On or near\nStreet {n - 1}"
    assert accepted["source_line"].tolist()[:3] == [2, 4, 6] and accepted["source_line"].iloc[-1] == 2 * n


def test_excel_style_bom_crlf_blank_lines_and_no_final_newline(area):
    """"CSV UTF-8" saved by Excel: a byte-order mark, CRLF endings; here also a blank line and no final newline."""
    text = ("\ufeff" + HEADER + "\r\n" + row("id1").rstrip("\n") + "\r\n\r\n" + row("id2").rstrip("\n") + "\r\n"
            + "id3,2019-01,Bedfordshire Police\r\n" + row("id4").rstrip("\n"))
    report, accepted, rejects = process_file(CrimeSource("excel.csv", lambda: text.encode("utf-8")), area)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 3, 1)
    assert accepted["crime_id"].tolist() == ["id1", "id2", "id4"]
    assert accepted["source_line"].tolist() == [2, 4, 6]
    assert rejects[["line", "value", "reason"]].values.tolist() == [[5, "3 fields, expected 12", "wrong number of fields"]]
    assert accepted["context"].isna().all() and (accepted["falls_within"] == FORCE).all()


def test_a_file_without_rejects_still_writes_the_full_rejects_header(store, config):
    run_ingest("crime", [beds_file("2019-01")], config, store)
    header = (store.path / "rejects" / "crimes.csv").read_text(encoding="utf-8").splitlines()
    assert header == [",".join(["source_file", "line", "column", "value", "reason", *STREET_COLUMNS])]


# -- placement -----------------------------------------------------------------------------------

def test_placement_rules(store, config, tmp_path):
    lsoas = store.read("lsoas").set_index("code")
    cb_001a, luton_001a, aylesbury = "E01017433", "E01015706", "E01017649"
    assert lsoas.loc[[cb_001a, luton_001a, aylesbury], "name"].tolist() == [
        f"{CB} 001A", "Luton 001A", "Aylesbury Vale 001B"]
    inside = lsoas.loc[cb_001a].geometry.representative_point()
    luton = lsoas.loc[luton_001a].geometry.representative_point()
    no_point = {"lon": "", "lat": "", "location": "No Location"}
    path = write_street(tmp_path / "2019-03-bedfordshire-street.csv", [
        row("p1", lon=f"{inside.x:.6f}", lat=f"{inside.y:.6f}"),                                     # in by point
        row("p2", lon=f"{inside.x:.6f}", lat=f"{inside.y:.6f}", code=luton_001a, name="Luton 001A"),  # the point wins
        row("p3", lon=f"{luton.x:.6f}", lat=f"{luton.y:.6f}"),                                       # out: point in Luton
        row("r1", **no_point, name=""),                                                             # in by 2011 code
        row("r2", **no_point, code="E01033808", name=f"{CB} 041F"),                                 # in by name, 2021 code
        row("r3", **no_point, code=aylesbury),                                                      # in by name only
        row("o1", **no_point, code=luton_001a, name="Luton 001A"),                                  # out
        row("u1", **no_point, code="", name=""),                                                    # unlocated
    ])
    (report,) = [r for r in run_ingest("crime", [path], config, store).reports if r.kind == "crime"]
    crimes = store.read("crimes").set_index("crime_id")
    assert crimes["placement"].to_dict() == {"p1": "point", "p2": "point", "r1": "reported_lsoa",
                                             "r2": "reported_lsoa", "r3": "reported_lsoa"}
    assert crimes["lsoa_code"].fillna("(none)").to_dict() == {
        "p1": cb_001a, "p2": cb_001a, "r1": cb_001a, "r2": "(none)", "r3": "(none)"}
    assert crimes.loc["r1", "lsoa_name"] == f"{CB} 001A"
    assert crimes["reported_lsoa_code"].to_dict() == {"p1": cb_001a, "p2": luton_001a, "r1": cb_001a,
                                                      "r2": "E01033808", "r3": aylesbury}
    assert store.read("unlocated")["crime_id"].tolist() == ["u1"]
    assert {k: report.details[k] for k in ("in_area", "in_area_by_point", "in_area_by_reported_lsoa",
                                           "outside_area", "unlocated", "reported_codes_not_in_geography")} == {
        "in_area": 5, "in_area_by_point": 2, "in_area_by_reported_lsoa": 3, "outside_area": 2, "unlocated": 1,
        "reported_codes_not_in_geography": 1}
    assert store_status(store)["crimes"]["placed_by"] == {"point": 2, "reported_lsoa": 3}


def test_a_district_name_that_starts_another_does_not_take_its_records(tmp_path):
    """With area "Derby", a record reported in "Derbyshire Dales 001A" stays outside."""
    (tmp_path / "lsoas.geojson").write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"LSOA11CD":"E01013452","LSOA11NM":"Derby 001A"},'
        '"geometry":{"type":"Polygon","coordinates":[[[-1.48,52.93],[-1.47,52.93],[-1.47,52.94],[-1.48,52.93]]]}},'
        '{"type":"Feature","properties":{"LSOA11CD":"E01019700","LSOA11NM":"Derbyshire Dales 001A"},'
        '"geometry":{"type":"Polygon","coordinates":[[[-1.6,53.1],[-1.59,53.1],[-1.59,53.11],[-1.6,53.1]]]}}]}',
        encoding="utf-8")
    (tmp_path / "csp.toml").write_text('[area]\ncode = "E06000015"\nname = "Derby"\nforce = "Derbyshire Constabulary"\n'
                                       '[geography]\nboundaries = "lsoas.geojson"\n', encoding="utf-8")
    cfg = load_config(tmp_path / "csp.toml")
    path = write_street(tmp_path / "2019-01-derbyshire-street.csv", [
        row("d1", lon="", lat="", code="", name="Derby 001A", force="Derbyshire Constabulary"),
        row("d2", lon="", lat="", code="", name="Derbyshire Dales 001A", force="Derbyshire Constabulary"),
    ])
    store = Store(tmp_path / "cleaned")
    run_ingest("crime", [path], cfg, store)
    assert store.read("crimes")["crime_id"].tolist() == ["d1"]


def test_legacy_categories_map_to_todays_keeping_what_was_reported(store, config, tmp_path):
    path = write_street(tmp_path / "2012-06-bedfordshire-street.csv", [
        row("l1", month="2012-06", crime_type="Violent crime"),
        row("l2", month="2012-06", crime_type="Public disorder and weapons"),
        row("l3", month="2012-06", crime_type="Violence against the person"),
        row("l4", month="2012-06", crime_type="burglary"),  # case differs: today's category, not legacy
    ])
    (report,) = [r for r in run_ingest("crime", [path], config, store).reports if r.kind == "crime"]
    crimes = store.read("crimes").set_index("crime_id")
    assert crimes[["category", "reported_category"]].to_dict("index") == {
        "l1": {"category": "Violence and sexual offences", "reported_category": "Violent crime"},
        "l2": {"category": "Public order", "reported_category": "Public disorder and weapons"},
        "l3": {"category": "Violence and sexual offences", "reported_category": "Violence against the person"},
        "l4": {"category": "Burglary", "reported_category": "burglary"},
    }
    assert report.notes == ["pre-May-2013 categories mapped: Public disorder and weapons (1), "
                            "Violence against the person (1), Violent crime (1)"]
    assert set(LEGACY_CATEGORIES.values()) <= set(CATEGORIES)


def test_demo_and_real_data_never_mix(store, config):
    run_ingest("crime", [beds_file("2019-01")], config, store)
    with pytest.raises(CspError) as info:
        run_ingest("crime", [beds_file("2019-02")], config, store, demo=True)
    assert str(info.value) == (f"{store.path}: the store holds real data; demo and real data are never mixed\n"
                               "Load real data into the configured store (data/cleaned), not the demo store.")


def test_progress_is_reported_per_file(store, config):
    calls = []
    run_ingest("crime", [beds_file("2019-01"), beds_file("2019-02")], config, store,
               progress=lambda name, done, total: calls.append((Path(name).name, done, total)))
    assert calls == [("2019-01-bedfordshire-street.csv", 0, 2), ("2019-02-bedfordshire-street.csv", 1, 2),
                     ("done", 2, 2)]
