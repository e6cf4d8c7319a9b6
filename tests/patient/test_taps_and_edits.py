"""What a patient or carer notices when editing, deleting, undoing and checking in, and what a
screen reader hears: an edit of the pain alone keeps an "other" side effect; a double tap on
Save (check-in, edit) or Undo stores or refuses nothing more; Undo after a delete on an older
page of the history; symptoms named as on the form; 0 and 10 of every scale described; a
missing PGIC marked invalid; no link on a carer's page to a page they cannot open. (Each
"Until 7 Dec 2026" says what happened before.)"""

from __future__ import annotations

import uuid

from werkzeug.datastructures import MultiDict

from diary.extensions import db
from diary.models import Entry
from tests.factories import login
from tests.formparse import form_fields


def test_changing_only_the_pain_on_the_edit_page_keeps_an_other_side_effect(app, client, make):
    """An entry (sent by the phone's API, or imported) has side effects nausea 2 and "other" 3 with
    its text. The patient opens it in the history, changes the pain from 5 to 6 and taps "Save
    changes". Expected (docs/architecture.md: "a change of the pain alone changes nothing else"):
    the side effects stay {nausea: 2, other: 3}. Until 7 Dec 2026: "other" is dropped, because the
    edit form has no control for it (measures.SIDE_EFFECTS.form_omits) and
    entry_form.entry_from_form(whole=True) treats every missing severity as "none"."""
    patient = make.patient()
    token = login(client, patient)
    body = {
        "id": str(uuid.uuid4()),
        "pain": 5,
        "side_effects": {"nausea": 2, "other": 3},
        "side_effect_other": "Tingling lips",
    }
    created = client.post("/api/v1/entries", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    url = f"/diary/entries/{body['id']}/edit"
    fields = MultiDict(form_fields(client.get(url).get_data(as_text=True), "edit-form"))
    fields.setlist("pain", ["6"])
    response = client.post(url, data=fields)
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(Entry, uuid.UUID(body["id"]))
        assert entry.pain == 6
        assert entry.side_effects == {"nausea": 2, "other": 3}
        assert entry.side_effect_other == "Tingling lips"


def test_the_carers_today_page_links_nowhere_it_cannot_open(client, make):
    """A carer opens "Log a day" for their patient (/diary/for/<id>). Under "My usual
    medications" the page offers "Keep a list of your usual medications, to tick them here"
    (or "Change my list..."), a link to /diary/medications, which is the patient's own page:
    the carer gets 404 "Not found". Expected: no link on the carer's copy that leads to an
    error page (templates/patient/_usual_medications.html shows it whatever the viewer)."""
    import re

    patient, carer = make.patient(), make.carer()
    make.carer_link(carer, patient)
    login(client, carer)
    html = client.get(f"/diary/for/{patient.id}").get_data(as_text=True)
    broken = []
    for href in sorted(set(re.findall(r'href="(/[^"]*)"', html))):
        if href.startswith("/static"):
            continue
        status = client.get(href.replace("&amp;", "&")).status_code
        if status >= 400:
            broken.append((href, status))
    assert broken == []


def _checkin_form(pgic: str | None = "3") -> dict[str, str]:
    data = {"pi_day_to_day": "2", "pi_work_home": "3", "pi_social": "2", "pi_chores": "4"}
    if pgic is not None:
        data["pgic"] = pgic
    return data


def test_a_missing_pgic_answer_is_marked_invalid_like_the_promis_ones(client, make):
    """The weekly check-in is sent with the four PROMIS answers but no PGIC answer. The page
    says "Not saved yet: please answer every question" and marks the missing answers. A PROMIS
    question left out gets aria-invalid on its radios; the PGIC question does not, so a screen
    reader user moving through the PGIC choices is never told this is the answer missing
    (templates/patient/checkin.html: the PGIC radios lack aria-invalid)."""
    import re

    patient = make.patient()
    login(client, patient)
    html = client.get("/diary/checkin").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/diary/checkin", data={**_checkin_form(None), "csrf_token": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="pgic-error"' in page
    pgic_radios = re.findall(r'<input[^>]*name="pgic"[^>]*>', page)
    assert len(pgic_radios) == 7
    assert all('aria-invalid="true"' in radio for radio in pgic_radios)


def test_a_double_tap_on_save_check_in_stores_one_check_in(app, client, make):
    """On a slow connection the patient taps "Save check-in" twice: the browser posts the same form
    twice. Expected: one weekly check-in (as a double tap on Save in the diary stores one entry: its
    form carries an id). Until 7 Dec 2026: two check-ins for the same day (the check-in form carries
    no id, so checkins.record_checkin makes a new one each time)."""
    import re

    from sqlalchemy import func, select

    from diary.models import WeeklyCheckin

    patient = make.patient()
    login(client, patient)
    html = client.get("/diary/checkin").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    form = MultiDict(form_fields(html, "checkin-form") or [("csrf_token", token)])
    form.update(_checkin_form())
    for _ in range(2):
        assert client.post("/diary/checkin", data=form).status_code == 302
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(WeeklyCheckin)
            .where(WeeklyCheckin.patient_id == patient.id)
        )
    assert count == 1


