"""Input that used to break pages or answer 500: lone surrogates and control characters in
text, JSON nested 1000 levels deep, ids beyond 64 bits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Entry, Infusion
from diary.services.field_rules import TEXT_MESSAGE
from tests.auth.test_login import csrf_from
from tests.factories import login

LONE_SURROGATE = "\udfff"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def linked(make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    return clinician, patient


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", "before" + LONE_SURROGATE + "after"),
        ("note", "bell\x07"),
        ("note", "nul\x00"),
        ("side_effect_other", "esc\x1b[31m"),
        ("body_site_other", LONE_SURROGATE),
        ("medications", ["aspirin", "bad" + LONE_SURROGATE]),
        ("medications", ["carriage\rreturn"]),
    ],
)
def test_api_refuses_broken_text_in_an_entry_naming_the_field(app, client, make, field, value):
    token = login(client, patient := make.patient())
    response = client.post(
        "/api/v1/entries", json={"pain": 4, field: value}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"] == {field: [TEXT_MESSAGE]}
    assert _count(app, Entry) == 0
    export = client.get("/api/v1/me/export.csv")
    assert export.status_code == 200 and export.get_data(as_text=True).count("\r\n") == 1
    assert patient  # the patient's pages still answer
    assert client.get("/diary/history").status_code == 200


def test_newline_tab_and_crlf_are_text(app, client, make):
    token = login(client, make.patient())
    response = client.post(
        "/api/v1/entries",
        json={"pain": 4, "note": "line one\r\nline\ttwo", "medications": ["ibuprofen 400 mg"]},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    assert response.get_json()["note"] == "line one\nline\ttwo"


def test_patch_refuses_broken_text(app, client, make):
    patient = make.patient()
    entry = make.entry(patient, note="kept")
    token = login(client, patient)
    response = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"note": LONE_SURROGATE, "version": 1},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"note": [TEXT_MESSAGE]}
    assert client.get(f"/api/v1/entries/{entry.id}").get_json()["note"] == "kept"


@pytest.mark.parametrize(
    ("field", "value"),
    [("adjuncts", ["midazolam" + LONE_SURROGATE]), ("notes", LONE_SURROGATE),
     ("adverse_events", "x\x0c"), ("lab_notes", "\x7f")],
)  # fmt: skip
def test_api_refuses_broken_text_in_an_infusion(app, client, linked, field, value):
    clinician, patient = linked
    token = login(client, clinician)
    started = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = client.post(
        f"/api/v1/patients/{patient.id}/infusions",
        json={"started_at": started, field: value},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {field: [TEXT_MESSAGE]}
    assert _count(app, Infusion) == 0
    assert client.get(f"/clinic/patients/{patient.id}/infusions").status_code == 200
    assert client.get(f"/api/v1/patients/{patient.id}/export.csv").status_code == 200


def test_api_login_refuses_broken_text_in_the_email(client):
    raw = '{"email": "a\\udfff@example.test", "password": "whatever it is"}'
    response = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"email": [TEXT_MESSAGE]}


def test_login_form_refuses_control_characters(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": "a\x00@example.test", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 422
    assert TEXT_MESSAGE in response.get_data(as_text=True)


def test_diary_form_refuses_control_characters_inline(app, client, make):
    token = login(client, make.patient())
    response = client.post(
        "/diary",
        data={"csrf_token": token, "pain": "4", "note": "x\x00y", "medications": "a\nb\x08"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.count(TEXT_MESSAGE) == 2  # next to the note and the medications
    assert _count(app, Entry) == 0


def test_infusion_form_refuses_control_characters_inline(app, client, linked):
    clinician, patient = linked
    login(client, clinician)
    url = f"/clinic/patients/{patient.id}/infusions/new"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "date": "2026-05-04",
            "adjuncts": "ok, bad\x01",
            "notes": "\x02",
        },
    )
    assert response.status_code == 422
    assert response.get_data(as_text=True).count(TEXT_MESSAGE) == 2
    assert _count(app, Infusion) == 0


def test_join_form_refuses_control_characters(app, client, make):
    from tests.auth.test_invitations import invite, join

    token = invite(app, make.clinician())
    response = join(client, token, display_name="Pat\x00", email="pat\x01@example.test")
    assert response.status_code == 422
    assert TEXT_MESSAGE in response.get_data(as_text=True)


# --- JSON nested deeply ---------------------------------------------------------------------


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_json_nested_1000_deep_is_refused_not_500(client, make):
    response = client.post("/api/v1/auth/login", data=deep(1000), content_type="application/json")
    assert response.status_code == 422
    assert "nested" in response.get_json()["error"]["message"]
    token = login(client, make.patient())
    body = '{"pain": 3, "note": ' + deep(1000) + "}"
    response = client.post(
        "/api/v1/entries", data=body, content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert response.status_code == 422


def test_json_nested_just_past_the_limit_is_refused(client, make):
    token = login(client, make.patient())
    body = json.dumps({"pain": 3, "medications": json.loads(deep(21))})
    response = client.post(
        "/api/v1/entries", data=body, content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert response.status_code == 422


def test_deep_json_on_login_is_counted_by_the_limiter(client):
    statuses = [
        client.post(
            "/api/v1/auth/login", data=deep(1000), content_type="application/json"
        ).status_code
        for _ in range(21)
    ]
    assert statuses == [422] * 20 + [429]


# --- ids beyond 64 bits ---------------------------------------------------------------------

HUGE = 2**63  # one past the largest id a database column holds
HUGER = 10**30


def test_huge_ids_in_urls_are_404(app, client, linked, make):
    clinician, patient = linked
    login(client, clinician)
    for huge in (HUGE, HUGER):
        for url in (
            f"/clinic/patients/{huge}",
            f"/clinic/patients/{huge}/report",
            f"/clinic/patients/{huge}/infusions",
            f"/clinic/patients/{patient.id}/infusions/{huge}/edit",
            f"/api/v1/patients/{huge}/entries",
            f"/api/v1/patients/{huge}/summary",
            f"/api/v1/patients/{patient.id}/infusions/{huge}",
        ):
            assert client.get(url).status_code == 404, url
    token = login(client, clinician)
    patch = client.patch(  # another method's route has the same path: still 404, not 405
        f"/api/v1/patients/{patient.id}/infusions/{HUGE}",
        json={"notes": "x"},
        headers={"X-CSRFToken": token},
    )
    assert patch.status_code == 404
    admin_client = app.test_client()
    login(admin_client, make.admin())
    token = csrf_from(admin_client.get("/admin/users").get_data(as_text=True))
    response = admin_client.post(f"/admin/users/{HUGE}/active/off", data={"csrf_token": token})
    assert response.status_code == 404


def test_ids_past_what_an_integer_column_holds_are_404(client, linked):
    clinician, _ = linked
    login(client, clinician)
    for number in (2**31 - 1, 2**31, 2**63 - 1):
        assert client.get(f"/clinic/patients/{number}").status_code == 404, number
