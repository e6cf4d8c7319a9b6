"""What every request pays for, made cheaper without changing what it does: the session cookie's
signer kept per key, the rate limiter checked only on routes with a limit, the security headers
set in one pass, static URLs in pages worked out once per worker."""

from __future__ import annotations

import re

from sqlalchemy import event

from config import TestingConfig
from diary import create_app
from diary.extensions import limiter
from tests.factories import login


def test_a_session_cookie_stops_working_when_the_secret_key_changes(app, client, make):
    """The session's signer is kept between requests, but follows the key: after a key change
    the old cookie signs nobody in; with the old key among the fallbacks it still does."""
    login(client, make.patient())
    assert client.get("/api/v1/me").status_code == 200
    old = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = "another key, rotated"
        assert client.get("/api/v1/me").status_code == 401
        app.config["SECRET_KEY_FALLBACKS"] = [old]
        assert client.get("/api/v1/me").status_code == 200
    finally:
        app.config["SECRET_KEY"] = old
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_the_limiter_checks_only_the_routes_that_have_a_limit(app):
    """No limit applies to every route, so the limiter's check before every request is not
    registered; each limited route (sign-in, joining, the password check) checks its own limit
    in its decorator (tests/security/test_login_limits.py: still 429 after too many)."""
    check = type(limiter)._check_request_limit
    hooks = app.before_request_funcs.get(None, [])
    assert not [f for f in hooks if getattr(f, "__func__", None) is check]
    assert not limiter.limit_manager.default_limits
    assert not limiter.limit_manager.application_limits


def test_a_header_the_view_set_is_kept_and_the_others_are_added_once(client, make):
    login(client, make.patient())
    response = client.get("/diary")
    assert response.headers.getlist("Cache-Control") == ["private, no-cache"]  # the view's own
    for name in ("Content-Security-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy"):
        assert len(response.headers.getlist(name)) == 1, name
    assert client.get("/api/v1/me").headers.getlist("Cache-Control") == ["no-store"]


def test_a_security_header_a_view_sets_is_not_overridden():
    app = create_app(TestingConfig())

    @app.get("/framed")
    def framed():
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "no-referrer"}

    headers = app.test_client().get("/framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_static_urls_in_pages_follow_the_script_root(client):
    """A page's static URLs are kept per worker and per script root: the same app mounted
    under /sub links its files under /sub."""
    plain = client.get("/login").get_data(as_text=True)
    mounted = client.get("/login", base_url="http://localhost/sub").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', plain)
    assert css, plain
    assert f'href="/sub{css.group(1)}"' in mounted
    assert 'src="/sub/static/js/app.js"' in mounted
    again = client.get("/login").get_data(as_text=True)
    assert f'href="{css.group(1)}"' in again and "/sub/static" not in again


def test_the_signed_in_user_is_one_select_and_the_sessions_own_user(
    app, client, make, count_queries
):
    """The user is read by one Core statement (with its session generation) and made the
    session's user: a signed-in read writes nothing, and a change to the user (the time zone on
    the settings page) is stored, raising the data version, as with a user the ORM loaded."""
    from diary.extensions import db
    from diary.models import User
    from tests.auth.test_login import csrf_from

    patient = make.patient()
    login(client, patient)
    with count_queries() as counter:
        assert client.get("/api/v1/me").status_code == 200
    assert len(counter.statements) == 1, counter.statements
    assert counter.statements[0].lstrip().upper().startswith("SELECT")
    with app.app_context():
        before = db.session.get(User, patient.id).data_version
    token = csrf_from(client.get("/diary/settings").get_data(as_text=True))
    answer = client.post("/diary/settings", data={"csrf_token": token, "timezone": "Asia/Tokyo"})
    assert answer.status_code == 302
    with app.app_context():
        stored = db.session.get(User, patient.id)
        assert (stored.timezone, stored.data_version) == ("Asia/Tokyo", before + 1)
    assert client.get("/api/v1/me").get_json()["timezone"] == "Asia/Tokyo"


def test_kept_page_urls_follow_whose_diary_the_carer_is_in(app, make):
    """Links in pages are kept per worker, with the patient's id a carer's diary pages add: the
    patient's own page, then a carer's copies for two patients, link each to its own diary."""
    first, second, carer = make.patient(), make.patient(), make.carer()
    make.carer_link(carer, first)
    make.carer_link(carer, second)
    own = app.test_client()
    login(own, first)
    assert 'href="/diary/history"' in own.get("/diary").get_data(as_text=True)
    carers = app.test_client()
    login(carers, carer)
    for patient in (first, second, first):
        html = carers.get(f"/diary/for/{patient.id}").get_data(as_text=True)
        assert f'href="/diary/for/{patient.id}/history"' in html
        assert f'action="/diary/for/{patient.id}"' in html
        assert 'href="/diary/history"' not in html
    assert 'href="/diary/history"' in own.get("/diary").get_data(as_text=True)


def test_a_url_with_a_value_of_another_type_is_not_taken_for_a_kept_one(app):
    """Kept URLs are told apart by their values' types too: page=1 and page=True are equal
    keys for a dict, not the same link."""
    page = app.jinja_env.from_string("{{ url_for('patient.history', page=page) }}")
    with app.test_request_context("/"):
        assert page.render(page=1) == "/diary/history?page=1"
        assert page.render(page=True) == "/diary/history?page=True"
        assert page.render(page=1) == "/diary/history?page=1"


def test_a_kept_session_cookie_still_expires_and_a_changed_one_is_refused(
    app, client, make, monkeypatch
):
    """A worker keeps each session cookie it verified; the same cookie is still refused once
    older than the session lifetime, and a cookie differing by one signature character is
    refused, however often the right one was seen."""
    import time

    login(client, make.patient())
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 200  # the kept copy
    cookie = client.get_cookie("session")
    # The next-to-last character: the last one's low bits are base64 padding (a change there
    # may decode to the very same signature).
    forged = cookie.value[:-2] + ("A" if cookie.value[-2] != "A" else "B") + cookie.value[-1]
    other = app.test_client()
    other.set_cookie("session", forged)
    assert other.get("/api/v1/me").status_code == 401
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 5)
    assert client.get("/api/v1/me").status_code == 401


