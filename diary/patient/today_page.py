"""The Today page's HTML (patient/log_day.html), its fixed parts rendered once per worker.

Most of the page is the same on every visit of the same day: the layout, the links, the day's
choices, the patient's usual medications, their reminder. Rendering it costs about a quarter of
the request. So a blank form's page (no values, no errors, no flashed message) is rendered once
per key with a marker in place of each part that changes on every visit, and kept; each visit
then only puts its own parts (HOLES) into the kept page.

The key is everything else the page reads: the `fixed` values the view gives (hashable; the
measures' controls among them, the same objects while entry_form keeps them), the viewer
(current_user's id and role), the carer's patient (its id and name), the endpoint, the script
root and the patient in the URL (the links: see assets.template_url_for). To keep the
key honest, the page is rendered for keeping without the request's own objects: current_user,
diary_patient and request are stand-ins that hold only what is in the key and refuse any other
attribute (an error, not a stale page), and g, session and config are refused whole. A new
variable of the page must be given in `fixed` (then it is in the key) or be a hole; a global
function of the templates that reads the request (as csrf_token) must be a hole too.

Not kept (rendered in full as before): a form with values or errors, a page with flashed
messages, and anything while the debugger or template reloading is on (files are watched).
A page is kept as the UTF-8 bytes of the response, so a visit neither renders nor encodes
it. Kept pages are per app and per worker, at most KEPT of them (the least recently used go).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict, namedtuple
from functools import lru_cache
from typing import Any

from flask import current_app, g, get_flashed_messages, render_template, request
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

TEMPLATE = "patient/log_day.html"
LIST_TEMPLATE = "patient/_today_list.html"
# The parts of the page that change on every visit: the CSRF token (masked per response), the
# form's new entry id, the last days' answers (JSON), today's latest entries.
HOLES = ("csrf", "new_id", "made_at", "recent_days_json", "today_list")
KEPT = 128  # pages kept per worker (some 50 kB each)
KEPT_PAGES = "diary.today_pages"  # the app.extensions key of the app's kept pages


def today_list(recent_list: tuple, entries_today: int, pain_maximum: int, count_cap: int) -> Markup:
    """Today's latest entries (patient/_today_list.html): `recent_list` holds (pain, the local
    time it was saved) of each, newest first, of `entries_today` (counted up to `count_cap`).
    Kept per worker too, by those inputs (a list is seen again until the next entry), except
    while template files are watched."""
    env = current_app.jinja_env
    if env.auto_reload:
        return _today_list(env, recent_list, entries_today, pain_maximum, count_cap)
    return _kept_today_list(env, recent_list, entries_today, pain_maximum, count_cap)


def _today_list(env, recent_list, entries_today, pain_maximum, count_cap) -> Markup:
    html = env.get_template(LIST_TEMPLATE).render(
        recent_list=recent_list,
        entries_today=entries_today,
        pain_maximum=pain_maximum,
        count_cap=count_cap,
    )
    return Markup(html)  # noqa: S704 (Jinja autoescapes)


_kept_today_list = lru_cache(maxsize=KEPT)(_today_list)


def tojson(value: Any) -> Markup:
    """`value|tojson` as the app's templates write it (the same policies: Flask's JSON)."""
    policies = current_app.jinja_env.policies
    dumps = policies["json.dumps_function"]
    return htmlsafe_json_dumps(value, dumps=dumps, **policies["json.dumps_kwargs"])


def render(fixed: dict[str, Any], holes: dict[str, Any], values: dict, errors: dict) -> str | bytes:
    """log_day.html with `fixed` (hashable values), `holes` (the HOLES but the CSRF token, which
    the page asks for itself) and the form's `values` and `errors`: the page's text, or the
    UTF-8 bytes of a kept page."""
    app = current_app._get_current_object()
    if values or errors or app.debug or app.jinja_env.auto_reload or get_flashed_messages():
        return render_template(TEMPLATE, **fixed, **holes, values=values, errors=errors)
    user = current_user._get_current_object()
    viewer = _Viewer(
        user.is_authenticated,
        user.id,
        user.is_patient,
        user.is_carer,
        user.is_clinician,
        user.is_admin,
    )
    patient = g.get("diary_patient")
    shown = _Patient(patient.id, patient.display_name) if patient is not None else None
    context = _Request(request.endpoint)
    key = (
        tuple(fixed.items()),
        viewer,
        shown,
        context,
        request.script_root,
        g.get("diary_patient_id"),
    )
    kept = app.extensions.get(KEPT_PAGES)
    if kept is None:
        kept = app.extensions.setdefault(KEPT_PAGES, _Kept())
    page = kept.get(key)
    if page is None:
        page = kept.put(key, _page(fixed, viewer, shown, context))
    pattern, names = page
    holes = {**holes, "csrf": app.jinja_env.globals["csrf_token"]()}
    # As Jinja prints them: Markup as it is, anything else escaped.
    return pattern % tuple([escape(holes[name]).encode() for name in names])


def _page(fixed: dict[str, Any], viewer, shown, context) -> tuple[bytes, tuple[str, ...]]:
    """The page for keeping: its UTF-8 bytes as a %-pattern with a %s per hole (bytes % tuple),
    and the holes' names in the page's order."""
    marker = "\x00" + secrets.token_hex(8)  # cannot stand in the page otherwise
    markers = {name: Markup(f"{marker}{name}{marker}") for name in HOLES}  # noqa: S704
    refused = _Refused()
    html = render_template(
        TEMPLATE,
        **fixed,
        values={},
        errors={},
        **{name: markers[name] for name in HOLES if name != "csrf"},
        csrf_token=lambda: markers["csrf"],
        current_user=viewer,
        diary_patient=shown,
        request=context,
        get_flashed_messages=lambda **_: [],
        g=refused,
        session=refused,
        config=refused,
    )
    parts = re.split(f"{marker}(\\w+){marker}", html)
    texts, names = parts[::2], tuple(parts[1::2])
    if any(marker in text for text in texts) or not set(names) <= set(HOLES):
        raise RuntimeError("today_page: a hole's marker was changed by the template")
    return "%s".join(text.replace("%", "%%") for text in texts).encode(), names


class _Refuse:
    """Refuses every attribute but Python's own: the kept page may read only what is in its key
    (an error names the attribute, rather than a page kept without it)."""

    __slots__ = ()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError(f"today_page: the kept page read {name!r}, which is not in its key")


class _Refused(_Refuse):
    """g, session and config, for the kept page: none of them."""

    __slots__ = ()


_VIEWER = ("is_authenticated", "id", "is_patient", "is_carer", "is_clinician", "is_admin")


class _Viewer(_Refuse, namedtuple("Viewer", _VIEWER)):
    """current_user, for the kept page: what base.html and log_day.html read of it."""

    __slots__ = ()


class _Patient(_Refuse, namedtuple("Patient", ("id", "display_name"))):
    """diary_patient (the patient a carer logs for), for the kept page."""

    __slots__ = ()


class _Request(_Refuse, namedtuple("Request", ("endpoint",))):
    """request, for the kept page: its endpoint (base.html marks the current page's link)."""

    __slots__ = ()


class _Kept:
    """An app's kept pages, least recently used first."""

    def __init__(self) -> None:
        self.pages: OrderedDict[tuple, tuple[bytes, tuple[str, ...]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, tuple[str, ...]] | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: tuple[bytes, tuple[str, ...]]) -> tuple:
        with self.lock:
            self.pages[key] = page
            while len(self.pages) > KEPT:
                self.pages.popitem(last=False)
        return page
