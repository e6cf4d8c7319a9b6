"""a session's time zone: the patient's, kept when the patient changes theirs

A session's local day (the review's courses, baselines and day 0, the dashboard's last course)
was read from its UTC start in the patient's current zone. A patient who moved or travelled and
changed their zone (London to Auckland) then had every past session moved: one at 14:00 UTC on
10 March became 11 March, its baseline week took in the infusion day and week 1 shifted, while
the diary's entries kept the days they were made on.

infusions.timezone (NULL: the patient's current zone) and a trigger on users: when a user's
zone changes, each of their sessions without a zone of its own is given the old one, in the
same statement, from wherever the change comes (the settings page, the CLI, SQL). The
sessions' own data-version triggers (0015) then raise the patient's counters, as the zone
change does.

ALTER TABLE in place on both databases: SQLite adds and drops a column so (3.35 and later), and
the table's triggers (0015, 0016) stay; a batch migration would rebuild the table without them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_SQLITE_TRIGGER = """
CREATE TRIGGER users_keep_session_zones AFTER UPDATE OF timezone ON users
WHEN OLD.timezone IS NOT NEW.timezone
BEGIN
    UPDATE infusions SET timezone = coalesce(OLD.timezone, 'UTC')
    WHERE patient_id = NEW.id AND timezone IS NULL;
END
"""

_PG_FUNCTION = """
CREATE FUNCTION diary_keep_session_zones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE infusions SET timezone = coalesce(OLD.timezone, 'UTC')
    WHERE patient_id = NEW.id AND timezone IS NULL;
    RETURN NULL;
END
$$
"""

_PG_TRIGGER = (
    'CREATE TRIGGER users_keep_session_zones AFTER UPDATE OF timezone ON users '
    'FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) '
    'EXECUTE FUNCTION diary_keep_session_zones()'
)


def upgrade():
    op.execute('ALTER TABLE infusions ADD COLUMN timezone VARCHAR(64)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS users_keep_session_zones ON users')
        op.execute('DROP FUNCTION IF EXISTS diary_keep_session_zones()')
    else:
        op.execute('DROP TRIGGER IF EXISTS users_keep_session_zones')
    op.execute('ALTER TABLE infusions DROP COLUMN timezone')
