"""Clinical definitions in diary.analysis, on hand-made series with known answers."""

from datetime import date, datetime, timedelta

import pytest

from diary import analysis
from diary.analysis import (
    RESPONDER_LABELS,
    AlignedSeries,
    Reading,
    Relief,
    adherence,
    aligned_on_infusions,
    baseline,
    crps_severity_score,
    daily_aggregates,
    flares,
    percent_change,
    promis_pi_raw,
    relief_duration,
    responder_band,
    response_band,
    rolling_mean,
)
from diary.codes import EXAM_SIGN_CODES

D0 = date(2026, 3, 10)  # the infusion day in most tests


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def series(values: dict[int, float]) -> dict[date, float]:
    """Daily pain keyed by offset from D0."""
    return {day(o): float(v) for o, v in values.items()}


def with_baseline(after: dict[int, float], before: float = 8.0) -> dict[date, float]:
    """7 baseline days at `before` (so baseline = before, threshold = 0.7 x before) plus `after`."""
    return series({**{o: before for o in range(-7, 0)}, **after})


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


# --- baseline -----------------------------------------------------------------------------------


def test_baseline_with_four_days_is_their_mean():
    pain = series({-7: 6, -5: 8, -3: 7, -1: 7, 0: 1, -8: 0})  # day 0 and day -8 not counted
    assert baseline(pain, D0) == pytest.approx(7.0)


def test_baseline_with_three_days_is_none():
    pain = series({-6: 6, -4: 8, -2: 7, 0: 7, -8: 7})
    assert baseline(pain, D0) is None


def test_baseline_without_data_is_none():
    assert baseline({}, D0) is None


# --- percent_change and responder_band ----------------------------------------------------------


def test_percent_change():
    assert percent_change(8.0, 4.0) == pytest.approx(-50.0)
    assert percent_change(5.0, 6.0) == pytest.approx(20.0)
    assert percent_change(None, 4.0) is None
    assert percent_change(0.0, 4.0) is None
    assert percent_change(8.0, None) is None


@pytest.mark.parametrize(
    ("pct", "band"),
    [
        (-100.0, "substantial"),
        (-50.0, "substantial"),
        (-49.99, "moderate"),
        (-30.0, "moderate"),
        (-29.99, "minimal"),
        (-10.0, "minimal"),
        (-9.99, "none"),
        (0.0, "none"),
        (9.99, "none"),
        (10.0, "worse"),
        (80.0, "worse"),
        (None, "not_enough_data"),
    ],
)
def test_responder_band_edges(pct, band):
    assert responder_band(pct) == band


def test_responder_band_exact_edges_from_real_scores():
    # Float arithmetic puts these a hair off the edge; they must still land on it.
    assert responder_band(percent_change(7.0, 4.9)) == "moderate"  # exactly 30% less
    assert responder_band(percent_change(7.0, 3.5)) == "substantial"  # exactly 50% less
    assert responder_band(percent_change(6.4, 4.48)) == "moderate"


def test_every_band_has_a_label():
    bands = {responder_band(p) for p in (-60, -40, -20, 0, 20, None)}
    assert bands | {response_band(0.0, 3.0)} == set(RESPONDER_LABELS)


# --- relief_duration ----------------------------------------------------------------------------


def test_relief_not_enough_data_without_baseline():
    pain = series({o: 2 for o in range(1, 20)})
    assert relief_duration(pain, D0, None) == Relief("not_enough_data", None, None)


def test_relief_not_enough_data_with_two_days_after():
    pain = with_baseline({1: 2, 2: 2})
    result = relief_duration(pain, D0, baseline(pain, D0))
    assert result.status == "not_enough_data"
    assert result.threshold == pytest.approx(5.6)


def test_relief_not_enough_data_when_no_rolling_value():
    pain = with_baseline({1: 2, 10: 2, 20: 2})  # 3 days, never 2 within 3 days
    assert relief_duration(pain, D0, 8.0).status == "not_enough_data"


