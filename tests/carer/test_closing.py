"""A parent or carer closes their own account (their page or the API): their name, email,
password, links and pending invitations go; the entries they logged stay in the patient's diary,
marked as a former carer's everywhere they are shown or exported; sessions end; the audit trail
keeps its events and gains `account.closed`."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from diary.errors import Conflict
from diary.extensions import db
from diary.models import (
    AuditEvent,
    CarerInvitation,
    CarerLink,
    Entry,
    EntryRevision,
    RememberToken,
    User,
)
from diary.services import carers, closing
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login

NAME, EMAIL = "Annabel Quist", "annabel.quist@example.test"


@pytest.fixture
def world(app, client, make):
    """Patient Pat (clinician Cal) with carer Annabel, who logged two of Pat's days and edited
    one of Pat's own entries; Pat also logged one day. Patient Max invited Annabel (not used
    yet); patient Olly invited her and she accepted. Two failed sign-ins with her email."""
    pat = make.patient(display_name="Pat")
    olly = make.patient(display_name="Olly")
    max_ = make.patient(display_name="Max")
    cal = make.clinician(display_name="Cal")
    make.link(cal, pat)
    annabel = make.carer(email=EMAIL, display_name=NAME)
    make.carer_link(annabel, pat)
    make.entry(pat, make.days_ago(3), 2, entered_by_id=pat.id)
    make.entry(pat, make.days_ago(2), 7, note="swollen after school", entered_by_id=annabel.id)
    make.entry(pat, make.days_ago(1), 6, entered_by_id=annabel.id)
    own = make.entry(pat, make.days_ago(4), 3, entered_by_id=pat.id)
    with app.app_context():
        olly_token = carers.invite(olly.id, EMAIL, by=db.session.get(User, olly.id))
        carers.accept(olly_token, carers.NewCarer(password=PASSWORD))
        max_token = carers.invite(max_.id, EMAIL, by=db.session.get(User, max_.id))
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": EMAIL, "password": "not hers!"})
    login(client, annabel)
    form = client.get(f"/diary/for/{pat.id}/entries/{own.id}/edit")
    edited = client.post(
        f"/diary/for/{pat.id}/entries/{own.id}/edit",
        data={"pain": "4", "version": "1", "csrf_token": csrf_from(form.text)},
    )
    assert edited.status_code == 302
    return {
        "pat": pat,
        "olly": olly,
        "max": max_,
        "cal": cal,
        "annabel": annabel,
        "max_token": max_token,
    }


def _pats_diary(app, pat) -> list[tuple]:
    with app.app_context():
        entries = db.session.execute(
            select(Entry.id, Entry.day, Entry.pain, Entry.note, Entry.version, Entry.entered_by_id)
            .where(Entry.patient_id == pat.id)
            .order_by(Entry.day)
        ).all()
        revisions = db.session.execute(
            select(
                EntryRevision.entry_id, EntryRevision.version, EntryRevision.changed_by_id
            ).order_by(EntryRevision.id)
        ).all()
        return [tuple(r) for r in (*entries, *revisions)]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audit(app) -> dict[int, tuple]:
    with app.app_context():
        return {
            row.id: tuple(row)
            for row in db.session.execute(
                select(
                    AuditEvent.id,
                    AuditEvent.action,
                    AuditEvent.actor_id,
                    AuditEvent.patient_id,
                    AuditEvent.object_id,
                    AuditEvent.detail,
                )
            )
        }


def _close_on_page(client, password: str, confirm: bool = True):
    token = csrf_from(client.get("/carer").text)
    data = {"csrf_token": token, "password": password}
    if confirm:
        data["confirm"] = "1"
    return client.post("/carer/close", data=data)


def _sign_in_remembered(client, user) -> None:
    data = {"email": user.email, "password": PASSWORD, "remember": "1"}
    data["csrf_token"] = csrf_from(client.get("/login").text)
    assert client.post("/login", data=data).status_code == 302


def test_the_carer_page_offers_to_close_the_account(client, world):
    login(client, world["annabel"])
    page = client.get("/carer").text
    assert 'action="/carer/close"' in page
    assert 'name="password"' in page and 'name="confirm"' in page
    assert "The entries you logged stay in those diaries" in page


def test_a_wrong_password_or_no_tick_closes_nothing(app, client, world):
    annabel, pat = world["annabel"], world["pat"]
    before = _pats_diary(app, pat)
    login(client, annabel)
    response = _close_on_page(client, "not my password")
    assert response.status_code == 422
    assert 'id="password-error">That is not your password.' in response.text
    assert 'aria-invalid="true" aria-describedby="password-error"' in response.text
    assert "Your account is still open: see below." in response.text
    response = _close_on_page(client, PASSWORD, confirm=False)
    assert response.status_code == 422
    assert 'id="confirm-error">Tick the box to confirm.' in response.text
    assert client.get("/api/v1/me").get_json()["email"] == EMAIL
    assert _count(app, CarerLink, CarerLink.carer_id == annabel.id) == 2
    assert _pats_diary(app, pat) == before
    with app.app_context():
        refused = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == annabel.id)
        ).all()
    assert "account.closed" not in refused


def test_carer_closes_on_their_page_and_is_gone_but_their_entries_stay(app, client, make, world):
    annabel, pat, cal = world["annabel"], world["pat"], world["cal"]
    diary_before = _pats_diary(app, pat)
    audit_before = _audit(app)
    with app.app_context():
        used = db.session.scalar(
            select(CarerInvitation.id).where(CarerInvitation.used_by_id == annabel.id)
        )
    remembered = app.test_client()
    _sign_in_remembered(remembered, annabel)
    assert _count(app, RememberToken, RememberToken.user_id == annabel.id) == 1

    login(client, annabel)
    response = _close_on_page(client, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    # The row is a tombstone: nothing of Annabel, no way in.
    with app.app_context():
        tomb = db.session.get(User, annabel.id)
        assert tomb.email.startswith("closed-") and tomb.email.endswith("@closed.invalid")
        assert (tomb.display_name, tomb.role.value, tomb.active) == ("Former carer", "carer", False)
        assert tomb.closed_at is not None and tomb.timezone == "UTC"
        assert tomb.password_hash == closing.UNUSABLE_PASSWORD
        opaque = tomb.email.split("@")[0]
        assert db.session.get(CarerInvitation, used).email == tomb.email
    assert _count(app, RememberToken, RememberToken.user_id == annabel.id) == 0
    assert client.get("/api/v1/me").status_code == 401
    assert remembered.get("/carer").status_code == 302
    assert remembered.get(f"/diary/for/{pat.id}").status_code == 302
    signed = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert signed.status_code == 401

    # Links and invitations: gone; Max's link no longer works.
    assert _count(app, CarerLink, CarerLink.carer_id == annabel.id) == 0
    assert _count(app, CarerInvitation, CarerInvitation.email == EMAIL) == 0
    assert client.get(f"/carer/join/{world['max_token']}").status_code == 404

    # Pat's diary is untouched: the entries Annabel logged and the revision she made.
    assert _pats_diary(app, pat) == diary_before
    assert sum(1 for row in diary_before if row[-1] == annabel.id) == 3

    # The patient, the review, the CSV and FHIR name a former carer, never Annabel.
    own = app.test_client()
    login(own, pat)
    history = own.get("/diary/history").text
    assert history.count("Logged by Former carer (carer)") == 2
    bundle_text = own.get("/api/v1/me/fhir").text
    login(client, cal)
    review = client.get(f"/clinic/patients/{pat.id}").text
    proxy = re.search(r'<table class="table" id="proxy-days">.*?</table>', review, re.S).group()
    assert proxy.count("Former carer (carer)") == 2
    csv_text = client.get(f"/api/v1/patients/{pat.id}/export.csv").text
    labels = [row["entered_by"] for row in csv.DictReader(io.StringIO(csv_text))]
    assert sorted(labels) == ["carer: Former carer"] * 2 + ["patient"] * 2
    bundle = json.loads(bundle_text)
    [related] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "RelatedPerson"
    ]
    assert related["name"] == [{"text": "Former carer"}]
    performers = [
        e["resource"]["performer"][0]["display"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]
    assert sorted(performers) == ["Former carer (carer)"] * 2 + ["Pat"] * 2
    for text in (history, review, csv_text, bundle_text):
        assert NAME not in text and "Annabel" not in text and EMAIL not in text

    # The audit trail: every event as it was (the failed sign-ins now name the opaque id), and
    # one account.closed by Annabel.
    audit_after = _audit(app)
    assert set(audit_before) < set(audit_after)
    failed = 0
    for event_id, before in audit_before.items():
        after = audit_after[event_id]
        assert after[:5] == before[:5]
        if before[1] == "auth.login_failed" and before[5] == {"email": EMAIL}:
            assert after[5] == {"email": opaque}
            failed += 1
        else:
            assert after[5] == before[5]
    assert failed == 2
    [closed] = [
        e for i, e in audit_after.items() if i not in audit_before and e[1] == "account.closed"
    ]
    assert closed[2:5] == (annabel.id, None, opaque)
    assert closed[5] == {
        "by": "carer",
        "links": 2,
        "invitations": 1,
        "push_subscriptions": 0,
        "entries_kept": 2,
    }
    # (The sign-in tried with her old email after closing is a new event, like any unknown one.)
    kept = repr([audit_after[i] for i in audit_before]) + repr(closed)
    assert EMAIL not in kept and NAME not in kept


def test_carer_closes_through_the_api(app, client, world):
    annabel, pat = world["annabel"], world["pat"]
    before = _pats_diary(app, pat)
    token = login(client, annabel)
    wrong = client.post(
        "/api/v1/me/close", json={"password": "wrong"}, headers={"X-CSRFToken": token}
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"] == {"password": ["That is not your password."]}
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/me/close", json={"password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert _count(app, CarerLink, CarerLink.carer_id == annabel.id) == 0
    assert _pats_diary(app, pat) == before
    with app.app_context():
        assert db.session.get(User, annabel.id).display_name == "Former carer"
    again = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert again.status_code == 401


def test_wrong_passwords_count_like_failed_sign_ins(app, client, world):
    """CLOSE_ACCOUNT_ATTEMPT_LIMIT (5 a minute) wrong passwords, then 429 even for the right
    one, on the page as in the API (one count per account)."""
    token = login(client, world["annabel"])
    for _ in range(3):
        response = client.post(
            "/api/v1/me/close", json={"password": "guess"}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 422
    for _ in range(2):
        assert _close_on_page(client, "guess").status_code == 422
    assert _close_on_page(client, PASSWORD).status_code == 429
    response = client.post(
        "/api/v1/me/close", json={"password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 429
    assert client.get("/api/v1/me").status_code == 200
    assert _count(app, CarerLink, CarerLink.carer_id == world["annabel"].id) == 2


def test_closing_without_the_csrf_token_is_refused(app, client, world):
    login(client, world["annabel"])
    page = client.post("/carer/close", data={"password": PASSWORD, "confirm": "1"})
    assert page.status_code == 400
    api = client.post("/api/v1/me/close", json={"password": PASSWORD})
    assert api.status_code == 400
    assert api.get_json()["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/me").status_code == 200
    assert _count(app, CarerLink, CarerLink.carer_id == world["annabel"].id) == 2


def _closed_elsewhere(app, carer) -> None:
    """The account was closed by a request that has not ended this one's session yet (two
    closings at once): its row is marked closed, the person still signed in."""
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == carer.id).values(closed_at=datetime.now(UTC))
        )
        db.session.commit()


def test_closing_twice_answers_409_and_changes_nothing(app, client, world):
    annabel = world["annabel"]
    token = login(client, annabel)
    _closed_elsewhere(app, annabel)
    response = _close_on_page(client, PASSWORD)
    assert response.status_code == 409
    assert 'role="alert">This account is already closed.' in response.text
    response = client.post(
        "/api/v1/me/close", json={"password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 409
    assert _count(app, CarerLink, CarerLink.carer_id == annabel.id) == 2
    assert _count(app, AuditEvent, AuditEvent.action == "account.closed") == 0


def test_a_closing_that_finds_the_row_already_claimed_changes_nothing(app, world):
    """The second of two closings at once loaded the carer before the first committed."""
    with app.app_context():
        carer = db.session.get(User, world["annabel"].id)
        db.session.execute(
            update(User)
            .where(User.id == carer.id)
            .values(closed_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        assert carer.closed_at is None
        with pytest.raises(Conflict):
            closing.close_carer_account(carer, by=carer, password=PASSWORD)
    assert _count(app, CarerLink, CarerLink.carer_id == world["annabel"].id) == 2
    with app.app_context():
        assert db.session.get(User, world["annabel"].id).email == EMAIL
