"""The review's course and session tables' rows (and the report's course rows), written in
Python: 40 courses through a dozen macro calls and a url_for each cost more than the rest of the
page's parts. Same markup as the macros' loops wrote (templates/clinic/_macros.html
course_table, session_table; tests/clinic/test_review_rows.py compares them), every text
escaped (markupsafe), each value formatted once; each session's edit link from one url_for,
the session's id put in by string. Rendered once per computed review page (the page's parts
are kept with it: clinic.views._review_parts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import url_for
from markupsafe import Markup, escape

from diary import analysis
from diary.codes import PGIC_ANSWERS, SEVERITIES, SIDE_EFFECTS, label
from diary.services.review import CourseRow, Responses
from diary.services.treatments import KIND_LABELS

DASH = "\u2013"  # the clinic macros' empty value
# The fixed texts escaped once, not once a course: the side effects' names, the severities
# (lower case) and the response bands' labels.
SAFETY_CODES = [(c, escape(label(SIDE_EFFECTS, c))) for c in analysis.SAFETY_TREND_CODES]
SEVERITIES_LOWER = tuple(escape(s.lower()) for s in SEVERITIES)
BAND_LABELS = {band: escape(text) for band, text in analysis.RESPONDER_LABELS.items()}


def _effect_text(name: str, severity: int | None) -> str:
    """A side effect's line in the "Side effects after" cell (str + Markup: escaped)."""
    return f"{name}: " + (SEVERITIES_LOWER[severity] if severity is not None else "no entries")


# Each line written once, not once a course (three a course, each a Markup concatenation).
EFFECT_TEXTS = {
    (code, severity): _effect_text(name, severity)
    for code, name in SAFETY_CODES
    for severity in (None, *range(len(SEVERITIES)))
}
ID_MARK = 987654321  # an infusion id no session has: replaced by each session's id


