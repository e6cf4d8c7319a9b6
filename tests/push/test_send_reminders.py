"""`send-reminders` against a local fake push service: what leaves the server is encrypted to the
browser's keys and signed with the server's VAPID key, reaches the right patients at their own
local time, never twice, and forgets the devices the push service says are gone."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from diary import codes
from diary.extensions import db
from diary.models import PushSubscription, ReminderMark, Role, User, WeeklyCheckin
from diary.services import push, push_reminders

# 25 Nov 2026, 09:30 UTC: 19:30 in Brisbane (UTC+10 all year), 09:30 in London.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def subscribe(app, patient: User, keys, endpoint: str) -> None:
    with app.app_context():
        user = db.session.get(User, patient.id)
        push.subscribe(
            user, keys.subscription(endpoint), user_agent="Mozilla/5.0 (Android) Chrome/140"
        )


def run(app, **kwargs) -> push_reminders.RunReport:
    with app.app_context():
        return push_reminders.send_due_reminders(now=kwargs.pop("now", NOW), **kwargs)


def checked_in_recently(app, patient: User) -> None:
    """A check-in two days ago, so the weekly check-in is not due on NOW's day."""
    with app.app_context():
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=date(2026, 11, 23),
                recorded_at=NOW - timedelta(days=2),
                promis_pi={item.code: 2 for item in codes.PROMIS_PI_4A_ITEMS},
                pgic=3,
            )
        )
        db.session.commit()


def test_a_due_patient_gets_a_push_the_browser_decrypts(
    app, make, push_service, vapid, browser_keys
):
    """Brisbane patient, reminder 19:00, local time 19:30, no entry today: one push, readable
    only with the subscription's private key, saying what to do and opening /diary."""
    patient = make.patient(timezone="Australia/Brisbane", reminder_time=time(19, 0))
    checked_in_recently(app, patient)
    keys = browser_keys()
    subscribe(app, patient, keys, push_service.endpoint("phone"))

    report = run(app)

    assert report.reminded == 1 and report.delivered == 1
    [request] = push_service.received
    assert request.path == "/push/phone"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert int(request.headers["ttl"]) == app.config["PUSH_TTL_SECONDS"]
    assert vapid["verify"](request.headers["authorization"])
    assert vapid["public"] in request.headers["authorization"]
    payload = keys.decrypt(request.body)
    assert payload["title"] == "Time for your diary"
    assert payload["url"] == "/diary"
    assert "no entry" in payload["body"]
    with app.app_context():
        mark = db.session.get(ReminderMark, patient.id)
        assert (mark.handled_on, mark.sent_kind) == (date(2026, 11, 25), "entry")
        assert db.session.scalar(select(PushSubscription.last_success_at)) == NOW


def test_every_device_of_the_patient_gets_it(app, make, push_service, vapid, browser_keys):
    patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
    checked_in_recently(app, patient)
    phone, tablet = browser_keys(), browser_keys()
    subscribe(app, patient, phone, push_service.endpoint("phone"))
    subscribe(app, patient, tablet, push_service.endpoint("tablet"))

    run(app)

    by_path = {r.path: r for r in push_service.received}
    assert phone.decrypt(by_path["/push/phone"].body)["url"] == "/diary"
    assert tablet.decrypt(by_path["/push/tablet"].body)["url"] == "/diary"


def test_time_zones_decide_who_is_due(app, make, push_service, vapid, browser_keys):
    """At 09:30 UTC a 19:00 reminder has passed in Brisbane (19:30, UTC+10) and not in London
    (09:30): only the Brisbane patient is pushed. At 19:05 UTC London's turn comes, and
    Brisbane (05:05 on the 26th, before 19:00) still gets nothing more."""
    brisbane = make.patient(timezone="Australia/Brisbane", reminder_time=time(19, 0))
    london = make.patient(timezone="Europe/London", reminder_time=time(19, 0))
    for patient, name in ((brisbane, "brisbane"), (london, "london")):
        checked_in_recently(app, patient)
        subscribe(app, patient, browser_keys(), push_service.endpoint(name))

    run(app)
    assert push_service.paths() == ["/push/brisbane"]

    run(app, now=datetime(2026, 11, 25, 19, 5, tzinfo=UTC))
    assert push_service.paths() == ["/push/brisbane", "/push/london"]


