"""recent sessions, check-ins and treatments leave the history version alone

Migration 0015's triggers raised the history version for every change to infusions,
weekly_checkins and treatments, so the weekly check-in, every new session and every treatment
threw away what the review keeps of a patient's older days (services/review/history.py), and
the clinician's next review, their usual one before an infusion, was computed from nothing.
These triggers raise it by the same rule as the entries' (services/data_version.py):

- weekly_checkins, treatments: when the row's day (before or after the change) is more than 35
  days before today in UTC, or is missing (data_version.history_cutoff());
- infusions: when the row's start (before or after the change) is on a UTC day 35 days before
  today or earlier, or is missing (data_version.session_cutoff()). The review reads a session's
  local day, at most a day before its UTC day: so every session of a local day before the
  cutoff raises it, and some of the cutoff day or the next, by their zone (a bump too many only
  makes a review slower; one missed would make it wrong).

The data version still goes up with every change. PostgreSQL keeps 0015's once per transaction
and patient (diary_bump_versions); moving a row to another patient raises the history version
of the one it left, as for entries. Downgrade: 0015's triggers again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Frozen here: a migration must not change when the application's constant does.
HISTORY_AFTER_DAYS = 35
DATED_TABLES = ('weekly_checkins', 'treatments')
TABLES = ('infusions', *DATED_TABLES)
EVENTS = ('INSERT', 'UPDATE', 'DELETE')
ROWS = {'INSERT': ['NEW'], 'UPDATE': ['NEW', 'OLD'], 'DELETE': ['OLD']}


def _sqlite_recent(table, row):
    """SQL true when this row (NEW or OLD) is recent: a NULL or unreadable day or start makes
    it NULL, which the CASE below counts as the past."""
    cutoff = f"date('now', '-{HISTORY_AFTER_DAYS} days')"
    if table == 'infusions':
        return f'date({row}.started_at) > {cutoff}'
    return f'{row}.day >= {cutoff}'


def _sqlite_past(table, event):
    """1 when the row's day(s) or start(s) reach back before the cutoff (or are missing)."""
    recent = ' AND '.join(_sqlite_recent(table, row) for row in ROWS[event])
    return f'CASE WHEN {recent} THEN 0 ELSE 1 END'


def _sqlite_patients(event):
    return ', '.join(f'{row}.patient_id' for row in ROWS[event])


def _sqlite_create(table, event, past):
    op.execute(
        f'CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table} '
        'BEGIN UPDATE users SET data_version = data_version + 1, '
        f'history_version = history_version + {past} '
        f'WHERE id IN ({_sqlite_patients(event)}); END'
    )


def _sqlite_drop():
    for table in TABLES:
        for event in EVENTS:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_data_version_{event.lower()}')


def _sqlite_upgrade():
    _sqlite_drop()
    for table in TABLES:
        for event in EVENTS:
            _sqlite_create(table, event, _sqlite_past(table, event))


def _sqlite_downgrade():
    _sqlite_drop()
    for table in TABLES:
        for event in EVENTS:
            _sqlite_create(table, event, '1')


# PostgreSQL: one trigger function per kind of row, each raising the counters through 0015's
# diary_bump_versions (once per transaction and patient). `recent` is the test on a row.
_PG_FUNCTION = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff date := (now() AT TIME ZONE 'UTC')::date - {days};
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM diary_bump_versions(NEW.patient_id, NOT coalesce({new}, false));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM diary_bump_versions(OLD.patient_id, NOT coalesce({old}, false));
    ELSE
        PERFORM diary_bump_versions(NEW.patient_id, NOT coalesce({new} AND {old}, false));
        IF OLD.patient_id IS DISTINCT FROM NEW.patient_id THEN
            PERFORM diary_bump_versions(OLD.patient_id, true);
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""


def _pg_function(name, recent):
    return _PG_FUNCTION.format(
        name=name,
        days=HISTORY_AFTER_DAYS,
        new=recent.format(row='NEW'),
        old=recent.format(row='OLD'),
    )


_PG_FUNCTIONS = {
    # A session's UTC day after the cutoff: its local day is at least the cutoff day.
    'diary_infusions_data_version': "({row}.started_at AT TIME ZONE 'UTC')::date > cutoff",
    'diary_dated_row_data_version': '{row}.day >= cutoff',
}
_PG_TRIGGERS = {
    'infusions': 'diary_infusions_data_version',
    **{table: 'diary_dated_row_data_version' for table in DATED_TABLES},
}

# 0015's function for these tables, as it was (for the downgrade).
_PG_0015_OTHERS = """
CREATE FUNCTION diary_patient_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM diary_bump_versions(OLD.patient_id, true);
        RETURN NULL;
    END IF;
    PERFORM diary_bump_versions(NEW.patient_id, true);
    IF TG_OP = 'UPDATE' AND OLD.patient_id IS DISTINCT FROM NEW.patient_id THEN
        PERFORM diary_bump_versions(OLD.patient_id, true);
    END IF;
    RETURN NULL;
END
$$
"""


def _pg_create_triggers(function_of):
    for table in TABLES:
        op.execute(
            f'CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} '
            f'FOR EACH ROW EXECUTE FUNCTION {function_of[table]}()'
        )


def _pg_drop_triggers():
    for table in TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS {table}_data_version ON {table}')


def _pg_upgrade():
    _pg_drop_triggers()
    op.execute('DROP FUNCTION IF EXISTS diary_patient_data_version()')
    for name, recent in _PG_FUNCTIONS.items():
        op.execute(_pg_function(name, recent))
    _pg_create_triggers(_PG_TRIGGERS)


def _pg_downgrade():
    _pg_drop_triggers()
    for name in _PG_FUNCTIONS:
        op.execute(f'DROP FUNCTION IF EXISTS {name}()')
    op.execute(_PG_0015_OTHERS)
    _pg_create_triggers(dict.fromkeys(TABLES, 'diary_patient_data_version'))


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _pg_downgrade()
    else:
        _sqlite_downgrade()
