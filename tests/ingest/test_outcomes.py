"""Outcome indicators and action plan ingest (docs/data/outcomes.md): tiny files as text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_dash.errors import UnusableInputError
from csp_dash.ingest import run_ingest
from csp_dash.ingest.outcomes import (
    ACTION_REQUIRED,
    INDICATOR_REQUIRED,
    POLARITIES,
    STATUSES,
    UNITS,
    parse_period,
)

P1 = "Priority One: Ending Exploitation"
P2 = "Priority Two: Domestic and Sexual Abuse"
DA = f"da_crimes,Domestic abuse crimes recorded,{P2},count,higher is worse"

# Columns in a different order from the doc, with an extra one at the end.
INDICATORS = (
    "period,indicator_id,name,priority,unit,polarity,value,baseline,target,sensitive,source,comment\n"
    f'2019-Q1,{DA},"1,234",,,no,Bedfordshire Police,from the monthly return\n'                # 2
    f'2019-q2,da_crimes,Domestic abuse crimes recorded,{P2},Count,higher is worse,1200,1100,"1,000",No,'
    "Bedfordshire Police,\n"                                                                     # 3
    f"2019/20,da_repeat,Repeat victims of domestic abuse,{P2},percent,higher is worse,45%,50%,40%,yes,BDAP,\n"
    f"2019-04,marac_cases,MARAC cases heard,{P2},count,neither,3,,,YES,BDAP,\n"                 # 5
    f'2019,cse_referrals,Child sexual exploitation referrals,{P1},"Rate Per 1,000",Higher is better,0.8,,,no,'
    "Central Bedfordshire Council,\n"                                                            # 6
    f"2019-Q3,da crimes,Domestic abuse crimes recorded,{P2},count,higher is worse,1100,,,no,Bedfordshire Police,\n"
    f"2019-Q3,da_crimes,Domestic abuse crimes recorded,{P2},number,higher is worse,1100,,,no,Bedfordshire Police,\n"
    f"2019-Q3,da_crimes,Domestic abuse crimes recorded,{P2},count,lower is better,1100,,,no,Bedfordshire Police,\n"
    f"2019-Q3,{DA},1100,,,maybe,Bedfordshire Police,\n"                                         # 10
    f"2019/21,{DA},1100,,,no,Bedfordshire Police,\n"                                            # 11
    f'2019-Q3,{DA},"12,34",,,no,Bedfordshire Police,\n'                                          # 12
    f"2019-Q3,{DA},1100,n/a,,no,Bedfordshire Police,\n"                                         # 13
    f"2019-Q3,{DA},1100,,ten,no,Bedfordshire Police,\n"                                         # 14
    f"2019-Q3,da_crimes,Domestic abuse crimes,{P2},count,higher is worse,1100,,,no,Bedfordshire Police,\n"
    f"2019-Q1,{DA},1250,,,no,Bedfordshire Police,\n"                                            # 16
    "2019-Q4,da_crimes,Domestic abuse crimes recorded\n"                                         # 17
    f"2020-Q1,,Domestic abuse crimes recorded,{P2},count,higher is worse,1,,,no,Bedfordshire Police,\n"
    "2020-Q1,da_crimes,Domestic abuse crimes recorded, ,count,higher is worse,1,,,no,Bedfordshire Police,\n"
    f"2020-Q1,da_crimes,,{P2},count,higher is worse,1,,,no,Bedfordshire Police,\n"               # 20
    f"2020-Q1,da_crimes,Domestic abuse crimes recorded,{P2},,higher is worse,1,,,no,Bedfordshire Police,\n"
    f"2020-Q1,da_crimes,Domestic abuse crimes recorded,{P2},count,,1,,,no,Bedfordshire Police,\n"
    f",{DA},1,,,no,Bedfordshire Police,\n"                                                      # 23
    f"2020-Q1,{DA},,,,no,Bedfordshire Police,\n"                                                # 24
    f"2020-Q1,{DA},1,,,,Bedfordshire Police,\n"                                                 # 25
    f"2020-Q1,{DA},1,,,no,,\n"                                                                  # 26
    f"2019-Q3,{DA},1100,,,no,Bedfordshire Police,\n"                                            # 27
)
# The DA shorthand puts indicator_id before name, priority, unit, polarity: as the header does.

INDICATOR_REJECTS = [  # line, column, value, reason
    ("7", "indicator_id", "da crimes", "indicator_id has characters other than letters, digits, _ and -"),
    ("8", "unit", "number", "unit is not an allowed unit"),
    ("9", "polarity", "lower is better", "polarity is not an allowed polarity"),
    ("10", "sensitive", "maybe", "sensitive is not yes or no"),
    ("11", "period", "2019/21", "period is not YYYY-MM, YYYY-Qn, YYYY/YY or YYYY"),
    ("12", "value", "12,34", "value is not a number"),
    ("13", "baseline", "n/a", "baseline is not a number"),
    ("14", "target", "ten", "target is not a number"),
    ("15", "name", "Domestic abuse crimes", "describes the indicator differently from its first row"),
    ("16", "period", "2019-Q1", "duplicate indicator_id and period"),
    ("17", "(row)", "3 fields, expected 12", "wrong number of fields"),
    ("18", "indicator_id", "", "indicator_id is blank"),
    ("19", "priority", " ", "priority is blank"),
    ("20", "name", "", "name is blank"),
    ("21", "unit", "", "unit is blank"),
    ("22", "polarity", "", "polarity is blank"),
    ("23", "period", "", "period is blank"),
    ("24", "value", "", "value is blank"),
    ("25", "sensitive", "", "sensitive is blank"),
    ("26", "source", "", "source is blank"),
]

ACTIONS = (
    "priority,action,owner,due_date,status,last_update,note,RAG\n"
    f"{P2},Review and update all CSP Domestic Homicide Review procedures,Community Safety Team,2020-03-31,"
    "On track,01/02/2020,,G\n"                                                                   # 2
    f'{P2},Promote BDAP campaigns through the community safety network,BDAP,30/09/2019,complete,2019-10-01,'
    '"Done; see the BDAP report, October",G\n'                                                   # 3
    f"{P1},Train frontline staff on the early identification of victims,Public Protection,2020-06-30, at risk ,,,A\n"
    f",Raise awareness of exploitation,CBC,2020-06-30,On track,,,\n"                              # 5
    f"{P1},,CBC,2020-06-30,On track,,,\n"                                                        # 6
    f"{P1},Raise awareness of exploitation,,2020-06-30,On track,,,\n"                             # 7
    f"{P1},Raise awareness of exploitation,CBC,,On track,,,\n"                                    # 8
    f"{P1},Raise awareness of exploitation,CBC,2020-06-30,,,,\n"                                  # 9
    f"{P1},Raise awareness of exploitation,CBC,31/13/2020,On track,,,\n"                          # 10
    f"{P1},Raise awareness of exploitation,CBC,2020-06-30,Done,,,\n"                              # 11
    f"{P1},Raise awareness of exploitation,CBC,2020-06-30,On track,yesterday,,\n"                 # 12
    f"{P1},Raise awareness of exploitation,CBC\n"                                                 # 13
)

ACTION_REJECTS = [
    ("5", "priority", "", "priority is blank"),
    ("6", "action", "", "action is blank"),
    ("7", "owner", "", "owner is blank"),
    ("8", "due_date", "", "due_date is blank"),
    ("9", "status", "", "status is blank"),
    ("10", "due_date", "31/13/2020", "due_date is not YYYY-MM-DD or DD/MM/YYYY"),
    ("11", "status", "Done", "status is not an allowed status"),
    ("12", "last_update", "yesterday", "last_update is not YYYY-MM-DD or DD/MM/YYYY"),
    ("13", "(row)", "3 fields, expected 8", "wrong number of fields"),
]


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def ingest(store, config, *paths: Path):
    outcome = run_ingest("outcomes", list(paths), config, store)
    for r in outcome.reports:
        assert r.rows_read == r.rows_accepted + r.rows_rejected
    return outcome


def rows(df, columns):
    return list(df[columns].itertuples(index=False, name=None))


# -- periods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2019/20", ("financial_year", dt.date(2019, 4, 1), dt.date(2020, 3, 31))),
    ("2017/18", ("financial_year", dt.date(2017, 4, 1), dt.date(2018, 3, 31))),
    ("1999/00", ("financial_year", dt.date(1999, 4, 1), dt.date(2000, 3, 31))),
    ("2019-Q4", ("quarter", dt.date(2019, 10, 1), dt.date(2019, 12, 31))),
    ("2019-Q1", ("quarter", dt.date(2019, 1, 1), dt.date(2019, 3, 31))),
    ("2019-q2", ("quarter", dt.date(2019, 4, 1), dt.date(2019, 6, 30))),
    ("2020-02", ("month", dt.date(2020, 2, 1), dt.date(2020, 2, 29))),
    ("2019-02", ("month", dt.date(2019, 2, 1), dt.date(2019, 2, 28))),
    ("2019-12", ("month", dt.date(2019, 12, 1), dt.date(2019, 12, 31))),
    (" 2019 ", ("year", dt.date(2019, 1, 1), dt.date(2019, 12, 31))),
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2017/19", "2019/2020", "19/20", "2019-13", "2019-00", "2019-Q5", "2019-Q0",
                                  "2019-1", "Q1 2019", "2019-Q1-01", "201", "", "0000"])
def test_parse_period_rejects_other_forms(text):
    with pytest.raises(ValueError) as err:
        parse_period(text)
    assert str(err.value) == (f"'{text}' is not a period; expected YYYY-MM (month), YYYY-Qn (calendar quarter), "
                              "YYYY/YY (financial year, April-March, like 2017/18) or YYYY (calendar year)")


def test_allowed_values():
    assert UNITS == ("count", "percent", "rate per 1,000", "rate per 100,000", "days", "score")
    assert POLARITIES == ("higher is better", "higher is worse", "neither")
    assert STATUSES == ("Not started", "On track", "At risk", "Delayed", "Complete")


# -- indicators ------------------------------------------------------------------------------

def test_indicators_accepted_and_rejected_with_reasons_and_lines(tmp_path, store, config):
    path = write(tmp_path, "indicators.csv", INDICATORS)
    [report] = ingest(store, config, path).reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (26, 6, 20)
    assert report.notes == [f"{path}: an indicators file", f"{path}: extra columns kept in 'extra': comment"]

    rejects = store.read_rejects("indicators")
    assert rows(rejects, ["line", "column", "value", "reason"]) == INDICATOR_REJECTS
    # The raw 'value' field is kept beside the rejects file's own 'value' column.
    assert rows(rejects[rejects["line"].isin(["8", "12"])], ["value", "raw_value"]) == [
        ("number", "1100"), ("12,34", "12,34")]

    ind = store.read("indicators")
    assert rows(ind, ["indicator_id", "period", "period_type", "value", "source_line"]) == [
        ("cse_referrals", "2019", "year", 0.8, 6),
        ("da_crimes", "2019-Q1", "quarter", 1234.0, 2),
        ("da_crimes", "2019-Q2", "quarter", 1200.0, 3),
        ("da_crimes", "2019-Q3", "quarter", 1100.0, 27),
        ("da_repeat", "2019/20", "financial_year", 45.0, 4),
        ("marac_cases", "2019-04", "month", 3.0, 5),
    ]
    assert ind["baseline"].fillna(-1).tolist() == [-1, -1, 1100.0, -1, 50.0, -1]
    assert ind["target"].fillna(-1).tolist() == [-1, -1, 1000.0, -1, 40.0, -1]
    assert ind["sensitive"].tolist() == [False, False, False, False, True, True]
    assert ind["unit"].tolist() == ["rate per 1,000", "count", "count", "count", "percent", "count"]
    assert ind["polarity"].tolist() == ["higher is better"] + ["higher is worse"] * 4 + ["neither"]
    assert ind["period_start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-01-01", "2019-01-01", "2019-04-01", "2019-07-01", "2019-04-01", "2019-04-01"]
    assert ind["period_end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-12-31", "2019-03-31", "2019-06-30", "2019-09-30", "2020-03-31", "2019-04-30"]
    assert [json.loads(e) for e in ind["extra"]][:2] == [{"comment": None}, {"comment": "from the monthly return"}]
    schema = pq.read_schema(store.table_path("indicators"))
    assert schema.field("period_start").type == pa.date32() and schema.field("period_end").type == pa.date32()
    assert schema.field("sensitive").type == pa.bool_()


def test_loading_indicators_replaces_each_indicator_period(tmp_path, store, config):
    first = write(tmp_path, "indicators-2019.csv", INDICATORS)
    ingest(store, config, first)
    update = write(tmp_path, "indicators-update.csv", (
        "indicator_id,priority,name,unit,polarity,period,value,baseline,target,sensitive,source\n"
        f"da_crimes,{P2},Domestic abuse crimes recorded (all),count,higher is worse,2019-Q1,1240,,,no,"
        "Bedfordshire Police\n"
        f"da_crimes,{P2},Domestic abuse crimes recorded (all),count,higher is worse,2019-Q4,1150,,900,no,"
        "Bedfordshire Police\n"
    ))
    [report] = ingest(store, config, update).reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2, 2, 0)
    assert report.notes == [f"{update}: an indicators file",
                            "indicator da_crimes: name changed; the new description now applies to its 2 stored "
                            "rows for other periods"]

    ind = store.read("indicators")
    da = ind[ind["indicator_id"] == "da_crimes"]
    assert rows(da, ["period", "value", "source_file", "source_line"]) == [
        ("2019-Q1", 1240.0, str(update), 2),
        ("2019-Q2", 1200.0, str(first), 3),
        ("2019-Q3", 1100.0, str(first), 27),
        ("2019-Q4", 1150.0, str(update), 3),
    ]
    assert set(da["name"]) == {"Domestic abuse crimes recorded (all)"}
    assert len(ind) == 7  # the other three indicators are untouched
    # Old rejects about da_crimes 2019-Q1 (line 16) and 2019-Q4 (line 17) went with those periods.
    rejects = store.read_rejects("indicators")
    assert [line for line, *_ in INDICATOR_REJECTS if line not in set(rejects["line"])] == ["16", "17"]
    assert len(rejects) == 18


def test_indicator_periods_repeated_across_files_given_together(tmp_path, store, config):
    header = "indicator_id,priority,name,unit,polarity,period,value,sensitive,source\n"
    a = write(tmp_path, "a.csv", header + f"repeat_da,{P2},Repeat victims,count,higher is worse,2019-05,40,no,BDAP\n")
    b = write(tmp_path, "b.csv", header + (
        f"repeat_da,{P2},Repeat victims,count,higher is worse,2019-05,41,no,BDAP\n"
        f"repeat_da,{P2},Repeat victims,percent,higher is worse,2019-06,41,no,BDAP\n"
        f"repeat_da,{P2},Repeat victims,count,higher is worse,2019-07,38,no,BDAP\n"
    ))
    outcome = ingest(store, config, a, b)
    assert [(r.rows_read, r.rows_accepted, r.rows_rejected) for r in outcome.reports] == [(1, 1, 0), (3, 1, 2)]
    assert rows(store.read_rejects("indicators"), ["source_file", "line", "column", "reason"]) == [
        (str(b), "2", "period", "duplicate indicator_id and period"),
        (str(b), "3", "unit", "describes the indicator differently from its first row"),
    ]
    assert store.read("indicators")["value"].tolist() == [40.0, 38.0]


# -- actions ---------------------------------------------------------------------------------

def test_actions_accepted_and_rejected_with_reasons_and_lines(tmp_path, store, config):
    path = write(tmp_path, "actions.csv", ACTIONS)
    [report] = ingest(store, config, path).reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (12, 3, 9)
    assert report.notes == [f"{path}: an actions file; it replaces all stored actions",
                            f"{path}: extra columns kept in 'extra': RAG"]
    assert rows(store.read_rejects("actions"), ["line", "column", "value", "reason"]) == ACTION_REJECTS

    actions = store.read("actions")
    assert actions["status"].tolist() == ["On track", "Complete", "At risk"]
    assert actions["due_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-31", "2019-09-30", "2020-06-30"]
    assert actions["last_update"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2020-02-01", "2019-10-01", ""]
    assert actions["note"].fillna("").tolist() == ["", "Done; see the BDAP report, October", ""]
    assert actions["extra"].tolist() == ['{"RAG": "G"}', '{"RAG": "G"}', '{"RAG": "A"}']
    schema = pq.read_schema(store.table_path("actions"))
    assert schema.field("due_date").type == pa.date32() and schema.field("last_update").type == pa.date32()


def test_an_actions_file_replaces_all_actions(tmp_path, store, config):
    first = write(tmp_path, "actions-2019.csv", ACTIONS)
    ingest(store, config, first)
    second = write(tmp_path, "actions-2020.csv", (
        "status,due_date,owner,action,priority\n"
        f"Delayed,2021-03-31,Community Safety Team,Extend Best Bar None,{P1}\n"
        f"Not started,2021-03-31,BDAP,Review the MARAC action plan,{P2}\n"
        f"Paused,2021-03-31,BDAP,Review the MARAC action plan,{P2}\n"
    ))
    [report] = ingest(store, config, second).reports
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 2, 1)
    actions = store.read("actions")
    assert rows(actions, ["action", "status", "source_file"]) == [
        ("Extend Best Bar None", "Delayed", str(second)),
        ("Review the MARAC action plan", "Not started", str(second))]
    assert actions["last_update"].isna().all() and actions["note"].isna().all()
    assert rows(store.read_rejects("actions"), ["source_file", "line", "value"]) == [(str(second), "4", "Paused")]
    entry = next(s for s in store.manifest()["sources"] if s["path"] == str(first))
    assert entry["superseded_by"] == [str(second)]


def test_indicators_and_actions_in_one_call(tmp_path, store, config):
    outcome = ingest(store, config, write(tmp_path, "plan.csv", ACTIONS), write(tmp_path, "ind.csv", INDICATORS))
    assert [r.details["contents"] for r in outcome.reports] == ["actions", "indicators"]
    assert (len(store.read("actions")), len(store.read("indicators"))) == (3, 6)
    assert (len(store.read_rejects("actions")), len(store.read_rejects("indicators"))) == (9, 20)


# -- whole files that cannot be used -----------------------------------------------------------

WHAT = "an indicators or actions file (docs/data/outcomes.md)"
CHOICES = (f"expected the columns of an indicators file ({', '.join(INDICATOR_REQUIRED)}) "
           f"or of an actions file ({', '.join(ACTION_REQUIRED)})")
IND_HEADER = "indicator_id,priority,name,unit,polarity,period,value,sensitive,source\n"


@pytest.mark.parametrize("content, message", [
    ("", ": is empty; expected a header line followed by data rows"),
    (b"priority,action,owner,due_date,status\nPriority Two,Revue du MARAC,\xe9quipe,2020-03-31,On track\n",
     ", line 2: byte 0xe9 at position 66 is not valid UTF-8; expected a UTF-8 text file "
     "(save it as 'CSV UTF-8' in Excel)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", f": is not a CSV text file; expected {WHAT} saved as CSV UTF-8"),
    (IND_HEADER, ": has a header but no rows; expected at least one indicator figure"),
    ("priority,action,owner,due_date,status\n\n", ": has a header but no rows; expected at least one action"),
    (IND_HEADER.replace("value,", "") + f"da,{P2},DA,count,neither,2019,no,Police\n",
     ", line 1, column 'value': is neither an indicators file nor an actions file: as an indicators file it lacks "
     f"the column value; {CHOICES}"),
    ("Area,Crime type,Count\nDunstable,Burglary,12\n",
     ", line 1, column 'priority': is neither an indicators file nor an actions file: as an actions file it lacks "
     f"the columns priority, action, owner, due_date, status; {CHOICES}"),
    ("indicator_id,name,period,value,action\nda,DA,2019,1,x\n",
     ", line 1, column 'priority': is neither an indicators file nor an actions file: as an indicators file it "
     f"lacks the columns priority, unit, polarity, sensitive, source; {CHOICES}"),
    (IND_HEADER.strip() + ",action,owner,due_date,status\n",
     ", line 1: has the required columns of both an indicators file and an actions file; "
     "expected indicators and actions in separate files"),
], ids=["empty", "not-utf8", "binary-pdf", "header-only-indicators", "header-only-actions", "missing-column",
        "neither", "neither-closer-to-indicators", "both"])
def test_whole_file_problems_are_refused_with_a_plain_message(tmp_path, store, config, content, message):
    path = write(tmp_path, "outcomes.csv", content)
    with pytest.raises(UnusableInputError) as err:
        run_ingest("outcomes", [path], config, store)
    assert str(err.value) == f"{path}{message}"
    assert not store.has("indicators") and not store.has("actions")


def test_a_second_actions_file_is_refused_and_nothing_is_written(tmp_path, store, config):
    ind = write(tmp_path, "ind.csv", INDICATORS)
    a = write(tmp_path, "a.csv", ACTIONS)
    b = write(tmp_path, "b.csv", ACTIONS)
    with pytest.raises(UnusableInputError) as err:
        run_ingest("outcomes", [ind, a, b], config, store)
    assert str(err.value) == (f"{b}: is a second actions file (after {a}); expected one actions file at a time: "
                              "an actions file is the whole plan")
    assert not store.has("indicators") and not store.has("actions")
