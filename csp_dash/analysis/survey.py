"""Community survey statistics: headline percentages with Wilson intervals, the change between
waves with a two-proportion test, the strategy's published 2018 results, breakdowns with
small-group suppression, and residents' perception beside recorded crime.

A percentage is the share of those answering who gave the positive answer; "Don't know" and
blanks are left out of the base (docs/data/survey.md, "Percentages"). Method notes are in
docs/methods.md, "Community survey". Pure functions: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact, norm

from csp_dash.analysis import series as S
from csp_dash.analysis.geography import RURAL
from csp_dash.analysis.redaction import redact
from csp_dash.analysis.significance import format_p
from csp_dash.ingest.survey import (
    COLUMN_SCALES,
    EXCLUDED_FROM_BASE,
    ISSUE_ITEMS,
    ISSUE_PREFIX,
    STATEMENTS,
    positive_answers,
)

# What each statement's percentage measures, in the words the strategy reports it.
STATEMENT_LABELS: dict[str, str] = {
    "get_on_well_together": "People in my local area get on well together",
    "safe_place_to_live": "{area} is a safe place to live",
    "concerned_about_crime": "Concerned about crime in my area",
}
POSITIVE_MEANS: dict[str, str] = {
    "agreement": "strongly agree or agree",
    "concern": "very or fairly concerned",
    "issue": "yes, an issue",
}

# "What you told us" in the strategy: the 2018 wave (just under 700 responses, May to November 2018).
PUBLISHED_WAVE = "2018"
PUBLISHED_2018: dict[str, float] = {
    "get_on_well_together": 88.0,
    "concerned_about_crime": 90.0,
    "safe_place_to_live": 54.0,
    "issue_fly_tipping": 83.0,
    "issue_drinking_rowdy": 45.0,
    "issue_dog_fouling": 80.0,
    "issue_violent_crime": 59.0,
    "issue_vehicle_crime": 86.0,
    "issue_burglary": 92.0,
}

BREAKDOWNS: dict[str, str] = {"area": "Town or area", "age_band": "Age band", "gender": "Gender"}
NOT_GIVEN = "Not given"
RURAL_PREFIX = "rural"

# Issue items with a police.uk category recording the same thing. Drug dealing is left out:
# police.uk's "Drugs" counts police finds, which measure activity more than prevalence.
ISSUE_CRIME_CATEGORIES: dict[str, str] = {
    "issue_burglary": "Burglary",
    "issue_vehicle_crime": "Vehicle crime",
    "issue_violent_crime": "Violence and sexual offences",
    "issue_asb": "Anti-social behaviour",
}

HEADLINE_COLUMNS = ["question", "label", "kind", "positive_means", "positive", "n", "pct", "ci_low", "ci_high"]
CHANGE_COLUMNS = ["question", "label", "kind", "pct", "n", "pct_before", "n_before", "difference", "p_value",
                  "significant", "test", "words"]
ALPHA = 0.05
Z_TEST = "two-proportion z-test (pooled)"
FISHER = "Fisher's exact test"


# -- intervals and tests ------------------------------------------------------------------------

def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions (0 to 1).

    Matches ``statsmodels.stats.proportion.proportion_confint(method="wilson")``. With n = 0
    the interval is (nan, nan).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    if n == 0:
        return (float("nan"), float("nan"))
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # 0 and n successes give exactly 0 and 1; the formula leaves rounding noise there.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """Two-sided p-value for a difference between x1/n1 and x2/n2, and the test used.

    The pooled two-proportion z-test (as ``statsmodels.stats.proportion.proportions_ztest``),
    or Fisher's exact test when an expected cell count is under 5, where the normal
    approximation fails. Returns (nan, "") when either base is 0.
    """
    if n1 == 0 or n2 == 0:
        return float("nan"), ""
    pooled = (x1 + x2) / (n1 + n2)
    expected = [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)]
    if min(expected) < 5:
        _, p = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
        return float(p), FISHER
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * norm.sf(abs(z))), Z_TEST


def change_words(difference: float, p_value: float, alpha: float = ALPHA) -> str:
    """"up 5 points, unlikely to be chance (p = 0.004)" for a change in percentage points."""
    if not math.isfinite(difference):
        return ""
    size = math.floor(abs(difference) + 0.5)
    if size == 0:
        what = "no change in whole points"
    else:
        what = f"{'up' if difference > 0 else 'down'} {size} point{'s' if size != 1 else ''}"
    if not math.isfinite(p_value):
        return what
    significant = p_value < alpha
    verdict = "unlikely to be chance" if significant else "could be chance"
    return f"{what}, {verdict} ({format_p(p_value, alpha, significant)})"


# -- the answers in long form -------------------------------------------------------------------

def waves(responses: pd.DataFrame) -> list[str]:
    """The waves held, in order (numeric names by number)."""
    names = sorted(set(responses["wave"].dropna().astype(str)))
    return sorted(names, key=lambda w: (0, float(w), w) if _is_number(w) else (1, 0.0, w))


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def previous_wave(held: list[str], wave: str) -> str | None:
    """The wave before ``wave`` in ``held`` (as ``waves`` orders them), or None."""
    i = held.index(wave) if wave in held else -1
    return held[i - 1] if i > 0 else None


def _check_wave(responses: pd.DataFrame, wave: str) -> None:
    held = waves(responses)
    if wave not in held:
        raise ValueError(f"wave '{wave}' is not in the survey; waves held: {', '.join(held) or 'none'}")


def statement_label(question: str, area_name: str) -> str:
    return STATEMENT_LABELS[question].format(area=area_name)


def question_order(questions) -> list[str]:
    """Statements first, then the standard issue items as the survey asks them, then any others."""
    known = list(STATEMENTS) + list(ISSUE_ITEMS)
    present = set(questions)
    return [q for q in known if q in present] + sorted(present - set(known))


def scores(responses: pd.DataFrame, answers: pd.DataFrame, wave: str) -> pd.DataFrame:
    """One row per response and question answered (in the base) in ``wave``.

    Columns: question, positive (bool), and the response's area, age_band and gender (blank
    as ``NOT_GIVEN``; the area, typed by the respondent, redacted), all but positive categorical.
    """
    r = responses.loc[responses["wave"] == wave]
    rows, questions, positive = [], [], []
    for question in STATEMENTS:
        if question not in r:
            continue
        value = r[question]
        base = (value.notna() & ~value.isin(EXCLUDED_FROM_BASE)).to_numpy(dtype=bool)
        at = np.flatnonzero(base)
        rows.append(at)
        questions.append(np.full(len(at), question, dtype=object))
        positive.append(value.isin(positive_answers(question)).to_numpy(dtype=bool)[at])
    a = answers.loc[(answers["wave"] == wave) & answers["answer"].isin(("Yes", "No"))]
    at = pd.Index(r["response_id"].to_numpy(dtype=object)).get_indexer(a["response_id"].to_numpy(dtype=object))
    known = at >= 0  # answers always belong to a stored response; a stray one is not counted
    rows.append(at[known])
    questions.append((ISSUE_PREFIX + a["item"]).to_numpy(dtype=object)[known])
    positive.append(a["answer"].isin(positive_answers(ISSUE_PREFIX + "item")).to_numpy(dtype=bool)[known])
    at = np.concatenate(rows)
    long = pd.DataFrame({"question": pd.Categorical(np.concatenate(questions)),
                         "positive": np.concatenate(positive)})
    for col in BREAKDOWNS:
        values = r[col].astype("object")
        values = values.where(values.notna(), "").map(str).str.strip()
        values = values.where(values != "", NOT_GIVEN)
        if col == "area":
            values = values.map(_area_names(values))
        long[col] = pd.Categorical(values.to_numpy(dtype=object))[at]
    return long


def _area_names(values: pd.Series) -> dict[str, str]:
    """Each typed area's group name: spellings differing only in case or spacing are one group,
    named by its most common spelling; redacted, as the respondent typed it."""
    counts = values.value_counts()
    key = counts.index.map(lambda v: " ".join(v.lower().split()))
    names = {}
    for k in dict.fromkeys(key):
        spellings = counts[key == k]
        best = sorted(spellings.index, key=lambda v: (-spellings[v], v))[0]
        for v in spellings.index:
            names[v] = best if best == NOT_GIVEN else redact(best)
    return names


def question_labels(answers: pd.DataFrame, wave: str, area_name: str) -> dict[str, str]:
    """Each question's label: the statement as the strategy reports it, or the issue item as asked."""
    labels = {q: statement_label(q, area_name) for q in STATEMENTS}
    a = answers.loc[answers["wave"] == wave, ["item", "label"]].drop_duplicates("item")
    labels.update(zip(ISSUE_PREFIX + a["item"].astype(str), a["label"].astype(str)))
    return labels


