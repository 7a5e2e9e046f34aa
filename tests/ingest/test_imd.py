"""IoD2019 ingest: the real Files 1 and 2, tiny files in the official shapes, and bad input."""

from __future__ import annotations

import csv
import dataclasses
import gzip

import pytest

from csp_dash.errors import UnusableInputError
from csp_dash.ingest import run_ingest
from csp_dash.ingest.imd import VALUE_COLUMNS
from tests.conftest import shared

FILE_1 = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FILE_2 = "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
DOMAINS = ["income", "employment", "education", "health", "crime", "barriers", "living_environment"]

ID_HEADER = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
             "Local Authority District name (2019)")
FILE_1_HEADER = f"{ID_HEADER},Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile"
FILE_5_HEADER = (f"{ID_HEADER},Index of Multiple Deprivation (IMD) Score,Income Score (rate),Employment Score (rate),"
                 '"Education, Skills and Training Score",Health Deprivation and Disability Score,Crime Score,'
                 "Barriers to Housing and Services Score,Living Environment Score")
CB = "E06000056,Central Bedfordshire"
LONDON = "E09000001,City of London"


def write(path, text: str, bom: bool = True):
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def csv_lines(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n"


# -- the real files --------------------------------------------------------------------

def test_file_1_keeps_the_157_lsoas_of_the_area(config, store):
    outcome = run_ingest("imd", [shared("imd2019", FILE_1)], config, store)

    (report,) = outcome.reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (32844, 32844, 0)
    assert report.details["in_area"] == 157
    assert report.details["outside_area"] == 32687
    assert report.details["area_lsoas_without_row"] == 0
    dep = store.read("deprivation")
    assert len(dep) == 157
    assert dep["imd_decile"].value_counts().sort_index().to_dict() == {
        2: 3, 3: 10, 4: 7, 5: 11, 6: 14, 7: 23, 8: 15, 9: 42, 10: 32}
    # The file writes this rank as "32,329"; the thousands separator is read, not rejected.
    row = dep.set_index("lsoa_code").loc["E01017371"]
    assert (row["lsoa_name"], row["imd_rank"], row["imd_decile"]) == ("Central Bedfordshire 012A", 32329, 10)
    assert row["district_code"] == "E06000056"
    assert dep["imd_score"].isna().all() and dep["income_rank"].isna().all()
    assert len(store.read_rejects("deprivation")) == 0


def test_file_2_gives_the_seven_domains_and_keeps_file_1s_ranks(config, store):
    run_ingest("imd", [shared("imd2019", FILE_1)], config, store)
    file_1 = store.read("deprivation").set_index("lsoa_code")["imd_rank"]
    outcome = run_ingest("imd", [shared("imd2019", FILE_2)], config, store)

    assert outcome.reports[0].details["in_area"] == 157
    dep = store.read("deprivation").set_index("lsoa_code")
    assert len(dep) == 157
    for domain in DOMAINS:
        assert dep[f"{domain}_decile"].between(1, 10).all(), domain
        assert dep[f"{domain}_rank"].between(1, 32844).all(), domain
    assert dep["imd_rank"].equals(file_1)
    row = dep.loc["E01017371"]
    assert (row["income_rank"], row["crime_rank"], row["crime_decile"]) == (28543, 24146, 8)
    # File 1's columns are all in File 2, so the manifest marks File 1 as superseded.
    sources = store.manifest()["sources"]
    assert sources[-2]["superseded_by"] == [outcome.reports[0].path]


def test_file_1_after_file_2_does_not_wipe_the_domains(config, store):
    run_ingest("imd", [shared("imd2019", FILE_2)], config, store)
    run_ingest("imd", [shared("imd2019", FILE_1)], config, store)

    dep = store.read("deprivation")
    assert len(dep) == 157
    assert dep["income_decile"].notna().all() and dep["living_environment_rank"].notna().all()


def test_without_boundaries_the_district_code_column_picks_the_area(config, empty_store):
    outcome = run_ingest("imd", [shared("imd2019", FILE_1)], config, empty_store)

    assert outcome.reports[0].details["area_rule"] == "district code E06000056"
    assert len(empty_store.read("deprivation")) == 157


def test_on_2021_boundaries_the_district_code_column_picks_the_area(config, store):
    # IoD2019 is on 2011 LSOAs, so a store of 2021 boundaries cannot say which are in the area.
    config_2021 = dataclasses.replace(config, geography=dataclasses.replace(config.geography, lsoa_vintage=2021))
    outcome = run_ingest("imd", [shared("imd2019", FILE_1)], config_2021, store)

    assert outcome.reports[0].details["area_rule"] == "district code E06000056"
    assert "area_lsoas_without_row" not in outcome.reports[0].details
    assert len(store.read("deprivation")) == 157


# -- tiny files in the official shapes ---------------------------------------------------

def test_bom_and_quoted_thousands(config, store, tmp_path):
    path = write(tmp_path / "file1.csv", csv_lines(
        FILE_1_HEADER,
        f'E01017371,Central Bedfordshire 012A,{CB},"32,329",10',
        f"E01017372,Central Bedfordshire 012B,{CB},987,1",
        f'E01000001,City of London 001A,{LONDON},"29,199",9',
    ))
    outcome = run_ingest("imd", [path], config, store)

    report = outcome.reports[0]
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 3, 0)
    assert (report.details["in_area"], report.details["outside_area"]) == (2, 1)
    dep = store.read("deprivation")
    assert dep["lsoa_code"].tolist() == ["E01017371", "E01017372"]
    assert dep["imd_rank"].tolist() == [32329, 987]
    assert dep["imd_decile"].tolist() == [10, 1]


