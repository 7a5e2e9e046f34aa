"""Population ingest: IoD2019 File 6, ONS SAPE21DT11, single-year-of-age tables and bad input."""

from __future__ import annotations

import pytest

from csp_dash.errors import UnusableInputError
from csp_dash.ingest import run_ingest
from csp_dash.ingest.population import POPULATION_COLUMNS
from tests.conftest import shared

FILE_6 = "File_6_-_IoD2019_Population_Denominators.csv.gz"
SAPE_AREA = "ons_sape21dt11_mid2018_lsoa_population_density_central_bedfordshire.csv"
SAPE_FORCE = "ons_sape21dt11_mid2018_lsoa_population_density_bedfordshire_force_area.csv"
SAPE_HEADER = "LSOA11CD,LSOA11NM,Mid-2018 population,Area Sq Km,People per Sq Km"
AGES = [str(a) for a in range(90)] + ["90+"]


def write(path, *lines: str):
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def counts(report) -> tuple[int, int, int]:
    return report.rows_read, report.rows_accepted, report.rows_rejected


# -- the real files --------------------------------------------------------------------

def test_iod_file_6_mid_2015(config, store):
    outcome = run_ingest("population", [shared("imd2019", FILE_6)], config, store)

    report = outcome.reports[0]
    assert counts(report) == (32844, 32844, 0)
    assert (report.details["in_area"], report.details["outside_area"]) == (157, 32687)
    pop = store.read("population")
    assert len(pop) == 157
    assert pop["population"].sum() == 272421
    assert set(pop["year"]) == {2015}
    assert set(pop["source"]) == {"IoD2019 File 6 (mid-2015)"}
    # The age groups partition the total; working age (18-59/64) is a separate measure.
    assert (pop["children_0_15"].sum(), pop["aged_16_59"].sum(), pop["aged_60_plus"].sum()) == (53268, 156886, 62267)
    assert pop["working_age"].sum() == 158527
    assert (pop["children_0_15"] + pop["aged_16_59"] + pop["aged_60_plus"] == pop["population"]).all()


def test_sape21dt11_mid_2018_for_the_area(config, store):
    outcome = run_ingest("population", [shared("population", SAPE_AREA)], config, store)

    assert counts(outcome.reports[0]) == (157, 157, 0)
    pop = store.read("population")
    assert len(pop) == 157
    assert pop["population"].sum() == 283606
    assert set(pop["year"]) == {2018}
    assert set(pop["source"]) == {"ONS SAPE21DT11 mid-2018"}
    assert pop["children_0_15"].isna().all()  # the density table has no age groups
    row = pop.set_index("lsoa_code").loc["E01017371"]
    assert (row["lsoa_name"], row["population"]) == ("Central Bedfordshire 012A", 1337)


def test_force_area_file_keeps_only_the_area(config, store):
    outcome = run_ingest("population", [shared("population", SAPE_FORCE)], config, store)

    report = outcome.reports[0]
    assert counts(report) == (381, 381, 0)
    assert (report.details["in_area"], report.details["outside_area"]) == (157, 224)
    pop = store.read("population")
    assert len(pop) == 157 and pop["population"].sum() == 283606


def test_without_boundaries_the_lsoa_name_picks_the_area(config, empty_store):
    outcome = run_ingest("population", [shared("population", SAPE_FORCE)], config, empty_store)

    assert outcome.reports[0].details["area_rule"] == "LSOA names 'Central Bedfordshire NNNX'"
    assert len(empty_store.read("population")) == 157


def test_reloading_a_year_replaces_it_and_keeps_other_years(config, store):
    run_ingest("population", [shared("imd2019", FILE_6)], config, store)
    run_ingest("population", [shared("population", SAPE_AREA)], config, store)
    outcome = run_ingest("population", [shared("population", SAPE_FORCE)], config, store)

    pop = store.read("population")
    assert pop.groupby("year")["population"].agg(["size", "sum"]).to_dict("index") == {
        2015: {"size": 157, "sum": 272421}, 2018: {"size": 157, "sum": 283606}}
    sources = {s["path"]: s.get("superseded_by") for s in store.manifest()["sources"]}
    assert sources[str(shared("population", SAPE_AREA))] == [outcome.reports[0].path]
    assert sources[str(shared("imd2019", FILE_6))] is None


