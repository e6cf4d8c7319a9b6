"""Each patient's data version goes up with every change to their entries, infusions or
check-ins, in the same transaction, and with nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, insert, update

from diary.extensions import db
from diary.models import Entry, Infusion, Treatment, User, WeeklyCheckin
from diary.services import checkins, data_version, entries, infusions
from tests.factories import login


def version(app, patient) -> int:
    with app.app_context():
        return db.session.get(User, patient.id).data_version


def versions(app, patient) -> tuple[int, int]:
    with app.app_context():
        user = db.session.get(User, patient.id)
        return user.data_version, user.history_version


def raised_by(app, patient, statement) -> tuple[int, int]:
    """How much `statement`, run through a bare connection in its own transaction, raised the
    patient's data version and history version."""
    before = versions(app, patient)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(statement)
    after = versions(app, patient)
    return after[0] - before[0], after[1] - before[1]


def test_every_kind_of_change_bumps_only_that_patients_version(app, make):
    patient, other, clinician = make.patient(), make.patient(), make.clinician()
    with app.app_context():
        me = db.session.get(User, patient.id)
        doctor = db.session.get(User, clinician.id)
        steps = [
            lambda: entries.create_entry(me, {"pain": 4}),
            lambda: entries.update_entry(me, saved.entry.id, {"pain": 5}, version=1),
            lambda: entries.delete_entry(me, saved.entry.id),
            lambda: entries.restore_entry(me, saved.entry.id),
            lambda: checkins.record_checkin(
                me,
                {
                    "promis_pi": {
                        "pi_day_to_day": 2,
                        "pi_work_home": 2,
                        "pi_social": 2,
                        "pi_chores": 2,
                    },
                    "pgic": 3,
                },
            ),
            lambda: infusions.create_infusion(
                me, doctor, {"started_at": datetime(2026, 1, 5, 9, tzinfo=UTC), "dose_mg": 40}
            ),
        ]
        seen = [db.session.get(User, patient.id).data_version]
        saved = steps[0]()
        for step in steps[1:]:
            db.session.expire_all()
            seen.append(db.session.get(User, patient.id).data_version)
            step()
        db.session.expire_all()
        seen.append(db.session.get(User, patient.id).data_version)
    assert seen == [0, 1, 2, 3, 4, 5, 6]
    assert version(app, other) == 0


def test_bulk_statements_bump_the_patients_they_touch(app, make):
    first, second = make.patient(), make.patient()
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(
            insert(Entry),
            [
                {
                    "id": uuid.uuid4(),
                    "patient_id": p.id,
                    "day": now.date(),
                    "pain": 3,
                    "recorded_at": now,
                    "symptoms": [],
                    "body_sites": [],
                    "medications": [],
                    "side_effects": {},
                }
                for p in (first, second)
            ],
        )
        db.session.commit()
        db.session.execute(update(Entry).where(Entry.patient_id == first.id).values(pain=4))
        db.session.commit()
    assert (version(app, first), version(app, second)) == (2, 1)


def test_a_refused_entry_changes_nothing(app, client, make):
    patient = make.patient()
    token = login(client, patient)
    refused = client.post("/api/v1/entries", json={"pain": 11}, headers={"X-CSRFToken": token})
    assert refused.status_code == 422
    assert version(app, patient) == 0


def test_writes_outside_the_session_bump_it_too(app, make):
    """The database keeps the counters (triggers), so a write through a bare connection (a
    script, a migration, a console) raises them as the diary's own writes do; a migration
    that rebuilt one of these tables without its triggers would fail here. Each step, by
    hand: one row of entries or infusions (data +1; history +1 for an entry of an older day;
    this infusion is of yesterday: +0), the time zone changed (+1, +1) or set to the same zone
    (nothing)."""
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    entries_table, infusions_table = Entry.__table__, Infusion.__table__
    users_table = User.__table__
    today = datetime.now(UTC).date()
    entry_id = uuid.uuid4()

    def step(statement) -> tuple[int, int]:
        return raised_by(app, patient, statement)

    new_entry = insert(entries_table).values(
        id=entry_id, patient_id=patient.id, day=today, pain=3, recorded_at=datetime.now(UTC)
    )
    this_entry = entries_table.c.id == entry_id
    assert step(new_entry) == (1, 0)
    assert step(update(entries_table).where(this_entry).values(pain=4)) == (1, 0)
    older = today - timedelta(days=400)
    assert step(update(entries_table).where(this_entry).values(day=older)) == (1, 1)
    assert step(update(entries_table).where(this_entry).values(day=today)) == (1, 1)
    assert step(delete(entries_table).where(this_entry)) == (1, 0)
    started = datetime.now(UTC) - timedelta(days=1)
    assert step(
        insert(infusions_table).values(
            patient_id=patient.id, clinician_id=clinician.id, started_at=started
        )
    ) == (1, 0)
    of_patient = infusions_table.c.patient_id == patient.id
    assert step(update(infusions_table).where(of_patient).values(dose_mg=40)) == (1, 0)
    assert step(delete(infusions_table).where(of_patient)) == (1, 0)
    their_row = users_table.c.id == patient.id
    assert step(update(users_table).where(their_row).values(timezone="Asia/Tokyo")) == (1, 1)
    assert step(update(users_table).where(their_row).values(timezone="Asia/Tokyo")) == (0, 0)
    assert step(update(users_table).where(their_row).values(display_name="P")) == (0, 0)


