"""The WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app` load this."""

from diary import create_app

app = create_app()
