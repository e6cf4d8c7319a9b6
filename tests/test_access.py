"""Role boundaries, tested over every route in the app's URL map.

Every rule must be classified below; a new route that is not fails `test_every_route_is_classified`
until someone decides who may use it.
"""

from __future__ import annotations

import re
import uuid

import pytest

from diary.models import Role
from tests.auth.test_login import csrf_from
from tests.factories import login

ANYONE = "anyone"
SIGNED_IN = "signed_in"
PATIENT, CLINICIAN, ADMIN = Role.PATIENT, Role.CLINICIAN, Role.ADMIN

ROUTES: dict[str, object] = {
    "/": ANYONE,
    "/healthz": ANYONE,
    "/login": ANYONE,
    "/logout": ANYONE,
    "/offline": ANYONE,
    "/sw.js": ANYONE,
    "/manifest.webmanifest": ANYONE,
    "/static/<path:filename>": ANYONE,
    "/join/<token>": ANYONE,
    "/api/v1/auth/login": ANYONE,
    "/api/v1/openapi.json": ANYONE,
    "/api/v1/auth/logout": SIGNED_IN,
    "/api/v1/auth/csrf": SIGNED_IN,
    "/api/v1/me": SIGNED_IN,
    "/api/v1/me/export.csv": PATIENT,
    "/api/v1/me/fhir": PATIENT,
    "/api/v1/me/archive": PATIENT,
    "/api/v1/me/close": PATIENT,
    "/diary/settings": PATIENT,
    "/diary/settings/close": PATIENT,
    "/api/v1/patients/<int:patient_id>/imports/entries": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/imports/infusions": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/imports/fhir": CLINICIAN,
    "/clinic/patients/<int:patient_id>/import": CLINICIAN,
    "/admin/users/<int:user_id>/close": ADMIN,
    "/api/v1/patients/<int:patient_id>/export.csv": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/fhir": CLINICIAN,
    "/diary": PATIENT,
    "/diary/history": PATIENT,
    "/diary/trends": PATIENT,
    "/diary/checkin": PATIENT,
    "/diary/reminder": PATIENT,
    "/diary/entries/<uuid:entry_id>/edit": PATIENT,
    "/diary/entries/<uuid:entry_id>/delete": PATIENT,
    "/diary/entries/<uuid:entry_id>/restore": PATIENT,
    "/api/v1/entries": PATIENT,
    "/api/v1/entries/<uuid:entry_id>": PATIENT,
    "/api/v1/entries/<uuid:entry_id>/restore": PATIENT,
    "/api/v1/checkins": PATIENT,
    "/api/v1/checkins/due": PATIENT,
    "/clinic": CLINICIAN,
    "/api/v1/patients": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/entries": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/summary": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/responses": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/review/charts": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/treatments": CLINICIAN,
    "/clinic/patients/<int:patient_id>/treatments": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/infusions": CLINICIAN,
    "/api/v1/patients/<int:patient_id>/infusions/<int:infusion_id>": CLINICIAN,
    "/clinic/patients/<int:patient_id>": CLINICIAN,
    "/clinic/patients/<int:patient_id>/report": CLINICIAN,
    "/clinic/patients/<int:patient_id>/infusions": CLINICIAN,
    "/clinic/patients/<int:patient_id>/infusions/new": CLINICIAN,
    "/clinic/patients/<int:patient_id>/infusions/<int:infusion_id>/edit": CLINICIAN,
    "/admin/users": ADMIN,
    "/admin/users/<int:user_id>/active/<any(on, off):state>": ADMIN,
    "/admin/users/<int:user_id>/sign-out": ADMIN,
}

PARAM = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def test_every_route_is_classified(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert rules - ROUTES.keys() == set(), "classify new routes in ROUTES"
    assert ROUTES.keys() - rules == set(), "ROUTES names routes the app no longer has"


@pytest.fixture
def world(make):
    """Patient A with clinician CA; patient B with clinician CB; an admin. Each B object exists."""
    a, b = make.patient(), make.patient()
    ca, cb = make.clinician(), make.clinician()
    make.link(ca, a)
    make.link(cb, b)
    entry_b = make.entry(b, make.days_ago(1), 6)
    infusion_b = make.infusion(b, cb, make.days_ago(3))
    return {
        "a": a,
        "b": b,
        "ca": ca,
        "cb": cb,
        "admin": make.admin(),
        "values_b": {
            "patient_id": b.id,
            "entry_id": entry_b.id,
            "infusion_id": infusion_b.id,
            "user_id": b.id,
            "token": uuid.uuid4().hex,
            "filename": "css/app.css",
            "state": "on",
        },
    }


def _url(rule: str, values: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"no test value for URL parameter <{name}>"
        return str(values[name])

    return PARAM.sub(value, rule)


def _requests(app, who):
    """(rule, method, url-for-B's-objects) for every route `who` must not reach."""
    for rule in app.url_map.iter_rules():
        if ROUTES[rule.rule] in (ANYONE, SIGNED_IN):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def _call(client, method: str, url: str, token: str | None):
    headers = {"X-CSRFToken": token} if token else {}
    kwargs = {"json": {}} if url.startswith("/api/") and method != "GET" else {}
    return client.open(url, method=method, headers=headers, **kwargs)


def test_anonymous_is_sent_to_sign_in(app, client, world):
    """Every route that needs an account answers 401 (API) or sends to /login (pages), writes
    included: they carry a valid CSRF token (the sign-in page's), so it is the sign-in check
    that refuses them, not the CSRF check that runs first."""
    token = csrf_from(client.get("/login").text)
    checked = 0
    for rule, method in _requests(app, None):
        url = _url(rule, world["values_b"])
        response = _call(client, method, url, token)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "unauthorized", (method, url)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)
        checked += method != "GET"
    assert checked >= 10  # the writes really were among the requests


@pytest.mark.parametrize("who", ["a", "ca", "admin"])
def test_nobody_reaches_what_is_not_theirs(app, client, world, who):
    """A's patient, A's clinician and the admin never reach patient B's data or another role's
    pages: 404 for B's objects on routes of their own role, 403 on another role's routes."""
    user = world[who]
    token = login(client, user)
    checked = 0
    for rule, method in _requests(app, user):
        allowed_role = ROUTES[rule]
        url = _url(rule, world["values_b"])
        response = _call(client, method, url, token)
        if allowed_role == user.role:
            if "<" not in rule or user.role == ADMIN:
                continue  # no object in it, or the admin's own account pages
            assert response.status_code == 404, (who, method, url, response.status_code)
        else:
            assert response.status_code == 403, (who, method, url, response.status_code)
        checked += 1
    assert checked >= 4


def test_the_owner_and_linked_clinician_do_get_through(app, client, world):
    """The same object URLs answer 200 to B and to B's clinician: the 404s above are real."""
    opened = 0
    for rule in app.url_map.iter_rules():
        role = ROUTES[rule.rule]
        if role not in (PATIENT, CLINICIAN) or "GET" not in rule.methods or "<" not in rule.rule:
            continue
        user = world["b"] if role == PATIENT else world["cb"]
        client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login(client, user)})
        login(client, user)
        response = client.get(_url(rule.rule, world["values_b"]))
        assert response.status_code == 200, (rule.rule, response.status_code)
        opened += 1
    assert opened >= 1
