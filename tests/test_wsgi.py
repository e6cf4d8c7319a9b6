"""The WSGI entry point (gunicorn's wsgi:app) freezes what start-up made: a full garbage
collection in a request then scans the objects requests made, not the app's ~190,000."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_worker_starts_with_its_start_up_objects_frozen(database_url):
    script = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()), wsgi.app.name)"
    env = {**os.environ, "DIARY_ENV": "testing", "TEST_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    frozen, tracked, name = done.stdout.split()
    assert name == "diary"
    assert int(frozen) > 100_000  # the app's modules and objects
    assert int(tracked) < int(frozen) // 10  # what a full collection still scans
