"""The entry API's short cuts give what the long way gives: the create's field-by-field load is
marshmallow's load, the answer's dumper is EntryOutSchema's dump, the prebuilt INSERT stores
what the ORM stored and leaves the entry in the session as the ORM did."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from diary.api.schemas import EntryCreateSchema, EntryOutSchema, EntryPatchSchema
from diary.api.schemas.entries import dump_entry
from diary.extensions import db
from diary.models import Entry, User
from diary.services import entries
from tests.factories import login

VALID_BODIES = [
    {"pain": 4, "note": "walk"},
    {},
    {
        "id": str(uuid.uuid4()),
        "patient_id": 7,
        "day": "2026-03-01",
        "recorded_at": "2026-03-01T21:15:00+13:00",
        "timezone": "Pacific/Auckland",
        "pain": 0,
        "pain_worst": 10,
        "pain_least": None,
        "sleep_hours": 7,
        "symptoms": ["burning", "burning"],
        "body_sites": [],
        "side_effects": {"nausea": 0, "headache": 3},
        "medications": ["gabapentin 300 mg"],
        "note": None,
    },
    {"sleep_hours": 6.5, "mood": None, "side_effect_other": "  dizzy  "},
    {"pain": 4, "sleep_hours": "7"},  # marshmallow's Float takes a number in a string
]
BAD_BODIES = [
    {"pain": "7"},
    {"pain": True},
    {"pain": None},
    {"pain": 4.5},
    {"pain": 4, "colour": "blue"},
    {"pain": 4, "id": "not-a-uuid"},
    {"pain": 4, "day": "2024-02-30"},
    {"pain": 4, "recorded_at": "2026-03-01T21:15:00"},
    {"pain": 4, "sleep_hours": float("nan")},
    {"pain": 4, "symptoms": "burning"},
    {"pain": 4, "side_effects": {"nausea": "2"}},
    {"pain": 4, "note": 12, "mood": "x", "extra": 1},
    {"pain": 4, "patient_id": "3"},
]


def _schema_load(schema: Schema, body: dict):
    """What marshmallow's own load answers: the value, or the error messages."""
    try:
        return Schema.load(schema, body)
    except SchemaError as exc:
        return exc.messages


def _load(schema: Schema, body: dict):
    try:
        return schema.load(body)
    except SchemaError as exc:
        return exc.messages


@pytest.mark.parametrize("schema", [EntryCreateSchema(), EntryPatchSchema()])
@pytest.mark.parametrize("body", VALID_BODIES + BAD_BODIES)
def test_the_field_by_field_load_is_marshmallows_load(schema, body):
    if isinstance(schema, EntryPatchSchema):
        body = {k: v for k, v in body.items() if k not in ("id", "patient_id", "recorded_at")}
        body = body | {"version": 3}
    assert _load(schema, body) == _schema_load(schema, body)


def test_bad_bodies_get_marshmallows_messages():
    schema = EntryCreateSchema()
    for body in BAD_BODIES:
        with pytest.raises(SchemaError):
            schema.load(body)
    assert _load(schema, {"pain": 4, "note": 12, "mood": "x", "extra": 1}) == {
        "mood": ["Choose a whole number from 0 to 10."],
        "note": ["Enter text."],
        "extra": ["Unknown field."],
    }


def test_the_dumper_is_entry_out_schemas_dump(app, make):
    patient = make.patient()
    now = datetime.now(UTC)
    full = make.entry(
        patient,
        make.days_ago(1),
        7,
        pain_worst=9,
        pain_least=2,
        pain_average=5,
        symptoms=["burning", "allodynia"],
        body_sites=["right_hand"],
        body_site_other="wrist",
        sleep_hours=6.5,
        sleep_quality=4,
        peg_enjoyment=3,
        peg_activity=6,
        mood=5,
        medications=["gabapentin 300 mg"],
        side_effects={"nausea": 2},
        side_effect_other="dizzy",
        note="Bad morning: café",
        timezone="Europe/London",
        deleted_at=now - timedelta(days=1),
        imported=True,
        entered_by_id=patient.id,
    )
    bare = make.entry(patient, make.days_ago(0), 0)
    with app.app_context():
        schema = EntryOutSchema()
        for entry_id in (full.id, bare.id):
            entry = db.session.get(Entry, entry_id)
            assert dump_entry(entry) == schema.dump(entry)


def test_a_created_entry_is_stored_whole_and_held_by_the_session(app, make, count_queries):
    """The row written by the prebuilt INSERT is the entry (every column), the one write of the
    flush (the data version is raised by the database's trigger), and the entry is then the
    session's own: the same id again in the same work costs no SQL."""
    patient = make.patient()
    entry_id = uuid.uuid4()
    with app.app_context():
        me = db.session.get(User, patient.id)
        with count_queries() as counter:
            saved = entries.create_entry(
                me, {"id": entry_id, "pain": 4, "symptoms": ["burning"], "sleep_hours": 7}
            )
        assert saved.created
        writes = [s.split()[0].upper() for s in counter.statements]
        assert [w for w in writes if w in ("INSERT", "UPDATE", "DELETE")] == ["INSERT"]
        assert saved.entry in db.session and not db.session.new
        with count_queries() as counter:
            again = entries.create_entry(me, {"id": entry_id, "pain": 4})
        assert (again.created, again.entry is saved.entry, counter.statements) == (False, True, [])
        answered = dump_entry(saved.entry)
        db.session.remove()
    with app.app_context():
        stored = db.session.get(Entry, entry_id)
        assert dump_entry(stored) == answered
        assert (stored.imported, stored.import_key, stored.deleted_at) == (False, None, None)
        assert (stored.sleep_hours, stored.version, stored.entered_by_id) == (7.0, 1, patient.id)


def test_the_answer_is_json_with_the_entry_and_its_etag(client, make):
    token = login(client, make.patient())
    response = client.post(
        "/api/v1/entries", json={"pain": 3, "note": "Müde"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201 and response.mimetype == "application/json"
    assert response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert (body["note"], body["version"], body["imported"]) == ("Müde", 1, False)
    assert list(body) == sorted(body)
