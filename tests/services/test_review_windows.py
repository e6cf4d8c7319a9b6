"""Windows the review reads by day rather than by walking the whole history
(services/review/responses.py, key_figures.py): the other treatments around a course, the
period's newest notes and the days with data of the last 14 days. First and last day count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from diary.analysis import DayAggregate
from diary.measures import (
    MEDICATIONS,
    NOTE,
    PAIN,
    PAIN_AVERAGE,
    PEG_ACTIVITY,
    PEG_ENJOYMENT,
    SIDE_EFFECTS,
)
from diary.services.daily_sql import JOINED_AT, NUMBER_AT, RECORDED_AT, DayValues
from diary.services.review.course_days import CourseDays
from diary.services.review.key_figures import NOTES_SHOWN, key_figures
from diary.services.review.load import Loaded, TreatmentRecord
from diary.services.review.responses import compute
from tests.services.test_review_checkins import SESSION, TODAY, _session


def _loaded(aggregates=None, treatments=()) -> Loaded:
    return Loaded(
        patient_id=1,
        today=TODAY,
        now=datetime(2026, 6, 1, 12, tzinfo=UTC),
        sessions=[_session(SESSION)],
        aggregates=aggregates or {},
        daily={},
        checkins=[],
        treatments=list(treatments),
    )


def test_treatments_of_a_course_from_its_baseline_week_to_day_84():
    """The session of 10 March 2026 (4 hours: the course ends that day): its treatments are
    those of 3 March (a week before) to 2 June (day +84), however many years of treatments
    come before and after, in the loaded order; a list not in day order gives the same."""
    day_84 = SESSION + timedelta(days=84)
    old = [TreatmentRecord(i, SESSION - timedelta(days=30 + i), "physio", None) for i in range(900)]
    edges = [
        TreatmentRecord(1001, date(2026, 3, 2), "physio", "the day before"),
        TreatmentRecord(1002, date(2026, 3, 3), "physio", "first day"),
        TreatmentRecord(1003, SESSION, "block", None),
        TreatmentRecord(1004, SESSION, "physio", "same day, later id"),
        TreatmentRecord(1005, day_84, "physio", "last day"),
        TreatmentRecord(1006, day_84 + timedelta(days=1), "physio", "the day after"),
    ]
    ordered = sorted(old, key=lambda t: t.day) + edges
    course = compute(_loaded(treatments=ordered)).courses[0]
    assert [t.id for t in course.treatments] == [1002, 1003, 1004, 1005]
    shuffled = ordered[::-1]
    course = compute(_loaded(treatments=shuffled)).courses[0]
    assert [t.id for t in course.treatments] == [1005, 1004, 1003, 1002]


def _day(d: date, *notes: str) -> DayAggregate:
    return DayAggregate(day=d, values={NOTE.code: notes})


def test_notes_are_the_periods_newest_and_days_with_data_the_last_14():
    """The period starts the day after the course (11 March). Notes on every day from 1 March
    to 1 June, two on 31 May: the newest 12 are 1 June's, 31 May's two (in the order written)
    and 30 May to 22 May's. With notes only on 9 to 12 March, the period's are 12 and 11
    March's (10 March is before it). Days with data of the last 14: 19 May to 1 June have
    entries, 18 May and 2 June (a day after today) do not count."""
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(93)]
    aggregates = {d: _day(d, f"note {d}") for d in days}
    aggregates[date(2026, 5, 31)] = _day(date(2026, 5, 31), "first", "second")
    aggregates[date(2026, 6, 2)] = _day(date(2026, 6, 2), "tomorrow")
    loaded = _loaded(aggregates)
    key = key_figures(loaded, compute(loaded))
    assert len(key.notes) == NOTES_SHOWN
    assert [n.text for n in key.notes[:4]] == [
        "note 2026-06-01",
        "first",
        "second",
        "note 2026-05-30",
    ]
    assert key.notes[-1].day == date(2026, 5, 22)
    assert key.days_with_data_14 == 14

    few = {d: _day(d, f"note {d}") for d in (date(2026, 3, i) for i in (9, 10, 11, 12))}
    loaded = _loaded(few)
    key = key_figures(loaded, compute(loaded))
    assert [n.day for n in key.notes] == [date(2026, 3, 12), date(2026, 3, 11)]
    assert key.days_with_data_14 == 0


def test_course_days_windows_and_values_from_rows_or_mappings():
    """CourseDays: a window's days with entries, first and last day included; each day's PEG
    and its medications and side effects read from a daily_sql row (DayValues) or a combined
    day's mapping give the same: 1 March 6/3/0 (PEG 3.0), 2 March without activity (none), 4
    March 3/3/3 (3.0); PEG mean of 1-4 March 3.0 with 2 days needed, None with 3."""
    row = [None] * (RECORDED_AT + 2)
    for code, value in ((PAIN_AVERAGE.code, 6.0), (PEG_ENJOYMENT.code, 3.0)):
        row[NUMBER_AT[code]] = value
    row[NUMBER_AT[PEG_ACTIVITY.code]] = 0.0
    row[NUMBER_AT[PAIN.code]] = 4.5
    row[JOINED_AT[MEDICATIONS.code]] = '["tramadol"],[]'
    row[JOINED_AT[SIDE_EFFECTS.code]] = '{"nausea": 2},{"nausea": 1, "dizziness": 3}'
    first, second, fourth = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 4)
    plain = {PAIN_AVERAGE.code: 3.0, PEG_ENJOYMENT.code: 3.0, PEG_ACTIVITY.code: 3.0}
    aggregates = {
        first: DayAggregate(day=first, values=DayValues(tuple(row), {})),
        second: DayAggregate(day=second, values={PAIN_AVERAGE.code: 5.0}),
        fourth: DayAggregate(day=fourth, values=plain),
    }
    days = CourseDays(aggregates)
    assert days.window(first, fourth) == list(aggregates.values())
    assert days.window(date(2026, 3, 2), date(2026, 3, 3)) == [aggregates[second]]
    assert days.window(date(2026, 3, 5), date(2026, 3, 9)) == []
    window = days.window(first, fourth)
    assert days.peg_mean(window, 2) == 3.0
    assert days.peg_mean(window, 3) is None
    assert days.column(window, MEDICATIONS.code) == [
        frozenset({"tramadol"}),
        frozenset(),
        frozenset(),
    ]
    assert days.column(window, PAIN.code) == [4.5, None, None]
    assert days.column(window, SIDE_EFFECTS.code) == [{"nausea": 2, "dizziness": 3}, {}, {}]
    # days given out of order are put in order
    assert CourseDays(dict(reversed(aggregates.items()))).window(first, second) == window[:2]


def test_course_side_effects_from_its_first_day_to_7_days_after():
    """The course of 10 March: its side effects are those of 10 to 17 March (the chart's
    column, effects_highest, and the safety trend's three, effects_after); 9 and 18 March's do
    not count. Without entries in the window: None and None for each of the three."""
    effects = {
        date(2026, 3, 9): {"nausea": 4},
        SESSION: {"nausea": 1},
        date(2026, 3, 12): {"nausea": 2, "vivid_dreams": 3},
        date(2026, 3, 17): {"headache": 1},
        date(2026, 3, 18): {"dissociation": 4},
    }
    aggregates = {d: DayAggregate(day=d, values={SIDE_EFFECTS.code: e}) for d, e in effects.items()}
    course = compute(_loaded(aggregates)).courses[0]
    assert course.effects_highest == {"nausea": 2, "vivid_dreams": 3, "headache": 1}
    assert course.effects_after == {"dissociation": 0, "nausea": 2, "urinary_symptoms": 0}
    course = compute(_loaded({date(2026, 3, 18): aggregates[date(2026, 3, 18)]})).courses[0]
    assert course.effects_highest is None
    assert course.effects_after == dict.fromkeys(("dissociation", "nausea", "urinary_symptoms"))
