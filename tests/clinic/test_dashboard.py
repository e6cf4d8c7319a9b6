"""The clinician's dashboard: linked patients, most in need of attention first, with their
figures; the attention rules; a constant number of queries for 200 patients."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from diary.extensions import db
from diary.models import AuditEvent, CareLink, Entry, Infusion, Role, User
from diary.services import dashboard, local_time, review_cache
from diary.services.dashboard import attention
from tests.factories import _password_hash, login

# The module whose build() reads the review's clock (the package re-exports its functions).
pages = sys.modules["diary.services.review.pages"]

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
    assert level(change_pct=30.0) == ("high", ("Pain 30% above the last course's baseline",))
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
        ("Relief after the last course has ended",),
    )
    assert level(relief_status="ongoing")[0] == "low"


def test_attention_high_lists_every_reason():
    lvl, reasons = level(change_pct=45.0, next_infusion_day=TODAY + timedelta(days=2))
    assert lvl == "high"
    assert reasons == ("Pain 45% above the last course's baseline", "Infusion due in 2 days")


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
    assert ">High</span>" in worse_row and "Pain 40% above the last course&#39;s baseline" in (
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


def test_a_dashboard_view_is_one_audit_event_naming_the_patients_shown(app, client, clinic):
    clinician, patients = clinic
    login(client, clinician)
    client.get("/clinic")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "patient.list")
        ).all()
        [event] = events
        assert event.actor_id == clinician.id and event.patient_id is None
        assert event.detail == {
            "page": 1,
            "patient_ids": [patients[k].id for k in ("worse", "due", "steady")],
        }


def _many_patients(app, clinician, n: int, *, sessions: bool = False) -> None:
    """n linked patients with 14 days of entries each, in three bulk INSERTs; with `sessions`
    3 sessions each too, in a fourth."""
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
        if sessions:  # a course of two sessions (days 9 and 8 ago), one long before the window
            db.session.execute(
                insert(Infusion),
                [
                    {"patient_id": first + i, "started_at": now - timedelta(days=d)}
                    for i in range(n)
                    for d in (200, 9, 8)
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
        _many_patients(app, clinician, n, sessions=True)
        client = app.test_client()
        login(client, clinician)
        with count_queries() as counter:
            response = client.get("/clinic")
        assert response.status_code == 200
        assert response.text.count('data-patient="') == min(n, 50)
        counts.append(counter.count)
    assert counts[0] == counts[1]
    # session user, patients (with last entry and infusion times), their last sessions, the
    # sessions of their last courses (two a day apart: grouped), figures, audit INSERT
    assert counts[1] == 6, (counts, counter.statements)


def test_dashboard_pages_of_50_in_attention_order_and_search(app, client, make):
    """60 patients: page 1 lists 50, page 2 the other 10, no one twice; each view audits the
    ids it showed. The search matches name or email, case-insensitively, and takes % and _
    literally."""
    clinician = make.clinician()
    _many_patients(app, clinician, 60)
    login(client, clinician)
    first = client.get("/clinic").text
    second = client.get("/clinic?page=2").text
    ids_1 = [int(i) for i in re.findall(r'data-patient="(\d+)"', first)]
    ids_2 = [int(i) for i in re.findall(r'data-patient="(\d+)"', second)]
    assert (len(ids_1), len(ids_2), len(set(ids_1) | set(ids_2))) == (50, 10, 60)
    assert "Page 1 of 2 (60 patients)" in first and 'rel="next" href="/clinic?page=2"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert client.get("/clinic?page=99").text.count('data-patient="') == 10  # the last page
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "patient.list")
            .order_by(AuditEvent.id)
        ).all()
    assert [d["patient_ids"] for d in details[:2]] == [ids_1, ids_2]

    found = client.get("/clinic?q=bULK 05").text
    assert re.findall(r">(Bulk \d+)</a>", found) == [f"Bulk 05{i}" for i in range(10)]
    assert '10 patients matching "bULK 05"' in found
    assert client.get("/clinic?q=100%25").text.count('data-patient="') == 0
    assert "No patient matches" in client.get("/clinic?q=_").text
    by_email = client.get(f"/clinic?q=bulk{ids_1[0]}@").text
    assert re.findall(r'data-patient="(\d+)"', by_email) == [str(ids_1[0])]


def _viewed_at(monkeypatch, now: datetime) -> None:
    """The dashboard's clock, and the local calendar's (the viewer's today), set to `now`."""
    monkeypatch.setattr(dashboard, "utcnow", lambda: now)
    monkeypatch.setattr(local_time, "utcnow", lambda: now)


def _auckland_patient(client, make):
    """A patient in Auckland and their UTC clinician (signed in); the entries and the session
    of test_dashboard_figures_from_sql_use_the_patients_local_infusion_day, T the UTC today."""
    clinician = make.clinician(timezone="UTC")
    patient = make.patient(timezone="Pacific/Auckland")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()

    def day(n: int) -> date:
        return today - timedelta(days=n)

    for n in range(11, 17):
        make.entry(patient, day(n), 6)
    make.entry(patient, day(10), 9)
    for n in range(5, 9):
        make.entry(patient, day(n), 3)
    for n in range(5):
        make.entry(patient, day(n), 8)
    start = datetime.combine(day(10), datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    with client.application.app_context():
        db.session.add(Infusion(patient_id=patient.id, started_at=start))
        db.session.commit()
    login(client, clinician)
    return patient, today, day


def test_dashboard_figures_from_sql_use_the_patients_local_infusion_day(client, make, monkeypatch):
    """A patient in Auckland (UTC+13 in November, +12 in June); the infusion starts at 20:00
    UTC on day T-10, which is their local day T-9 = L. Viewed at 05:00 UTC on T, when it is
    T in Auckland too (17:00 or 18:00). Entries (one a day): T-16..T-11 pain 6,
    T-10 pain 9, T-8..T-5 pain 3, T-4..T pain 8 (T-9 none).
    - baseline (L-7..L-1 = T-16..T-10): (6 x 6 + 9) / 7 = 6.43 (with the UTC day T-10 it would
      be T-17..T-11: 6.0);
    - 7-day mean (T-6..T): (3 + 3 + 5 x 8) / 7 = 6.57; change +2.2%, band "none";
    - relief: threshold 6.43 x 0.7 = 4.5; the 3-day rolling mean of observed days from L+1 =
      T-8 is 3 from T-7 (relief starts), 4.67 on T-4 and 6.33 on T-3 (above twice): ended,
      5 days -> medium attention;
    - days with data among the last 14 (T-13..T): 4 + 9 = 13."""
    _patient, today, day = _auckland_patient(client, make)
    _viewed_at(monkeypatch, datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=5))
    [row] = client.get("/api/v1/patients").get_json()
    assert row["last_infusion_day"] == day(9).isoformat()
    assert (row["baseline"], row["mean_pain_7_days"], row["change_pct"]) == (6.4, 6.6, 2.2)
    assert (row["band"], row["relief_status"]) == ("none", "ended")
    assert row["entries_last_14_days"] == 13 and row["last_entry_day"] == today.isoformat()
    assert row["attention"]["level"] == "medium"
    assert "Relief after the last course has ended" in row["attention"]["reasons"]


def test_a_patient_whose_today_is_ahead_has_the_reviews_figures(client, make, monkeypatch):
    """The same Auckland patient viewed at 18:00 UTC on T by a clinician in UTC: in Auckland it
    is already T+1 (05:00 or 06:00), so their figures are on their calendar, T+1, as the review's
    are (before, the dashboard took the clinician's T and differed from the review):
    - 7-day mean (T-5..T+1): T-5 pain 3, T-4..T pain 8, T+1 no entry yet: (3 + 5 x 8) / 6 =
      7.17, shown 7.2; change against the baseline 6.43: +11.5%;
    - days with data among the last 14 (T-12..T+1): T-12, T-11, T-10, T-8..T-5, T-4..T = 12;
    - the last entry (T) is one day old for them: not silent.
    The review's summary at that moment gives the same 7-day mean, days with data, last entry."""
    patient, today, _day = _auckland_patient(client, make)
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=18)
    _viewed_at(monkeypatch, now)
    monkeypatch.setattr(pages, "utcnow", lambda: now)
    monkeypatch.setattr(review_cache, "utcnow", lambda: now)
    [row] = client.get("/api/v1/patients").get_json()
    assert (row["mean_pain_7_days"], row["change_pct"]) == (7.2, 11.5)
    assert row["entries_last_14_days"] == 12 and row["last_entry_day"] == today.isoformat()
    summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert summary["today"] == (today + timedelta(days=1)).isoformat()
    assert round(summary["mean_pain_7_days"], 1) == row["mean_pain_7_days"]
    assert summary["days_with_data_14"] == row["entries_last_14_days"]
    assert summary["last_entry_day"] == row["last_entry_day"]


