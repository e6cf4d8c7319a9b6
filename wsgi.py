"""The WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app` load this.

Everything made while the app starts (the modules, the app and its extensions: some 190,000
objects the garbage collector tracks) lives as long as the worker. gc.freeze() moves them out of
the collector's reach, so a full collection scans only what requests made since: a few ms
instead of the 100-115 ms it took to scan them all, a pause that fell inside a request every
dozen or so cold reviews (bench/gc_pauses.py). The collector still runs; nothing is leaked that
would not be anyway (the frozen objects live until the worker exits in either case).
"""

import gc

from diary import create_app

app = create_app()
gc.collect()  # what start-up left unreachable goes now, not into the frozen generation
gc.freeze()
