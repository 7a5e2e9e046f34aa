"""Redaction of personal data in free text, applied before any comment is shown or exported.

Five kinds are replaced by a label: email addresses ``[email]``, UK phone numbers
``[phone]``, full postcodes ``[postcode]``, vehicle registrations ``[vehicle registration]``
and house numbers with a street name ``[address]``. The patterns are written to leave alone
what residents commonly write about roads and times: "Route 66", "the A5 roadworks",
"2 dogs", "24 hours", "the 3rd time", "High Street" without a number, an outward postcode
alone ("LU5"). They err towards redacting: a comment loses a few words rather than a
resident's details. Names of people are not detected (docs/methods.md, "Community survey").
"""

from __future__ import annotations

import re

import pandas as pd

EMAIL = "[email]"
PHONE = "[phone]"
POSTCODE = "[postcode]"
REGISTRATION = "[vehicle registration]"
ADDRESS = "[address]"

_EMAIL_RE = re.compile(r"[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# UK numbers: +44 / 0044 then 9-10 digits, or 0 then 9-10 digits, with single spaces, hyphens
# or a bracketed area code between digits. "101", "999" and "24 hours" are too short to match.
_PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)44[ -]?(?:\(0\)[ -]?)?|\(0|0)"
    r"(?:\d\)?[ -]?){8,9}\d"
    r"(?!\d)"
)

# Full postcodes (outward + inward), with or without the space, any case. The inward part is a
# digit and two letters outside C, I, K, M, O, V; ordinals ("A1 1st") are not inward codes.
_POSTCODE_RE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPS-UW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?) ?"
    r"\d(?!(?:st|nd|rd|th)\b)[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)

# Registrations: the current format (AB12 CDE) in any case, and the older suffix format
# (ABC 123D) in capitals only, as lower-case look-alikes are ordinary words. The prefix format
# (A123 BCD, 1983-2001) is left out: in a comment written in capitals it is a road number
# followed by a word ("THE A5 AND M1").
_REGISTRATION_RE = re.compile(r"\b(?:(?i:[A-Z]{2}\d{2} ?[A-Z]{3})|[A-Z]{3} ?\d{1,3}[A-HJ-PR-Y])\b")

_STREET_TYPES = (
    "Road", "Rd", "Street", "St", "Lane", "Ln", "Avenue", "Ave", "Close", "Cl", "Drive", "Dr", "Way", "Crescent",
    "Cres", "Court", "Ct", "Place", "Pl", "Gardens", "Gdns", "Grove", "Terrace", "Walk", "Hill", "Rise", "Row",
    "Mews", "Square", "Sq", "Green", "Park", "View", "Parade", "Vale", "Mead", "End", "Chase", "Croft", "Meadow",
    "Meadows", "Fields", "Field", "Path", "Yard", "Boulevard", "Bank", "Wharf", "Approach", "Gate", "Hollow",
    "Heights", "Wood", "Orchard", "Passage",
)
_STREET_TYPE = "(?:" + "|".join(sorted(_STREET_TYPES, key=len, reverse=True)) + r")\b\.?"
# A house number (12, 12a, 12-14) and one to three capitalised words ending in a street type;
# "Flat 3," or "Unit 2" before it goes too. Capitals keep "24 hours on the road" unredacted.
_NAME_WORD = r"(?:[A-Z][A-Za-z'’-]*|St\.?)"
_ADDRESS_RE = re.compile(
    r"(?:\b(?:Flat|Apartment|Apt|Unit)\.? ?\d{1,4}[A-Za-z]?,? ?)?"
    r"\b\d{1,4}[A-Za-z]?(?: ?[-–] ?\d{1,4}[A-Za-z]?)?,? "
    r"(?:" + _NAME_WORD + r" ){1,3}"
    r"(?i:" + _STREET_TYPE + ")"
)
# "I am at number 37" names a house once the street is in the same comment.
_HOUSE_NUMBER_RE = re.compile(r"(?<=\bat )(?i:number|no\.) ?\d{1,4}[A-Za-z]?\b")

# Order matters: an email may hold digits, an address may hold a postcode-like token.
RULES: tuple[tuple[str, re.Pattern], ...] = (
    (EMAIL, _EMAIL_RE),
    (PHONE, _PHONE_RE),
    (POSTCODE, _POSTCODE_RE),
    (REGISTRATION, _REGISTRATION_RE),
    (ADDRESS, _ADDRESS_RE),
    (ADDRESS, _HOUSE_NUMBER_RE),
)


def redact(text: str) -> str:
    """``text`` with personal data replaced by labels ("[email]", "[phone]", ...).

    Parameters
    ----------
    text : a free-text answer; None or NaN give "".
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    for label, pattern in RULES:
        text = pattern.sub(label, text)
    return text


def redact_series(texts: pd.Series) -> pd.Series:
    """``redact`` applied to every value; missing values become ""."""
    return texts.map(redact, na_action=None).astype("str")


def found(text: str) -> list[str]:
    """The labels ``redact`` would put into ``text``, in order of the rules (for tests and counts)."""
    labels = []
    for label, pattern in RULES:
        if pattern.search(text):
            labels.append(label)
        text = pattern.sub(label, text)
    return labels
