"""The owner claim of a request sent from a phone's outbox.

An outbox record belongs to the patient who saved it. A shared phone can hold one person's
waiting entry while another person's session cookie is the one the browser sends, so every send
says whose record it is (the `X-Diary-Owner` header) and the server refuses it when the signed-in
user is someone else: the entry waits on the phone for its owner instead of being filed under the
wrong patient.
"""

from __future__ import annotations

from diary.errors import Conflict
from diary.models import User

OWNER_HEADER = "X-Diary-Owner"


class OwnerMismatch(Conflict):
    code = "owner_mismatch"
    default_message = (
        "This entry was saved on this phone by someone else. Sign in as that person to send it."
    )


def check_owner_claim(user: User, claimed_owner: str | None) -> None:
    """Raise OwnerMismatch when a request claims an owner other than the signed-in `user`.
    No claim (a client that is not the outbox) is not checked."""
    if claimed_owner is None:
        return
    if claimed_owner.strip() != str(user.id):
        raise OwnerMismatch()