def test_no_reminder_once_today_has_an_entry(app, make, push_service, vapid, browser_keys):
    """Today is the patient's own: in Brisbane it is already the 25th, so an entry for the
    25th silences the reminder, and an entry for the 24th (yesterday there) does not."""
    logged = make.patient(timezone="Australia/Brisbane", reminder_time=time(19, 0))
    yesterday_only = make.patient(timezone="Australia/Brisbane", reminder_time=time(19, 0))
    make.entry(logged, date(2026, 11, 25))
    make.entry(yesterday_only, date(2026, 11, 24))
    for patient, name in ((logged, "logged"), (yesterday_only, "yesterday")):
        checked_in_recently(app, patient)
        subscribe(app, patient, browser_keys(), push_service.endpoint(name))

    report = run(app)

    assert push_service.paths() == ["/push/yesterday"]
    assert report.patients == 2  # both days handled: the logged patient is not asked again
    assert run(app).patients == 0


def test_the_checkin_is_pushed_on_its_day_when_the_entry_is_done(
    app, make, push_service, vapid, browser_keys
):
    """An entry today but no check-in ever: the weekly check-in is due, so that is pushed, and
    its tap opens the check-in."""
    patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
    make.entry(patient, date(2026, 11, 25))
    keys = browser_keys()
    subscribe(app, patient, keys, push_service.endpoint("phone"))

    report = run(app)

    payload = keys.decrypt(push_service.received[0].body)
    assert (payload["title"], payload["url"]) == ("Weekly check-in", "/diary/checkin")
    assert report.by_kind == {"checkin": 1}


def test_the_checkin_is_pushed_before_a_scheduled_infusion(
    app, make, push_service, vapid, browser_keys
):
    """Checked in 2 days ago (the weekly one is not due), today logged, an infusion scheduled
    in 2 days: the check-in before the infusion is due (services/checkins), so it is pushed.
    Without the infusion nothing is sent."""
    clinician = make.clinician()
    booked = make.patient(timezone="UTC", reminder_time=time(9, 0))
    not_booked = make.patient(timezone="UTC", reminder_time=time(9, 0))
    for patient, name in ((booked, "booked"), (not_booked, "not-booked")):
        make.entry(patient, date(2026, 11, 25))
        checked_in_recently(app, patient)
        subscribe(app, patient, browser_keys(), push_service.endpoint(name))
    make.infusion(booked, clinician, date(2026, 11, 27))

    report = run(app)

    assert push_service.paths() == ["/push/booked"]
    assert report.by_kind == {"checkin": 1}


def test_no_entry_and_checkin_due_is_one_push_naming_both(
    app, make, push_service, vapid, browser_keys
):
    patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
    keys = browser_keys()
    subscribe(app, patient, keys, push_service.endpoint("phone"))

    run(app)

    [request] = push_service.received
    payload = keys.decrypt(request.body)
    assert payload["url"] == "/diary"
    assert "check-in" in payload["body"]


def test_a_second_run_sends_nothing_again(app, make, push_service, vapid, browser_keys):
    patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
    subscribe(app, patient, browser_keys(), push_service.endpoint("phone"))

    assert run(app).requests == 1
    assert run(app).requests == 0
    assert run(app, now=NOW + timedelta(hours=3)).requests == 0
    assert len(push_service.received) == 1
    # The next local day it is due again.
    assert run(app, now=NOW + timedelta(days=1)).requests == 1


