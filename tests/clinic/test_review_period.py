"""The key figures' heading names their period: since the last infusion when it was a single
session of one day, else since the last course, from its first session's day to the day it
ended (a continuous infusion: start plus duration), or will end."""

from __future__ import annotations

from tests.clinic.course_table import heading
from tests.clinic.test_review_defects import ago, diary, setup, span


def _heading_after(app, make, client, started: int, **fields) -> str:
    """The review's key-figures heading for a new patient with pain 5 on days -20..0 and one
    session started `started` days ago (at 09:00 UTC) with `fields`."""
    clinician, patient = setup(make, client)
    diary(app, patient, span(20, 0, 5))
    make.infusion(patient, clinician, ago(started), **fields)
    return heading(client.get(f"/clinic/patients/{patient.id}").text)


def test_a_continuous_infusion_still_running_is_named_with_the_day_it_ends(app, make, client):
    """A continuous infusion started 2 days ago at 09:00 UTC for 4 days ends on day +2: the
    key figures' heading names the course and says it ends in 2 days; one of 2 days started 2
    days ago ends today (before or after 09:00: "its last day today"); a single session of one
    day keeps "Since the last infusion"."""
    assert _heading_after(app, make, client, 2, duration_minutes=4 * 24 * 60) == (
        f"Since the last course ({ago(2):%d %b} to {ago(-2):%d %b %Y}, ends in 2 days)"
    )
    assert _heading_after(app, make, client, 2, duration_minutes=2 * 24 * 60) == (
        f"Since the last course ({ago(2):%d %b} to {ago(0):%d %b %Y}, its last day today)"
    )
    assert _heading_after(app, make, client, 3) == (
        f"Since the last infusion ({ago(3):%d %b %Y}, 3 days ago)"
    )
