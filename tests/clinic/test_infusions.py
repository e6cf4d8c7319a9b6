"""Recording, editing and listing infusion sessions, on the form and through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary.errors import ValidationError
from diary.extensions import db
from diary.models import AuditEvent, Infusion
from diary.services import infusions
from tests.factories import login


@pytest.fixture
def linked(make, client):
    clinician, patient = make.clinician(), make.patient(timezone="Europe/Stockholm")
    make.link(clinician, patient)
    token = login(client, clinician)
    return clinician, patient, token


def stored(app) -> list[Infusion]:
    with app.app_context():
        rows = db.session.scalars(select(Infusion).order_by(Infusion.id)).all()
        db.session.expunge_all()
        return rows


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- the rules ----------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_clean_accepts_a_full_session():
    out = infusions.clean(
        {
            "started_at": NOW - timedelta(days=1),
            "duration_minutes": 240,
            "dose_mg": 98,
            "rate_mg_kg_h": 0.35,
            "adjuncts": ["midazolam 2 mg", " ", "Midazolam 2 mg", "ondansetron"],
            "pain_pre": 7,
            "pain_post": 3,
            "notes": "  ",
            "exam_signs": ["edema", "allodynia"],
        },
        now=NOW,
    )
    assert out["adjuncts"] == ["midazolam 2 mg", "ondansetron"]  # blanks and repeats dropped
    assert out["notes"] is None
    assert out["dose_mg"] == 98.0
    assert out["exam_signs"] == ["allodynia", "edema"]  # the form's order


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", 0),
        ("duration_minutes", 10081),
        ("duration_minutes", 2.5),
        ("dose_mg", 0),
        ("dose_mg", -5),
        ("rate_mg_kg_h", 11),
        ("pain_pre", 11),
        ("pain_post", -1),
        ("adjuncts", ["x" * 101]),
        ("notes", "x" * 4001),
        ("exam_signs", ["pinprick_typo"]),
    ],
)
def test_clean_refuses_out_of_range_values_by_field(field, value):
    with pytest.raises(ValidationError) as exc:
        infusions.clean({"started_at": NOW, field: value}, now=NOW)
    assert list(exc.value.errors) == [field]


def test_clean_needs_a_start_and_refuses_pain_after_a_scheduled_session():
    with pytest.raises(ValidationError) as exc:
        infusions.clean({}, now=NOW)
    assert exc.value.errors == {"started_at": ["Enter the date and time of the session."]}
    with pytest.raises(ValidationError) as exc:
        infusions.clean({"started_at": NOW + timedelta(days=3), "pain_post": 2}, now=NOW)
    assert exc.value.errors == {"pain_post": ["A scheduled session has no pain after it yet."]}
    with pytest.raises(ValidationError) as exc:
        infusions.clean({"started_at": NOW + timedelta(days=400)}, now=NOW)
    assert "started_at" in exc.value.errors


# --- API ----------------------------------------------------------------------------------------


def test_api_records_lists_and_edits_a_session(app, client, linked):
    clinician, patient, token = linked
    url = f"/api/v1/patients/{patient.id}/infusions"
    body = {
        "started_at": "2026-05-04T09:30:00+02:00",
        "duration_minutes": 240,
        "dose_mg": 98.5,
        "rate_mg_kg_h": 0.35,
        "adjuncts": ["midazolam 2 mg"],
        "pain_pre": 7,
        "pain_post": 4,
        "exam_signs": ["edema"],
    }
    created = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["started_at"] == "2026-05-04T07:30:00+00:00"
    assert data["clinician_id"] == clinician.id and data["scheduled"] is False
    assert created.headers["Location"].endswith(f"/infusions/{data['id']}")

    later = client.post(
        url, json={"started_at": "2026-06-01T09:00:00+00:00"}, headers={"X-CSRFToken": token}
    )
    listed = client.get(url).get_json()
    assert [i["id"] for i in listed] == [later.get_json()["id"], data["id"]]  # newest first

    patched = client.patch(
        f"{url}/{data['id']}",
        json={"pain_post": 2, "exam_signs": None},
        headers={"X-CSRFToken": token},
    )
    assert patched.status_code == 200
    (row, _) = stored(app)
    assert (row.pain_post, row.exam_signs, row.dose_mg, row.pain_pre) == (2, None, 98.5, 7)
    assert "infusion.create" in audit_actions(app) and "infusion.update" in audit_actions(app)
    assert client.get(f"{url}/{data['id']}").get_json()["pain_post"] == 2


def test_an_adjunct_sent_with_a_separator_is_the_adjuncts_it_separates(client, linked):
    """The form lists adjuncts separated by commas or lines, the CSV by ';': an adjunct sent
    to the API with any of them is stored as the adjuncts it separates (blank ones dropped, a
    repeat once), so the form's edit and an export's import give it back as it is stored."""
    _, patient, token = linked
    body = {
        "started_at": "2026-05-04T09:30:00+00:00",
        "adjuncts": ["midazolam 2 mg; clonidine", "ondansetron, iv\nMidazolam 2 mg", " ;"],
    }
    created = client.post(
        f"/api/v1/patients/{patient.id}/infusions", json=body, headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["adjuncts"] == ["midazolam 2 mg", "clonidine", "ondansetron", "iv"]


def test_api_gives_per_field_errors_and_refuses_unknown_fields(app, client, linked):
    _, patient, token = linked
    url = f"/api/v1/patients/{patient.id}/infusions"
    rule = client.post(
        url,
        json={"started_at": "2026-05-04T09:30:00+00:00", "pain_pre": 12, "dose_mg": 0},
        headers={"X-CSRFToken": token},
    )
    assert rule.status_code == 422
    assert rule.get_json()["error"]["code"] == "validation_failed"
    assert rule.get_json()["errors"] == {
        "pain_pre": ["Pain before the session is a whole number from 0 to 10."],
        "dose_mg": ["Enter the total dose in mg, above 0 and at most 10000."],
    }
    shape = client.post(
        url,
        json={"started_at": "2026-05-04 09:30", "colour": "blue", "pain_pre": "7"},
        headers={"X-CSRFToken": token},
    )
    assert shape.status_code == 422
    assert set(shape.get_json()["errors"]) == {"started_at", "colour", "pain_pre"}
    assert stored(app) == []


def test_api_write_needs_the_csrf_token(app, client, linked):
    _, patient, _ = linked
    response = client.post(
        f"/api/v1/patients/{patient.id}/infusions",
        json={"started_at": "2026-05-04T09:30:00+00:00"},
    )
    assert response.status_code == 400
    assert stored(app) == []


def test_another_patients_session_is_404_through_a_linked_patient(app, client, make, linked):
    _, patient, token = linked
    other = make.patient()
    theirs = make.infusion(other, None, make.days_ago(3))
    response = client.patch(
        f"/api/v1/patients/{patient.id}/infusions/{theirs.id}",
        json={"pain_pre": 1},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/patients/{other.id}/infusions").status_code == 404
    assert stored(app)[0].pain_pre is None


# --- the form -----------------------------------------------------------------------------------


def test_form_records_a_session_in_the_patients_local_time(app, client, linked):
    _, patient, _ = linked
    page = client.get(f"/clinic/patients/{patient.id}/infusions/new")
    assert page.status_code == 200
    response = client.post(
        f"/clinic/patients/{patient.id}/infusions/new",
        data={
            "csrf_token": csrf_from(page.text),
            "date": "2026-05-04",
            "time": "09:30",
            "duration_minutes": "240",
            "dose_mg": "98,5",
            "adjuncts": "midazolam 2 mg, clonidine",
            "pain_pre": "7",
            "exam": "yes",
            "exam_signs": ["edema", "allodynia"],
        },
    )
    assert response.status_code == 302
    (row,) = stored(app)
    assert row.started_at == datetime(2026, 5, 4, 7, 30, tzinfo=UTC)  # 09:30 in Stockholm
    assert (row.dose_mg, row.adjuncts) == (98.5, ["midazolam 2 mg", "clonidine"])
    assert row.exam_signs == ["allodynia", "edema"]
    listing = client.get(response.headers["Location"]).text
    assert "Infusion session saved." in listing
    assert "04 May 2026 09:30" in listing and "2 of 8 signs" in listing


def test_form_shows_the_same_messages_as_the_api(app, client, linked):
    _, patient, _ = linked
    page = client.get(f"/clinic/patients/{patient.id}/infusions/new")
    response = client.post(
        f"/clinic/patients/{patient.id}/infusions/new",
        data={
            "csrf_token": csrf_from(page.text),
            "date": "2026-05-04",
            "pain_pre": "12",
            "dose_mg": "0",
            "duration_minutes": "four hours",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert "Pain before the session is a whole number from 0 to 10." in html
    assert "Enter the total dose in mg, above 0 and at most 10000." in html
    assert "Enter the duration in whole minutes." in html
    assert 'value="four hours"' in html  # what was typed is kept
    assert stored(app) == []


def test_form_edits_a_session_and_can_remove_the_exam(app, client, make, linked):
    clinician, patient, _ = linked
    infusion = make.infusion(patient, clinician, make.days_ago(5), pain_pre=6, exam_signs=["edema"])
    url = f"/clinic/patients/{patient.id}/infusions/{infusion.id}/edit"
    page = client.get(url)
    assert page.status_code == 200 and 'value="6"' in page.text
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page.text),
            "date": make.days_ago(5).isoformat(),
            "time": "10:00",
            "pain_pre": "6",
            "pain_post": "2",
            "exam": "no",
            "exam_signs": ["edema"],
        },
    )
    assert response.status_code == 302
    (row,) = stored(app)
    assert (row.pain_post, row.exam_signs) == (2, None)


def test_form_post_without_csrf_token_is_refused(app, client, linked):
    _, patient, _ = linked
    response = client.post(
        f"/clinic/patients/{patient.id}/infusions/new", data={"date": "2026-05-04"}
    )
    assert response.status_code == 400
    assert stored(app) == []


def test_unlinked_patients_infusion_pages_are_404(client, make, linked):
    stranger = make.patient()
    theirs = make.infusion(stranger, None, make.days_ago(3))
    for url in (
        f"/clinic/patients/{stranger.id}/infusions",
        f"/clinic/patients/{stranger.id}/infusions/new",
        f"/clinic/patients/{stranger.id}/infusions/{theirs.id}/edit",
        f"/api/v1/patients/{stranger.id}/infusions",
    ):
        assert client.get(url).status_code == 404, url
