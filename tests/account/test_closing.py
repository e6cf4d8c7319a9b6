"""Closing an account: the diary, name and email are erased; the account cannot sign in and its
sessions end; the audit trail keeps every event, with the person behind an opaque id; another
patient's data is untouched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import (
    AuditEvent,
    CareLink,
    Entry,
    EntryRevision,
    Infusion,
    User,
    WeeklyCheckin,
)
from diary.services import entries
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login

AUDIT_COLUMNS = ("id", "at", "action", "actor_id", "patient_id", "object_type", "object_id", "ip")


@pytest.fixture
def world(app, client, make):
    """Patient Ada (entries, a revision, a check-in, an infusion, failed sign-ins) and patient
    Bo, both with clinician C, who has read Ada's review (audit events)."""
    ada = make.patient(email="ada@example.test", display_name="Ada Lovelace")
    bo = make.patient(email="bo@example.test", display_name="Bo Other")
    clinician = make.clinician()
    make.link(clinician, ada)
    make.link(clinician, bo)
    entry = make.entry(ada, make.days_ago(2), 7, note="private note")
    make.entry(ada, make.days_ago(1), 4)
    make.entry(bo, make.days_ago(1), 8, note="Bo's note")
    make.infusion(ada, clinician, make.days_ago(5), dose_mg=60)
    make.infusion(bo, clinician, make.days_ago(5), dose_mg=90)
    with app.app_context():
        entries.update_entry(db.session.merge(ada), entry.id, {"pain": 6}, version=1)
        db.session.add(WeeklyCheckin(patient_id=ada.id, day=make.days_ago(1), pgic=3))
        db.session.commit()
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": ada.email, "password": "wrong one!"})
    token = login(client, clinician)
    assert client.get(f"/clinic/patients/{ada.id}").status_code == 200
    assert client.get(f"/api/v1/patients/{ada.id}/entries").status_code == 200
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    return {"ada": ada, "bo": bo, "clinician": clinician}


def _audit(app) -> dict[int, tuple]:
    with app.app_context():
        return {
            row.id: row
            for row in db.session.execute(
                select(*(getattr(AuditEvent, c) for c in AUDIT_COLUMNS), AuditEvent.detail)
            )
        }


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def _bo_data(app, bo) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(Entry.id, Entry.day, Entry.pain, Entry.note, Entry.version).where(
                Entry.patient_id == bo.id
            )
        ).all()
        infusions = db.session.execute(
            select(Infusion.id, Infusion.dose_mg).where(Infusion.patient_id == bo.id)
        ).all()
        user = db.session.get(User, bo.id)
        return [*rows, *infusions, (user.email, user.display_name, user.active)]


def _close_on_settings_page(client, password: str, confirm: bool = True):
    token = csrf_from(client.get("/diary/settings").get_data(as_text=True))
    data = {"csrf_token": token, "password": password}
    if confirm:
        data["confirm"] = "1"
    return client.post("/diary/settings/close", data=data)


def test_a_wrong_password_or_no_confirmation_closes_nothing(app, client, world):
    ada = world["ada"]
    login(client, ada)
    response = _close_on_settings_page(client, "not my password")
    assert response.status_code == 422
    assert "That is not your password." in response.get_data(as_text=True)
    response = _close_on_settings_page(client, PASSWORD, confirm=False)
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert _count(app, Entry, patient_id=ada.id) == 2
    assert client.get("/api/v1/me").get_json()["email"] == "ada@example.test"