def _num(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def _pct1(value: float | None) -> str:
    return analysis.percent_text(value, 1)  # never rounded across its band's edge


def _pts(value: float | None) -> str:
    return DASH if value is None else f"{value:+.1f} pts"


def _text(value) -> str:
    """escape(value), an int written as it is (its text has nothing to escape, and escape
    first looks on it for an __html__ it does not have: a failed lookup a number)."""
    return str(value) if type(value) is int else escape(value)


def _or_dash(value) -> str:
    return DASH if value is None else _text(value)


def _minutes(value: int | None) -> str:
    return f"{_text(value)} min" if value else DASH


def _day(d: date) -> str:
    return d.strftime("%d %b %Y")


def _lines(items: Sequence[str]) -> str:
    """Items one per line (<br> between), a dash when there are none."""
    return "<br>".join(items) if items else DASH


def _course(c: CourseRow) -> str:
    r = c.response
    n = len(c.sessions)
    span = _day(c.first_day) + (f" to {_day(c.end_day)}" if c.end_day != c.first_day else "")
    dose = f"{c.dose_total_mg:g} mg" if c.dose_total_mg is not None else DASH
    if c.doses_missing:
        dose += f' <span class="muted">({_text(c.doses_missing)} without dose)</span>'
    if c.rate_min is None:
        rate = f"rate {DASH}"
    elif c.rate_min == c.rate_max:
        rate = f"{c.rate_min:g} mg/kg/h"
    else:
        rate = f"{c.rate_min:g}-{c.rate_max:g} mg/kg/h"
    adjuncts = escape(", ".join(c.adjuncts)) if c.adjuncts else DASH
    number = _text(c.number)
    after = c.promis_after
    pgic = DASH
    if after and after.pgic:
        pgic = escape(PGIC_ANSWERS[after.pgic - 1].lower())
        if after.pgic_responder:
            pgic += " (responder)"
    before_t = c.promis_before.promis_t if c.promis_before else None
    outcomes = (
        f"PEG {_num(c.peg_before)} \u2192 {_num(c.peg_after)}; PROMIS T {_num(before_t)} \u2192 "
        f"{_num(after.promis_t if after else None)}; PGIC {pgic}"
    )
    effects = "<br>".join(
        [
            EFFECT_TEXTS.get((code, c.effects_after[code]))
            or _effect_text(name, c.effects_after[code])
            for code, name in SAFETY_CODES
        ]
    )
    treatments = _lines(
        [
            f"{t.day.strftime('%d %b')}: {escape(KIND_LABELS.get(t.kind, t.kind))}"
            + (f" ({escape(t.description)})" if t.description else "")
            for t in c.treatments
        ]
    )
    adverse = _lines([f"{d.strftime('%d %b')}: {escape(t)}" for d, t in c.adverse_events])
    return (
        f'\n    <tr data-course="{number}">\n'
        f'      <th scope="row">Course {number}<br><span class="muted">{span}; '
        f"{n} session{'' if n == 1 else 's'}</span></th>\n"
        f'      <td data-label="Dose" data-field="dose">{dose}; {rate}</td>\n'
        f'      <td class="num" data-label="Duration" data-field="duration">'
        f"{_minutes(c.duration_minutes)}</td>\n"
        f'      <td data-label="Adjuncts" data-field="adjuncts">{adjuncts}</td>\n'
        f'      <td class="num" data-label="Baseline" data-field="baseline">'
        f"{_num(r.baseline)}</td>\n"
        f'      <td class="num" data-label="Week 1" data-field="week1">{_num(r.week1_mean)} '
        f"{_pct1(r.week1_change)} {_pts(r.week1_points)} "
        f'<span class="muted">({_text(r.week1_days)} days)</span></td>\n'
        f'      <td data-label="Response, week 1" data-field="band">{BAND_LABELS[r.band]}</td>\n'
        f'      <td class="num" data-label="Best" data-field="best">{_num(r.best_mean)} '
        f"{_pct1(r.best_change)} {_pts(r.best_points)}</td>\n"
        f'      <td data-label="Relief" data-field="relief">{escape(r.relief.text)}</td>\n'
        f'      <td data-label="Next session vs pain back" data-field="pain-back">'
        f"{escape(c.pain_back.text)}</td>\n"
        f'      <td class="num" data-label="Pain before / after" data-field="pre-post">'
        f"{_or_dash(c.pain_pre)} / {_or_dash(c.pain_post)}</td>\n"
        f'      <td data-label="Adverse events" data-field="adverse-events">{adverse}</td>\n'
        f'      <td data-label="PEG / PROMIS / PGIC" data-field="outcomes">{outcomes}</td>\n'
        f'      <td data-label="Rescue medication" data-field="rescue">before '
        f"{escape(c.rescue_before.text)}; after {escape(c.rescue_after.text)}</td>\n"
        f'      <td data-label="Side effects after" data-field="side-effects">{effects}</td>\n'
        f'      <td data-label="Other treatments" data-field="treatments">{treatments}</td>\n'
        "    </tr>\n  "
    )


# Each row written once per CourseRow object: the closed courses' rows are the same objects in
# every record computed from a kept history (services/review/history.py), so after a new entry
# only the open courses' rows are written again. Keyed by id(); the entry holds the row, so
# the id cannot be another object's while it is kept.
_WRITTEN: dict[int, tuple[CourseRow, str]] = {}
WRITTEN_KEPT = 4096


def _course_once(c: CourseRow) -> str:
    found = _WRITTEN.get(id(c))
    if found is not None and found[0] is c:
        return found[1]
    if len(_WRITTEN) >= WRITTEN_KEPT:
        _WRITTEN.clear()
    html = _WRITTEN[id(c)] = (c, _course(c))
    return html[1]


def course_rows(responses: Responses) -> Markup:
    """The course table's <tr>s, newest course first."""
    if not responses.courses:
        return Markup('\n    <tr><td colspan="16">No infusions recorded yet.</td></tr>\n  ')
    return Markup("".join(_course_once(c) for c in reversed(responses.courses)))  # noqa: S704


def session_rows(responses: Responses, patient_id: int, edit: bool = True) -> Markup:
    """The session table's <tr>s, newest session first; with `edit`, each with its edit link."""
    if not responses.past:
        columns = 8 if edit else 7
        return Markup(  # noqa: S704 (a number)
            f'\n    <tr><td colspan="{columns}">No infusions recorded yet.</td></tr>\n  '
        )
    link = ""
    if edit:
        link = url_for("clinic.edit_infusion", patient_id=patient_id, infusion_id=ID_MARK)
        if link.count(str(ID_MARK)) != 1:  # pragma: no cover - the route's shape changed
            raise RuntimeError(f"unexpected edit address {link}")
        link = str(escape(link))
    out = []
    for s in reversed(responses.past):
        r = s.record
        day = _day(s.day)
        dose = f"{r.dose_mg:g} mg" if r.dose_mg is not None else DASH
        rate = f"{r.rate_mg_kg_h:g} mg/kg/h" if r.rate_mg_kg_h is not None else DASH
        if s.css.score is not None:
            css = f"{_text(s.css.score)}/16"
        else:
            css = f'<span class="muted" title="{escape(s.css.reason)}">{DASH}</span>'
        actions = (
            f'<td class="no-print" data-label="Actions"><a href="'
            f'{link.replace(str(ID_MARK), str(int(s.id)))}">Edit<span class="sr-only"> the '
            f"session of {day}</span></a></td>"
            if edit
            else ""
        )
        out.append(
            f'\n    <tr data-session="{_text(s.id)}" data-course="{_text(s.course)}">\n'
            f'      <th scope="row">{day}</th>\n'
            f'      <td data-label="Course" data-field="course">Course {_text(s.course)} '
            f'<span class="muted">({escape(s.course_reason)}'
            f"{'; override' if r.course_rule else ''})</span></td>\n"
            f'      <td class="num" data-label="Dose" data-field="dose">{dose}</td>\n'
            f'      <td class="num" data-label="Rate" data-field="rate">{rate}</td>\n'
            f'      <td class="num" data-label="Duration" data-field="duration">'
            f"{_minutes(r.duration_minutes)}</td>\n"
            f'      <td class="num" data-label="Pain before / after" data-field="pre-post">'
            f"{_or_dash(r.pain_pre)} / {_or_dash(r.pain_post)}</td>\n"
            f'      <td class="num" data-label="CSS" data-field="css">{css}</td>\n'
            f"      {actions}\n"
            "    </tr>\n  "
        )
    return Markup("".join(out))  # noqa: S704 (numbers, and text through escape())
