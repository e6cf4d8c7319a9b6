"""Accounts: passwords, sign-in, invitations, links between clinicians and patients."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diary.errors import Conflict, NotFound, ValidationError
from diary.extensions import db
from diary.models import CareLink, Invitation, Role, User, utcnow
from diary.services import audit, sessions
from diary.services.field_rules import text_problem

PASSWORD_MIN = 10
PASSWORD_MAX = 256
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    return (email or "").strip().casefold()


def password_problems(password: str, email: str = "") -> list[str]:
    """Length is what makes a password strong (NIST SP 800-63B): no composition rules."""
    problems = []
    if problem := text_problem(password):
        return [problem]
    if len(password) < PASSWORD_MIN:
        problems.append(f"Use at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        problems.append(f"Use at most {PASSWORD_MAX} characters.")
    if email and password.casefold() == normalise_email(email):
        problems.append("Do not use your email address as your password.")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """True when `password` is the user's (a closed account's matches nothing)."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Writes the attempt to the audit trail.
    Text that breaks the text rule is refused (ValidationError naming the field) unlooked-up."""
    errors = {name: [p] for name, value in (("email", email), ("password", password))
              if (p := text_problem(value))}  # fmt: skip
    if errors:
        raise ValidationError(errors=errors)
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        audit.record(
            "auth.login_failed",
            actor=None,
            object_type="user",
            object_id=user.id if user else None,
            detail={"email": normalise_email(email)[:254]},
        )
        db.session.commit()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return user


def _validate_new_user(
    email: str,
    password: str,
    display_name: str,
    timezone: str,
    check_password: bool,
    check_taken: bool = True,
) -> None:
    errors: dict[str, list[str]] = {}
    if text_problem(email) or "@" not in email or len(email) > 254 or " " in email:
        errors["email"] = ["Enter a valid email address."]
    elif check_taken and find_user(email) is not None:
        errors["email"] = ["An account with this email already exists."]
    if check_password and (problems := password_problems(password, email)):
        errors["password"] = problems
    if problem := text_problem(display_name):
        errors["display_name"] = [problem]
    elif not display_name.strip() or len(display_name) > 120:
        errors["display_name"] = ["Enter a name of 1 to 120 characters."]
    if timezone not in available_timezones():
        errors["timezone"] = ["Choose a time zone from the list."]
    if errors:
        raise ValidationError(errors=errors)


def create_user(
    email: str,
    password: str,
    role: Role,
    display_name: str = "",
    timezone: str = "UTC",
    *,
    check_password: bool = True,
) -> User:
    """A new account. `check_password=False` only for the demo's well-known password."""
    email = normalise_email(email)
    display_name = display_name.strip() or email.split("@")[0]
    _validate_new_user(email, password, display_name, timezone, check_password)
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
        timezone=timezone,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_account(
    email: str, password: str, role: Role, display_name: str = "", timezone: str = "UTC"
) -> User:
    """A new account on its own (the create-user command), committed."""
    user = create_user(email, password, role, display_name, timezone)
    db.session.commit()
    return user


def link_accounts(clinician: User, patient: User) -> bool:
    """`link`, committed on its own (the link command)."""
    created = link(clinician, patient)
    db.session.commit()
    return created


def link(clinician: User, patient: User) -> bool:
    """Link a clinician to a patient; False when they were already linked."""
    if clinician.role != Role.CLINICIAN or patient.role != Role.PATIENT:
        raise ValidationError("A link joins a clinician to a patient.")
    if db.session.get(CareLink, (clinician.id, patient.id)):
        return False
    db.session.add(CareLink(clinician_id=clinician.id, patient_id=patient.id))
    db.session.flush()
    return True


