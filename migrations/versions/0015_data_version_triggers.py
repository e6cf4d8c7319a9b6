"""patient data version kept by the database: triggers raise it with every changed row

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

SQLite has row triggers only, written per table and event. PostgreSQL has one function for
the entries, one for the other tables, and a BEFORE UPDATE trigger on users that sets the
counters in the row being written.

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


_PG_ENTRIES = f"""
CREATE FUNCTION diary_entries_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff date := (now() AT TIME ZONE 'UTC')::date - {HISTORY_AFTER_DAYS};
    past integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        past := CASE WHEN NEW.day >= cutoff THEN 0 ELSE 1 END;
        UPDATE users SET data_version = data_version + 1, history_version = history_version + past
        WHERE id = NEW.patient_id;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        past := CASE WHEN OLD.day >= cutoff THEN 0 ELSE 1 END;
        UPDATE users SET data_version = data_version + 1, history_version = history_version + past
        WHERE id = OLD.patient_id;
        RETURN NULL;
    END IF;
    past := CASE WHEN NEW.day >= cutoff AND OLD.day >= cutoff THEN 0 ELSE 1 END;
    UPDATE users SET data_version = data_version + 1, history_version = history_version + past
    WHERE id IN (NEW.patient_id, OLD.patient_id);
    RETURN NULL;
END
$$
"""

_PG_OTHERS = """
CREATE FUNCTION diary_patient_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET data_version = data_version + 1, history_version = history_version + 1
        WHERE id = NEW.patient_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE users SET data_version = data_version + 1, history_version = history_version + 1
        WHERE id = OLD.patient_id;
    ELSE
        UPDATE users SET data_version = data_version + 1, history_version = history_version + 1
        WHERE id IN (NEW.patient_id, OLD.patient_id);
    END IF;
    RETURN NULL;
END
$$
"""

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
    op.execute(_PG_ENTRIES)
    op.execute(_PG_OTHERS)
    op.execute(_PG_USERS)
    op.execute(
        'CREATE TRIGGER entries_data_version AFTER INSERT OR UPDATE OR DELETE ON entries '
        'FOR EACH ROW EXECUTE FUNCTION diary_entries_data_version()'
    )
    for table in OTHER_TABLES:
        op.execute(
            f'CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} '
            'FOR EACH ROW EXECUTE FUNCTION diary_patient_data_version()'
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
        'diary_entries_data_version',
        'diary_patient_data_version',
        'diary_users_timezone_version',
    ):
        op.execute(f'DROP FUNCTION IF EXISTS {function}()')


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
