"""Push reminders on the patient's devices: the server's public key, subscribe, unsubscribe."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from diary.api import bp
from diary.api.openapi import documented
from diary.api.params import json_body
from diary.api.schemas import (
    PushDeviceSchema,
    PushSettingsSchema,
    PushSubscriptionInSchema,
    PushUnsubscribeSchema,
)
from diary.auth import role_required
from diary.models import Role
from diary.services import push


@bp.get("/me/push")
@documented(
    "Push reminders: the server's applicationServerKey (null when the clinic has not set up "
    "push) and my devices that receive them",
    response=PushSettingsSchema,
    errors=(403,),
)
@role_required(Role.PATIENT)
def my_push_settings():
    return jsonify(
        PushSettingsSchema().dump(
            {"public_key": push.public_key(), "devices": push.devices(current_user)}
        )
    )


@bp.post("/me/push/subscriptions")
@documented(
    "Receive reminders on this device: the browser's PushSubscription.toJSON() (the same "
    "endpoint again refreshes its keys)",
    request=PushSubscriptionInSchema,
    response=PushDeviceSchema,
    status=201,
    errors=(400, 403, 422),
)
@role_required(Role.PATIENT)
def subscribe_push():
    data = json_body(PushSubscriptionInSchema())
    subscription = push.subscribe(
        current_user, data, user_agent=request.headers.get("User-Agent", "")
    )
    return jsonify(PushDeviceSchema().dump(subscription)), 201


@bp.post("/me/push/unsubscribe")
@documented(
    "Stop reminders on this device (its endpoint); 204 also when it was not stored",
    request=PushUnsubscribeSchema,
    status=204,
    errors=(400, 403, 422),
)
@role_required(Role.PATIENT)
def unsubscribe_push():
    data = json_body(PushUnsubscribeSchema())
    push.unsubscribe(current_user, data["endpoint"])
    return "", 204
