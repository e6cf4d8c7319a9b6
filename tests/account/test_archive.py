"""Download my data: one zip with everything the patient gave the diary."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from diary.extensions import db
from diary.models import AuditEvent, WeeklyCheckin
from diary.services import entries
from tests.factories import login

FILES = {
    "README.txt",
    "entries.json",
    "revisions.json",
    "checkins.json",
    "infusions.json",
    "usual_medications.json",
    "diary.csv",
    "infusions.csv",
    "diary.fhir.json",
}


def _world(app, make):
    patient, other, clinician = make.patient(), make.patient(), make.clinician()
    kept = make.entry(patient, make.days_ago(3), 7, symptoms=["burning"], note="kept")
    make.entry(patient, make.days_ago(2), 5, deleted_at=datetime.now(UTC))
    make.entry(other, make.days_ago(1), 9, note="someone else")
    make.infusion(patient, clinician, make.days_ago(5), dose_mg=70, pain_pre=8)
    with app.app_context():
        entries.update_entry(db.session.merge(patient), kept.id, {"pain": 6}, version=1)
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=make.days_ago(1),
                promis_pi={"pi_day_to_day": 3},
                pgic=2,
            )
        )
        db.session.commit()
    return patient, kept


def test_download_my_data_gives_a_zip_of_everything(app, client, make):
    patient, kept = _world(app, make)
    login(client, patient)
    settings = client.get("/diary/settings").get_data(as_text=True)
    assert 'href="/api/v1/me/archive"' in settings and "Download my data" in settings
    response = client.get("/api/v1/me/archive")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == FILES

    stored = json.loads(archive.read("entries.json"))
    assert sorted((e["pain"], e["deleted_at"] is not None) for e in stored) == [
        (5, True),
        (6, False),
    ]
    assert {"day", "recorded_at", "symptoms", "version", "imported"} <= set(stored[0])
    (revision,) = json.loads(archive.read("revisions.json"))
    assert revision["entry_id"] == str(kept.id) and revision["content"]["pain"] == 7
    (checkin,) = json.loads(archive.read("checkins.json"))
    assert (checkin["pgic"], checkin["promis_pi"]) == (2, {"pi_day_to_day": 3})
    (infusion,) = json.loads(archive.read("infusions.json"))
    assert (infusion["dose_mg"], infusion["pain_pre"]) == (70, 8)
    rows = list(csv.DictReader(io.StringIO(archive.read("diary.csv").decode())))
    assert [r["pain"] for r in rows] == ["6"]
    sessions = list(csv.DictReader(io.StringIO(archive.read("infusions.csv").decode())))
    assert [s["dose_mg"] for s in sessions] == ["70.0"]
    bundle = json.loads(archive.read("diary.fhir.json"))
    Bundle.model_validate(bundle)
    # patient, one live entry, the check-in's PROMIS answers and PGIC, one infusion
    assert len(bundle["entry"]) == 5
    answers = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
    }
    promis, pgic = answers["promis_pi_4a_raw"], answers["pgic"]
    assert [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in promis["component"]] == [
        ("pi_day_to_day", 3)
    ]
    assert "valueInteger" not in promis and "dataAbsentReason" in promis  # 1 of 4 items: no score
    assert (pgic["valueInteger"], pgic["note"]) == (2, [{"text": "Much improved"}])
    readme = archive.read("README.txt").decode()
    for name in FILES - {"README.txt"}:
        assert name in readme
    assert b"someone else" not in response.data


def test_only_a_patient_downloads_their_own_archive(client, make):
    clinician = make.clinician()
    login(client, clinician)
    assert client.get("/api/v1/me/archive").status_code == 403
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login(client, clinician)})
    assert client.get("/api/v1/me/archive").status_code == 401


def test_export_patient_writes_the_archive_and_is_audited(app, runner, make, tmp_path):
    patient, _ = _world(app, make)
    result = runner.invoke(args=["export-patient", patient.email, str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "out").iterdir()
    assert path.name.startswith(f"diary-{patient.id}-") and path.suffix == ".zip"
    assert set(zipfile.ZipFile(path).namelist()) == FILES
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)
        ).all()
    assert "archive.export" in actions
    result = runner.invoke(args=["export-patient", "nobody@x.test", str(tmp_path)])
    assert result.exit_code != 0 and "No account for nobody@x.test" in result.output
