"""The WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app` load this. Once the app
is made, the garbage collector is set as a long-lived worker needs it (diary/worker_gc.py:
start-up objects frozen, a larger young generation)."""

from diary import create_app, worker_gc

app = create_app()
worker_gc.settle()
