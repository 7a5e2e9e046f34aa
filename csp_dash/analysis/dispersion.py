"""How much more monthly counts vary than Poisson counts would: the one dispersion measure that
the control charts (which chart to draw) and the tests of change (exact Poisson or
quasi-Poisson) both read.

Method (docs/methods.md, "Overdispersion"): within each group of months whose rate is taken as
constant (one period of a comparison, or a control chart's baseline), each month's expected
count is the group's rate times the month's exposure. Pearson's statistic
X² = Σ (x - μ)² / μ, on Σ (months in the group - 1) degrees of freedom, estimates the
dispersion φ = X² / df (1 for Poisson counts) and tests it: under Poisson variation X² is
chi-squared on df, so a small upper-tail p-value says the counts are overdispersed.
McCullagh and Nelder, Generalized Linear Models (2nd ed., 1989), section 4.5.2.

Pure functions: arrays in, a dataclass out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_dist

ALPHA = 0.05  # overdispersion is declared when the dispersion test's p-value is below this


@dataclass(frozen=True)
class Dispersion:
    """Pearson dispersion of monthly counts: phi = chi2 / df, and its test against Poisson."""

    phi: float
    chi2: float
    df: int
    p_value: float
    months: int  # monthly counts that entered the estimate

    @property
    def overdispersed(self) -> bool:
        """True when the counts vary significantly more than Poisson counts would."""
        return self.df > 0 and self.phi > 1 and self.p_value < ALPHA

    def words(self) -> str:
        """"variance 12.3 times the Poisson variance (dispersion test p < 0.001, 22 df)"."""
        if self.df <= 0:
            return "dispersion not estimable (too few months)"
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        return f"variance {self.phi:.1f} times the Poisson variance (dispersion test {p}, {self.df} df)"

    def as_dict(self) -> dict:
        return {"phi": _round(self.phi), "chi2": _round(self.chi2), "df": self.df,
                "p_value": _round(self.p_value), "months": self.months, "overdispersed": self.overdispersed}


def _round(x: float) -> float | None:
    return None if not math.isfinite(x) else float(round(x, 6))


NOT_ESTIMABLE = Dispersion(phi=math.nan, chi2=math.nan, df=0, p_value=math.nan, months=0)


def pearson_dispersion(groups, exposures=None) -> Dispersion:
    """Pearson dispersion of counts in groups of constant rate.

    Parameters
    ----------
    groups : sequence of 1-d arrays of monthly counts; NaN entries (months not held) are left
        out. Each group is a stretch taken to have one underlying rate (a period of a
        comparison, a chart's baseline).
    exposures : optional sequence of arrays aligned with ``groups`` (residents, person-months);
        None means equal exposure each month.

    Returns
    -------
    Dispersion. A group with no records or fewer than two months adds nothing; with no
    degrees of freedom left, phi and the p-value are NaN and ``overdispersed`` is False.
    """
    chi2, df, months = 0.0, 0, 0
    for i, group in enumerate(groups):
        x = np.asarray(group, dtype="float64")
        e = np.ones_like(x) if exposures is None else np.asarray(exposures[i], dtype="float64")
        if e.shape != x.shape:
            raise ValueError(f"group {i}: {len(x)} counts but {len(e)} exposures")
        keep = ~np.isnan(x) & ~np.isnan(e) & (e > 0)
        x, e = x[keep], e[keep]
        if len(x) < 2 or x.sum() <= 0:
            continue
        mu = e * x.sum() / e.sum()
        chi2 += float(((x - mu) ** 2 / mu).sum())
        df += len(x) - 1
        months += len(x)
    if df == 0:
        return NOT_ESTIMABLE
    return Dispersion(phi=chi2 / df, chi2=chi2, df=df, p_value=float(chi2_dist.sf(chi2, df)), months=months)
