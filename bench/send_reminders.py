"""How long `send-reminders` takes for 10,000 subscriptions, and how many SQL statements it issues.

Seeds 10,000 patients with one subscribed device each (reminder time passed in each of their
time zones; one in ten has already logged today, so is sent the weekly check-in instead), then
runs the command's service against a local fake push service (a separate process on 127.0.0.1
that answers 201, and 410 for one device in a hundred, which must then be deleted). Prints the
time, the requests the push service received, the statements issued and their number per batch.

Baseline, in the same run: the same number of plain POSTs of the same size to the same fake
service from the same number of threads (no database, no encryption, no VAPID): the ratio says
what the reminders add to the bare network work.

    .venv/bin/python bench/send_reminders.py                      # SQLite in a temporary folder
    .venv/bin/python bench/send_reminders.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_push
    [--subscriptions 10000] [--port 8150] [--threads 16] [--batch-size 500]

--postgres-url: a scratch database of your own (its tables are dropped first).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import event, func, insert, select

from bench import seed
from diary.extensions import db
from diary.models import Entry, PushSubscription, ReminderMark, Role, User
from diary.services import push, push_reminders
from diary.services.local_time import zone_named

ZONES = ("UTC", "Europe/London", "Australia/Brisbane", "America/New_York", "Asia/Kolkata")
NOW = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


def serve(port: int, counter) -> None:
    """The fake push service (its own process): 201, or 410 for endpoints ending in /gone."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with counter.get_lock():
                counter.value += 1
            self.send_response(410 if self.path.endswith("/gone") else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    server.serve_forever()


def subscribed_patients(count: int, base: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    p256dh = push.b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    auth = push.b64url(os.urandom(16))
    users = [
        {
            "email": f"push{n}@bench.example",
            "password_hash": "!",
            "role": Role.PATIENT,
            "display_name": f"Patient {n}",
            "timezone": ZONES[n % len(ZONES)],
            "reminder_time": clock(0, 0),
            "active": True,
            "created_at": NOW,
            "data_version": 0,
            "session_generation": 1,
        }
        for n in range(count)
    ]
    db.session.execute(insert(User), users)
    ids = db.session.scalars(select(User.id).order_by(User.id)).all()
    db.session.execute(
        insert(PushSubscription),
        [
            {
                "user_id": uid,
                "endpoint": f"{base}/push/{uid}" + ("/gone" if n % 100 == 99 else ""),
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": "Chrome on Android",
                "created_at": NOW,
            }
            for n, uid in enumerate(ids)
        ],
    )
    db.session.execute(insert(ReminderMark), [{"user_id": uid} for uid in ids])
    # One in ten has logged today (their own today): nothing to send them.
    db.session.execute(
        insert(Entry),
        [
            {
                "patient_id": uid,
                "day": NOW.astimezone(zone_named(ZONES[n % len(ZONES)])).date(),
                "recorded_at": NOW,
                "pain": 4,
            }
            for n, uid in enumerate(ids)
            if n % 10 == 0
        ],
    )
    db.session.commit()


def baseline(base: str, count: int, threads: int, size: int) -> float:
    local = threading.local()
    body = os.urandom(size)

    def post(n: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session.post(f"{base}/push/{n}", data=body, timeout=10).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(post, range(count)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url")
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()

    counter = multiprocessing.Value("l", 0)
    service = multiprocessing.Process(target=serve, args=(args.port, counter), daemon=True)
    service.start()
    base = f"http://127.0.0.1:{args.port}"
    for _ in range(50):
        try:
            requests.post(f"{base}/push/ready", data=b"", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)

    folder = tempfile.TemporaryDirectory()
    private, _public = push.new_vapid_keys()
    app = seed.make_app(
        args.postgres_url or f"sqlite:///{folder.name}/bench.sqlite3",
        VAPID_PRIVATE_KEY=private,
        VAPID_SUBJECT="mailto:it@clinic.example",
        PUSH_ALLOW_HTTP=True,
        PUSH_SERVICE_HOSTS=("127.0.0.1",),
    )
    try:
        with app.app_context():
            seed.migrate(fresh=True)
            started = time.perf_counter()
            subscribed_patients(args.subscriptions, base)
            print(
                f"{db.engine.dialect.name}: seeded {args.subscriptions:,} patients and "
                f"subscriptions in {time.perf_counter() - started:.1f} s"
            )
            engine = db.engine

        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        with counter.get_lock():
            counter.value = 0
        event.listen(engine, "before_cursor_execute", count)
        with app.app_context():
            started = time.perf_counter()
            report = push_reminders.send_due_reminders(
                now=NOW, batch_size=args.batch_size, threads=args.threads
            )
            took = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", count)
        received = counter.value

        with app.app_context():
            left = db.session.scalar(select(func.count()).select_from(PushSubscription))
            again = push_reminders.send_due_reminders(now=NOW, threads=args.threads)

        # The encrypted body: the payload, a delimiter, 16 bytes of tag and an 86-byte header.
        size = (
            len(
                push_reminders.Reminder(
                    "entry", push_reminders.ENTRY_TITLE, push_reminders.ENTRY_BODY, "/diary"
                ).payload()
            )
            + 103
        )
        base_took = baseline(base, report.requests, args.threads, size)

        print(
            f"send-reminders: {took:.2f} s for {report.requests:,} pushes "
            f"({report.requests / took:,.0f}/s), {args.threads} threads, "
            f"batches of {args.batch_size}"
        )
        print(
            f"  the fake push service received {received:,} requests; delivered "
            f"{report.delivered:,}, gone and deleted {report.removed:,} (left {left:,}), "
            f"failed {report.failed:,}; patients handled {report.patients:,}, reminded "
            f"{report.reminded:,} {report.by_kind}"
        )
        print(
            f"  SQL statements: {len(statements)} in {report.batches} batches "
            f"({len(statements) / max(report.batches, 1):.1f} per batch); a second run sent "
            f"{again.requests} pushes"
        )
        print(
            f"baseline (plain POSTs, no database, no encryption): {base_took:.2f} s "
            f"({report.requests / base_took:,.0f}/s); send-reminders / baseline = "
            f"{took / base_took:.2f}x"
        )
    finally:
        service.terminate()
        folder.cleanup()


if __name__ == "__main__":
    main()
