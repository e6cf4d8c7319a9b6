"""The Today page's kept parts (diary.patient.today_page): a page served from what a worker
kept is the page rendered afresh, whatever changed since it was kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from diary import codes
from diary.extensions import db
from diary.models import User, UsualMedication, WeeklyCheckin
from diary.patient import today_page
from diary.services import local_time
from tests.factories import login

ITEMS = [item.code for item in codes.PROMIS_PI_4A_ITEMS]


def _strip(html: str) -> str:
    """The page without what differs on every response by design: the masked CSRF token, the
    new entry's id and when the page was made."""
    return re.sub(
        r'name="(id|csrf_token)" value="[^"]+"|name="csrf-token" content="[^"]+"'
        r'|data-made-at="[^"]+"',
        "",
        html,
    )


def _kept(app) -> dict:
    return app.extensions.get(today_page.KEPT_PAGES, today_page._Kept()).pages


def _page(client, url: str = "/diary") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return _strip(response.get_data(as_text=True))


def _fresh(app, client, url: str = "/diary") -> str:
    """The page rendered afresh: nothing kept."""
    _kept(app).clear()
    return _page(client, url)


def _change(app, user_id: int, **fields) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()


def test_a_blank_form_is_kept_once_and_each_visit_has_its_own_token_and_entry_id(app, client, make):
    patient = make.patient()
    login(client, patient)
    _kept(app).clear()
    first = client.get("/diary").get_data(as_text=True)
    second = client.get("/diary").get_data(as_text=True)
    assert len(_kept(app)) == 1  # the second visit was served from the kept page
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    ids = re.compile(r'name="id" value="([^"]+)"')
    assert token.findall(first)[0] != token.findall(second)[0]
    assert len(set(token.findall(second))) == 1  # one mask per response, in every form
    assert (
        re.search(r'name="csrf-token" content="([^"]+)"', second).group(1)
        == (token.findall(second)[0])
    )
    assert ids.findall(first) != ids.findall(second)
    saved = client.post("/diary", data={"csrf_token": token.findall(second)[0], "pain": "3"})
    assert saved.status_code == 302  # the kept page's token is good


def test_a_kept_page_follows_every_input_of_the_page(app, client, make, monkeypatch):
    """Each input changed after the page was kept: the page served is the page rendered
    afresh, and it changed."""
    patient = make.patient(timezone="UTC")
    token = login(client, patient)
    before = _page(client)

    def changed() -> str:
        nonlocal before
        served = _page(client)  # from the kept pages, if the key were blind to the change
        assert served == _fresh(app, client)
        assert served != before
        before = served
        return served

    # settings: the reminder
    _change(app, patient.id, reminder_time=time(0, 0))
    assert 'name="reminder_time" type="time" value="00:00"' in changed()
    # the usual medications
    with app.app_context():
        # (% and braces: the kept page is a %-pattern; they stand in it as written)
        db.session.add(UsualMedication(patient_id=patient.id, name="Cream {5%s}", dose="5%"))
        db.session.commit()
    assert 'value="Cream {5%s} 5%"' in changed()
    # entries: today's list and the last days' answers
    client.post("/diary", data={"csrf_token": token, "pain": "7", "symptoms": ["burning"]})
    client.get("/diary")  # the flashed "Saved" message (a page not kept)
    assert "Pain 7 out of 10" in changed()
    client.post("/diary", data={"csrf_token": token, "pain": "2", "symptoms": ["swelling"]})
    client.get("/diary")
    assert "Pain 2 out of 10" in changed() and '"swelling"' in before
    # the weekly check-in answered
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=datetime.now(UTC).date(),
                recorded_at=datetime.now(UTC),
                promis_pi=dict.fromkeys(ITEMS, 2),
                pgic=3,
            )
        )
        db.session.commit()
    assert "Weekly check-in" not in changed()
    # the day: the clock at noon UTC, then the time zone 14 hours ahead (tomorrow there), then
    # the next day
    noon = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
    monkeypatch.setattr(local_time, "utcnow", lambda: noon)
    before = _page(client)
    _change(app, patient.id, timezone="Pacific/Kiritimati")
    tomorrow = (noon + timedelta(days=1)).date()
    assert f'data-today="{tomorrow.isoformat()}"' in changed()
    monkeypatch.setattr(local_time, "utcnow", lambda: noon + timedelta(days=1))
    assert f'data-today="{(tomorrow + timedelta(days=1)).isoformat()}"' in changed()


def test_a_carers_kept_page_follows_the_patients_name(app, client, make):
    patient = make.patient(display_name="Robin")
    carer = make.carer()
    make.carer_link(carer, patient)
    login(client, carer)
    url = f"/diary/for/{patient.id}"
    assert "How is today for Robin?" in _page(client, url)
    _change(app, patient.id, display_name="Alex")
    served = _page(client, url)
    assert "How is today for Alex?" in served and "Robin" not in served
    assert served == _fresh(app, client, url)


def test_a_patients_kept_page_is_not_served_to_another_patient(app, client, make):
    first, second = make.patient(), make.patient()
    login(client, first)
    mine = client.get("/diary").get_data(as_text=True)
    assert f'data-user-id="{first.id}"' in mine
    login(client, second)
    theirs = client.get("/diary").get_data(as_text=True)
    assert f'data-user-id="{second.id}"' in theirs and f'data-user-id="{first.id}"' not in theirs


def test_a_flashed_message_and_a_refused_form_are_rendered_afresh(app, client, make):
    patient = make.patient()
    token = login(client, patient)
    client.get("/diary")
    saved = client.post("/diary", data={"csrf_token": token, "pain": "4"})
    assert "Saved: pain 4 out of 10" in client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved: pain 4" not in client.get("/diary").get_data(as_text=True)  # shown once
    refused = client.post("/diary", data={"csrf_token": token, "pain": "4", "note": "x" * 2001})
    assert refused.status_code == 422 and "x" * 2001 in refused.get_data(as_text=True)


def test_the_kept_page_may_read_only_what_is_in_its_key():
    """The stand-ins for current_user, diary_patient, request, g, session and config refuse
    anything not in the key: a template that reads more fails rather than serving stale pages."""
    viewer = today_page._Viewer(True, 1, True, False, False, False)
    assert viewer.id == 1 and viewer.is_patient
    with pytest.raises(RuntimeError, match="display_name"):
        _ = viewer.display_name
    with pytest.raises(RuntimeError, match="args"):
        _ = today_page._Request("patient.log_day").args
    with pytest.raises(RuntimeError, match="diary_patient_id"):
        _ = today_page._Refused().diary_patient_id
    assert not hasattr(viewer, "__html__")  # plain Python lookups still answer "no"