def wilson_percent(positive: np.ndarray, n: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """``wilson_interval`` for arrays of counts, in percent (nan where n is 0)."""
    x = np.asarray(positive, dtype=float)
    n = np.asarray(n, dtype=float)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1) * 100, np.clip(centre + half, 0, 1) * 100


def _summarise(long: pd.DataFrame, by: list[str], labels: dict[str, str]) -> pd.DataFrame:
    """label, kind, positive, n, pct and the Wilson 95% interval (percent) per group of ``by``."""
    table = long.groupby(by, sort=False, observed=True)["positive"].agg(["sum", "size"]).reset_index()
    table = table.rename(columns={"sum": "positive", "size": "n"})
    for col in by:
        table[col] = table[col].astype(str)
    table["positive"] = table["positive"].astype("int64")
    table["n"] = table["n"].astype("int64")
    question = table["question"] if "question" in table else pd.Series(long["question"].iloc[0], index=table.index)
    table.insert(len(by), "label", question.map(labels).to_numpy())
    table.insert(len(by) + 1, "kind", np.where(question.str.startswith(ISSUE_PREFIX), "issue", "statement"))
    table["pct"] = table["positive"] / table["n"] * 100
    table["ci_low"], table["ci_high"] = wilson_percent(table["positive"].to_numpy(), table["n"].to_numpy())
    return table


