"""Subscribing a device to push reminders (the patient's reminder settings), unsubscribing, the
commands that make keys and send, and closing an account taking the devices with it."""

from __future__ import annotations

import re
from datetime import time

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import PushSubscription, ReminderMark, User
from diary.services import closing, push
from tests.factories import login

SUBSCRIBE = "/api/v1/me/push/subscriptions"
UNSUBSCRIBE = "/api/v1/me/push/unsubscribe"
FCM = "https://fcm.googleapis.com/fcm/send/"


def endpoints(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(PushSubscription.user_id, PushSubscription.endpoint).order_by(
                    PushSubscription.id
                )
            )
        ]


def test_a_patient_subscribes_a_device(app, client, make, browser_keys, vapid):
    patient = make.patient()
    token = login(client, patient)
    keys = browser_keys()

    response = client.post(
        SUBSCRIBE,
        json={**keys.subscription(FCM + "abc"), "expirationTime": None},
        headers={"X-CSRFToken": token, "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/141"},
    )

    assert response.status_code == 201
    assert response.get_json()["device"] == "Chrome on Android"
    assert endpoints(app) == [(patient.id, FCM + "abc")]
    with app.app_context():
        stored = db.session.scalar(select(PushSubscription))
        assert (stored.p256dh, stored.auth) == (keys.p256dh, keys.auth)
        assert db.session.get(ReminderMark, patient.id) is not None
    settings = client.get("/api/v1/me/push").get_json()
    assert settings["public_key"] == vapid["public"]
    assert [d["device"] for d in settings["devices"]] == ["Chrome on Android"]


def test_the_same_device_again_is_one_row_and_follows_who_subscribed(
    app, client, make, browser_keys, vapid
):
    """A shared phone: the browser keeps one subscription; whoever subscribed last gets it."""
    first, second = make.patient(), make.patient()
    keys = browser_keys()
    token = login(client, first)
    assert (
        client.post(
            SUBSCRIBE, json=keys.subscription(FCM + "x"), headers={"X-CSRFToken": token}
        ).status_code
        == 201
    )
    assert (
        client.post(
            SUBSCRIBE, json=keys.subscription(FCM + "x"), headers={"X-CSRFToken": token}
        ).status_code
        == 201
    )
    assert endpoints(app) == [(first.id, FCM + "x")]
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    token = login(client, second)
    client.post(SUBSCRIBE, json=keys.subscription(FCM + "x"), headers={"X-CSRFToken": token})
    assert endpoints(app) == [(second.id, FCM + "x")]


