"""An admin (the accounts page) or the clinic's IT (`close-account`) closes a parent's or carer's
account, as the carer can (test_closing.py): the same tombstone, links ended, the entries they
logged kept and shown as a former carer's, sessions ended, and `account.closed` with whoever
closed it as the actor (none from the command line)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from diary.errors import ValidationError
from diary.extensions import db
from diary.models import AuditEvent, CarerLink, Entry, User
from diary.services import closing
from tests.auth.test_login import csrf_from
from tests.factories import login

NAME, EMAIL = "Annabel Quist", "annabel.quist@example.test"


@pytest.fixture
def family(make):
    """Patient Pat logged one day; carer Annabel logged another for Pat and also cares for
    Olly."""
    pat = make.patient(display_name="Pat")
    olly = make.patient(display_name="Olly")
    annabel = make.carer(email=EMAIL, display_name=NAME)
    make.carer_link(annabel, pat)
    make.carer_link(annabel, olly)
    make.entry(pat, make.days_ago(2), 3, entered_by_id=pat.id)
    make.entry(pat, make.days_ago(1), 7, entered_by_id=annabel.id)
    return {"pat": pat, "olly": olly, "annabel": annabel}


def _stored(app, carer) -> dict:
    """What the database holds of the carer: their row, links, the entries they logged and the
    account.closed events."""
    with app.app_context():
        row = db.session.get(User, carer.id)
        return {
            "user": (row.email, row.display_name, row.role.value, row.active, row.closed_at),
            "password_hash": row.password_hash,
            "links": db.session.scalar(
                select(func.count()).select_from(CarerLink).where(CarerLink.carer_id == carer.id)
            ),
            "entries": db.session.execute(
                select(Entry.day, Entry.pain).where(Entry.entered_by_id == carer.id)
            ).all(),
            "closed_events": [
                (e.actor_id, e.patient_id, e.object_type, e.object_id, e.detail)
                for e in db.session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "account.closed")
                )
            ],
        }


def _pats_history(app, pat) -> str:
    own = app.test_client()
    login(own, pat)
    return own.get("/diary/history").text


def _assert_closed(app, family, *, actor_id, by: str) -> None:
    annabel, pat = family["annabel"], family["pat"]
    stored = _stored(app, annabel)
    email, name, role, active, closed_at = stored["user"]
    assert email.startswith("closed-") and email.endswith("@closed.invalid")
    assert (name, role, active) == ("Former carer", "carer", False) and closed_at is not None
    assert stored["password_hash"] == closing.UNUSABLE_PASSWORD
    assert stored["links"] == 0
    assert len(stored["entries"]) == 1  # the day she logged for Pat stays in Pat's diary
    assert stored["closed_events"] == [
        (
            actor_id,
            None,
            "user",
            email.split("@")[0],
            {
                "by": by,
                "links": 2,
                "invitations": 0,
                "push_subscriptions": 0,
                "entries_kept": 1,
            },
        )
    ]
    history = _pats_history(app, pat)
    assert history.count("Logged by Former carer (carer)") == 1
    assert NAME not in history and EMAIL not in history


def test_admin_closes_a_carers_account_after_typing_its_email(app, client, make, family):
    annabel = family["annabel"]
    carers_phone = app.test_client()
    login(carers_phone, annabel)
    before = _stored(app, annabel)
    assert before["links"] == 2 and before["closed_events"] == []
    admin = make.admin()
    login(client, admin)
    page = client.get("/admin/users").text
    form = page.split(f'action="/admin/users/{annabel.id}/close"')[1].split("</form>")[0]
    assert "Type the email to close the account (the entries they logged stay)" in form
    token = csrf_from(page)

    wrong = client.post(
        f"/admin/users/{annabel.id}/close", data={"csrf_token": token, "confirm": "pat@x.test"}
    )
    assert wrong.status_code == 302
    assert f"Type the email {EMAIL} to close this account." in client.get("/admin/users").text
    assert _stored(app, annabel) == before
    assert carers_phone.get("/carer").status_code == 200

    closed = client.post(
        f"/admin/users/{annabel.id}/close", data={"csrf_token": token, "confirm": EMAIL}
    )
    assert closed.status_code == 302
    page = client.get("/admin/users").text
    assert "account is closed: the entries they logged stay" in page
    _assert_closed(app, family, actor_id=admin.id, by="admin")
    assert carers_phone.get("/carer").status_code == 302  # her session ended
    assert f'action="/admin/users/{annabel.id}/close"' not in page  # nothing left to close


def test_the_command_line_closes_a_carers_account(app, runner, family):
    annabel = family["annabel"]
    before = _stored(app, annabel)
    declined = runner.invoke(args=["close-account", EMAIL], input="n\n")
    assert declined.exit_code != 0 and "The entries it logged stay" in declined.output
    assert _stored(app, annabel) == before

    result = runner.invoke(args=["close-account", EMAIL, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Closed. The account is now closed-" in result.output
    assert "2 links to patients ended" in result.output
    _assert_closed(app, family, actor_id=None, by="cli")
    again = runner.invoke(args=["close-account", EMAIL, "--yes"])
    assert again.exit_code != 0 and f"No account for {EMAIL}." in again.output


def test_only_the_carer_or_an_admin_closes_a_carers_account(app, make, family):
    annabel, pat = family["annabel"], family["pat"]
    clinician = make.clinician()
    before = _stored(app, annabel)
    with app.app_context():
        carer = db.session.get(User, annabel.id)
        for someone in (pat, clinician):
            with pytest.raises(ValidationError) as refused:
                closing.close_carer_account(carer, by=db.session.get(User, someone.id))
            assert refused.value.message == "Only the carer or an admin can close this account."
    assert _stored(app, annabel) == before
