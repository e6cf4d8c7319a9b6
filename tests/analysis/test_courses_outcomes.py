"""Courses, relief edge cases, outcome measures, on-time entries and safety: pure analysis on
hand-made inputs with the answers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary import analysis
from diary.analysis import (
    DayAggregate,
    Reading,
    Session,
    adherence_split,
    change_since,
    css_change,
    cumulative_dose,
    daily_aggregates,
    flares,
    group_courses,
    highest_severities,
    infusion_response,
    peg_score,
    pgic_responder,
    present_mean,
    promis_pi_t_score,
    recorded_on_time,
    relief_duration,
    relief_trend,
    rescue_days,
    rescue_days_of,
    worst_severity,
    worst_severity_of,
)

D0 = date(2026, 3, 10)
LONDON = ZoneInfo("Europe/London")


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def at(offset: int, hour: int = 9, minutes: int = 0) -> datetime:
    return datetime(D0.year, D0.month, D0.day, hour, minutes, tzinfo=LONDON) + timedelta(
        days=offset
    )


def series(values: dict[int, float]) -> dict[date, float]:
    return {day(o): float(v) for o, v in values.items()}


# --- courses ------------------------------------------------------------------------------------


def test_five_daily_sessions_are_one_course_from_first_to_last_day():
    """Sessions on days 0-4 (4 h each): each 1 day after the previous (<= 3): one course,
    first day 0, end day 4."""
    (course,) = group_courses([Session(i, at(i), 240) for i in range(5)])
    assert course.session_ids == (0, 1, 2, 3, 4)
    assert (course.first_day, course.end_day) == (day(0), day(4))
    assert course.reasons[0] == "first session" and course.reasons[1].startswith("1 day after")


def test_three_days_apart_joins_four_days_apart_starts_a_course():
    """Day 0, day 3 (3 days after: same course), day 7 (4 days after day 3: new course)."""
    courses = group_courses([Session(1, at(0)), Session(2, at(3)), Session(3, at(7))])
    assert [c.session_ids for c in courses] == [(1, 2), (3,)]
    assert courses[1].reasons == ("4 days after the previous course: new course",)


def test_a_continuous_infusion_ends_start_plus_duration():
    """A 4.2-day continuous infusion (6048 min) from day 0 09:00 ends day 4 at 13:48: end day 4;
    a booster 3 days after that end (day 7) still belongs to the course."""
    courses = group_courses([Session(1, at(0), 6048), Session(2, at(7), 240)])
    assert len(courses) == 1 and courses[0].end_day == day(7)
    assert Session(1, at(0), 6048).end_day == day(4)


def test_the_clinicians_override_wins_both_ways():
    """Day 0 and day 1 would be one course: "new_course" on day 1 splits them. Day 0 and day 30
    would be two: "same_course" on day 30 joins them."""
    split = group_courses([Session(1, at(0)), Session(2, at(1), rule="new_course")])
    assert [c.session_ids for c in split] == [(1,), (2,)]
    joined = group_courses([Session(1, at(0)), Session(2, at(30), rule="same_course")])
    assert [c.session_ids for c in joined] == [(1, 2)]
    assert joined[0].reasons[1] == "same course (set by the clinician)"


def test_course_response_takes_baseline_before_the_first_session():
    """Pain 8 on days -7..-1, 4 on days 0..4 (the sessions), 3 from day 5. Course baseline 8;
    day 0 = day 4; week 1 = days 5..11 = 3: -62.5%, -5 points, 7 days."""
    pain = series({**{o: 8 for o in range(-7, 0)}, **{o: 4 for o in range(5)}})
    pain |= series({o: 3 for o in range(5, 30)})
    r = infusion_response(pain, day(4), baseline_day=day(0))
    assert r.baseline == 8.0 and r.baseline_days == 7
    assert r.week1_change == pytest.approx(-62.5) and r.week1_points == pytest.approx(-5.0)
    assert r.week1_days == 7 and r.band == "substantial" and r.week1_important


def test_relief_trend_slope_over_the_last_four_courses():
    """Relief lengths 30 (course 1), then 20, 16, 12, 8 (courses 2-5): the last 4 lie on a line
    falling 4 days per course; course 6 (still in relief: None) is left out."""
    trend = relief_trend([(1, 30), (2, 20), (3, 16), (4, 12), (5, 8), (6, None)])
    assert trend.courses == (2, 3, 4, 5)
    assert trend.slope == pytest.approx(-4.0)
    assert trend.text == "Relief shortened by about 4.0 days per course over the last 4"


def test_relief_trend_needs_three_courses():
    """Two known lengths: no slope, and the text says why."""
    trend = relief_trend([(1, 10), (2, None), (3, 14)])
    assert trend.slope is None and "2 of the 3 needed" in trend.text


# --- relief edge cases ---------------------------------------------------------------------------


def test_relief_with_a_single_missing_day_stays_exact():
    """Baseline 8. Pain 3 on days 1-6, day 7 missing, 12 on day 8, 9 on days 9-10. Rolling
    day 8 = (3+12)/2 = 7.5, day 9 = (12+9)/2 = 10.5: ended on day 8; one missing day is
    bridged by the 2-of-3 mean, so the end is exact."""
    pain = series({**{o: 3 for o in range(1, 7)}, 8: 12, 9: 9, 10: 9})
    result = relief_duration(pain, D0, 8.0)
    assert (result.status, result.days, result.days_max) == ("ended", 8, None)


def test_relief_after_a_gap_still_low_is_not_ended_in_the_gap():
    """Pain 3 on days 1-5, no entries on days 6-14, pain 3 on days 15-20 (today day 20): the
    relief holds on both sides of the gap; still in relief, at least 20 days, 9 of them (6-14)
    without entries, which the text says."""
    pain = series({**{o: 3 for o in range(1, 6)}, **{o: 3 for o in range(15, 21)}})
    result = relief_duration(pain, D0, 8.0, today=day(20))
    assert (result.status, result.days, result.unobserved_days) == ("ongoing", 20, 9)
    assert result.text == "Still in relief (at least 20 days); 9 of those days without entries"


def test_no_recent_entries_and_the_horizon():
    """In relief on days 1-10, nothing since: today day 11 is fresh (ongoing), day 13 is more
    than 2 days after the last entry (no_recent_data). Relief on every day to +100: observed
    only to +84."""
    pain = series({o: 2 for o in range(1, 11)})
    assert relief_duration(pain, D0, 8.0, today=day(11)).status == "ongoing"
    stale = relief_duration(pain, D0, 8.0, today=day(13))
    assert (stale.status, stale.days, stale.last_data_day) == ("no_recent_data", 10, day(10))
    long = relief_duration(series({o: 2 for o in range(1, 101)}), D0, 8.0, today=day(100))
    assert (long.status, long.days) == ("at_horizon", 84)


def test_baseline_zero_has_no_relief_threshold_and_no_percent():
    """Baseline 0: relief is undefined; the band says so; the change is +2 points."""
    pain = series({**{o: 0 for o in range(-7, 0)}, **{o: 2 for o in range(1, 10)}})
    r = infusion_response(pain, D0)
    assert r.relief.status == "no_baseline_pain"
    assert r.band == "no_baseline_pain" and r.week1_change is None
    assert r.week1_points == pytest.approx(2.0)


def test_change_since_counts_days_after_the_end_only():
    """End day 0; today day 3; pain 8 up to day 0, 2 on days 1-3: mean 2 over 3 of 3 days.
    Today day 10: window days 4-10, 2 entries (days 9, 10 at 4): fewer than 4 of 7: None."""
    pain = series({**{o: 8 for o in range(-7, 1)}, **{o: 2 for o in range(1, 4)}})
    assert change_since(pain, day(0), day(3)) == (2.0, 3, 3)
    assert change_since(pain | series({9: 4, 10: 4}), day(0), day(10)) == (None, 2, 7)


def test_aligned_lines_stop_at_the_next_course():
    """Day 0 and the next course on day 20: offsets 20 and later are None on the first line."""
    pain = series({o: 5 for o in range(-7, 60)})
    first, _ = analysis.aligned_on_infusions(pain, [D0, day(20)])
    values = dict(first.points)
    assert values[19] == 5 and values[20] is None and values[59] is None
    assert first.next_infusion_offset == 20


# --- outcome measures -------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "t"), [(4, 41.6), (5, 49.6), (12, 61.2), (20, 75.6)])
def test_promis_pi_4a_t_score_from_the_v1_table(raw, t):
    assert promis_pi_t_score(raw) == t


def test_promis_t_score_only_for_a_complete_raw_sum():
    assert promis_pi_t_score(None) is None
    with pytest.raises(ValueError):
        promis_pi_t_score(3)
    with pytest.raises(ValueError):
        promis_pi_t_score(21)


def test_peg_is_the_mean_of_its_three_items():
    """(6 + 5 + 7) / 3 = 6.0; a missing item gives no score."""
    assert peg_score(6, 5, 7) == pytest.approx(6.0)
    assert peg_score(6, None, 7) is None


def test_pgic_responder_is_much_or_very_much_improved():
    assert [pgic_responder(v) for v in range(1, 8)] == [True, True] + [False] * 5
    assert pgic_responder(None) is None
    with pytest.raises(ValueError):
        pgic_responder(8)


def test_css_change_against_the_smallest_real_difference():
    """10 -> 5: -5, beyond 4.9. 10 -> 6: -4, within measurement error. One score: nothing."""
    assert css_change(10, 5) == (-5, True)
    assert css_change(10, 6) == (-4, False)
    assert css_change(None, 6) == (None, False)


def test_two_points_on_the_nrs_is_clinically_important():
    assert analysis.important_nrs_change(analysis.absolute_change(8.0, 6.0))
    assert not analysis.important_nrs_change(analysis.absolute_change(8.0, 6.5))


# --- on time and late ---------------------------------------------------------------------------


def test_on_time_is_by_the_end_of_the_next_local_day():
    """Day 10 March. Recorded 11 March 23:59 London: on time; 12 March 00:01: late. 11 March
    11:30 UTC is 12 March 00:30 in Auckland: late for an entry made there, on time in London."""
    d = date(2026, 3, 10)
    assert recorded_on_time(d, datetime(2026, 3, 11, 23, 59, tzinfo=LONDON), "Europe/London")
    assert not recorded_on_time(d, datetime(2026, 3, 12, 0, 1, tzinfo=LONDON), "Europe/London")
    utc = datetime(2026, 3, 11, 11, 30, tzinfo=UTC)
    assert not recorded_on_time(d, utc, "Pacific/Auckland")
    assert recorded_on_time(d, utc, "Europe/London")


def test_adherence_counts_on_time_and_late_days_apart():
    """Days 0-9 (10 days). On time: days 0, 1, 2. Late only: days 3, 4. Day 5: one late and one
    on-time entry: on time. Others empty. On time 4 of 10, late 2."""
    now = datetime(2026, 3, 30, tzinfo=UTC)
    readings = [Reading(day(o), pain=5, recorded_at=at(o, 20), timezone="UTC") for o in (0, 1, 2)]
    readings += [Reading(day(o), pain=5, recorded_at=now, timezone="UTC") for o in (3, 4, 5)]
    readings.append(Reading(day(5), pain=6, recorded_at=at(5, 21), timezone="UTC"))
    result = adherence_split(daily_aggregates(readings), day(0), day(9))
    assert (result.on_time, result.late, result.total) == (4, 2, 10)
    assert result.on_time_share == pytest.approx(0.4)


# --- flares and safety ----------------------------------------------------------------------------


def test_flare_after_a_course_must_rise_above_its_baseline():
    """Pain 3 for days 1-10, 8 on days 11-12, baseline window days 1-84 at 8: the rise to 8
    (5 above the previous week) is relief ending, not a flare; 10 on day 13 is 2 above the
    baseline and above the previous week's mean (3*5 + 8*2)/7 = 4.43: a flare."""
    pain = series({**{o: 3 for o in range(1, 11)}, 11: 8, 12: 8, 13: 10})
    assert flares(pain) == [day(11), day(12), day(13)]
    assert flares(pain, baselines=[(day(1), day(84), 8.0)]) == [day(13)]


