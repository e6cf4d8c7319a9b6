"""Headers, cookies, CSRF and the secret key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from config import ProductionConfig
from diary import create_app
from tests.auth.test_login import csrf_from
from tests.factories import PASSWORD, login

ROOT = Path(__file__).resolve().parent.parent


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


def _production_server(tmp_path: Path, secret_key: str | None):
    """gunicorn serving wsgi:app as deployed (DIARY_ENV=production, settings only from the
    environment) on a free loopback port."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL")}
    env.update(DIARY_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--no-control-socket",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_port(server, log: list[str]) -> int | None:
    """The port gunicorn listens on once its worker has booted; None if it exits first."""
    port = None
    for line in server.stderr:
        log.append(line)
        if found := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line):
            port = int(found.group(1))
        if port and "Booting worker" in line:
            return port
    return None


def _stop(server) -> None:
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def test_production_starts_with_a_secret_key(tmp_path):
    """Deployed as the README says, with SECRET_KEY in the environment, the app serves: the
    health check answers and the sign-in page sets a Secure session cookie signed with that key.
    Without SECRET_KEY the worker refuses to boot and gunicorn exits, naming the setting."""
    secret = "k" * 64
    server = _production_server(tmp_path, secret)
    log: list[str] = []
    try:
        port = _wait_for_port(server, log)
        assert port, "".join(log)
        base = f"http://127.0.0.1:{port}"
        health = None
        deadline = time.monotonic() + 60  # the worker imports the app after it says it is booting
        while health is None and server.poll() is None and time.monotonic() < deadline:
            try:
                health = urllib.request.urlopen(f"{base}/healthz", timeout=10)
            except OSError:  # refused, reset or timed out while the worker starts
                time.sleep(0.2)
        if health is None:
            _stop(server)
            pytest.fail("the production app did not serve:\n" + "".join(log) + server.stderr.read())
        assert health.status == 200 and json.load(health) == {"status": "ok"}
        page = urllib.request.urlopen(f"{base}/login", timeout=5)
        assert page.status == 200 and 'name="csrf-token"' in page.read().decode()
        cookie = page.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        value = re.match(r"session=([^;]+)", cookie).group(1)
        app = Flask(__name__)
        app.secret_key = secret
        assert "csrf_token" in SecureCookieSessionInterface().get_signing_serializer(app).loads(
            value
        )
    finally:
        _stop(server)

    server = _production_server(tmp_path, None)
    try:
        _, errors = server.communicate(timeout=60)
    finally:
        _stop(server)
    assert server.returncode != 0
    assert "SECRET_KEY is not set" in errors


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