def _positive_means(question: str) -> str:
    scale = "issue" if question.startswith(ISSUE_PREFIX) else COLUMN_SCALES[question]
    return POSITIVE_MEANS[scale]


# -- headline, change, published ----------------------------------------------------------------

def headline(responses: pd.DataFrame, answers: pd.DataFrame, wave: str,
             area_name: str = "The area") -> pd.DataFrame:
    """The wave's headline results: one row per statement and issue item answered.

    Returns
    -------
    question (the export's column name, e.g. ``issue_burglary``), label, kind ("statement" or
    "issue"), positive_means, positive, n (those answering), pct, ci_low, ci_high (percent,
    Wilson 95%). Raises ValueError for a wave not in ``responses``.
    """
    _check_wave(responses, wave)
    long = scores(responses, answers, wave)
    if long.empty:
        return pd.DataFrame(columns=HEADLINE_COLUMNS)
    table = _summarise(long, ["question"], question_labels(answers, wave, area_name))
    table["positive_means"] = table["question"].map(_positive_means)
    table = table.set_index("question").loc[question_order(table["question"])].reset_index()
    return table[HEADLINE_COLUMNS]


def wave_change(responses: pd.DataFrame, answers: pd.DataFrame, wave: str, previous: str,
                area_name: str = "The area", alpha: float = ALPHA) -> pd.DataFrame:
    """Each question asked in both waves: the percentage now and before and a test of the change.

    Returns
    -------
    question, label, kind, pct, n, pct_before, n_before, difference (percentage points,
    now minus before), p_value (two-sided; ``two_proportion_test``), significant (p < alpha),
    test (which test), words ("up 5 points, unlikely to be chance (p = 0.004)").
    """
    now = headline(responses, answers, wave, area_name)
    before = headline(responses, answers, previous, area_name)
    both = now.merge(before[["question", "positive", "n", "pct"]], on="question", suffixes=("", "_before"))
    rows = []
    for r in both.itertuples(index=False):
        p, test = two_proportion_test(int(r.positive), int(r.n), int(r.positive_before), int(r.n_before))
        difference = r.pct - r.pct_before
        rows.append({"question": r.question, "label": r.label, "kind": r.kind, "pct": r.pct, "n": r.n,
                     "pct_before": r.pct_before, "n_before": r.n_before, "difference": difference,
                     "p_value": p, "significant": bool(p < alpha) if math.isfinite(p) else False, "test": test,
                     "words": change_words(difference, p, alpha)})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def published_comparison(headline_2018: pd.DataFrame, published: dict[str, float] | None = None) -> pd.DataFrame:
    """Our figures beside the strategy's published ones, for each published question we hold.

    Returns
    -------
    question, label, published, ours, difference (ours minus published, points), n, ci_low,
    ci_high, interval_contains (whether our 95% interval contains the published value; the
    published figures are whole percents, so a value within half a point of the interval counts).
    """
    published = PUBLISHED_2018 if published is None else published
    ours = headline_2018.set_index("question")
    rows = []
    for question, value in published.items():
        if question not in ours.index:
            continue
        r = ours.loc[question]
        rows.append({"question": question, "label": r["label"], "published": float(value), "ours": r["pct"],
                     "difference": r["pct"] - value, "n": int(r["n"]), "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"],
                     "interval_contains": bool(r["ci_low"] - 0.5 <= value <= r["ci_high"] + 0.5)})
    return pd.DataFrame(rows, columns=["question", "label", "published", "ours", "difference", "n", "ci_low",
                                       "ci_high", "interval_contains"])


