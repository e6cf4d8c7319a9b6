"""How long the clinician's dashboard (/clinic) takes at clinic scale.

Builds, on the database given (PostgreSQL for the figure the issue names; a scratch database of
your own: its tables are dropped first), clinicians with 10, 200 and 2,000 linked patients, each
patient with a year of daily entries and an infusion every 30 days, then times /clinic for each
clinician through the test client (in-process: the server's own time, no network) and prints
the median, the SQL statements per request and the size of the HTML: "computed" with the
dashboard's kept figures emptied before each request (the first view of the day, or every
patient's diary changed since the last view), "kept" without (the figures of patients whose
data version has not moved are reused; diary/services/dashboard.py). Where the code skips the
relief computation of patients whose relief cannot have ended (dashboard_figures.may_end),
"every relief" is the computed case with that pre-check always passing: the bound when every
patient's pain crosses the threshold (the seeded pain is constant per patient, so no one's
does).

    .venv/bin/python bench/dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_i10
    [--sizes 10,200,2000] [--days 365] [--requests 15] [--keep] [--before f66d755]

--keep reuses the data of an earlier run on the same database (building 2,000 x 365 days takes
a few minutes). With --before COMMIT the same measurement runs first on that commit (a
temporary git worktree, removed afterwards), then on this checkout, on the same data (built
first by this checkout when missing), and both tables are printed: one run, one load.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
# --root: the code to measure (a worktree of another commit); this checkout by default.
HERE = Path(__file__).resolve().parent.parent
ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve() if "--root" in sys.argv else HERE
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select

from diary.extensions import db
from diary.models import Entry, User

# This checkout's bench/seed.py, whichever code --root names (it builds the data once).
_spec = importlib.util.spec_from_file_location("bench_seed", Path(__file__).with_name("seed.py"))
seed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sizes", default="10,200,2000")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--before", default=None, help="a commit to measure first (worktree)")
    parser.add_argument("--root", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before is not None:
        _before_and_after(args)
        return
    sizes = [int(n) for n in args.sizes.split(",")]

    app = seed.make_app(args.database_url)
    with app.app_context():
        emails = {n: f"dash{n}@bench.example" for n in sizes}
        have = False
        if args.keep:
            try:
                have = all(
                    db.session.scalar(select(User.id).where(User.email == e))
                    for e in emails.values()
                )
            except Exception:  # no schema yet
                db.session.rollback()
        if not have:
            seed.migrate(fresh=True)
            started = time.perf_counter()
            for n in sizes:
                seed.clinic(f"dash{n}", n, days=args.days, infusions=args.days // 30)
            print(f"data built in {time.perf_counter() - started:.0f} s")
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("VACUUM ANALYZE")
        total = db.session.scalar(select(func.count()).select_from(Entry))
        print(f"{db.engine.dialect.name}: {total:,} entries")
        engine = db.engine

    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("x")

    from diary.services import dashboard

    try:
        from diary.services import dashboard_figures
    except ImportError:  # code before the pre-check
        dashboard_figures = None
    may_end = dashboard_figures.may_end if dashboard_figures else None
    cases = ["computed", "kept"] + (["every relief"] if dashboard_figures else [])
    print(f"code: {ROOT}")
    print("| patients | " + " | ".join(f"{c}: median ms | SQL" for c in cases) + " | HTML |")
    print("|---:|" + "---:|---:|" * len(cases) + "---:|")
    for n in sizes:
        client = app.test_client()
        seed.sign_in(client, emails[n])
        for _ in range(2):
            assert client.get("/clinic").status_code == 200
        row = []
        for case in cases:
            computed = case != "kept"
            if case == "every relief":
                dashboard_figures.may_end = lambda *_args: True
            times = []
            statements.clear()
            for _ in range(args.requests):
                if computed:
                    with app.app_context():
                        # the kept figures (and, where the code has them, listings)
                        getattr(dashboard, "forget_kept", dashboard.cache.clear)()
                event.listen(engine, "before_cursor_execute", count)
                t0 = time.perf_counter()
                response = client.get("/clinic")
                times.append((time.perf_counter() - t0) * 1000)
                event.remove(engine, "before_cursor_execute", count)
                assert response.status_code == 200
            row += [f"{statistics.median(times):,.0f}", str(len(statements) // args.requests)]
            if case == "every relief":
                dashboard_figures.may_end = may_end
        print(f"| {n:,} | {' | '.join(row)} | {len(response.data) / 1024:.0f} KiB |")


def _before_and_after(args) -> None:
    """The measurement on `args.before` (a temporary worktree), then on this checkout."""
    common = ["--database-url", args.database_url, "--sizes", args.sizes]
    common += ["--days", str(args.days), "--requests", str(args.requests)]
    if not args.keep:  # build the data once, with this checkout, measuring nothing much
        subprocess.run(
            [sys.executable, __file__, *common[:6], "--requests", "1"],
            check=True,
        )
    from bench.http import worktree  # not at the top: a --root child may lack it (older commit)

    with worktree(args.before) as before:
        for root in (before, HERE):
            print(f"\n{'before (' + args.before + ')' if root == before else 'after'}:")
            sys.stdout.flush()
            command = [sys.executable, __file__, *common, "--keep", "--root", str(root)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
