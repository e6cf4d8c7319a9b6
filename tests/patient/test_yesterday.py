""" "Same as yesterday": the day's copyable answers, combined by the database."""

from datetime import UTC, date, datetime

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


def test_hundreds_of_identical_entries_are_one_row(app, make):
    """300 entries today with the same answers: the database groups them, so the page reads one
    row for today, not 300 (the Today page must not slow down with the entries already saved)."""
    patient = make.patient()
    today = make.days_ago(0)
    with app.app_context():
        db.session.add_all(
            Entry(
                patient_id=patient.id,
                day=today,
                recorded_at=_at(today, 7),
                pain=3,
                symptoms=["burning"],
                body_sites=["foot_right"],
                medications=[],
            )
            for _ in range(300)
        )
        db.session.commit()
        patient = db.session.get(type(patient), patient.id)
        rows = yesterday._rows(patient, today)
        assert len(rows) == 1
        assert yesterday.recent_days(patient, today)[today.isoformat()]["symptoms"] == ["burning"]
