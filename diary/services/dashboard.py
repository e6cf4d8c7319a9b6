"""What a clinician sees of their patients: the linked list with a summary each, most in need of
attention first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, type_coerce

from diary import analysis, measures
from diary.extensions import db
from diary.models import Entry, Infusion, User, utcnow
from diary.models.types import UTCDateTime
from diary.services import audit
from diary.services.access import linked_patients_query
from diary.services.local_time import zone

HIGH, MEDIUM, LOW = "high", "medium", "low"
ATTENTION_RANK = {HIGH: 0, MEDIUM: 1, LOW: 2}
ATTENTION_LABELS = {HIGH: "High", MEDIUM: "Medium", LOW: "Low"}
WORSENED_PCT = 30.0
SILENT_DAYS = 4
DUE_DAYS = 7
# Daily pain is read for this many days back: the baseline week of an infusion up to about
# 16 weeks ago, beyond the 12 weeks relief after ketamine can last.
WINDOW_DAYS = 120

ATTENTION_DEFINITION = (
    "Attention. High: the 7-day mean pain is 30% or more above the baseline of the last "
    "infusion, or the last entry is 4 or more days old (or there is none). Medium: an infusion "
    "is scheduled within 7 days, or relief after the last infusion has ended. Low: otherwise."
)


@dataclass(frozen=True)
class Attention:
    level: str
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return ATTENTION_LABELS[self.level]


@dataclass(frozen=True)
class PatientSummary:
    id: int
    display_name: str
    email: str
    last_entry_day: date | None
    entries_last_14_days: int  # days with at least one entry among the last 14
    mean_pain_7_days: float | None
    baseline: float | None
    change_pct: float | None
    band: str
    last_infusion_day: date | None
    next_infusion_at: datetime | None
    next_infusion_day: date | None  # the patient's local day
    relief_status: str | None
    attention: Attention


def attention(
    *,
    today: date,
    last_entry_day: date | None,
    change_pct: float | None,
    next_infusion_day: date | None,
    relief_status: str | None,
) -> Attention:
    """How much a patient needs the clinician's attention (ATTENTION_DEFINITION).

    high: `change_pct` (7-day mean pain vs the last infusion's baseline) >= +30, or
    `last_entry_day` is None or at least 4 days before `today`;
    medium: `next_infusion_day` is today or within the next 7 days, or `relief_status` is
    "ended" (analysis.RELIEF_ENDED);
    low: otherwise. `reasons` lists every rule that matched, in that order, in words.
    """
    high: list[str] = []
    medium: list[str] = []
    if change_pct is not None and change_pct >= WORSENED_PCT:
        high.append(f"Pain {change_pct:.0f}% above the last infusion's baseline")
    if last_entry_day is None:
        high.append("No diary entries yet")
    elif (today - last_entry_day).days >= SILENT_DAYS:
        high.append(f"No entries for {(today - last_entry_day).days} days")
    if next_infusion_day is not None and 0 <= (next_infusion_day - today).days <= DUE_DAYS:
        days = (next_infusion_day - today).days
        medium.append(
            "Infusion due today" if days == 0 else f"Infusion due in {days} day{'s' * (days > 1)}"
        )
    if relief_status == analysis.RELIEF_ENDED:
        medium.append("Relief after the last infusion has ended")
    if high:
        return Attention(HIGH, tuple(high + medium))
    if medium:
        return Attention(MEDIUM, tuple(medium))
    return Attention(LOW, ())


def patient_summaries(clinician: User, today: date) -> list[PatientSummary]:
    """Each linked patient with recent figures, most in need of attention first (level, then
    the largest worsening, then name). Five queries whatever the number of patients: the
    patients, their last entry day, their daily pain over the last WINDOW_DAYS, their last and
    next infusion, and one INSERT for the audit trail."""
    patients = list(db.session.scalars(linked_patients_query(clinician)))
    if not patients:
        return []
    ids = [p.id for p in patients]
    live = Entry.deleted_at.is_(None)
    last_entry = dict(
        db.session.execute(
            select(Entry.patient_id, func.max(Entry.day))
            .where(Entry.patient_id.in_(ids), live)
            .group_by(Entry.patient_id)
        ).all()
    )
    daily: dict[int, dict[date, float]] = {pid: {} for pid in ids}
    for pid, day, mean in db.session.execute(
        select(Entry.patient_id, Entry.day, func.avg(measures.PAIN.of(Entry)))
        .where(Entry.patient_id.in_(ids), live, Entry.day >= today - timedelta(days=WINDOW_DAYS))
        .group_by(Entry.patient_id, Entry.day)
    ):
        daily[pid][day] = float(mean)
    now = utcnow()
    infusion_times = {
        pid: (last, upcoming)
        for pid, last, upcoming in db.session.execute(
            select(
                Infusion.patient_id,
                # Typed as the column, so SQLite's text comes back as an aware datetime.
                type_coerce(
                    func.max(case((Infusion.started_at <= now, Infusion.started_at))), UTCDateTime
                ),
                type_coerce(
                    func.min(case((Infusion.started_at > now, Infusion.started_at))), UTCDateTime
                ),
            )
            .where(Infusion.patient_id.in_(ids))
            .group_by(Infusion.patient_id)
        )
    }
    # Built before the commit, which would expire the patients and reload each one.
    summaries = [
        _summary(p, today, last_entry.get(p.id), daily[p.id], infusion_times.get(p.id))
        for p in patients
    ]
    audit.record_reads("patient.list", actor=clinician, patient_ids=ids)
    db.session.commit()
    return sorted(
        summaries,
        key=lambda s: (
            ATTENTION_RANK[s.attention.level],
            -(s.change_pct if s.change_pct is not None else float("-inf")),
            s.display_name.casefold(),
            s.id,
        ),
    )


def _summary(
    patient: User,
    today: date,
    last_entry_day: date | None,
    daily_pain: dict[date, float],
    infusion_times: tuple[datetime | None, datetime | None] | None,
) -> PatientSummary:
    tz = zone(patient)
    last_at, next_at = infusion_times or (None, None)
    last_day = last_at.astimezone(tz).date() if last_at else None
    next_day = next_at.astimezone(tz).date() if next_at else None
    mean7 = analysis.window_mean(daily_pain, today - timedelta(days=6), today)
    base = analysis.baseline(daily_pain, last_day) if last_day else None
    change = analysis.percent_change(base, mean7)
    relief = analysis.relief_duration(daily_pain, last_day, base).status if last_day else None
    return PatientSummary(
        id=patient.id,
        display_name=patient.display_name,
        email=patient.email,
        last_entry_day=last_entry_day,
        entries_last_14_days=sum(1 for d in daily_pain if today - timedelta(days=13) <= d <= today),
        mean_pain_7_days=round(mean7, 1) if mean7 is not None else None,
        baseline=round(base, 1) if base is not None else None,
        change_pct=round(change) if change is not None else None,
        band=analysis.responder_band(change),
        last_infusion_day=last_day,
        next_infusion_at=next_at,
        next_infusion_day=next_day,
        relief_status=relief,
        attention=attention(
            today=today,
            last_entry_day=last_entry_day,
            change_pct=change,
            next_infusion_day=next_day,
            relief_status=relief,
        ),
    )
