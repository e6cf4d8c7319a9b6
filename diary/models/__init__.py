"""The data model, one module per entity group. Import models from here."""

from diary.models.audit import AuditEvent
from diary.models.entries import Entry, EntryRevision, WeeklyCheckin
from diary.models.infusions import Infusion, Treatment
from diary.models.medications import UsualMedication
from diary.models.push import PushSubscription, ReminderMark
from diary.models.types import utcnow
from diary.models.users import (
    CareLink,
    CarerInvitation,
    CarerLink,
    Invitation,
    RememberToken,
    Role,
    User,
)

__all__ = [
    "AuditEvent",
    "CareLink",
    "CarerInvitation",
    "CarerLink",
    "Entry",
    "EntryRevision",
    "Infusion",
    "Invitation",
    "PushSubscription",
    "RememberToken",
    "ReminderMark",
    "Role",
    "Treatment",
    "User",
    "UsualMedication",
    "WeeklyCheckin",
    "utcnow",
]
