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
an entry whose day (before or after the change) is more than HISTORY_AFTER_DAYS days before
today in UTC, or has none; an infusion, a check-in, a treatment; the time zone. The review keeps
what it computed from the days before a boundary at least that far back under this counter
(services/review/history.py): a new or edited entry of a recent day, the common change, leaves
it valid. The days only move forward, so a boundary chosen on an earlier day is still at least
HISTORY_AFTER_DAYS back on every later day.

The triggers hold their own copy of HISTORY_AFTER_DAYS (a migration does not change with the
code): tests/test_data_version.py checks that they raise the history version exactly for the
days before history_cutoff(). A migration that rebuilds one of these tables on SQLite (a batch
"move and copy") drops its triggers and must create them again; the same tests would fail.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from diary.models import utcnow

# Entries of days this recent (counted back from today in UTC) leave the history version alone.
HISTORY_AFTER_DAYS = 35


def history_cutoff(now: datetime | None = None) -> date:
    """Entries of days before this one raise the history version when they change."""
    return (now or utcnow()).date() - timedelta(days=HISTORY_AFTER_DAYS)