# -- breakdowns with suppression ----------------------------------------------------------------

def hidden_groups(n: pd.Series, min_group_n: int, not_shown: pd.Series | None = None) -> pd.Series:
    """Which groups to hide: those answered by fewer than ``min_group_n``, and then, while the
    hidden groups together number fewer than ``min_group_n`` people, the smallest shown group
    too, so a hidden figure cannot be worked out from the total by subtraction.

    ``n`` is the number answering in each group (one partition of the respondents);
    ``not_shown`` marks groups never shown anyway (they count as hidden). Returns a bool
    Series aligned with ``n``.
    """
    hide = n < min_group_n
    if not_shown is not None:
        hide |= not_shown.reindex(n.index, fill_value=False).astype(bool)
    while hide.any() and 0 < n[hide].sum() < min_group_n and (~hide).any():
        hide[n[~hide].idxmin()] = True
    return hide


def _group_order(by: str, groups) -> list[str]:
    from csp_dash.ingest.survey import AGE_BANDS, GENDERS

    present = list(dict.fromkeys(groups))
    if by in ("age_band", "gender"):
        fixed = [g for g in (AGE_BANDS if by == "age_band" else GENDERS) if g in present]
        rest = sorted(g for g in present if g not in fixed and g != NOT_GIVEN)
    else:
        fixed = []
        rest = sorted((g for g in present if g != NOT_GIVEN), key=lambda g: (g.lower().startswith(RURAL_PREFIX), g))
    return fixed + rest + ([NOT_GIVEN] if NOT_GIVEN in present else [])


@dataclass(frozen=True)
class Breakdown:
    """A breakdown's shown cells and, per question, how many groups were hidden."""

    by: str
    table: pd.DataFrame  # group, question, label, kind, positive, n, pct, ci_low, ci_high (shown cells only)
    hidden: dict[str, int] = field(default_factory=dict)
    min_group_n: int = 10

    def hidden_note(self, question: str) -> str:
        k = self.hidden.get(question, 0)
        if not k:
            return ""
        return (f"{k} group{'s' if k != 1 else ''} hidden: fewer than {self.min_group_n} people in "
                f"{'them' if k != 1 else 'it'} answered, or hiding {'them' if k != 1 else 'it'} stops a small "
                f"group's figure being worked out from the total.")


