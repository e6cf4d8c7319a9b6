"""Infusion courses: sessions close together grouped into one course (the rule visible and
overridable per session), when a course ends, and the trend of relief over the last courses.

Pure: plain dates and numbers in, plain values out (no Flask, no database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from statistics import fmean

# Sessions whose days are at most this many days apart (from the end of one to the start of
# the next) form one course: 5 daily outpatient sessions, a 10-day series on weekdays, or a
# booster pair on consecutive days.
COURSE_GAP_DAYS = 3
RELIEF_TREND_COURSES = 4
RELIEF_TREND_MIN_COURSES = 3


class CourseRule(StrEnum):
    """The clinician's override of the grouping rule for one session."""

    NEW_COURSE = "new_course"  # this session starts a course, however close to the last one
    SAME_COURSE = "same_course"  # this session belongs to the previous session's course


COURSE_RULE_LABELS = {
    "": "Automatic (sessions up to 3 days apart form one course)",
    CourseRule.NEW_COURSE: "Starts a new course",
    CourseRule.SAME_COURSE: "Part of the previous session's course",
}

COURSE_DEFINITION = (
    "Course: sessions whose days are at most 3 days apart (from the day one session ended to "
    "the day the next started) form one course, unless the clinician set a session to start a "
    "new course or to join the previous one. A course's baseline is the week before its first "
    "session; its response and relief are counted from the day its last session ended (for a "
    "continuous infusion, start plus duration)."
)

RELIEF_TREND_DEFINITION = (
    "Relief trend: the least-squares slope of relief duration (days) against course number over "
    "the last 4 courses whose relief has a length (ended: its days; ended during a gap: the "
    "middle of the interval; still in relief, cut by the next course or with no relief: left "
    "out), shown when at least 3 such courses exist. Negative: relief is getting shorter."
)


@dataclass(frozen=True)
class Session:
    """One past session as the grouping needs it: `start` in the patient's local time."""

    id: int
    start: datetime
    duration_minutes: int | None = None
    rule: str | None = None  # CourseRule or None (automatic)

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def end_day(self) -> date:
        """The local day the session ended: start + duration (a continuous infusion over 4
        days ends 4 days after it started), the duration counted in elapsed time: across a
        clock change the local end moves by the hour gained or lost (an aware datetime plus a
        timedelta would keep the clock's reading and miss it), so the sum is taken in UTC and
        read back in the start's zone."""
        if not self.duration_minutes:
            return self.start.date()
        zone = self.start.tzinfo
        if zone is None:  # a naive local time (tests): no clock change to account for
            return (self.start + timedelta(minutes=self.duration_minutes)).date()
        elapsed = self.start.astimezone(UTC) + timedelta(minutes=self.duration_minutes)
        return elapsed.astimezone(zone).date()


@dataclass(frozen=True)
class Course:
    """Sessions grouped into one course, numbered from 1 (oldest). `reasons[i]` says why
    session i is in this course."""

    number: int
    sessions: tuple[Session, ...]
    reasons: tuple[str, ...]

    @property
    def first_day(self) -> date:
        return self.sessions[0].day

    @property
    def end_day(self) -> date:
        return max(s.end_day for s in self.sessions)

    @property
    def session_ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.sessions)


def group_courses(sessions: Sequence[Session], gap_days: int = COURSE_GAP_DAYS) -> list[Course]:
    """Group past sessions into courses (COURSE_DEFINITION), in start order.

    A session joins the current course when its rule is "same_course", or when it has no rule
    and its day is at most `gap_days` after the current course's end day; it starts a new
    course when its rule is "new_course", when it is the first session, or when the gap is
    larger. A "same_course" on the very first session cannot join anything: it starts course 1.
    """
    courses: list[list[Session]] = []
    reasons: list[list[str]] = []
    for session in sorted(sessions, key=lambda s: (s.start, s.id)):
        if not courses:
            courses.append([session])
            reasons.append(["first session"])
            continue
        end = max(s.end_day for s in courses[-1])
        gap = (session.day - end).days
        if session.rule == CourseRule.NEW_COURSE:
            courses.append([session])
            reasons.append(["new course (set by the clinician)"])
        elif session.rule == CourseRule.SAME_COURSE:
            courses[-1].append(session)
            reasons[-1].append("same course (set by the clinician)")
        elif gap <= gap_days:
            courses[-1].append(session)
            reasons[-1].append(f"{gap} day{'s' * (gap != 1)} after the previous session")
        else:
            courses.append([session])
            reasons.append([f"{gap} days after the previous course: new course"])
    return [
        Course(number=i + 1, sessions=tuple(group), reasons=tuple(why))
        for i, (group, why) in enumerate(zip(courses, reasons, strict=True))
    ]


@dataclass(frozen=True)
class ReliefTrend:
    """`slope` days of relief per course (None when fewer than 3 courses qualify); `courses`
    the course numbers used, `days` their relief lengths."""

    slope: float | None
    courses: tuple[int, ...]
    days: tuple[float, ...]

    @property
    def text(self) -> str:
        if self.slope is None:
            return (
                f"Not enough courses with a known relief length "
                f"({len(self.courses)} of the {RELIEF_TREND_MIN_COURSES} needed)."
            )
        n = len(self.courses)
        size = abs(self.slope)
        if round(size, 1) == 0:
            return f"Relief length about the same over the last {n} courses"
        way = "shortened" if self.slope < 0 else "lengthened"
        return f"Relief {way} by about {size:.1f} days per course over the last {n}"


def relief_trend(points: Sequence[tuple[int, float | None]]) -> ReliefTrend:
    """RELIEF_TREND_DEFINITION. `points` are (course number, relief length in days or None),
    in course order; the last RELIEF_TREND_COURSES with a length are used."""
    known = [(n, d) for n, d in points if d is not None][-RELIEF_TREND_COURSES:]
    numbers = tuple(n for n, _ in known)
    days = tuple(float(d) for _, d in known)
    if len(known) < RELIEF_TREND_MIN_COURSES:
        return ReliefTrend(None, numbers, days)
    mx, my = fmean(numbers), fmean(days)
    sxx = sum((x - mx) ** 2 for x in numbers)
    slope = sum((x - mx) * (y - my) for x, y in known) / sxx
    return ReliefTrend(slope, numbers, days)