# -- tiny files in other official shapes --------------------------------------------------

def test_single_year_of_age_table_with_the_year_in_the_file_name(config, store, tmp_path):
    path = write(
        tmp_path / "SAPE22DT2-lsoa-persons-mid2019.csv",
        ",".join(["LSOA Code", "LSOA Name", "All Ages", *AGES]),
        ",".join(["E01017371", "Central Bedfordshire 012A", "182", *["2"] * 91]),
        ",".join(["E01017372", "Central Bedfordshire 012B", '"1,305"', *[str(a % 30) for a in range(91)]]),
        ",".join(["E01000001", "City of London 001A", "91", *["1"] * 91]),
    )
    outcome = run_ingest("population", [path], config, store)

    report = outcome.reports[0]
    assert counts(report) == (3, 3, 0)
    assert (report.details["year"], report.details["year_from"]) == (2019, "file name")
    pop = store.read("population")
    assert pop["source"].tolist() == ["ONS SAPE22DT2 mid-2019"] * 2
    assert pop["population"].tolist() == [182, 1305]
    assert pop["children_0_15"].tolist() == [32, sum(range(16))]
    assert pop["aged_16_59"].tolist() == [88, sum(a % 30 for a in range(16, 60))]
    assert pop["aged_60_plus"].tolist() == [62, sum(a % 30 for a in range(60, 91))]
    assert pop["working_age"].isna().all()


