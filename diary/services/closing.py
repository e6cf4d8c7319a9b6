"""Closing an account: the person's personal data is erased, the account cannot be used again,
and the audit trail keeps its events. A patient's account (`close_account`) or a parent's or
carer's (`close_carer_account`), each by its holder (with the password), an admin or the command
line; `close_own_account` is either, closed by its holder; `close_by_admin` either, from the
admin's accounts page.

What happens to a patient's account (docs/operations.md says why):
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

What happens to a parent's or carer's account (closed by its holder with the password, by an
admin or by the command line):
- erased: the name, email, password, time zone, the push subscriptions, the remember tokens,
  the links to the patients they logged for (they see no diary any more), the carer invitations
  sent to their email and not used yet (deleted: their links stop working); the invitations they
  used keep their row, with the tombstone's email instead of theirs;
- kept: every entry they logged for a patient and every revision they made (the patient's
  data), still pointing to the carer's row by `entered_by_id` / `changed_by_id`; the audit trail
  (failed sign-ins with their email get the opaque id, as for a patient), plus `account.closed`
  (its actor whoever closed it: the carer, the admin, none for the command line);
- the row becomes a tombstone like a patient's, its role still carer and its name
  CLOSED_CARER_NAME ("Former carer"): that is what the patient's history, the clinic's review
  ("Logged by a parent or carer"), the CSV's entered_by ("carer: Former carer") and the FHIR
  RelatedPerson show for those entries from then on; the old name is nowhere;
- sessions end the same way.
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
# What a closed carer account is called where its entries are shown or exported.
CLOSED_CARER_NAME = "Former carer"
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


def _opaque_id() -> str:
    return f"closed-{secrets.token_hex(8)}"


def _closer(
    user: User, by: User | None, password: str | None, *, role: Role, account: str, holder: str
) -> str:
    """Refuse a closing that may not happen: an account of another role, one closed already,
    its holder without their password, anyone but its holder or an admin. Returns who closes
    it, for the audit event: `holder`, "admin" or "cli" (`by` None: the command line)."""
    if user.role != role:
        raise ValidationError(f"Only {account} account can be closed here.")
    if is_closed(user):
        raise Conflict("This account is already closed.")
    if by is None:
        return "cli"
    if by.id == user.id:
        _check_own_password(user, password)
        return holder
    if by.role != Role.ADMIN:
        raise ValidationError(f"Only the {holder} or an admin can close this account.")
    return "admin"


def _check_own_password(user: User, password: str | None) -> None:
    if not password or not accounts.check_password(user, password):
        raise ValidationError(errors={"password": ["That is not your password."]})


def _scrub_failed_sign_ins(user: User, old_email: str, opaque: str) -> None:
    """Failed sign-ins keep the email typed; for this account it becomes the opaque id. A bulk
    UPDATE: the ORM's append-only guard is for ordinary code, and this is the one documented
    change to past events (the person's email, nothing else)."""
    db.session.execute(
        update(AuditEvent)
        .where(
            AuditEvent.action == "auth.login_failed",
            or_(
                AuditEvent.object_id == str(user.id),
                cast(AuditEvent.detail, String).contains(f'"{old_email}"'),
            ),
        )
        .values(detail={"email": opaque})
        .execution_options(synchronize_session=False)
    )


def _make_tombstone(user: User, opaque: str, name: str, now: datetime) -> None:
    """The row keeps its id and role, and nothing of the person; every session and remember
    token ends with the account (services/sessions.py), in the closing's transaction: a closing
    that fails leaves the person signed in with their data intact."""
    user.email = f"{opaque}@{CLOSED_DOMAIN}"
    user.display_name = name
    user.password_hash = UNUSABLE_PASSWORD
    user.timezone = "UTC"
    user.reminder_time = None
    user.last_login_at = None
    user.active = False
    user.closed_at = now
    user.session_generation = (user.session_generation or 1) + 1
    db.session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))


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
    who = _closer(patient, by, password, role=Role.PATIENT, account="a patient's", holder="patient")
    policy = infusion_policy()
    opaque = _opaque_id()
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

    _scrub_failed_sign_ins(patient, old_email, opaque)
    _make_tombstone(patient, opaque, CLOSED_NAME, now)
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


def close_by_admin(user_id: int, *, confirm_email: str, by: User) -> Closed | ClosedCarer:
    """An admin closes the account `user_id`, a patient's or a carer's, after typing its email (a
    slip of the mouse on the wrong row then closes nothing)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if is_closed(user):
        raise ValidationError("This account is already closed.")
    if accounts.normalise_email(confirm_email) != user.email:
        raise ValidationError(f"Type the email {user.email} to close this account.")
    if user.role == Role.CARER:
        return close_carer_account(user, by=by)
    return close_account(user, by=by)


@dataclass(frozen=True)
class ClosedCarer:
    opaque_id: str
    links: int
    invitations: int
    entries_kept: int


def close_carer_account(
    carer: User,
    *,
    by: User | None,
    password: str | None = None,
    now: datetime | None = None,
) -> ClosedCarer:
    """Close a parent's or carer's account (see the module's docstring for what is erased and
    what is kept). The carer closes their own with their `password`; an admin (`by`) or the
    command line (`by` None) without it. Commits."""
    now = now or utcnow()
    who = _closer(
        carer, by, password, role=Role.CARER, account="a parent's or carer's", holder="carer"
    )
    # Two closings at once: the second finds the row claimed (on PostgreSQL it waits for the
    # first's commit) and changes nothing.
    claimed = db.session.execute(
        update(User)
        .where(User.id == carer.id, User.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise Conflict("This account is already closed.")
    opaque = _opaque_id()
    old_email = carer.email
    links, invitations = carers.unlink_for_closing(carer, f"{opaque}@{CLOSED_DOMAIN}")
    push_subscriptions = push.erase_for_closing(carer)
    entries_kept = db.session.scalar(
        select(func.count()).select_from(Entry).where(Entry.entered_by_id == carer.id)
    )
    _scrub_failed_sign_ins(carer, old_email, opaque)
    _make_tombstone(carer, opaque, CLOSED_CARER_NAME, now)
    audit.record(
        "account.closed",
        actor=by,
        object_type="user",
        object_id=opaque,
        detail={
            "by": who,
            "links": links,
            "invitations": invitations,
            "push_subscriptions": push_subscriptions,
            "entries_kept": entries_kept,
        },
    )
    db.session.commit()
    return ClosedCarer(opaque, links, invitations, entries_kept)


def close_own_account(user: User, *, password: str | None) -> None:
    """The signed-in patient, parent or carer closes their account with their password."""
    if user.role == Role.CARER:
        close_carer_account(user, by=user, password=password)
    else:
        close_account(user, by=user, password=password)