def test_each_requests_own_hooks_run_though_flask_remembers_the_functions_it_has_seen():
    """Flask's answer to "must this function be wrapped?" is kept per function: a hook made for
    one request (after_this_request) is its own, never another request's."""
    from flask import after_this_request

    app = create_app(TestingConfig())
    app.SYNC_KEPT = 3  # forgotten and learnt again while the requests go on

    @app.get("/marked/<word>")
    def marked(word):
        @after_this_request
        def mark(response):
            response.headers["X-Word"] = word
            return response

        return "ok"

    client = app.test_client()
    for word in ("one", "two", "three", "four", "five"):
        assert client.get(f"/marked/{word}").headers["X-Word"] == word


def test_kept_page_urls_are_each_apps_own():
    """Two apps in one process, the same endpoint at two paths: each page links its own."""
    first, second = create_app(TestingConfig()), create_app(TestingConfig())
    first.add_url_rule("/here", "extra", lambda: "")
    second.add_url_rule("/there", "extra", lambda: "")
    for app, path in ((first, "/here"), (second, "/there"), (first, "/here")):
        with app.test_request_context("/"):
            assert app.jinja_env.from_string("{{ url_for('extra') }}").render() == path


def test_session_protection_hashes_nothing_while_off_and_still_works_when_turned_on(
    app, client, make, monkeypatch
):
    """Off (the diary's setting), a signed-in request makes no session identifier (the hash of
    the address and User-Agent); turned on, flask-login's own check runs: in its basic mode a
    request from another browser marks the session not fresh, one from the same does not."""
    from diary.extensions import login_manager

    login(client, make.patient())
    made = []
    real = login_manager._session_identifier_generator
    monkeypatch.setattr(
        login_manager, "_session_identifier_generator", lambda: made.append(1) or real()
    )
    assert client.get("/api/v1/me").status_code == 200
    assert made == []
    monkeypatch.setitem(app.config, "SESSION_PROTECTION", "basic")
    assert client.get("/api/v1/me").status_code == 200
    assert made
    with client.session_transaction() as session:
        assert session["_fresh"] is True
    assert client.get("/api/v1/me", headers={"User-Agent": "another"}).status_code == 200
    with client.session_transaction() as session:
        assert session["_fresh"] is False


