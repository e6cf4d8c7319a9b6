"""The check-ins a course's outcome measures read (services/review/responses.py): PROMIS
before = the latest check-in with a PROMIS score in the 14 days up to the first session, after
= the first check-in in the 28 days after the course ended, found by day among five years of
weekly check-ins: the first and last day of each window count, the day after does not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from diary.services.review.load import Checkin, Loaded, SessionRecord
from diary.services.review.responses import compute

TODAY = date(2026, 6, 1)
SESSION = date(2026, 3, 10)


def _session(day: date) -> SessionRecord:
    start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return SessionRecord(
        id=1,
        started_at=start,
        local_start=start,
        scheduled=False,
        duration_minutes=240,
        dose_mg=100.0,
        rate_mg_kg_h=None,
        adjuncts=(),
        pain_pre=None,
        pain_post=None,
        adverse_events=None,
        lab_notes=None,
        notes=None,
        exam_signs=None,
        course_rule=None,
    )


def _loaded(checkins: list[Checkin]) -> Loaded:
    return Loaded(
        patient_id=1,
        today=TODAY,
        now=datetime(2026, 6, 1, 12, tzinfo=UTC),
        sessions=[_session(SESSION)],
        aggregates={},
        daily={},
        checkins=checkins,
        treatments=[],
    )


def test_promis_before_skips_a_check_in_without_a_score_and_after_is_the_first():
    """A weekly check-in (raw 10, PGIC 4) every Monday for five years before 1 June 2026, but
    none from 20 February to 10 April; in that gap: 24 February (raw 12: the first day of the
    14 days before the session of 10 March), 8 March (raw 16), 10 March (the session's day, no
    PROMIS score), 11 March (the first day after the course: raw 8, PGIC 2), 18 March (raw 9)
    and 8 April (raw 5, a day past the 28 days after). PROMIS before is 8 March's (10 March has
    no score; 24 February is earlier); after is 11 March's. Without 8 March and 10 March,
    before is 24 February's; without 11 March and 18 March, after is none (8 April is
    outside)."""
    gap = (date(2026, 2, 20), date(2026, 4, 10))
    weekly = [
        Checkin(d, 10, 4)
        for w in range(5 * 52, -1, -1)
        if not gap[0] <= (d := TODAY - timedelta(days=7 * w)) <= gap[1]
    ]
    special = [
        Checkin(date(2026, 2, 24), 12, 4),
        Checkin(date(2026, 3, 8), 16, 4),
        Checkin(date(2026, 3, 10), None, 3),
        Checkin(date(2026, 3, 11), 8, 2),
        Checkin(date(2026, 3, 18), 9, 3),
        Checkin(date(2026, 4, 8), 5, 1),
    ]
    checkins = sorted(weekly + special, key=lambda c: c.day)
    course = compute(_loaded(checkins)).courses[0]
    assert course.promis_before == Checkin(date(2026, 3, 8), 16, 4)
    assert course.promis_after == Checkin(date(2026, 3, 11), 8, 2)

    fewer = [c for c in checkins if c.day not in (date(2026, 3, 8), date(2026, 3, 10))]
    assert compute(_loaded(fewer)).courses[0].promis_before == Checkin(date(2026, 2, 24), 12, 4)
    none_after = [c for c in checkins if c.day not in (date(2026, 3, 11), date(2026, 3, 18))]
    assert compute(_loaded(none_after)).courses[0].promis_after is None
