"""Load test: gunicorn with 2 workers, on SQLite and on PostgreSQL, driven by locust (headless).

For each database: a fresh database (SQLite in a temporary folder; PostgreSQL a scratch
database this script creates and drops), migrated; N patients; gunicorn with 2 workers on a
free loopback port. First a baseline (GET /healthz: one SELECT 1 per request), then the load:
every locust user signs in as a patient and creates entries, a share of them resends (same id)
of entries already acknowledged. Afterwards the database is checked: every acknowledged entry
is stored exactly once with the pain that was sent, nothing else is stored, and no resend ever
created a second row. Prints requests/s, p50/p95/p99 latency, errors, and the ratio of entry
creations/s to the baseline's requests/s, with the machine.

    .venv/bin/python bench/load.py [--patients 20] [--users 20] [--seconds 20]
        [--baseline-seconds 8] [--replay 0.3] [--databases sqlite,postgresql]
        [--postgres-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--postgres-database bench_load]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import platform
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench.http import free_port, server_env
from bench.seed import PASSWORD


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def _env(database_url: str) -> dict[str, str]:
    env = server_env(database_url, "development")
    env.pop("TEST_DATABASE_URL", None)
    return env


def _prepare(database_url: str, patients: int) -> list[str]:
    """Migrate the empty database and add the patients (bulk insert, one password hash)."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=_env(database_url), check=True, capture_output=True,
    )  # fmt: skip
    from diary.models import User
    from diary.services.accounts import hash_password

    engine = create_engine(database_url)
    emails = [f"load{n}@bench.example" for n in range(patients)]
    password_hash = hash_password(PASSWORD)
    with engine.begin() as conn:
        conn.execute(
            insert(User.__table__),
            [
                {"email": e, "password_hash": password_hash, "role": "patient",
                 "display_name": e.split("@")[0], "timezone": "UTC", "active": True,
                 "created_at": __import__("datetime").datetime.now(__import__("datetime").UTC),
                 "session_generation": 1}
                for e in emails
            ],
        )  # fmt: skip
    engine.dispose()
    return emails


