"""Errors: JSON under /api/, friendly pages elsewhere, never a stack trace."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from diary.extensions import db
from tests.factories import login


def test_api_404_is_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_html_404_is_a_friendly_page(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_wrong_method_is_405_json_with_allow(client, make):
    token = login(client, make.patient())  # past the CSRF check, which runs first on writes
    response = client.put("/api/v1/me", headers={"X-CSRFToken": token})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    page = client.delete("/healthz", headers={"X-CSRFToken": token})
    assert page.status_code == 405 and page.mimetype == "text/html"


def test_unexpected_error_hides_the_trace(app, client, make, monkeypatch):
    clinician = make.clinician()
    login(client, clinician)

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("diary.services.dashboard._summaries", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        api = client.get("/api/v1/patients")
        page = client.get("/clinic")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert api.status_code == 500 and api.get_json()["error"]["code"] == "internal_error"
    assert page.status_code == 500
    for response in (api, page):
        assert "secret internals" not in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)


def test_bad_query_dates_are_422_per_field(client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    login(client, clinician)
    response = client.get(f"/api/v1/patients/{patient.id}/entries?from=yesterday&to=2026-13-01")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"from", "to"}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_says_503_when_the_database_does_not_answer(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
