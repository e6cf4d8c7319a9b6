"""CPU time per request of the diary's hot paths, in-process (no server, no network), against a
hello-world Flask app called the same way.

Each request is a plain WSGI call with a prepared environ (a signed-in patient's cookie, the
User-Agent they signed in with), so the figures are the application's own cost: Flask, the
extensions, the queries (SQLite file) and the templates. Each path runs `--requests` times per
round, for `--rounds` rounds, and the best round is kept (other work on the machine only ever
makes a round slower). Process CPU time, not wall time.

    .venv/bin/python bench/inprocess.py [--requests 200] [--rounds 7] [--before COMMIT]

Paths: hello-world; `GET /api/v1/me` (signed in, one small answer: the per-request floor);
`GET /diary`; `POST /api/v1/entries`; `GET /diary` of the patient who then has 1,000 entries that
day. --before COMMIT also measures that commit (exported with `git archive`, run in a child
process with the same virtualenv) and prints both.

--instructions counts instructions per request instead, with valgrind's callgrind (Debian
package `valgrind`): the same count whatever else the machine is doing, so it compares two
commits on a busy machine where CPU time does not. The data is built and every path warmed up
uncounted (then collected and frozen: gc.freeze); the counts are written out (and start again
from zero) after that and after each path's `--requests` requests (valgrind's --dump-before, on
a function nothing else calls). Slow (valgrind runs the whole script about 50 times
slower): use --requests 50-100.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Keep this folder off sys.path: its http.py would stand in for the standard library's http.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
# The diary measured: this checkout, or (--root, the child of --before) an exported commit.
if "--root" in sys.argv:
    ROOT = Path(sys.argv[sys.argv.index("--root") + 1])
else:
    ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse
import contextlib
import gc
import io
import json
import os
import re
import subprocess
import tempfile
import time

AGENT = "diary-bench"
PATHS = ("hello", "floor", "diary", "post", "diary-1000")


def prepared_paths() -> dict:
    """{path: a function making one request} for the diary found at ROOT, its data built and
    each path warmed up."""
    from flask import Flask
    from flask_migrate import upgrade

    from bench import seed
    from config import TestingConfig
    from diary import create_app, demo

    folder = tempfile.mkdtemp()
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite3"
    config.TESTING = False
    config.ENV_NAME = "production"
    app = create_app(config)
    with app.app_context():
        upgrade()
        _clinician, patients, _ = demo.create_demo(password=seed.PASSWORD)
        emails = [p.email for p in patients[:3]]

    def signed_in(email: str) -> tuple[str, str]:
        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login",
            json={"email": email, "password": seed.PASSWORD},
            headers={"User-Agent": AGENT},
        )
        cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
        return cookie, response.get_json()["csrf_token"]

    reader, writer, busy = (signed_in(email) for email in emails)
    hello = Flask("hello")
    hello.get("/")(lambda: "Hello, World!")
    statuses: set[str] = set()

    def call(wsgi, method: str, path: str, cookie: str = "", body: bytes = b"", **headers):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_USER_AGENT": AGENT,
            "HTTP_COOKIE": cookie,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **headers,
        }
        answer = wsgi(environ, lambda status, _headers, _exc=None: statuses.add(status[:3]))
        b"".join(answer)
        getattr(answer, "close", lambda: None)()

    body = json.dumps({"pain": 4, "note": "bench"}).encode()
    post = {"CONTENT_TYPE": "application/json", "HTTP_X_CSRFTOKEN": writer[1]}
    busy_post = {"CONTENT_TYPE": "application/json", "HTTP_X_CSRFTOKEN": busy[1]}
    for _ in range(1000):  # the busy patient's day: 1,000 entries, through the API
        call(app, "POST", "/api/v1/entries", busy[0], body, **busy_post)
    paths = {
        "hello": lambda: call(hello, "GET", "/"),
        "floor": lambda: call(app, "GET", "/api/v1/me", reader[0]),
        "diary": lambda: call(app, "GET", "/diary", reader[0]),
        "post": lambda: call(app, "POST", "/api/v1/entries", writer[0], body, **post),
        "diary-1000": lambda: call(app, "GET", "/diary", busy[0]),
    }
    for run in paths.values():
        for _ in range(20):
            run()

    def check() -> None:
        assert statuses <= {"200", "201"}, statuses

    paths["check"] = check
    return paths


def measure(requests: int, rounds: int) -> dict[str, float]:
    """{path: best CPU ms per request} for the diary found at ROOT."""
    paths = prepared_paths()
    best = dict.fromkeys(PATHS, float("inf"))
    for _ in range(rounds):
        for name in PATHS:
            run = paths[name]
            started = time.process_time()
            for _ in range(requests):
                run()
            best[name] = min(best[name], (time.process_time() - started) / requests * 1000)
    paths["check"]()
    return best


def count_in_callgrind(requests: int) -> None:
    """Run under callgrind by `instructions`: os.getpgrp() writes out the counts so far and
    starts them again from zero (--dump-before=os_getpgrp; nothing else in the process calls
    it): once after the data is built (that part is left out), then after each path's requests,
    one part per path, in PATHS order."""
    paths = prepared_paths()
    # The data built above is millions of objects: collected once and set aside, so that a
    # full collection of them does not land in whichever path is counted when it comes due.
    gc.collect()
    gc.freeze()
    os.getpgrp()
    for name in PATHS:
        run = paths[name]
        for _ in range(requests):
            run()
        os.getpgrp()
    paths["check"]()


def instructions(root: Path, requests: int) -> dict[str, float]:
    """{path: instructions per request} of the diary at `root`, counted by valgrind's callgrind
    (deterministic: the same count whatever else the machine is doing)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=os_getpgrp",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--count",
                "--root",
                str(root),
                "--requests",
                str(requests),
            ],
            cwd=root,
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        parts = sorted(
            Path(tmp).glob("callgrind.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1])
        )
        totals = []
        for part in parts:
            # summary: the events of this part (totals may count some of them twice)
            found = re.search(r"^summary: (\d+)", part.read_text(), re.M)
            totals.append(int(found.group(1)) if found else 0)
    if len(totals) != len(PATHS) + 1:
        raise SystemExit(f"callgrind gave {len(totals)} parts for the setup and {len(PATHS)} paths")
    counted = totals[1:]  # the first part is the setup
    return {name: total / requests for name, total in zip(PATHS, counted, strict=True)}


@contextlib.contextmanager
def _exported(commit: str):
    """A temporary folder holding `commit`'s tree (git archive)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield tmp


def _print_table(before: dict | None, after: dict, commit: str | None, unit: str, scale: float):
    """The paths' figures (divided by `scale`), against `before` when measured, else against
    hello-world."""
    digits = 3 if scale == 1 else 2
    if before:
        print(f"| path | before ({commit}) | after | after / before |")
        print("|---|---:|---:|---:|")
        for name in PATHS:
            print(
                f"| {name} | {before[name] / scale:.{digits}f} | {after[name] / scale:.{digits}f} "
                f"| {after[name] / before[name]:.2f} |"
            )
    else:
        print(f"| path | {unit} | x hello-world |")
        print("|---|---:|---:|")
        for name in PATHS:
            ratio = after[name] / after["hello"]
            print(f"| {name} | {after[name] / scale:.{digits}f} | {ratio:.1f} |")


def _print_instructions(args) -> None:
    before = None
    if args.before:
        with _exported(args.before) as tmp:
            before = instructions(Path(tmp), args.requests)
    after = instructions(ROOT, args.requests)
    print(f"\nInstructions per request, millions (callgrind, {args.requests} requests a path)\n")
    _print_table(before, after, args.before, "M instructions", 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", default=None)
    parser.add_argument("--root", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per request with valgrind's callgrind instead of CPU time",
    )
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count:
        count_in_callgrind(args.requests)
        return
    if args.json:
        print(json.dumps(measure(args.requests, args.rounds)))
        return
    if args.instructions:
        _print_instructions(args)
        return
    before = None
    counts = ["--requests", str(args.requests), "--rounds", str(args.rounds)]
    if args.before:
        with _exported(args.before) as tmp:
            run = subprocess.run(
                [sys.executable, __file__, "--json", "--root", tmp, *counts],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=True,
            )
            before = json.loads(run.stdout.strip().splitlines()[-1])
    after = measure(args.requests, args.rounds)
    print(f"\nCPU ms per request, best of {args.rounds} rounds of {args.requests} (in-process)\n")
    _print_table(before, after, args.before, "ms", 1)


if __name__ == "__main__":
    main()