def test_patient_closes_their_account_and_it_is_gone_everywhere(app, client, make, world):
    ada, bo, clinician = world["ada"], world["bo"], world["clinician"]
    audit_before = _audit(app)
    bo_before = _bo_data(app, bo)
    other_device = app.test_client()
    login(other_device, ada)
    assert other_device.get("/api/v1/me").status_code == 200

    login(client, ada)
    response = _close_on_settings_page(client, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    # The diary is erased; infusions are kept by default, under the tombstone.
    assert _count(app, Entry, patient_id=ada.id) == 0
    assert _count(app, EntryRevision) == 0  # Ada's was the only revision
    assert _count(app, WeeklyCheckin, patient_id=ada.id) == 0
    assert _count(app, CareLink, patient_id=ada.id) == 0
    assert _count(app, Infusion, patient_id=ada.id) == 1
    with app.app_context():
        tomb = db.session.get(User, ada.id)
        assert tomb.email.startswith("closed-") and tomb.email.endswith("@closed.invalid")
        assert tomb.display_name == "Closed account" and not tomb.active
        assert tomb.closed_at is not None and tomb.reminder_time is None
        opaque = tomb.email.split("@")[0]

    # Sessions end, on this device and the other; the account cannot sign in.
    assert client.get("/api/v1/me").status_code == 401
    assert other_device.get("/api/v1/me").status_code == 401
    assert other_device.get("/diary/history").status_code == 302
    response = client.post(
        "/api/v1/auth/login", json={"email": "ada@example.test", "password": PASSWORD}
    )
    assert response.status_code == 401

    # Gone from every page, API and export the clinician has.
    token = login(client, clinician)
    listed = client.get("/api/v1/patients").get_json()
    assert [p["id"] for p in listed] == [bo.id]
    for url in (
        f"/clinic/patients/{ada.id}",
        f"/clinic/patients/{ada.id}/report",
        f"/clinic/patients/{ada.id}/infusions",
        f"/clinic/patients/{ada.id}/import",
        f"/api/v1/patients/{ada.id}/entries",
        f"/api/v1/patients/{ada.id}/summary",
        f"/api/v1/patients/{ada.id}/export.csv",
        f"/api/v1/patients/{ada.id}/fhir",
        f"/api/v1/patients/{ada.id}/infusions",
    ):
        assert client.get(url).status_code == 404, url
    dashboard = client.get("/clinic").get_data(as_text=True)
    assert "Ada Lovelace" not in dashboard and "Bo Other" in dashboard
    assert client.get(f"/clinic/patients/{bo.id}").status_code == 200
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    login(client, make.admin())
    admin_page = client.get("/admin/users").get_data(as_text=True)
    assert "ada@example.test" not in admin_page and opaque in admin_page

    # Another patient's data is untouched.
    assert _bo_data(app, bo) == bo_before

    # The audit trail keeps every event as it was (only the email typed in Ada's failed
    # sign-ins became the opaque id), adds one account.closed, and every person it names
    # still resolves to a users row, none of which holds Ada's name or email.
    audit_after = _audit(app)
    assert set(audit_before) < set(audit_after)
    for event_id, before in audit_before.items():
        after = audit_after[event_id]
        assert after[: len(AUDIT_COLUMNS)] == before[: len(AUDIT_COLUMNS)]
        if before.action == "auth.login_failed" and before.detail["email"] == "ada@example.test":
            assert after.detail == {"email": opaque}
        else:
            assert after.detail == before.detail
    failed = [e for e in audit_before.values() if e.action == "auth.login_failed"]
    assert len(failed) == 2
    (closed,) = [
        audit_after[i]
        for i in set(audit_after) - set(audit_before)
        if audit_after[i].action == "account.closed"
    ]
    assert (closed.actor_id, closed.patient_id, closed.object_id) == (ada.id, ada.id, opaque)
    assert closed.detail == {
        "by": "patient",
        "entries": 2,
        "revisions": 1,
        "checkins": 1,
        "push_subscriptions": 0,
        "infusions": "keep",
        "infusion_count": 1,
    }
    with app.app_context():
        people = {e.actor_id for e in audit_after.values()} | {
            e.patient_id for e in audit_after.values()
        }
        people.discard(None)
        assert people <= set(db.session.scalars(select(User.id)))
    # (A sign-in tried with the old email after closing is a new event, like any unknown email.)
    text = repr([audit_after[i] for i in audit_before]) + repr(closed)
    assert "ada@example.test" not in text and "Ada Lovelace" not in text


def test_infusions_are_erased_when_the_clinic_says_so(app, runner, world):
    ada = world["ada"]
    app.config["CLOSED_ACCOUNT_INFUSIONS"] = "erase"
    try:
        result = runner.invoke(args=["close-account", ada.email, "--yes"])
    finally:
        app.config["CLOSED_ACCOUNT_INFUSIONS"] = "keep"
    assert result.exit_code == 0, result.output
    assert "infusion sessions kept: 0, erased: 1" in result.output
    assert _count(app, Infusion, patient_id=ada.id) == 0
    assert _count(app, Infusion, patient_id=world["bo"].id) == 1
    assert _count(app, Entry, patient_id=ada.id) == 0


def test_cli_asks_before_closing_and_refuses_a_clinician(app, runner, world):
    ada = world["ada"]
    result = runner.invoke(args=["close-account", ada.email], input="n\n")
    assert result.exit_code != 0 and _count(app, Entry, patient_id=ada.id) == 2
    result = runner.invoke(args=["close-account", ada.email], input="y\n")
    assert result.exit_code == 0 and "Closed. The account is now closed-" in result.output
    assert _count(app, Entry, patient_id=ada.id) == 0
    result = runner.invoke(args=["close-account", world["clinician"].email, "--yes"])
    assert result.exit_code != 0 and "not a patient" in result.output


def test_admin_closes_an_account_after_typing_its_email(app, client, make, world):
    ada = world["ada"]
    login(client, make.admin())
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    response = client.post(
        f"/admin/users/{ada.id}/close", data={"csrf_token": token, "confirm": "bo@example.test"}
    )
    assert response.status_code == 302 and _count(app, Entry, patient_id=ada.id) == 2
    response = client.post(
        f"/admin/users/{ada.id}/close", data={"csrf_token": token, "confirm": ada.email}
    )
    assert response.status_code == 302 and _count(app, Entry, patient_id=ada.id) == 0
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.closed"))
        assert event.detail["by"] == "admin"
    again = client.post(f"/admin/users/{ada.id}/close", data={"csrf_token": token, "confirm": "x"})
    assert again.status_code == 302  # a closed account has no email left to type
    missing = client.post(f"/admin/users/{uuid.uuid4().int % 10**6 + 10**6}/close",
                          data={"csrf_token": token})  # fmt: skip
    assert missing.status_code == 404


def test_api_close_needs_the_password_and_ends_the_session(app, client, world):
    ada = world["ada"]
    token = login(client, ada)
    response = client.post(
        "/api/v1/me/close", json={"password": "wrong"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"password": ["That is not your password."]}
    response = client.post(
        "/api/v1/me/close", json={"password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    assert client.get("/api/v1/entries").status_code == 401
    assert _count(app, Entry, patient_id=ada.id) == 0
    assert datetime.now(UTC)  # the clock used by the tombstone is aware


def test_an_unknown_infusion_policy_stops_the_app_at_start():
    from config import TestingConfig
    from diary import create_app

    config = TestingConfig()
    config.CLOSED_ACCOUNT_INFUSIONS = "shred"
    with pytest.raises(RuntimeError, match="use keep"):
        create_app(config)


def test_guessing_the_password_on_the_close_form_is_limited(app, client, world):
    """CLOSE_ACCOUNT_ATTEMPT_LIMIT (5 a minute) wrong passwords, then 429 even for the right one."""
    ada = world["ada"]
    token = login(client, ada)
    for _ in range(5):
        response = client.post(
            "/api/v1/me/close", json={"password": "guess"}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 422
    response = client.post(
        "/api/v1/me/close", json={"password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 429
    assert _count(app, Entry, patient_id=ada.id) == 2
