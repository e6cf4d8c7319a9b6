"""Sessions on the patient's calendar: a continuous infusion across a clock change ends on the
day it really ended (docs/clinical.md, Infusions and courses: day 0 is start + duration, in
elapsed time), and a patient who changes their zone keeps every past session on its day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from diary import analysis
from diary.extensions import db
from diary.models import Infusion
from tests.clinic.hand_diary import entries, setup
from tests.factories import login


def _days(first: date, last: date, pain: int) -> dict[date, int]:
    n = (last - first).days
    return {first + timedelta(days=i): pain for i in range(n + 1)}


def test_continuous_infusion_over_the_autumn_clock_change_ends_on_its_real_local_day(
    app, make, client
):
    """Patient in Europe/London. A continuous infusion starts 22 Oct 2026 00:30 BST
    (21 Oct 23:30 UTC) and runs 96 hours (5760 minutes). British Summer Time ends on
    25 Oct 2026 at 02:00 BST (-> 01:00 GMT), so it ends at 25 Oct 23:30 UTC = 25 Oct 23:30 GMT:
    the day it ended, in the patient's zone, is 25 Oct (day 0). 96 hours of wall-clock time
    added to 00:30 on 22 Oct would give 26 Oct 00:30, an hour later than the infusion ended.

    Pain 8 on 15..21 Oct (baseline 8.0), 6 during the infusion (22..25 Oct), 2 on
    26 Oct..1 Nov, 8 from 2 Nov on. Week 1 = days +1..+7 = 26 Oct..1 Nov = 2.0: -75%.
    Counted from 26 Oct the week would be 27 Oct..2 Nov: (6 x 2 + 8) / 7 = 2.86, -64.3%."""
    clinician, patient = setup(make, client, tz="Europe/London")
    pains = _days(date(2026, 10, 15), date(2026, 10, 21), 8)
    pains |= _days(date(2026, 10, 22), date(2026, 10, 25), 6)
    pains |= _days(date(2026, 10, 26), date(2026, 11, 1), 2)
    pains |= _days(date(2026, 11, 2), date(2026, 11, 20), 8)
    entries(app, patient, pains)
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id,
                started_at=datetime(2026, 10, 21, 23, 30, tzinfo=UTC),
                duration_minutes=96 * 60,
            )
        )
        db.session.commit()
    body = client.get(f"/api/v1/patients/{patient.id}/responses").get_json()
    (course,) = body["courses"]
    assert course["first_day"] == "2026-10-22"
    assert course["end_day"] == "2026-10-25"
    assert course["response"]["week1_change_pct"] == -75.0


def _session_on_10_march(app, patient, clinician) -> None:
    """A 4-hour session at 14:00 UTC on 10 March 2026 (14:00 in London, 03:00 on 11 March in
    Auckland)."""
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id,
                started_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
                duration_minutes=240,
            )
        )
        db.session.commit()


def test_a_later_zone_change_does_not_move_a_past_session_to_another_day(app, make, client):
    """Patient in Europe/London. A 4-hour session on 10 Mar 2026 at 14:00 GMT (14:00 UTC):
    the session's day is 10 March, its course's day 0 is 10 March. Entries (each made in
    London, day = the London day): pain 8 on 3..9 March, 9 on 10 March (the infusion day),
    3 on 11..20 March. Baseline = 3..9 March = 8.0 (docs/clinical.md: days of the course
    itself never enter the baseline); week 1 = 11..17 March = 3.0: -62.5%.

    In May the patient moves and sets their zone to Pacific/Auckland. Nothing about the
    March session or entries changed: their days must stay. The review re-reads the session's
    UTC start in the new zone (10 Mar 14:00 UTC = 11 Mar 03:00 NZDT), so the session moves to
    11 March, its baseline week becomes 4..10 March (with the infusion day's 9: 57/7 = 8.14)
    and week 1 becomes 12..18 March."""
    clinician, patient = setup(make, client, tz="Europe/London")
    pains = _days(date(2026, 3, 3), date(2026, 3, 9), 8) | {date(2026, 3, 10): 9}
    pains |= _days(date(2026, 3, 11), date(2026, 3, 20), 3)
    entries(app, patient, pains, timezone="Europe/London")
    _session_on_10_march(app, patient, clinician)
    url = f"/api/v1/patients/{patient.id}/responses"
    before = client.get(url).get_json()["courses"][0]
    assert (before["first_day"], before["response"]["baseline"]) == ("2026-03-10", 8.0)
    with app.app_context():
        from diary.models import User

        db.session.get(User, patient.id).timezone = "Pacific/Auckland"
        db.session.commit()
    after = client.get(url).get_json()["courses"][0]
    assert after["first_day"] == "2026-03-10", after["first_day"]
    assert after["response"]["baseline"] == 8.0


def test_a_zone_changed_on_the_settings_page_keeps_the_sessions_days(app, make, client):
    """The same patient as above, 10 March 2026 14:00 UTC session, changing their zone on the
    settings page (Europe/London to Pacific/Auckland): the session's own zone is London from
    then on, so the review's course stays on 10 March (11 March 03:00 in Auckland otherwise),
    and the clinician's list of sessions shows it at 14:00 London time, its zone named."""
    clinician, patient = make.clinician(), make.patient(timezone="Europe/London")
    make.link(clinician, patient)
    make.entry(patient, date(2026, 3, 9), 8)
    _session_on_10_march(app, patient, clinician)
    token = login(client, patient)
    moved = client.post(
        "/diary/settings", data={"csrf_token": token, "timezone": "Pacific/Auckland"}
    )
    assert moved.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Infusion.timezone)).all() == ["Europe/London"]
    other = app.test_client()
    login(other, clinician)
    (course,) = other.get(f"/api/v1/patients/{patient.id}/responses").get_json()["courses"]
    assert course["first_day"] == "2026-03-10"
    listed = other.get(f"/clinic/patients/{patient.id}/infusions").get_data(as_text=True)
    assert "10 Mar 2026 14:00" in listed and "(Europe/London)" in listed
    infusion_id = db_id(app)
    form = other.get(f"/clinic/patients/{patient.id}/infusions/{infusion_id}/edit").text
    assert 'value="2026-03-10"' in form and 'value="14:00"' in form
    assert "Europe/London: their zone before they changed it" in form


def db_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Infusion.id)).one()


def test_a_continuous_infusion_ends_in_elapsed_time_across_both_clock_changes():
    """analysis.Session.end_day in London: 24 hours from 00:30 on 25 October 2026 (the clocks
    go back at 02:00 BST) end at 23:30 GMT the same day, 25 October (adding to the clock's
    reading gave 26 October); 24 hours from 23:30 GMT on 28 March 2026 (forward at 01:00 GMT
    on the 29th) end at 00:30 BST on 30 March (the clock's reading gave 23:30 on 29 March). A
    session without a duration ends on its day; a naive start adds as it is."""
    london = ZoneInfo("Europe/London")
    autumn = analysis.Session(1, datetime(2026, 10, 25, 0, 30, tzinfo=london), 24 * 60)
    assert autumn.end_day == date(2026, 10, 25)
    spring = analysis.Session(2, datetime(2026, 3, 28, 23, 30, tzinfo=london), 24 * 60)
    assert spring.end_day == date(2026, 3, 30)
    assert analysis.Session(3, datetime(2026, 3, 29, 23, 0, tzinfo=london)).end_day == date(
        2026, 3, 29
    )
    assert analysis.Session(4, datetime(2026, 3, 29, 23, 0), 120).end_day == date(2026, 3, 30)