def test_a_held_listing_ends_with_a_patients_day(client, make, monkeypatch):
    """The same Auckland patient, viewed at 09:00 UTC on T (T there: 21:00 or 22:00) and again
    at 13:00 UTC (T+1 there: 01:00 or 02:00), nothing else changed, the clinician's day the
    same: the second view is not the listing the worker held from the first, which ended with
    the patient's day; it has their T+1 figures: 7-day mean 6.6, then 7.2 (as above)."""
    _patient, today, _day = _auckland_patient(client, make)
    start = datetime.combine(today, datetime.min.time(), UTC)
    _viewed_at(monkeypatch, start + timedelta(hours=9))
    [row] = client.get("/api/v1/patients").get_json()
    assert row["mean_pain_7_days"] == 6.6
    _viewed_at(monkeypatch, start + timedelta(hours=13))
    [row] = client.get("/api/v1/patients").get_json()
    assert row["mean_pain_7_days"] == 7.2


def test_dashboard_figures_are_kept_per_data_version_and_never_stale(
    app, client, make, count_queries
):
    """A second view reads the kept figures (no figures query: the session user, the
    patients, the audit event); a new entry moves the patient's data version, so the next view
    computes that patient's figures again and shows the change at once.

    By hand: entries of pain 4 on the last 4 days (today included) give a 7-day mean of 4.0
    (4 of 7 days: enough); a fifth entry of pain 9 today makes today's daily mean 6.5, so the
    mean is (4 + 4 + 4 + 6.5) / 4 = 4.625, shown as 4.6."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    for n in range(4):
        make.entry(patient, make.days_ago(n), 4)
    login(client, clinician)

    def mean_shown() -> str:
        row = re.search(rf'data-patient="{patient.id}".*?</tr>', client.get("/clinic").text, re.S)
        return re.search(r'data-label="Mean pain, 7 days">([^<]*)<', row.group(0)).group(1)

    assert mean_shown() == "4.0"
    with count_queries() as counter:
        assert mean_shown() == "4.0"
    assert counter.count == 3, counter.statements  # user, patients, audit: no figures query
    make.entry(patient, make.days_ago(0), 9)
    with app.app_context():  # the factory writes through the session: the version moved
        assert db.session.get(User, patient.id).data_version >= 5
    with count_queries() as counter:
        assert mean_shown() == "4.6"
    assert counter.count == 4, counter.statements  # the figures of the changed patient
