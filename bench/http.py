"""Requests per second of the diary's main paths against a hello-world Flask app, in one run.

Both apps run under gunicorn (2 sync workers each, 127.0.0.1, free ports); wrk (Debian package
`wrk`: `apt-get install -y wrk`) drives each path with 16 connections for a fixed time, one path
after the other, so the two never compete. The machine may be busy with other work: compare the
"share of hello-world" column (hello-world measured in the same run, before and after the paths,
and averaged), not the raw req/s between runs.

Data (built in-process before the servers start, migrated with `db upgrade`):
- the demo clinic (3 patients with about 120 days each), for /diary, POST entries and /clinic;
- a clinician with 200 patients, 120 days each, for the dashboard at that size;
- a patient with 5 years of daily entries and 40 infusions, for the review with ?range=all.

    .venv/bin/python bench/http.py [--duration 10] [--connections 16] [--database-url URL]
                                   [--before COMMIT] [--only diary,post]

Without --database-url the database is SQLite in a temporary folder. With a PostgreSQL URL, give
a scratch database of your own (it is emptied: all tables dropped first).

--before COMMIT also serves that commit of the diary (exported with `git archive` into a
temporary folder, its own SQLite database built by its own code and migrations, the same
virtualenv) and measures every path on it too, each right after its own hello-world run: the
table then has a "before" and an "after" share of hello-world, from the same run. --only keeps
the rows whose key is listed (diary, post, diary-after-posts, clinic3, clinic200, review,
review-all).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py: keep its folder off sys.path, or it would stand in for the
# standard library's http package.
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

from bench import seed
from diary import demo
from diary.models import Role

# Every request of the bench (sign-in, warm-up, wrk) names the same client, as a phone does. A
# session signed in under one User-Agent and used under another is marked not fresh by
# flask-login on each request, which re-signs the cookie (Set-Cookie) every time, because wrk
# never keeps it: a cost no real client pays more than once.
AGENT = "diary-bench"

POST_LUA = """
wrk.method = "POST"
wrk.body = '{"pain": 4, "note": "bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "%(cookie)s"
wrk.headers["X-CSRFToken"] = "%(token)s"
"""


@contextlib.contextmanager
def worktree(commit: str) -> Iterator[Path]:
    """A temporary git worktree of `commit` (detached), for the benches' --before; removed
    afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), commit],
            check=True,
            capture_output=True,
        )
        try:
            yield folder
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
                check=True,
                capture_output=True,
            )


