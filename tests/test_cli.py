"""``python -m csp_dash``: exit codes and exact one- or two-line messages for bad input,
the summary tables, and the ``status --json`` contract (docs/data-model.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from csp_dash.cli import main
from csp_dash.ingest.police_uk import STREET_COLUMNS
from tests.conftest import shared

HEADER = ",".join(STREET_COLUMNS)
GOOD_ROW = ("abc,2019-01,Bedfordshire Police,Bedfordshire Police,-0.5,52.0,On or near High Street,E01017433,"
            "Central Bedfordshire 001A,Burglary,,\n")
STREET_EXPECTED = ("expected the 12 columns of a police.uk street-level CSV: Crime ID, Month, Reported by, "
                   "Falls within, Longitude, Latitude, Location, LSOA code, LSOA name, Crime type, "
                   "Last outcome category, Context")


def beds_file(month: str) -> Path:
    return shared("police_uk", "bedfordshire", month, f"{month}-bedfordshire-street.csv")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def summary_cells(out: str, first_cell: str) -> list[str]:
    (line,) = [ln for ln in out.splitlines() if ln.startswith("│") and f" {first_cell} " in ln]
    return [cell.strip() for cell in line.strip("│ ").split("│")]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    # Rich sizes tables to the terminal; a fixed width keeps the summary rows on one line each.
    monkeypatch.setenv("COLUMNS", "200")


# -- bad input: exit 2, an exact message, nothing written -------------------------------------

def bad_inputs(tmp: Path) -> list[tuple[str, list[str], str]]:
    """(case, argv after 'ingest crime', exact stderr) for each kind of unusable input."""
    def write(name: str, data: bytes | str) -> Path:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    outcomes = write("2019-01-bedfordshire-outcomes.csv",
                     "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                     "Outcome type\nabc,2019-01,Bedfordshire Police,Bedfordshire Police,-0.5,52.0,On or near X,"
                     "E01017433,Central Bedfordshire 001A,Offender fined\n")
    extra = write("extra-street.csv", HEADER + ",Notes\n" + GOOD_ROW.rstrip("\n") + ",x\n")
    binary = write("2019-01-bedfordshire-street.csv.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64)
    empty = write("empty-street.csv", "")
    header_only = write("header-street.csv", HEADER + "\r\n")
    latin = HEADER + "\n" + GOOD_ROW + GOOD_ROW.replace("High Street", "Caf\u00e9 Row").replace("abc", "abd")
    latin_bytes = latin.encode("latin-1")
    bad_byte_at = latin_bytes.index(0xE9)
    undecodable = write("latin-street.csv", latin_bytes)
    no_street = tmp / "no-street.zip"
    with zipfile.ZipFile(no_street, "w") as z:
        z.writestr("2019-01/2019-01-bedfordshire-outcomes.csv", "Crime ID,Month\n")
        z.writestr("2019-01/2019-01-bedfordshire-stop-and-search.csv", "Type,Date\n")
    bad_zip = write("download.zip", "this is not a zip archive\n")
    bad_gz = write("2019-01-bedfordshire-street.csv.gz", b"\x1f\x8b\x08\x00 truncated")
    folder = tmp / "outcomes-only" / "2019-01"
    folder.mkdir(parents=True)
    (folder / "2019-01-bedfordshire-outcomes.csv").write_text("Crime ID,Month\n", encoding="utf-8")
    (tmp / "other-area.toml").write_text('[area]\ncode = "E06000015"\nname = "Derby"\n', encoding="utf-8")
    (tmp / "unknown-key.toml").write_text('[area]\ncolour = "blue"\n', encoding="utf-8")
    (tmp / "bad-value.toml").write_text("[disclosure]\nthreshold = -1\n", encoding="utf-8")
    good = write("good-street.csv", HEADER + "\n" + GOOD_ROW)
    return [
        ("wrong columns", [str(outcomes)],
         f"{outcomes}, line 1, column 'Crime type': column 10 of the header is 'Outcome type', not 'Crime type'; "
         + STREET_EXPECTED),
        ("an extra column", [str(extra)],
         f"{extra}, line 1, column 'Notes': the header has 13 columns; column 13 is 'Notes'; "
         "expected exactly the 12 columns of a police.uk street-level CSV"),
        ("not a CSV", [str(binary)], f"{binary}: is not a CSV text file; expected a police.uk street-level CSV"),
        ("empty file", [str(empty)], f"{empty}: is empty; expected a header line followed by data rows"),
        ("header only", [str(header_only)],
         f"{header_only}: has a header but no rows; expected at least one crime record"),
        ("not UTF-8", [str(undecodable)],
         f"{undecodable}, line 3: byte 0xe9 at position {bad_byte_at} is not valid UTF-8; "
         "expected a UTF-8 text file (save it as 'CSV UTF-8' in Excel)"),
        ("zip without street files", [str(no_street)],
         f"{no_street}: holds no street-level files; "
         "expected a police.uk archive with YYYY-MM/YYYY-MM-<force>-street.csv files"),
        ("bad zip", [str(bad_zip)], f"{bad_zip}: is not a readable zip archive; expected a police.uk archive .zip"),
        ("bad gzip", [str(bad_gz)], f"{bad_gz}: is not a readable gzip file; expected a .csv.gz file"),
        ("folder without street files", [str(tmp / "outcomes-only")],
         f"{tmp / 'outcomes-only'}: holds no police.uk street-level files; "
         "expected files named YYYY-MM-<force>-street.csv in this folder or its monthly folders"),
        ("missing path", [str(tmp / "2019-13-bedfordshire-street.csv")],
         f"{tmp / '2019-13-bedfordshire-street.csv'}: no such file or folder"),
        ("missing zip", [str(tmp / "absent.zip")], f"{tmp / 'absent.zip'}: no such file or folder"),
        ("unknown config key", [str(good), "--config", str(tmp / "unknown-key.toml")],
         f"{tmp / 'unknown-key.toml'}, column 'area.colour': unknown key 'area.colour'; "
         "expected one of the keys allowed in [area]: code, name, partnership, force, towns"),
        ("bad config value", [str(good), "--config", str(tmp / "bad-value.toml")],
         f"{tmp / 'bad-value.toml'}, column 'disclosure.threshold': disclosure.threshold = -1 is not allowed; "
         "expected a whole number from 0 (no suppression) to 20"),
        ("store of another area", [str(good), "--config", str(tmp / "other-area.toml")],
         "{store}: the store holds Central Bedfordshire (E06000056), but the configuration is for Derby (E06000015)\n"
         "Use another store folder (--store) or delete this one to start again."),
        ("no path at all", [], "ingest crime needs at least one PATH"),
    ]


CASES = [
    "wrong columns", "an extra column", "not a CSV", "empty file", "header only", "not UTF-8",
    "zip without street files", "bad zip", "bad gzip", "folder without street files", "missing path",
    "missing zip", "unknown config key", "bad config value", "store of another area", "no path at all"]


@pytest.mark.parametrize("case", CASES)
def test_unusable_input_exits_2_with_an_exact_message_and_writes_nothing(case, store, tmp_path, capsys):
    cases = {name: (argv, message) for name, argv, message in bad_inputs(tmp_path / "raw")}
    assert sorted(cases) == sorted(CASES)
    argv, message = cases[case]
    before = snapshot(store.path)
    for command in ("ingest", "validate"):
        code = main([command, "crime", *argv, "--store", str(store.path)])
        captured = capsys.readouterr()
        expected = message.replace("{store}", str(store.path))
        if case == "no path at all":
            expected = f"{command} crime needs at least one PATH"
        assert (code, captured.err) == (2, expected + "\n")
        assert "Traceback" not in captured.out
    assert snapshot(store.path) == before


def test_messages_are_not_wrapped_to_the_terminal_width(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    missing = tmp_path / "a-rather-long-folder-name" / "2019-01-bedfordshire-street.csv"
    assert main(["validate", "crime", str(missing), "--store", str(tmp_path / "cleaned")]) == 2
    assert capsys.readouterr().err == f"{missing}: no such file or folder\n"


def test_there_are_at_least_ten_distinct_unusable_inputs():
    assert len(set(CASES)) >= 10


def test_an_unknown_kind_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["ingest", "weather", "x.csv"])
    assert info.value.code == 2
    assert "invalid choice: 'weather'" in capsys.readouterr().err


def test_the_second_of_two_files_unusable_changes_nothing(store, tmp_path, capsys):
    assert main(["ingest", "crime", str(beds_file("2019-01")), "--store", str(store.path)]) == 0
    before = snapshot(store.path)
    broken = tmp_path / "2019-02-bedfordshire-street.csv"
    broken.write_bytes(beds_file("2019-02").read_bytes()[:-2000] + b"\xff\xfe")
    capsys.readouterr()
    assert main(["ingest", "crime", str(beds_file("2021-05")), str(broken), "--store", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{broken}, line ") and "byte 0xff" in err and err.count("\n") == 1
    assert snapshot(store.path) == before


def test_validate_into_a_store_that_does_not_exist_creates_nothing(tmp_path, capsys):
    (tmp_path / "lsoas.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"LSOA11CD":"E01017433","LSOA11NM":"Central Bedfordshire 001A"},"geometry":{"type":"Polygon",'
        '"coordinates":[[[-0.6,51.9],[-0.4,51.9],[-0.4,52.1],[-0.6,51.9]]]}}]}', encoding="utf-8")
    (tmp_path / "csp.toml").write_text('[geography]\nboundaries = "lsoas.geojson"\n[store]\npath = "cleaned"\n',
                                       encoding="utf-8")
    raw = tmp_path / "2019-01-bedfordshire-street.csv"
    raw.write_text(HEADER + "\n" + GOOD_ROW, encoding="utf-8")
    assert main(["validate", "crime", str(raw), "--config", str(tmp_path / "csp.toml")]) == 0
    out = capsys.readouterr().out
    assert summary_cells(out, raw.name) == [raw.name, "1", "1", "0", "1", "0", "0"]
    assert summary_cells(out, "lsoas.geojson") == ["lsoas.geojson", "1", "1", "0", "-", "-", "-"]
    assert not (tmp_path / "cleaned").exists()


# -- the summary ----------------------------------------------------------------------------------

def test_ingest_summary_shows_counts_unlocated_and_reject_reasons(store, capsys):
    code = main(["ingest", "crime", str(beds_file("2021-05")), str(beds_file("2022-01")), "--store", str(store.path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Ingested: crime" in out
    assert summary_cells(out, "2021-05-bedfordshire-street.csv") == [
        "2021-05-bedfordshire-street.csv", "5,082", "5,082", "0", "1,585", "3,422", "75"]
    assert summary_cells(out, "2022-01-bedfordshire-street.csv") == [
        "2022-01-bedfordshire-street.csv", "4,084", "3,906", "178", "1,310", "2,480", "116"]
    assert summary_cells(out, "total") == ["total", "9,166", "8,988", "178", "2,895", "5,902", "191"]
    assert "read = accepted + rejected for all 2 files: yes" in out
    assert summary_cells(out, "duplicate Crime ID within the month") == ["duplicate Crime ID within the month", "178"]
    assert f"Rejected rows and their reasons are in {store.path / 'rejects'}/" in out


# -- status ---------------------------------------------------------------------------------------

TOP_KEYS = {"status_version", "store", "exists", "demo", "area", "updated", "tables", "crimes", "rejected",
            "sources", "superseded_sources"}
SOURCE_KEYS = {"kind", "path", "size", "sha256", "rows_read", "rows_accepted", "rows_rejected", "ingested_at"}


def status_json(store_path: Path, capsys) -> dict:
    assert main(["status", "--json", "--store", str(store_path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_status_json_of_an_empty_store(empty_store, capsys):
    status = status_json(empty_store.path, capsys)
    assert status == {
        "status_version": 1, "store": str(empty_store.path.resolve()), "exists": False, "demo": False,
        "area": {"code": None, "name": None}, "updated": None, "tables": {}, "crimes": None, "rejected": {},
        "sources": [], "superseded_sources": [],
    }
    assert not empty_store.path.exists()


def test_status_json_contract(store, capsys):
    for month in ("2021-05", "2022-01", "2021-05"):  # the second 2021-05 supersedes the first
        assert main(["ingest", "crime", str(beds_file(month)), "--store", str(store.path)]) == 0
    capsys.readouterr()
    status = status_json(store.path, capsys)
    assert set(status) == TOP_KEYS
    assert status["status_version"] == 1
    assert status["store"] == str(store.path.resolve())
    assert (status["exists"], status["demo"]) == (True, False)
    assert status["area"] == {"code": "E06000056", "name": "Central Bedfordshire"}
    assert status["updated"] == store.manifest()["updated"] and status["updated"].endswith("+00:00")
    assert status["tables"] == {"crime_aggregate": {"rows": 146}, "crimes": {"rows": 2895},
                                "lsoas": {"rows": 34753}, "unlocated": {"rows": 191}}
    assert status["crimes"] == {
        "rows": 2895,
        "months": {"first": "2021-05", "last": "2022-01", "count": 2,
                   "missing": ["2021-06", "2021-07", "2021-08", "2021-09", "2021-10", "2021-11", "2021-12"]},
        "forces": ["Bedfordshire Police"],
        "placed_by": {"point": 2895},
        "unlocated": 191,
    }
    assert status["rejected"] == {"crimes": 178, "lsoas": 0}
    assert [(s["kind"], Path(s["path"]).name) for s in status["sources"]] == [
        ("boundaries", "LSOA.geojson"), ("crime", "2022-01-bedfordshire-street.csv"),
        ("crime", "2021-05-bedfordshire-street.csv")]
    assert all(set(s) == SOURCE_KEYS for s in status["sources"])
    jan = status["sources"][1]
    assert (jan["rows_read"], jan["rows_accepted"], jan["rows_rejected"]) == (4084, 3906, 178)
    assert jan["sha256"] == hashlib.sha256(beds_file("2022-01").read_bytes()).hexdigest()
    assert jan["size"] == beds_file("2022-01").stat().st_size
    (old,) = status["superseded_sources"]
    assert set(old) == SOURCE_KEYS | {"superseded_by"}
    assert old["path"] == str(beds_file("2021-05")) and old["superseded_by"] == [str(beds_file("2021-05"))]


def test_status_table(store, capsys):
    assert main(["ingest", "crime", str(beds_file("2021-05")), "--store", str(store.path)]) == 0
    capsys.readouterr()
    assert main(["status", "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert f"Store {store.path.resolve()}: Central Bedfordshire (E06000056), updated" in out
    assert ("Crimes: 1,585 records in the area, 1 months from 2021-05 to 2021-05; "
            "75 records of the force(s) could not be placed.") in out
    assert summary_cells(out, "crimes") == ["crimes", "1,585", "0"]
    assert summary_cells(out, "lsoas") == ["lsoas", "34,753", "0"]


def test_status_of_an_empty_store(empty_store, capsys):
    assert main(["status", "--store", str(empty_store.path)]) == 0
    assert capsys.readouterr().out == (f"The store at {empty_store.path} is empty. "
                                       "Load data with: python -m csp_dash ingest KIND PATH\n")


def test_a_gzipped_month_through_the_cli(store, tmp_path, capsys):
    gz = tmp_path / "2021-05-bedfordshire-street.csv.gz"
    gz.write_bytes(gzip.compress(beds_file("2021-05").read_bytes()))
    assert main(["ingest", "crime", str(gz), "--store", str(store.path)]) == 0
    assert summary_cells(capsys.readouterr().out, gz.name)[1:] == ["5,082", "5,082", "0", "1,585", "3,422", "75"]
