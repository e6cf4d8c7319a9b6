"""The rolling means worked out from one reading of each day (analysis/trailing.py,
rolling_mean on a run of calendar days, infusion_response): the same values as the day-by-day
definition, a day without data missing, never a zero."""

from __future__ import annotations

import random
from datetime import date, timedelta
from statistics import fmean

from diary.analysis import infusion_response, rolling_mean
from diary.analysis.daily import days_between
from diary.analysis.trailing import DayRuns, span_of, trailing_means

D0 = date(2026, 3, 10)


def test_trailing_means_hand_worked():
    """Window 3, 2 needed: days 0..6 with 2, -, 4, -, -, 6, 8. Day 2: (2 + 4) / 2 = 3; day 6:
    (6 + 8) / 2 = 7; every other day has fewer than 2 values in its 3 days (day 0 and day 1
    only the days of the run: the days before it count as missing)."""
    run = [2.0, None, 4.0, None, None, 6.0, 8.0]
    assert trailing_means(run, 3, 2) == [None, None, 3.0, None, None, None, 7.0]
    assert trailing_means(run, 3, 1) == [2.0, 2.0, 3.0, 4.0, 4.0, 6.0, 7.0]
    assert trailing_means([], 3, 2) == []


def test_trailing_means_of_3_days_are_the_mean_of_each_window():
    """Window 3 (worked with two names, not a deque): for every day, exactly (==) fmean of the
    values there of that day and the two before it in the run, None when fewer than `needed`,
    over runs with gaps of every length, zeros and values with long binary fractions."""
    rnd = random.Random(20261207)
    for _ in range(500):
        run = [
            None if rnd.random() < rnd.choice((0.0, 0.3, 0.6)) else rnd.randint(0, 70) / 7
            for _ in range(rnd.randint(0, 20))
        ]
        needed = rnd.choice((0, 1, 2, 3))
        expected = []
        for i in range(len(run)):
            present = [v for v in run[max(0, i - 2) : i + 1] if v is not None]
            expected.append(fmean(present) if present and len(present) >= needed else None)
        assert trailing_means(run, 3, needed) == expected


def test_rolling_mean_on_a_run_of_days_is_the_day_by_day_mean():
    """rolling_mean of successive days (read once, one pass) gives, for every day, exactly
    (==, not approximately) the mean it gives for that day asked alone (its window read day by
    day), over series with gaps of every length and values with long binary fractions."""
    rnd = random.Random(20261207)
    for _ in range(200):
        values = {
            D0 + timedelta(days=i): rnd.randint(0, 70) / 7
            for i in range(-10, 120)
            if rnd.random() > rnd.choice((0.0, 0.2, 0.5, 0.8))
        }
        window = rnd.choice((1, 2, 3, 7))
        needed = rnd.choice((None, 1, 2, 4))
        days = days_between(D0 + timedelta(days=rnd.randint(-15, 30)), D0 + timedelta(days=130))
        at_once = rolling_mean(values, days, window, needed)
        assert list(at_once) == days
        for day in days:
            assert at_once[day] == rolling_mean(values, [day], window, needed)[day]


def test_infusion_response_rolling_means_count_days_after_day_0_only():
    """Best response: the lowest 3-day rolling mean (2 of 3 days) after day 0, before the next
    infusion. Baseline week at 8, 0 on day 0 and on the next infusion's day +10 (neither
    counted); days +1..+9 with 1, -, 3, 3, -, -, 5, 1, 2. Rolling means: +1 and +2 none (one
    value: day 0 and the baseline week are not after day 0), +3 (1 + 3) / 2 = 2, +4 and +5 3,
    +6 and +7 none, +8 3, +9 8/3: best 2 (0.5 if day 0 counted). Week 1 (+1..+7): (1 + 3 + 3
    + 5) / 4 = 3 from 4 days."""
    pain = {D0: 0.0, D0 + timedelta(days=10): 0.0}
    for offset, value in {1: 1, 3: 3, 4: 3, 7: 5, 8: 1, 9: 2}.items():
        pain[D0 + timedelta(days=offset)] = float(value)
    for offset in range(1, 8):
        pain[D0 - timedelta(days=offset)] = 8.0
    response = infusion_response(pain, D0, next_infusion_day=D0 + timedelta(days=10))
    assert response.best_mean == 2.0
    assert (response.week1_mean, response.week1_days) == (3.0, 4)
    assert (response.baseline, response.baseline_days) == (8.0, 7)


def test_day_runs_read_what_a_lookup_per_day_reads():
    """DayRuns (a mapping's days in order, read as slices): every run first..last gives the
    calendar days and the values (None included) that days_between and a lookup per day give,
    and present_back the values not None of the days before, nearest first; over mappings in
    and out of day order, with gaps and None values, with and without their days given."""
    rnd = random.Random(20261207)
    for _ in range(300):
        values = {
            D0 + timedelta(days=i): None if rnd.random() < 0.1 else rnd.randint(0, 70) / 7
            for i in range(rnd.randint(0, 60))
            if rnd.random() > rnd.choice((0.0, 0.0, 0.2, 0.5))
        }
        if rnd.random() < 0.3:
            items = list(values.items())
            rnd.shuffle(items)
            values = dict(items)
        runs = DayRuns(values, sorted(values) if rnd.random() < 0.5 else None)
        for _ in range(20):
            first = D0 + timedelta(days=rnd.randint(-5, 65))
            last = first + timedelta(days=rnd.randint(-2, 30))
            days = days_between(first, last)
            assert runs.run(first, last) == (days, [values.get(d) for d in days])
            back = [values.get(first - timedelta(days=i)) for i in range(1, 8)]
            assert runs.present_back(first, timedelta(days=7)) == [v for v in back if v is not None]


def test_span_of_is_the_run_up_to_its_last_value():
    assert span_of([]) == 0
    assert span_of([None, None]) == 0
    assert span_of([1.0, None, 0.0, None, None]) == 3
    assert span_of([None, 2.0]) == 2
