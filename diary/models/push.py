"""Web Push: one subscription per device of a patient, and the marker of the reminders sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from diary.extensions import db
from diary.models.types import UTCDateTime, utcnow

# Push services' endpoints are URLs of a few hundred characters; 1,024 leaves room and keeps the
# unique index within what every database indexes.
ENDPOINT_LENGTH = 1024


class PushSubscription(db.Model):
    """A browser's push subscription (PushSubscription.toJSON()): where to send, and the keys
    the message is encrypted to. An endpoint belongs to one device; subscribing it again (even
    by another account on a shared phone) moves it to the user who subscribed last."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(ENDPOINT_LENGTH), unique=True)
    # The browser's P-256 public key (65 bytes, uncompressed) and auth secret (16 bytes),
    # base64url without padding, as the browser gives them.
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    # "Chrome on Android": for the patient's list of devices, not for any decision.
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderMark(db.Model):
    """The sent-marker of a patient's push reminders: the patient's local day whose reminder
    was handled (sent, or found unneeded because the day had an entry), and what was sent.
    One row per patient with a subscription; `send-reminders` claims due rows (SELECT ... FOR
    UPDATE SKIP LOCKED on PostgreSQL) and writes the day in the same transaction, so no two
    runs send the same reminder."""

    __tablename__ = "reminder_marks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    handled_on: Mapped[date | None] = mapped_column(Date)
    # "entry" (today has no entry), "checkin" (the weekly check-in is due), or None (nothing
    # was needed that day).
    sent_kind: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
