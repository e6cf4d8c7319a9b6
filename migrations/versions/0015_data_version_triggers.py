"""patient data version kept by the database: triggers raise it with every change

Until now the application raised users.data_version (and history_version) from SQLAlchemy
session events: one more UPDATE sent by every request that saved an entry, and writes through
a raw connection had to remember to do it themselves. These triggers do it inside the
database, in the statement's own transaction, for every write from anywhere:

- entries: every inserted, updated or deleted row raises its patient's data version; the
  history version too when the row's day (before or after the change) is more than 35 days
  before today in UTC, or is missing (services/data_version.HISTORY_AFTER_DAYS: a test checks
  the two agree);
- infusions, weekly_checkins, treatments: every changed row raises both counters;
- users: a changed time zone raises both counters of that user.

SQLite's row triggers, written per table and event, raise the counters by one for each changed
row. PostgreSQL's raise them once per transaction and patient (see below): both only promise
that the counters differ after a change. A BEFORE UPDATE trigger on PostgreSQL's users sets
the counters in the row being written when the time zone changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 07:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# Frozen here: a migration must not change when the application's constant does.
HISTORY_AFTER_DAYS = 35
OTHER_TABLES = ('infusions', 'weekly_checkins', 'treatments')
EVENTS = ('INSERT', 'UPDATE', 'DELETE')


def _sqlite_entry_past(event):
    """1 when the row's day(s) reach further back than the cutoff (or are missing), else 0."""
    cutoff = f"date('now', '-{HISTORY_AFTER_DAYS} days')"
    days = {'INSERT': ['NEW.day'], 'UPDATE': ['NEW.day', 'OLD.day'], 'DELETE': ['OLD.day']}
    recent = ' AND '.join(f'{day} >= {cutoff}' for day in days[event])
    return f'CASE WHEN {recent} THEN 0 ELSE 1 END'


def _sqlite_patients(event):
    if event == 'INSERT':
        return 'NEW.patient_id'
    if event == 'DELETE':
        return 'OLD.patient_id'
    return 'NEW.patient_id, OLD.patient_id'


def _sqlite_upgrade():
    for event in EVENTS:
        op.execute(
            f'CREATE TRIGGER entries_data_version_{event.lower()} AFTER {event} ON entries '
            'BEGIN UPDATE users SET data_version = data_version + 1, '
            f'history_version = history_version + {_sqlite_entry_past(event)} '
            f'WHERE id IN ({_sqlite_patients(event)}); END'
        )
        for table in OTHER_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table} '
                'BEGIN UPDATE users SET data_version = data_version + 1, '
                'history_version = history_version + 1 '
                f'WHERE id IN ({_sqlite_patients(event)}); END'
            )
    op.execute(
        'CREATE TRIGGER users_data_version_timezone AFTER UPDATE OF timezone ON users '
        'WHEN OLD.timezone IS NOT NEW.timezone '
        'BEGIN UPDATE users SET data_version = data_version + 1, '
        'history_version = history_version + 1 WHERE id = NEW.id; END'
    )


def _sqlite_downgrade():
    for event in EVENTS:
        for table in ('entries', *OTHER_TABLES):
            op.execute(f'DROP TRIGGER IF EXISTS {table}_data_version_{event.lower()}')
    op.execute('DROP TRIGGER IF EXISTS users_data_version_timezone')


# PostgreSQL: row triggers that raise a patient's counters once per transaction. PostgreSQL
# keeps every version of a row updated many times in one transaction, so updating the patient's
# row for each of thousands of imported entries slowed the import down with every row (and a
# statement trigger is no better: each row of an executemany is a statement of its own). The
# transaction's first change of a patient raises their data version (and their history version
# if it reaches the past); a later change of the same transaction that reaches the past when
# the first did not raises the history version; nothing else updates the row again. What was
# done is noted in a setting local to the transaction (set_config(..., true)): a commit or a
# rollback, of the transaction or of a savepoint, forgets it with the UPDATE it stands for.
_PG_BUMP = """
CREATE FUNCTION diary_bump_versions(patient integer, past boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    noted text := 'diary.versions_' || patient;
    done text := coalesce(current_setting(noted, true), '');
BEGIN
    IF done = '' THEN
        UPDATE users SET data_version = data_version + 1,
                         history_version = history_version + CASE WHEN past THEN 1 ELSE 0 END
        WHERE id = patient;
        PERFORM set_config(noted, CASE WHEN past THEN 'data,history' ELSE 'data' END, true);
    ELSIF done = 'data' AND past THEN
        UPDATE users SET history_version = history_version + 1 WHERE id = patient;
        PERFORM set_config(noted, 'data,history', true);
    END IF;
END
$$
"""

_PG_ENTRIES = f"""
CREATE FUNCTION diary_entries_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff date := (now() AT TIME ZONE 'UTC')::date - {HISTORY_AFTER_DAYS};
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM diary_bump_versions(NEW.patient_id, NOT coalesce(NEW.day >= cutoff, false));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM diary_bump_versions(OLD.patient_id, NOT coalesce(OLD.day >= cutoff, false));
    ELSE
        PERFORM diary_bump_versions(
            NEW.patient_id, NOT coalesce(NEW.day >= cutoff AND OLD.day >= cutoff, false));
        IF OLD.patient_id IS DISTINCT FROM NEW.patient_id THEN
            PERFORM diary_bump_versions(OLD.patient_id, true);
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

_PG_OTHERS = """
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

_PG_FUNCTIONS = {
    'entries': 'diary_entries_data_version',
    **{table: 'diary_patient_data_version' for table in OTHER_TABLES},
}

_PG_USERS = """
CREATE FUNCTION diary_users_timezone_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.data_version := NEW.data_version + 1;
    NEW.history_version := NEW.history_version + 1;
    RETURN NEW;
END
$$
"""


def _pg_upgrade():
    for function in (_PG_BUMP, _PG_ENTRIES, _PG_OTHERS, _PG_USERS):
        op.execute(function)
    for table, function in _PG_FUNCTIONS.items():
        op.execute(
            f'CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} '
            f'FOR EACH ROW EXECUTE FUNCTION {function}()'
        )
    op.execute(
        'CREATE TRIGGER users_data_version_timezone BEFORE UPDATE OF timezone ON users '
        'FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) '
        'EXECUTE FUNCTION diary_users_timezone_version()'
    )


def _pg_downgrade():
    for table in ('entries', *OTHER_TABLES):
        op.execute(f'DROP TRIGGER IF EXISTS {table}_data_version ON {table}')
    op.execute('DROP TRIGGER IF EXISTS users_data_version_timezone ON users')
    for function in (
        'diary_entries_data_version()',
        'diary_patient_data_version()',
        'diary_users_timezone_version()',
        'diary_bump_versions(integer, boolean)',
    ):
        op.execute(f'DROP FUNCTION IF EXISTS {function}')


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
