"""Inviting a parent or carer: by the patient (settings) or their clinician (for a child); the
join page makes a carer account or adds the patient to an existing one; the patient removes a
carer; closing the patient's account removes carers and pending invitations."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import AuditEvent, CarerInvitation, CarerLink, Role, User, utcnow
from diary.services import accounts
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login

LINK = re.compile(r'value="(http://localhost/carer/join/[^"]+)"')


def _invite_from_settings(client, email: str):
    token = csrf_from(client.get("/diary/settings").text)
    return client.post("/diary/settings/carers", data={"email": email, "csrf_token": token})


def _token(response) -> str:
    return LINK.search(response.text).group(1).rsplit("/", 1)[1]


def _join(client, token: str, **form):
    page = client.get(f"/carer/join/{token}")
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_from(page.text)} | form
    return client.post(f"/carer/join/{token}", data=data)


def _links(app, patient) -> list[tuple[int, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(CarerLink.carer_id, CarerLink.invited_by_id).where(
                CarerLink.patient_id == patient.id
            )
        )
        return [tuple(row) for row in rows]


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_a_patient_invites_a_carer_who_joins_and_logs_in_to_their_list(app, client, make):
    pat = make.patient(display_name="Pat")
    login(client, pat)
    response = _invite_from_settings(client, "Anna@Example.test")
    assert response.status_code == 200
    assert "Send this link to Anna@Example.test" in response.text
    token = _token(response)
    # The invitation is listed as pending on the settings page.
    assert "anna@example.test" in client.get("/diary/settings").text

    visitor = app.test_client()
    page = visitor.get(f"/carer/join/{token}")
    assert "Log for Pat" in page.text and 'value="anna@example.test"' in page.text
    mismatch = _join(
        visitor, token, display_name="Anna", password="a long passphrase", password_confirm="x"
    )
    assert mismatch.status_code == 422
    assert "The two passwords are not the same." in mismatch.text
    short = _join(visitor, token, display_name="Anna", password="short", password_confirm="short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.text
    done = _join(
        visitor,
        token,
        display_name="Anna",
        password="a long passphrase",
        password_confirm="a long passphrase",
    )
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    anna = _user(app, "anna@example.test")
    assert anna.role == Role.CARER and anna.display_name == "Anna"
    with app.app_context():
        assert accounts.check_password(db.session.get(User, anna.id), "a long passphrase")
    assert _links(app, pat) == [(anna.id, pat.id)]
    # Used up: the link answers 404 now.
    assert visitor.get(f"/carer/join/{token}").status_code == 404

    carer = app.test_client()
    login(carer, anna, "a long passphrase")
    assert carer.get("/").headers["Location"] == "/carer"
    home = carer.get("/carer")
    assert home.status_code == 200
    assert "Pat" in home.text and f"/diary/for/{pat.id}" in home.text


def test_a_clinician_invites_a_parent_for_a_child_and_an_existing_carer_adds_a_second_child(
    app, client, make
):
    """One carer may care for two children: the second invitation asks for the existing
    account's password instead of making a new account."""
    cal = make.clinician()
    child1, child2 = make.patient(display_name="Kim"), make.patient(display_name="Lee")
    make.link(cal, child1)
    make.link(cal, child2)
    login(client, cal)
    links = {}
    for child in (child1, child2):
        page = client.get(f"/clinic/patients/{child.id}/carers")
        assert page.status_code == 200 and "No one logs for" in page.text
        response = client.post(
            f"/clinic/patients/{child.id}/carers",
            data={"email": "parent@example.test", "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 200
        links[child.id] = _token(response)

    visitor = app.test_client()
    _join(
        visitor,
        links[child1.id],
        display_name="Sam Parent",
        password="a long passphrase",
        password_confirm="a long passphrase",
    )
    parent = _user(app, "parent@example.test")
    page = visitor.get(f"/carer/join/{links[child2.id]}")
    assert "You already have a carer account with this email" in page.text
    wrong = _join(visitor, links[child2.id], password="not the password")
    assert wrong.status_code == 422
    assert "That is not the password of your carer account." in wrong.text
    assert _links(app, child2) == []
    right = _join(visitor, links[child2.id], password="a long passphrase")
    assert right.status_code == 302
    assert _links(app, child1) == [(parent.id, cal.id)]
    assert _links(app, child2) == [(parent.id, cal.id)]
    # The clinic's page lists the parent now.
    assert "Sam Parent" in client.get(f"/clinic/patients/{child2.id}/carers").text

    carer = app.test_client()
    login(carer, parent, "a long passphrase")
    home = carer.get("/carer").text
    assert "Kim" in home and "Lee" in home


def test_an_invitation_to_a_patients_email_is_refused_on_the_join_page(app, client, make):
    pat = make.patient()
    other = make.patient(email="other@example.test")
    login(client, pat)
    token = _token(_invite_from_settings(client, other.email))
    visitor = app.test_client()
    page = visitor.get(f"/carer/join/{token}")
    assert "cannot log for someone else" in page.text
    response = visitor.post(
        f"/carer/join/{token}", data={"password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 422
    assert _links(app, pat) == []
    assert _user(app, other.email).role == Role.PATIENT


def test_bad_invitation_emails_get_a_message_on_the_field(client, make):
    pat = make.patient(email="pat@example.test")
    login(client, pat)
    for email, message in (
        ("not an email", "Enter a valid email address."),
        ("pat@example.test", "Enter the email of the parent or carer."),
    ):
        response = _invite_from_settings(client, email)
        assert response.status_code == 422
        assert message in response.text
        assert 'id="carer_email" name="email"' in response.text
        assert 'aria-invalid="true"' in response.text


def test_expired_and_withdrawn_invitations_answer_404(app, client, make):
    pat = make.patient()
    login(client, pat)
    expired = _token(_invite_from_settings(client, "late@example.test"))
    withdrawn = _token(_invite_from_settings(client, "no@example.test"))
    with app.app_context():
        invitation = db.session.scalar(
            select(CarerInvitation).where(CarerInvitation.email == "late@example.test")
        )
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        pending = db.session.scalar(
            select(CarerInvitation.id).where(CarerInvitation.email == "no@example.test")
        )
        db.session.commit()
    token = csrf_from(client.get("/diary/settings").text)
    response = client.post(
        f"/diary/settings/carers/invitations/{pending}/withdraw", data={"csrf_token": token}
    )
    assert response.status_code == 302
    visitor = app.test_client()
    for link in (expired, withdrawn):
        page = visitor.get(f"/carer/join/{link}")
        assert page.status_code == 404
        assert "not valid any more" in page.text


def test_the_patient_removes_a_carer_whose_next_request_gets_404(app, client, make):
    """Removal works at once: the carer's session, still signed in, cannot read or log."""
    pat, anna = make.patient(), make.carer(display_name="Anna")
    make.carer_link(anna, pat)
    carer = app.test_client()
    carer_token = login(carer, anna)
    assert carer.get(f"/diary/for/{pat.id}").status_code == 200

    login(client, pat)
    settings = client.get("/diary/settings").text
    assert "Anna" in settings
    response = client.post(
        f"/diary/settings/carers/{anna.id}/remove", data={"csrf_token": csrf_from(settings)}
    )
    assert response.status_code == 302
    assert "Anna can no longer see or log in your diary." in client.get("/diary/settings").text
    assert _links(app, pat) == []

    assert carer.get(f"/diary/for/{pat.id}").status_code == 404
    assert carer.get(f"/diary/for/{pat.id}/history").status_code == 404
    sent = carer.post(
        "/api/v1/entries",
        json={"pain": 4, "patient_id": pat.id},
        headers={"X-CSRFToken": carer_token},
    )
    assert sent.status_code == 404
    assert "Anna" not in carer.get("/carer").text
    # Removing again: nothing to remove.
    again = client.post(
        f"/diary/settings/carers/{anna.id}/remove",
        data={"csrf_token": csrf_from(client.get("/diary/settings").text)},
    )
    assert again.status_code == 404
    with app.app_context():
        removed = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "carer.removed", AuditEvent.patient_id == pat.id)
        )
    assert removed == 1


def test_closing_the_patients_account_removes_carers_and_pending_invitations(app, client, make):
    pat, anna = make.patient(), make.carer()
    make.carer_link(anna, pat)
    login(client, pat)
    pending = _token(_invite_from_settings(client, "later@example.test"))
    carer = app.test_client()
    login(carer, anna)
    assert carer.get(f"/diary/for/{pat.id}").status_code == 200

    settings = client.get("/diary/settings").text
    response = client.post(
        "/diary/settings/close",
        data={"password": PASSWORD, "confirm": "1", "csrf_token": csrf_from(settings)},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarerLink)) == 0
        assert db.session.scalar(select(func.count()).select_from(CarerInvitation)) == 0
    assert carer.get(f"/diary/for/{pat.id}").status_code == 404
    assert app.test_client().get(f"/carer/join/{pending}").status_code == 404


def test_a_carer_cannot_invite_or_remove_carers(app, client, make):
    pat, anna = make.patient(), make.carer()
    make.carer_link(anna, pat)
    token = login(client, anna)
    assert client.get("/diary/settings").status_code == 404
    response = client.post(
        "/diary/settings/carers", data={"email": "x@example.test", "csrf_token": token}
    )
    assert response.status_code == 404
    response = client.post(
        f"/clinic/patients/{pat.id}/carers", data={"email": "x@example.test", "csrf_token": token}
    )
    assert response.status_code == 404
