"""Users, links and entries for tests, with a known password and no slow hashing per user."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import cache

from diary.extensions import db
from diary.models import CareLink, CarerLink, Entry, Infusion, Role, User
from diary.services.accounts import hash_password

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


class Factories:
    def __init__(self, app) -> None:
        self.app = app

    def user(self, role: Role, email: str | None = None, **fields) -> User:
        n = next(_numbers)
        with self.app.app_context():
            user = User(
                email=email or f"{role.value}{n}@example.test",
                password_hash=_password_hash(),
                role=role,
                display_name=fields.pop("display_name", f"{role.value.title()} {n}"),
                timezone=fields.pop("timezone", "Europe/London"),
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    def patient(self, **fields) -> User:
        return self.user(Role.PATIENT, **fields)

    def clinician(self, **fields) -> User:
        return self.user(Role.CLINICIAN, **fields)

    def admin(self, **fields) -> User:
        return self.user(Role.ADMIN, **fields)

    def carer(self, **fields) -> User:
        return self.user(Role.CARER, **fields)

    def carer_link(self, carer: User, patient: User) -> None:
        with self.app.app_context():
            db.session.add(CarerLink(carer_id=carer.id, patient_id=patient.id))
            db.session.commit()

    def link(self, clinician: User, patient: User) -> None:
        with self.app.app_context():
            db.session.add(CareLink(clinician_id=clinician.id, patient_id=patient.id))
            db.session.commit()

    def entry(self, patient: User, day: date | None = None, pain: int = 5, **fields) -> Entry:
        day = day or datetime.now(UTC).date()
        with self.app.app_context():
            entry = Entry(
                id=fields.pop("id", None) or uuid.uuid4(),
                patient_id=patient.id,
                day=day,
                recorded_at=fields.pop("recorded_at", datetime.now(UTC)),
                pain=pain,
                **fields,
            )
            db.session.add(entry)
            db.session.commit()
            db.session.refresh(entry)
            db.session.expunge(entry)
            return entry

    def infusion(self, patient: User, clinician: User | None, day: date, **fields) -> Infusion:
        with self.app.app_context():
            infusion = Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id if clinician else None,
                started_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
                **fields,
            )
            db.session.add(infusion)
            db.session.commit()
            db.session.refresh(infusion)
            db.session.expunge(infusion)
            return infusion

    def days_ago(self, n: int) -> date:
        return datetime.now(UTC).date() - timedelta(days=n)


def login(client, user: User, password: str = PASSWORD) -> str:
    """Sign in through the API; returns the CSRF token for later writes."""
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]
