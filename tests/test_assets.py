"""Compression, cache lifetimes of static files, the plotly bundle, meta descriptions."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from tests.factories import login

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_html_and_json_are_compressed_for_browsers_that_accept_it(client, make):
    login(client, make.patient())
    page = client.get("/diary", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    assert "How is today?" in html and "Accept-Encoding" in page.headers["Vary"]
    plain = client.get("/diary", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert len(page.data) < len(plain.data) / 3
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "br"})
    assert api.headers["Content-Encoding"] == "br"
    assert b'"openapi"' in brotli.decompress(api.data)


def test_fingerprinted_static_files_are_cached_for_a_year_others_revalidated(client):
    html = client.get("/login").text
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', html)
    assert css, "stylesheets carry a fingerprint"
    fresh = client.get(css.group(1))
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get("/static/css/app.css?v=000000000000")
    plain = client.get("/static/css/app.css")
    assert stale.headers["Cache-Control"] == plain.headers["Cache-Control"] == "no-cache"
    assert plain.headers.get("ETag")
    # ES modules keep plain URLs: they import each other by relative URL.
    assert 'src="/static/js/app.js"' in html


def test_plotly_bundle_is_served_precompressed_and_its_copies_match(client):
    bundle = (STATIC / "vendor/plotly-diary.min.js").read_bytes()
    assert brotli.decompress((STATIC / "vendor/plotly-diary.min.js.br").read_bytes()) == bundle
    assert gzip.decompress((STATIC / "vendor/plotly-diary.min.js.gz").read_bytes()) == bundle
    br = client.get("/static/vendor/plotly-diary.min.js", headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert br.headers["Content-Type"].startswith("text/javascript")
    assert br.data == (STATIC / "vendor/plotly-diary.min.js.br").read_bytes()
    gz = client.get("/static/vendor/plotly-diary.min.js", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    plain = client.get("/static/vendor/plotly-diary.min.js", headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and plain.data == bundle


def test_plotly_bundle_is_built_with_only_the_traces_the_charts_use():
    """tools/plotly-bundle/entry.js registers exactly the trace types diary/charts/ draws
    (the browser test checks the built bundle knows no others); plotly's licence is kept."""
    root = Path(__file__).resolve().parent.parent
    used = {
        kind
        for module in (root / "diary/charts").glob("*.py")
        for kind in re.findall(r"add_(\w+)\(", module.read_text())
    }
    entry = (root / "tools/plotly-bundle/entry.js").read_text()
    registered = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry)) - {"core"}
    assert used == registered == {"scatter", "bar", "heatmap"}
    assert "MIT" in (STATIC / "vendor/plotly.LICENSE.txt").read_text()
    lock = (root / "tools/plotly-bundle/package-lock.json").read_text()
    assert '"node_modules/plotly.js"' in lock and '"version": "4.1.1"' in lock


def test_small_text_files_are_compressed_once_and_answer_304_when_unchanged(client):
    first = client.get("/static/css/app.css", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    assert brotli.decompress(first.data) == (STATIC / "css/app.css").read_bytes()
    again = client.get(
        "/static/css/app.css",
        headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_service_worker_keeps_the_fingerprinted_urls_pages_ask_for(client):
    sw = client.get("/sw.js")
    assert sw.headers["Cache-Control"] == "no-cache"
    assert sw.headers["Service-Worker-Allowed"] == "/"
    html = client.get("/login").text
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    assert f"'{css}'" in sw.text
    # Patients' phones do not download the clinician's 1 MB chart bundle at install.
    assert "plotly-diary" not in sw.text
    assert "'/static/js/outbox-core.js'" in sw.text  # modules: plain URLs


def _modules_loaded_by(html: str) -> set[str]:
    """The page's module scripts and every module they import, as /static/js/ paths."""
    todo = re.findall(r'<script type="module" src="/static/js/([\w-]+\.js)"', html)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = (STATIC / "js" / name).read_text()
        todo += re.findall(r"^import (?:[^;]*? from )?'\./([\w-]+\.js)';", source, re.M)
    return {f"/static/js/{name}" for name in seen}


def test_the_service_worker_installs_every_module_the_diary_page_runs(client, make):
    """Offline, the diary page works only if each of its modules (and what they import) was
    cached when the worker was installed: one missing file and the form posts nowhere."""
    login(client, make.patient())
    modules = _modules_loaded_by(client.get("/diary").text)
    assert {"diary.js", "diary-form.js", "outbox-core.js"} <= {m.rsplit("/", 1)[1] for m in modules}
    shell = re.search(r"const SHELL = \[(.*?)\];", client.get("/sw.js").text, re.S).group(1)
    assert modules <= set(re.findall(r"'([^']+)'", shell))


@pytest.mark.parametrize(
    "path",
    ["/login", "/diary", "/diary/history", "/diary/trends", "/diary/checkin", "/offline"],
)
def test_every_patient_page_has_its_own_meta_description(client, make, path):
    if path != "/login":
        login(client, make.patient())
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    [description] = re.findall(r'<meta name="description" content="([^"]+)">', html)
    assert len(description) > 30


def test_clinic_pages_have_meta_descriptions(client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    login(client, clinician)
    seen = set()
    for path in (
        "/clinic",
        f"/clinic/patients/{patient.id}",
        f"/clinic/patients/{patient.id}/report",
    ):
        html = client.get(path).text
        [description] = re.findall(r'<meta name="description" content="([^"]+)">', html)
        seen.add(description)
    assert len(seen) == 3
