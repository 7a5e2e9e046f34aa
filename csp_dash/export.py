"""Downloads: CSV that is safe to open in a spreadsheet.

A cell beginning with =, +, -, @, a tab or a carriage return can be run as a formula by
Excel or LibreOffice ("CSV injection"). Such text cells get a leading apostrophe, which
spreadsheets show as plain text. Numbers are left alone: -3 stays a number.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot be taken for formulas."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark so that Excel reads accents correctly."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")