def test_no_relief():
    pain = with_baseline({o: 7 for o in range(1, 15)})
    result = relief_duration(pain, D0, baseline(pain, D0))
    assert (result.status, result.days, result.threshold) == ("no_relief", None, pytest.approx(5.6))


def test_relief_ended():
    # threshold 5.6. Rolling (3-day, days after infusion only): day 2: 3, ... day 10: 3;
    # day 11: (3+3+8)/3 = 4.67; day 12: (3+8+8)/3 = 6.33 above; day 13: 8 above -> ended day 12.
    pain = with_baseline({**{o: 3 for o in range(1, 11)}, **{o: 8 for o in range(11, 20)}})
    result = relief_duration(pain, D0, baseline(pain, D0))
    assert result.status == "ended"
    assert result.days == 12
    assert result.label == "Relief ended"


def test_a_single_day_above_does_not_end_relief():
    base = {o: 3 for o in range(1, 21)}
    # threshold 5.6; rolling day 7: (3+3+11)/3 = 5.67 above, day 8: (3+11+0)/3 = 4.67 back below
    one_day = with_baseline({**base, 7: 11, 8: 0})
    result = relief_duration(one_day, D0, 8.0)
    assert (result.status, result.days, result.threshold) == ("ongoing", 20, pytest.approx(5.6))
    # rolling day 7: (3+3+12)/3 = 6 and day 8: (3+12+3)/3 = 6, both above: ended on day 7
    two_days = with_baseline({**base, 7: 12})
    result = relief_duration(two_days, D0, 8.0)
    assert (result.status, result.days, result.threshold) == ("ended", 7, pytest.approx(5.6))


def test_relief_end_with_a_missing_day_uses_two_of_three():
    pain = with_baseline({1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 3, 8: 12, 9: 1, 10: 1, 11: 3, 12: 3})
    # day 7 missing. Rolling day 8: (3+12)/2 = 7.5 above, day 9: (12+1)/2 = 6.5 above -> ended
    result = relief_duration(pain, D0, 8.0)
    assert (result.status, result.days) == ("ended", 8)


def test_pain_before_relief_starts_does_not_end_it():
    # Above threshold for days 2-4, then relief from day 6, still in relief at day 14.
    pain = with_baseline({1: 8, 2: 8, 3: 8, 4: 8, **{o: 2 for o in range(5, 15)}})
    result = relief_duration(pain, D0, 8.0)
    assert (result.status, result.days) == ("ongoing", 14)


def test_relief_ongoing_counts_to_last_day_with_data():
    pain = with_baseline({1: 2, 2: 2, 3: 2, 5: 3, 9: 2, 10: 2})
    result = relief_duration(pain, D0, 8.0)
    assert (result.status, result.days, result.threshold) == ("ongoing", 10, pytest.approx(5.6))
    assert result.label == "Still in relief"


def test_infusion_day_and_before_do_not_enter_the_rolling_mean():
    # Day 0 at 10 would lift day 1/2 rolling means above 5.6 if it counted.
    pain = with_baseline({0: 10, 1: 5, 2: 5, 3: 9, 4: 9, 5: 9})
    # day 2: 5 (relief), day 3: 6.33, day 4: 7.67 -> ended on day 3
    result = relief_duration(pain, D0, 8.0)
    assert (result.status, result.days) == ("ended", 3)


def test_relief_censored_by_next_infusion():
    pain = with_baseline({o: 2 for o in range(1, 30)})
    result = relief_duration(pain, D0, 8.0, next_infusion_day=day(14))
    assert result.status == "censored"
    assert result.days == 13  # last observed day is the day before the next infusion
    assert result.label == "Relief lasted until the next infusion"


def test_data_after_next_infusion_is_not_observed():
    # Pain returns only after the next infusion: still censored, not ended.
    pain = with_baseline({**{o: 2 for o in range(1, 10)}, **{o: 9 for o in range(10, 20)}})
    assert relief_duration(pain, D0, 8.0, next_infusion_day=day(10)).status == "censored"
    assert relief_duration(pain, D0, 8.0).status == "ended"


