"""Sessions end: a copy of a cookie taken before sign-out (or a password change, deactivation,
an admin's "sign out everywhere") no longer reads or writes anything."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from diary.extensions import db
from diary.models import RememberToken, User, utcnow
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login


def _copy_session(client) -> str:
    return client.get_cookie("session").value


def _attacker(app, cookie_name: str, value: str):
    other = app.test_client()
    other.set_cookie(cookie_name, value)
    return other


def _sign_in_on_page(client, user, remember: bool = True):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "1"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def test_a_copied_session_cookie_is_dead_after_sign_out(app, client, make):
    patient = make.patient()
    token = login(client, patient)
    stolen = _copy_session(client)
    thief = _attacker(app, "session", stolen)
    assert thief.get("/api/v1/me").status_code == 200  # the copy works while signed in

    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204
    assert thief.get("/api/v1/me").status_code == 401
    write = thief.post("/api/v1/entries", json={"pain": 3}, headers={"X-CSRFToken": token})
    assert write.status_code == 401
    assert thief.get("/diary").status_code == 302  # to the sign-in page


def test_sign_out_on_the_page_ends_the_session_on_every_device(app, client, make):
    patient = make.patient()
    _sign_in_on_page(client, patient, remember=False)
    phone = app.test_client()
    login(phone, patient)
    csrf = csrf_from(client.get("/diary").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert phone.get("/api/v1/me").status_code == 401


def test_remember_token_is_random_stored_hashed_and_works_alone(app, client, make):
    patient = make.patient()
    _sign_in_on_page(client, patient)
    first = client.get_cookie("diary_remember").value
    second_client = app.test_client()
    _sign_in_on_page(second_client, patient)
    second = second_client.get_cookie("diary_remember").value
    assert first != second and len(first) >= 40
    with app.app_context():
        hashes = set(db.session.scalars(select(RememberToken.token_hash)))
        expires = list(db.session.scalars(select(RememberToken.expires_at)))
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in (first, second)}
    assert all(utcnow() + timedelta(days=29) < e <= utcnow() + timedelta(days=31) for e in expires)
    # Only the remember cookie (the session cookie has gone, as when the browser restarts).
    browser = _attacker(app, "diary_remember", first)
    assert browser.get("/api/v1/me").get_json()["id"] == patient.id


def test_remember_token_expires(app, client, make):
    patient = make.patient()
    _sign_in_on_page(client, patient)
    value = client.get_cookie("diary_remember").value
    with app.app_context():
        for row in db.session.scalars(select(RememberToken)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert _attacker(app, "diary_remember", value).get("/api/v1/me").status_code == 401


def test_sign_out_revokes_remember_tokens(app, client, make):
    patient = make.patient()
    _sign_in_on_page(client, patient)
    remembered = client.get_cookie("diary_remember").value
    csrf = csrf_from(client.get("/diary").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": csrf})
    assert "diary_remember=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert _attacker(app, "diary_remember", remembered).get("/api/v1/me").status_code == 401
    with app.app_context():
        assert db.session.scalars(select(RememberToken)).all() == []


def test_old_hmac_remember_cookie_no_longer_signs_in(app, client, make):
    """flask-login's own cookie was `id|HMAC(SECRET_KEY, id)`: the same on every sign-in."""
    from flask_login.utils import encode_cookie

    patient = make.patient()
    with app.test_request_context():
        forged = encode_cookie(str(patient.id))
    assert _attacker(app, "remember_token", forged).get("/api/v1/me").status_code == 401


def test_password_change_ends_every_session(app, client, runner, make):
    patient = make.patient()
    login(client, patient)
    _sign_in_on_page(other := app.test_client(), patient)
    remembered = other.get_cookie("diary_remember").value
    result = runner.invoke(
        args=["set-password", patient.email, "--password", "a brand new passphrase"]
    )
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401
    assert _attacker(app, "diary_remember", remembered).get("/api/v1/me").status_code == 401
    response = client.post(
        "/api/v1/auth/login", json={"email": patient.email, "password": "a brand new passphrase"}
    )
    assert response.status_code == 200


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, client, make):
    admin, patient = make.admin(), make.patient()
    login(client, patient)
    stolen = _copy_session(client)
    admin_client = app.test_client()
    _sign_in_on_page(admin_client, admin, remember=False)
    csrf = csrf_from(admin_client.get("/admin/users").get_data(as_text=True))
    for state in ("off", "on"):
        response = admin_client.post(
            f"/admin/users/{patient.id}/active/{state}", data={"csrf_token": csrf}
        )
        assert response.status_code == 302
    assert _attacker(app, "session", stolen).get("/api/v1/me").status_code == 401


def test_admin_signs_a_user_out_everywhere(app, client, make):
    admin, patient = make.admin(), make.patient()
    _sign_in_on_page(client, patient)
    remembered = client.get_cookie("diary_remember").value
    admin_client = app.test_client()
    _sign_in_on_page(admin_client, admin, remember=False)
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{patient.id}/sign-out" in page
    response = admin_client.post(
        f"/admin/users/{patient.id}/sign-out", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert "signed out on every device" in admin_client.get("/admin/users").get_data(True)
    assert client.get("/api/v1/me").status_code == 401
    assert _attacker(app, "diary_remember", remembered).get("/api/v1/me").status_code == 401
    assert admin_client.get("/admin/users").status_code == 200  # the admin stays signed in


def test_cli_signs_a_user_out_everywhere(app, client, runner, make):
    patient = make.patient()
    login(client, patient)
    result = runner.invoke(args=["sign-out-everywhere", patient.email])
    assert result.exit_code == 0 and "every device" in result.output
    assert client.get("/api/v1/me").status_code == 401
    with app.app_context():
        assert db.session.get(User, patient.id).session_generation == 2
