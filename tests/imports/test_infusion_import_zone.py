"""An exported then imported infusion CSV gives the same review: the CSV carries the zone each
session's day is counted in, and the import keeps it (docs/operations.md, The CSV of infusion
sessions); a zone that is not one is refused with the line and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diary.extensions import db
from diary.models import Infusion, User
from diary.services import exports, review
from tests.factories import login
from tests.imports.test_csv_import import post_import


def _days(patient_id):
    built = review.build(db.session.get(User, patient_id))
    return [s.day for s in built.responses.past]


def test_infusion_csv_round_trip_keeps_a_session_on_its_local_day(app, client, make):
    # The patient lived in Los Angeles when the session was given (20:00 local time), then
    # moved to London: the session keeps its zone (migration 0018's trigger does this on a
    # zone change; set here directly), so its day stays the LA day.
    source = make.patient(timezone="Europe/London")
    target = make.patient(timezone="Europe/London")
    clinician = make.clinician()
    make.link(clinician, source)
    make.link(clinician, target)
    day = datetime.now(UTC).date() - timedelta(days=20)
    started = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)  # 20:00 the day before in LA
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=source.id,
                clinician_id=clinician.id,
                started_at=started,
                duration_minutes=240,
                dose_mg=100,
                timezone="America/Los_Angeles",
            )
        )
        db.session.commit()
        expected = _days(source.id)
        assert expected == [day - timedelta(days=1)]
        text = exports.infusions_csv(db.session.get(User, source.id))
    token = login(client, clinician)
    assert post_import(client, token, target, text, kind="infusions").get_json()["stored"] == 1
    with app.app_context():
        # the same session, on the same local day, in the target's review
        assert _days(target.id) == expected


def test_an_unknown_zone_in_the_infusion_csv_is_refused(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    text = "started_at,timezone\r\n2026-03-10T14:00:00+00:00,Mars/Olympus\r\n"
    token = login(client, clinician)
    report = post_import(client, token, patient, text, kind="infusions").get_json()
    assert report["stored"] == 0
    assert [(r["line"], r["column"]) for r in report["rejected"]] == [(2, "timezone")], report
