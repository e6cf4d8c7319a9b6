"""Headers, cookies, CSRF and the secret key."""

from __future__ import annotations

import pytest

from config import ProductionConfig
from diary import create_app
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login


def test_csp_and_security_headers_on_every_kind_of_response(client):
    for path in ("/login", "/healthz", "/api/v1/me", "/no-such-page", "/static/css/app.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain http in tests


def test_hsts_when_served_over_https(client):
    response = client.get("/login", base_url="https://diary.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_httponly_and_lax(client, make):
    client.post("/api/v1/auth/login", json={"email": make.patient().email, "password": PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_production_cookies_are_secure():
    config = ProductionConfig()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_HTTPONLY and config.SESSION_COOKIE_SAMESITE == "Lax"


def test_production_refuses_to_start_without_secret_key():
    config = ProductionConfig()
    config.SECRET_KEY = None
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(config)


def test_production_starts_with_a_secret_key():
    config = ProductionConfig()
    config.SECRET_KEY = "x" * 64
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    assert create_app(config).config["SESSION_COOKIE_SECURE"] is True


def test_form_post_without_csrf_token_is_refused(client, make):
    patient = make.patient()
    response = client.post("/login", data={"email": patient.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_api_write_without_csrf_header_is_refused(client, make):
    token = login(client, make.patient())
    refused = client.post("/api/v1/auth/logout")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/me").status_code == 200  # still signed in
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 204


def test_every_page_carries_the_csrf_meta_tag(client, make):
    assert csrf_from(client.get("/login").get_data(as_text=True))
    login(client, make.clinician())
    assert csrf_from(client.get("/clinic").get_data(as_text=True))


def test_signing_in_starts_a_fresh_session(client, make):
    """A CSRF token from before sign-in (one an attacker could have planted) stops working."""
    patient = make.patient()
    before = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": patient.email, "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": before}).status_code == 400
    after = csrf_from(client.get("/diary").get_data(as_text=True))
    assert after != before
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": after}).status_code == 204
