"""The review at the exact edges of its definitions (docs/clinical.md): a flare exactly 2
points above the week before, a change printed beside its band without crossing the band's
edge (-29.55% is not "-30%", -49.55% not "-50%"), the CSS change between visits that took place,
the days with entries among the last 14, the heading's days, and the 12 months of ketamine
counted from the day they name. Each case is worked out by hand in its docstring."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from diary.codes import EXAM_SIGNS
from diary.extensions import db
from diary.models import Infusion
from tests.clinic.hand_diary import TODAY, ago, entries, setup
from tests.factories import login

SIGNS = [sign.code for sign in EXAM_SIGNS]  # the 8 exam signs of the CSS


def test_flare_exactly_two_points_above_the_week_before(app, make, client):
    """docs/clinical.md, Flares: a flare day has daily pain of at least 5 and at least 2 points
    above the mean of the 7 days before it (at least 4 with entries). No infusion.

    Days -8..-2 (the 7 days before day -1): days -8 and -7 with three entries each (6, 7, 7:
    daily pain 20/3; no flare: fewer than 4 days before them have entries), then pain 3, 3, 3,
    3, 5 on days -6..-2 (none a flare: below 5, or day -2's 5 against (40/3 + 12) / 6 = 4.2).
    Mean of days -8..-2 = (40/3 + 17) / 7 = (91/3) / 7 = 13/3.
    Day -1: three entries 6, 6, 7: daily pain 19/3 >= 5, and 19/3 - 13/3 = 2 exactly:
    "at least 2 points above" -> a flare day. Day 0 (today): pain 3, not a flare.
    """
    _, patient = setup(make, client)
    pains = {ago(8): [6, 7, 7], ago(7): [6, 7, 7], ago(6): 3, ago(5): 3, ago(4): 3, ago(3): 3}
    pains |= {ago(2): 5, ago(1): [6, 6, 7], ago(0): 3}
    entries(app, patient, pains)
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert body["flare_days"] == [ago(1).isoformat()]


def test_change_shown_as_minus_30_percent_is_not_labelled_10_to_29_percent(app, make, client):
    """Cosmetic / misleading display. One session on day -20. Baseline days -27..-21: pain
    6, 6, 6, 6, 6, 7, 7 = 44/7 = 6.286. Days -6..0: 4, 4, 4, 5, 5, 5, 4 = 31/7 = 4.429.
    Change = 31/44 - 1 = -29.55%: by docs/clinical.md's bands a minimal improvement (30% is
    not reached). The page's key figure prints the percent without decimals, "-30%", next to
    "Minimal improvement (10-29% less pain)"; the dashboard likewise shows -30 with band
    'minimal'. The number shown must not contradict the band printed beside it."""
    clinician, patient = setup(make, client)
    base = dict(zip(range(27, 20, -1), (6, 6, 6, 6, 6, 7, 7), strict=True))
    after = dict(zip(range(6, -1, -1), (4, 4, 4, 5, 5, 5, 4), strict=True))
    entries(app, patient, {ago(n): p for n, p in (base | after).items()})
    make.infusion(patient, clinician, ago(20))
    from tests.clinic.test_review import kpi

    html = client.get(f"/clinic/patients/{patient.id}").text
    assert "Minimal improvement (10-29% less pain)" in html
    assert kpi(html, "change") != "-30%"
    (row,) = client.get("/api/v1/patients").get_json()
    assert not (row["change_pct"] == -30 and row["band"] == "minimal")


def _kpi_of(html: str, name: str) -> str:
    return re.search(rf'data-kpi="{name}">(.*?)</span>', html, re.S).group(1).strip()


def _note(html: str) -> str:
    return " ".join(re.search(r'data-kpi-note="change">(.*?)</span>', html, re.S).group(1).split())


def test_printed_change_agrees_with_its_band(app, make, client):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    infusion_day = today - timedelta(days=10)
    for n in range(1, 8):  # baseline week: pain 8 every day
        make.entry(patient, infusion_day - timedelta(days=n), 8)
    for n in range(0, 7):  # the last 7 days: pain 4, one day 4, 4, 4, 5 (daily mean 4.25)
        day = today - timedelta(days=n)
        make.entry(patient, day, 4)
        if n == 3:
            for pain in (4, 4, 5):
                make.entry(patient, day, pain)
    make.infusion(patient, clinician, infusion_day)
    login(client, clinician)
    summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert summary["change_pct"] == -49.6 and summary["band"] == "moderate"  # (4.0357 - 8) / 8
    page = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    shown = _kpi_of(page, "change")
    note = _note(page)
    assert "30-49%" in note
    # A change printed as -50% belongs to the 50%-or-more band; printed beside 30-49% it is
    # a contradiction. Expected: the printed percent rounds into its own band (e.g. "-49%" or
    # "-49.6%").
    assert shown != "-50%", (shown, note)


def test_css_change_is_between_the_last_two_visits_not_a_scheduled_session(app, make, client):
    """Pain 5 every day from day -50 to today, no symptom codes: each CSS has continuing pain
    (1 point) plus the exam signs recorded.
    - visit 1, day -40: 2 signs -> CSS 3;
    - visit 2, day -20: 8 signs -> CSS 9;
    - a session scheduled for day +3, entered through the API with exam signs [] (the API
      accepts exam signs on a scheduled session): it has not happened, it is no visit yet.
    The key figure shows the CSS of the visit of day -20 (9) and "change since the previous
    exam": 9 - 3 = +6, beyond the smallest real difference (until 7 Dec 2026 the scheduled
    session's "CSS", 1: pain in the 7 days before day +3 and no signs, was compared with 9:
    -8)."""
    _clinician, patient = setup(make, client)
    entries(app, patient, {ago(n): 5 for n in range(0, 51)})
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    url = f"/api/v1/patients/{patient.id}/infusions"
    for day, signs in ((ago(40), SIGNS[:2]), (ago(20), SIGNS), (TODAY + timedelta(days=3), [])):
        at = datetime.combine(day, time(9), UTC).isoformat()
        sent = client.post(
            url,
            json={"started_at": at, "duration_minutes": 240, "exam_signs": signs},
            headers={"X-CSRFToken": token},
        )
        assert sent.status_code == 201, sent.get_json()
    summary = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert summary["css"] == 9
    assert (summary["css_change"], summary["css_change_beyond_srd"]) == (6, True)


def _heading(html: str) -> str:
    found = re.search(r'<h2 id="key-figures-title">(.*?)</h2>', html, re.S)
    return " ".join(found.group(1).split())


def test_single_infusion_yesterday_heading_is_grammatical(app, make, client):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with app.app_context():
        db.session.add(
            Infusion(
                patient_id=patient.id,
                clinician_id=clinician.id,
                started_at=datetime.combine(yesterday, time(0, 5), UTC),
                duration_minutes=60,
            )
        )
        db.session.commit()
    login(client, clinician)
    for url in (f"/clinic/patients/{patient.id}", f"/clinic/patients/{patient.id}/report"):
        heading = _heading(client.get(url).get_data(as_text=True))
        assert "1 days ago" not in heading, (url, heading)
        assert "1 day ago" in heading, (url, heading)


def test_a_session_on_the_since_day_is_counted(app, make, client):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    now = datetime.now(UTC)
    since_day = (now - timedelta(days=365)).date()
    with app.app_context():
        db.session.add_all(
            [
                Infusion(
                    patient_id=patient.id,
                    clinician_id=clinician.id,
                    started_at=datetime.combine(since_day, time(0, 1), UTC),
                    dose_mg=50.0,
                ),
                Infusion(
                    patient_id=patient.id,
                    clinician_id=clinician.id,
                    started_at=now - timedelta(days=20),
                    dose_mg=100.0,
                ),
            ]
        )
        db.session.commit()
    login(client, clinician)
    dose = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()[
        "cumulative_dose_12_months"
    ]
    assert dose["since"] == since_day.isoformat()
    # The text reads "2 sessions since <since_day>": the session of that day is in it.
    assert (dose["sessions"], dose["total_mg"]) == (2, 150.0), dose


def test_days_with_entries_among_the_last_14_are_named_as_such(app, make, client):
    """One entry a day on days -13..0, all recorded now: days -1 and 0 on time, -13..-2 late
    (recorded after the end of the day after). The adherence note splits the 30-day period's,
    "on time: 2 of 30 days; late: 12 days (40%)", and then counts the days with any entry
    among the last 14, on time or late: 14, worded as such ("entries on 14 of the last 14 days
    (on time or late)"), not as 14 days "with data" beside 2 on time. The API's
    days_with_data_14 says 14."""
    _, patient = setup(make, client)
    now = datetime.now(UTC)
    entries(app, patient, {ago(n): 4 for n in range(0, 14)}, recorded_at=lambda d, i: now)
    body = client.get(f"/api/v1/patients/{patient.id}/summary").get_json()
    assert (body["adherence_detail"]["late_days"], body["days_with_data_14"]) == (12, 14)
    html = client.get(f"/clinic/patients/{patient.id}").text
    note = " ".join(re.search(r'data-kpi-note="adherence">(.*?)</span>', html, re.S)[1].split())
    assert note.startswith("on time: 2 of 30 days; late: 12 days (40%)"), note
    assert "; entries on 14 of the last 14 days (on time or late);" in note, note
