"""Statistical disclosure control for sensitive counts, on screen, in downloads and in exports.

Primary suppression: a count of a sensitive indicator from 1 to the threshold (csp.toml
[disclosure] threshold, default 4) is shown as the label ("<5"). A zero is shown: it says
that nothing was recorded, which identifies nobody, and hiding zeros too would blank most
of a rare series (and the label would then have to mean "0 to 4", which readers misread).

Secondary suppression: a total is hidden (``SECONDARY_LABEL``) when any value it adds up
is hidden, because the total minus the values shown gives back the hidden one. Hiding
the total, rather than a second cell beside the hidden one, is deliberate: a second cell
that is shown as hidden but is known to be above the threshold still leaks (a hidden 1
and a hidden 5 under a total of 6 can only be 1 and 5), and two hidden cells whose sum is
known can be recovered when that sum is 2. A total that adds up a hidden value shows
``SECONDARY_LABEL`` even when it is itself small: "<5" on it would bound the values hidden
under it (four hidden counts under a total below 5 can only be 1 each). docs/methods.md
"Priorities: status and disclosure" gives the reasoning.

Only rows marked sensitive are ever suppressed. Pure functions; values in, display strings out.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

# Statistical bulletins' symbol for a figure withheld for confidentiality (GSS guidance).
SECONDARY_LABEL = "[c]"


def display_number(value: float) -> str:
    """A figure as the page shows it: '1,234', '6.1', '0.25'; blank for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def plain_number(value: float) -> str:
    """A figure as a download gives it: no thousands separators ('1234', '6.1')."""
    return display_number(value).replace(",", "")


def is_suppressed(value: float, threshold: int) -> bool:
    """True for a count from 1 to ``threshold`` (any value above 0 and at most the threshold)."""
    return threshold > 0 and value is not None and not pd.isna(value) and 0 < float(value) <= threshold


