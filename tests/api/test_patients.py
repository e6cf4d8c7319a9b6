"""A clinician's patients over the API."""

from __future__ import annotations

from tests.factories import login


def test_clinician_lists_only_linked_patients_with_summaries(client, make):
    clinician = make.clinician()
    mine, other = make.patient(display_name="Mine"), make.patient(display_name="Other")
    make.link(clinician, mine)
    # 7-day mean: days with entries among the last 7, at least 4 of them (day 10 is outside).
    for days_ago, pain in ((0, 4), (1, 6), (2, 5), (3, 5), (10, 9)):
        make.entry(mine, make.days_ago(days_ago), pain)
    make.entry(other, make.days_ago(0), 2)
    login(client, clinician)
    body = client.get("/api/v1/patients").get_json()
    assert [p["display_name"] for p in body] == ["Mine"]
    assert body[0]["mean_pain_7_days"] == 5.0
    assert body[0]["entries_last_14_days"] == 5
    assert body[0]["last_entry_day"] == make.days_ago(0).isoformat()


def test_entries_of_a_linked_patient_oldest_first_with_range(client, make):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    for days_ago in (5, 1, 3):
        make.entry(patient, make.days_ago(days_ago), days_ago)
    make.entry(patient, make.days_ago(2), 7, deleted_at=make_deleted())
    login(client, clinician)
    body = client.get(f"/api/v1/patients/{patient.id}/entries").get_json()
    assert [e["pain"] for e in body] == [5, 3, 1]
    ranged = client.get(
        f"/api/v1/patients/{patient.id}/entries?from={make.days_ago(4)}&to={make.days_ago(1)}"
    ).get_json()
    assert [e["pain"] for e in ranged] == [3, 1]


def test_entries_of_an_unlinked_patient_are_404(client, make):
    clinician, patient = make.clinician(), make.patient()
    make.entry(patient)
    login(client, clinician)
    response = client.get(f"/api/v1/patients/{patient.id}/entries")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def make_deleted():
    from diary.models import utcnow

    return utcnow()
