"""Free-text themes from a transparent keyword dictionary (``[[survey.themes]]`` in csp.toml).

A comment belongs to a theme when one of the theme's keywords starts a word in it, ignoring
case: "patrol" matches "patrols" and "Patrolling" but not "outpatrol"; a keyword of several
words ("young people") matches them with any spacing between. A comment can belong to several
themes and is counted in each. The quotes these functions return are redacted.
"""

from __future__ import annotations

import re

import pandas as pd

from csp_dash.analysis.redaction import redact
from csp_dash.config import Theme

NO_THEME = "No theme matched"


def keyword_pattern(keywords: tuple[str, ...] | list[str]) -> re.Pattern | None:
    """One case-insensitive pattern matching any keyword at the start of a word (None if no keywords)."""
    parts = []
    for word in keywords:
        word = word.strip()
        if word:
            parts.append(r"\s+".join(re.escape(w) for w in word.split()))
    if not parts:
        return None
    # Longest first, so the reported keyword is the most specific one ("visible" before "visib").
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE)


def _texts(comments: pd.Series) -> pd.Series:
    text = comments.astype("object").where(comments.notna(), "")
    return text.map(str).str.strip()


def theme_matches(comments: pd.Series, themes: tuple[Theme, ...]) -> pd.DataFrame:
    """For each comment (rows, same index) and theme (columns): whether the theme matches."""
    text = _texts(comments)
    out = {}
    for theme in themes:
        pattern = keyword_pattern(theme.keywords)
        out[theme.name] = (text.str.contains(pattern, regex=True) if pattern is not None
                           else pd.Series(False, index=text.index)).astype(bool)
    return pd.DataFrame(out, index=comments.index, columns=[t.name for t in themes])


def theme_counts(comments: pd.Series, themes: tuple[Theme, ...]) -> pd.DataFrame:
    """Comments per theme, blank comments left out.

    Returns
    -------
    One row per theme in the dictionary's order, then ``NO_THEME``: theme, comments (the
    number matching), pct (of the non-blank comments; the column sums to more than 100 when
    comments match several themes), keywords (as configured, comma-separated).
    """
    text = _texts(comments)
    answered = text[text != ""]
    matches = theme_matches(answered, themes)
    total = len(answered)
    rows = [{"theme": t.name, "comments": int(matches[t.name].sum()), "keywords": ", ".join(t.keywords)}
            for t in themes]
    rows.append({"theme": NO_THEME, "comments": int((~matches.any(axis=1)).sum()) if total else 0,
                 "keywords": ""})
    table = pd.DataFrame(rows, columns=["theme", "comments", "keywords"])
    table.insert(2, "pct", table["comments"] / total * 100 if total else float("nan"))
    return table


def examples(comments: pd.Series, themes: tuple[Theme, ...], per_theme: int = 3) -> pd.DataFrame:
    """Up to ``per_theme`` redacted quotes per theme: the first distinct matching comments,
    those in this theme alone before those in several (they illustrate it best).

    Returns
    -------
    theme, quote (redacted), matched (the keywords found in it, as the reader can check).
    """
    text = _texts(comments)
    text = text[text != ""].reset_index(drop=True)
    matches = theme_matches(text, themes)
    breadth = matches.sum(axis=1)
    rows = []
    for theme in themes:
        picked: list[str] = []
        mine = breadth[matches[theme.name]].sort_values(kind="stable")
        for comment in text[mine.index]:
            quote = redact(comment)
            if quote not in picked:
                picked.append(quote)
                rows.append({"theme": theme.name, "quote": quote,
                             "matched": ", ".join(matched_keywords(comment, theme))})
            if len(picked) >= per_theme:
                break
    return pd.DataFrame(rows, columns=["theme", "quote", "matched"])


def matched_keywords(text: str, theme: Theme) -> list[str]:
    """The keywords of ``theme`` found in ``text``, as configured, in the dictionary's order."""
    hits = []
    for keyword in theme.keywords:
        pattern = keyword_pattern((keyword,))
        if pattern is not None and pattern.search(text):
            hits.append(keyword)
    return hits
