"""A hand-made diary shared by the plotly figures' tests and the SVG charts' tests."""

from datetime import date, timedelta

import pytest

from diary.analysis import Reading, daily_aggregates

START = date(2026, 5, 1)


def day(offset: int) -> date:
    return START + timedelta(days=offset)


@pytest.fixture
def aggregates():
    """Days 0, 1 (two entries), 3 and 9; days 2 and 4-8 have no entry."""
    return daily_aggregates(
        [
            Reading(
                day=day(0),
                pain=7,
                pain_worst=9,
                sleep_hours=5.0,
                sleep_quality=3,
                peg_enjoyment=6,
                peg_activity=7,
                symptoms=frozenset({"burning", "swelling"}),
                body_sites=frozenset({"left_hand", "left_wrist"}),
                side_effects=(("nausea", 1),),
            ),
            Reading(
                day=day(1),
                pain=6,
                pain_worst=8,
                symptoms=frozenset({"burning"}),
                body_sites=frozenset({"left_hand"}),
                side_effects=(("nausea", 3), ("dissociation", 2)),
            ),
            Reading(day=day(1), pain=4, pain_worst=9, body_sites=frozenset({"left_hand"})),
            Reading(day=day(3), pain=3, sleep_hours=7.5, side_effects=(("headache", 2),)),
            Reading(day=day(9), pain=2, symptoms=frozenset({"allodynia"})),
        ]
    )
