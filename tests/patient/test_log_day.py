"""Logging a day with the plain HTML form (no JavaScript)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry, User
from diary.services.local_time import local_today
from tests.factories import login


def _token(client) -> str:
    html = client.get("/diary").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _entries(app) -> list[Entry]:
    with app.app_context():
        return list(db.session.scalars(select(Entry).order_by(Entry.recorded_at)))


def test_diary_page_offers_eleven_pain_buttons_with_anchors(client, make):
    login(client, make.patient())
    html = client.get("/diary").get_data(as_text=True)
    assert len(re.findall(r'type="radio" name="pain" value="\d+"', html)) == 11
    assert "0 = No pain" in html and "10 = Worst pain imaginable" in html
    assert 'id="entry-form"' in html and 'data-user-id="' in html
    assert html.count('<details class="section"') >= 8
    assert '<details class="section" id="section-symptoms" open' not in html  # collapsed


def test_diary_page_may_be_kept_for_offline_use(client, make):
    login(client, make.patient())
    response = client.get("/diary")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/offline").headers["Cache-Control"] == "private, no-cache"
    assert client.get("/diary/history").headers["Cache-Control"] == "no-store"


def test_pain_only_form_post_saves_an_entry_for_today(app, client, make):
    patient = make.patient()
    login(client, patient)
    token = _token(client)
    response = client.post("/diary", data={"csrf_token": token, "pain": "4"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved: pain 4 out of 10" in page
    [entry] = _entries(app)
    assert entry.pain == 4 and entry.patient_id == patient.id
    with app.app_context():
        assert entry.day == local_today(db.session.get(User, patient.id))


def test_full_form_post_stores_every_field(app, client, make):
    login(client, make.patient())
    form = {
        "csrf_token": _token(client),
        "day": make.days_ago(1).isoformat(),
        "pain": "6",
        "pain_worst": "8",
        "pain_least": "3",
        "pain_average": "5",
        "symptoms": ["burning", "swelling"],
        "body_sites": ["left_foot", "other"],
        "body_site_other": "lower back",
        "sleep_hours": "6,5",
        "sleep_quality": "4",
        "peg_enjoyment": "7",
        "peg_activity": "6",
        "mood": "5",
        "medications": "gabapentin 300 mg\r\n\r\nparacetamol 1 g\r\n",
        "side_effect__nausea": "2",
        "side_effect__headache": "0",
        "side_effect_other": "dry mouth",
        "note": "Cold morning.",
    }
    assert client.post("/diary", data=form).status_code == 302
    [entry] = _entries(app)
    assert entry.day == make.days_ago(1)
    assert (entry.pain, entry.pain_worst, entry.pain_least, entry.pain_average) == (6, 8, 3, 5)
    assert entry.symptoms == ["burning", "swelling"]
    assert entry.body_sites == ["left_foot", "other"] and entry.body_site_other == "lower back"
    assert (entry.sleep_hours, entry.sleep_quality) == (6.5, 4)
    assert (entry.peg_enjoyment, entry.peg_activity, entry.mood) == (7, 6, 5)
    assert entry.medications == ["gabapentin 300 mg", "paracetamol 1 g"]
    assert entry.side_effects == {"nausea": 2}
    assert entry.side_effect_other == "dry mouth" and entry.note == "Cold morning."


def test_refused_form_keeps_what_was_typed_and_says_what_to_fix(app, client, make):
    login(client, make.patient())
    response = client.post(
        "/diary",
        data={"csrf_token": _token(client), "sleep_hours": "lots", "note": "keep me"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field-error" id="pain-error">Choose your pain now, from 0 to 10.' in html
    assert 'id="sleep_hours-error">Enter the hours slept, from 0 to 24.' in html
    assert "keep me</textarea>" in html
    assert 'aria-invalid="true"' in html
    assert _entries(app) == []


def test_form_and_api_give_the_same_message(client, make):
    login(client, make.patient())
    token = _token(client)
    html = client.post("/diary", data={"csrf_token": token, "pain": "4", "mood": "11"})
    api = client.post(
        "/api/v1/entries", json={"pain": 4, "mood": 11}, headers={"X-CSRFToken": token}
    )
    message = api.get_json()["errors"]["mood"][0]
    assert f'id="mood-error">{message}<' in html.get_data(as_text=True)


def test_double_submitted_form_is_stored_once(app, client, make):
    login(client, make.patient())
    token = _token(client)
    form = {"csrf_token": token, "pain": "5", "id": str(uuid.uuid4())}
    client.post("/diary", data=form)
    client.post("/diary", data=form)
    assert len(_entries(app)) == 1


def test_side_effects_open_first_in_the_week_after_an_infusion(client, make):
    patient = make.patient()
    login(client, patient)
    closed = client.get("/diary").get_data(as_text=True)
    assert 'id="section-side-effects" open' not in closed
    make.infusion(patient, None, make.days_ago(2))
    html = client.get("/diary").get_data(as_text=True)
    assert 'id="section-side-effects" open' in html
    assert html.index("section-side-effects") < html.index("section-symptoms")
    assert "2 days ago" in html


def test_side_effects_stay_closed_long_after_an_infusion(client, make):
    patient = make.patient()
    make.infusion(patient, None, make.days_ago(12))
    login(client, patient)
    assert 'id="section-side-effects" open' not in client.get("/diary").get_data(as_text=True)


def test_reminder_shows_after_the_chosen_time_without_an_entry(client, make):
    patient = make.patient(timezone="UTC", reminder_time=time(0, 0))
    login(client, patient)
    html = client.get("/diary").get_data(as_text=True)
    assert "it is past 00:00 and today has no entry yet" in html
    assert 'name="reminder_time" type="time" value="00:00"' in html
    assert 'data-reminder-time="00:00"' in html
    make.entry(patient, datetime.now(UTC).date(), 3)
    assert "today has no entry yet" not in client.get("/diary").get_data(as_text=True)


def test_no_reminder_before_the_chosen_time(client, make):
    later = (datetime.now(UTC) + timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    if later < time(0, 3):
        later = time(23, 59)  # just after midnight UTC: pick a time surely ahead
    patient = make.patient(timezone="UTC", reminder_time=later)
    login(client, patient)
    assert "today has no entry yet" not in client.get("/diary").get_data(as_text=True)


def test_patient_sets_and_clears_the_reminder_time(app, client, make):
    patient = make.patient()
    login(client, patient)
    token = _token(client)
    page = client.post(
        "/diary/reminder",
        data={"csrf_token": token, "reminder_time": "20:30"},
        follow_redirects=True,
    )
    assert "Daily reminder set for 20:30" in page.get_data(as_text=True)
    assert 'name="reminder_time" type="time" value="20:30"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, patient.id).reminder_time == time(20, 30)
    bad = client.post(
        "/diary/reminder", data={"csrf_token": token, "reminder_time": "8pm"}, follow_redirects=True
    )
    assert "HH:MM" in bad.get_data(as_text=True)
    client.post("/diary/reminder", data={"csrf_token": token, "reminder_time": ""})
    with app.app_context():
        assert db.session.get(User, patient.id).reminder_time is None


def test_clinician_cannot_open_the_diary(client, make):
    login(client, make.clinician())
    assert client.get("/diary").status_code == 403


def test_today_lists_the_last_five_entries_and_costs_the_same_after_five_hundred(
    app, client, make, count_queries
):
    """The page shows the latest 5 of today's entries (newest first) and says how many there
    are (counted up to 100), and reads the same 3 statements (user; the day's state with the
    last days' latest entries, which give the 5 listed and the values for "same as yesterday";
    the usual medications) after 1 entry, 40 or 500: it does not grow with the day's entries."""
    patient = make.patient(timezone="UTC")
    login(client, patient)
    today = datetime.now(UTC).date()
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    make.entry(patient, today, 1, recorded_at=start)
    with count_queries() as one:
        first = client.get("/diary").get_data(as_text=True)
    assert "Pain 1 out of 10, saved at 00:00" in first and 'id="today-more"' not in first
    for minute in range(1, 40):
        make.entry(patient, today, minute % 11, recorded_at=start + timedelta(minutes=minute))
    with count_queries() as forty:
        html = client.get("/diary").get_data(as_text=True)
    listed = re.findall(r"Pain (\d+) out of 10, saved at (\d\d:\d\d)", html)
    assert listed == [
        ("6", "00:39"),
        ("5", "00:38"),
        ("4", "00:37"),
        ("3", "00:36"),
        ("2", "00:35"),
    ]
    assert "40 entries today; the latest 5 are shown here." in html
    assert 'href="/diary/history"' in html
    with app.app_context():
        db.session.add_all(
            Entry(
                patient_id=patient.id,
                day=today,
                recorded_at=start + timedelta(seconds=2400 + second),
                pain=second % 11,
            )
            for second in range(460)
        )
        db.session.commit()
    with count_queries() as five_hundred:
        html = client.get("/diary").get_data(as_text=True)
    listed = re.findall(r"Pain (\d+) out of 10, saved at (\d\d:\d\d)", html)
    assert listed[0] == ("8", "00:47")  # 2400 + 459 seconds: 00:47:39, pain 459 % 11
    assert len(listed) == 5
    assert "100 or more entries today; the latest 5 are shown here." in html
    assert one.count == forty.count == five_hundred.count == 3, five_hundred.statements


