"""The dashboard's baseline, change and relief are those of the patient's last course, as on the
review: the baseline is the week before the course's first session, the change and relief are
counted from the day its last session ended (a continuous infusion: start plus duration), the
course grouped by the review's rule and the clinician's overrides, however long ago it began.

Every patient is in UTC with sessions at 09:00 UTC; T is today. Relief: threshold = baseline x
0.7, a day in relief when the rolling mean of the last 3 observed days is at or below it
(docs/clinical.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diary.analysis import CourseRule
from diary.extensions import db
from diary.models import Infusion, User
from diary.services import dashboard
from tests.factories import login

T = datetime.now(UTC).date()


def _day(n: int):
    return T + timedelta(days=n)


def _patient(make, clinician, name: str, pains: dict[int, int], sessions: list[tuple]):
    """A linked patient with the pain of each day T+n in `pains`, and sessions (n, fields)."""
    patient = make.patient(display_name=name, timezone="UTC")
    make.link(clinician, patient)
    for n, pain in pains.items():
        make.entry(patient, _day(n), pain)
    for n, fields in sessions:
        make.infusion(patient, clinician, _day(n), **fields)
    return patient


def _rows(client) -> dict[str, dict]:
    return {r["display_name"]: r for r in client.get("/api/v1/patients").get_json()}


def _review(client, patient) -> dict:
    return client.get(f"/api/v1/patients/{patient.id}/summary").get_json()


def _same_as_review(row: dict, summary: dict) -> None:
    """The dashboard's line shows the review's baseline, change and band (the dashboard
    rounds the change to a whole percent, the review to one decimal)."""
    change, mean7 = summary["change_pct"], summary["mean_pain_7_days"]
    assert row["baseline"] == summary["baseline"]
    if change is None:
        assert row["change_pct"] is None
    else:  # a whole percent of the same value
        assert abs(row["change_pct"] - change) <= 0.55
    assert row["band"] == summary["band"]
    assert row["mean_pain_7_days"] == (round(mean7, 1) if mean7 is not None else None)


def test_a_five_day_course_has_the_baseline_of_the_week_before_it_began(client, make):
    """Kim: daily sessions T-24..T-20 (one course: each a day after the last). Pain 8 on
    T-31..T-25, then 7, 6, 5, 4, 3 on the session days, 5 on T-19..T-12, 6 on T-11..T.
    - baseline: the 7 days before the first session, T-31..T-25: 8.0 (not the 7 days before
      the last session, T-27..T-21: (3 x 8 + 7 + 6 + 5 + 4) / 7 = 6.57, which the dashboard
      read before 7 Dec 2026);
    - change: the course ended T-20; its days after within the last 7 are T-6..T, all 6:
      (6 - 8) / 8 = -25% -> "minimal" (with 6.57: -9%, "none");
    - relief: threshold 5.6; the days of 5 from T-19 are in relief, the rolling mean is 5.67 on
      T-10 and 6 on T-9, above twice: "ended" -> medium attention (with 6.57 the threshold is
      4.6, which 5 never reaches: "no_relief", low).
    The review's key figures for Kim are the same."""
    clinician = make.clinician(timezone="UTC")
    pains = {n: 8 for n in range(-31, -24)}
    pains |= dict(zip(range(-24, -19), (7, 6, 5, 4, 3), strict=True))
    pains |= {n: 5 for n in range(-19, -11)} | {n: 6 for n in range(-11, 1)}
    kim = _patient(make, clinician, "Kim", pains, [(n, {}) for n in range(-24, -19)])
    login(client, clinician)
    row = _rows(client)["Kim"]
    assert (row["baseline"], row["mean_pain_7_days"], row["change_pct"]) == (8.0, 6.0, -25)
    assert (row["band"], row["relief_status"]) == ("minimal", "ended")
    assert row["last_infusion_day"] == _day(-20).isoformat()
    assert row["attention"] == {
        "level": "medium",
        "label": "Medium",
        "reasons": ["Relief after the last course has ended"],
    }
    summary = _review(client, kim)
    _same_as_review(row, summary)
    assert summary["last_course"]["response"]["relief"]["status"] == "ended"


