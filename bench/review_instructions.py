"""Instructions per cold review (page and charts request, every cache and kept record emptied
before each: the first review after a change to an older day), 5 years of daily entries and 40
infusions (range=all) against 30 days and 1 infusion, counted by valgrind's callgrind: the same
count however busy the machine is, so two commits compare on a shared machine where CPU time
does not (bench/review_page.py --clock cpu gives the times).

    .venv/bin/python bench/review_instructions.py [--root CHECKOUT] [--n 3]

--root: the code to measure (another commit's worktree, e.g. `git worktree add /tmp/x 093ceae`
and a link to this .venv); this checkout by default. The data is bench/seed.py's, built and
every path warmed up uncounted; the counts are written out (callgrind's --dump-before, on
os.getpgrp, which nothing else calls) after the setup, after the 5-year reviews and after the
30-day ones. About 2 minutes (valgrind runs the script some 50 times slower). Needs valgrind.
"""

from __future__ import annotations

import argparse
import gc
import glob
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]


def _total(path: str) -> int:
    """The instruction count of one callgrind part."""
    with open(path) as part:
        for line in part:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise ValueError(f"no total in {path}")


def count(root: str, n: int) -> None:
    """Runs this script under callgrind and prints the counts per review."""
    out = tempfile.mkdtemp()
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--dump-before=os_getpgrp",
         f"--callgrind-out-file={out}/cg.out",
         sys.executable, __file__, "--root", root, "--n", str(n), "--inner"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    parts = sorted(glob.glob(f"{out}/cg.out.*"), key=lambda f: int(f.rsplit(".", 1)[1]))
    counts = [_total(part) for part in parts]  # the setup, the 5-year reviews, the 30-day ones
    five, thirty = counts[1] / n / 1e6, counts[2] / n / 1e6
    print(f"{root}: cold page + charts, millions of instructions per review:")
    print(f"5 years {five:.1f}, 30 days {thirty:.1f}, ratio {five / thirty:.2f}x")


def reviews(root: str, n: int) -> None:
    """Under callgrind: the data, the warm-up, then n cold reviews of each patient, a dump of
    the counts before each part (os.getpgrp)."""
    sys.path.insert(0, str(Path(root).resolve()))
    spec = importlib.util.spec_from_file_location("bench_seed", BENCH / "seed.py")
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    from diary.models import Role
    from diary.services import review_cache

    tmp = tempfile.mkdtemp()
    app = seed.migrated_app(f"sqlite:///{tmp}/bench.sqlite3")
    with app.app_context():
        clinician = seed.user("clinician@bench.example", Role.CLINICIAN, "Bench clinician")
        five = seed.patient(clinician, "five-years", days=5 * 365 + 1, infusions=40, pain=2)
        thirty = seed.patient(clinician, "thirty-days", days=30, infusions=1, pain=2)
    client = app.test_client()
    seed.sign_in(client, "clinician@bench.example")
    urls = {}
    for patient in (five, thirty):
        page = f"/clinic/patients/{patient}?range=all"
        charts = re.search(r'data-charts-src="([^"]+)"', client.get(page).text).group(1)
        urls[patient] = (page, charts.replace("&amp;", "&"))

    def cold(patient: int) -> None:
        with app.app_context():
            review_cache.clear()
        page, charts = urls[patient]
        assert client.get(page).status_code == 200
        assert client.get(charts).status_code == 200

    for _ in range(3):
        cold(five)
        cold(thirty)
    try:  # the collector as the code's gunicorn workers have it (wsgi.py), where it has that
        from diary import worker_gc
    except ImportError:
        gc.collect()
        gc.freeze()
    else:
        worker_gc.settle()
    os.getpgrp()
    for _ in range(n):
        cold(five)
    os.getpgrp()
    for _ in range(n):
        cold(thirty)
    os.getpgrp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(BENCH.parent))
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    (reviews if args.inner else count)(args.root, args.n)


if __name__ == "__main__":
    main()