class Server:
    def __init__(self, database_url: str, workers: int = 2):
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             self.url.removeprefix("http://"), "wsgi:app"],
            cwd=ROOT, env=_env(database_url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _percentile(buckets: dict[str, int], share: float) -> float:
    """The response time (ms) below which `share` of the requests fall (locust's buckets)."""
    total = sum(buckets.values())
    seen = 0
    for ms, count in sorted(((float(k), v) for k, v in buckets.items())):
        seen += count
        if seen >= share * total:
            return ms
    return float("nan")


def _locust(host: str, mode: str, users: int, seconds: int, out: Path, extra_env: dict) -> dict:
    report = out / mode  # locust adds ".json"
    env = {**os.environ, "LOAD_MODE": mode, "LOAD_OUT_DIR": str(out), "LOAD_USERS": str(users),
           "LOAD_SECONDS": str(seconds), **extra_env}  # fmt: skip
    # Entries: the run ends LOAD_SECONDS after every user has signed in; the time cap leaves
    # room for the sign-ins.
    cap = seconds if mode == "baseline" else seconds + 120
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_locustfile.py"),
         "--headless", "--users", str(users), "--spawn-rate", str(users), "--run-time",
         f"{cap}s", "--stop-timeout", "60", "--host", host, "--json-file", str(report),
         "--skip-log",
         "--exit-code-on-error", "0"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    data = json.loads(report.with_suffix(".json").read_text())
    name = "GET /healthz" if mode == "baseline" else "POST /entries"
    row = next(r for r in data if r["name"] == name)
    elapsed = max(row["last_request_timestamp"] - row["start_time"], 1e-9)
    return {
        "requests": row["num_requests"],
        "failures": row["num_failures"],
        "rps": row["num_requests"] / elapsed,
        "p50": _percentile(row["response_times"], 0.50),
        "p95": _percentile(row["response_times"], 0.95),
        "p99": _percentile(row["response_times"], 0.99),
    }


def _check(database_url: str, out: Path) -> dict:
    """Every acknowledged entry stored exactly once, with its pain; nothing else stored."""
    acked: dict[str, dict] = {}
    for path in out.glob("acked-*.json"):
        acked.update(json.loads(path.read_text()))
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, pain FROM entries")).all()
        total = conn.execute(select(func.count()).select_from(text("entries"))).scalar_one()
    engine.dispose()
    stored = {str(uuid.UUID(str(i))): pain for i, pain in rows}
    missing = [i for i in acked if i not in stored]
    wrong = [i for i, a in acked.items() if i in stored and stored[i] != a["pain"]]
    extra = [i for i in stored if i not in acked]
    return {
        "acknowledged": len(acked),
        "replays": sum(a["replays"] for a in acked.values()),
        "rows": total,
        "missing": len(missing),
        "wrong": len(wrong),
        "unacknowledged_rows": len(extra),
        "ok": not missing and not wrong and total == len(stored) == len(acked),
    }


def _run(kind: str, database_url: str, args) -> dict:
    emails = _prepare(database_url, args.patients)
    server = Server(database_url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            baseline = _locust(server.url, "baseline", args.users, args.baseline_seconds, out, {})
            load = _locust(
                server.url, "entries", args.users, args.seconds, out,
                {"LOAD_PATIENTS": ",".join(emails), "LOAD_PASSWORD": PASSWORD,
                 "LOAD_REPLAY": str(args.replay)},
            )  # fmt: skip
            check = _check(database_url, out)
    finally:
        server.stop()
    return {"database": kind, "baseline": baseline, "load": load, "check": check}


def _postgres(args):
    admin = create_engine(args.postgres_admin_url, isolation_level="AUTOCOMMIT")
    name = args.postgres_database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.postgres_admin_url).set(database=name).render_as_string(False)
    try:
        return _run("PostgreSQL", url, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _print(result: dict, args) -> None:
    b, load, c = result["baseline"], result["load"], result["check"]
    print(
        f"\n== {result['database']}: gunicorn 2 workers, {args.users} locust users, "
        f"{args.patients} patients, {args.seconds} s, {int(args.replay * 100)}% resends =="
    )
    print(f"baseline GET /healthz: {b['rps']:.1f} req/s, p50 {b['p50']:.0f} ms, "
          f"p95 {b['p95']:.0f} ms, p99 {b['p99']:.0f} ms, errors {b['failures']}")  # fmt: skip
    print(f"POST /entries:        {load['rps']:.1f} req/s, p50 {load['p50']:.0f} ms, "
          f"p95 {load['p95']:.0f} ms, p99 {load['p99']:.0f} ms, errors {load['failures']} "
          f"of {load['requests']}")  # fmt: skip
    ratio = load["rps"] / b["rps"] if b["rps"] else float("nan")
    print(f"entry creations per second / baseline: {ratio:.2f}")
    print(f"database check: {c['acknowledged']} entries acknowledged (+{c['replays']} resends "
          f"answered 200), {c['rows']} rows stored, {c['missing']} missing, {c['wrong']} "
          f"with other content, {c['unacknowledged_rows']} stored without an answer: "
          f"{'OK, every 201 stored exactly once' if c['ok'] else 'FAILED'}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--baseline-seconds", type=int, default=8)
    parser.add_argument("--replay", type=float, default=0.3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--postgres-database", default="bench_load")
    args = parser.parse_args()
    print(f"machine: {_machine()}")
    ok = True
    for kind in args.databases.split(","):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                result = _run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args)
        elif kind == "postgresql":
            result = _postgres(args)
        else:
            parser.error(f"unknown database {kind}")
        _print(result, args)
        ok = ok and result["check"]["ok"] and result["load"]["failures"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