def test_a_continuous_infusion_is_counted_from_the_day_it_ended(client, make):
    """Ian: one session started T-5 at 09:00 lasting 4 days (5,760 minutes): it ended on T-1.
    Pain 8 on T-12..T-6, 5 on T-5..T-1, 2 on T.
    - baseline: T-12..T-6: 8.0;
    - change: the day after it ended is T, within the last 7 days: 2 (1 day of 1):
      (2 - 8) / 8 = -75% -> "substantial" (counted from the start, T-5, the 7-day mean
      (8 + 5 x 5 + 2) / 7 = 5.0 gave -38%);
    - relief from T-1: one day observed (T), fewer than 3: "not_enough_data" (from T-5:
      "ongoing").
    The 7-day mean is still 5.0. The review's key figures are the same."""
    clinician = make.clinician(timezone="UTC")
    pains = {n: 8 for n in range(-12, -5)} | {n: 5 for n in range(-5, 0)} | {0: 2}
    ian = _patient(make, clinician, "Ian", pains, [(-5, {"duration_minutes": 4 * 24 * 60})])
    login(client, clinician)
    row = _rows(client)["Ian"]
    assert (row["baseline"], row["mean_pain_7_days"], row["change_pct"]) == (8.0, 5.0, -75)
    assert (row["band"], row["relief_status"]) == ("substantial", "not_enough_data")
    assert row["attention"]["level"] == "low"
    summary = _review(client, ian)
    _same_as_review(row, summary)
    assert summary["last_course"]["response"]["relief"]["status"] == "not_enough_data"


def test_a_course_that_began_long_before_the_window_is_grouped_whole(client, make, count_queries):
    """The dashboard reads sessions from 31 days before its 120-day window (T-151); a course
    that began before is grouped from all of the patient's sessions, read again.
    - Lou: sessions every 3 days from T-160 to T-100 (21, one course: each gap is 3 days), pain
      9 on T-167..T-161 and 6 on T-20..T. Read from T-151, the course would seem to begin on
      T-151, whose week before has no entry (no baseline); its first session is T-160:
      baseline 9.0. Change: the days after T-100 within the last 7, T-6..T, all 6:
      (6 - 9) / 9 = -33.3%, "moderate".
    - Max: sessions on T-250, T-135 and T-100, the last two set by the clinician to join the
      session before: one course from T-250. Read from T-151, T-135 would be first (16 days
      after T-151, enough to be whole but for the clinician's rule). Pain 9 on T-257..T-251,
      6 on T-6..T: baseline 9.0, change -33.3%.
    Both are the review's figures. Three statements read sessions: the last session of each
    (neither is alone: 3 and 35 days after the one before, Max's set to join it), the sessions
    of both from T-151, and all of their sessions."""
    clinician = make.clinician(timezone="UTC")
    lou_pains = {n: 9 for n in range(-167, -160)} | {n: 6 for n in range(-20, 1)}
    lou = _patient(make, clinician, "Lou", lou_pains, [(n, {}) for n in range(-160, -99, 3)])
    joined = {"course_rule": CourseRule.SAME_COURSE}
    max_pains = {n: 9 for n in range(-257, -250)} | {n: 6 for n in range(-6, 1)}
    max_ = _patient(make, clinician, "Max", max_pains, [(-250, {}), (-135, joined), (-100, joined)])
    login(client, clinician)
    with count_queries() as counter:
        rows = _rows(client)
    infusion_reads = [s for s in counter.statements if "course_rule" in s]
    assert len(infusion_reads) == 3
    for name, patient in (("Lou", lou), ("Max", max_)):
        row = rows[name]
        assert (row["baseline"], row["change_pct"], row["band"]) == (9.0, -33.3, "moderate"), name
        assert row["last_infusion_day"] == _day(-100).isoformat()
        _same_as_review(row, _review(client, patient))


def test_the_clinicians_rule_moves_the_baseline_to_the_courses_first_session(client, make):
    """Ned: sessions on T-30 and T-27 (3 days apart: one course), then T-13 and T-9 (4 days
    apart: T-9 starts a course of its own). Pain 7 on T-40..T-21, 9 on T-20..T-14, 5 on
    T-13..T-10, 4 on T-9..T.
    - the last course is T-9's: baseline T-16..T-10: (3 x 9 + 4 x 5) / 7 = 6.71 -> 6.7;
      change: the days after T-9 within the last 7, T-6..T, all 4: (4 - 6.71) / 6.71 = -40.4%,
      "moderate".
    - the clinician sets T-9 to join the session before: the last course is T-13..T-9, its
      baseline T-20..T-14: 9.0; change (4 - 9) / 9 = -55.6%, "substantial".
    Both times the review's figures, and the review's last course begins on T-9, then T-13."""
    clinician = make.clinician(timezone="UTC")
    pains = {n: 7 for n in range(-40, -20)} | {n: 9 for n in range(-20, -13)}
    pains |= {n: 5 for n in range(-13, -9)} | {n: 4 for n in range(-9, 1)}
    ned = _patient(make, clinician, "Ned", pains, [(-30, {}), (-27, {}), (-13, {})])
    last = make.infusion(ned, clinician, _day(-9))
    login(client, clinician)
    row = _rows(client)["Ned"]
    assert (row["baseline"], row["change_pct"], row["band"]) == (6.7, -40.4, "moderate")
    summary = _review(client, ned)
    assert summary["last_course"]["first_day"] == _day(-9).isoformat()
    _same_as_review(row, summary)
    with make.app.app_context():
        db.session.get(Infusion, last.id).course_rule = CourseRule.SAME_COURSE
        db.session.commit()
    row = _rows(client)["Ned"]
    assert (row["baseline"], row["change_pct"], row["band"]) == (9.0, -55.6, "substantial")
    summary = _review(client, ned)
    assert summary["last_course"]["first_day"] == _day(-13).isoformat()
    _same_as_review(row, summary)


