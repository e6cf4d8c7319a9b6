"""Signing in and out, by the page and by the API, and the limits on guessing."""

from __future__ import annotations

import re

from sqlalchemy import select

from diary.extensions import db
from diary.models import User
from tests.factories import PASSWORD, login


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_sign_in_page_takes_a_patient_to_the_diary(client, make):
    patient = make.patient()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": patient.email.upper(), "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary"
    assert client.get("/diary").status_code == 200


def test_wrong_password_on_the_page_says_so_inline(client, make):
    patient = make.patient()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": patient.email, "password": "wrong one!", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/diary").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, make):
    clinician = make.clinician()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": clinician.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/clinic"


def test_api_login_answers_user_and_csrf_token(client, make, app):
    clinician = make.clinician()
    response = client.post(
        "/api/v1/auth/login", json={"email": clinician.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["role"] == "clinician"
    assert body["user"]["id"] == clinician.id
    assert body["csrf_token"]
    assert client.get("/api/v1/me").get_json()["email"] == clinician.email
    with app.app_context():
        assert db.session.get(User, clinician.id).last_login_at is not None


def test_api_login_bad_credentials_is_401_json(client, make):
    patient = make.patient()
    response = client.post("/api/v1/auth/login", json={"email": patient.email, "password": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    unknown = client.post("/api/v1/auth/login", json={"email": "no@one.test", "password": "x"})
    assert unknown.status_code == 401


def test_api_login_missing_fields_is_422_per_field(client):
    response = client.post("/api/v1/auth/login", json={"email": "a@b.test", "extra": 1})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "password" in errors and "extra" in errors


def test_deactivated_account_cannot_sign_in_and_loses_its_session(client, make, app):
    patient = make.patient()
    login(client, patient)
    with app.app_context():
        db.session.get(User, patient.id).active = False
        db.session.commit()
    assert client.get("/api/v1/me").status_code == 401
    response = client.post(
        "/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD}
    )
    assert response.status_code == 401


def test_logout_ends_the_session(client, make):
    token = login(client, make.patient())
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_sixth_bad_password_in_a_minute_is_429(client, make):
    patient = make.patient()
    for _ in range(5):
        bad = client.post("/api/v1/auth/login", json={"email": patient.email, "password": "no"})
        assert bad.status_code == 401
    sixth = client.post("/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD})
    assert sixth.status_code == 429
    assert sixth.get_json()["error"]["code"] == "too_many_requests"


def test_sign_in_page_is_limited_too(client, make):
    patient = make.patient()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"email": patient.email, "password": "nope", "csrf_token": token}
    statuses = [client.post("/login", data=data).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_successful_sign_ins_are_not_limited(app, client, make):
    """A success costs nothing: eight sign-ins in a minute (API and page, same address and
    account) all get in, and afterwards the full allowance of five failures is still there."""
    patient = make.patient()
    api = [
        client.post(
            "/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD}
        ).status_code
        for _ in range(4)
    ]
    page = []
    for _ in range(4):
        browser = app.test_client()  # signed out, from the same address
        token = csrf_from(browser.get("/login").get_data(as_text=True))
        data = {"email": patient.email, "password": PASSWORD, "csrf_token": token}
        response = browser.post("/login", data=data)
        page.append((response.status_code, response.headers.get("Location")))
    assert api == [200] * 4
    assert page == [(302, "/diary")] * 4
    failures = [
        client.post("/api/v1/auth/login", json={"email": patient.email, "password": "no"})
        for _ in range(6)
    ]
    assert [r.status_code for r in failures] == [401] * 5 + [429]


def test_limit_follows_the_account_across_addresses(client, make):
    patient = make.patient()
    for n in range(5):
        client.post(
            "/api/v1/auth/login",
            json={"email": patient.email, "password": "no"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    response = client.post(
        "/api/v1/auth/login",
        json={"email": patient.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429


def test_emails_are_case_folded(app, make, client):
    patient = make.patient(email="Mixed.Case@Example.test".casefold())
    login(client, patient)
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.id == patient.id)) == (
            "mixed.case@example.test"
        )