def _token_of(client, url="/diary") -> str:
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_deleting_an_entry_on_an_older_page_of_the_history_offers_undo(client, make):
    """The patient has 55 entries. On "Older entries" (history page 2) they tap Delete on an old
    one. Expected: the page says "Entry for ... deleted." with an Undo button, as it does on page 1.
    Until 7 Dec 2026: the redirect goes to /diary/history?deleted=<id> (page 1), where that entry is
    not among the rows, so no message and no Undo are shown (views.delete_entry drops the page;
    views.history looks for the deleted entry only in the page it shows)."""
    import re

    patient = make.patient()
    for n in range(55):
        make.entry(patient, make.days_ago(n % 25), 3)
    login(client, patient)
    page2 = client.get("/diary/history?page=2").get_data(as_text=True)
    old_id = re.findall(r'data-entry-id="([^"]+)"', page2)[0]
    assert old_id not in client.get("/diary/history").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page2).group(1)
    response = client.post(
        f"/diary/entries/{old_id}/delete", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "deleted.</p>" in html and ">Undo</button>" in html


def test_the_history_names_symptoms_as_the_form_did(client, make):
    """The patient ticked "Pain from light touch, clothing, or a breeze" and "Skin colour
    changed (red, blue, pale, blotchy)" on the form. The history lists the entry's symptoms as
    "Allodynia, color change": the internal codes with '_' replaced (history.html), words the
    patient never saw, not the labels of the form."""
    patient = make.patient()
    make.entry(patient, make.days_ago(0), 4, symptoms=["allodynia", "color_change"])
    login(client, patient)
    html = client.get("/diary/history").get_data(as_text=True)
    assert "Pain from light touch, clothing, or a breeze" in html
    assert "Skin colour changed" in html


def test_a_screen_reader_hears_what_0_and_10_mean_on_every_scale(client, make):
    """One-handed and screen reader use: each 0-10 scale is a fieldset whose radios are named
    "0".."10"; what the ends mean ("0 = No pain", "10 = Worst pain imaginable"; for mood the
    other way round, "0 = Very bad", "10 = Very good") is in <p class="nrs__anchors"
    aria-hidden="true"> only (patient/_fields.html, macro nrs), so it is hidden from assistive
    technology: a screen reader user hears "Pain now, 0, radio button" and cannot tell which end
    is which. Expected: the anchors are part of the group's accessible text (legend, labels or
    aria-describedby)."""
    import re

    from diary import measures

    patient = make.patient()
    login(client, patient)
    html = client.get("/diary").get_data(as_text=True)
    hidden_only = []
    for m in measures.MEASURES:
        if m.kind.value != "scale":
            continue
        group = re.search(
            rf'<fieldset class="nrs" id="{m.code}-group".*?</fieldset>', html, re.S
        ).group(0)
        exposed = re.sub(r'<[^>]*aria-hidden="true"[^>]*>.*?</p>', "", group, flags=re.S)
        described = re.findall(r'aria-describedby="([^"]+)"', group)
        texts = [exposed] + [
            m2.group(0)
            for ids in described
            for i in ids.split()
            if (m2 := re.search(rf'id="{i}"[^>]*>[^<]*', html))
        ]
        if not any(m.anchors[0].split("= ")[1] in t for t in texts):
            hidden_only.append(m.code)
    assert hidden_only == []


def test_a_double_tap_on_undo_does_not_end_on_an_error_page(client, make):
    """The patient deletes an entry and taps Undo; on a slow connection the tap registers twice and
    the browser posts the restore form twice. The second answer is the page the patient sees.
    Expected: the history with the entry restored (a second Delete is harmless in the same way:
    services.entries.delete_entry does nothing for a deleted entry). Until 7 Dec 2026: a 409 error
    page "This entry is not deleted." (services.entries.restore_entry raises Conflict)."""
    import re

    patient = make.patient()
    entry = make.entry(patient, make.days_ago(0), 4)
    login(client, patient)
    token = _token_of(client, "/diary/history")
    client.post(f"/diary/entries/{entry.id}/delete", data={"csrf_token": token})
    first = client.post(f"/diary/entries/{entry.id}/restore", data={"csrf_token": token})
    second = client.post(f"/diary/entries/{entry.id}/restore", data={"csrf_token": token})
    assert first.status_code == 302
    assert second.status_code == 302, re.sub(r"\s+", " ", second.get_data(as_text=True))[-600:]


def test_a_double_tap_on_save_changes_does_not_say_not_saved(app, client, make):
    """The patient changes an entry's pain from 5 to 7 and taps "Save changes"; the tap
    registers twice (slow connection), so the same form (version 1) is posted twice. The change
    is stored by the first post. The second answer, the page the patient sees, says "Not saved:
    this entry was changed elsewhere (on another device or in another tab)" (409), which is
    false: nothing else changed it and their change is saved. Expected: the second, identical
    post is recognised as the same change (or the page says it is saved).
    (views.edit_entry / services.entries.update_entry: VersionConflict before comparing.)"""
    patient = make.patient()
    entry = make.entry(patient, make.days_ago(0), 5)
    login(client, patient)
    url = f"/diary/entries/{entry.id}/edit"
    fields = MultiDict(form_fields(client.get(url).get_data(as_text=True), "edit-form"))
    fields.setlist("pain", ["7"])
    first = client.post(url, data=fields)
    second = client.post(url, data=fields)
    assert first.status_code == 302
    with app.app_context():
        assert db.session.get(Entry, entry.id).pain == 7
    assert "Not saved" not in second.get_data(as_text=True)