def test_gzipped_csv(config, store, tmp_path):
    path = tmp_path / "file1.csv.gz"
    path.write_bytes(gzip.compress(("\ufeff" + csv_lines(
        FILE_1_HEADER, f'E01017371,Central Bedfordshire 012A,{CB},"32,329",10')).encode()))
    run_ingest("imd", [path], config, store)
    assert store.read("deprivation")["imd_rank"].tolist() == [32329]


def test_xlsx_with_a_notes_sheet_first(config, store, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["English Indices of Deprivation 2019"])
    notes.append(["The LSOA code (2011) column identifies each Lower-layer Super Output Area."])
    data = book.create_sheet("IMD2019")
    data.append(FILE_1_HEADER.split(","))
    data.append(["E01017371", "Central Bedfordshire 012A", "E06000056", "Central Bedfordshire", 32329, 10])
    data.append(["E01017372", "Central Bedfordshire 012B", "E06000056", "Central Bedfordshire", 987.0, 1])
    data.append(["E01000001", "City of London 001A", "E09000001", "City of London", 29199, 9])
    data.append(["E01017373", "Central Bedfordshire 012C", "E06000056", "Central Bedfordshire", 0, 1])
    path = tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    book.save(path)

    outcome = run_ingest("imd", [path], config, store)

    report = outcome.reports[0]
    assert report.details["sheet"] == "IMD2019"
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 3, 1)
    assert store.read("deprivation")["imd_rank"].tolist() == [32329, 987]
    rejects = store.read_rejects("deprivation")
    # Sheet rows are numbered as Excel shows them: the header is row 1.
    assert rejects[["line", "column", "value", "reason"]].values.tolist() == [
        ["5", "Index of Multiple Deprivation (IMD) Rank", "0", "rank is outside 1 to 32844"]]


def test_file_5_scores_merge_with_file_1_ranks(config, store, tmp_path):
    file_1 = write(tmp_path / "file1.csv", csv_lines(
        FILE_1_HEADER,
        f'E01017371,Central Bedfordshire 012A,{CB},"32,329",10',
        f"E01017372,Central Bedfordshire 012B,{CB},987,1",
    ))
    file_5 = write(tmp_path / "file5.csv", csv_lines(
        FILE_5_HEADER,
        f"E01017371,Central Bedfordshire 012A,{CB},3.411,0.031,0.028,5.271,-1.561,-0.843,17.911,9.876",
        f"E01017373,Central Bedfordshire 012C,{CB},12.5,0.1,0.09,20.0,0.5,0.3,25.0,15.0",
    ))
    run_ingest("imd", [file_1], config, store)
    run_ingest("imd", [file_5], config, store)

    dep = store.read("deprivation").set_index("lsoa_code")
    assert dep.index.tolist() == ["E01017371", "E01017372", "E01017373"]
    assert dep.loc["E01017371", "imd_rank"] == 32329
    assert dep.loc["E01017371", "imd_score"] == pytest.approx(3.411)
    assert dep.loc["E01017371", "health_score"] == pytest.approx(-1.561)
    assert dep.loc["E01017371", "living_environment_score"] == pytest.approx(9.876)
    assert dep.loc["E01017372", "imd_rank"] == 987 and dep["imd_score"].isna().tolist() == [False, True, False]
    assert dep["imd_rank"].isna().tolist() == [False, False, True]


