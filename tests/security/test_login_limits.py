"""Guessing passwords is slowed down without locking the real user out; limits see the real
client behind a trusted reverse proxy."""

from __future__ import annotations

import logging
import time

from sqlalchemy import select

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import AuditEvent
from diary.services import login_throttle
from tests.factories import PASSWORD


def _try(client, email: str, password: str, address: str):
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_thirty_wrong_passwords_from_many_addresses_do_not_lock_out_the_real_user(
    app, make, monkeypatch
):
    monkeypatch.setattr(login_throttle, "MAX_DELAY_SECONDS", 3)  # keeps the test's wait short
    patient = make.patient()
    phone = app.test_client()
    assert _try(phone, patient.email, PASSWORD, "192.0.2.1").status_code == 200
    assert phone.get_cookie("diary_device") is not None  # this phone has signed in before

    attacker = app.test_client()
    statuses = [
        _try(attacker, patient.email, "wrong guess", f"10.0.{n}.1").status_code for n in range(30)
    ]
    assert statuses[:5] == [401] * 5 and 429 in statuses
    assert statuses.count(401) < 10  # waiting attempts are not even checked

    # The patient's own phone, on a fresh address: not delayed by someone else's failures.
    assert _try(phone, patient.email, PASSWORD, "198.51.100.7").status_code == 200

    # A device never used before is delayed, not locked: it says how long, and then works.
    # (First let the guesser's current delay pass and fail once more, so a delay is running.)
    for _ in range(100):
        if _try(attacker, patient.email, "wrong again", "10.1.0.1").status_code == 401:
            break
        time.sleep(0.2)
    laptop = app.test_client()
    waiting = _try(laptop, patient.email, PASSWORD, "203.0.113.9")
    assert waiting.status_code == 429
    wait = int(waiting.headers["Retry-After"])
    assert 1 <= wait <= 3 + 1
    assert "Wait " in waiting.get_json()["error"]["message"]
    time.sleep(wait + 0.1)
    assert _try(laptop, patient.email, PASSWORD, "203.0.113.9").status_code == 200


def test_the_delay_grows_and_is_capped():
    assert [login_throttle.delay_after(n) for n in range(1, 13)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip


def test_a_stolen_device_cookie_for_another_account_does_not_help(app, make):
    patient, other = make.patient(), make.patient()
    device = app.test_client()
    assert _try(device, other.email, PASSWORD, "192.0.2.2").status_code == 200
    statuses = [_try(device, patient.email, "no", "192.0.2.2").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_per_address_limit_is_higher_and_spans_accounts(app, client, make, monkeypatch):
    assert app.config["LOGIN_ADDRESS_LIMIT"] == "20 per minute"
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_LIMIT", "8 per minute")  # a quicker test
    emails = [make.patient().email for _ in range(10)]
    statuses = [_try(client, email, "wrong", "10.9.9.9").status_code for email in emails[:9]]
    # Six or more failures on different accounts from one address are fine (the old shared
    # limit of 5 said 429 at the sixth); past the address limit, 429.
    assert statuses == [401] * 8 + [429]
    assert _try(client, emails[9], PASSWORD, "10.9.9.10").status_code == 200


def _proxied_app(database_url: str, hops: int):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.TRUSTED_PROXIES = hops
    config.LOGIN_ADDRESS_LIMIT = "3 per minute"
    return create_app(config)


def test_trusted_proxy_gives_the_real_client_address(app, make, database_url):
    patient = make.patient()
    behind = _proxied_app(database_url, 1).test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"}
    response = behind.post(
        "/api/v1/auth/login",
        json={"email": patient.email, "password": PASSWORD},
        headers=forwarded,
        environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
    )
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response.headers  # HTTPS seen through the proxy
    with app.app_context():
        ips = list(
            db.session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "auth.login"))
        )
    assert ips == ["203.0.113.50"]
    # Limits count the client, not the proxy: another client behind it is not limited.
    for n in range(3):
        behind.post(
            "/api/v1/auth/login",
            json={"email": f"nobody{n}@example.test", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.51"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
    other = behind.post(
        "/api/v1/auth/login",
        json={"email": "someone@example.test", "password": "x"},
        headers={"X-Forwarded-For": "203.0.113.52"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert other.status_code == 401


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, client, make):
    patient = make.patient()
    response = client.post(
        "/api/v1/auth/login",
        json={"email": patient.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert "Strict-Transport-Security" not in response.headers
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.ip)) == "10.0.0.1"


def test_production_without_redis_warns_at_start_up(caplog, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DIARY_ENV", "production")
    with caplog.at_level(logging.WARNING, logger="diary"):
        create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "REDIS_URL": None})  # fmt: skip
    assert any("REDIS_URL is not set" in r.getMessage() for r in caplog.records)