def test_concurrent_runs_send_each_reminder_once(app, make, push_service, vapid, browser_keys):
    """Two runs at once (two machines), small batches and a slow push service so that they
    overlap: every device receives exactly one push."""
    push_service.delay = 0.02
    names = []
    for n in range(24):
        patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
        names.append(f"/push/p{n}")
        subscribe(app, patient, browser_keys(), push_service.endpoint(f"p{n}"))
    reports = []
    start = threading.Barrier(2)

    def machine():
        start.wait()
        reports.append(run(app, batch_size=4, threads=2))

    runs = [threading.Thread(target=machine) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)

    assert sorted(push_service.paths()) == sorted(names)
    assert sum(r.requests for r in reports) == 24
    assert run(app).requests == 0


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_removed(app, make, push_service, vapid, browser_keys, status):
    patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
    subscribe(app, patient, browser_keys(), push_service.endpoint("old-phone"))
    subscribe(app, patient, browser_keys(), push_service.endpoint("new-phone"))
    push_service.statuses["/push/old-phone"] = status

    report = run(app)

    assert (report.removed, report.delivered) == (1, 1)
    with app.app_context():
        left = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert left == [push_service.endpoint("new-phone")]


def test_a_passing_failure_is_tried_again_at_the_next_run(
    app, make, push_service, vapid, browser_keys
):
    """The push service answered 503: the subscription stays and the patient is still due."""
    patient = make.patient(timezone="UTC", reminder_time=time(9, 0))
    subscribe(app, patient, browser_keys(), push_service.endpoint("phone"))
    push_service.statuses["/push/phone"] = 503

    assert run(app).failed == 1
    push_service.statuses.clear()
    report = run(app, now=NOW + timedelta(minutes=5))

    assert (report.delivered, report.removed) == (1, 0)
    assert len(push_service.received) == 2


def test_no_push_without_a_reminder_time_or_for_a_closed_account(
    app, make, push_service, vapid, browser_keys
):
    no_time = make.patient(timezone="UTC")
    inactive = make.patient(timezone="UTC", reminder_time=time(9, 0), active=False)
    subscribe(app, no_time, browser_keys(), push_service.endpoint("no-time"))
    subscribe(app, inactive, browser_keys(), push_service.endpoint("inactive"))

    assert run(app).requests == 0
    assert push_service.received == []


def test_statements_do_not_grow_with_subscriptions(
    app, make, push_service, vapid, browser_keys, count_queries
):
    """The statements of a run depend on the number of batches, not of devices: 300 devices in
    one batch take as many as 3; in batches of 100, three times a batch's share more."""
    keys = browser_keys()

    def seed(count: int, first: int) -> None:
        with app.app_context():
            users = [
                User(
                    email=f"bulk{first + n}@example.test",
                    password_hash="!",
                    role=Role.PATIENT,
                    display_name="Bulk",
                    timezone=("UTC", "Australia/Brisbane", "America/New_York")[n % 3],
                    reminder_time=time(0, 0),
                )
                for n in range(count)
            ]
            db.session.add_all(users)
            db.session.flush()
            db.session.add_all(
                PushSubscription(
                    user_id=u.id,
                    endpoint=push_service.endpoint(f"bulk{u.id}"),
                    p256dh=keys.p256dh,
                    auth=keys.auth,
                    user_agent="",
                )
                for u in users
            )
            db.session.add_all(ReminderMark(user_id=u.id) for u in users)
            db.session.commit()

    def statements(**kwargs) -> int:
        with count_queries() as counter:
            report = run(app, now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC), **kwargs)
        return counter.count, report

    seed(3, 0)
    few, report = statements(batch_size=500)
    assert report.delivered == 3
    with app.app_context():
        db.session.execute(ReminderMark.__table__.update().values(handled_on=None))
        db.session.commit()
    seed(297, 3)
    many, report = statements(batch_size=500)
    assert report.delivered == 300
    assert many == few

    with app.app_context():
        db.session.execute(ReminderMark.__table__.update().values(handled_on=None))
        db.session.commit()
    batched, report = statements(batch_size=100)
    assert report.batches == 3 and report.delivered == 300
    per_batch = (batched - few) // 2
    assert batched == few + 2 * per_batch
    assert per_batch <= 6
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 300