def breakdown(responses: pd.DataFrame, answers: pd.DataFrame, wave: str, by: str, min_group_n: int,
              area_name: str = "The area") -> Breakdown:
    """Every question by ``by`` ("area", "age_band" or "gender"), small groups suppressed.

    A group answered by fewer than ``min_group_n`` people is not returned (see
    ``hidden_groups``); ``Breakdown.hidden`` says how many were hidden per question. Blank
    answers to ``by`` form the group ``NOT_GIVEN``.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}")
    _check_wave(responses, wave)
    long = scores(responses, answers, wave)
    cells = _summarise(long.rename(columns={by: "group"}), ["question", "group"],
                       question_labels(answers, wave, area_name))
    shown, hidden = [], {}
    for question, part in cells.groupby("question", sort=False):
        hide = hidden_groups(part.set_index("group")["n"], min_group_n)
        hidden[question] = int(hide.sum())
        shown.append(part[~part["group"].map(hide).to_numpy(dtype=bool)])
    table = pd.concat(shown, ignore_index=True) if shown else cells.iloc[0:0]
    order = {g: i for i, g in enumerate(_group_order(by, long[by]))}
    qorder = {q: i for i, q in enumerate(question_order(cells["question"]))}
    table = table.assign(_q=table["question"].map(qorder), _g=table["group"].map(order))
    table = table.sort_values(["_q", "_g"]).drop(columns=["_q", "_g"]).reset_index(drop=True)
    return Breakdown(by=by, table=table[["group", "question", "label", "kind", "positive", "n", "pct", "ci_low",
                                         "ci_high"]],
                     hidden={q: hidden.get(q, 0) for q in question_order(cells["question"])},
                     min_group_n=min_group_n)


def suppress_small(table: pd.DataFrame, min_group_n: int) -> tuple[pd.DataFrame, int]:
    """Rows of a headline-like table with n of at least ``min_group_n``, and how many were dropped
    (for a town's own results, where the whole table is one group)."""
    keep = table["n"] >= min_group_n
    return table[keep].reset_index(drop=True), int((~keep).sum())


def respondents_in(responses: pd.DataFrame, answers: pd.DataFrame, place: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The responses (and their answers) giving ``place`` as their area, ignoring case and spaces."""
    wanted = place.strip().lower()
    keep = responses["area"].fillna("").astype(str).str.strip().str.lower() == wanted
    r = responses[keep]
    ids = set(zip(r["wave"], r["response_id"]))
    a = answers[[k in ids for k in zip(answers["wave"], answers["response_id"])]]
    return r, a


# -- perception against recorded crime ----------------------------------------------------------

def place_lsoas(places, area_lsoas: pd.DataFrame) -> dict[str, tuple[str, tuple[str, ...]]]:
    """For each survey area: (the configured town or ``RURAL`` it maps to, that place's LSOA codes).

    A survey area equal to a town's name (ignoring case and spaces) is that town; one starting
    "Rural" is every LSOA outside the towns (``RURAL``). Others map to nothing and are left out.
    """
    towns = area_lsoas.groupby("town")["code"].agg(lambda c: tuple(sorted(c)))
    by_name = {str(t).strip().lower(): t for t in towns.index}
    out = {}
    for place in dict.fromkeys(p for p in places if isinstance(p, str) and p.strip()):
        key = place.strip().lower()
        town = RURAL if key.startswith(RURAL_PREFIX) else by_name.get(key)
        if town is not None and town in towns.index:
            out[place] = (town, towns[town])
    return out


@dataclass(frozen=True)
class Perception:
    """Perception beside recorded crime, with the window of months and what limited it."""

    table: pd.DataFrame
    months: pd.DatetimeIndex
    notes: tuple[str, ...] = ()
    hidden: dict[str, int] = field(default_factory=dict)

    @property
    def period_label(self) -> str:
        return f"{self.months[0]:%b %Y} to {self.months[-1]:%b %Y}" if len(self.months) else ""


PERCEPTION_COLUMNS = ["place", "question", "label", "category", "n", "positive", "pct", "ci_low", "ci_high",
                      "recorded", "residents", "rate_per_1000", "lsoas"]
OTHER_PLACE = "Matching no town"


def perception_window(responses: pd.DataFrame, wave: str) -> pd.DatetimeIndex:
    """The 12 months ending with the month of the wave's last response."""
    last = pd.Timestamp(responses.loc[responses["wave"] == wave, "date_submitted"].max())
    end = last.to_period("M").to_timestamp()
    return pd.date_range(end=end, periods=12, freq="MS")


def perception_vs_recorded(responses: pd.DataFrame, answers: pd.DataFrame, wave: str, crimes: pd.DataFrame,
                           area_lsoas: pd.DataFrame, population: pd.DataFrame | None, min_group_n: int,
                           area_name: str = "The area") -> Perception:
    """For each issue item with a matching police.uk category: the share saying it is an issue,
    beside the recorded rate per 1,000 residents, for the whole area and each town (and the
    rural rest) that survey areas map to (``place_lsoas``).

    Recorded crime is counted over ``perception_window`` (12 months to the wave's last
    response); residents come from ``series.denominators`` (mean over those months). With no
    population, or crime data not covering all 12 months, rates are NaN and a note says why:
    no denominator is ever invented. Places answered by fewer than ``min_group_n`` are hidden
    (``hidden_groups``; respondents giving no area, or one matching no town, are part of the
    whole area but never shown on their own).

    Returns
    -------
    Perception: table with place (the whole area first, then towns, then ``RURAL``), question,
    label, category, n, positive, pct, ci_low, ci_high, recorded, residents, rate_per_1000,
    lsoas (count); months; notes; hidden (places hidden per question).
    """
    _check_wave(responses, wave)
    months = perception_window(responses, wave)
    long = scores(responses, answers, wave)
    long = long[long["question"].isin(list(ISSUE_CRIME_CATEGORIES))]
    labels = question_labels(answers, wave, area_name)
    mapping = place_lsoas(long["area"].unique(), area_lsoas)
    long = long.assign(place=long["area"].map(
        lambda a: mapping[a][0] if a in mapping else (NOT_GIVEN if a == NOT_GIVEN else OTHER_PLACE)).astype(str))
    codes_of = {town: codes for town, codes in mapping.values()}
    notes: list[str] = []
    held = set(pd.DatetimeIndex(crimes["month"].unique())) if len(crimes) else set()
    covered = all(m in held for m in months)
    if not covered:
        notes.append(f"The crime data does not cover every month from {months[0]:%b %Y} to {months[-1]:%b %Y}, "
                     "so recorded rates are not shown.")
    window = crimes[crimes["month"].isin(months) & crimes["category"].isin(list(ISSUE_CRIME_CATEGORIES.values()))]
    all_codes = tuple(sorted(area_lsoas["code"]))
    residents_of: dict[tuple[str, ...], float] = {}

    def residents(codes: tuple[str, ...]) -> float:
        if codes not in residents_of:
            denoms = S.denominators(population, list(codes), months)
            residents_of[codes] = (float("nan") if denoms is None or not denoms.complete
                                   else float(denoms.population.mean()))
        return residents_of[codes]

    def recorded(category: str, codes: tuple[str, ...] | None) -> tuple[float, float, float]:
        if not covered:
            return (float("nan"),) * 3
        rows = window[window["category"] == category]
        # The whole area counts every record placed in it, as the district scope does elsewhere.
        count = len(rows) if codes is None else int(rows["lsoa_code"].isin(codes).sum())
        people = residents(codes or all_codes)
        return float(count), people, count / people * 1000

    def row(place: str, question: str, stats: pd.Series, codes: tuple[str, ...] | None) -> dict:
        category = ISSUE_CRIME_CATEGORIES[question]
        count, people, rate = recorded(category, codes)
        return {"place": place, "question": question, "label": labels.get(question, question), "category": category,
                "n": int(stats["n"]), "positive": int(stats["positive"]), "pct": stats["pct"],
                "ci_low": stats["ci_low"], "ci_high": stats["ci_high"], "recorded": count, "residents": people,
                "rate_per_1000": rate, "lsoas": len(codes or all_codes)}

    rows, hidden = [], {}
    towns = [t for t in dict.fromkeys(area_lsoas["town"]) if t != RURAL]
    order = sorted(towns) + [RURAL]
    for question in question_order(long["question"].astype(str).unique()):
        part = long[long["question"] == question]
        rows.append(row(area_name, question, _summarise(part, ["question"], labels).iloc[0], None))
        groups = _summarise(part, ["place"], labels).set_index("place")
        hide = hidden_groups(groups["n"], min_group_n,
                             not_shown=pd.Series({g: g not in codes_of for g in groups.index}, dtype=bool))
        hidden[question] = int((hide & groups.index.isin(list(codes_of))).sum())
        for place in order:
            if place in groups.index and not hide[place]:
                rows.append(row(place, question, groups.loc[place], codes_of[place]))
    if any(math.isnan(v) for v in residents_of.values()):
        notes.append("No population is loaded for some of these LSOAs, so their rates are not shown.")
    unmatched = sorted({a for a in long["area"].unique() if a not in mapping and a != NOT_GIVEN})
    if unmatched:
        notes.append(f"{len(unmatched)} survey area{'s' if len(unmatched) != 1 else ''} match no configured town "
                     f"and do not start 'Rural', so {'they count' if len(unmatched) != 1 else 'it counts'} only in "
                     f"the whole area.")
    return Perception(table=pd.DataFrame(rows, columns=PERCEPTION_COLUMNS), months=months, notes=tuple(notes),
                      hidden=hidden)
