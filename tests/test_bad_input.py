"""Bad input never gives a 500: every field of every JSON write and every form, one at a time,
set to values a confused client or a hostile one might send. Nothing already stored changes.

The API's fields come from its own OpenAPI document and the forms' from their rendered HTML, so
a field added later is covered without touching this file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from diary.extensions import db, limiter
from diary.models import Entry, EntryRevision, Infusion, UsualMedication
from diary.services import accounts
from tests.auth.test_login import csrf_from
from tests.factories import login

# A browser's P-256 public key (the point of private key 12345), for a valid push subscription.
PUSH_P256DH = (
    "BCbvzr0O6eNKZpGH4Ys6kSKy9zOUW2Scyfn5Ien52tgSkCOL3pzHuzMNFQxncE3SWucFUgV0S28xv0BwdFhy0OY"
)
JUNK_JSON = [
    None,
    "",
    "abc",
    "9" * 40,
    "2026-13-45",
    "<script>alert(1)</script>",
    "é" * 3000,
    -1,
    11,
    10**20,
    3.5,
    1e308,
    True,
    [],
    ["abc"],
    {},
    {"x": [1, {"y": None}]},
]
JUNK_FORM = ["", " ", "-1", "11", "abc", "1e309", "NaN", "9" * 40, "2026-13-45", "25:99",
             "\x00", "é" * 3000, "<b>", "[]"]  # fmt: skip
FORM_FIELD = re.compile(r'name="([a-z_]+)"')


def _schema(spec: dict, ref: dict) -> dict:
    return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


@pytest.fixture
def world(app, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    entry = make.entry(patient, make.days_ago(1), 6, note="kept")
    infusion = make.infusion(patient, clinician, make.days_ago(5), duration_minutes=240)
    with app.app_context():
        token = accounts.create_invitation(db.session.merge(clinician))
        medication = UsualMedication(patient_id=patient.id, name="gabapentin", dose="300 mg")
        db.session.add(medication)
        db.session.commit()
        medication_id = medication.id
    return {"patient": patient, "clinician": clinician, "entry": entry, "infusion": infusion,
            "token": token, "medication_id": medication_id}  # fmt: skip


def _stored(app) -> tuple:
    """What must not change when a request is refused."""
    with app.app_context():
        entry = db.session.scalars(select(Entry).order_by(Entry.created_at)).first()
        infusion = db.session.scalars(select(Infusion)).first()
        revisions = db.session.scalar(select(func.count()).select_from(EntryRevision))
        return (entry.pain, entry.note, entry.version, infusion.duration_minutes, revisions)


def test_every_json_field_refuses_junk_with_a_clear_4xx(app, client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    now = datetime.now(UTC)
    bases = {
        "/checkins": {
            "promis_pi": {"pi_day_to_day": 2, "pi_work_home": 2, "pi_social": 2, "pi_chores": 2},
            "pgic": 3,
        },
        "/entries": {"pain": 5},
        "/entries/{entry_id}": {"pain": 6, "version": 1},
        "/patients/{patient_id}/infusions": {"started_at": (now + timedelta(days=3)).isoformat()},
        "/patients/{patient_id}/infusions/{infusion_id}": {"duration_minutes": 240},
        "/patients/{patient_id}/imports/entries": {"csv": "day,pain\r\n"},
        "/patients/{patient_id}/imports/infusions": {"csv": "started_at\r\n"},
        "/patients/{patient_id}/imports/fhir": {
            "bundle": {"resourceType": "Bundle", "type": "collection"}
        },
        "/me/close": {"password": "not the password"},
        "/me/push/subscriptions": {
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "keys": {"p256dh": PUSH_P256DH, "auth": "dGVzdHRlc3R0ZXN0dGVzdA"},
        },
        "/me/push/unsubscribe": {"endpoint": "https://fcm.googleapis.com/fcm/send/abc"},
        "/patients/{patient_id}/treatments": {"day": now.date().isoformat(), "kind": "other"},
        "/me/medications": {"name": "baclofen", "dose": "10 mg"},
        "/me/medications/{medication_id}": {"name": "gabapentin", "dose": "600 mg"},
    }
    ids = {
        "entry_id": world["entry"].id,
        "patient_id": world["patient"].id,
        "infusion_id": world["infusion"].id,
        "medication_id": world["medication_id"],
    }
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation or path == "/auth/login":
                continue
            schema = _schema(
                spec, operation["requestBody"]["content"]["application/json"]["schema"]
            )
            user = world["clinician"] if path.startswith("/patients") else world["patient"]
            token = login(client, user)
            url = "/api/v1" + path.format(**ids)
            for field in schema["properties"]:
                for junk in JUNK_JSON:
                    before = _stored(app)
                    body = {**bases[path], field: junk}
                    response = client.open(
                        url, method=method.upper(), json=body, headers={"X-CSRFToken": token}
                    )
                    assert response.status_code < 500, (method, path, field, junk)
                    if response.status_code >= 400:
                        assert response.is_json and response.get_json()["error"]["code"]
                        assert _stored(app) == before, (method, path, field, junk)
                    checked += 1
            limiter.reset()  # junk passwords for /me/close count as wrong guesses (then 429)
            for raw in ("not json", "[1, 2]", "null", '{"pain": '):
                response = client.open(
                    url,
                    method=method.upper(),
                    data=raw,
                    content_type="application/json",
                    headers={"X-CSRFToken": token},
                )
                assert response.status_code == 422, (method, path, raw)
            client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert checked > 500


def test_every_form_field_refuses_junk_without_a_500(app, client, world):
    patient, clinician = world["patient"], world["clinician"]
    entry, infusion = world["entry"], world["infusion"]
    forms = [
        (None, f"/join/{world['token']}"),
        (patient, "/diary"),
        (patient, f"/diary/entries/{entry.id}/edit"),
        (patient, "/diary/checkin"),
        (patient, "/diary/settings"),
        (patient, "/diary/medications"),
        (clinician, f"/clinic/patients/{patient.id}/infusions/new"),
        (clinician, f"/clinic/patients/{patient.id}/treatments"),
        (clinician, f"/clinic/patients/{patient.id}/infusions/{infusion.id}/edit"),
        (None, "/login"),  # last: its failures are rate-limited (429) by design
    ]
    checked = 0
    for user, url in forms:
        if user is not None:
            login(client, user)
        html = client.get(url).get_data(as_text=True)
        token = csrf_from(html)
        fields = sorted(set(FORM_FIELD.findall(html)) - {"csrf_token"})
        assert fields, url
        for field in fields:
            for junk in JUNK_FORM:
                before = _stored(app)
                response = client.post(url, data={"csrf_token": token, field: junk})
                assert response.status_code < 500, (url, field, junk)
                if response.status_code >= 400:
                    assert _stored(app) == before, (url, field, junk)
                checked += 1
        if user is not None:
            client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert checked > 300


def test_reminder_time_refuses_junk_without_a_500(client, world):
    token = login(client, world["patient"])
    for junk in JUNK_FORM:
        response = client.post("/diary/reminder", data={"csrf_token": token, "reminder_time": junk})
        assert response.status_code == 302, junk  # back to the diary, with a message
