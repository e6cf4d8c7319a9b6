"""The configured Redis unreachable (REDIS_URL pointing at a closed port): the app holds. Sign-in
works and its delays still apply (counted in the worker's memory), the review and the dashboard
are computed without their cache, with the same figures, and the log says so."""

from __future__ import annotations

import logging
import socket

import pytest

from config import TestingConfig
from diary.extensions import limiter
from tests.factories import PASSWORD
from tests.faults.broken_redis import app_on_redis, assert_views_right, patient_up_40_percent


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nothing listens


@pytest.fixture
def down(app, database_url, monkeypatch):
    """An app on the test database whose Redis is unreachable."""
    # The session's migrations (alembic's logging file config) disabled the app's logger.
    monkeypatch.setattr(logging.getLogger("diary"), "disabled", False)
    config = TestingConfig()
    config.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    with app_on_redis(database_url, config) as broken:
        yield broken


def _sign_in(client, email: str, password: str):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_sign_in_works_and_wrong_passwords_are_still_delayed(down, make, caplog):
    patient = make.patient()
    client = down.test_client()
    with caplog.at_level(logging.INFO, logger="diary"):
        assert client.get("/login").status_code == 200
        assert _sign_in(client, patient.email, PASSWORD).status_code == 200

        guesser = down.test_client()
        statuses = [_sign_in(guesser, patient.email, "wrong").status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429, 429]  # as with Redis (tests/security)
    assert "Sign-in delay storage unreachable" in caplog.text


def test_review_and_dashboard_are_computed_without_their_cache(down, make, caplog):
    clinician, patient = patient_up_40_percent(make)
    client = down.test_client()
    with caplog.at_level(logging.WARNING, logger="diary"):
        assert _sign_in(client, clinician.email, PASSWORD).status_code == 200
        for _ in range(2):  # the second view too: nothing was kept
            assert_views_right(client, patient)
    warnings = [r.getMessage() for r in caplog.records if "Cache unreachable" in r.getMessage()]
    # Once per cache and kind of failure, not once per request.
    assert 1 <= len(warnings) <= 2, warnings


def test_the_address_limit_still_applies_counted_in_memory(down, make, monkeypatch):
    """Flask-Limiter's own limits fall back to the worker's memory: never "no limit"."""
    monkeypatch.setitem(down.config, "LOGIN_ADDRESS_LIMIT", "3 per minute")
    emails = [make.patient().email for _ in range(4)]
    client = down.test_client()
    statuses = [_sign_in(client, email, "wrong").status_code for email in emails]
    assert statuses == [401, 401, 401, 429]


def test_redis_clients_give_up_quickly(down):
    """A Redis that accepts but never answers costs a request the socket timeout, not forever."""
    from diary.services import dashboard_figures, review_cache

    with down.app_context():
        clients = [
            limiter.storage.storage,
            review_cache.cache.cache._write_client,
            dashboard_figures.cache.cache._write_client,
        ]
    for client in clients:
        options = client.connection_pool.connection_kwargs
        assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.5
