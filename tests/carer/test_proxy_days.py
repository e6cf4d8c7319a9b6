"""The days a carer logged for the patient (carers.proxy_days, on the review) and the carers
who did (proxy_names, proxy_carers: the exports): only a carer's live entries count, read
through the partial index of the entries someone other than the patient entered, not the
patient's whole diary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from diary.extensions import db
from diary.models import User
from diary.services import carers


def _world(make, family):
    """Pat's diary: own entries 1-4 days ago, one imported (no one entered it) 3 days ago,
    Anna's 1 and 2 days ago (two 2 days ago), one of Anna's deleted (4 days ago), and Anna's
    for Olly 1 day ago (another patient's)."""
    pat, olly, anna = family["pat"], family["olly"], family["anna"]
    for n in (1, 2, 3, 4):
        make.entry(pat, make.days_ago(n), 3, entered_by_id=pat.id)
    make.entry(pat, make.days_ago(3), 4, imported=True, import_key="at:x")
    make.entry(pat, make.days_ago(1), 8, entered_by_id=anna.id)
    make.entry(pat, make.days_ago(2), 7, entered_by_id=anna.id)
    make.entry(pat, make.days_ago(2), 6, entered_by_id=anna.id)
    make.entry(pat, make.days_ago(4), 5, entered_by_id=anna.id, deleted_at=datetime.now(UTC))
    make.entry(olly, make.days_ago(1), 2, entered_by_id=anna.id)


def test_only_a_carers_live_entries_of_the_period_are_listed(app, make, family):
    """Of days 4..1 ago: Anna's 1 entry 1 day ago and 2 entries 2 days ago, newest first. Not
    Pat's own entries, not the imported one, not Anna's deleted one (4 days ago), not Olly's; a
    period from 2 days ago on leaves out nothing else, one ending 3 days ago lists no day."""
    _world(make, family)
    with app.app_context():
        pat = db.session.get(User, family["pat"].id)
        days = carers.proxy_days(pat, make.days_ago(4), make.days_ago(1))
        assert [(d.day, d.entries, d.carers) for d in days] == [
            (make.days_ago(1), 1, ["Anna"]),
            (make.days_ago(2), 2, ["Anna"]),
        ]
        assert len(carers.proxy_days(pat, make.days_ago(2), make.days_ago(2))) == 1
        assert carers.proxy_days(pat, make.days_ago(30), make.days_ago(3)) == []
        # Names: Anna's deleted entry still says she entered for Pat (its row is kept).
        assert carers.proxy_names(pat.id) == {family["anna"].id: "Anna"}


def _plans(app, run) -> list[str]:
    """The database's plan of each statement `run()` sends (SQLite's EXPLAIN QUERY PLAN;
    PostgreSQL's EXPLAIN with sequential scans off, as its planner takes them on tables of a
    few rows)."""
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    connection = db.session.connection()
    sqlite = engine.dialect.name == "sqlite"
    if not sqlite:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plans = []
    for statement, parameters in sent:
        explain = ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement
        rows = connection.exec_driver_sql(explain, parameters)
        plans.append("\n".join(str(row[-1]) for row in rows))
    return plans


@pytest.mark.parametrize("which", ["proxy_days", "proxy_names", "proxy_carers"])
def test_the_carers_entries_are_found_through_their_index(app, make, family, which):
    """Each statement that reads the patient's entries uses ix_entries_by_others_patient_day
    (the entries someone other than the patient entered) on both databases: a 5-year diary's
    1,826 own entries are not read to find a carer's few."""
    _world(make, family)
    with app.app_context():
        pat = db.session.get(User, family["pat"].id)
        if which == "proxy_days":
            plans = _plans(app, lambda: carers.proxy_days(pat, make.days_ago(30), make.days_ago(0)))
        else:
            plans = _plans(app, lambda: getattr(carers, which)(pat.id))
        on_entries = [plan for plan in plans if "entries" in plan]
        assert on_entries, plans
        assert all("ix_entries_by_others_patient_day" in plan for plan in on_entries), plans
        db.session.rollback()
