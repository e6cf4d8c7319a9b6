"""Static files and compression.

- `url_for('static', ...)` of a stylesheet or a vendor file (FINGERPRINTED) carries `?v=` and the
  first 12 hex digits of the file's SHA-256; a request whose `v` matches the file as it is now is
  cached for a year (`immutable`): a change to the file changes its URL. The service worker's
  list gets the same URLs (`service_worker_source`). JavaScript modules are not fingerprinted:
  they import each other by plain relative URLs, and one module under two URLs would run twice.
  Without a matching `v` the answer must be revalidated (`no-cache`, with an ETag).
- A file with precompressed copies next to it (`FILE.br`, `FILE.gz`, written by the plotly
  bundle's build) is answered with the copy the browser accepts (brotli first).
- Other text files are compressed once per worker and kept in memory (small: our CSS and JS).
- HTML and JSON answers are compressed by Flask-Compress (zstd, brotli or gzip, as accepted).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from pathlib import Path

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    request,
    send_file,
    url_for,
)
from flask.globals import _cv_request
from flask_compress import Compress
from jinja2 import Environment, pass_environment
from werkzeug.security import safe_join

YEAR = 365 * 24 * 60 * 60
FINGERPRINTED = ("css/", "vendor/")
_SW_STATIC = re.compile(r"'(/static/((?:css|vendor)/[^'?]+))'")
FINGERPRINT_LENGTH = 12
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))
TEXT_TYPES = {
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/plain",
    "text/markdown",
}
# (path, modification time, size) -> fingerprint; (path, mtime, size, encoding) -> bytes
_fingerprints: dict[tuple[str, int, int], str] = {}
_compressed: dict[tuple[str, int, int, str], bytes] = {}
MEMORY_LIMIT = 200  # files kept compressed per worker (we have a few dozen)

compress = Compress()


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress.init_app(app)
    app.view_functions["static"] = static_file
    app.url_defaults(_add_fingerprint)
    app.jinja_env.globals["url_for"] = template_url_for
    # This app's kept URLs (see template_url_for): its URL map and url_defaults are its own.
    app.extensions[PAGE_URLS] = PageUrls()


PAGE_URLS = "diary.page_urls"  # the app.extensions key of the app's PageUrls
PAGE_URLS_KEPT = 2000  # then the whole map is dropped (history pages link each entry by id)
# A url_defaults function -> what its additions depend on besides the endpoint and the values
# given (a function of no arguments; None: nothing). A URL is kept only when every url_defaults
# function that applies to its endpoint is named here (see `keyed_url_defaults`).
_DEFAULTS_KEYS: dict = {}


def keyed_url_defaults(key):
    """Declare a url_defaults function's inputs: `key()` returns (hashable) everything of the
    request it reads. URLs of that function's endpoints can then be kept per `key()`."""

    def declare(function):
        _DEFAULTS_KEYS[function] = key
        return function

    return declare


def _defaults_keys(app: Flask, endpoint: str) -> tuple | None:
    """The key functions of the url_defaults that apply to `endpoint`, or None when one of them
    was not declared (its URLs are then built every time)."""
    # As Flask's inject_url_defaults: the app's, then each enclosing blueprint's, outermost first.
    path = endpoint.rpartition(".")[0].split(".") if "." in endpoint else []
    names = (None, *(".".join(path[:n]) for n in range(1, len(path) + 1)))
    keys = []
    for name in names:
        for function in app.url_default_functions.get(name, ()):
            key = _DEFAULTS_KEYS.get(getattr(function, "__func__", function), False)
            if key is False:
                return None
            if key is not None:
                keys.append(key)
    return tuple(keys)


@pass_environment
def template_url_for(environment: Environment, endpoint: str, /, **values) -> str:
    """Flask's url_for, for templates, with each URL kept per worker once built. A page links a
    dozen or more URLs, each costing a trip through the URL map, and a URL depends only on the
    script root, the endpoint, the values given and what the url_defaults functions add: the
    static files' fingerprint (fixed until the workers restart, see `fingerprint`) and, in a
    carer's copy of the diary, the patient's id (declared with `keyed_url_defaults`, which makes
    it part of the key). Not kept: external URLs and other `_` options, relative endpoints
    (`.name`), unhashable values, endpoints with an undeclared url_defaults function, and
    anything while the debugger or template reloading is on (files are then watched). Jinja
    passes its environment (the app's), whose reloading switch is then read without the app's
    `jinja_env` property."""
    ctx = _cv_request.get(None)
    if ctx is None:
        return url_for(endpoint, **values)
    app = ctx.app
    kept = app.extensions[PAGE_URLS]
    keys = kept.endpoint_keys.get(endpoint, False)
    if keys is False:
        keys = kept.endpoint_keys[endpoint] = (
            None if endpoint[:1] == "." else _defaults_keys(app, endpoint)
        )
    if keys is None or environment.auto_reload or app.debug:
        return url_for(endpoint, **values)
    if values:
        if not _URL_OPTIONS.isdisjoint(values):
            return url_for(endpoint, **values)
        # with each value's type: 1 and True are equal keys, but not equal in a URL
        given = (*values.items(), *map(type, values.values()))
    else:
        given = ()
    key = (
        ctx.request.script_root,
        endpoint,
        given,
        tuple([k() for k in keys]) if keys else (),
    )
    try:
        url = kept.urls.get(key)
    except TypeError:  # an unhashable value
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(kept.urls) >= PAGE_URLS_KEPT:
            kept.urls.clear()
        kept.urls[key] = url
    return url


