"""Survey export ingest (docs/data/survey.md): tiny exports written as text, then loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_dash.errors import UnusableInputError
from csp_dash.ingest import run_ingest
from csp_dash.ingest.survey import (
    AGREEMENT_SCALE,
    CONCERN_SCALE,
    ISSUE_ITEMS,
    POSITIVE_ANSWERS,
    SCALES,
    STATEMENTS,
    positive_answers,
)

HEADER = ("response_id,date_submitted,wave,area,age_band,gender,get_on_well_together,safe_place_to_live,"
          "concerned_about_crime,issue_fly_tipping,issue_speeding,issue_drugs,feel_safer_text,comments_text\n")

# Lines 2-8 hold five good responses (the first spans two lines; line 8 is blank), lines
# 9-20 one problem each; line 21 is good again.
WAVE_2018 = HEADER + (
    '101,2018-06-01,2018,Dunstable,25-34,Female,Agree,Strongly agree,Very concerned,Yes,No,,"More police on foot\n'
    'in the town centre",\n'
    "102,02/06/2018 14:05,2018, Leighton Buzzard ,75+,male,strongly AGREE,Don\u2019t know,fairly concerned,no,yes,"
    "Yes,,Thanks\n"
    "103,03/06/2018 09:15:30,2018,,Prefer not to say,In another way, Neither agree nor disagree ,Disagree,"
    "Not very concerned,,,,,\n"
    "104,2018-06-04T18:00,2018,Sandy,,,,,,,,No,,\n"
    '105,2018-06-05,2018,Biggleswade,16-24,Prefer not to say,Don\'t know,Strongly disagree,Not at all concerned,'
    'Yes,Yes,Yes,"Lighting, please",\n'
    "\n"
    ",2018-06-05,2018,Sandy,,,,,,,,,,\n"
    "101,2018-06-06,2018,Sandy,,,,,,,,,,\n"
    "106,2018-02-30,2018,Sandy,,,,,,,,,,\n"
    "107,1/6/2018,2018,Sandy,,,,,,,,,,\n"
    "108,2018-06-07,,Sandy,,,,,,,,,,\n"
    "109,2018-06-07,2018,Sandy,16-25,,,,,,,,,\n"
    "110,2018-06-07,2018,Sandy,,F,,,,,,,,\n"
    "111,2018-06-07,2018,Sandy,,,Agreed,,,,,,,\n"
    "112,2018-06-07,2018,Sandy,,,,,Quite concerned,,,,,\n"
    "113,2018-06-07,2018,Sandy,,,,,,,,Maybe,,\n"
    "114,2018-06-08,2018,Sandy\n"
    "115,2018-06-08 25:00,2018,Sandy,,,,,,,,,,\n"
    "116,2018-06-08,2018,Sandy,,,,Agree,,,,,,\n"
)

EXPECTED_REJECTS = [  # line, column, value, reason
    ("9", "response_id", "", "response_id is blank"),
    ("10", "response_id", "101", "duplicate response_id within the wave"),
    ("11", "date_submitted", "2018-02-30", "date_submitted is not YYYY-MM-DD or DD/MM/YYYY"),
    ("12", "date_submitted", "1/6/2018", "date_submitted is not YYYY-MM-DD or DD/MM/YYYY"),
    ("13", "wave", "", "wave is blank"),
    ("14", "age_band", "16-25", "not an allowed age band"),
    ("15", "gender", "F", "not an allowed gender"),
    ("16", "get_on_well_together", "Agreed", "not on the agreement scale"),
    ("17", "concerned_about_crime", "Quite concerned", "not on the concern scale"),
    ("18", "issue_drugs", "Maybe", "not Yes, No or blank"),
    ("19", "(row)", "4 fields, expected 14", "wrong number of fields"),
    ("20", "date_submitted", "2018-06-08 25:00", "date_submitted is not YYYY-MM-DD or DD/MM/YYYY"),
]

WAVE_2019 = HEADER + (
    "201,2019-05-01,2019,Flitwick,45-54,Male,Agree,Agree,Fairly concerned,No,Yes,,,\n"
    "202,2019-05-02,2019,Ampthill,55-64,Female,Disagree,Agree,Very concerned,Yes,,No,,\n"
    "203,2019-05-02,2019,Ampthill,55-64,Female,Disagree,Agree,Worried,Yes,,No,,\n"
)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def ingest(store, config, *paths: Path):
    outcome = run_ingest("survey", list(paths), config, store)
    for r in outcome.reports:
        assert r.rows_read == r.rows_accepted + r.rows_rejected
    return outcome


def test_accepts_good_rows_and_rejects_each_problem_with_its_line(tmp_path, store, config):
    path = write(tmp_path, "survey-2018.csv", WAVE_2018)
    [report] = ingest(store, config, path).reports

    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (18, 6, 12)
    rejects = store.read_rejects("survey_responses")
    # 116 is good; everything else after the blank line has one problem.
    got = list(rejects[["line", "column", "value", "reason"]].itertuples(index=False, name=None))
    assert got == EXPECTED_REJECTS
    assert set(rejects["source_file"]) == {str(path)}
    assert report.reject_reasons["date_submitted is not YYYY-MM-DD or DD/MM/YYYY"] == 3
    # The raw fields follow the standard columns, exactly as read.
    assert rejects.loc[rejects["line"] == "16", "get_on_well_together"].item() == "Agreed"

    responses = store.read("survey_responses")
    assert responses["response_id"].tolist() == ["101", "102", "103", "104", "105", "116"]
    assert responses["source_line"].tolist() == [2, 4, 5, 6, 7, 21]
    assert responses["date_submitted"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-06-01", "2018-06-02", "2018-06-03", "2018-06-04", "2018-06-05", "2018-06-08"]
    # Canonical spellings, whatever the case, spaces or apostrophe in the file.
    assert responses["get_on_well_together"].fillna("").tolist() == [
        "Agree", "Strongly agree", "Neither agree nor disagree", "", "Don't know", ""]
    assert responses["safe_place_to_live"].fillna("").tolist() == [
        "Strongly agree", "Don't know", "Disagree", "", "Strongly disagree", "Agree"]
    assert responses["concerned_about_crime"].fillna("").tolist() == [
        "Very concerned", "Fairly concerned", "Not very concerned", "", "Not at all concerned", ""]
    assert responses["gender"].fillna("").tolist() == ["Female", "Male", "In another way", "", "Prefer not to say", ""]
    assert responses["area"].fillna("").tolist() == ["Dunstable", "Leighton Buzzard", "", "Sandy", "Biggleswade",
                                                     "Sandy"]
    # Free text as given, quoted newline and comma included.
    assert responses["feel_safer_text"].fillna("").tolist() == [
        "More police on foot\nin the town centre", "", "", "", "Lighting, please", ""]
    assert responses["comments_text"].fillna("").tolist() == ["", "Thanks", "", "", "", ""]
    assert responses["extra"].tolist() == ["{}"] * 6


def test_issue_answers_are_stored_in_long_form(tmp_path, store, config):
    ingest(store, config, write(tmp_path, "survey-2018.csv", WAVE_2018))
    answers = store.read("survey_answers")
    got = list(answers.itertuples(index=False, name=None))
    assert got == [
        ("101", "2018", "fly_tipping", "Fly-tipping", "Yes"),
        ("101", "2018", "speeding", "Speeding", "No"),
        ("102", "2018", "fly_tipping", "Fly-tipping", "No"),
        ("102", "2018", "speeding", "Speeding", "Yes"),
        ("102", "2018", "drugs", "Drug dealing and use", "Yes"),
        ("104", "2018", "drugs", "Drug dealing and use", "No"),
        ("105", "2018", "fly_tipping", "Fly-tipping", "Yes"),
        ("105", "2018", "speeding", "Speeding", "Yes"),
        ("105", "2018", "drugs", "Drug dealing and use", "Yes"),
    ]


def test_date_submitted_is_stored_as_a_parquet_date(tmp_path, store, config):
    ingest(store, config, write(tmp_path, "survey-2018.csv", WAVE_2018))
    schema = pq.read_schema(store.table_path("survey_responses"))
    assert schema.field("date_submitted").type == pa.date32()


def test_extra_columns_and_additional_items_are_kept_and_named(tmp_path, store, config):
    text = (
        "Postcode district,response_id,date_submitted,wave,area,age_band,gender,get_on_well_together,"
        "safe_place_to_live,concerned_about_crime,issue_potholes,issue_fly_tipping,Source\n"
        "LU5,1,2020-01-10,2020,Dunstable,,,,,,Yes,No,web\n"
        ",2,2020-01-11,2020,Dunstable,,,,,,No,,paper\n"
    )
    path = write(tmp_path, "survey-2020.csv", text)
    [report] = ingest(store, config, path).reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2, 2, 0)
    assert report.notes == [f"{path}: additional issue items: potholes",
                            f"{path}: extra columns kept in 'extra': Postcode district, Source"]
    responses = store.read("survey_responses")
    assert [json.loads(e) for e in responses["extra"]] == [
        {"Postcode district": "LU5", "Source": "web"}, {"Postcode district": None, "Source": "paper"}]
    # Optional free-text columns absent from the file are stored as missing.
    assert responses["feel_safer_text"].isna().all()
    answers = store.read("survey_answers")
    assert list(answers[["response_id", "item", "label", "answer"]].itertuples(index=False, name=None)) == [
        ("1", "potholes", "potholes", "Yes"), ("1", "fly_tipping", "Fly-tipping", "No"),
        ("2", "potholes", "potholes", "No")]


def test_an_id_first_seen_on_a_rejected_row_does_not_reject_a_later_good_one(tmp_path, store, config):
    text = HEADER + "7,2018-13-01,2018,Sandy,,,,,,,,,,\n7,2018-12-01,2018,Sandy,,,,,,,,,,\n"
    [report] = ingest(store, config, write(tmp_path, "s.csv", text)).reports
    assert (report.rows_accepted, report.rows_rejected) == (1, 1)
    assert store.read("survey_responses")["source_line"].tolist() == [3]


def test_reloading_a_wave_replaces_it_in_both_tables(tmp_path, store, config):
    first = write(tmp_path, "survey-2018.csv", WAVE_2018)
    ingest(store, config, first)
    ingest(store, config, write(tmp_path, "survey-2019.csv", WAVE_2019))
    assert store.read("survey_responses")["wave"].value_counts().to_dict() == {"2018": 6, "2019": 2}

    corrected = write(tmp_path, "survey-2018-corrected.csv", HEADER + (
        "101,2018-06-01,2018,Dunstable,,,,,,No,,,,\n"
        "120,2018-06-09,2018,Sandy,,,,,,,,Yes,,\n"
        "121,2018-06-09,2018,Sandy,,,,,,,Often,,,\n"
    ))
    [report] = ingest(store, config, corrected).reports
    assert report.notes == ["wave 2018: replaced 6 stored responses with 2"]

    responses = store.read("survey_responses")
    assert responses[["wave", "response_id"]].values.tolist() == [
        ["2018", "101"], ["2018", "120"], ["2019", "201"], ["2019", "202"]]
    answers = store.read("survey_answers")
    assert answers[["response_id", "item", "answer"]].values.tolist() == [
        ["201", "fly_tipping", "No"], ["201", "speeding", "Yes"], ["202", "fly_tipping", "Yes"],
        ["202", "drugs", "No"], ["101", "fly_tipping", "No"], ["120", "drugs", "Yes"]]
    # The old 2018 rejects (even the row with a blank wave) went with the file they came from.
    rejects = store.read_rejects("survey_responses")
    assert rejects[["source_file", "line", "reason"]].values.tolist() == [
        [str(tmp_path / "survey-2019.csv"), "4", "not on the concern scale"],
        [str(corrected), "4", "not Yes, No or blank"]]
    first_entry = next(s for s in store.manifest()["sources"] if s["path"] == str(first))
    assert first_entry["superseded_by"] == [str(corrected)]


def test_two_waves_in_one_call(tmp_path, store, config):
    outcome = ingest(store, config, write(tmp_path, "a.csv", WAVE_2018), write(tmp_path, "b.csv", WAVE_2019))
    assert [(r.rows_read, r.rows_accepted, r.rows_rejected) for r in outcome.reports] == [(18, 6, 12), (3, 2, 1)]
    assert [r.details["waves"] for r in outcome.reports] == [{"2018": 6}, {"2019": 2}]
    assert len(store.read("survey_responses")) == 8
    assert len(store.read_rejects("survey_responses")) == 13


def test_a_wave_in_two_files_given_together_is_refused(tmp_path, store, config):
    a = write(tmp_path, "a.csv", WAVE_2019)
    b = write(tmp_path, "b.csv", HEADER + "301,2019-05-03,2019,Sandy,,,,,,,,,,\n")
    with pytest.raises(UnusableInputError) as err:
        run_ingest("survey", [a, b], config, store)
    assert str(err.value) == (f"{b}, column 'wave': wave 2019 is also in {a}; expected each wave in only one of "
                              "the files given; put a wave's responses in one file")
    assert not store.has("survey_responses")


WHAT = "a survey export (docs/data/survey.md)"
REQUIRED = ("response_id, date_submitted, wave, area, age_band, gender, get_on_well_together, safe_place_to_live, "
            "concerned_about_crime")


@pytest.mark.parametrize("content, message", [
    ("", "is empty; expected a header line followed by data rows"),
    (b"\xef\xbb\xbf\r\n  \r\n", "is empty; expected a header line followed by data rows"),
    (HEADER.encode() + b"1,2018-06-01,2018,Caf\xe9,,,,,,,,,,\n",
     "line 2: byte 0xe9 at position 211 is not valid UTF-8; expected a UTF-8 text file "
     "(save it as 'CSV UTF-8' in Excel)"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40,
     f"is not a CSV text file; expected {WHAT} saved as CSV UTF-8"),
    (HEADER, "has a header but no rows; expected at least one survey response"),
    (HEADER.replace("wave,", "") + "1,2018-06-01,Sandy,,,,,,,,,,\n",
     f"line 1, column 'wave': lacks the required column wave; expected the columns of {WHAT}: {REQUIRED}"),
    ("response_id,wave,comments\n1,2018,hi\n",
     "line 1, column 'date_submitted': lacks the required columns date_submitted, area, age_band, gender, "
     "get_on_well_together, safe_place_to_live, concerned_about_crime; "
     f"expected the columns of {WHAT}: {REQUIRED}"),
    (HEADER.replace(",issue_fly_tipping,issue_speeding,issue_drugs", "") + "1,2018-06-01,2018,,,,,,,,\n",
     "line 1, column 'issue_': has no issue_ column; expected at least one column named issue_<item>, "
     "like issue_fly_tipping"),
    (HEADER.replace("comments_text", "area") + "1,2018-06-01,2018,,,,,,,,,,,\n",
     "line 1, column 'area': the header names column 'area' twice; expected each column name once"),
    (HEADER.replace("comments_text", " ") + "1,2018-06-01,2018,,,,,,,,,,,\n",
     "line 1: column 14 of the header is blank; expected a name for every column"),
    (HEADER + '1,2018-06-01,2018,,,,,,,,,,,\n2,2018-06-01,2018,,,,,,,,,,"never closed,\n3,2018-06-02,2018,,,,,,,,,,,\n',
     "line 3: is not valid CSV (unexpected end of data); expected quotes around a field only, "
     "and every opened quote closed"),
    (HEADER.replace("issue_drugs", "issue_") + "1,2018-06-01,2018,,,,,,,,,,,\n",
     "line 1, column 'issue_': has a column named just 'issue_'; expected issue_<item>, naming the item, "
     "like issue_fly_tipping"),
    ("\nresponse_id,date_submitted\n", "line 1: does not start with a header line; expected the column names "
     f"of {WHAT} on line 1"),
], ids=["empty", "bom-and-blank-lines", "not-utf8", "binary-xlsx", "header-only", "missing-column",
        "missing-columns", "no-issue-column", "repeated-column", "blank-column-name", "unclosed-quote",
        "bare-issue-prefix", "blank-first-line"])
def test_whole_file_problems_are_refused_with_a_plain_message(tmp_path, store, config, content, message):
    path = write(tmp_path, "survey.csv", content)
    with pytest.raises(UnusableInputError) as err:
        run_ingest("survey", [path], config, store)
    assert str(err.value) == (f"{path}, {message}" if message.startswith("line") else f"{path}: {message}")
    assert not store.has("survey_responses")


def test_missing_file_or_no_file_is_refused(tmp_path, store, config):
    with pytest.raises(UnusableInputError) as err:
        run_ingest("survey", [tmp_path / "nope.csv"], config, store)
    assert str(err.value) == f"{tmp_path / 'nope.csv'}: no such file"
    with pytest.raises(UnusableInputError) as err:
        run_ingest("survey", [], config, store)
    assert str(err.value) == "no survey export was given; expected one or more survey CSV files"


def test_constants_for_the_pages():
    assert len(ISSUE_ITEMS) == 12
    assert ISSUE_ITEMS["issue_drinking_rowdy"] == "People drinking or being rowdy in a public place"
    assert all(set(POSITIVE_ANSWERS[s]) <= set(SCALES[s]) for s in POSITIVE_ANSWERS)
    assert positive_answers("safe_place_to_live") == ("Strongly agree", "Agree")
    assert positive_answers("concerned_about_crime") == ("Very concerned", "Fairly concerned")
    assert positive_answers("issue_litter") == ("Yes",)
    with pytest.raises(ValueError, match="'age_band' has no headline percentage"):
        positive_answers("age_band")
    assert "Don't know" in AGREEMENT_SCALE and "Don't know" in CONCERN_SCALE
    assert STATEMENTS["safe_place_to_live"].format(area="Central Bedfordshire") == \
        "Central Bedfordshire is a safe place to live"


def test_dry_run_writes_nothing(tmp_path, store, config):
    outcome = run_ingest("survey", [write(tmp_path, "s.csv", WAVE_2018)], config, store, dry_run=True)
    assert outcome.reports[0].rows_accepted == 6
    assert not store.has("survey_responses")
