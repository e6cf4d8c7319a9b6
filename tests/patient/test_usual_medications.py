"""The patient's usual medications: the page (add, change, remove), the API, ticking them on the
diary form, and what closing the account and the archive do with them."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select

from diary.extensions import db
from diary.models import Entry, UsualMedication
from diary.services import closing
from tests.factories import login


def _token(client, path: str = "/diary/medications") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _meds(app, patient_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [
            (m.name, m.dose)
            for m in db.session.scalars(
                select(UsualMedication)
                .where(UsualMedication.patient_id == patient_id)
                .order_by(UsualMedication.id)
            )
        ]


def test_page_adds_changes_and_removes_a_medication(app, client, make):
    patient = make.patient()
    login(client, patient)
    token = _token(client)
    response = client.post(
        "/diary/medications", data={"csrf_token": token, "name": "Gabapentin", "dose": "300 mg"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added to your usual medications: Gabapentin 300 mg." in page
    assert _meds(app, patient.id) == [("Gabapentin", "300 mg")]
    [med_id] = [int(i) for i in re.findall(r'action="/diary/medications/(\d+)"', page)]

    response = client.post(
        f"/diary/medications/{med_id}",
        data={"csrf_token": token, "name": "Gabapentin", "dose": "600 mg"},
    )
    assert response.status_code == 302
    assert _meds(app, patient.id) == [("Gabapentin", "600 mg")]

    response = client.post(f"/diary/medications/{med_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert _meds(app, patient.id) == []
    assert "Your list is empty." in client.get("/diary/medications").get_data(as_text=True)


def test_page_refuses_a_blank_name_inline_and_keeps_the_dose(app, client, make):
    patient = make.patient()
    login(client, patient)
    response = client.post(
        "/diary/medications", data={"csrf_token": _token(client), "name": "  ", "dose": "5 mg"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the medication&#39;s name." in html
    assert 'id="new-dose" name="dose" maxlength="60" value="5 mg"' in html
    assert _meds(app, patient.id) == []


def test_a_name_or_dose_of_two_lines_is_refused_per_field(app, client, make):
    """A tick puts "name dose" into the entry as one line: a ';' (which separates medications
    in the CSV export) or a line break would make it two, so neither is taken."""
    patient = make.patient()
    token = login(client, patient)
    for body, field in (
        ({"name": "Gabapentin; Naproxen"}, "name"),
        ({"name": "Gabapentin", "dose": "300 mg\n600 mg"}, "dose"),
    ):
        response = client.post("/api/v1/me/medications", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"] == {field: ["Keep this on one line, without a ;."]}
    assert _meds(app, patient.id) == []


def test_another_patients_medication_is_404_on_the_page_and_the_api(app, client, make):
    owner, other = make.patient(), make.patient()
    login(client, owner)
    token = login(client, owner)
    med_id = client.post(
        "/api/v1/me/medications",
        json={"name": "Amitriptyline", "dose": "10 mg"},
        headers={"X-CSRFToken": token},
    ).get_json()["id"]

    other_token = login(client, other)
    assert client.get("/api/v1/me/medications").get_json() == []
    headers = {"X-CSRFToken": other_token}
    changed = client.put(f"/api/v1/me/medications/{med_id}", json={"name": "x"}, headers=headers)
    assert changed.status_code == 404 and changed.get_json()["error"]["code"] == "not_found"
    assert client.delete(f"/api/v1/me/medications/{med_id}", headers=headers).status_code == 404
    page_token = _token(client)
    assert (
        client.post(
            f"/diary/medications/{med_id}", data={"csrf_token": page_token, "name": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/diary/medications/{med_id}/delete", data={"csrf_token": page_token}
        ).status_code
        == 404
    )
    assert _meds(app, owner.id) == [("Amitriptyline", "10 mg")]


def test_api_lists_adds_changes_and_removes(client, make):
    token = login(client, make.patient())
    headers = {"X-CSRFToken": token}
    created = client.post(
        "/api/v1/me/medications", json={"name": "Paracetamol", "dose": "1 g"}, headers=headers
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["line"] == "Paracetamol 1 g" and body["dose"] == "1 g"
    client.post("/api/v1/me/medications", json={"name": "Baclofen"}, headers=headers)
    listed = client.get("/api/v1/me/medications").get_json()
    assert [m["line"] for m in listed] == ["Baclofen", "Paracetamol 1 g"]
    changed = client.put(
        f"/api/v1/me/medications/{body['id']}",
        json={"name": "Paracetamol", "dose": "500 mg"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.get_json()["line"] == "Paracetamol 500 mg"
    assert client.delete(f"/api/v1/me/medications/{body['id']}", headers=headers).status_code == 204
    assert [m["line"] for m in client.get("/api/v1/me/medications").get_json()] == ["Baclofen"]


def test_api_refuses_bad_bodies_with_field_messages(client, make):
    token = login(client, make.patient())
    headers = {"X-CSRFToken": token}

    def post(body):
        return client.post("/api/v1/me/medications", json=body, headers=headers)

    missing = post({"dose": "5 mg"})
    assert missing.status_code == 422 and "name" in missing.get_json()["errors"]
    wrong_type = post({"name": 5})
    assert wrong_type.status_code == 422 and "name" in wrong_type.get_json()["errors"]
    unknown = post({"name": "x", "colour": "blue"})
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    too_long = post({"name": "x", "dose": "9" * 61})
    assert too_long.status_code == 422
    assert too_long.get_json()["errors"]["dose"] == ["Use at most 60 characters (this has 61)."]
    control = post({"name": "a\x07b"})
    assert control.status_code == 422 and "name" in control.get_json()["errors"]
    assert post({"name": "Pregabalin", "dose": "75 mg"}).status_code == 201
    again = post({"name": "pregabalin", "dose": "75 MG"})
    assert again.status_code == 422
    assert again.get_json()["errors"]["name"] == [
        "This medication with this dose is already in your list."
    ]
    assert client.post("/api/v1/me/medications", json={"name": "x"}).status_code == 400  # CSRF


def test_clinician_may_not_use_the_list(client, make):
    login(client, make.clinician())
    assert client.get("/api/v1/me/medications").status_code == 403
    assert client.get("/diary/medications").status_code == 403


def test_ticked_usual_medications_go_into_the_entry_with_the_typed_ones(app, client, make):
    """Ticks and the text box share the field: the entry's medications are the ticked lines and
    the typed ones, each once, in the form's order (ticks first)."""
    patient = make.patient()
    token = login(client, patient)
    for name, dose in (("Gabapentin", "300 mg"), ("Naproxen", "250 mg")):
        client.post(
            "/api/v1/me/medications",
            json={"name": name, "dose": dose},
            headers={"X-CSRFToken": token},
        )
    html = client.get("/diary").get_data(as_text=True)
    assert 'type="checkbox" name="medications" value="Gabapentin 300 mg"' in html
    assert 'type="checkbox" name="medications" value="Naproxen 250 mg"' in html
    page_token = _token(client, "/diary")
    response = client.post(
        "/diary",
        data={
            "csrf_token": page_token,
            "pain": "3",
            "medications": ["Naproxen 250 mg", "Ibuprofen 200 mg\nNaproxen 250 mg"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        [entry] = db.session.scalars(select(Entry)).all()
        assert entry.medications == ["Naproxen 250 mg", "Ibuprofen 200 mg"]


def test_closing_the_account_deletes_the_list(app, client, make):
    patient = make.patient()
    token = login(client, patient)
    client.post(
        "/api/v1/me/medications", json={"name": "Gabapentin"}, headers={"X-CSRFToken": token}
    )
    keeper = make.patient()
    with app.app_context():
        db.session.add(UsualMedication(patient_id=keeper.id, name="Other's"))
        db.session.commit()
        closing.close_account(db.session.get(type(patient), patient.id), by=None)
    assert _meds(app, patient.id) == []
    assert _meds(app, keeper.id) == [("Other's", None)]


def test_archive_holds_the_list(client, make):
    token = login(client, make.patient())
    client.post(
        "/api/v1/me/medications",
        json={"name": "Gabapentin", "dose": "300 mg"},
        headers={"X-CSRFToken": token},
    )
    response = client.get("/api/v1/me/archive")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        meds = json.loads(archive.read("usual_medications.json"))
        readme = archive.read("README.txt").decode()
    assert [(m["name"], m["dose"]) for m in meds] == [("Gabapentin", "300 mg")]
    assert "usual_medications.json" in readme


def test_the_forms_lines_are_a_patients_own_list_only(app, make):
    """The diary form's lines come from the patient's own list; a clinician or a closed account
    has none to read (404), as with the list's own pages."""
    import pytest

    from diary.errors import NotFound
    from diary.models import User, utcnow
    from diary.services import usual_medications

    patient, clinician = make.patient(), make.clinician()
    with app.app_context():
        db.session.add(UsualMedication(patient_id=patient.id, name="Gabapentin", dose="300 mg"))
        db.session.commit()
        assert usual_medications.usual_lines(db.session.get(User, patient.id)) == [
            "Gabapentin 300 mg"
        ]
        with pytest.raises(NotFound):
            usual_medications.usual_lines(db.session.get(User, clinician.id))
        closed = db.session.get(User, patient.id)
        closed.closed_at = utcnow()
        with pytest.raises(NotFound):
            usual_medications.usual_lines(closed)


def _usual(app, patient, *lines: tuple[str, str]) -> None:
    with app.app_context():
        for name, dose in lines:
            db.session.add(UsualMedication(patient_id=patient.id, name=name, dose=dose))
        db.session.commit()


def _edit(client, entry_id, version: int, pain: str, medications: list[str]):
    """The edit form posted: the entry's version, the pain and the medication controls' values
    (ticks and text box, in the form's order)."""
    path = f"/diary/entries/{entry_id}/edit"
    return client.post(
        path,
        data={
            "csrf_token": _token(client, path),
            "version": str(version),
            "pain": pain,
            "medications": medications,
        },
    )


def _stored(app, entry_id) -> tuple[list[str], int]:
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        return entry.medications, entry.version


def test_the_edit_form_ticks_the_usual_medications_the_entry_has(app, client, make):
    """Usual list: Gabapentin 300 mg, Naproxen 250 mg. Yesterday's entry has Gabapentin 300 mg
    and Ibuprofen 200 mg. The edit form shows Gabapentin ticked, Naproxen not, and only
    Ibuprofen in the text box. Ticking Naproxen too and saving stores the ticks then the typed
    line: Gabapentin, Naproxen, Ibuprofen."""
    patient = make.patient()
    _usual(app, patient, ("Gabapentin", "300 mg"), ("Naproxen", "250 mg"))
    entry = make.entry(
        patient, make.days_ago(1), 5, medications=["Gabapentin 300 mg", "Ibuprofen 200 mg"]
    )
    login(client, patient)
    html = client.get(f"/diary/entries/{entry.id}/edit").get_data(as_text=True)
    assert 'name="medications" value="Gabapentin 300 mg" checked>' in html
    assert 'name="medications" value="Naproxen 250 mg">' in html
    box = re.search(r'<textarea[^>]*name="medications"[^>]*>(.*?)</textarea>', html, re.S)
    assert box.group(1).strip() == "Ibuprofen 200 mg"

    response = _edit(
        client, entry.id, 1, "5", ["Gabapentin 300 mg", "Naproxen 250 mg", "Ibuprofen 200 mg"]
    )
    assert response.status_code == 302
    assert _stored(app, entry.id) == (
        ["Gabapentin 300 mg", "Naproxen 250 mg", "Ibuprofen 200 mg"],
        2,
    )


def test_an_edit_of_the_pain_keeps_the_medications_in_their_stored_order(app, client, make):
    """The entry was typed as Ibuprofen 200 mg then Gabapentin 300 mg (a usual one). The edit
    form ticks Gabapentin (ticks come first in the form), and the patient changes only the pain
    from 5 to 4: the stored lines stay Ibuprofen then Gabapentin; only the pain changed. Then
    unticking Gabapentin removes it."""
    patient = make.patient()
    _usual(app, patient, ("Gabapentin", "300 mg"))
    entry = make.entry(
        patient, make.days_ago(2), 5, medications=["Ibuprofen 200 mg", "Gabapentin 300 mg"]
    )
    login(client, patient)
    response = _edit(client, entry.id, 1, "4", ["Gabapentin 300 mg", "Ibuprofen 200 mg"])
    assert response.status_code == 302
    assert _stored(app, entry.id) == (["Ibuprofen 200 mg", "Gabapentin 300 mg"], 2)

    response = _edit(client, entry.id, 2, "4", ["Ibuprofen 200 mg"])
    assert response.status_code == 302
    assert _stored(app, entry.id) == (["Ibuprofen 200 mg"], 3)


def test_a_refused_edit_keeps_the_ticks_the_patient_chose(app, client, make):
    """A pain of 11 is refused (422); the form comes back with Naproxen still ticked (as sent)
    and the typed line in the text box."""
    patient = make.patient()
    _usual(app, patient, ("Gabapentin", "300 mg"), ("Naproxen", "250 mg"))
    entry = make.entry(patient, make.days_ago(1), 5, medications=["Gabapentin 300 mg"])
    login(client, patient)
    response = _edit(client, entry.id, 1, "11", ["Naproxen 250 mg", "Paracetamol 1 g"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="medications" value="Naproxen 250 mg" checked>' in html
    assert 'name="medications" value="Gabapentin 300 mg">' in html
    box = re.search(r'<textarea[^>]*name="medications"[^>]*>(.*?)</textarea>', html, re.S)
    assert box.group(1).strip() == "Paracetamol 1 g"
    assert _stored(app, entry.id) == (["Gabapentin 300 mg"], 1)
