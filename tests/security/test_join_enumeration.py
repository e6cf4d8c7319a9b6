"""An invitation link does not tell whether an email has an account, and the join form is
rate-limited."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import AuditEvent, CareLink, Invitation, User
from tests.auth.test_invitations import invite, join

_TOKENS = re.compile(r'(name="csrf-token" content|name="csrf_token" value)="[^"]+"')


def _page(html: str) -> str:
    """A page without its per-session CSRF tokens."""
    return _TOKENS.sub(r"\1=", html)


def _answer(client, response) -> tuple:
    """Everything the person at the browser sees: status, where it goes, what it says, and
    whether they are now signed in."""
    page = _page(client.get(response.headers.get("Location", "/login")).get_data(as_text=True))
    signed_in = client.get("/api/v1/me").status_code == 200
    return response.status_code, response.headers.get("Location"), page, signed_in


def test_join_answers_the_same_for_a_registered_and_a_new_email(app, make):
    clinician = make.clinician()
    registered = make.patient(email="taken@example.test")
    first, second = app.test_client(), app.test_client()
    taken = join(first, invite(app, clinician), email="TAKEN@example.test")
    fresh = join(second, invite(app, clinician), email="new@example.test")
    assert _answer(first, taken) == _answer(second, fresh)
    assert taken.status_code == 302 and not _answer(first, taken)[3]
    with app.app_context():
        # The registered account is untouched and not linked by someone holding a link.
        assert db.session.get(CareLink, (clinician.id, registered.id)) is None
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
        # Both invitations are used up, so the link's state does not tell either.
        assert db.session.scalar(select(func.count()).where(Invitation.used_at.is_(None))) == 0
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"account.joined", "account.join_refused_existing_email"} <= actions


def test_form_errors_do_not_depend_on_the_email_being_taken(app, client, make):
    clinician = make.clinician()
    make.patient(email="taken@example.test")
    token = invite(app, clinician)
    taken = join(client, token, email="taken@example.test", password="short")
    fresh = join(client, token, email="fresh@example.test", password="short")
    assert taken.status_code == fresh.status_code == 422
    assert "already exists" not in taken.get_data(as_text=True)
    assert _page(taken.get_data(as_text=True)).replace("taken@", "fresh@") == _page(
        fresh.get_data(as_text=True)
    )


def test_join_form_is_rate_limited_per_address(app, client, make):
    token = invite(app, make.clinician())
    statuses = [
        join(client, token, email=f"x{n}@example.test", password="short").status_code
        for n in range(11)
    ]
    assert statuses == [422] * 10 + [429]
    assert client.get(f"/join/{token}").status_code == 200  # reading the page is not limited
