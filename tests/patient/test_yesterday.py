""" "Same as yesterday": the day's copyable answers, combined by the database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from diary.extensions import db
from diary.models import Entry
from diary.services import yesterday


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_a_days_answers_combine_its_entries_in_the_order_first_written(app, make, count_queries):
    """Yesterday has four entries (times UTC):
    08:00 symptoms [burning], sites [hand_left], other site "scar", meds ["gabapentin 300 mg"]
    09:00 the same answers again (a resend from another phone: identical)
    12:00 symptoms [swelling, burning], sites [], other site "wrist scar", meds []
    10:00 (deleted) symptoms [colour] - a deleted entry counts for nothing.
    By hand: symptoms = burning (08:00) then swelling (12:00) -> [burning, swelling]; sites
    [hand_left]; meds [gabapentin 300 mg]; the other site is the text written last: "wrist scar".
    The day before yesterday has no entry, so copying into yesterday finds nothing (None), and
    the three identical-in-content rows of 08:00/09:00 come back from the database as one."""
    patient = make.patient()
    today = make.days_ago(0)
    day = make.days_ago(1)
    same = dict(symptoms=["burning"], body_sites=["hand_left"], body_site_other="scar")
    make.entry(patient, day, 6, recorded_at=_at(day, 8), medications=["gabapentin 300 mg"], **same)
    make.entry(patient, day, 5, recorded_at=_at(day, 9), medications=["gabapentin 300 mg"], **same)
    make.entry(
        patient,
        day,
        4,
        recorded_at=_at(day, 12),
        symptoms=["swelling", "burning"],
        body_site_other="wrist scar",
    )
    make.entry(
        patient, day, 7, recorded_at=_at(day, 10), symptoms=["colour"], deleted_at=_at(day, 11)
    )
    with app.app_context():
        patient = db.session.get(type(patient), patient.id)
        with count_queries() as counter:
            days = yesterday.recent_days(patient, today)
        assert counter.count == 1
        assert days == {
            day.isoformat(): {
                "symptoms": ["burning", "swelling"],
                "body_sites": ["hand_left"],
                "body_site_other": "wrist scar",
                "medications": ["gabapentin 300 mg"],
            }
        }
        assert yesterday.copied_values(days, today) == days[day.isoformat()]
        assert yesterday.copied_values(days, day) is None


def test_a_day_with_hundreds_of_entries_is_read_from_its_latest_ones(app, make):
    """300 entries today: the first (06:00) has symptoms [colour], the 299 after it (07:00,
    07:01, ...) [burning]. Only the day's latest DAY_ENTRIES_READ (20) entries are read, so the
    page reads 20 rows however many entries the day has, and today's answers are those of its
    latest entries: symptoms [burning] (the 06:00 answer is not among the last 20)."""
    patient = make.patient()
    today = make.days_ago(0)
    with app.app_context():
        db.session.add_all(
            Entry(
                patient_id=patient.id,
                day=today,
                recorded_at=_at(today, 6) if i == 0 else _at(today, 7) + timedelta(minutes=i),
                pain=3,
                symptoms=["colour"] if i == 0 else ["burning"],
                body_sites=["foot_right"],
                medications=[],
            )
            for i in range(300)
        )
        db.session.commit()
        patient = db.session.get(type(patient), patient.id)
        rows = yesterday.recent_rows(patient, today)
        assert len(rows) == yesterday.DAY_ENTRIES_READ == 20
        assert yesterday.recent_days(patient, today)[today.isoformat()]["symptoms"] == ["burning"]


def test_each_day_is_read_from_the_end_of_the_index_of_live_entries(app):
    """SQLite's plan for one day's rows: a search of the index of live entries by time, walked
    from its end, with no sort of the day's entries (which would read every one of them)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is SQLite's")
        day = yesterday._DAYS[0].element
        compiled = day.compile(db.engine, compile_kwargs={"literal_binds": False})
        params = {"patient_id": 1, "day0": date(2026, 1, 1)}
        plan = " | ".join(
            str(row[-1])
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled),
                tuple(compiled.construct_params(params)[k] for k in compiled.positiontup),
            )
        )
    assert "ix_entries_live_patient_day_recorded" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