def list_users() -> list[User]:
    """Every account, for the admin page: by role, then email."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def set_active(user_id: int, active: bool, *, by: User) -> User:
    """Activate or deactivate the account `user_id` (NotFound when there is none); an admin
    cannot change their own account. Committed with its audit event."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == by.id:
        raise ValidationError("You cannot deactivate your own account.")
    user.active = active
    audit.record(
        "account.activated" if active else "account.deactivated",
        actor=by,
        patient_id=user.id if user.is_patient else None,
        object_type="user",
        object_id=user.id,
    )
    if not active:
        sessions.end_all_sessions(user, by=by, reason="deactivated")  # commits
    db.session.commit()
    return user


def sign_out_everywhere(user_id: int, *, by: User | None) -> User:
    """End every session and remember token of the account `user_id` (NotFound when there is
    none): a lost phone, a shared computer. Committed with its audit event."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    sessions.end_all_sessions(user, by=by, reason="sign out everywhere")
    return user


def set_password(user: User, password: str, *, by: User | None) -> None:
    """A new password (checked like a new account's); every session of the user ends."""
    problems = password_problems(password, user.email)
    if problems:
        raise ValidationError(errors={"password": problems})
    user.password_hash = hash_password(password)
    audit.record(
        "account.password_changed",
        actor=by,
        patient_id=user.id if user.is_patient else None,
        object_type="user",
        object_id=user.id,
    )
    sessions.end_all_sessions(user, by=by, reason="password changed")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(clinician: User) -> str:
    """A new single-use join token for `clinician`'s patients, committed. Only its hash is
    stored."""
    if clinician.role != Role.CLINICIAN or not clinician.active:
        raise ValidationError("Only an active clinician can invite patients.")
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_DAYS"]
    db.session.add(
        Invitation(
            token_hash=_token_hash(token),
            clinician_id=clinician.id,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    db.session.commit()
    return token


def open_invitation(token: str, *, now: datetime | None = None) -> Invitation:
    """The usable invitation for `token`, else NotFound (unknown, used, expired)."""
    now = now or utcnow()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token or ""))
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= now
        or not invitation.clinician.active
    ):
        raise NotFound("This invitation link is not valid any more. Ask your clinic for a new one.")
    return invitation


@dataclass(frozen=True)
class NewPatient:
    email: str
    password: str
    display_name: str
    timezone: str


JOIN_DONE_MESSAGE = (
    "Thank you. If this email address was new to the diary, your account is ready: sign in "
    "with it and your password. If you already had an account, sign in with that one and ask "
    "your clinic to link it to them."
)


def accept_invitation(token: str, form: NewPatient) -> User | None:
    """Create the patient's account, linked to the inviting clinician; the token is used up.

    The caller answers the same way whether or not the email already had an account (so an
    invitation link cannot be used to find out who has one): for a registered email no account
    is made, the invitation is used up all the same and an audit event tells the clinic; the
    result is then None. Form errors (ValidationError) never depend on the email being taken.
    """
    invitation = open_invitation(token)
    email = normalise_email(form.email)
    display_name = form.display_name.strip() or email.split("@")[0]
    _validate_new_user(
        email, form.password, display_name, form.timezone, check_password=True, check_taken=False
    )
    existing = find_user(email)
    if existing is None:
        patient: User | None = User(
            email=email,
            password_hash=hash_password(form.password),
            role=Role.PATIENT,
            display_name=display_name,
            timezone=form.timezone,
        )
        db.session.add(patient)
        try:
            db.session.flush()
        except IntegrityError:  # the same email joined at this very moment
            db.session.rollback()
            invitation = open_invitation(token)
            patient = None
    else:
        hash_password(form.password)  # the same work as a new account: no timing difference
        patient = None
    # Mark used with a guarded UPDATE, so two simultaneous joins cannot both use one token.
    claimed = db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=patient.id if patient else None)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise Conflict("This invitation link has just been used.")
    if patient is not None:
        link(invitation.clinician, patient)
    audit.record(
        "account.joined" if patient else "account.join_refused_existing_email",
        actor=patient,
        patient_id=patient.id if patient else (existing.id if existing else None),
        object_type="invitation",
        object_id=invitation.id,
        detail=None if patient else {"clinician_id": invitation.clinician_id},
    )
    db.session.commit()
    return patient
