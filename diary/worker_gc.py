"""The garbage collector as a long-lived worker runs it: wsgi.py calls settle() once the app is
made (gunicorn's workers load wsgi:app), and the benches call it to measure as a worker runs.

- Frozen start-up (gc.freeze): everything made while the app starts (the modules, the app and
  its extensions: some 190,000 tracked objects) lives as long as the worker. Left in the
  collector's reach, each full collection scanned them all: 100-136 ms, inside whichever
  request it fell on (about one cold 5-year review in eight).
- A young generation of THRESHOLDS[0] allocations instead of Python's 700: a review builds tens
  of thousands of short-lived tuples and dicts (a day's row, a chart's marks) that die with the
  request; collecting every 700 allocations scanned them over and over and promoted the living
  ones towards the old generation, whose full collections followed. The cost is memory: cyclic
  garbage waits for at most that many allocations (a few MB).

bench/gc_pauses.py measures each against Python's defaults.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 10)  # young allocations, then young and middle collections per next


def settle() -> None:
    """Collect what start-up left unreachable, freeze the rest, and set THRESHOLDS."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
