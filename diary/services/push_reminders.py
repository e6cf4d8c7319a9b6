"""`send-reminders`: push the daily reminder to every patient whose chosen local time has passed
today and whose today has no entry yet, and the weekly check-in on the days it is due.

Run every few minutes by cron or a systemd timer (docs/operations.md), from one machine or
several at once. Each run walks the patients in batches; a batch is one transaction:

1. claim: the due patients' sent-marker rows (`reminder_marks`), with `FOR UPDATE SKIP LOCKED`
   on PostgreSQL, so a batch another machine is sending is skipped, not sent again. "Due" is
   worked out in SQL against each time zone's local day and time, computed once per run for the
   zones the patients use: their reminder time has passed, the marker is not at today yet, they
   have a subscription. The same statement says whether today has an entry, the latest
   check-in's day and the next scheduled infusion (for the check-in rule of services/checkins);
2. read the claimed patients' subscriptions (one statement);
3. send to all of them, several requests in flight (no database work while sending);
4. write the markers (today, what was sent), delete the subscriptions the push service
   answered 404 or 410 (gone for good), stamp the successful ones, and commit.

A fixed number of statements per batch, whatever the number of devices. The marker is written in
the transaction that holds the claim, so a run that dies before committing leaves the patients
due, and a later run sends to them (the same reminder may then arrive twice, never zero times);
a patient whose every push failed for a passing reason (5xx, 429, no answer) is left due too.
On SQLite one writer holds the database at a time: runs there never overlap.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import requests
from flask import current_app
from pywebpush import WebPusher
from sqlalchemy import (
    Date,
    String,
    Time,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from diary.extensions import db
from diary.models import (
    Entry,
    Infusion,
    PushSubscription,
    ReminderMark,
    User,
    WeeklyCheckin,
    utcnow,
)
from diary.services import checkins, push
from diary.services.local_time import zone_named

log = logging.getLogger(__name__)

GONE = (404, 410)
# The notification on the lock screen says nothing about the patient's health.
ENTRY_TITLE = "Time for your diary"
ENTRY_BODY = "Today has no entry yet. Tap to log today."
ENTRY_AND_CHECKIN_BODY = "Today has no entry yet, and your weekly check-in is due. Tap to log."
CHECKIN_TITLE = "Weekly check-in"
CHECKIN_BODY = "Five short questions about the past week. Tap to answer."


@dataclass(frozen=True)
class Reminder:
    kind: str  # "entry" | "checkin"
    title: str
    body: str
    url: str

    def payload(self) -> bytes:
        return json.dumps(
            {"title": self.title, "body": self.body, "url": self.url, "tag": "diary-reminder"}
        ).encode()


@dataclass(frozen=True)
class Due:
    """A claimed patient: their local day, and what the claim read about it."""

    user_id: int
    timezone: str
    local_day: date
    has_entry: bool
    latest_checkin: date | None
    next_infusion: datetime | None


@dataclass(frozen=True)
class Target:
    subscription_id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass
class RunReport:
    batches: int = 0
    patients: int = 0  # claimed (their day handled)
    reminded: int = 0  # patients sent a reminder
    requests: int = 0  # requests made to push services
    delivered: int = 0  # answered 2xx
    removed: int = 0  # subscriptions deleted (404/410)
    failed: int = 0  # other answers or no answer
    by_kind: dict[str, int] = field(default_factory=dict)


# A function that sends one push and answers the HTTP status (None: no answer).
Sender = Callable[[Target, bytes], int | None]


def reminder_for(due: Due) -> Reminder | None:
    """What the patient is sent on their local day, if anything: the diary when today has no
    entry (mentioning the check-in when it is due too), else the check-in when it is due."""
    upcoming = None
    if due.next_infusion is not None:
        upcoming = due.next_infusion.astimezone(zone_named(due.timezone)).date()
    checkin = checkins.due_from(due.local_day, due.latest_checkin, upcoming).due
    if not due.has_entry:
        body = ENTRY_AND_CHECKIN_BODY if checkin else ENTRY_BODY
        return Reminder("entry", ENTRY_TITLE, body, "/diary")
    if checkin:
        return Reminder("checkin", CHECKIN_TITLE, CHECKIN_BODY, "/diary/checkin")
    return None


def _zones(now: datetime):
    """The local day and time, now, of every zone the candidates use, as a SELECT ... UNION ALL
    (portable; SQLite has no VALUES with column names). None when no one is a candidate."""
    names = db.session.scalars(
        select(User.timezone)
        .join(ReminderMark, ReminderMark.user_id == User.id)
        .where(User.reminder_time.is_not(None))
        .distinct()
    ).all()
    if not names:
        return None
    rows = []
    for name in names:
        local = now.astimezone(zone_named(name))
        rows.append(
            select(
                literal(name, String).label("name"),
                literal(local.date(), Date).label("local_day"),
                literal(local.time().replace(tzinfo=None, microsecond=0), Time).label("local_time"),
            )
        )
    union = rows[0] if len(rows) == 1 else rows[0].union_all(*rows[1:])
    return union.cte("zones")


def _claim(zones, now: datetime, after_user_id: int, limit: int) -> list[Due]:
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: take the database's write lock first (a write that changes
        # nothing), so a second run waits here and then reads the markers this one wrote.
        db.session.execute(ReminderMark.__table__.update().where(false()).values(handled_on=None))
    mark = aliased(ReminderMark)
    today_entry = exists().where(
        Entry.patient_id == mark.user_id,
        Entry.day == zones.c.local_day,
        Entry.deleted_at.is_(None),
    )
    latest_checkin = (
        select(func.max(WeeklyCheckin.day))
        .where(WeeklyCheckin.patient_id == mark.user_id)
        .scalar_subquery()
    )
    next_infusion = (
        select(func.min(Infusion.started_at))
        .where(Infusion.patient_id == mark.user_id, Infusion.started_at > now)
        .scalar_subquery()
    )
    query = (
        select(
            mark.user_id,
            User.timezone,
            zones.c.local_day,
            today_entry.label("has_entry"),
            latest_checkin.label("latest_checkin"),
            next_infusion.label("next_infusion"),
        )
        .join(User, User.id == mark.user_id)
        .join(zones, zones.c.name == User.timezone)
        .where(
            mark.user_id > after_user_id,
            User.active.is_(True),
            User.closed_at.is_(None),
            User.reminder_time.is_not(None),
            User.reminder_time <= zones.c.local_time,
            or_(mark.handled_on.is_(None), mark.handled_on < zones.c.local_day),
            exists().where(PushSubscription.user_id == mark.user_id),
        )
        .order_by(mark.user_id)
        .limit(limit)
        .with_for_update(of=mark, skip_locked=True)
    )
    return [
        Due(
            user_id=row.user_id,
            timezone=row.timezone,
            local_day=_as_date(row.local_day),
            has_entry=bool(row.has_entry),
            latest_checkin=_as_date(row.latest_checkin),
            next_infusion=row.next_infusion,
        )
        for row in db.session.execute(query)
    ]


def _as_date(value) -> date | None:
    # SQLite returns a literal's date (the zones' CTE) as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _targets(user_ids: Iterable[int]) -> list[Target]:
    rows = db.session.execute(
        select(
            PushSubscription.id,
            PushSubscription.user_id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
        )
        .where(PushSubscription.user_id.in_(list(user_ids)))
        .order_by(PushSubscription.id)
    )
    return [Target(*row) for row in rows]


class WebPushSender:
    """Sends one reminder with pywebpush: encrypted (aes128gcm) to the subscription's keys,
    signed with the server's VAPID key (one signature per push service per run), through a
    connection pool per thread."""

    def __init__(self) -> None:
        config = current_app.config
        self.vapid = push.vapid()
        if self.vapid is None:
            raise RuntimeError("VAPID_PRIVATE_KEY and VAPID_SUBJECT are not set")
        self.subject = config["VAPID_SUBJECT"]
        self.ttl = int(config["PUSH_TTL_SECONDS"])
        self.timeout = float(config["PUSH_TIMEOUT_SECONDS"])
        self._headers: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _vapid_headers(self, endpoint: str) -> dict[str, str]:
        url = urlsplit(endpoint)
        audience = f"{url.scheme}://{url.netloc}"
        with self._lock:
            if audience not in self._headers:
                claims = {"sub": self.subject, "aud": audience, "exp": _expiry()}
                self._headers[audience] = self.vapid.sign(claims)
            return self._headers[audience]

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def __call__(self, target: Target, payload: bytes) -> int | None:
        headers = dict(self._vapid_headers(target.endpoint))
        headers["Urgency"] = "normal"
        headers["Topic"] = "diary-reminder"  # an undelivered older reminder is replaced
        subscription = {
            "endpoint": target.endpoint,
            "keys": {"p256dh": target.p256dh, "auth": target.auth},
        }
        try:
            response = WebPusher(subscription, requests_session=self._session()).send(
                payload, headers, ttl=self.ttl, timeout=self.timeout
            )
        except (requests.RequestException, ValueError) as exc:
            log.warning("push to %s failed: %s", urlsplit(target.endpoint).netloc, exc)
            return None
        return response.status_code


def _expiry() -> int:
    return int((utcnow() + timedelta(hours=12)).timestamp())


def send_due_reminders(
    *,
    now: datetime | None = None,
    sender: Sender | None = None,
    batch_size: int | None = None,
    threads: int | None = None,
) -> RunReport:
    """Send every reminder due now (see the module's docstring). Commits once per batch."""
    now = now or utcnow()
    config = current_app.config
    batch_size = batch_size or int(config["PUSH_BATCH_SIZE"])
    threads = threads or int(config["PUSH_SEND_THREADS"])
    sender = sender or WebPushSender()
    report = RunReport()
    zones = _zones(now)
    if zones is None:
        db.session.rollback()
        return report
    after = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            claimed = _claim(zones, now, after, batch_size)
            if not claimed:
                db.session.commit()  # ends the last (empty) claim's transaction
                break
            after = claimed[-1].user_id
            _send_batch(claimed, now, sender, pool, report)
            db.session.commit()
            report.batches += 1
    return report


def _send_batch(claimed: list[Due], now, sender: Sender, pool, report: RunReport) -> None:
    reminders = {due.user_id: reminder_for(due) for due in claimed}
    to_remind = [user_id for user_id, reminder in reminders.items() if reminder]
    targets = _targets(to_remind) if to_remind else []
    payloads = {user_id: r.payload() for user_id, r in reminders.items() if r}
    statuses = list(pool.map(lambda t: sender(t, payloads[t.user_id]), targets))

    delivered_ids, gone_ids = [], []
    outcome: dict[int, set[str]] = {}
    for target, status in zip(targets, statuses, strict=True):
        if status is not None and 200 <= status < 300:
            delivered_ids.append(target.subscription_id)
            outcome.setdefault(target.user_id, set()).add("delivered")
        elif status in GONE:
            gone_ids.append(target.subscription_id)
            outcome.setdefault(target.user_id, set()).add("gone")
        else:
            outcome.setdefault(target.user_id, set()).add("failed")
            if status is not None:
                log.warning("push service answered %s", status)
    report.requests += len(targets)
    report.delivered += len(delivered_ids)
    report.removed += len(gone_ids)
    report.failed += len(targets) - len(delivered_ids) - len(gone_ids)

    marks = []
    for due in claimed:
        reminder = reminders[due.user_id]
        results = outcome.get(due.user_id, set())
        if reminder and results == {"failed"}:
            continue  # every device failed for a passing reason: due again at the next run
        sent = reminder is not None and "delivered" in results
        marks.append(
            {
                "user_id": due.user_id,
                "handled_on": due.local_day,
                "sent_kind": reminder.kind if sent else None,
                "sent_at": now if sent else None,
            }
        )
        report.patients += 1
        if sent:
            report.reminded += 1
            report.by_kind[reminder.kind] = report.by_kind.get(reminder.kind, 0) + 1
    if marks:
        db.session.execute(update(ReminderMark), marks)
    if gone_ids:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone_ids)))
    if delivered_ids:
        db.session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(delivered_ids))
            .values(last_success_at=now)
        )
