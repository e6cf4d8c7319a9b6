"""The configured Redis hangs: it accepts connections and never answers (a stuck server, or a
network that drops its replies). Each call to it costs the client's socket timeout (0.5 s,
config.REDIS_SOCKET_OPTIONS); after the first, the review's and the dashboard's caches leave it
alone for shared_cache.RETRY_SECONDS, so the clinician's next views are not held up once per
cache call, and every figure is the one computed without the cache. The sign-in limits on a hung
Redis fall back to memory as on an unreachable one (test_redis_unreachable.py)."""

from __future__ import annotations

import pytest

from config import TestingConfig
from diary.services import shared_cache
from tests.factories import PASSWORD
from tests.faults.broken_redis import (
    HungRedis,
    app_on_redis,
    assert_views_right,
    patient_up_40_percent,
)


class CachesOnHungRedis(TestingConfig):
    """The caches on the hung Redis; the sign-in limits in memory, so that what the hung
    server receives was sent by the caches alone."""

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STORAGE_OPTIONS: dict = {}


@pytest.fixture
def hung(app, database_url):
    server = HungRedis()
    config = CachesOnHungRedis()
    config.REDIS_URL = server.url
    with app_on_redis(database_url, config) as broken:
        yield broken, server
    server.close()


def _signed_in_clinician_with_patient(broken, make):
    """A clinician's client, signed in, and their patient_up_40_percent."""
    clinician, patient = patient_up_40_percent(make)
    client = broken.test_client()
    signed_in = client.post(
        "/api/v1/auth/login", json={"email": clinician.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    return client, patient


def test_after_one_timeout_the_caches_leave_a_hung_redis_alone(hung, make):
    broken, server = hung
    client, patient = _signed_in_clinician_with_patient(broken, make)
    assert_views_right(client, patient)
    asked = server.received
    assert asked > 0  # the first cache call went to the hung server and timed out
    for _ in range(3):
        assert_views_right(client, patient)
    assert server.received == asked  # not asked again within RETRY_SECONDS


def test_a_hung_redis_is_asked_again_after_the_retry_time(hung, make, monkeypatch):
    """The same views with no wait before asking again: each cache call goes to the server
    (the counting above can see an ask), and the figures are still right."""
    monkeypatch.setattr(shared_cache, "RETRY_SECONDS", 0.0)
    broken, server = hung
    client, patient = _signed_in_clinician_with_patient(broken, make)
    assert_views_right(client, patient)
    asked = server.received
    assert_views_right(client, patient)
    assert server.received > asked


def test_sign_in_limits_on_a_hung_redis_fall_back_to_memory(app, database_url, make):
    """Everything on the hung Redis, the limits too: sign-in answers, and wrong passwords are
    still delayed (counted in the worker's memory), as with Redis."""
    server = HungRedis()
    config = TestingConfig()
    config.REDIS_URL = server.url
    patient = make.patient()
    try:
        with app_on_redis(database_url, config) as broken:
            guesser = broken.test_client()
            statuses = [
                guesser.post(
                    "/api/v1/auth/login", json={"email": patient.email, "password": "wrong"}
                ).status_code
                for _ in range(7)
            ]
            signed_in = broken.test_client().post(
                "/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD}
            )
    finally:
        server.close()
    assert statuses == [401] * 5 + [429, 429]
    assert server.received > 0  # the limits did try the hung server
    assert signed_in.status_code == 429  # the account is still delayed after 7 wrong ones
