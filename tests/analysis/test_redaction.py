"""Redaction of personal data in residents' comments: each kind present and absent, on a
corpus written the way residents write, with the look-alikes that must be left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from csp_dash.analysis.redaction import ADDRESS, EMAIL, PHONE, POSTCODE, REGISTRATION, found, redact, redact_series

# (comment, comment as it must be shown)
PRESENT = [
    # email addresses
    ("I have reported the same problem three times, please contact me on karen.smith55@example.com",
     "I have reported the same problem three times, please contact me on [email]"),
    ("Email J.O'Neill+survey@mail.example.co.uk if you want more.", "Email [email] if you want more."),
    # phone numbers, UK formats
    ("Please call me on 07700 900123, I have information about the break-ins.",
     "Please call me on [phone], I have information about the break-ins."),
    ("ring 07700900123 after 6", "ring [phone] after 6"),
    ("My number is +44 7700 900456.", "My number is [phone]."),
    ("or +447700900456", "or [phone]"),
    ("Landline +44 (0)1632 960123 evenings", "Landline [phone] evenings"),
    ("call (01632) 960123 any time", "call [phone] any time"),
    ("Tel: 0116 496 0123", "Tel: [phone]"),
    ("London office 020 7946 0123", "London office [phone]"),
    ("ring 01632-960-555", "ring [phone]"),
    ("0044 1632 960999 from abroad", "[phone] from abroad"),
    # full postcodes
    ("Speeding on our road is terrible, we live at LU5 4AB and nobody has ever come out.",
     "Speeding on our road is terrible, we live at [postcode] and nobody has ever come out."),
    ("fly-tipping behind MK45 2QR again", "fly-tipping behind [postcode] again"),
    ("postcode mk452qr", "postcode [postcode]"),
    ("near sg18 8bx", "near [postcode]"),
    ("SW1A 1AA is not round here", "[postcode] is not round here"),
    # vehicle registrations
    ("A silver car, registration AB12 CDE, keeps doing wheelspins.",
     "A silver car, registration [vehicle registration], keeps doing wheelspins."),
    ("the van AB12CDE is always there", "the van [vehicle registration] is always there"),
    ("reg ky68 xzt parked on the verge", "reg [vehicle registration] parked on the verge"),
    ("an old Escort, ABC 123D, abandoned", "an old Escort, [vehicle registration], abandoned"),
    # house numbers with street names
    ("The van parked outside 12 Church Road every night is dealing.",
     "The van parked outside [address] every night is dealing."),
    ("I live at Flat 3, 45 High Street above the shop", "I live at [address] above the shop"),
    ("Cars are broken into at 7a Mill Lane", "Cars are broken into at [address]"),
    ("youths outside 27 St Mary's Close", "youths outside [address]"),
    ("by 2 High St. most nights", "by [address] most nights"),
    ("at 14 Church road", "at [address]"),
    ("Cars are broken into on Mill Lane most weeks. I am at number 37, ring 01632 960555 any evening.",
     "Cars are broken into on Mill Lane most weeks. I am at [address], ring [phone] any evening."),
]

ABSENT = [
    "Route 66 signs have been stolen",
    "The A5 roadworks have gone on for months",
    "I have 2 dogs and pick up after them",
    "Police should be visible 24 hours a day",
    "This is the 3rd time I have reported it",
    "High Street is busy on a Saturday night",
    "Parking on the High Street outside the shops",
    "Call 101 or 999 in an emergency",
    "From 9am to 5pm there is nobody about",
    "Cars race through at 50 in a 30",
    "24 Hours on the Road is a good programme",
    "THE A5 AND M1 ARE GRIDLOCKED",
    "The A1 1st junction is dangerous",
    "The LU5 area has more burglaries",
    "In 2018 and 2019 it got worse",
    "About 10 years ago this was quiet",
    "Fix the 20mph signs",
    "Three thefts from the farm this year, 12 months of misery",
    "Two cars at 11:30 pm",
    "covid19 made it worse",
    "",
]


@pytest.mark.parametrize("comment,expected", PRESENT)
def test_personal_data_is_replaced(comment, expected):
    assert redact(comment) == expected


@pytest.mark.parametrize("comment", ABSENT)
def test_look_alikes_are_left_alone(comment):
    assert redact(comment) == comment
    assert found(comment) == []


def test_each_kind_is_labelled():
    text = ("Mail a.b@example.org or ring 07700 900111; I am at 4 Station Road, LU7 1AB, "
            "and the car is XY18 ABC.")
    assert redact(text) == ("Mail [email] or ring [phone]; I am at [address], [postcode], "
                            "and the car is [vehicle registration].")
    assert found(text) == [EMAIL, PHONE, POSTCODE, REGISTRATION, ADDRESS]


def test_missing_values_become_empty_text():
    assert redact(None) == ""
    assert redact(float("nan")) == ""
    texts = pd.Series(["ring 07700 900123", None, "fine"])
    assert redact_series(texts).tolist() == ["ring [phone]", "", "fine"]


def test_the_demo_comments_leave_no_personal_data(demo_store):
    """The demo plants every kind in a few comments of each wave; none may survive redaction."""
    import re

    responses = demo_store.read("survey_responses", columns=["feel_safer_text", "comments_text"])
    text = pd.concat([responses["feel_safer_text"], responses["comments_text"]]).dropna()
    planted = text[text.str.contains(r"@|07700|01632|\d [A-Z][a-z]+ (?:Road|Street|Lane|Close|Drive|Avenue|Way|"
                                     r"Crescent|Gardens|Court|Place|View|Walk|Rise|Mead|End)\b|[A-Z]{2}\d{2} [A-Z]{3}|"
                                     r"\b[A-Z]{2}\d{1,2} \d[A-Z]{2}\b",
                                     regex=True)]
    assert len(planted) == 14  # seven in each of the two waves
    shown = redact_series(planted)
    for pattern in (r"@", r"07700", r"01632", r"\b[A-Z]{2}\d{1,2} \d[A-Z]{2}\b", r"\b[A-Z]{2}\d{2} [A-Z]{3}\b",
                    r"\b\d+ [A-Z][a-z]+ (?:Road|Street|Lane)\b"):
        assert not shown.str.contains(pattern, regex=True).any(), pattern
    assert all(re.search(r"\[(email|phone|postcode|vehicle registration|address)\]", s) for s in shown)
