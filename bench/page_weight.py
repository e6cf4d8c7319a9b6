"""Page weight of the patient's /diary page: HTML, CSS and JS (with the ES modules it imports),
each gzip-compressed at level 6, against the 60 KB budget. Charts (plotly) are not part of it.

Builds the app in-process (test client, a temporary SQLite database, one demo patient), so it
needs no server:  .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin

# bench/http.py would stand in for the standard library's http package: keep bench/ off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from config import TestingConfig
from diary import create_app
from diary.extensions import db
from diary.models import Role
from diary.services import accounts

BUDGET = 60 * 1024
PASSWORD = "page weight bench"
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+\.(?:css|js))"')
IMPORT = re.compile(r"""(?:import|from)\s*['"](\.{1,2}/[^'"]+\.js)['"]""")


def _gz(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def measure() -> list[tuple[str, int, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        config.WTF_CSRF_ENABLED = False
        app = create_app(config)
        with app.app_context():
            upgrade()
            accounts.create_user("bench@example.test", PASSWORD, Role.PATIENT, "Bench Patient")
            db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.test", "password": PASSWORD})
        page = client.get("/diary")
        assert page.status_code == 200, page.status_code
        html = page.get_data()
        rows = [("/diary (HTML)", len(html), _gz(html))]
        queue = [url for url in ASSET.findall(html.decode()) if "plotly" not in url]
        seen: set[str] = set()
        while queue:
            url = queue.pop(0).split("?")[0]
            if url in seen:
                continue
            seen.add(url)
            body = client.get(url).get_data()
            rows.append((url, len(body), _gz(body)))
            if url.endswith(".js"):  # follow static ES module imports
                queue += [urljoin(url, spec) for spec in IMPORT.findall(body.decode())]
        return rows


def main() -> None:
    rows = measure()
    width = max(len(name) for name, _, _ in rows)
    print(f"{'file':<{width}}  {'raw B':>8}  {'gzip B':>8}")
    for name, raw, gz in rows:
        print(f"{name:<{width}}  {raw:>8}  {gz:>8}")
    total_raw = sum(raw for _, raw, _ in rows)
    total = sum(gz for _, _, gz in rows)
    print(f"{'total':<{width}}  {total_raw:>8}  {total:>8}")
    print(
        f"gzip total {total / 1024:.1f} KB of the {BUDGET // 1024} KB budget "
        f"({100 * total / BUDGET:.0f}%): {'within' if total <= BUDGET else 'OVER'} budget"
    )
    sys.exit(0 if total <= BUDGET else 1)


if __name__ == "__main__":
    main()
