"""The clinic admin's accounts page: deactivating and reactivating accounts."""

from __future__ import annotations

from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent, User
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login


def test_admin_deactivates_a_patient_whose_session_then_ends(app, make):
    admin, patient = make.admin(), make.patient()
    patient_client, admin_client = app.test_client(), app.test_client()
    login(patient_client, patient)
    login(admin_client, admin)
    page = admin_client.get("/admin/users")
    assert patient.email in page.get_data(as_text=True)
    response = admin_client.post(
        f"/admin/users/{patient.id}/active/off",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 302
    assert "deactivated" in admin_client.get("/admin/users").get_data(as_text=True)
    assert patient_client.get("/api/v1/me").status_code == 401
    refused = patient_client.post(
        "/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD}
    )
    assert refused.status_code == 401
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.deactivated")
        ).one()
        assert (event.actor_id, event.patient_id) == (admin.id, patient.id)


def test_admin_reactivates_an_account(app, client, make):
    admin, clinician = make.admin(), make.clinician(active=False)
    login(client, admin)
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    client.post(f"/admin/users/{clinician.id}/active/on", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(User, clinician.id).active is True


def test_admin_cannot_deactivate_themselves(app, client, make):
    admin = make.admin()
    login(client, admin)
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    response = client.post(f"/admin/users/{admin.id}/active/off", data={"csrf_token": token})
    assert response.status_code == 422
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active is True
