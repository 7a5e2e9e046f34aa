"""Disclosure control: small sensitive counts hidden, zeros shown, and no hidden count
recoverable from a total by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis.disclosure import (
    SECONDARY_LABEL,
    disclosure_note,
    display_number,
    plain_number,
    suppress,
    suppress_table,
)

NAN = float("nan")


# -- suppress --------------------------------------------------------------------------------

def test_counts_from_1_to_the_threshold_are_hidden_and_zero_is_shown():
    values = pd.Series([0, 1, 2, 3, 4, 5, 6, NAN, 1234, 12.5])
    shown = suppress(values, True, 4, "<5")
    assert shown.tolist() == ["0", "<5", "<5", "<5", "<5", "5", "6", "", "1,234", "12.5"]


def test_rows_not_marked_sensitive_are_never_hidden():
    values = pd.Series([1, 2, 3, 4])
    assert suppress(values, False, 4, "<5").tolist() == ["1", "2", "3", "4"]
    per_row = pd.Series([True, False, True, False])
    assert suppress(values, per_row, 4, "<5").tolist() == ["<5", "2", "<5", "4"]


def test_the_threshold_is_the_configured_one_and_0_switches_suppression_off():
    values = pd.Series([0, 1, 2, 3])
    assert suppress(values, True, 1, "<2").tolist() == ["0", "<2", "2", "3"]
    assert suppress(values, True, 0, "<1").tolist() == ["0", "1", "2", "3"]


def test_number_formats_for_the_page_and_for_downloads():
    assert [display_number(v) for v in (1234, 6.1, 0.25, 45.0, NAN)] == ["1,234", "6.1", "0.25", "45", ""]
    assert [plain_number(v) for v in (1234, 6.1, 12345.5)] == ["1234", "6.1", "12345.5"]
    shown = suppress(pd.Series([3, 2480]), True, 4, "<5", fmt=plain_number)
    assert shown.tolist() == ["<5", "2480"]


# -- suppress_table: primary -----------------------------------------------------------------

def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": ["NRM referrals", "MARAC cases", "FM/HBV referrals", "Knife crime"],
        "Q1": [3, 80, 0, 2],
        "Q2": [6, 90, 0, 3],
        "Q3": [9, 85, 5, 4],
        "sensitive": [True, False, True, False],
    })


def test_primary_suppression_only_touches_sensitive_rows():
    out = suppress_table(_table(), ["Q1", "Q2", "Q3"], "sensitive", 4, "<5")
    assert out[["Q1", "Q2", "Q3"]].to_numpy().tolist() == [
        ["<5", "6", "9"],
        ["80", "90", "85"],
        ["0", "0", "5"],
        ["2", "3", "4"],  # knife crime is not sensitive: small counts are shown
    ]
    assert out["indicator"].tolist() == _table()["indicator"].tolist()
    assert out["sensitive"].tolist() == [True, False, True, False]


def test_one_flag_for_the_whole_table():
    out = suppress_table(_table(), ["Q1", "Q2"], True, 4, "<5")
    assert out["Q1"].tolist() == ["<5", "80", "0", "<5"]
    out = suppress_table(_table(), ["Q1", "Q2"], False, 4, "<5")
    assert out["Q1"].tolist() == ["3", "80", "0", "2"]


# -- suppress_table: secondary (totals) ----------------------------------------------------------

def test_a_row_total_that_would_give_back_a_hidden_count_is_hidden():
    df = _table().assign(total=lambda d: d[["Q1", "Q2", "Q3"]].sum(axis=1))
    out = suppress_table(df, ["Q1", "Q2", "Q3"], "sensitive", 4, "<5", total_col="total")
    # NRM: 3 is hidden, 18 - 6 - 9 would give it back, so the total goes.
    assert out.loc[0, ["Q1", "Q2", "Q3", "total"]].tolist() == ["<5", "6", "9", SECONDARY_LABEL]
    # FM/HBV: nothing hidden (zeros and a 5), so the total stays.
    assert out.loc[2, ["Q1", "Q2", "Q3", "total"]].tolist() == ["0", "0", "5", "5"]
    # Not sensitive: untouched.
    assert out.loc[3, ["Q1", "Q2", "Q3", "total"]].tolist() == ["2", "3", "4", "9"]


def test_two_hidden_counts_under_a_total_still_hide_it():
    # 1 + 1 = 2: with the total shown, two hidden cells summing to 2 must both be 1.
    df = pd.DataFrame({"what": ["a"], "x": [1], "y": [1], "z": [40], "total": [42], "s": [True]})
    out = suppress_table(df, ["x", "y", "z"], "s", 4, "<5", total_col="total")
    assert out.loc[0, ["x", "y", "z", "total"]].tolist() == ["<5", "<5", "40", SECONDARY_LABEL]


def test_column_totals_and_the_grand_total():
    df = pd.DataFrame({
        "area": ["North", "South", "West", "Total"],
        "2019": [2, 10, 7, 19],
        "2020": [8, 11, 9, 28],
        "total": [10, 21, 16, 47],
        "sensitive": [True, True, True, False],
    })
    out = suppress_table(df, ["2019", "2020"], "sensitive", 4, "<5", total_row="Total", total_col="total")
    assert out[["2019", "2020", "total"]].to_numpy().tolist() == [
        ["<5", "8", SECONDARY_LABEL],
        ["10", "11", "21"],
        ["7", "9", "16"],
        [SECONDARY_LABEL, "28", SECONDARY_LABEL],  # 2019's total and the grand total would give back North
    ]


def test_a_small_total_over_a_hidden_count_is_withheld_and_hides_the_grand_total():
    df = pd.DataFrame({"area": ["North", "South", "Total"], "x": [0, 3, 3], "y": [20, 30, 50],
                       "all": [20, 33, 53]}).set_index("area")
    out = suppress_table(df, ["x", "y"], True, 4, "<5", total_row="Total", total_col="all")
    assert out.loc["Total", ["x", "y", "all"]].tolist() == [SECONDARY_LABEL, "50", SECONDARY_LABEL]
    assert out.loc["South", ["x", "y", "all"]].tolist() == ["<5", "30", SECONDARY_LABEL]
    assert out.loc["North", ["x", "y", "all"]].tolist() == ["0", "20", "20"]


def test_a_small_total_never_shows_the_label_over_hidden_counts():
    # Four hidden counts under a total shown as '<5' could only be 1 each; two under it, 1 to 3 each.
    df = pd.DataFrame({"q1": [1, 1, 0], "q2": [1, 2, 0], "q3": [1, 0, 2], "q4": [1, 0, 0], "year": [4, 3, 2]})
    out = suppress_table(df, ["q1", "q2", "q3", "q4"], True, 4, "<5", total_col="year")
    assert out["year"].tolist() == [SECONDARY_LABEL] * 3
    # A small total that adds up no hidden count (a column of counts not marked sensitive) keeps the label.
    df = pd.DataFrame({"area": ["North", "South", "Total"], "x": [2, 0, 2], "s": [False, True, False]})
    assert suppress_table(df, ["x"], "s", 4, "<5", total_row="Total")["x"].tolist() == ["2", "0", "<5"]


def test_the_total_row_of_non_sensitive_rows_is_not_sensitive():
    df = pd.DataFrame({"area": ["North", "South", "Total"], "x": [1, 2, 3], "s": [False, False, False]})
    out = suppress_table(df, ["x"], "s", 4, "<5", total_row="Total")
    assert out["x"].tolist() == ["1", "2", "3"]


def test_no_hidden_count_can_be_recovered_from_any_total_shown():
    """Property check on many random tables: wherever a total is shown, every cell it adds up
    is shown too, so subtraction never gives back a hidden count."""
    rng = np.random.default_rng(7)
    for _ in range(80):
        rows, cols = rng.integers(1, 5), rng.integers(1, 5)
        cells = rng.choice([0, 1, 2, 3, 4, 5, 8, 20], size=(rows, cols))
        names = [f"c{j}" for j in range(cols)]
        df = pd.DataFrame(cells, columns=names)
        df["total"] = df[names].sum(axis=1)
        df.loc[len(df)] = df.sum()
        df.insert(0, "row", [f"r{i}" for i in range(rows)] + ["Total"])
        sensitive = rng.random(len(df)) < 0.7
        df["s"] = sensitive
        out = suppress_table(df, names, "s", 4, "<5", total_row="Total", total_col="total")
        hidden = out[names + ["total"]].isin(["<5", SECONDARY_LABEL]).to_numpy()
        body, totals = hidden[:-1], hidden[-1]
        # A row total shown: nothing hidden in that row.
        assert not (body[:, :-1].any(axis=1) & ~body[:, -1]).any()
        # A column total shown (the grand total included): nothing hidden above it.
        assert not (body.any(axis=0) & ~totals).any()
        # The grand total shown: no column total hidden.
        assert totals[-1] or not totals[:-1].any()
        # Every small count of a sensitive row shows the label, never the number.
        small = (cells >= 1) & (cells <= 4) & sensitive[:-1, None]
        assert (out[names].to_numpy()[:-1][small] == "<5").all()
        # No total over a hidden count shows the label (which would bound what is under it).
        primary = out[names].to_numpy()[:-1] == "<5"
        assert not (primary.any(axis=1) & (out["total"].to_numpy()[:-1] == "<5")).any()
        assert not (primary.any(axis=0) & (out[names].to_numpy()[-1] == "<5")).any()


def test_the_total_row_is_found_by_label_or_refused():
    df = pd.DataFrame({"area": ["North", "All"], "x": [2, 2]})
    out = suppress_table(df, ["x"], True, 4, "<5", total_row="All")
    assert out["x"].tolist() == ["<5", SECONDARY_LABEL]
    with pytest.raises(ValueError, match="total row 'Everything' is neither an index label nor in the column 'area'"):
        suppress_table(df, ["x"], True, 4, "<5", total_row="Everything")
    with pytest.raises(ValueError, match="columns not in the table: y"):
        suppress_table(df, ["y"], True, 4, "<5")


def test_the_note_says_what_the_labels_mean():
    assert disclosure_note(4, "<5") == (
        "For indicators marked sensitive, counts from 1 to 4 show as '<5' so that nobody can be identified; "
        "'[c]' marks a total hidden because it would give back such a count. A zero is shown.")
    assert disclosure_note(0, "<1").startswith("Disclosure control is off")
