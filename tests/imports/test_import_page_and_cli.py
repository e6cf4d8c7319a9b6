"""The clinic's import page and the command a clinic's IT person runs."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Entry, Infusion
from tests.auth.test_login import csrf_from
from tests.factories import login
from tests.imports.test_csv_import import csv_text, fifty_rows


def _count(app, model, patient) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(model).where(model.patient_id == patient.id)
        )


def test_clinic_page_uploads_a_csv_and_shows_each_rejected_row(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    login(client, clinician)
    review = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert f'href="/clinic/patients/{patient.id}/import"' in review
    page = client.get(f"/clinic/patients/{patient.id}/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="file"' in html and 'name="all_or_nothing"' in html
    data = {
        "csrf_token": csrf_from(html),
        "kind": "entries",
        "file": (io.BytesIO(csv_text(fifty_rows(make)).encode()), "old-diary.csv"),
    }
    response = client.post(
        f"/clinic/patients/{patient.id}/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Stored 47 of 50 rows; 0 already there; 3 rejected." in html
    assert (
        '<td class="num">12</td><td>pain</td><td>Choose your pain now, from 0 to 10.</td>' in html
    )
    assert '<td class="num">27</td><td>day</td><td>Use a date as YYYY-MM-DD.</td>' in html
    assert '<td class="num">42</td><td>symptoms</td><td>Unknown symptom code: flying.</td>' in html
    assert _count(app, Entry, patient) == 47


def test_clinic_page_all_or_nothing_and_a_file_it_cannot_read(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    login(client, clinician)
    token = csrf_from(client.get(f"/clinic/patients/{patient.id}/import").get_data(as_text=True))
    url = f"/clinic/patients/{patient.id}/import"
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "kind": "entries",
            "all_or_nothing": "1",
            "file": (io.BytesIO(csv_text(fifty_rows(make)).encode()), "d.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "3 of 50 rows were rejected, so nothing was stored" in response.get_data(as_text=True)
    assert _count(app, Entry, patient) == 0
    for upload, message in (
        ((io.BytesIO(b"\xff\xfe\x00x"), "d.csv"), "The file is not UTF-8 text"),
        ((io.BytesIO(b""), "d.csv"), "Choose a file to import."),
    ):
        response = client.post(
            url,
            data={"csrf_token": token, "kind": "entries", "file": upload},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    response = client.post(
        url,
        data={"csrf_token": token, "kind": "fhir", "file": (io.BytesIO(b"day,pain"), "x.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "The file is not JSON" in response.get_data(True)


def test_clinic_page_is_for_linked_clinicians_only(client, make):
    patient, stranger = make.patient(), make.clinician()
    login(client, stranger)
    assert client.get(f"/clinic/patients/{patient.id}/import").status_code == 404


def test_cli_imports_entries_with_a_progress_bar_and_a_report(app, runner, make, tmp_path):
    patient = make.patient(email="pat@clinic.test")
    path = tmp_path / "diary.csv"
    path.write_text(csv_text(fifty_rows(make)), encoding="utf-8")
    result = runner.invoke(args=["import-entries", "pat@clinic.test", str(path)])
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output
    assert "line 12 [pain]: Choose your pain now, from 0 to 10." in result.output
    assert "Stored 47 of 50 rows; 0 already there, 3 rejected." in result.output
    again = runner.invoke(args=["import-entries", "pat@clinic.test", str(path)])
    assert "Stored 0 of 50 rows; 47 already there, 3 rejected." in again.output
    assert _count(app, Entry, patient) == 47


def test_cli_all_or_nothing_fails_and_stores_nothing(app, runner, make, tmp_path):
    patient = make.patient(email="pat@clinic.test")
    path = tmp_path / "diary.csv"
    path.write_text(csv_text(fifty_rows(make)), encoding="utf-8")
    result = runner.invoke(
        args=["import-entries", "pat@clinic.test", str(path), "--all-or-nothing"]
    )
    assert result.exit_code != 0
    assert "3 rows rejected: nothing stored (all or nothing)." in result.output
    assert _count(app, Entry, patient) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("day,pian\n", encoding="utf-8")
    result = runner.invoke(args=["import-entries", "pat@clinic.test", str(bad)])
    assert result.exit_code != 0 and "Unknown column: pian." in result.output


def test_cli_imports_a_fhir_bundle_and_infusions(app, runner, make, tmp_path):
    patient = make.patient(email="pat@clinic.test")
    day = make.days_ago(2).isoformat()
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
                    "effectiveDateTime": day,
                    "valueInteger": 6,
                }
            }
        ],
    }
    path = tmp_path / "pain.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = runner.invoke(args=["import-entries", "pat@clinic.test", str(path)])
    assert result.exit_code == 0, result.output
    assert "Stored 1 of 1 rows" in result.output
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("started_at,dose_mg\n2025-05-01T09:00:00+02:00,80\n", encoding="utf-8")
    result = runner.invoke(args=["import-infusions", "pat@clinic.test", str(sessions)])
    assert result.exit_code == 0, result.output
    assert _count(app, Entry, patient) == 1 and _count(app, Infusion, patient) == 1
