"""The audit trail: sign-ins, failed sign-ins, and reads of a patient's data by others."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent
from diary.models.audit import AppendOnlyError
from tests.factories import PASSWORD, login


def events(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


def test_sign_in_and_failed_sign_in_are_recorded(app, client, make):
    patient = make.patient()
    client.post("/api/v1/auth/login", json={"email": patient.email, "password": "wrong"})
    client.post("/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD})
    failed, ok = events(app)
    assert failed.action == "auth.login_failed" and failed.actor_id is None
    assert failed.detail == {"email": patient.email} and failed.ip == "127.0.0.1"
    assert ok.action == "auth.login" and ok.actor_id == patient.id


def test_clinician_reading_entries_is_recorded(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    login(client, clinician)
    assert client.get(f"/api/v1/patients/{patient.id}/entries").status_code == 200
    read = events(app)[-1]
    assert (read.action, read.actor_id, read.patient_id) == (
        "entries.read",
        clinician.id,
        patient.id,
    )


def test_clinician_patient_list_records_one_event_naming_every_patient(app, client, make):
    clinician = make.clinician()
    patients = [make.patient() for _ in range(3)]
    for patient in patients:
        make.link(clinician, patient)
    login(client, clinician)
    client.get("/api/v1/patients")
    [read] = [e for e in events(app) if e.action == "patient.list"]
    assert read.actor_id == clinician.id
    assert sorted(read.detail["patient_ids"]) == sorted(p.id for p in patients)


def test_refused_read_leaves_no_read_event(app, client, make):
    clinician, stranger = make.clinician(), make.patient()
    login(client, clinician)
    assert client.get(f"/api/v1/patients/{stranger.id}/entries").status_code == 404
    assert [e.action for e in events(app)] == ["auth.login"]


def test_audit_events_cannot_be_changed_or_deleted(app, client, make):
    login(client, make.patient())
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).first()
        event.action = "something else"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(AuditEvent)).first())
        with pytest.raises(AppendOnlyError):
            db.session.commit()


@pytest.mark.parametrize(
    ("path", "action", "service"),
    [
        ("/clinic/patients/{id}", "review.read", "diary.services.review.review_page"),
        ("/clinic/patients/{id}/report", "report.read", "diary.services.review.report"),
        ("/api/v1/patients/{id}/summary", "summary.read", "diary.services.review.summary"),
        ("/api/v1/patients/{id}/export.csv", "export.csv", "diary.services.exports.entries_csv"),
        (
            "/clinic/patients/{id}/infusions",
            "infusions.read",
            "diary.services.infusions.list_infusions",
        ),
    ],
)
def test_a_read_that_fails_afterwards_is_still_recorded(
    app, client, make, monkeypatch, path, action, service
):
    """The access gate commits the read before the patient's data is loaded: when building the
    page then fails (500), the trail still shows who reached the patient."""
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    login(client, clinician)

    def boom(*args, **kwargs):
        raise RuntimeError("the page failed after the gate")

    monkeypatch.setattr(service, boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        assert client.get(path.format(id=patient.id)).status_code == 500
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    read = events(app)[-1]
    assert (read.action, read.actor_id, read.patient_id) == (action, clinician.id, patient.id)
