"""With REDIS_URL set, failed sign-ins are counted in Redis, so every worker sees the same count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import json, sys
from config import TestingConfig
from diary import create_app
from diary.extensions import db

config = TestingConfig()
config.SQLALCHEMY_DATABASE_URI = sys.argv[1]
config.REDIS_URL = sys.argv[2]
config.RATELIMIT_KEY_PREFIX = sys.argv[3]
app = create_app(config)
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = [
    client.post("/api/v1/auth/login", json={"email": "who@x.test", "password": "no"}).status_code
    for _ in range(int(sys.argv[4]))
]
print(json.dumps(statuses))
"""


def worker(database: str, prefix: str, attempts: int) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, database, REDIS_URL, prefix, str(attempts)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_workers_share_one_failure_count(tmp_path):
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not answering at {REDIS_URL}")
    prefix = f"diary-test-{uuid.uuid4().hex}"
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    try:
        assert worker(database, prefix, 3) == [401, 401, 401]
        assert worker(database, prefix, 3) == [401, 401, 429]
        assert server.keys(f"*{prefix}*"), "the counts live in Redis"
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