def test_relief_with_no_recent_entry_is_the_reviews_no_recent_data(app, client, make, monkeypatch):
    """Ora: one session on T-20; pain 8 on T-27..T-21 (baseline 8.0, threshold 5.6), 3 on
    T-19..T-4, nothing since. Relief started on T-19 and never ended; its last entry, T-4, is
    4 days before T, more than 2: the review says "no_recent_data" (in relief at the last
    entry), and so does the dashboard (before 7 Dec 2026 it said "ongoing", as relief_duration
    without today). Seen on T-2 (the figures kept, two days earlier: T-4 is 2 days before, not
    more): "ongoing". The last entry being 4 days old puts Ora high."""
    clinician = make.clinician(timezone="UTC")
    pains = {n: 8 for n in range(-27, -20)} | {n: 3 for n in range(-19, -3)}
    ora = _patient(make, clinician, "Ora", pains, [(-20, {})])
    login(client, clinician)
    row = _rows(client)["Ora"]
    summary = _review(client, ora)
    assert row["relief_status"] == "no_recent_data"
    assert summary["last_course"]["response"]["relief"]["status"] == "no_recent_data"
    assert row["attention"]["reasons"] == ["No entries for 4 days"]
    _same_as_review(row, summary)
    earlier = datetime.now(UTC) - timedelta(days=2)
    monkeypatch.setattr(dashboard, "utcnow", lambda: earlier)
    with app.app_context():
        doctor = db.session.get(User, clinician.id)
        [line] = dashboard.patient_summaries(doctor, _day(-2))
    assert line.relief_status == "ongoing"


def test_a_session_set_to_start_a_course_is_a_course_of_its_own(client, make, count_queries):
    """Pia: sessions on T-21 and T-20, the second set by the clinician to start a new course.
    Pain 8 on T-28..T-22, 6 on T-21, 4 on T-20..T.
    - the last course is T-20 alone: baseline T-27..T-21: (6 x 8 + 6) / 7 = 7.71 -> 7.7;
      change T-6..T, all 4: (4 - 7.71) / 7.71 = -48.1%, "moderate" (one course from
      T-21 would give baseline 8.0, -50%, "substantial").
    - Quinn: sessions on T-40 and T-27, 13 days apart, more than the 12 a session and a gap can
      span: T-27 is a course of its own whatever came before. Pain 6 on T-34..T-28, 3 on
      T-26..T: baseline 6.0, change -50%, "substantial".
    Both are found from each patient's last session alone: one statement reads sessions."""
    clinician = make.clinician(timezone="UTC")
    pains = {n: 8 for n in range(-28, -21)} | {-21: 6} | {n: 4 for n in range(-20, 1)}
    new = {"course_rule": CourseRule.NEW_COURSE}
    pia = _patient(make, clinician, "Pia", pains, [(-21, {}), (-20, new)])
    pains = {n: 6 for n in range(-34, -27)} | {n: 3 for n in range(-26, 1)}
    quinn = _patient(make, clinician, "Quinn", pains, [(-40, {}), (-27, {})])
    login(client, clinician)
    with count_queries() as counter:
        rows = _rows(client)
    assert len([s for s in counter.statements if "course_rule" in s]) == 1
    assert (rows["Pia"]["baseline"], rows["Pia"]["change_pct"]) == (7.7, -48.1)
    assert rows["Pia"]["band"] == "moderate"
    assert (rows["Quinn"]["baseline"], rows["Quinn"]["change_pct"]) == (6.0, -50)
    assert rows["Quinn"]["band"] == "substantial"
    for name, patient in (("Pia", pia), ("Quinn", quinn)):
        _same_as_review(rows[name], _review(client, patient))
