"""Each patient's data version: a counter on the patient's row that goes up in the same
transaction as any change to their entries, infusions, check-ins or other treatments, or to
the setting the review reads (their time zone).

Computed reviews are cached under a key holding it (diary.services.review_cache), so a change
committed through one worker is on every worker's next review: the key has moved on, and the old
entry is never read again. The database keeps the counter (migration 0015): triggers raise it
inside the statement that inserts, updates or deletes a row of those tables, so no service,
bulk statement, raw connection, migration or console session can change a diary without it. A
request that saves an entry sends only its INSERT. The counter only promises to differ after
a change: SQLite's triggers raise it by one per changed row, PostgreSQL's once per transaction
and patient (and the history version once more if a later change of the transaction reaches
the past when the first did not), so an import of thousands of rows updates the patient's
row once.

A second counter, the history version, goes up with it whenever a change may reach the past:
a row of entries, check-ins or treatments whose day (before or after the change) is before
history_cutoff() (HISTORY_AFTER_DAYS days before today in UTC), or has none; an infusion that
starts (before or after the change) before session_cutoff(), or has no start; the time zone
(migrations 0015 and 0016). An infusion has an instant, not a day: its local day, which the
review reads, is at most a day before its day in UTC (time zones run from UTC-12 to UTC+14),
so the instant is the start of the UTC day after the cutoff: every session of a local day
before history_cutoff() is a history change, and so may be one of the cutoff day or the day
after, by its zone (one bump too many only makes a review slower; one missed would make it
wrong). The review keeps what it computed from the days before a boundary at least that far
back under this counter (services/review/history.py): a new or edited entry, check-in,
treatment or infusion session of a recent day, the common change, leaves it valid. The days
only move forward, so a boundary chosen on an earlier day is still at least HISTORY_AFTER_DAYS
back on every later day.

The triggers hold their own copy of HISTORY_AFTER_DAYS (a migration does not change with the
code): tests/test_data_version.py checks that they raise the history version exactly for the
days before history_cutoff() and the sessions starting before session_cutoff(). A migration
that rebuilds one of these tables on SQLite (a batch "move and copy") drops its triggers and
must create them again; the same tests would fail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from diary.models import utcnow

# Entries, check-ins and treatments of days this recent (counted back from today in UTC) leave
# the history version alone.
HISTORY_AFTER_DAYS = 35


def history_cutoff(now: datetime | None = None) -> date:
    """Entries, check-ins and treatments of days before this one raise the history version
    when they change."""
    return (now or utcnow()).date() - timedelta(days=HISTORY_AFTER_DAYS)


def session_cutoff(now: datetime | None = None) -> datetime:
    """Infusions that start before this instant raise the history version when they change:
    00:00 UTC of the day after history_cutoff(now), so that a session whose local day is before
    history_cutoff(now) always does, whatever the patient's time zone (module docstring)."""
    return datetime.combine(history_cutoff(now) + timedelta(days=1), time(), UTC)
