"""The WSGI entry point (gunicorn's wsgi:app) sets the garbage collector as a worker needs it
(diary/worker_gc.py): what start-up made is frozen, so a full collection in a request scans the
objects requests made, not the app's ~190,000; the young generation is worker_gc.THRESHOLDS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from diary import worker_gc

ROOT = Path(__file__).resolve().parent.parent


def test_the_worker_starts_with_its_start_up_frozen_and_a_large_young_generation(database_url):
    script = (
        "import gc, wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()), wsgi.app.name, *gc.get_threshold())"
    )
    env = {**os.environ, "DIARY_ENV": "testing", "TEST_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    frozen, tracked, name, *thresholds = done.stdout.split()
    assert name == "diary"
    assert int(frozen) > 100_000  # the app's modules and objects
    assert int(tracked) < int(frozen) // 10  # what a full collection still scans
    assert tuple(map(int, thresholds)) == worker_gc.THRESHOLDS != (700, 10, 10)
