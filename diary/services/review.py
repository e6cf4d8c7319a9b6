"""The clinician's review of one patient: key figures, infusion responses, and the figures.

Everything the review page, the pre-visit report and GET /patients/<id>/summary show is built
here, in a fixed number of queries whatever the length of the diary: the patient's infusions,
their diary entries (only the columns the analysis needs, see series.py) and their weekly
check-ins. The clinical definitions live in diary.analysis; the figures in diary.charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Row, select

from diary import analysis, charts, measures
from diary.analysis import DayAggregate, InfusionResponse
from diary.codes import PROMIS_PI_4A_ITEMS, SEVERITIES, SIDE_EFFECTS, label
from diary.extensions import db
from diary.models import Infusion, User, WeeklyCheckin, utcnow
from diary.services import series
from diary.services.local_time import local_today, zone

RANGES: dict[str, int | None] = {"30": 30, "90": 90, "180": 180, "365": 365, "all": None}
RANGE_LABELS = {"30": "30 days", "90": "90 days", "180": "180 days", "365": "1 year", "all": "All"}
DEFAULT_RANGE = "90"

CSS_WINDOW_DAYS = 7
SIDE_EFFECT_DAYS = 7
NOTES_SHOWN = 12
REPORT_INFUSIONS = 5

CSS_DEFINITION = (
    "CRPS Severity Score (16-item form, 0-16; Harden 2010): the clinician's 8 exam signs at the "
    "visit plus the 8 symptom items from the diary entries of the 7 days before it. A diary "
    "alone cannot give it; shown only for a visit with an exam and entries in those 7 days."
)

INFUSION_COLUMNS = (
    Infusion.id,
    Infusion.started_at,
    Infusion.duration_minutes,
    Infusion.dose_mg,
    Infusion.rate_mg_kg_h,
    Infusion.adjuncts,
    Infusion.pain_pre,
    Infusion.pain_post,
    Infusion.adverse_events,
    Infusion.notes,
    Infusion.exam_signs,
)


@dataclass(frozen=True)
class SeverityScore:
    """The CSS of one visit, or why there is none (`score` None, `reason` says why)."""

    score: int | None
    reason: str | None = None
    day: date | None = None


@dataclass(frozen=True)
class InfusionRow:
    """One session as the review shows it: the record, its patient-local day, and the outcome."""

    infusion: Row  # the INFUSION_COLUMNS of the session
    day: date
    local_start: datetime
    scheduled: bool
    response: InfusionResponse | None  # None for a scheduled session
    css: SeverityScore


@dataclass(frozen=True)
class SideEffectReport:
    code: str
    label: str
    severity: int

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity]


@dataclass(frozen=True)
class Note:
    day: date
    text: str
    flare: bool


@dataclass(frozen=True)
class Checkin:
    day: date
    promis_raw: int | None
    pgic: int | None


@dataclass(frozen=True)
class KeyFigures:
    """The figures a clinician reads first. The period is "since the last infusion" (the day
    after it to today) when one exists, else the last 30 days."""

    today: date
    period_start: date
    period_end: date
    last_infusion: InfusionRow | None
    next_infusion: InfusionRow | None
    days_since_last_infusion: int | None
    mean_pain_7_days: float | None
    baseline: float | None
    change_pct: float | None
    band: str
    days_with_data_14: int
    adherence: float  # share of days in the period with an entry
    flare_days: tuple[date, ...]
    css: SeverityScore
    latest_checkin: Checkin | None
    side_effects_after_last_infusion: tuple[SideEffectReport, ...]
    notes: tuple[Note, ...]
    last_entry_day: date | None

    @property
    def band_label(self) -> str:
        return analysis.RESPONDER_LABELS[self.band]


@dataclass
class ReviewPage:
    patient: User
    range_key: str
    range_notice: str | None
    start: date
    end: date
    key: KeyFigures
    infusions: list[InfusionRow]  # past sessions in the range, newest first
    figures: dict[str, str] = field(default_factory=dict)  # name -> figure JSON


@dataclass
class _Data:
    patient: User
    today: date
    infusions: list[InfusionRow]  # all, oldest first (scheduled ones last)
    aggregates: dict[date, DayAggregate]
    checkins: list[Checkin]

    @property
    def past(self) -> list[InfusionRow]:
        return [r for r in self.infusions if not r.scheduled]


def parse_range(raw: str | None) -> tuple[str, str | None]:
    """The range key to use and a notice when `raw` was not one of RANGES (the default then)."""
    if raw is None or raw == "":
        return DEFAULT_RANGE, None
    if raw in RANGES:
        return raw, None
    shown = raw[:20]
    return DEFAULT_RANGE, (
        f"'{shown}' is not a range this page offers; showing the last "
        f"{RANGE_LABELS[DEFAULT_RANGE]}. Choose 30, 90, 180 or 365 days, or all."
    )


def review_page(patient: User, range_raw: str | None = None) -> ReviewPage:
    """Everything the review page shows for `range_raw` (see parse_range), in three queries."""
    range_key, notice = parse_range(range_raw)
    today = local_today(patient)
    days = RANGES[range_key]
    range_start = today - timedelta(days=days - 1) if days else None
    data = _load(patient, today, range_start)
    if range_start is None:
        firsts = [*data.aggregates, *(r.day for r in data.past)]
        range_start = min(firsts, default=today)
    key = _key_figures(data)
    in_range = [r for r in data.past if range_start <= r.day <= today]
    page = ReviewPage(
        patient=patient,
        range_key=range_key,
        range_notice=notice,
        start=range_start,
        end=today,
        key=key,
        infusions=list(reversed(in_range)),
    )
    page.figures = _review_figures(data, range_start, today, in_range)
    return page


def summary(patient: User) -> KeyFigures:
    """The key figures alone (GET /patients/<id>/summary): data since the last infusion."""
    today = local_today(patient)
    return _key_figures(_load(patient, today, today - timedelta(days=29)))


@dataclass
class Report:
    patient: User
    key: KeyFigures
    infusions: list[InfusionRow]  # the last few past sessions, newest first
    figures: dict[str, str]


def report(patient: User) -> Report:
    """The printable pre-visit summary: the key figures, the last REPORT_INFUSIONS sessions,
    and two charts (daily pain over the period since the week before the last infusion, and
    pain aligned on the last sessions), sized for an A4 page."""
    today = local_today(patient)
    data = _load(patient, today, today - timedelta(days=29))
    key = _key_figures(data)
    recent = data.past[-REPORT_INFUSIONS:]
    start = min(key.period_start - timedelta(days=7), today - timedelta(days=13))
    daily = analysis.daily_pain(data.aggregates)
    pain_fig = charts.pain_figure(data.aggregates, start, today, [r.day for r in data.past])
    aligned_fig = charts.aligned_figure(
        analysis.aligned_on_infusions(daily, [r.day for r in recent])
    )
    for fig in (pain_fig, aligned_fig):
        fig.update_layout(width=680, height=250, margin={"t": 16, "b": 36})
    figures = {
        measures.PAIN.code: charts.script_json(
            charts.figure_json(pain_fig, config=charts.STATIC_CONFIG)
        ),
        "aligned": charts.script_json(charts.figure_json(aligned_fig, config=charts.STATIC_CONFIG)),
    }
    return Report(patient=patient, key=key, infusions=list(reversed(recent)), figures=figures)


# --- loading ------------------------------------------------------------------------------------


def _load(patient: User, today: date, range_start: date | None) -> _Data:
    """The patient's infusions, then entries from the week before the earlier of `range_start`
    and the last past infusion's baseline week (all of them when range_start is None), then
    weekly check-ins in the same span. Three queries."""
    tz = zone(patient)
    now = utcnow()
    # Plain rows, not ORM objects: a commit before the page is drawn would expire those and
    # the template would then reload each one.
    rows = db.session.execute(
        select(*INFUSION_COLUMNS)
        .where(Infusion.patient_id == patient.id)
        .order_by(Infusion.started_at, Infusion.id)
    ).all()
    local = [(inf, inf.started_at.astimezone(tz)) for inf in rows]
    past_days = [at.date() for inf, at in local if inf.started_at <= now]

    load_from: date | None = None
    if range_start is not None:
        load_from = range_start
        if past_days:
            load_from = min(load_from, past_days[-1] - timedelta(days=analysis.BASELINE_DAYS))
        load_from -= timedelta(days=analysis.BASELINE_DAYS)  # rolling means at the start
    aggregates = analysis.daily_aggregates(series.readings(patient.id, load_from))

    checkin_query = select(WeeklyCheckin.day, WeeklyCheckin.promis_pi, WeeklyCheckin.pgic).where(
        WeeklyCheckin.patient_id == patient.id
    )
    if load_from is not None:
        checkin_query = checkin_query.where(WeeklyCheckin.day >= load_from)
    checkins = [
        Checkin(day=c.day, promis_raw=_promis(c.promis_pi), pgic=c.pgic)
        for c in db.session.execute(checkin_query.order_by(WeeklyCheckin.day))
    ]

    daily = analysis.daily_pain(aggregates)
    infusion_rows: list[InfusionRow] = []
    for inf, at in local:
        day = at.date()
        scheduled = inf.started_at > now
        later = [d for d in past_days if d > day]
        infusion_rows.append(
            InfusionRow(
                infusion=inf,
                day=day,
                local_start=at,
                scheduled=scheduled,
                response=None
                if scheduled
                else analysis.infusion_response(
                    daily, day, next_infusion_day=later[0] if later else None
                ),
                css=_severity_score(inf, day, aggregates),
            )
        )
    return _Data(patient, today, infusion_rows, aggregates, checkins)


def _promis(answers: Mapping[str, int] | None) -> int | None:
    if not answers:
        return None
    try:
        return analysis.promis_pi_raw([answers.get(item.code) for item in PROMIS_PI_4A_ITEMS])
    except ValueError:
        return None


def _severity_score(
    infusion: Row, day: date, aggregates: Mapping[date, DayAggregate]
) -> SeverityScore:
    """The CSS at this visit (CSS_DEFINITION), or why it is not shown."""
    if infusion.exam_signs is None:
        return SeverityScore(None, "No exam recorded at this visit.", day)
    window = [
        aggregates[d]
        for d in analysis.days_between(day - timedelta(days=CSS_WINDOW_DAYS), day - timedelta(1))
        if d in aggregates
    ]
    if not window:
        return SeverityScore(None, "No diary entries in the 7 days before this visit.", day)
    score = analysis.crps_severity_score(
        pain_reported=any(a[measures.PAIN.code] > 0 for a in window),
        symptom_codes=frozenset().union(*(a[measures.SYMPTOMS.code] for a in window)),
        exam_signs=frozenset(infusion.exam_signs),
    )
    return SeverityScore(score, None, day)


# --- figures ------------------------------------------------------------------------------------


def _key_figures(data: _Data) -> KeyFigures:
    today = data.today
    past = data.past
    last = past[-1] if past else None
    upcoming = [r for r in data.infusions if r.scheduled]
    daily = analysis.daily_pain(data.aggregates)
    period_start = last.day + timedelta(days=1) if last else today - timedelta(days=29)
    period_start = min(period_start, today)
    mean7 = analysis.window_mean(daily, today - timedelta(days=6), today)
    base = last.response.baseline if last and last.response else None
    change = analysis.percent_change(base, mean7)
    days_with_entry = set(data.aggregates)
    flare_days = tuple(d for d in analysis.flares(daily) if period_start <= d <= today)

    with_exam = [r for r in past if r.infusion.exam_signs is not None]
    if with_exam:
        css = with_exam[-1].css
    else:
        css = SeverityScore(None, "No exam signs have been recorded at any visit.")

    worst: dict[str, int] = {}
    after_last = (
        analysis.days_between(last.day, last.day + timedelta(days=SIDE_EFFECT_DAYS)) if last else []
    )
    for d in (d for d in after_last if d in data.aggregates):
        for code, severity in data.aggregates[d][measures.SIDE_EFFECTS.code].items():
            worst[code] = max(severity, worst.get(code, 0))
    order = {c.code: i for i, c in enumerate(SIDE_EFFECTS)}
    effects = tuple(
        SideEffectReport(code, label(SIDE_EFFECTS, code), severity)
        for code, severity in sorted(worst.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
        if severity > 0
    )
    flares = set(flare_days)
    notes = tuple(
        Note(d, text, d in flares)
        for d in sorted((d for d in data.aggregates if period_start <= d <= today), reverse=True)
        for text in data.aggregates[d].notes
    )[:NOTES_SHOWN]
    return KeyFigures(
        today=today,
        period_start=period_start,
        period_end=today,
        last_infusion=last,
        next_infusion=upcoming[0] if upcoming else None,
        days_since_last_infusion=(today - last.day).days if last else None,
        mean_pain_7_days=mean7,
        baseline=base,
        change_pct=change,
        band=analysis.responder_band(change),
        days_with_data_14=sum(1 for d in days_with_entry if today - timedelta(13) <= d <= today),
        adherence=analysis.adherence(days_with_entry, period_start, today),
        flare_days=flare_days,
        css=css,
        latest_checkin=data.checkins[-1] if data.checkins else None,
        side_effects_after_last_infusion=effects,
        notes=notes,
        last_entry_day=max(data.aggregates, default=None),
    )


def _review_figures(
    data: _Data, start: date, end: date, in_range: list[InfusionRow]
) -> dict[str, str]:
    aggregates = data.aggregates
    shown = {d: a for d, a in aggregates.items() if start <= d <= end}
    infusion_days = [r.day for r in in_range]
    daily = analysis.daily_pain(aggregates)
    weekly = [(c.day, c.promis_raw, c.pgic) for c in data.checkins]
    figures = {
        measures.PAIN.code: charts.pain_figure(aggregates, start, end, infusion_days),
        measures.SYMPTOMS.code: charts.symptom_figure(aggregates, start, end),
        measures.BODY_SITES.code: charts.body_site_figure(shown),
        "aligned": charts.aligned_figure(analysis.aligned_on_infusions(daily, infusion_days)),
        "sleep": charts.sleep_interference_figure(aggregates, start, end, weekly),
        measures.SIDE_EFFECTS.code: charts.side_effect_figure(aggregates, infusion_days),
    }
    for fig in (figures[measures.SYMPTOMS.code], figures[measures.SIDE_EFFECTS.code]):
        # plotly draws a colour bar with style="" attributes, which the CSP refuses; the page
        # gives these two legends in HTML instead.
        fig.update_traces(showscale=False, selector={"type": "heatmap"})
    return {name: charts.script_json(charts.figure_json(fig)) for name, fig in figures.items()}