def test_file_7_keeps_the_indices_and_leaves_the_rest(config, store, tmp_path):
    # File 7's header: the IMD and seven domains, then the supplementary indices and
    # sub-domains, each as score, rank and decile; then the population denominators.
    measures = [("Index of Multiple Deprivation (IMD)", "Score"), ("Income", "Score (rate)"),
                ("Employment", "Score (rate)"), ("Education, Skills and Training", "Score"),
                ("Health Deprivation and Disability", "Score"), ("Crime", "Score"),
                ("Barriers to Housing and Services", "Score"), ("Living Environment", "Score"),
                ("Income Deprivation Affecting Children Index (IDACI)", "Score (rate)"),
                ("Income Deprivation Affecting Older People (IDAOPI)", "Score (rate)"),
                ("Children and Young People Sub-domain", "Score"), ("Adult Skills Sub-domain", "Score"),
                ("Geographical Barriers Sub-domain", "Score"), ("Wider Barriers Sub-domain", "Score"),
                ("Indoors Sub-domain", "Score"), ("Outdoors Sub-domain", "Score")]
    header = ID_HEADER.split(",")
    row = ["E01017371", "Central Bedfordshire 012A", "E06000056", "Central Bedfordshire"]
    for i, (name, score) in enumerate(measures):
        header += [f"{name} {score}", f"{name} Rank (where 1 is most deprived)",
                   f"{name} Decile (where 1 is most deprived 10% of LSOAs)"]
        row += [f"{i}.5", f"{1000 + i:,}", str(i % 10 + 1)]
    header += ["Total population: mid 2015 (excluding prisoners)",
               "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
               "Population aged 16-59: mid 2015 (excluding prisoners)",
               "Older population aged 60 and over: mid 2015 (excluding prisoners)",
               "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)"]
    row += ["1,296", "175", "656", "465", "715"]
    path = tmp_path / "File_7.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, row])

    outcome = run_ingest("imd", [path], config, store)

    report = outcome.reports[0]
    assert report.details["columns"] == VALUE_COLUMNS
    assert any(note.startswith("29 other columns not kept") for note in report.notes)
    row = store.read("deprivation").iloc[0]
    assert (row["imd_score"], row["imd_rank"], row["imd_decile"]) == (0.5, 1000, 1)
    assert (row["income_score"], row["income_rank"]) == (1.5, 1001)
    assert (row["living_environment_score"], row["living_environment_rank"], row["living_environment_decile"]) == (
        7.5, 1007, 8)


# -- bad input ---------------------------------------------------------------------------

def test_bad_rows_are_rejected_with_their_reason(config, store, tmp_path):
    header = (f"{ID_HEADER},Index of Multiple Deprivation (IMD) Score,"
              "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
              "Income Deprivation Affecting Children Index (IDACI) Score (rate)")
    path = write(tmp_path / "file7.csv", csv_lines(
        header,
        f"E01017371,Central Bedfordshire 012A,{CB},3.4,32329,10,0.05",
        f"E1017372,Central Bedfordshire 012B,{CB},3.4,100,1,0.05",
        f"E01017373,Central Bedfordshire 012C,{CB},3.4,12.5,1,0.05",
        f'E01017374,Central Bedfordshire 012D,{CB},3.4,"40,000",1,0.05',
        f"E01017375,Central Bedfordshire 012E,{CB},3.4,100,11,0.05",
        f"E01017376,Central Bedfordshire 010A,{CB},n/a,100,1,0.05",
        f"E01017371,Central Bedfordshire 012A,{CB},3.4,100,1,0.05",
        f"E01017377,Central Bedfordshire 010B,{CB},3.4,100",
    ))
    outcome = run_ingest("imd", [path], config, store)

    report = outcome.reports[0]
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (8, 1, 7)
    rejects = store.read_rejects("deprivation")
    assert rejects[["line", "column", "value", "reason"]].values.tolist() == [
        ["3", "LSOA code (2011)", "E1017372", "LSOA code is not like E01000001"],
        ["4", "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)", "12.5",
         "rank is not a whole number"],
        ["5", "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)", "40,000",
         "rank is outside 1 to 32844"],
        ["6", "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)", "11",
         "decile is not a whole number from 1 to 10"],
        ["7", "Index of Multiple Deprivation (IMD) Score", "n/a", "score is not a number"],
        ["8", "LSOA code (2011)", "E01017371", "duplicate LSOA code"],
        ["9", "(row)", "6 fields, expected 8", "wrong number of fields"],
    ]
    assert (rejects["source_file"] == str(path)).all()
    assert rejects.loc[0, "LSOA name (2011)"] == "Central Bedfordshire 012B"  # the raw fields follow
    assert report.reject_reasons["rank is not a whole number"] == 1
    dep = store.read("deprivation")
    assert dep["lsoa_code"].tolist() == ["E01017371"]
    assert dep.loc[0, "imd_rank"] == 32329  # the first of a duplicated code is the one kept
    assert any("1 other columns not kept" in note for note in report.notes)