def test_todays_entries_are_read_from_the_end_of_the_index_of_live_entries(app):
    """SQLite's plan for the Today page's statement: today's count and each of the last three
    days' latest entries are searches of the index of live entries by time, with no sort of a
    day's entries (which would read all of them); the only sort is of the rows read (at most 20
    a day), and the entries table is never scanned."""
    from diary.services import today as today_service

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is SQLite's")
        day = datetime(2026, 1, 1).date()
        params = {"patient_id": 1, "day": day, "now": datetime.now(UTC)}
        params.update({f"day{i}": day - timedelta(days=i) for i in range(3)})
        compiled = today_service._PAGE.compile(db.engine)
        plan = [
            str(row[-1])
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled),
                tuple(compiled.construct_params(params)[k] for k in compiled.positiontup),
            )
        ]
        entries = [step for step in plan if " entries " in f"{step} "]
        assert len(entries) == 4, plan  # today's count, then each of the three days
        assert all(
            step.startswith("SEARCH entries USING INDEX ix_entries_live_patient_day_recorded")
            for step in entries
        ), plan
        assert [step for step in plan if "TEMP B-TREE" in step] == [
            "USE TEMP B-TREE FOR ORDER BY"
        ], plan


def test_today_page_is_the_same_whether_its_sections_come_from_the_kept_copy(client, make):
    """The blank optional sections are rendered once per worker and reused; a refused form
    still shows what was typed (not the kept blank copy)."""
    patient = make.patient()
    token = login(client, patient)
    first = client.get("/diary").get_data(as_text=True)
    second = client.get("/diary").get_data(as_text=True)
    # The entry id, the CSRF token (masked afresh for every response) and when the page was
    # made differ by design.
    strip = lambda html: re.sub(  # noqa: E731
        r'name="(id|csrf_token)" value="[^"]+"|name="csrf-token" content="[^"]+"'
        r'|data-made-at="[^"]+"',
        "",
        html,
    )
    assert strip(first) == strip(second)
    refused = client.post("/diary", data={"csrf_token": token, "pain": "4", "note": "x" * 2001})
    assert refused.status_code == 422
    assert "x" * 2001 in refused.get_data(as_text=True)


