"""Every operation of the OpenAPI document fuzzed by schemathesis, as a patient and as a
clinician: no 5xx, and every response matches the schema documented for its status.

A fixed seed and a small number of examples per operation keep the run short and repeatable.
Half of the generated ids are swapped for real ones (the patient's entry, the linked patient,
their infusion), so the fuzzed bodies reach the rules and not only the 404s.
"""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import login

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261125,
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "generation": {"max-examples": 6, "deterministic": True},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class World:
    """A linked clinician and patient with an entry and an infusion, and their sessions."""

    def __init__(self, app, make):
        self.app = app
        self.patient, self.clinician = make.patient(), make.clinician()
        make.link(self.clinician, self.patient)
        self.entry = make.entry(self.patient, make.days_ago(1), 6, note="real")
        self.infusion = make.infusion(
            self.patient, self.clinician, make.days_ago(5), duration_minutes=240
        )
        self._sessions: dict[str, tuple[str, str]] = {}

    def credentials(self, role: str) -> tuple[dict, dict]:
        if role not in self._sessions:
            client = self.app.test_client()
            token = login(client, getattr(self, role))
            self._sessions[role] = (client.get_cookie("session").value, token)
        cookie, token = self._sessions[role]
        return {"session": cookie}, {"X-CSRFToken": token}

    def forget(self, role: str) -> None:
        self._sessions.pop(role, None)

    def real_ids(self) -> dict[str, object]:
        return {
            "entry_id": str(self.entry.id),
            "patient_id": self.patient.id,
            "infusion_id": self.infusion.id,
        }


@pytest.fixture
def world(app, make):
    return World(app, make)


def _document() -> dict:
    """The OpenAPI document, built from the routes (no database needed) at collection time."""
    from config import TestingConfig
    from diary import create_app
    from diary.api.openapi import build_spec

    return build_spec(create_app(TestingConfig()))


schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@schema.parametrize()
# One world per operation, shared by its examples (each example runs as both users).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_operation_as_patient_and_clinician(case, world):
    params = case.path_parameters or {}
    if params and zlib.crc32(repr(sorted(params.items())).encode()) % 2 == 0:
        real = world.real_ids()
        case.path_parameters = {name: real.get(name, value) for name, value in params.items()}
    for role in ("patient", "clinician"):
        cookies, headers = world.credentials(role)
        # The WSGI client hands schemathesis the body as sent, undecoded: ask for it uncompressed
        # (compression itself is tested in tests/test_assets.py).
        headers = {**headers, "Accept-Encoding": "identity"}
        response = case.call(app=world.app, cookies=cookies, headers=headers)
        case.validate_response(response, checks=CHECKS)
        if case.operation.path == "/auth/logout" and response.status_code == 204:
            world.forget(role)  # every session of that user has ended: sign in again