def test_reloading_a_file_replaces_its_rejects(config, store, tmp_path):
    path = write(tmp_path / "file1.csv", csv_lines(FILE_1_HEADER, f"E01017371,Central Bedfordshire 012A,{CB},x,10"))
    run_ingest("imd", [path], config, store)
    assert len(store.read_rejects("deprivation")) == 1
    write(path, csv_lines(FILE_1_HEADER, f"E01017371,Central Bedfordshire 012A,{CB},5,10"))
    run_ingest("imd", [path], config, store)
    assert len(store.read_rejects("deprivation")) == 0
    assert store.read("deprivation")["imd_rank"].tolist() == [5]


def _error(config, store, path) -> str:
    with pytest.raises(UnusableInputError) as caught:
        run_ingest("imd", [path], config, store)
    assert not store.has("deprivation")  # nothing written
    return str(caught.value)


def test_empty_file(config, store, tmp_path):
    path = write(tmp_path / "empty.csv", "\r\n")
    assert _error(config, store, path) == f"{path}: is empty; expected a header line followed by data rows"


def test_wrong_columns(config, store, tmp_path):
    path = write(tmp_path / "crimes.csv", csv_lines("Crime ID,Month,Reported by", "abc,2019-01,Bedfordshire Police"))
    assert _error(config, store, path) == (
        f"{path}, line 1, column 'LSOA code (2011)': has no LSOA code column; expected an IoD2019 file "
        "(File 1, 2, 5 or 7) as CSV or XLSX, with a header naming the LSOA code column, such as "
        "'LSOA code (2011)' or 'LSOA11CD'")


def test_lsoa_column_but_no_deprivation_column(config, store, tmp_path):
    path = write(tmp_path / "file6.csv", csv_lines(
        f"{ID_HEADER},Total population: mid 2015 (excluding prisoners)",
        f'E01017371,Central Bedfordshire 012A,{CB},"1,296"'))
    assert _error(config, store, path) == (
        f"{path}, line 1: has no IMD or domain rank, decile or score column; expected columns such as "
        "'Index of Multiple Deprivation (IMD) Rank' or 'Income Decile (where 1 is most deprived 10% of LSOAs)', "
        "as in IoD2019 Files 1, 2, 5 and 7")


def test_not_utf8(config, store, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(csv_lines(FILE_1_HEADER, f"E01017371,Bédford 001A,{CB},5,10").encode("latin-1"))
    position = len(FILE_1_HEADER) + len("\r\nE01017371,B")
    assert _error(config, store, path) == (
        f"{path}, line 2: byte 0xe9 at position {position} is not valid UTF-8; "
        "expected a UTF-8 text file (save it as 'CSV UTF-8' in Excel)")


def test_not_a_csv_or_xlsx(config, store, tmp_path):
    path = tmp_path / "imd.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)  # an old binary .xls
    assert _error(config, store, path) == (
        f"{path}: is not a CSV or XLSX file; expected an IoD2019 file (File 1, 2, 5 or 7) as CSV or XLSX\n"
        "Save it as 'CSV UTF-8' or as an Excel .xlsx workbook.")


def test_header_only(config, store, tmp_path):
    path = write(tmp_path / "file1.csv", csv_lines(FILE_1_HEADER))
    assert _error(config, store, path) == f"{path}, line 1: has a header but no rows; expected one row per LSOA"