def test_xlsx_with_title_rows_takes_the_year_from_the_title(config, store, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Contents"
    book.active.append(["Lower layer Super Output Area population estimates"])
    sheet = book.create_sheet("Mid-2020 Persons")
    sheet.append(["Mid-2020 Population Estimates for Lower Layer Super Output Areas in England and Wales"])
    sheet.append([])
    sheet.append(["LSOA Code", "LSOA Name", "LA Code (2021 boundaries)", "LA name (2021 boundaries)", "All Ages"])
    sheet.append(["E01017371", "Central Bedfordshire 012A", "E06000056", "Central Bedfordshire", 1401])
    sheet.append(["E01017372", "Central Bedfordshire 012B", "E06000056", "Central Bedfordshire", None])
    path = tmp_path / "estimates.xlsx"
    book.save(path)

    outcome = run_ingest("population", [path], config, store)

    report = outcome.reports[0]
    assert (report.details["year"], report.details["year_from"], report.details["sheet"]) == (
        2020, "title", "Mid-2020 Persons")
    assert store.read("population")[["lsoa_code", "year", "population"]].values.tolist() == [
        ["E01017371", 2020, 1401]]
    rejects = store.read_rejects("population")
    assert rejects[["line", "column", "value", "reason"]].values.tolist() == [
        ["5", "All Ages", "", "population is not a whole number"]]


def test_iod_file_7_denominators(config, store, tmp_path):
    path = tmp_path / "File_7.csv"
    path.write_text(
        "\ufeffLSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
        "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Score,"
        "Income Deprivation Affecting Children Index (IDACI) Score (rate),"
        "Total population: mid 2015 (excluding prisoners),"
        "Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
        "Population aged 16-59: mid 2015 (excluding prisoners),"
        "Older population aged 60 and over: mid 2015 (excluding prisoners),"
        "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)\n"
        'E01017371,Central Bedfordshire 012A,E06000056,Central Bedfordshire,3.4,0.05,"1,296",175,656,465,715\n',
        encoding="utf-8")
    outcome = run_ingest("population", [path], config, store)

    assert outcome.reports[0].details["source"] == "IoD2019 File 7 (mid-2015)"
    assert store.read("population")[POPULATION_COLUMNS[1:]].values.tolist() == [
        ["Central Bedfordshire 012A", 2015, 1296, "IoD2019 File 7 (mid-2015)", 175, 656, 465, 715]]


# -- bad input ---------------------------------------------------------------------------

def test_bad_rows_are_rejected_never_filled(config, store, tmp_path):
    path = write(
        tmp_path / "sape_mid2018.csv",
        SAPE_HEADER,
        "E01017371,Central Bedfordshire 012A,1337,0.4956,2697.7401",
        "E01017372,Central Bedfordshire 012B,,0.3417,4790.7521",
        "E01017373,Central Bedfordshire 012C,n/a,9.1926,236.0594",
        'E01017374,Central Bedfordshire 012D,"1,668",4.5344,367.8546',
        "E01017375,Central Bedfordshire 012E,-5,0.3667,4218.7074",
        "E01017376,Central Bedfordshire 010A,2103.5,4.461,471.419",
        "E01017371,Central Bedfordshire 012A,1337,0.4956,2697.7401",
        "E0101737,Central Bedfordshire 010B,1968,3.0913,636.6254",
    )
    outcome = run_ingest("population", [path], config, store)

    report = outcome.reports[0]
    assert counts(report) == (8, 2, 6)
    assert report.reject_reasons == {"population is not a whole number": 4, "duplicate LSOA code": 1,
                                     "LSOA code is not like E01000001": 1}
    rejects = store.read_rejects("population")
    assert rejects[["line", "column", "value", "reason"]].values.tolist() == [
        ["3", "Mid-2018 population", "", "population is not a whole number"],
        ["4", "Mid-2018 population", "n/a", "population is not a whole number"],
        ["6", "Mid-2018 population", "-5", "population is not a whole number"],
        ["7", "Mid-2018 population", "2103.5", "population is not a whole number"],
        ["8", "LSOA11CD", "E01017371", "duplicate LSOA code"],
        ["9", "LSOA11CD", "E0101737", "LSOA code is not like E01000001"],
    ]
    pop = store.read("population")
    assert pop[["lsoa_code", "population"]].values.tolist() == [["E01017371", 1337], ["E01017374", 1668]]


def test_reloading_a_year_drops_the_rejects_of_the_replaced_source(config, store, tmp_path):
    first = write(tmp_path / "first_mid2018.csv", SAPE_HEADER, "E01017371,Central Bedfordshire 012A,x,0.5,1")
    second = write(tmp_path / "second_mid2018.csv", SAPE_HEADER, "E01017371,Central Bedfordshire 012A,1337,0.5,1")
    other_year = write(tmp_path / "mid2017.csv", SAPE_HEADER.replace("2018", "2017"),
                       "E01017372,Central Bedfordshire 012B,,0.5,1")
    run_ingest("population", [first, other_year], config, store)
    assert store.read_rejects("population")["source_file"].tolist() == [str(first), str(other_year)]

    run_ingest("population", [second], config, store)

    assert store.read_rejects("population")["source_file"].tolist() == [str(other_year)]
    assert store.read("population")[["year", "population"]].values.tolist() == [[2018, 1337]]


def _error(config, store, path) -> str:
    with pytest.raises(UnusableInputError) as caught:
        run_ingest("population", [path], config, store)
    assert not store.has("population")  # nothing written
    return str(caught.value)


def test_year_not_found(config, store, tmp_path):
    path = write(tmp_path / "lsoa_estimates.csv", "LSOA Code,LSOA Name,All Ages",
                 "E01017371,Central Bedfordshire 012A,1401")
    assert _error(config, store, path) == (
        f"{path}, line 1, column 'All Ages': cannot tell which year the population estimates are for; "
        "expected the year in the header (like 'Mid-2019 population') or in the file name\n"
        "Rename the file to include the year, like 'mid2019-lsoa_estimates.csv'.")


def test_no_population_column(config, store, tmp_path):
    path = write(tmp_path / "mid2019.csv", "LSOA11CD,LSOA11NM,Area Sq Km", "E01017371,Central Bedfordshire 012A,0.5")
    assert _error(config, store, path) == (
        f"{path}, line 1: has no population column; expected a column such as 'All Ages', 'Total', "
        "'Mid-2019 population' or 'Total population: mid 2015 (excluding prisoners)'")


def test_empty_file(config, store, tmp_path):
    path = tmp_path / "mid2019.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    assert _error(config, store, path) == f"{path}: is empty; expected a header line followed by data rows"


def test_two_files_for_the_same_year(config, store):
    area, force = shared("population", SAPE_AREA), shared("population", SAPE_FORCE)
    with pytest.raises(UnusableInputError) as caught:
        run_ingest("population", [area, force], config, store)
    assert str(caught.value) == (
        f"{force}: mid-2018 is also in {area}; expected one file for each year; "
        "ingest a second source for the same year on its own to replace it")