def test_the_csrf_token_of_a_body_that_is_not_a_form_is_read_from_its_header(app, client, make):
    """A JSON body's token is in a header (its form is empty, and is not built for the check);
    a form's token is in the form. A body over the size limit is refused (413) before its
    token is judged, a missing or wrong token after (400)."""
    token = login(client, make.patient())
    entry = {"pain": 4}
    created = client.post("/api/v1/entries", json=entry, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    assert client.post("/api/v1/entries", json=entry).status_code == 400
    assert client.post("/api/v1/entries", json={**entry, "csrf_token": token}).status_code == 400
    plain = client.post("/api/v1/entries", data=b"{}", headers={"X-CSRF-Token": token})
    assert plain.status_code == 422  # the token passed; the body is not JSON
    big = {"pain": 4, "note": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    for headers in ({}, {"X-CSRFToken": "wrong"}, {"X-CSRFToken": token}):
        assert client.post("/api/v1/entries", json=big, headers=headers).status_code == 413
    form = {"csrf_token": token, "pain": "4", "day": make.days_ago(0).isoformat()}
    assert client.post("/diary", data=form).status_code in (302, 303)
    assert client.post("/diary", data={**form, "csrf_token": "wrong"}).status_code == 400


def test_the_limiters_hooks_still_run_on_a_route_with_a_limit_and_only_there(client, make):
    """Its headers on a limited route (sign-in), none elsewhere; what one request counted is
    not carried into the next (the next sign-in shows one more hit, not two)."""
    patient = make.patient()
    first = client.post("/api/v1/auth/login", json={"email": patient.email, "password": "no"})
    assert first.status_code == 401 and "X-RateLimit-Limit" in first.headers
    remaining = int(first.headers["X-RateLimit-Remaining"])
    login(client, patient)
    assert "X-RateLimit-Limit" not in client.get("/api/v1/me").headers
    second = client.post("/api/v1/auth/login", json={"email": patient.email, "password": "no"})
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining - 1


def test_the_signed_in_users_row_is_the_one_core_reads(app, make):
    """The signed-in user's SELECT runs on the connection's own cursor (diary/prepared.py);
    every column comes out as a Core execution of the same statement gives it: aware datetimes
    (created, last sign-in, closed), the reminder time, the role, booleans and counters. A
    generation that is not the stored one, or an inactive user, gives no row either way."""
    from datetime import UTC, datetime, time

    from diary.extensions import db
    from diary.models import User
    from diary.services import sessions

    patient = make.patient(
        reminder_time=time(20, 30),
        last_login_at=datetime(2026, 3, 1, 8, 15, 30, 123456, tzinfo=UTC),
    )
    closed = make.patient(active=False, closed_at=datetime(2026, 4, 1, tzinfo=UTC))
    with app.app_context():
        stored = db.session.get(User, patient.id)
        generation = stored.session_generation
        connection = db.session.connection()
        for user_id, gen in (
            (patient.id, generation),
            (patient.id, generation + 1),
            (closed.id, 0),
        ):
            params = {"user_id": user_id, "generation": gen}
            core = connection.execute(sessions._SIGNED_IN_USER, params).first()
            fast = sessions._USER_ROW.first(connection, params)
            assert fast == (None if core is None else tuple(core))
        row = dict(
            zip(
                sessions._USER_KEYS,
                sessions._USER_ROW.first(
                    connection, {"user_id": patient.id, "generation": generation}
                ),
                strict=True,
            )
        )
        assert row["last_login_at"] == datetime(2026, 3, 1, 8, 15, 30, 123456, tzinfo=UTC)
        assert row["reminder_time"] == time(20, 30)
        assert row["role"] == stored.role and row["active"] is True


def test_a_failing_user_select_is_sqlalchemys_error(app, client, make):
    """A DB-API error on the signed-in user's own cursor becomes SQLAlchemy's exception of the
    same kind, as from a Core execution, so the error handlers answer 503 "database
    unavailable" (tests/faults); the next request, on a sound connection, is served."""
    from diary.extensions import db

    login(client, make.patient())
    with app.app_context():
        engine = db.engine
        dbapi_error = engine.dialect.loaded_dbapi.OperationalError
    failed: list[str] = []

    class Failing:
        """A DB-API cursor whose statements fail."""

        def __init__(self, real):
            self.real = real

        def execute(self, statement, *args):
            failed.append(statement)
            raise dbapi_error("simulated: the database went away")

        def __getattr__(self, name):
            return getattr(self.real, name)

    class Connection:
        def __init__(self, real):
            self.real = real

        def cursor(self, *args, **kwargs):
            return Failing(self.real.cursor(*args, **kwargs))

        def __getattr__(self, name):
            return getattr(self.real, name)

    def wrap(_dbapi_connection, _record, proxy) -> None:
        proxy.dbapi_connection = Connection(proxy.dbapi_connection)

    event.listen(engine, "checkout", wrap)
    try:
        answer = client.get("/api/v1/me")
    finally:
        event.remove(engine, "checkout", wrap)
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == "database_unavailable"
    assert failed and failed[0].lstrip().upper().startswith("SELECT")
    assert client.get("/api/v1/me").status_code == 200