def _agg(offset: int, **values) -> DayAggregate:
    return DayAggregate(day=day(offset), values={"pain": 5.0, **values})


def test_worst_severity_and_rescue_days():
    """Days 1-3: dissociation 2 on day 1, 3 on day 2; nausea never; medication on days 1 and 3.
    Window 1-3: dissociation 3, nausea 0; rescue 2 of 3 days. An empty window: None / no
    entries."""
    aggs = {
        day(1): _agg(1, side_effects={"dissociation": 2}, medications=frozenset({"tramadol"})),
        day(2): _agg(2, side_effects={"dissociation": 3}),
        day(3): _agg(3, medications=frozenset({"tramadol"})),
    }
    codes = ("dissociation", "nausea")
    assert worst_severity(aggs, day(1), day(3), codes) == {"dissociation": 3, "nausea": 0}
    assert worst_severity(aggs, day(10), day(12), codes) == {"dissociation": None, "nausea": None}
    assert rescue_days(aggs, day(1), day(3)).text == "2 of 3 days"
    assert rescue_days(aggs, day(10), day(12)).text == "no entries"


def test_window_values_already_read():
    """The same figures from a window's days already read (a caller reading each day once):
    the side effects and medications of the days with entries, and each day's value or None
    for present_mean (window_mean's rule: 2, -, 4, 6 is 4.0 with 3 days needed, None with 4)."""
    effects = [{"dissociation": 2}, {"dissociation": 3}, {}]
    codes = ("dissociation", "nausea")
    assert worst_severity_of(effects, codes) == {"dissociation": 3, "nausea": 0}
    assert worst_severity_of([], codes) == {"dissociation": None, "nausea": None}
    assert rescue_days_of([frozenset({"tramadol"}), frozenset(), ("tramadol",)]).text == (
        "2 of 3 days"
    )
    assert rescue_days_of([]).text == "no entries"
    # every effect reported, its highest severity, in the order first reported; None without
    # entries (blank in the side-effect chart, not "none")
    assert highest_severities(effects) == {"dissociation": 3}
    assert highest_severities([{"nausea": 1}, {"dissociation": 2, "nausea": 0}]) == {
        "nausea": 1,
        "dissociation": 2,
    }
    assert highest_severities([{}, {}]) == {}
    assert highest_severities([]) is None
    assert present_mean([2.0, None, 4.0, 6.0], 3) == 4.0
    assert present_mean([2.0, None, 4.0, 6.0], 4) is None
    assert present_mean([None, None], 0) is None


def test_cumulative_dose_over_twelve_months():
    """Today = 10 March 2026: since = 10 March 2025 (365 days before), that day included.
    100 mg on 11 March 2025 (in), 30 mg on 10 March 2025 (the day named: in, whatever its
    hour), 200 mg on 9 March 2025 (366 days: out), 50 mg and a session without a dose last
    week: 180 mg over 4 sessions, 1 without a dose."""
    today = date(2026, 3, 10)
    sessions = [
        (date(2025, 3, 11), 100.0),
        (date(2025, 3, 10), 30.0),
        (date(2025, 3, 9), 200.0),
        (date(2026, 3, 3), 50.0),
        (date(2026, 3, 4), None),
    ]
    dose = cumulative_dose(sessions, today)
    assert (dose.total_mg, dose.sessions, dose.without_dose) == (180.0, 4, 1)
    assert dose.since == date(2025, 3, 10)
