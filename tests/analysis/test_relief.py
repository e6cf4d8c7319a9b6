"""Baseline, percent change and responder bands, relief duration and pain aligned on the
infusions (diary.analysis.response), on hand-made series with known answers."""

from datetime import date, timedelta

import pytest

from diary import analysis
from diary.analysis import (
    RESPONDER_LABELS,
    AlignedSeries,
    Relief,
    aligned_on_infusions,
    baseline,
    percent_change,
    relief_duration,
    responder_band,
    response_band,
)

D0 = date(2026, 3, 10)  # the infusion day in most tests


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def series(values: dict[int, float]) -> dict[date, float]:
    """Daily pain keyed by offset from D0."""
    return {day(o): float(v) for o, v in values.items()}


def with_baseline(after: dict[int, float], before: float = 8.0) -> dict[date, float]:
    """7 baseline days at `before` (so baseline = before, threshold = 0.7 x before) plus `after`."""
    return series({**{o: before for o in range(-7, 0)}, **after})


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


@pytest.mark.parametrize(
    ("pct", "digits", "shown"),
    [
        (-29.55, 0, "-29.6%"),  # "-30%" would be the moderate band's; it is minimal
        (-49.56, 0, "-49.6%"),  # "-50%" would be substantial; it is moderate
        (9.6, 0, "+9.6%"),  # "+10%" would be worse; it is none
        (-9.6, 0, "-9.6%"),  # "-10%" would be minimal
        (-29.996, 0, "-29.99%"),  # past 2 decimals cut toward zero, never across the edge
        (-29.96, 1, "-29.96%"),  # the course table's one decimal, "-30.0%", would cross
        (-30.4, 0, "-30%"),  # rounding within its band: as before
        (-33.333, 0, "-33%"),
        (-50.0, 0, "-50%"),
        (-25.0, 1, "-25.0%"),
        (None, 0, "\u2013"),
    ],
)
def test_a_percent_is_never_shown_across_its_bands_edge(pct, digits, shown):
    """analysis.percent_text: the fewest decimals (from `digits`) that keep the printed
    percent in the band it is judged in, so the number beside "10-29% less pain" is never
    "-30%"."""
    assert analysis.percent_text(pct, digits) == shown
    if pct is not None:
        assert responder_band(float(shown.rstrip("%"))) == responder_band(pct)


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


def test_a_rolling_mean_at_the_threshold_is_relief_though_its_float_is_a_hair_above():
    """Baseline 4, threshold 0.7 x 4 = 2.8 (exactly 30% below). Days 1-12 at 0, then 8.4.
    Rolling day 13: (0 + 0 + 8.4) / 3, in floats 2.8000000000000003: at the threshold, so
    still relief (both are compared on EDGE_DIGITS decimals); day 14: (0 + 8.4 + 8.4) / 3 =
    5.6 above, day 15: 8.4 above -> ended, 14 days (13 if the float's hair counted)."""
    pain = with_baseline({**{o: 0 for o in range(1, 13)}, **{o: 8.4 for o in range(13, 21)}}, 4.0)
    result = relief_duration(pain, D0, baseline(pain, D0))
    assert (result.status, result.days, result.threshold) == ("ended", 14, pytest.approx(2.8))


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
