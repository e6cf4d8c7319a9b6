"""The dashboard's attention at the edges of its rules (docs/clinical.md, The dashboard's
attention levels): exactly 30% above the baseline is High; relief that ended during a gap in
the diary has ended (Medium); a search with a NUL character is no server error."""

from __future__ import annotations

from tests.clinic.hand_diary import ago, entries, setup, span
from tests.factories import login


def test_dashboard_high_when_pain_exactly_30_percent_above_baseline(app, make, client):
    """docs/clinical.md, The dashboard's attention levels: High when the mean pain since the
    last course is 30% or more above the course's baseline (the review's change vs baseline).

    One session on day -20 (09:00 UTC, no duration). Baseline = days -27..-21: entries on
    -27..-22 with pain 7, 7, 7, 7, 6, 6 (6 days >= 4): 40/6 = 6.667.
    After: entries on days -5..0 with pain 9, 9, 9, 9, 8, 8. Change vs baseline: the days after
    the course within the last 7 (-6..0), 6 with entries (>= 4): 52/6 = 8.667.
    (52/6 - 40/6) / (40/6) = 12/40 = +30% exactly -> High. Last entry today (not silent), no
    scheduled infusion. The review itself says +30.0%, band 'worse'.
    """
    clinician, patient = setup(make, client)
    base = dict(zip(range(27, 21, -1), (7, 7, 7, 7, 6, 6), strict=True))
    after = dict(zip(range(5, -1, -1), (9, 9, 9, 9, 8, 8), strict=True))
    entries(app, patient, {ago(n): p for n, p in (base | after).items()})
    make.infusion(patient, clinician, ago(20))
    summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert summary["change_pct"] == 30.0 and summary["band"] == "worse"
    (row,) = client.get("/api/v1/patients").get_json()
    assert row["change_pct"] == 30
    assert row["attention"]["level"] == "high", row["attention"]


def test_dashboard_medium_when_relief_ended_during_a_gap(app, make, client):
    """docs/clinical.md, The dashboard's attention levels: Medium when relief after the last
    course has ended. The review's relief for this course is "Relief ended during a gap in the
    diary" (ended between two days): relief has ended.

    One session on day -30. Baseline days -37..-31 pain 8 (threshold 5.6). Pain 2 on days
    -29..-20 (in relief), no entries -19..-10, pain 8 on days -9..0. The end of relief lies in
    the gap: ended_in_gap. Change: mean 8 vs 8 = 0% (not high); last entry today; nothing
    scheduled. Expected: Medium ("Relief after the last course has ended")."""
    clinician, patient = setup(make, client)
    entries(app, patient, span(37, 31, 8) | span(29, 20, 2) | span(9, 0, 8))
    make.infusion(patient, clinician, ago(30))
    summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert summary["last_course"]["response"]["relief"]["status"] == "ended_in_gap"
    (row,) = client.get("/api/v1/patients").get_json()
    assert row["attention"]["level"] == "medium", row


def test_dashboard_search_with_a_nul_is_not_a_server_error(app, make, client):
    clinician, patient = make.clinician(), make.patient(display_name="Pat")
    make.link(clinician, patient)
    login(client, clinician)
    response = client.get("/clinic?q=Pa%00t")
    assert response.status_code < 500, response.status_code
