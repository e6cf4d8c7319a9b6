"""Importing an old diary from a CSV: the columns of the CSV export, the phone's rules, a report
per rejected row, one transaction, and a second import of the same file adding nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from diary import analysis
from diary.extensions import db
from diary.models import AuditEvent, Entry
from diary.services import series
from diary.services.entries import content_of
from diary.services.exports import CSV_COLUMNS
from tests.factories import login


def csv_text(rows: list[dict], columns=CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def post_import(client, token, patient, text, *, all_or_nothing=False, kind="entries"):
    return client.post(
        f"/api/v1/patients/{patient.id}/imports/{kind}",
        json={"csv": text, "all_or_nothing": all_or_nothing},
        headers={"X-CSRFToken": token},
    )


def stored(app, patient) -> list[Entry]:
    with app.app_context():
        rows = db.session.scalars(
            select(Entry).where(Entry.patient_id == patient.id).order_by(Entry.day, Entry.pain)
        ).all()
        db.session.expunge_all()
        return rows


def fifty_rows(make) -> list[dict]:
    """50 rows, one per day, of which rows 10, 25 and 40 (lines 12, 27, 42) are wrong."""
    rows = [
        {"day": make.days_ago(i + 2).isoformat(), "pain": str(i % 11), "symptoms": "burning"}
        for i in range(50)
    ]
    rows[10]["pain"] = "11"
    rows[25]["day"] = "2024-02-30"
    rows[40]["symptoms"] = "burning;flying"
    return rows


BAD_LINES = [
    {"line": 12, "column": "pain", "reason": "Choose your pain now, from 0 to 10."},
    {"line": 27, "column": "day", "reason": "Use a date as YYYY-MM-DD."},
    {"line": 42, "column": "symptoms", "reason": "Unknown symptom code: flying."},
]


def test_csv_export_imported_into_a_new_patient_gives_the_same_entries(app, client, make):
    """Every field the patient set is the same after the round trip; what the diary itself
    sets differs on purpose: a new id, recorded_at = the import, version 1, imported."""
    source, target, clinician = make.patient(), make.patient(), make.clinician()
    make.link(clinician, target)
    make.entry(
        source,
        make.days_ago(3),
        7,
        pain_worst=9,
        pain_least=2,
        pain_average=5,
        symptoms=["burning", "allodynia"],
        body_sites=["right_hand", "other"],
        body_site_other="jaw, left side",
        sleep_hours=6.5,
        sleep_quality=4,
        peg_enjoyment=6,
        peg_activity=7,
        mood=3,
        medications=["gabapentin 300 mg", "paracetamol"],
        side_effects={"nausea": 2, "vivid_dreams": 4},
        side_effect_other="odd taste",
        note='=HYPERLINK("x")\nsecond line; "quoted", é',
    )
    make.entry(source, make.days_ago(3), 4)  # two entries on one day
    make.entry(source, make.days_ago(5), 0, note="-2 better than yesterday")
    make.entry(source, make.days_ago(2), 5, deleted_at=datetime.now(UTC))  # not exported
    login(client, source)
    exported = client.get("/api/v1/me/export.csv").get_data(as_text=True)
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login(client, source)})

    before = datetime.now(UTC)
    token = login(client, clinician)
    response = post_import(client, token, target, exported)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["rows"], report["stored"], report["rejected"]) == (3, 3, [])

    with app.app_context():
        live = select(Entry).where(Entry.deleted_at.is_(None))
        original = db.session.scalars(live.where(Entry.patient_id == source.id)).all()
        copied = db.session.scalars(live.where(Entry.patient_id == target.id)).all()

        def key(e):
            return (e.day, e.pain)

        for a, b in zip(sorted(original, key=key), sorted(copied, key=key), strict=True):
            expected = content_of(a) | {"recorded_at": None}
            assert content_of(b) | {"recorded_at": None} == expected
            assert b.id != a.id and b.imported and not a.imported
            assert b.version == 1 and b.recorded_at >= before and b.deleted_at is None


def test_three_bad_rows_among_fifty_are_reported_and_the_others_stored(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    response = post_import(client, token, patient, csv_text(fifty_rows(make)))
    assert response.status_code == 200
    report = response.get_json()
    assert report["rejected"] == BAD_LINES
    assert report["rejected_lines"] == [12, 27, 42]
    assert (report["rows"], report["stored"], report["skipped"]) == (50, 47, 0)
    assert report["committed"] is True
    assert len(stored(app, patient)) == 47


def test_all_or_nothing_stores_none_when_a_row_is_bad(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    response = post_import(client, token, patient, csv_text(fifty_rows(make)), all_or_nothing=True)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "import_rejected"
    assert body["errors"] == {
        "line 12, pain": ["Choose your pain now, from 0 to 10."],
        "line 27, day": ["Use a date as YYYY-MM-DD."],
        "line 42, symptoms": ["Unknown symptom code: flying."],
    }
    assert body["report"]["stored"] == 0 and body["report"]["committed"] is False
    assert stored(app, patient) == []

    good = [r for i, r in enumerate(fifty_rows(make)) if i not in (10, 25, 40)]
    response = post_import(client, token, patient, csv_text(good), all_or_nothing=True)
    assert response.status_code == 200 and response.get_json()["stored"] == 47
    assert len(stored(app, patient)) == 47


def test_the_same_file_imported_twice_is_stored_once(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    text = csv_text(fifty_rows(make))
    first = post_import(client, token, patient, text).get_json()
    second = post_import(client, token, patient, text).get_json()
    assert (first["stored"], first["skipped"]) == (47, 0)
    assert (second["stored"], second["skipped"]) == (0, 47)
    assert second["rejected_lines"] == [12, 27, 42]
    assert len(stored(app, patient)) == 47


def test_rows_with_ids_are_keyed_by_id_and_the_patients_own_export_adds_nothing(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(2), 6)
    make.entry(patient, make.days_ago(1), 4)
    token = login(client, clinician)
    exported = client.get(f"/api/v1/patients/{patient.id}/export.csv").get_data(as_text=True)
    report = post_import(client, token, patient, exported).get_json()
    assert (report["stored"], report["skipped"]) == (0, 2)
    # Two rows of one day at different times are two entries (natural key: day and time).
    day = make.days_ago(5).isoformat()
    rows = [
        {"day": day, "pain": "3", "recorded_at_utc": f"{day}T08:00:00+00:00"},
        {"day": day, "pain": "6", "recorded_at_utc": f"{day}T20:00:00+00:00"},
    ]
    assert post_import(client, token, patient, csv_text(rows)).get_json()["stored"] == 2
    assert post_import(client, token, patient, csv_text(rows)).get_json()["skipped"] == 2
    assert len(stored(app, patient)) == 4


def test_imported_entries_are_marked_and_count_as_late(app, client, make):
    """recorded_at is the moment of the import, and the newest day an import takes is the day
    before yesterday: the entry was recorded after its day and after the end of the next day,
    so it is late by either rule (the CSV's recorded_late says so)."""
    patient, clinician = make.patient(timezone="Pacific/Kiritimati"), make.clinician()  # UTC+14
    make.link(clinician, patient)
    token = login(client, clinician)
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    rows = [{"day": (today - timedelta(days=2)).isoformat(), "pain": "5"}]
    assert post_import(client, token, patient, csv_text(rows)).status_code == 200
    (entry,) = stored(app, patient)
    assert entry.imported is True
    recorded_day = entry.recorded_at.astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    assert recorded_day > entry.day + timedelta(days=1)
    exported = client.get(f"/api/v1/patients/{patient.id}/export.csv").get_data(as_text=True)
    assert [r["recorded_late"] for r in csv.DictReader(io.StringIO(exported))] == ["true"]


def test_an_import_describes_days_before_yesterday_and_from_2000_on(app, client, make):
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    today = datetime.now(UTC).date()
    rows = [
        {"day": today.isoformat(), "pain": "5"},
        {"day": (today - timedelta(days=1)).isoformat(), "pain": "5"},
        {"day": (today + timedelta(days=1)).isoformat(), "pain": "5"},
        {"day": "1999-12-31", "pain": "5"},
        {"day": "2001-03-04", "pain": "5"},  # years back: allowed here, not on the phone
        {"day": "", "pain": "5"},
        {"day": (today - timedelta(days=2)).isoformat(), "pain": "5"},
    ]
    report = post_import(client, token, patient, csv_text(rows)).get_json()
    too_recent = (
        "Only days before yesterday can be imported: log today and yesterday on the phone "
        "(an imported entry counts as logged late)."
    )
    assert report["rejected"] == [
        {"line": 2, "column": "day", "reason": too_recent},
        {"line": 3, "column": "day", "reason": too_recent},
        {"line": 4, "column": "day", "reason": "This day has not happened yet."},
        {
            "line": 5,
            "column": "day",
            "reason": "The day is too far in the past (before 2000-01-01).",
        },
        {"line": 7, "column": "day", "reason": "Use a date as YYYY-MM-DD."},
    ]
    assert [e.day.isoformat() for e in stored(app, patient)] == [
        "2001-03-04",
        (today - timedelta(days=2)).isoformat(),
    ]


def test_a_note_over_several_lines_keeps_the_line_numbers_right(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    rows = [
        {"day": make.days_ago(3).isoformat(), "pain": "5", "note": "one\ntwo\nthree"},
        {"day": make.days_ago(2).isoformat(), "pain": "x"},
    ]
    report = post_import(client, token, patient, csv_text(rows)).get_json()
    assert report["rejected"] == [
        {"line": 5, "column": "pain", "reason": "Choose your pain now, from 0 to 10."}
    ]


def test_a_file_that_is_not_the_diarys_csv_is_refused_as_a_whole(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    for text, message in (
        ("", "The file is empty."),
        ("day,pian\r\n2024-01-01,5\r\n", "Unknown column: pian."),
        ("day,note\r\n2024-01-01,x\r\n", "Missing column: pain."),
    ):
        response = post_import(client, token, patient, text)
        assert response.status_code == 422, text
        assert response.get_json()["errors"]["file"][0].startswith(message)
    assert stored(app, patient) == []


def test_only_a_linked_clinician_imports_and_the_import_is_audited(app, client, make):
    patient, clinician, stranger = make.patient(), make.clinician(), make.clinician()
    make.link(clinician, patient)
    text = csv_text([{"day": make.days_ago(2).isoformat(), "pain": "5"}])
    token = login(client, stranger)
    assert post_import(client, token, patient, text).status_code == 404
    token = login(client, patient)
    assert post_import(client, token, patient, text).status_code == 403
    token = login(client, clinician)
    assert post_import(client, token, patient, text).status_code == 200
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.detail).where(
                AuditEvent.patient_id == patient.id
            )
        ).all()
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1
    assert [(a, actor) for a, actor, _ in events] == [("import.entries", clinician.id)]
    assert events[0].detail == {"rows": 1, "stored": 1, "skipped": 0, "rejected": 0}


def test_an_import_may_be_larger_than_other_requests_up_to_its_own_limit(app, client, make):
    """Other requests stop at 1 MB; an import at IMPORT_MAX_BYTES (413 beyond it)."""
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    token = login(client, clinician)
    rows = [
        {"day": make.days_ago(1 + i % 20).isoformat(), "pain": "4", "note": "x" * 1500}
        for i in range(1000)
    ]
    text = csv_text(rows)
    assert len(text) > app.config["MAX_CONTENT_LENGTH"]
    response = post_import(client, token, patient, text)
    assert response.status_code == 200 and response.get_json()["rows"] == 1000
    limit = app.config["IMPORT_MAX_BYTES"]
    app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        response = post_import(client, token, patient, text)
    finally:
        app.config["IMPORT_MAX_BYTES"] = limit
    assert response.status_code == 413 and response.get_json()["error"]["code"]


def test_the_patient_and_the_api_see_which_entries_were_imported(app, client, make):
    patient, clinician = make.patient(), make.clinician()
    make.link(clinician, patient)
    make.entry(patient, make.days_ago(1), 3)
    token = login(client, clinician)
    rows = [{"day": make.days_ago(2).isoformat(), "pain": "6"}]
    assert post_import(client, token, patient, csv_text(rows)).status_code == 200
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    login(client, patient)
    listed = client.get("/api/v1/entries").get_json()
    assert [(e["pain"], e["imported"]) for e in listed] == [(6, True), (3, False)]
    history = client.get("/diary/history").get_data(as_text=True)
    assert history.count('<span class="badge">Imported</span>') == 1


def test_the_reviews_adherence_counts_imported_days_as_late(app, client, make):
    """The review's rule (ON_TIME_DEFINITION: on time when recorded by the end of the next day).
    Hand-worked: the patient logged day-3 on the phone on its own day (on time); the clinic
    imports day-2 and day-5 today, so both were recorded 2 and 5 days after their day: late.
    Over day-5..day-2 (4 days): on time 1 (day-3), late 2 (day-2, day-5), no entry 1 (day-4)."""
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    make.link(clinician, patient)
    day3 = make.days_ago(3)
    make.entry(patient, day3, 4, recorded_at=datetime.combine(day3, time(20), UTC))
    token = login(client, clinician)
    rows = [{"day": make.days_ago(n).isoformat(), "pain": "6"} for n in (2, 5)]
    assert post_import(client, token, patient, csv_text(rows)).get_json()["stored"] == 2
    with app.app_context():
        readings = series.readings(patient.id, default_zone="UTC")
    assert {r.day: r.on_time for r in readings} == {
        make.days_ago(5): False,
        make.days_ago(3): True,
        make.days_ago(2): False,
    }
    split = analysis.adherence_split(
        analysis.daily_aggregates(readings), make.days_ago(5), make.days_ago(2)
    )
    assert (split.on_time, split.late, split.total) == (1, 2, 4)


def test_texts_that_look_like_formulas_or_guards_come_back_as_written(app, client, make):
    """The export guards every ';'-part a spreadsheet would read as a formula (it starts with =,
    +, -, @ or a tab) with an apostrophe; the import takes exactly that apostrophe off again,
    part by part, so nothing typed changes on the way out and back:

    - note "ok ;-)": the part "-)" is written "'-)": the cell "ok ;'-)";
    - medications "- paracetamol", "- ibuprofen 200 mg", "@night melatonin": every part
      guarded, "'- paracetamol;'- ibuprofen 200 mg;'@night melatonin" (the import took the
      first apostrophe only, and kept the others as typed by the patient);
    - "where else" "'=quoted start" (an apostrophe the patient typed, then =): one more
      apostrophe, "''=quoted start"; side effect "other" "x;'-)": "x;''-)";
    - note "'tis fine" (an apostrophe not before a formula's first character): as it is."""
    source, target, clinician = make.patient(), make.patient(), make.clinician()
    make.link(clinician, target)
    make.entry(
        source,
        make.days_ago(3),
        6,
        note="ok ;-)",
        medications=["- paracetamol", "- ibuprofen 200 mg", "@night melatonin"],
        body_sites=["other"],
        body_site_other="'=quoted start",
        side_effects={"nausea": 1},
        side_effect_other="x;'-)",
    )
    make.entry(source, make.days_ago(4), 3, note="'tis fine", medications=["+1 extra dose"])
    login(client, source)
    exported = client.get("/api/v1/me/export.csv").get_data(as_text=True)
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": login(client, source)})
    rows = {r["pain"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["6"]["note"] == "ok ;'-)"
    assert rows["6"]["medications"] == "'- paracetamol;'- ibuprofen 200 mg;'@night melatonin"
    assert rows["6"]["body_site_other"] == "''=quoted start"
    assert rows["6"]["side_effect_other"] == "x;''-)"
    assert (rows["3"]["note"], rows["3"]["medications"]) == ("'tis fine", "'+1 extra dose")

    token = login(client, clinician)
    response = post_import(client, token, target, exported)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stored"] == 2
    with app.app_context():
        live = select(Entry).where(Entry.deleted_at.is_(None)).order_by(Entry.pain)
        original = db.session.scalars(live.where(Entry.patient_id == source.id)).all()
        copied = db.session.scalars(live.where(Entry.patient_id == target.id)).all()
        for a, b in zip(original, copied, strict=True):
            assert content_of(b) | {"recorded_at": None} == content_of(a) | {"recorded_at": None}
        assert copied[1].medications == ["- paracetamol", "- ibuprofen 200 mg", "@night melatonin"]
        assert copied[1].note == "ok ;-)"