def suppressed_mask(values: pd.Series, sensitive: pd.Series | bool, threshold: int) -> pd.Series:
    """Which values primary suppression hides: sensitive and above 0 and at most ``threshold``."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    flag = _sensitive(sensitive, values.index)
    small = (numbers > 0) & (numbers <= threshold) if threshold > 0 else pd.Series(False, index=values.index)
    return (flag & small.fillna(False)).astype(bool)


def suppress(values: pd.Series, sensitive: pd.Series | bool, threshold: int, label: str,
             fmt: Callable[[float], str] = display_number) -> pd.Series:
    """Values as display strings, with sensitive counts from 1 to ``threshold`` as ``label``.

    Parameters
    ----------
    values : numbers (NaN for no figure, shown blank).
    sensitive : one flag for every value, or a Series of flags aligned with ``values``.
    threshold : the largest count hidden; 0 hides nothing.
    label : what a hidden count shows, e.g. "<5".
    fmt : how a shown number is written (``display_number`` on screen, ``plain_number`` in CSV).
    """
    hidden = suppressed_mask(values, sensitive, threshold)
    shown = pd.Series([fmt(v) for v in pd.to_numeric(values, errors="coerce")], index=values.index, dtype=object)
    shown[hidden] = label
    return shown


def suppress_table(df: pd.DataFrame, value_cols: list[str], sensitive_col_or_bool: str | bool, threshold: int,
                   label: str, total_row: str | None = None, total_col: str | None = None,
                   fmt: Callable[[float], str] = display_number) -> pd.DataFrame:
    """A table with its value columns as display strings, small sensitive counts hidden.

    Parameters
    ----------
    df : one row per thing counted (an indicator, an area...), numbers in ``value_cols``.
    value_cols : the columns of counts (e.g. one per period). They are the cells a total adds up.
    sensitive_col_or_bool : the name of a boolean column saying which rows are sensitive, or
        one flag for every row.
    threshold, label : as for ``suppress``.
    total_row : the label of a row holding column totals, found in the index or in the first
        column that is not a value column; that row is sensitive if any other row is.
    total_col : a column holding each row's total of ``value_cols`` (it may be one of them or not).
    fmt : how a shown number is written.

    Returns
    -------
    A copy with ``value_cols`` and ``total_col`` as strings: primary suppression shows
    ``label``; a total adding up a suppressed value shows ``SECONDARY_LABEL`` (even when it
    is itself from 1 to ``threshold``). Other columns, and every cell of a row that is not
    sensitive, are unchanged.
    """
    cells = [c for c in value_cols if c != total_col]
    numeric = list(cells) + ([total_col] if total_col else [])
    missing = [c for c in numeric + ([sensitive_col_or_bool] if isinstance(sensitive_col_or_bool, str) else [])
               if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the table: {', '.join(map(str, missing))}")
    if isinstance(sensitive_col_or_bool, str):
        sensitive = df[sensitive_col_or_bool].fillna(False).to_numpy(dtype=bool)
    else:
        sensitive = np.full(len(df), bool(sensitive_col_or_bool))

    is_total = _total_row_mask(df, total_row, numeric)
    if is_total.any():
        sensitive = sensitive | (is_total & bool(sensitive[~is_total].any()))

    values = np.column_stack([pd.to_numeric(df[c], errors="coerce").to_numpy(dtype="float64") for c in numeric])
    with np.errstate(invalid="ignore"):
        small = (values > 0) & (values <= threshold) if threshold > 0 else np.zeros(values.shape, bool)
    primary = small & sensitive[:, None]
    secondary = np.zeros(values.shape, bool)
    n_cells = len(cells)  # value columns first, then the total column if any
    # A total adding up a hidden value shows SECONDARY_LABEL, not the label, even when it is
    # itself small (the label is written first, so SECONDARY_LABEL overwrites it): "<5" would
    # say the hidden values under it sum to less than 5.
    if total_col:
        # A row total is hidden when any cell of that row is hidden.
        secondary[:, -1] = primary[:, :n_cells].any(axis=1) & sensitive
    if is_total.any():
        body = ~is_total
        # A column total is hidden when any cell above it is hidden (for the total column,
        # that makes the grand total hidden whenever a row total is: subtracting the row
        # totals shown from it would give back the hidden one).
        hides = (primary | secondary)[body].any(axis=0)
        secondary[is_total] |= hides[None, :]
        if total_col:
            # The grand total also equals the column totals added up: hide it if any is hidden.
            column_totals_hidden = (primary | secondary)[is_total][:, :n_cells].any(axis=1)
            secondary[is_total, -1] |= column_totals_hidden

    out = df.copy()
    for j, c in enumerate(numeric):
        text = np.array([fmt(v) for v in values[:, j]], dtype=object)
        text[primary[:, j]] = label
        text[secondary[:, j]] = SECONDARY_LABEL
        out[c] = text
    return out


def disclosure_note(threshold: int, label: str) -> str:
    """The sentence that goes beside any table or chart that may hide values."""
    if threshold <= 0:
        return "Disclosure control is off ([disclosure] threshold = 0): every count is shown."
    small = "1" if threshold == 1 else f"1 to {threshold}"
    return (f"For indicators marked sensitive, counts from {small} show as '{label}' so that nobody can be "
            f"identified; '{SECONDARY_LABEL}' marks a total hidden because it would give back such a count. "
            f"A zero is shown.")


def _sensitive(sensitive: pd.Series | bool, index: pd.Index) -> pd.Series:
    if isinstance(sensitive, pd.Series):
        return sensitive.reindex(index).fillna(False).astype(bool)
    return pd.Series(bool(sensitive), index=index)


def _total_row_mask(df: pd.DataFrame, total_row: str | None, numeric: list[str]) -> np.ndarray:
    if total_row is None:
        return np.zeros(len(df), bool)
    in_index = np.asarray(df.index == total_row, dtype=bool)
    if in_index.any():
        return in_index
    labels = [c for c in df.columns if c not in numeric]
    if labels:
        found = (df[labels[0]].astype(object) == total_row).fillna(False).to_numpy(dtype=bool)
        if found.any():
            return found
    raise ValueError(f"total row {total_row!r} is neither an index label nor in the column "
                     f"{labels[0] if labels else '(none)'!r}")
