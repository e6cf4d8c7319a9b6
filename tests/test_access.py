"""Role boundaries, tested over every route in the app's URL map.

Every rule must be classified below; a new route that is not fails `test_every_route_is_classified`
until someone decides who may use it.
"""

from __future__ import annotations

import re
import uuid

import pytest

from diary.extensions import db
from diary.models import Role, UsualMedication
from tests.auth.test_login import csrf_from
from tests.factories import login

ANYONE = "anyone"
SIGNED_IN = "signed_in"
PATIENT, CLINICIAN, ADMIN, CARER = Role.PATIENT, Role.CLINICIAN, Role.ADMIN, Role.CARER
# A diary's pages and API: the patient, and a parent or carer who logs for them.
DIARY = (PATIENT, CARER)

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
    "/carer/join/<token>": ANYONE,
    "/carer": CARER,
    "/carer/close": CARER,
    "/diary/for/<int:patient_id>": DIARY,
    "/diary/for/<int:patient_id>/history": DIARY,
    "/diary/for/<int:patient_id>/trends": DIARY,
    "/diary/for/<int:patient_id>/entries/<uuid:entry_id>/edit": DIARY,
    "/diary/for/<int:patient_id>/entries/<uuid:entry_id>/delete": DIARY,
    "/diary/for/<int:patient_id>/entries/<uuid:entry_id>/restore": DIARY,
    "/diary/settings/carers": PATIENT,
    "/diary/settings/carers/<int:carer_id>/remove": PATIENT,
    "/diary/settings/carers/invitations/<int:invitation_id>/withdraw": PATIENT,
    "/clinic/patients/<int:patient_id>/carers": CLINICIAN,
    "/clinic/patients/<int:patient_id>/carers/<int:carer_id>/remove": CLINICIAN,
    "/clinic/patients/<int:patient_id>/carers/invitations/<int:invitation_id>/withdraw": CLINICIAN,
    "/api/v1/auth/login": ANYONE,
    "/api/v1/openapi.json": ANYONE,
    "/api/v1/auth/logout": SIGNED_IN,
    "/api/v1/auth/csrf": SIGNED_IN,
    "/api/v1/me": SIGNED_IN,
    "/api/v1/me/export.csv": PATIENT,
    "/api/v1/me/fhir": PATIENT,
    "/api/v1/me/archive": PATIENT,
    "/api/v1/me/close": (PATIENT, CARER),  # each closes their own account
    "/api/v1/me/push": PATIENT,
    "/api/v1/me/push/subscriptions": PATIENT,
    "/api/v1/me/push/unsubscribe": PATIENT,
    "/diary/settings": PATIENT,
    "/diary/medications": PATIENT,
    "/diary/medications/<int:medication_id>": PATIENT,
    "/diary/medications/<int:medication_id>/delete": PATIENT,
    "/api/v1/me/medications": PATIENT,
    "/api/v1/me/medications/<int:medication_id>": PATIENT,
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
    "/api/v1/entries": DIARY,
    "/api/v1/entries/<uuid:entry_id>": DIARY,
    "/api/v1/entries/<uuid:entry_id>/restore": DIARY,
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


def _allows(allowed, role) -> bool:
    return role in allowed if isinstance(allowed, tuple) else role == allowed


@pytest.fixture
def world(app, make):
    """Patient A with clinician CA and carer KA; patient B with clinician CB and carer KB; an
    admin. Each B object exists."""
    a, b = make.patient(), make.patient()
    with app.app_context():
        medication_b = UsualMedication(patient_id=b.id, name="gabapentin", dose="300 mg")
        db.session.add(medication_b)
        db.session.commit()
        medication_b_id = medication_b.id
    ca, cb = make.clinician(), make.clinician()
    ka, kb = make.carer(), make.carer()
    make.link(ca, a)
    make.link(cb, b)
    make.carer_link(ka, a)
    make.carer_link(kb, b)
    entry_b = make.entry(b, make.days_ago(1), 6)
    infusion_b = make.infusion(b, cb, make.days_ago(3))
    return {
        "a": a,
        "b": b,
        "ca": ca,
        "cb": cb,
        "ka": ka,
        "kb": kb,
        "admin": make.admin(),
        "values_b": {
            "patient_id": b.id,
            "entry_id": entry_b.id,
            "infusion_id": infusion_b.id,
            "medication_id": medication_b_id,
            "user_id": b.id,
            "carer_id": kb.id,
            "invitation_id": 1,
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
        if _allows(allowed_role, user.role):
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
        if role not in (PATIENT, CLINICIAN, DIARY) or "GET" not in rule.methods:
            continue
        if "<" not in rule.rule:
            continue
        users = {PATIENT: ["b"], CLINICIAN: ["cb"], DIARY: ["b", "kb"]}[role]
        for who in users:
            user = world[who]
            client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login(client, user)})
            login(client, user)
            response = client.get(_url(rule.rule, world["values_b"]))
            assert response.status_code == 200, (who, rule.rule, response.status_code)
            opened += 1
    assert opened >= 8


def test_a_carer_gets_404_on_every_page_not_theirs(app, client, world):
    """KA logs for A only: every route of another role (the clinic's pages and API, the
    admin's, the patient's own settings and check-ins) and every route of the diary naming
    B's objects answer 404, never 403 (for a carer those pages do not exist), writes included."""
    token = login(client, world["ka"])
    checked = clinic = 0
    for rule, method in _requests(app, world["ka"]):
        allowed = ROUTES[rule]
        if _allows(allowed, CARER) and "<" not in rule:
            continue  # their own list, or the API's create and list (tested with patient_id)
        url = _url(rule, world["values_b"])
        response = _call(client, method, url, token)
        assert response.status_code == 404, (method, url, response.status_code)
        checked += 1
        clinic += rule.startswith(("/clinic", "/api/v1/patients"))
    assert clinic >= 20 and checked >= 50


def test_a_carer_gets_404_on_the_patient_pages_without_a_patient(app, client, world):
    """The diary pages without /for/<id> are the patient's own: a carer has none."""
    login(client, world["ka"])
    for url in ("/diary", "/diary/history", "/diary/trends", "/diary/settings", "/diary/checkin"):
        assert client.get(url).status_code == 404, url
