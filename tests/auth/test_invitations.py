"""Joining through a clinician's invitation link: the only way a patient account is made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from diary.extensions import db
from diary.models import CareLink, Invitation, User, utcnow
from diary.services import accounts
from tests.auth.test_login import csrf_from
from tests.factories import login


class _Pat:
    """The patient `join` creates, as `login` wants it."""

    email = "pat@example.test"


def invite(app, clinician) -> str:
    with app.app_context():
        token = accounts.create_invitation(db.session.get(User, clinician.id))
        db.session.commit()
        return token


def join(client, token, password: str = "a long passphrase", **overrides):
    page = client.get(f"/join/{token}")
    form = {
        "display_name": "Pat Example",
        "email": "pat@example.test",
        "password": password,
        "password_confirm": password,
        "timezone": "Europe/Berlin",
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    } | overrides
    return client.post(f"/join/{token}", data=form)


def test_patient_joins_and_is_linked_to_the_inviting_clinician(app, client, make):
    clinician = make.clinician()
    token = invite(app, clinician)
    assert clinician.display_name in client.get(f"/join/{token}").get_data(as_text=True)
    response = join(client, token)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "your account is ready" in client.get("/login").get_data(as_text=True)
    login(client, _Pat(), password="a long passphrase")
    with app.app_context():
        patient = db.session.scalar(select(User).where(User.email == "pat@example.test"))
        assert patient.role.value == "patient" and patient.timezone == "Europe/Berlin"
        assert db.session.get(CareLink, (clinician.id, patient.id)) is not None
        stored = db.session.scalars(select(Invitation.token_hash)).all()
        assert token not in stored and len(stored[0]) == 64


def test_invitation_works_once(app, client, make):
    token = invite(app, make.clinician())
    assert join(client, token).status_code == 302
    again = client.get(f"/join/{token}")
    assert again.status_code == 404
    assert "not valid any more" in again.get_data(as_text=True)


def test_expired_invitation_is_refused(app, client, make):
    token = invite(app, make.clinician())
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(f"/join/{token}").status_code == 404


def test_unknown_token_is_404(client):
    assert client.get("/join/not-a-token").status_code == 404


def test_bad_join_form_shows_errors_inline_and_creates_nothing(app, client, make):
    token = invite(app, make.clinician())
    response = join(client, token, email="not-an-email", password="short", password_confirm="short")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a valid email address." in body
    assert 'id="email-error"' in body
    response = join(client, token, password="a long passphrase", password_confirm="different!!")
    assert "The two passwords are not the same." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "pat@example.test")) is None
        assert db.session.scalars(select(Invitation.used_at)).one() is None


def test_short_password_is_refused(app, client, make):
    token = invite(app, make.clinician())
    response = join(client, token, password="short", password_confirm="short")
    assert "Use at least 10 characters." in response.get_data(as_text=True)


def test_deactivated_clinician_invitation_stops_working(app, client, make):
    clinician = make.clinician()
    token = invite(app, clinician)
    with app.app_context():
        db.session.get(User, clinician.id).active = False
        db.session.commit()
    assert client.get(f"/join/{token}").status_code == 404
