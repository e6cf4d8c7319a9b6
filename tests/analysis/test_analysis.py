"""Daily values in diary.analysis (daily aggregates, rolling means, adherence, flares), on
hand-made series with known answers. Baseline, bands, relief and aligned pain: test_relief.py;
the CRPS severity score and PROMIS: test_scores.py."""

from datetime import date, datetime, timedelta

import pytest

from diary.analysis import Reading, adherence, daily_aggregates, flares, rolling_mean

D0 = date(2026, 3, 10)


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def series(values: dict[int, float]) -> dict[date, float]:
    """Daily pain keyed by offset from D0."""
    return {day(o): float(v) for o, v in values.items()}


# --- daily_aggregates ---------------------------------------------------------------------------


def test_single_entry_gives_its_own_values():
    r = Reading(
        day=D0,
        pain=6,
        pain_worst=8,
        pain_least=3,
        sleep_hours=5.5,
        symptoms=frozenset({"burning"}),
        body_sites=frozenset({"left_hand"}),
        side_effects=(("nausea", 2),),
        note="bad night",
    )
    agg = daily_aggregates([r])
    assert list(agg) == [D0]
    a = agg[D0]
    assert (a.pain, a.pain_worst, a.pain_least, a.sleep_hours) == (6.0, 8, 3, 5.5)
    assert a.sleep_quality is None and a.mood is None and a.peg_activity is None
    assert a.symptoms == {"burning"} and a.body_sites == {"left_hand"}
    assert a.side_effects == {"nausea": 2}
    assert a.notes == ("bad night",)
    assert a.entries == 1


def test_several_entries_a_day_are_combined():
    morning = Reading(
        day=D0,
        pain=4,
        pain_worst=6,
        pain_least=2,
        sleep_hours=6.0,
        mood=4,
        symptoms=frozenset({"burning"}),
        body_sites=frozenset({"left_hand"}),
        side_effects=(("nausea", 3), ("headache", 1)),
        note="second",
        recorded_at=datetime(2026, 3, 10, 20, 0),
    )
    evening = Reading(
        day=D0,
        pain=7,
        pain_worst=9,
        pain_least=1,
        mood=6,
        peg_enjoyment=5,
        symptoms=frozenset({"swelling"}),
        body_sites=frozenset({"left_wrist"}),
        side_effects=(("nausea", 1), ("dizziness", 2)),
        note="first",
        recorded_at=datetime(2026, 3, 10, 8, 0),
    )
    other_day = Reading(day=day(1), pain=2)
    agg = daily_aggregates([other_day, morning, evening])
    assert list(agg) == [D0, day(1)]
    a = agg[D0]
    assert a.pain == 5.5
    assert a.pain_worst == 9 and a.pain_least == 1
    assert a.sleep_hours == 6.0  # only one entry had it: not averaged with a missing value
    assert a.mood == 5.0
    assert a.peg_enjoyment == 5.0 and a.peg_activity is None
    assert a.symptoms == {"burning", "swelling"}
    assert a.body_sites == {"left_hand", "left_wrist"}
    assert a.side_effects == {"nausea": 3, "headache": 1, "dizziness": 2}
    assert a.notes == ("first", "second")  # in recording order
    assert a.entries == 2
    assert agg[day(1)].pain == 2.0 and agg[day(1)].entries == 1


def test_no_readings_give_no_days():
    assert daily_aggregates([]) == {}


def test_reading_is_hashable():
    r = Reading(day=D0, pain=3, side_effects=(("nausea", 1),))
    assert len({r, Reading(day=D0, pain=3, side_effects=(("nausea", 1),))}) == 1


# --- rolling_mean -------------------------------------------------------------------------------


def test_rolling_mean_treats_gaps_as_missing_not_zero():
    values = series({0: 2, 1: 4, 3: 6, 4: 8})  # day 2 missing
    result = rolling_mean(values, [day(4)], window=7, min_points=1)
    assert result[day(4)] == pytest.approx(5.0)  # (2+4+6+8)/4, not /5 or /7


def test_rolling_mean_needs_min_points():
    values = series({0: 2, 1: 4, 2: 6})
    result = rolling_mean(values, [day(2), day(3), day(9)], window=7, min_points=4)
    assert result == {day(2): None, day(3): None, day(9): None}
    # default for a 7-day window is 4 of 7
    values[day(3)] = 8.0
    assert rolling_mean(values, [day(3)])[day(3)] == pytest.approx(5.0)
    assert rolling_mean(values, [day(10)])[day(10)] is None  # day 3 .. day 9 has 1 point


def test_rolling_mean_window_is_trailing():
    values = series({0: 10, 1: 1, 2: 1, 3: 1})
    assert rolling_mean(values, [day(3)], window=3, min_points=2)[day(3)] == pytest.approx(1.0)


# --- adherence ----------------------------------------------------------------------------------


def test_adherence_counts_days_in_range_only():
    days = {day(0), day(1), day(3), day(-5), day(30)}
    assert adherence(days, day(0), day(3)) == pytest.approx(3 / 4)


def test_adherence_bounds():
    assert adherence(set(), day(0), day(6)) == 0.0
    assert adherence({day(0)}, day(0), day(0)) == 1.0
    with pytest.raises(ValueError):
        adherence(set(), day(1), day(0))


# --- flares -------------------------------------------------------------------------------------


def test_flare_needs_two_points_above_the_previous_week_and_at_least_five():
    pain = series({0: 4, 1: 4, 2: 4, 3: 4, 4: 6, 5: 5.9, 10: 7})
    # day 4: 6 - 4 = 2 -> flare; day 5: 5.9 - 4.4 = 1.5 -> no; day 10: only days 4, 5 before it
    assert flares(pain) == [day(4)]


def test_flare_below_five_is_not_a_flare():
    pain = series({0: 2, 1: 2, 2: 2, 3: 2, 4: 4.5})
    assert flares(pain) == []


def test_flare_needs_four_days_before():
    pain = series({0: 3, 1: 3, 2: 3, 3: 8})
    assert flares(pain) == []
    pain[day(-1)] = 3.0
    assert flares(pain) == [day(3)]


def test_no_data_no_flares():
    assert flares({}) == []
