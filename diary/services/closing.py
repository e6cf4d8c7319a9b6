"""Closing a patient's account: their personal data is erased, the account cannot be used
again, and the audit trail keeps its events.

What happens (docs/operations.md says why):
- erased: every entry and its revisions, every weekly check-in, the list of usual
  medications, the links to clinicians and to parents or carers (and the carer invitations not
  used yet), the name, email, password, time zone and reminder, the push subscriptions of every
  device;
- infusion sessions the clinic recorded: kept or erased by the clinic setting
  CLOSED_ACCOUNT_INFUSIONS ("keep", the default, or "erase");
- the users row stays as a tombstone: no personal data, only an opaque id `closed-<random>`
  (its email becomes `closed-<random>@closed.invalid`), so every audit event still points to an
  existing row. Emails typed in failed sign-ins of this account are replaced by the opaque id;
  nothing else in the audit trail changes, and an `account.closed` event is added;
- sessions end: the account is inactive, and flask-login drops an inactive user on the next
  request (cookies and remember tokens included).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import String, cast, delete, func, or_, select, update

from diary.errors import Conflict, NotFound, ValidationError
from diary.extensions import db
from diary.models import (
    AuditEvent,
    CareLink,
    Entry,
    EntryRevision,
    Infusion,
    RememberToken,
    Role,
    User,
    UsualMedication,
    WeeklyCheckin,
    utcnow,
)
from diary.services import accounts, audit, carers, push

INFUSION_POLICIES = ("keep", "erase")
CLOSED_DOMAIN = "closed.invalid"
CLOSED_NAME = "Closed account"
# Not an argon2 hash, so no password ever matches it.
UNUSABLE_PASSWORD = "!closed"  # noqa: S105


@dataclass(frozen=True)
class Closed:
    opaque_id: str
    entries: int
    revisions: int
    checkins: int
    infusions_kept: int
    infusions_erased: int


def infusion_policy() -> str:
    policy = current_app.config.get("CLOSED_ACCOUNT_INFUSIONS", "keep")
    if policy not in INFUSION_POLICIES:
        raise RuntimeError(
            f"CLOSED_ACCOUNT_INFUSIONS={policy!r}: use one of {', '.join(INFUSION_POLICIES)}"
        )
    return policy


def is_closed(user: User) -> bool:
    return user.closed_at is not None


def close_account(
    patient: User,
    *,
    by: User | None,
    password: str | None = None,
    now: datetime | None = None,
) -> Closed:
    """Close `patient`'s account. The patient closes their own with their `password`; an admin
    (`by`) or the command line (`by` None) without it. Commits."""
    now = now or utcnow()
    if patient.role != Role.PATIENT:
        raise ValidationError("Only a patient's account can be closed here.")
    if is_closed(patient):
        raise Conflict("This account is already closed.")
    if by is not None and by.id == patient.id:
        if not password or not accounts.check_password(patient, password):
            raise ValidationError(errors={"password": ["That is not your password."]})
    elif by is not None and by.role != Role.ADMIN:
        raise ValidationError("Only the patient or an admin can close this account.")
    policy = infusion_policy()
    who = "cli" if by is None else ("patient" if by.id == patient.id else "admin")
    opaque = f"closed-{secrets.token_hex(8)}"
    old_email = patient.email

    entry_ids = select(Entry.id).where(Entry.patient_id == patient.id)
    revisions = db.session.execute(
        delete(EntryRevision).where(EntryRevision.entry_id.in_(entry_ids))
    ).rowcount
    entries = db.session.execute(delete(Entry).where(Entry.patient_id == patient.id)).rowcount
    checkins = db.session.execute(
        delete(WeeklyCheckin).where(WeeklyCheckin.patient_id == patient.id)
    ).rowcount
    db.session.execute(delete(UsualMedication).where(UsualMedication.patient_id == patient.id))
    db.session.execute(delete(CareLink).where(CareLink.patient_id == patient.id))
    carers.remove_all_for(patient)
    push_subscriptions = push.erase_for_closing(patient)
    infusions = db.session.scalar(
        select(func.count()).select_from(Infusion).where(Infusion.patient_id == patient.id)
    )
    if policy == "erase":
        db.session.execute(delete(Infusion).where(Infusion.patient_id == patient.id))

    # Failed sign-ins keep the email typed; for this account it becomes the opaque id. A bulk
    # UPDATE: the ORM's append-only guard is for ordinary code, and this is the one documented
    # change to past events (the person's email, nothing else).
    db.session.execute(
        update(AuditEvent)
        .where(
            AuditEvent.action == "auth.login_failed",
            or_(
                AuditEvent.object_id == str(patient.id),
                cast(AuditEvent.detail, String).contains(f'"{old_email}"'),
            ),
        )
        .values(detail={"email": opaque})
        .execution_options(synchronize_session=False)
    )

    patient.email = f"{opaque}@{CLOSED_DOMAIN}"
    patient.display_name = CLOSED_NAME
    patient.password_hash = UNUSABLE_PASSWORD
    patient.timezone = "UTC"
    patient.reminder_time = None
    patient.last_login_at = None
    patient.active = False
    patient.closed_at = now
    # Every session and remember token ends with the account (services/sessions.py), in this
    # transaction: a closing that fails leaves the patient signed in with their diary intact.
    patient.session_generation = (patient.session_generation or 1) + 1
    db.session.execute(delete(RememberToken).where(RememberToken.user_id == patient.id))
    audit.record(
        "account.closed",
        actor=by,
        patient_id=patient.id,
        object_type="user",
        object_id=opaque,
        detail={
            "by": who,
            "entries": entries,
            "revisions": revisions,
            "checkins": checkins,
            "push_subscriptions": push_subscriptions,
            "infusions": policy,
            "infusion_count": infusions,
        },
    )
    db.session.commit()
    return Closed(
        opaque_id=opaque,
        entries=entries,
        revisions=revisions,
        checkins=checkins,
        infusions_kept=infusions if policy == "keep" else 0,
        infusions_erased=infusions if policy == "erase" else 0,
    )


def close_by_admin(user_id: int, *, confirm_email: str, by: User) -> Closed:
    """An admin closes the account `user_id` after typing its email (a slip of the mouse on the
    wrong row then closes nothing)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if is_closed(user):
        raise ValidationError("This account is already closed.")
    if accounts.normalise_email(confirm_email) != user.email:
        raise ValidationError(f"Type the email {user.email} to close this account.")
    return close_account(user, by=by)
