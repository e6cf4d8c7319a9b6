"""Parents and carers who log for a patient: invitations, links, removal, and how a proxy entry
is named.

A patient (from their settings) or the patient's clinician (for a child, from the clinic's
patient page) invites a parent or carer by email. The invitation is a single-use link like the
clinic's (only the token's SHA-256 is stored, it expires after INVITATION_DAYS); the diary sends
no email: the inviter passes the link on. Opening it, the carer makes a carer account for that
email (name and password, argon2 like every account), or, when a carer account has that email
already, types its password to add the patient to it. Either way a CarerLink joins the carer to
the patient (many-to-many). The patient, or their clinician, removes a carer; closing the
patient's account removes the links and the pending invitations, closing the carer's account
removes theirs (services/closing.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from diary.errors import Conflict, NotFound, ValidationError
from diary.extensions import db
from diary.models import CarerInvitation, CarerLink, Entry, Role, User, utcnow
from diary.services import access, accounts, audit
from diary.services.field_rules import text_problem

EXPIRED_MESSAGE = "This invitation link is not valid any more. Ask for a new one."


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _managed_patient(patient_id: int, by: User, action: str) -> User:
    """The patient whose carers `by` may manage: the patient themself or a linked clinician.
    A carer cannot invite or remove carers. Else NotFound."""
    if by.role == Role.PATIENT:
        if by.id != patient_id:
            raise NotFound()
        return access.patient_for(by, patient_id)
    if by.role == Role.CLINICIAN:
        return access.patient_for(by, patient_id, action=action)
    raise NotFound()


def _check_email(email: str) -> str:
    email = accounts.normalise_email(email)
    if text_problem(email) or "@" not in email or len(email) > 254 or " " in email:
        raise ValidationError(errors={"email": ["Enter a valid email address."]})
    return email


def invite(patient_id: int, email: str, *, by: User, now: datetime | None = None) -> str:
    """A new single-use link inviting `email` to log for the patient, committed with its audit
    event. Returns the token (only its hash is stored: the inviter sees the link once)."""
    now = now or utcnow()
    patient = _managed_patient(patient_id, by, "carers.read")
    email = _check_email(email)
    if patient.email == email:
        raise ValidationError(errors={"email": ["Enter the email of the parent or carer."]})
    linked = db.session.scalar(
        select(func.count())
        .select_from(CarerLink)
        .join(User, User.id == CarerLink.carer_id)
        .where(CarerLink.patient_id == patient.id, User.email == email)
    )
    if linked:
        raise ValidationError(errors={"email": ["This person already logs for this diary."]})
    token = secrets.token_urlsafe(32)
    invitation = CarerInvitation(
        token_hash=_token_hash(token),
        patient_id=patient.id,
        invited_by_id=by.id,
        email=email,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "carer.invited",
        actor=by,
        patient_id=patient.id,
        object_type="carer_invitation",
        object_id=invitation.id,
    )
    db.session.commit()
    return token


def open_invitation(token: str, *, now: datetime | None = None) -> CarerInvitation:
    """The usable carer invitation for `token`, else NotFound (unknown, used, expired, or the
    patient's account closed)."""
    now = now or utcnow()
    invitation = db.session.scalar(
        select(CarerInvitation).where(CarerInvitation.token_hash == _token_hash(token or ""))
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= now
        or invitation.patient.closed_at is not None
        or not invitation.patient.active
    ):
        raise NotFound(EXPIRED_MESSAGE)
    return invitation


def account_for(invitation: CarerInvitation) -> str:
    """What the join page asks for: "new" (make an account), "carer" (the password of the carer
    account that has this email), or "other" (the email is a patient's or the clinic's)."""
    user = accounts.find_user(invitation.email)
    if user is None:
        return "new"
    return "carer" if user.role == Role.CARER else "other"


@dataclass(frozen=True)
class NewCarer:
    password: str
    display_name: str = ""
    password_confirm: str | None = None  # checked for a new account only


def accept(token: str, form: NewCarer, *, now: datetime | None = None) -> User:
    """Use the invitation up: make the carer account (or check the existing carer account's
    password) and link it to the patient. Committed with its audit event."""
    now = now or utcnow()
    invitation = open_invitation(token, now=now)
    email = invitation.email
    carer = accounts.find_user(email)
    if carer is None:
        errors: dict[str, list[str]] = {}
        name = form.display_name.strip()
        if problem := text_problem(form.display_name):
            errors["display_name"] = [problem]
        elif not name or len(name) > 120:
            errors["display_name"] = ["Enter a name of 1 to 120 characters."]
        if problems := accounts.password_problems(form.password, email):
            errors["password"] = problems
        elif form.password_confirm is not None and form.password_confirm != form.password:
            errors["password_confirm"] = ["The two passwords are not the same."]
        if errors:
            raise ValidationError(errors=errors)
        carer = User(
            email=email,
            password_hash=accounts.hash_password(form.password),
            role=Role.CARER,
            display_name=name,
            timezone=invitation.patient.timezone,
        )
        db.session.add(carer)
        try:
            db.session.flush()
        except IntegrityError:  # the same email joined at this very moment
            db.session.rollback()
            raise Conflict("This invitation link has just been used.") from None
    elif carer.role != Role.CARER:
        raise ValidationError(
            errors={
                "email": [
                    "This email belongs to an account that cannot log for someone else. "
                    "Ask for an invitation to another email address."
                ]
            }
        )
    elif not carer.active or not accounts.check_password(carer, form.password):
        raise ValidationError(
            errors={"password": ["That is not the password of your carer account."]}
        )
    claimed = db.session.execute(
        CarerInvitation.__table__.update()
        .where(CarerInvitation.id == invitation.id, CarerInvitation.used_at.is_(None))
        .values(used_at=now, used_by_id=carer.id)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise Conflict("This invitation link has just been used.")
    if db.session.get(CarerLink, (carer.id, invitation.patient_id)) is None:
        db.session.add(
            CarerLink(
                carer_id=carer.id,
                patient_id=invitation.patient_id,
                invited_by_id=invitation.invited_by_id,
                created_at=now,
            )
        )
    audit.record(
        "carer.linked",
        actor=carer,
        patient_id=invitation.patient_id,
        object_type="carer_invitation",
        object_id=invitation.id,
    )
    db.session.commit()
    return carer


@dataclass(frozen=True)
class Carers:
    links: list[CarerLink]
    pending: list[CarerInvitation]


def carers_of(patient_id: int, *, by: User, now: datetime | None = None) -> Carers:
    """The patient's carers and the invitations not used yet (nor expired)."""
    now = now or utcnow()
    patient = _managed_patient(patient_id, by, "carers.read")
    links = db.session.scalars(
        select(CarerLink)
        .join(User, User.id == CarerLink.carer_id)
        .where(CarerLink.patient_id == patient.id)
        .order_by(User.display_name, User.id)
    )
    pending = db.session.scalars(
        select(CarerInvitation)
        .where(
            CarerInvitation.patient_id == patient.id,
            CarerInvitation.used_at.is_(None),
            CarerInvitation.expires_at > now,
        )
        .order_by(CarerInvitation.created_at, CarerInvitation.id)
    )
    return Carers(list(links), list(pending))


def remove(patient_id: int, carer_id: int, *, by: User) -> User:
    """End a carer's access to the patient's diary, from their next request on. Their entries
    stay, still marked as theirs. Committed with its audit event; NotFound when not linked."""
    patient = _managed_patient(patient_id, by, "carers.read")
    link = db.session.get(CarerLink, (carer_id, patient.id))
    if link is None:
        raise NotFound()
    carer = link.carer
    db.session.delete(link)
    audit.record(
        "carer.removed", actor=by, patient_id=patient.id, object_type="user", object_id=carer_id
    )
    db.session.commit()
    return carer


def withdraw(patient_id: int, invitation_id: int, *, by: User) -> None:
    """Cancel an invitation not used yet (its link stops working). NotFound when there is none."""
    patient = _managed_patient(patient_id, by, "carers.read")
    deleted = db.session.execute(
        delete(CarerInvitation).where(
            CarerInvitation.id == invitation_id,
            CarerInvitation.patient_id == patient.id,
            CarerInvitation.used_at.is_(None),
        )
    ).rowcount
    if not deleted:
        db.session.rollback()
        raise NotFound()
    audit.record(
        "carer.invitation_withdrawn",
        actor=by,
        patient_id=patient.id,
        object_type="carer_invitation",
        object_id=invitation_id,
    )
    db.session.commit()


def remove_all_for(patient: User) -> None:
    """Every carer link and invitation of the patient (closing the account). Not committed:
    part of the closing's transaction."""
    db.session.execute(delete(CarerLink).where(CarerLink.patient_id == patient.id))
    db.session.execute(delete(CarerInvitation).where(CarerInvitation.patient_id == patient.id))


def unlink_for_closing(carer: User, tombstone_email: str) -> tuple[int, int]:
    """End every link of the carer, delete the invitations to their email not used yet (their
    links stop working) and put `tombstone_email` in the ones they used (closing the carer's
    account). Returns (links, invitations deleted). Not committed: part of the closing."""
    links = db.session.execute(delete(CarerLink).where(CarerLink.carer_id == carer.id)).rowcount
    pending = db.session.execute(
        delete(CarerInvitation).where(
            CarerInvitation.email == carer.email, CarerInvitation.used_at.is_(None)
        )
    ).rowcount
    db.session.execute(
        update(CarerInvitation)
        .where(CarerInvitation.used_by_id == carer.id)
        .values(email=tombstone_email)
    )
    return links, pending


def patients_of(carer: User) -> list[User]:
    """The patients a carer logs for, by name (the carer's home page)."""
    patients = list(db.session.scalars(access.carers_patients_query(carer)))
    audit.record_reads("carer.patients_read", actor=carer, patient_ids=[p.id for p in patients])
    db.session.commit()
    return patients


# How a proxy entry is named wherever it is shown or exported.
PATIENT_LABEL = "patient"
IMPORT_LABEL = "import"


def entered_by_label(entry: Entry, names: dict[int, str]) -> str:
    """ "patient", "carer: <name>" or "import": who typed an entry. `names` maps the ids of the
    people other than the patient who entered the patient's entries to their names
    (`proxy_names`)."""
    if entry.entered_by_id is not None and entry.entered_by_id in names:
        return f"carer: {names[entry.entered_by_id]}"
    if entry.imported:
        return IMPORT_LABEL
    return PATIENT_LABEL


def proxy_names(patient_id: int) -> dict[int, str]:
    """{carer id: name} of everyone other than the patient who entered one of their entries
    (also carers removed since: their entries stay theirs). One query."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(
            User.id.in_(
                select(Entry.entered_by_id).where(
                    Entry.patient_id == patient_id, Entry.entered_by_id != Entry.patient_id
                )
            ),
            User.role == Role.CARER,
        )
        .order_by(User.id)
    )
    return {user_id: name for user_id, name in rows}


def proxy_carers(patient_id: int) -> list[User]:
    """The carer accounts that entered some of the patient's entries (for the FHIR export's
    RelatedPerson resources)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(Entry.entered_by_id).where(
                        Entry.patient_id == patient_id, Entry.entered_by_id != Entry.patient_id
                    )
                ),
                User.role == Role.CARER,
            )
            .order_by(User.id)
        )
    )


@dataclass(frozen=True)
class ProxyDay:
    day: date
    entries: int
    carers: list[str]


def proxy_days(patient: User, start: date, end: date) -> list[ProxyDay]:
    """The days start..end with live entries a carer logged for the patient, newest first: the
    review lists them apart from the patient's own reports. One query, through the index of the
    entries someone other than the patient entered (`entered_by_id <> patient_id`, as the
    index says it: models/entries.py), on every view of the review: the patient's own days,
    1,826 in five years, are not read."""
    rows = db.session.execute(
        select(Entry.day, User.display_name, func.count())
        .join(User, User.id == Entry.entered_by_id)
        .where(
            Entry.patient_id == patient.id,
            Entry.entered_by_id != Entry.patient_id,
            User.role == Role.CARER,
            Entry.deleted_at.is_(None),
            Entry.day >= start,
            Entry.day <= end,
        )
        .group_by(Entry.day, User.display_name)
        .order_by(Entry.day.desc(), User.display_name)
    )
    days: dict[date, ProxyDay] = {}
    for day, name, count in rows:
        found = days.get(day)
        if found is None:
            days[day] = ProxyDay(day, count, [name])
        else:
            days[day] = ProxyDay(day, found.entries + count, [*found.carers, name])
    return list(days.values())