def test_the_triggers_cutoff_is_history_cutoff(app, make):
    """The triggers hold their own copy of HISTORY_AFTER_DAYS. An entry, a check-in or a
    treatment of exactly the cutoff day (history_cutoff(): 35 days ago) is recent: data +1,
    history +0; one day earlier reaches the past: +1, +1. An infusion starting at
    session_cutoff() (00:00 UTC the day after the cutoff) is recent, one starting a
    microsecond earlier reaches the past. (Tried again if the UTC day turns during the test.)"""
    patient, clinician = make.patient(timezone="UTC"), make.clinician()

    def rows(cutoff, table):
        if table == "infusions":
            start = data_version.session_cutoff()
            return [
                {"patient_id": patient.id, "clinician_id": clinician.id, "started_at": started}
                for started in (start, start - timedelta(microseconds=1))
            ]
        fields = {
            "entries": {"id": uuid.uuid4, "pain": lambda: 2, "recorded_at": _now},
            "weekly_checkins": {"id": uuid.uuid4, "promis_pi": dict, "pgic": lambda: 3},
            "treatments": {"kind": lambda: "nerve_block", "clinician_id": lambda: clinician.id},
        }[table]
        return [
            {"patient_id": patient.id, "day": day, **{k: f() for k, f in fields.items()}}
            for day in (cutoff, cutoff - timedelta(days=1))
        ]

    tables = ("entries", "weekly_checkins", "treatments", "infusions")
    for _attempt in range(2):
        cutoff = data_version.history_cutoff()
        raised = {}
        for table in tables:
            raised[table] = []
            for row in rows(cutoff, table):
                before = versions(app, patient)
                with app.app_context(), db.engine.begin() as conn:
                    conn.execute(insert(db.metadata.tables[table]).values(**row))
                after = versions(app, patient)
                raised[table].append((after[0] - before[0], after[1] - before[1]))
        if data_version.history_cutoff() == cutoff:
            break
    assert raised == {table: [(1, 0), (1, 1)] for table in tables}


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "UTC", "Pacific/Kiritimati"])
def test_every_session_starting_from_session_cutoff_is_of_a_recent_local_day(zone):
    """In the zones furthest west (UTC-12) and east (UTC+14) alike, a session starting at
    session_cutoff() or later is of the local day history_cutoff() or later: every session of
    an older local day starts before it and raises the history version."""
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    instant = data_version.session_cutoff(now)
    assert instant.astimezone(ZoneInfo(zone)).date() >= data_version.history_cutoff(now)


def test_which_rows_of_infusions_check_ins_and_treatments_reach_the_past(app, make):
    """By hand, one row at a time: a check-in, a treatment or a session of a recent day added,
    edited, moved to another recent day or deleted raises the data version only; one of an
    older day, or moved from a recent day to an older one or back, raises both."""
    patient, clinician = make.patient(timezone="UTC"), make.clinician()
    today = datetime.now(UTC).date()
    recent, old = today - timedelta(days=2), today - timedelta(days=400)

    def step(statement) -> tuple[int, int]:
        return raised_by(app, patient, statement)

    def at(day):
        return datetime.combine(day, time(9), UTC)

    cases = {  # table: (its day column, the value for a day, the other fields, an edit)
        WeeklyCheckin.__table__: ("day", lambda d: d, {"id": uuid.uuid4(), "pgic": 3}, "pgic"),
        Treatment.__table__: ("day", lambda d: d, {"kind": "nerve_block"}, "description"),
        Infusion.__table__: ("started_at", at, {"clinician_id": clinician.id}, "dose_mg"),
    }
    for table, (column, value, fields, edited) in cases.items():
        mine = update(table).where(table.c.patient_id == patient.id)
        row = {"patient_id": patient.id, column: value(recent), **fields}
        assert step(insert(table).values(**row)) == (1, 0), table.name
        assert step(mine.values({edited: 4})) == (1, 0), table.name
        assert step(mine.values({column: value(today)})) == (1, 0), table.name
        assert step(mine.values({column: value(old)})) == (1, 1), table.name
        assert step(mine.values({column: value(recent)})) == (1, 1), table.name
        gone = delete(table).where(table.c.patient_id == patient.id)
        assert step(gone) == (1, 0), table.name
        assert step(insert(table).values(**{**row, column: value(old)})) == (1, 1), table.name
        assert step(gone) == (1, 1), table.name


def test_several_changes_in_one_transaction(app, make):
    """Both counters only promise to differ after a change (SQLite's triggers count rows,
    PostgreSQL's note what the transaction raised already). By hand, each a transaction:
    two recent entries raise the data version, not the history; a recent then an older entry
    raise both (the second reaches the past when the first did not); an older entry inside a
    savepoint rolled back, then a recent one, raise the data version only: the rollback took
    the older entry's raise with it."""
    patient = make.patient(timezone="UTC")
    today = datetime.now(UTC).date()
    older = today - timedelta(days=400)

    def entry(day) -> dict:
        return {
            "id": uuid.uuid4(),
            "patient_id": patient.id,
            "day": day,
            "pain": 3,
            "recorded_at": datetime.now(UTC),
        }

    def raised(*steps) -> tuple[bool, bool]:
        before = versions(app, patient)
        with app.app_context(), db.engine.begin() as conn:
            for run in steps:
                run(conn)
        after = versions(app, patient)
        return after[0] > before[0], after[1] > before[1]

    def add(day):
        return lambda conn: conn.execute(insert(Entry.__table__).values(**entry(day)))

    def rolled_back(day):
        def run(conn):
            savepoint = conn.begin_nested()
            conn.execute(insert(Entry.__table__).values(**entry(day)))
            savepoint.rollback()

        return run

    assert raised(add(today), add(today)) == (True, False)
    assert raised(add(today), add(older)) == (True, True)
    assert raised(rolled_back(older), add(today)) == (True, False)