def test_subscribing_needs_csrf_and_a_patient(app, client, make, browser_keys, vapid):
    keys = browser_keys()
    assert client.post(SUBSCRIBE, json=keys.subscription(FCM + "a")).status_code == 400  # no CSRF
    patient = make.patient()
    login(client, patient)
    response = client.post(SUBSCRIBE, json=keys.subscription(FCM + "a"))
    assert response.status_code == 400
    clinician = make.clinician()
    client2 = app.test_client()
    token = login(client2, clinician)
    assert (
        client2.post(
            SUBSCRIBE, json=keys.subscription(FCM + "a"), headers={"X-CSRFToken": token}
        ).status_code
        == 403
    )
    assert endpoints(app) == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/x"}, "endpoint", push.ENDPOINT_MESSAGE),
        ({"endpoint": "https://10.0.0.5/internal"}, "endpoint", push.HOST_MESSAGE),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/x"}, "endpoint", push.HOST_MESSAGE),
        ({"endpoint": "not a url"}, "endpoint", push.ENDPOINT_MESSAGE),
        ({"endpoint": FCM + "x" * 1100}, "endpoint", push.ENDPOINT_MESSAGE),
        ({"keys": {"p256dh": "A" * 87, "auth": "A" * 22}}, "keys.p256dh", push.P256DH_MESSAGE),
        ({"keys": {"p256dh": None, "auth": "A" * 22}}, "keys", None),
        ({"keys": {"auth": "A" * 22}}, "keys", None),
        ({"endpoint": 42}, "endpoint", None),
        ({"extra": 1}, "extra", None),
    ],
)
def test_a_bad_subscription_is_a_422_naming_the_field(
    app, client, make, browser_keys, change, field, message
):
    token = login(client, make.patient())
    body = {**browser_keys().subscription(FCM + "ok"), **change}
    response = client.post(SUBSCRIBE, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in errors, errors
    if message:
        assert errors[field] == [message]
    assert endpoints(app) == []


def test_a_bad_auth_secret_is_named(app, client, make, browser_keys, vapid):
    token = login(client, make.patient())
    keys = browser_keys()
    body = {"endpoint": FCM + "ok", "keys": {"p256dh": keys.p256dh, "auth": "A" * 30}}
    response = client.post(SUBSCRIBE, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"keys.auth": [push.AUTH_MESSAGE]}


def test_unsubscribing_removes_only_the_patients_own_device(app, client, make, browser_keys, vapid):
    ada, bo = make.patient(), make.patient()
    with app.app_context():
        push.subscribe(db.session.get(User, ada.id), browser_keys().subscription(FCM + "ada"))
        push.subscribe(db.session.get(User, bo.id), browser_keys().subscription(FCM + "bo"))
    token = login(client, ada)

    # Bo's endpoint, sent by Ada: nothing happens to it.
    response = client.post(
        UNSUBSCRIBE, json={"endpoint": FCM + "bo"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    assert endpoints(app) == [(ada.id, FCM + "ada"), (bo.id, FCM + "bo")]

    response = client.post(
        UNSUBSCRIBE, json={"endpoint": FCM + "ada"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    assert endpoints(app) == [(bo.id, FCM + "bo")]
    assert client.post(UNSUBSCRIBE, json={"endpoint": FCM + "ada"}).status_code == 400
    response = client.post(UNSUBSCRIBE, json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert "endpoint" in response.get_json()["errors"]


def test_closing_the_account_deletes_its_devices(app, make, browser_keys, vapid):
    ada, bo = make.patient(), make.patient()
    with app.app_context():
        push.subscribe(db.session.get(User, ada.id), browser_keys().subscription(FCM + "ada1"))
        push.subscribe(db.session.get(User, ada.id), browser_keys().subscription(FCM + "ada2"))
        push.subscribe(db.session.get(User, bo.id), browser_keys().subscription(FCM + "bo"))
        closing.close_account(db.session.get(User, ada.id), by=None)
        assert db.session.get(ReminderMark, ada.id) is None
    assert endpoints(app) == [(bo.id, FCM + "bo")]


def test_the_diary_page_offers_notifications_with_the_public_key(app, client, make, vapid):
    login(client, make.patient(reminder_time=time(20, 0)))
    html = client.get("/diary").get_data(as_text=True)
    assert f'data-public-key="{vapid["public"]}"' in html
    assert 'data-reminder-time="20:00"' in html
    assert "Add to Home Screen" in html
    assert "/static/js/push.js" in html


def test_the_diary_page_without_keys_has_an_empty_key(app, client, make):
    login(client, make.patient())
    html = client.get("/diary").get_data(as_text=True)
    assert 'data-public-key=""' in html
    assert client.get("/api/v1/me/push").get_json() == {"public_key": None, "devices": []}


def test_vapid_keys_command_prints_keys_that_sign(app, runner, monkeypatch):
    result = runner.invoke(args=["vapid-keys", "--subject", "mailto:it@clinic.test"])
    assert result.exit_code == 0, result.output
    values = dict(re.findall(r"^(VAPID_\w+)=(\S+)$", result.output, re.M))
    assert values["VAPID_SUBJECT"] == "mailto:it@clinic.test"
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", values["VAPID_PRIVATE_KEY"])
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", values["VAPID_SUBJECT"])
    with app.app_context():
        assert push.public_key() == values["VAPID_PUBLIC_KEY"]
        signed = push.vapid().sign(
            {"sub": values["VAPID_SUBJECT"], "aud": "https://fcm.googleapis.com", "exp": 9999999999}
        )
    from py_vapid import Vapid02

    assert Vapid02.verify(signed["Authorization"])


def test_send_reminders_command_sends_and_reports(
    app, runner, make, push_service, browser_keys, vapid
):
    patient = make.patient(timezone="UTC", reminder_time=time(0, 0))
    keys = browser_keys()
    with app.app_context():
        push.subscribe(
            db.session.get(User, patient.id), keys.subscription(push_service.endpoint("p"))
        )

    result = runner.invoke(args=["send-reminders"])

    assert result.exit_code == 0, result.output
    assert "Reminded 1 of 1 patients due" in result.output
    assert "1 delivered" in result.output
    assert keys.decrypt(push_service.received[0].body)["url"] == "/diary"
    assert "Reminded 0 of 0" in runner.invoke(args=["send-reminders"]).output


def test_send_reminders_without_keys_says_what_is_missing(app, runner):
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code != 0
    assert "VAPID_PRIVATE_KEY" in result.output


def test_a_bad_vapid_key_stops_the_app_at_start():
    from config import TestingConfig
    from diary import create_app

    config = TestingConfig()
    config.VAPID_PRIVATE_KEY = "not-a-key"
    config.VAPID_SUBJECT = "mailto:it@clinic.test"
    with pytest.raises(RuntimeError, match="vapid-keys"):
        create_app(config)
