"""The clinician's dashboard: linked patients, most in need of attention first, with their
figures; the attention rules; a constant number of queries for 200 patients."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from diary.extensions import db
from diary.models import AuditEvent, CareLink, Entry, Role, User
from diary.services.dashboard import attention
from tests.factories import _password_hash, login

TODAY = date(2026, 6, 10)


# --- the attention rules ------------------------------------------------------------------------


def level(**kwargs) -> tuple[str, tuple[str, ...]]:
    values = {
        "today": TODAY,
        "last_entry_day": TODAY,
        "change_pct": None,
        "next_infusion_day": None,
        "relief_status": None,
        **kwargs,
    }
    result = attention(**values)
    return result.level, result.reasons


def test_attention_high_when_pain_is_30_percent_above_baseline():
    assert level(change_pct=30.0) == ("high", ("Pain 30% above the last infusion's baseline",))
    assert level(change_pct=29.9)[0] == "low"


def test_attention_high_after_four_days_without_entries():
    assert level(last_entry_day=TODAY - timedelta(days=4)) == (
        "high",
        ("No entries for 4 days",),
    )
    assert level(last_entry_day=TODAY - timedelta(days=3))[0] == "low"
    assert level(last_entry_day=None) == ("high", ("No diary entries yet",))


def test_attention_medium_when_an_infusion_is_due_within_seven_days_or_relief_ended():
    assert level(next_infusion_day=TODAY + timedelta(days=7)) == (
        "medium",
        ("Infusion due in 7 days",),
    )
    assert level(next_infusion_day=TODAY) == ("medium", ("Infusion due today",))
    assert level(next_infusion_day=TODAY + timedelta(days=8))[0] == "low"
    assert level(relief_status="ended") == (
        "medium",
        ("Relief after the last infusion has ended",),
    )
    assert level(relief_status="ongoing")[0] == "low"


def test_attention_high_lists_every_reason():
    lvl, reasons = level(change_pct=45.0, next_infusion_day=TODAY + timedelta(days=2))
    assert lvl == "high"
    assert reasons == ("Pain 45% above the last infusion's baseline", "Infusion due in 2 days")


# --- the page and the API -----------------------------------------------------------------------


@pytest.fixture
def clinic(make):
    clinician = make.clinician()
    today = datetime.now(UTC).date()

    def patient(name: str, pains: dict[int, int], infusion_days_ago: int | None = None):
        p = make.patient(display_name=name, timezone="UTC")
        make.link(clinician, p)
        for days_ago, pain in pains.items():
            make.entry(p, today - timedelta(days=days_ago), pain)
        if infusion_days_ago is not None:
            make.infusion(p, clinician, today - timedelta(days=infusion_days_ago))
        return p

    # Baseline 5 in the week before an infusion 20 days ago; 7 now: +40%, high.
    worse = patient(
        "Worse Wendy", {**{20 + i: 5 for i in range(1, 8)}, **{i: 7 for i in range(7)}}, 20
    )
    steady = patient("Steady Sam", {i: 4 for i in range(7)})
    due = patient("Due Dana", {i: 4 for i in range(7)})
    make.infusion(due, clinician, today + timedelta(days=3))
    make.patient(display_name="Not Mine")  # never listed
    return clinician, {"worse": worse, "steady": steady, "due": due}


def test_dashboard_lists_most_in_need_of_attention_first(client, clinic):
    clinician, patients = clinic
    login(client, clinician)
    html = client.get("/clinic").text
    rows = re.findall(r'<tr class="attention--(\w+)" data-patient="(\d+)">(.*?)</tr>', html, re.S)
    assert [(lvl, int(pid)) for lvl, pid, _ in rows] == [
        ("high", patients["worse"].id),
        ("medium", patients["due"].id),
        ("low", patients["steady"].id),
    ]
    worse_row = rows[0][2]
    assert ">High</span>" in worse_row and "Pain 40% above the last infusion&#39;s baseline" in (
        worse_row
    )
    assert "+40%" in worse_row and "(baseline 5.0)" in worse_row and "7.0" in worse_row
    assert "Infusion due in 3 days" in rows[1][2]
    assert "Not Mine" not in html


def test_api_patients_gives_change_infusions_and_attention(client, clinic):
    clinician, patients = clinic
    login(client, clinician)
    body = client.get("/api/v1/patients").get_json()
    assert [p["id"] for p in body] == [patients[k].id for k in ("worse", "due", "steady")]
    worse = body[0]
    assert worse["baseline"] == 5.0
    assert worse["change_pct"] == 40.0
    assert worse["band"] == "worse"
    assert worse["relief_status"] == "no_relief"
    assert worse["attention"]["level"] == "high"
    assert worse["last_infusion_day"] == (datetime.now(UTC).date() - timedelta(days=20)).isoformat()
    assert body[1]["next_infusion_at"] is not None and body[1]["attention"]["level"] == "medium"


def test_dashboard_reads_are_audited_once_per_patient(app, client, clinic):
    clinician, patients = clinic
    login(client, clinician)
    client.get("/clinic")
    with app.app_context():
        read = db.session.scalars(
            select(AuditEvent.patient_id).where(AuditEvent.action == "patient.list")
        ).all()
    assert sorted(read) == sorted(p.id for p in patients.values())


def _many_patients(app, clinician, n: int) -> None:
    """n linked patients with 14 days of entries each, in three bulk INSERTs."""
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    with app.app_context():
        first = db.session.scalar(select(db.func.coalesce(db.func.max(User.id), 0))) + 1
        db.session.execute(
            insert(User),
            [
                {
                    "id": first + i,
                    "email": f"bulk{first + i}@example.test",
                    "password_hash": _password_hash(),
                    "role": Role.PATIENT,
                    "display_name": f"Bulk {i:03d}",
                    "timezone": "UTC",
                }
                for i in range(n)
            ],
        )
        db.session.execute(
            insert(CareLink),
            [{"clinician_id": clinician.id, "patient_id": first + i} for i in range(n)],
        )
        db.session.execute(
            insert(Entry),
            [
                {
                    "id": uuid.uuid4(),
                    "patient_id": first + i,
                    "day": today - timedelta(days=d),
                    "recorded_at": now,
                    "pain": (i + d) % 11,
                }
                for i in range(n)
                for d in range(14)
            ],
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequence on
            db.session.execute(
                db.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")
            )
            db.session.commit()


def test_dashboard_of_200_patients_uses_as_many_queries_as_of_2(app, make, count_queries):
    counts = []
    for n in (2, 200):
        clinician = make.clinician()
        _many_patients(app, clinician, n)
        client = app.test_client()
        login(client, clinician)
        with count_queries() as counter:
            response = client.get("/clinic")
        assert response.status_code == 200
        assert response.text.count('data-patient="') == n
        counts.append(counter.count)
    assert counts[0] == counts[1]
    # session user, patients, last entry days, daily pain, infusions, audit INSERT
    assert counts[1] <= 7, counts
