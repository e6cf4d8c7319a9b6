"""GET /api/v1/me: the signed-in user, written field by field as UserSchema writes it."""

from __future__ import annotations

from flask import jsonify

from diary.api.schemas import UserSchema
from diary.api.schemas.users import dump_user
from diary.extensions import db
from diary.models import User
from tests.factories import login


def test_the_user_is_written_as_the_schema_writes_it(app, make):
    users = [
        make.patient(display_name="Zoë Ångström 日本"),
        make.clinician(timezone="Pacific/Auckland"),
        make.admin(),
        make.carer(),
    ]
    with app.app_context():
        for user in users:
            stored = db.session.get(User, user.id)
            assert dump_user(stored) == UserSchema().dump(stored)
            assert list(dump_user(stored)) == list(UserSchema().dump_fields)
        empty = User(id=7, email="e@example.test", role=users[0].role)
        assert dump_user(empty) == UserSchema().dump(empty)


def test_me_answers_the_same_bytes_as_jsonify_of_the_schema(app, client, make):
    patient = make.patient(display_name="Zoë \u2028 Ångström")
    login(client, patient)
    answer = client.get("/api/v1/me")
    assert answer.status_code == 200
    with app.test_request_context():
        stored = db.session.get(User, patient.id)
        expected = jsonify(UserSchema().dump(stored)).get_data()
    assert answer.get_data() == expected
    assert answer.get_json()["display_name"] == "Zoë \u2028 Ångström"