def test_relief_definition_is_stated():
    text = analysis.RELIEF_DEFINITION
    assert "0.7" in text and "3-day" in text and "7 days before" in text
    assert set(analysis.RELIEF_LABELS) == {
        "ended",
        "ended_in_gap",
        "ongoing",
        "no_recent_data",
        "censored",
        "at_horizon",
        "no_relief",
        "no_baseline_pain",
        "not_enough_data",
    }


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


# --- aligned_on_infusions -----------------------------------------------------------------------


def test_aligned_series_full_window_with_gaps():
    pain = series({-7: 8, -6: 8, -5: 8, -4: 8, 1: 3, 84: 5, 85: 9})
    (result,) = aligned_on_infusions(pain, [D0])
    assert isinstance(result, AlignedSeries)
    assert result.infusion_day == D0
    assert [o for o, _ in result.points] == list(range(-7, 85))
    points = dict(result.points)
    assert points[-7] == 8 and points[1] == 3 and points[84] == 5
    assert points[0] is None and points[2] is None
    assert 85 not in points
    assert result.next_infusion_offset is None
    assert result.baseline == pytest.approx(8.0)


def test_aligned_marks_next_infusion_but_keeps_full_window():
    pain = series({o: 4 for o in range(-7, 100)})
    first, second, third = aligned_on_infusions(pain, [day(90), D0, day(20), D0])
    assert [s.infusion_day for s in (first, second, third)] == [D0, day(20), day(90)]
    assert first.next_infusion_offset == 20
    assert second.next_infusion_offset == 70
    assert third.next_infusion_offset is None
    assert len(first.points) == 92  # not cut at the next infusion


def test_aligned_next_infusion_offset_inside_and_outside_window():
    a, b, c = aligned_on_infusions({}, [D0, day(84), day(169)])
    assert a.next_infusion_offset == 84  # day 84 is inside -7..84
    assert b.next_infusion_offset is None  # 85 days later: outside
    assert c.next_infusion_offset is None


def test_aligned_no_infusions():
    assert aligned_on_infusions(series({0: 3}), []) == []


# --- CRPS severity score ------------------------------------------------------------------------


def test_css_counts_items_not_codes():
    # allodynia and hyperalgesia share one item; stiffness and weakness share the motor item
    symptoms = {"allodynia", "hyperalgesia", "stiffness", "weakness", "burning"}
    assert crps_severity_score(False, symptoms, set()) == 2


def test_css_full_score_is_16():
    all_symptoms = {"allodynia", "temperature_change", "color_change", "sweating_change"}
    all_symptoms |= {"swelling", "trophic_change", "tremor_spasm"}
    signs = set(EXAM_SIGN_CODES)
    assert crps_severity_score(True, all_symptoms, signs) == 16


def test_css_pain_and_signs():
    assert crps_severity_score(True, set(), set()) == 1
    assert crps_severity_score(False, set(), {"edema", "motor_changes", "not_a_sign"}) == 2
    assert crps_severity_score(False, set(), set()) == 0


# --- PROMIS PI 4a -------------------------------------------------------------------------------


def test_promis_raw_sum():
    assert promis_pi_raw([1, 2, 3, 5]) == 11
    assert promis_pi_raw([1, 1, 1, 1]) == 4
    assert promis_pi_raw([5, 5, 5, 5]) == 20


def test_promis_incomplete_is_none():
    assert promis_pi_raw([1, 2, 3]) is None
    assert promis_pi_raw([1, 2, None, 4]) is None


def test_promis_out_of_range():
    with pytest.raises(ValueError):
        promis_pi_raw([0, 2, 3, 4])
    with pytest.raises(ValueError):
        promis_pi_raw([1, 2, 3, 4, 5])
