"""window_mean and infusion_response: week-1 response, best response and relief per infusion,
on hand-made series with known answers (gaps, single entries, no data)."""

from datetime import date, timedelta

import pytest

from diary.analysis import infusion_response, relief_duration, window_mean

D0 = date(2026, 3, 10)


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def series(values: dict[int, float]) -> dict[date, float]:
    return {day(o): float(v) for o, v in values.items()}


def test_window_mean_counts_days_with_data_only():
    pain = series({0: 2, 1: 4, 3: 6, 6: 8})  # days 2, 4, 5 missing, never zeros
    assert window_mean(pain, day(0), day(6)) == pytest.approx(5.0)


def test_window_mean_needs_four_days_by_default():
    pain = series({0: 2, 1: 4, 3: 6})
    assert window_mean(pain, day(0), day(6)) is None
    assert window_mean(pain, day(0), day(6), min_days=3) == pytest.approx(4.0)


def test_window_mean_single_entry_and_empty():
    assert window_mean(series({2: 7}), day(0), day(6), min_days=1) == 7.0
    assert window_mean({}, day(0), day(6), min_days=1) is None
    assert window_mean(series({8: 7}), day(0), day(6), min_days=1) is None  # outside


def test_response_moderate_in_week_one_with_ongoing_relief():
    # baseline 8 (days -7..-1); days +1..+7 at 5 -> -37.5%: moderate; best 3-day mean on
    # days 8-10 = 4 (day 9's is (5+4+4)/3 = 4.33).
    pain = series(
        {**{o: 8 for o in range(-7, 0)}, **{o: 5 for o in range(1, 8)}, 8: 4, 9: 4, 10: 4}
    )
    r = infusion_response(pain, D0)
    assert r.baseline == 8.0
    assert r.week1_mean == 5.0
    assert r.week1_change == pytest.approx(-37.5)
    assert r.band == "moderate"
    assert r.band_label.startswith("Moderate")
    assert r.best_mean == pytest.approx(4.0)
    assert r.best_change == pytest.approx(-50.0)
    assert (r.relief.status, r.relief.days) == ("ongoing", 10)


def test_response_without_baseline_is_not_enough_data():
    pain = series({-2: 8, -1: 8, **{o: 2 for o in range(1, 8)}})  # only 2 baseline days
    r = infusion_response(pain, D0)
    assert r.baseline is None
    assert r.week1_mean == 2.0
    assert r.band == "not_enough_data"
    assert r.best_change is None
    assert r.relief.status == "not_enough_data"


def test_response_week_one_with_gaps_needs_four_days():
    pain = series({**{o: 6 for o in range(-7, 0)}, 1: 3, 4: 3, 7: 3})
    r = infusion_response(pain, D0)
    assert r.week1_mean is None and r.band == "not_enough_data"
    assert r.best_mean is None  # never 2 days within 3: no rolling mean


def test_response_stops_before_the_next_infusion():
    # Next infusion on day 4: week 1 is days 1-3 only (3 days < 4: no mean), and the very low
    # pain after the next infusion must not count as this infusion's best.
    pain = series({**{o: 6 for o in range(-7, 0)}, 1: 5, 2: 5, 3: 5, 5: 0, 6: 0, 7: 0})
    r = infusion_response(pain, D0, next_infusion_day=day(4))
    assert r.week1_mean is None
    assert r.best_mean == pytest.approx(5.0)
    assert r.relief.status == "no_relief"


def test_response_best_within_84_days():
    pain = series({**{o: 8 for o in range(-7, 0)}, **{o: 7 for o in range(1, 90)}, 86: 0, 87: 0})
    r = infusion_response(pain, D0)
    assert r.best_mean == pytest.approx(7.0)  # days 86-87 are past day +84


def test_response_worse_after_infusion():
    pain = series({**{o: 5 for o in range(-7, 0)}, **{o: 6 for o in range(1, 8)}})
    r = infusion_response(pain, D0)
    assert r.week1_change == pytest.approx(20.0)
    assert r.band == "worse"
    assert r.relief.status == "no_relief"


@pytest.mark.parametrize(
    ("values", "next_offset", "today_offset", "status", "days"),
    [
        # Baseline 8; pain 4 on days +1..+5, back to 8 from day +6: relief ended on day +7 (the
        # first day whose 3-day mean, and the next day's, are above 5.6).
        ({**{o: 4 for o in range(1, 6)}, **{o: 8 for o in range(6, 20)}}, None, 30, "ended", 7),
        # Pain 4 until the next course begins on day +12: still in relief then (censored, at
        # least 11 days; the days from +12 on are never read).
        ({o: 4 for o in range(1, 40)}, 12, 30, "censored", 11),
        # Pain 4 on days +1..+10 and no entry since, reviewed on day +40: no recent data (at
        # least 10 days).
        ({o: 4 for o in range(1, 11)}, None, 40, "no_recent_data", 10),
    ],
)
def test_response_relief_is_relief_duration_of_the_same_days(
    values, next_offset, today_offset, status, days
):
    """infusion_response's relief is relief_duration's of the same series, next course and
    today (it hands over the observed days and rolling means it worked out, not its own
    reading of them): the same status, days and threshold as relief_duration computed alone."""
    pain = series({**{o: 8 for o in range(-7, 0)}, **values})
    next_day = day(next_offset) if next_offset is not None else None
    response = infusion_response(pain, D0, next_infusion_day=next_day, today=day(today_offset))
    alone = relief_duration(pain, D0, 8.0, next_infusion_day=next_day, today=day(today_offset))
    assert response.relief == alone
    assert (response.relief.status, response.relief.days) == (status, days)
    assert response.relief.threshold == pytest.approx(5.6)
