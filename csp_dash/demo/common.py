"""What the demo generators share: the period covered, seeded random streams, rounding."""

from __future__ import annotations

import zlib

import numpy as np

# The demo covers six financial years, April 2015 to March 2021: the old strategy's
# baseline years, the new strategy's period and the first Covid year.
FIRST_FY, LAST_FY = 2015, 2020
FINANCIAL_YEARS = list(range(FIRST_FY, LAST_FY + 1))
MONTHS = [f"{fy + (m < 4)}-{m:02d}" for fy in FINANCIAL_YEARS for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def fy_label(fy: int) -> str:
    """2017 -> "2017/18", the financial year April 2017 to March 2018."""
    return f"{fy}/{(fy + 1) % 100:02d}"


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per generator, so changing one leaves the others' output alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def largest_remainder(values: np.ndarray) -> np.ndarray:
    """Whole numbers summing to round(sum(values)), each within 1 of its value."""
    values = np.asarray(values, dtype=float)
    total = int(round(values.sum()))
    floor = np.floor(values).astype(int)
    short = total - int(floor.sum())
    floor[np.argsort(-(values - floor), kind="stable")[:short]] += 1
    return floor
