"""BREACH: the CSRF token is masked with a fresh one-time pad on every response (diary/csrf.py),
so no secret stands unchanged in the compressed pages; every masked token of the session verifies
and anything else is refused."""

from __future__ import annotations

import re

from diary.csrf import mask, unmask
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login

HIDDEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _write(client, token: str):
    """A write whose body is refused after the CSRF check: 422 = the token passed, 400 = not."""
    return client.post("/api/v1/entries", json={}, headers={"X-CSRFToken": token})


def _secret(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]


def test_two_responses_carry_different_tokens_and_each_verifies(client, make):
    login(client, make.patient())
    secret = _secret(client)
    first = csrf_from(client.get("/diary").get_data(as_text=True))
    second = csrf_from(client.get("/diary").get_data(as_text=True))
    fetched = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert len({first, second, fetched}) == 3
    for token in (first, second, fetched):
        assert _write(client, token).status_code == 422
    assert _secret(client) == secret  # the session's secret stays


def test_a_page_carries_one_masked_token_and_not_the_secret(client, make):
    """One mask per response: the meta tag and every form of a page carry the same string (it
    compresses like one), and neither the session's secret nor Flask-WTF's token stands in it."""
    login(client, make.patient())
    html = client.get("/diary/history").get_data(as_text=True)
    tokens = {csrf_from(html), *HIDDEN.findall(html)}
    assert len(tokens) == 1 and len(HIDDEN.findall(html)) >= 1
    (token,) = tokens
    assert _secret(client) not in html
    assert unmask(token) not in html
    assert _write(client, token).status_code == 422


def test_a_token_from_an_earlier_page_still_verifies_while_the_session_lives(client, make):
    """The phone's outbox may send the token of a page it cached long ago."""
    login(client, make.patient())
    cached = csrf_from(client.get("/diary").get_data(as_text=True))
    for _ in range(3):
        client.get("/diary")
        client.get("/api/v1/auth/csrf")
    assert _write(client, cached).status_code == 422


def test_a_form_post_with_a_masked_token_works(client, make):
    patient = make.patient()
    token = HIDDEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": patient.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me").get_json()["email"] == patient.email


def test_a_tampered_token_is_refused_with_a_clear_message(client, make):
    login(client, make.patient())
    token = csrf_from(client.get("/diary").get_data(as_text=True))
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for bad in (flipped, token[:-1], token + "x", "not*base64", mask("not.a.token")):
        response = _write(client, bad)
        assert response.status_code == 400, bad
        error = response.get_json()["error"]
        assert error["code"] == "csrf_failed"
        assert error["message"] == (
            "The form expired or was not sent from this site. Reload the page and try again."
        )


def test_a_token_of_another_session_is_refused(app, make):
    one, two = app.test_client(), app.test_client()
    login(one, make.patient())
    login(two, make.patient())
    theirs = csrf_from(one.get("/diary").get_data(as_text=True))
    assert _write(two, theirs).status_code == 400


def test_a_token_signed_before_masking_still_verifies(client, make):
    """A page cached before the upgrade carries Flask-WTF's token as it is (with dots)."""
    login(client, make.patient())
    plain = unmask(csrf_from(client.get("/diary").get_data(as_text=True)))
    assert "." in plain
    assert _write(client, plain).status_code == 422


def test_mask_hides_the_token_differently_each_time():
    token = "abc.def.ghi"
    masks = {mask(token) for _ in range(20)}
    assert len(masks) == 20
    assert all(unmask(m) == token and "abc" not in m for m in masks)


def test_the_signed_token_is_flask_wtfs_own(app, monkeypatch):
    """The token under the mask is made as Flask-WTF makes it (its serializer kept per worker):
    at the same second it is the very string Flask-WTF gives, for a new session and a later
    one with the same secret, and Flask-WTF verifies it; another key signs another token."""
    import time

    from flask import g, session
    from flask_wtf.csrf import generate_csrf as flask_wtf_generate
    from flask_wtf.csrf import validate_csrf

    from diary.csrf import signed_token

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    with app.test_request_context("/"):
        ours = signed_token()
        secret = session["csrf_token"]
        assert signed_token() == ours  # once per request
        del g.csrf_token
        assert flask_wtf_generate() == ours
        validate_csrf(ours)
    with app.test_request_context("/"):
        session["csrf_token"] = secret
        assert signed_token() == ours  # the serialized secret kept: the same token
        del g.csrf_token
        app.config["WTF_CSRF_SECRET_KEY"] = "another key"
        try:
            other = signed_token()
            assert other != ours
            del g.csrf_token
            assert flask_wtf_generate() == other
        finally:
            del app.config["WTF_CSRF_SECRET_KEY"]


def test_protect_copies_flask_wtfs_own():
    """MaskedCSRFProtect.protect is Flask-WTF 1.3's `protect`, step by step, with `validate`
    for its `validate_csrf`: if Flask-WTF's changes, this fails, so the copy is looked at."""
    import hashlib
    import inspect

    from flask_wtf import csrf as flask_wtf_csrf

    def digest(function) -> str:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]

    assert digest(flask_wtf_csrf.CSRFProtect.protect) == "60961f8ee3e9ef3f"
    assert digest(flask_wtf_csrf.validate_csrf) == "647c0372b8c77385"


def test_a_kept_token_still_expires_and_is_still_the_sessions_own(app, make, monkeypatch):
    """A token the worker accepted before is accepted again without its signature checked
    anew, but its age and the session it belongs to are checked every time: past the time
    limit it is refused, in another session it is refused, under another key it is refused."""
    import time

    one, two = app.test_client(), app.test_client()
    login(one, make.patient())
    login(two, make.patient())
    token = csrf_from(one.get("/diary").get_data(as_text=True))
    theirs = csrf_from(two.get("/diary").get_data(as_text=True))
    for _ in range(3):
        assert _write(one, token).status_code == 422  # accepted, then the kept answer
        assert _write(two, token).status_code == 400
    assert _write(two, theirs).status_code == 422
    assert _write(one, theirs).status_code == 400
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key, rotated")
    assert _write(one, token).status_code == 400  # the session cookie too is another's now
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "WTF_CSRF_SECRET_KEY", "another CSRF key")
    assert _write(one, token).status_code == 400
    monkeypatch.undo()
    assert _write(one, token).status_code == 422
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 60)  # the diary's has none
    assert _write(one, token).status_code == 422
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 65)
    assert _write(one, token).status_code == 400