def free_port() -> int:
    """A free port: the first free one of BENCH_PORT_RANGE ("8400-8499") when set (machines
    shared by several people), else any the system gives."""
    first, _, last = os.environ.get("BENCH_PORT_RANGE", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError(f"no free port in BENCH_PORT_RANGE {first}-{last}")


def server_env(database_url: str, env_name: str = "production") -> dict[str, str]:
    """The environment of a diary served for a bench: this one's, without REDIS_URL, with a new
    secret key and the bench's database. Browser benches use "development" (plain http on
    127.0.0.1: cookies without Secure)."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(DIARY_ENV=env_name, SECRET_KEY=secrets.token_hex(32), DATABASE_URL=database_url)
    return env


def start_gunicorn(app: str, env: dict[str, str], chdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), app],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn {app} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            return process, base
        except urllib.error.HTTPError:
            return process, base  # it answers (a redirect or 404 is an answer)
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn {app} did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def sign_in(base: str, email: str) -> tuple[str, str]:
    """(Cookie header value, CSRF token) of a fresh session for `email`."""
    request = urllib.request.Request(
        base + "/api/v1/auth/login",
        data=json.dumps({"email": email, "password": seed.PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "User-Agent": AGENT},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
        cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie")]
    return "; ".join(cookies), body["csrf_token"]


def fetch(base: str, path: str, cookie: str) -> tuple[int, int]:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie, "User-Agent": AGENT})
    with urllib.request.urlopen(request) as response:
        return response.status, len(response.read())


def run_wrk(url: str, args, *, cookie: str = "", script: Path | None = None) -> tuple[float, int]:
    """(requests per second, non-2xx/3xx responses + socket errors) of one wrk run."""
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s"]
    command += ["-H", f"User-Agent: {AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return rate, errors


def build_data(database_url: str) -> dict:
    app = seed.migrated_app(database_url, fresh=not database_url.startswith("sqlite"))
    with app.app_context():
        clinician, patients, _ = demo.create_demo(password=seed.PASSWORD)
        ids = {
            "demo_clinician": clinician.email,
            "patient1": patients[0].email,
            "patient1_id": patients[0].id,
            "patient2": patients[1].email,
        }
        seed.clinic("c200", 200, days=120)
        ids["clinic200"] = "c200@bench.example"
        long_view = seed.user("long@bench.example", Role.CLINICIAN, "Dr Long")
        ids["long_clinician"] = "long@bench.example"
        ids["long_patient_id"] = seed.patient(
            long_view, "five-years", days=5 * 365 + 1, infusions=40
        )
    return ids


BUILD_BEFORE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from flask_migrate import upgrade
from bench import seed
from config import TestingConfig
from diary import create_app, demo
from diary.models import Role
config = TestingConfig()
config.SQLALCHEMY_DATABASE_URI = sys.argv[2]
app = create_app(config)
with app.app_context():
    upgrade()
    clinician, patients, _ = demo.create_demo(password=seed.PASSWORD)
    ids = {"demo_clinician": clinician.email, "patient1": patients[0].email,
           "patient1_id": patients[0].id, "patient2": patients[1].email}
    seed.clinic("c200", 200, days=120)
    ids["clinic200"] = "c200@bench.example"
    long_view = seed.user("long@bench.example", Role.CLINICIAN, "Dr Long")
    ids["long_clinician"] = "long@bench.example"
    ids["long_patient_id"] = seed.patient(long_view, "five-years", days=5 * 365 + 1, infusions=40)
print(json.dumps(ids))
"""


def build_before(commit: str, folder: Path) -> tuple[Path, str, dict]:
    """The diary at `commit`, exported into `folder`, with its own SQLite database and data."""
    source = folder / "before"
    source.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    url = f"sqlite:///{folder}/before.sqlite3"
    built = subprocess.run(
        [sys.executable, "-c", BUILD_BEFORE, str(source), url],
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return source, url, json.loads(built.stdout.strip().splitlines()[-1])


def rows_for(ids: dict, sessions: dict, post_script: Path) -> list[tuple]:
    """(key, label, path, (cookie, token), wrk script) of each measured path."""
    return [
        ("diary", "GET /diary", "/diary", sessions["patient1"], None),
        ("post", "POST /api/v1/entries", "/api/v1/entries", sessions["patient2"], post_script),
        (
            "diary-after-posts",
            "GET /diary (after the POSTs, same day)",
            "/diary",
            sessions["patient2"],
            None,
        ),
        ("clinic3", "GET /clinic (3 patients)", "/clinic", sessions["demo_clinician"], None),
        ("clinic200", "GET /clinic (200 patients)", "/clinic", sessions["clinic200"], None),
        (
            "review",
            "GET /clinic/patients/<id> (demo, 90 days)",
            f"/clinic/patients/{ids['patient1_id']}",
            sessions["demo_clinician"],
            None,
        ),
        (
            "review-all",
            "GET /clinic/patients/<id>?range=all (5 y, 40 inf.)",
            f"/clinic/patients/{ids['long_patient_id']}?range=all",
            sessions["long_clinician"],
            None,
        ),
    ]


def prepare(base: str, ids: dict, folder: Path, name: str) -> list[tuple]:
    """Sign in everyone the rows need on the server at `base`, write the POST script, warm."""
    sessions = {
        key: sign_in(base, ids[key])
        for key in ("patient1", "patient2", "demo_clinician", "clinic200", "long_clinician")
    }
    post_script = folder / f"post-{name}.lua"
    cookie, token = sessions["patient2"]
    post_script.write_text(POST_LUA % {"cookie": cookie, "token": token})
    rows = rows_for(ids, sessions, post_script)
    for _key, label, path, (cookie, _), script in rows:
        if script is None:
            for _ in range(4):  # warm both workers
                status, _size = fetch(base, path, cookie)
                assert status == 200, (label, status)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per path")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None, help="REDIS_URL for the diary's workers")
    parser.add_argument("--before", default=None, help="a commit to measure in the same run")
    parser.add_argument("--only", default=None, help="comma-separated row keys")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/http.py needs wrk: apt-get install -y wrk")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        started = time.perf_counter()
        ids = build_data(database_url)
        print(f"data built in {time.perf_counter() - started:.0f} s ({database_url.split(':')[0]})")
        before = build_before(args.before, folder) if args.before else None

        env = server_env(database_url) | {"PYTHONDONTWRITEBYTECODE": "1"}
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        processes = []
        results = []
        try:
            hello, hello_base = start_gunicorn("bench.hello:app", env, ROOT)
            processes.append(hello)
            diary, base = start_gunicorn("wsgi:app", env, ROOT)
            processes.append(diary)
            rows = prepare(base, ids, folder, "after")
            old_rows = None
            if before:
                source, url, old_ids = before
                old, old_base = start_gunicorn("wsgi:app", env | {"DATABASE_URL": url}, source)
                processes.append(old)
                old_rows = prepare(old_base, old_ids, folder, "before")
            wanted = set(args.only.split(",")) if args.only else None

            # Hello-world right before each path: the load from other work on the machine
            # changes over a run, so each path is compared with its neighbour.
            for i, (key, label, path, (cookie, _), script) in enumerate(rows):
                if wanted and key not in wanted:
                    continue
                hello_rate = run_wrk(hello_base + "/", args)[0]
                rate, errors = run_wrk(base + path, args, cookie=cookie, script=script)
                size = None if script else fetch(base, path, cookie)[1]
                result = [label, rate, errors, hello_rate, size]
                if old_rows:
                    _k, _l, old_path, (old_cookie, _t), old_script = old_rows[i]
                    old_hello = run_wrk(hello_base + "/", args)[0]
                    old_rate, old_errors = run_wrk(
                        old_base + old_path, args, cookie=old_cookie, script=old_script
                    )
                    result += [old_rate, old_errors, old_hello]
                results.append(result)
        finally:
            for process in processes:
                stop(process)

    hellos = [r[3] for r in results] + [r[7] for r in results if len(r) > 5]
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.duration}s per path; gunicorn 2 sync workers each;"
        f" {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; hello-world measured"
        f" right before each path: {min(hellos):,.0f}-{max(hellos):,.0f} req/s\n"
    )
    if args.before:
        print(f"| path | before ({args.before}) | after | after req/s | errors | body |")
        print("|---|---:|---:|---:|---:|---:|")
    else:
        print("| path | req/s | share of hello-world | hello-world req/s | errors | body |")
        print("|---|---:|---:|---:|---:|---:|")
    for result in results:
        label, rate, errors, hello_rate, size = result[:5]
        body = f"{size / 1024:.0f} KiB" if size is not None else "-"
        share = f"{100 * rate / hello_rate:.1f}%"
        if args.before:
            old_rate, old_errors, old_hello = result[5:]
            print(
                f"| {label} | {100 * old_rate / old_hello:.1f}% | {share} | {rate:,.1f} "
                f"| {errors + old_errors} | {body} |"
            )
        else:
            print(f"| {label} | {rate:,.1f} | {share} | {hello_rate:,.0f} | {errors} | {body} |")


if __name__ == "__main__":
    main()