def test_which_day_offers_today_and_yesterday_and_keeps_the_day_chosen(client, make):
    """The form offers today and yesterday (their dates shown), today chosen; a refused form for
    yesterday comes back with yesterday chosen."""
    patient = make.patient(timezone="UTC")
    token = login(client, patient)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)

    def chips(html: str) -> list[tuple[str, str, bool, str, str]]:
        return [
            (value, ago, bool(checked), name, label)
            for value, ago, checked, name, label in re.findall(
                r'name="day" value="([^"]+)" data-days-ago="(\d)"( checked)?>'
                r'<span class="chip__label">(\w+) <span class="chip__date" data-day-date>([^<]+)<',
                html,
            )
        ]

    html = client.get("/diary").get_data(as_text=True)
    assert chips(html) == [
        (today.isoformat(), "0", True, "Today", today.strftime("%a %-d %b")),
        (yesterday.isoformat(), "1", False, "Yesterday", yesterday.strftime("%a %-d %b")),
    ]
    assert f'data-today="{today.isoformat()}"' in html
    assert f'id="today-so-far" data-day="{today.isoformat()}"' in html
    refused = client.post(
        "/diary",
        data={"csrf_token": token, "pain": "4", "day": yesterday.isoformat(), "note": "x" * 2001},
    )
    assert refused.status_code == 422
    assert [checked for _v, _a, checked, _n, _l in chips(refused.get_data(as_text=True))] == [
        False,
        True,
    ]