# url_for's own options (not URL values): such URLs are built every time.
_URL_OPTIONS = frozenset({"_anchor", "_method", "_scheme", "_external"})


class PageUrls:
    """An app's kept URLs, per worker."""

    def __init__(self) -> None:
        # (script root, endpoint, values and their types, what the url_defaults read) -> URL
        self.urls: dict[tuple, str] = {}
        # endpoint -> its url_defaults' key functions (None: its URLs are not kept)
        self.endpoint_keys: dict[str, tuple | None] = {}


def _stat(path: str) -> tuple[str, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_mtime_ns, st.st_size)


# filename -> fingerprint, when files are not watched for changes (see fingerprint)
_fixed: dict[str, str | None] = {}


def fingerprint(filename: str) -> str | None:
    """The first FINGERPRINT_LENGTH hex digits of the static file's SHA-256 (None if absent).

    Served files change only with a new release, which restarts the workers: each worker works
    a file's fingerprint out once (every page links two stylesheets; a stat per link per page
    is measurable). With the debugger or template reloading on, a changed file is noticed."""
    watching = current_app.debug or current_app.jinja_env.auto_reload
    if not watching and filename in _fixed:
        return _fixed[filename]
    found = _fingerprint(filename)
    if not watching:
        _fixed[filename] = found
    return found


def _fingerprint(filename: str) -> str | None:
    path = safe_join(current_app.static_folder, filename)
    key = _stat(path) if path else None
    if key is None or not os.path.isfile(path):
        return None
    found = _fingerprints.get(key)
    if found is None:
        found = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:FINGERPRINT_LENGTH]
        _fingerprints[key] = found
    return found


def _add_fingerprint(endpoint: str, values: dict) -> None:
    filename = values.get("filename", "")
    if endpoint == "static" and filename.startswith(FINGERPRINTED) and "v" not in values:
        version = fingerprint(filename)
        if version:
            values["v"] = version


# It reads the endpoint and the values only (nothing else of the request).
_DEFAULTS_KEYS[_add_fingerprint] = None


def _accepts(encoding: str) -> bool:
    return request.accept_encodings[encoding] > 0


def static_file(filename: str) -> Response:
    folder = current_app.static_folder
    path = safe_join(folder, filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    fresh = request.args.get("v") is not None and request.args.get("v") == fingerprint(filename)
    response = None
    for encoding, suffix in PRECOMPRESSED:
        if _accepts(encoding) and os.path.isfile(path + suffix):
            response = send_file(path + suffix, mimetype=mimetype, conditional=True)
            response.headers["Content-Encoding"] = encoding
            break
    if response is None:
        response = send_file(path, mimetype=mimetype, conditional=True)
        if response.status_code == 200 and mimetype in TEXT_TYPES:
            _compress_in_memory(response, path)
    response.vary.add("Accept-Encoding")
    if fresh:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def _compress_in_memory(response: Response, path: str) -> None:
    """Answer a small text file compressed, compressing it once per worker."""
    stat = _stat(path)
    encoding = next((e for e in ("br", "gzip") if _accepts(e)), None)
    if stat is None or encoding is None or stat[2] < current_app.config["COMPRESS_MIN_SIZE"]:
        return
    key = (*stat, encoding)
    data = _compressed.get(key)
    if data is None:
        raw = Path(path).read_bytes()
        if encoding == "br":
            import brotli

            data = brotli.compress(raw, quality=11)
        else:
            import gzip

            data = gzip.compress(raw, compresslevel=9, mtime=0)
        if len(_compressed) >= MEMORY_LIMIT:
            _compressed.clear()
        _compressed[key] = data
    etag, _weak = response.get_etag()
    response.direct_passthrough = False
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding
    if etag:
        response.set_etag(f"{etag}-{encoding}")
        response.make_conditional(request)


_sw_cache: dict[tuple[str, int, int], str] = {}


def service_worker_source() -> str:
    """static/sw.js with each '/static/css/...' and '/static/vendor/...' literal given its
    fingerprint, so the service worker keeps the very URLs the pages ask for, and a changed
    stylesheet or bundle changes the worker (the browser then installs it again)."""
    path = os.path.join(current_app.static_folder, "sw.js")
    key = _stat(path)
    found = _sw_cache.get(key) if key else None
    if found is None:
        text = Path(path).read_text(encoding="utf-8")

        def versioned(match: re.Match) -> str:
            version = fingerprint(match.group(2))
            return f"'{match.group(1)}?v={version}'" if version else match.group(0)

        found = _SW_STATIC.sub(versioned, text)
        if key:
            _sw_cache.clear()
            _sw_cache[key] = found
    return found
