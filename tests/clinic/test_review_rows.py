# ruff: noqa: RUF001 (the macros' en dash)
"""The review's course and session rows written in Python (diary/clinic/review_rows.py): the same
markup the macros' loops in templates/clinic/_macros.html wrote, on courses with and without
doses, rates, adjuncts, adverse events, exam signs and other treatments (texts that must be
escaped among them), and on a patient without any infusion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diary.clinic import review_rows
from diary.codes import PGIC_ANSWERS, SEVERITIES
from diary.extensions import db
from diary.models import Treatment, User, WeeklyCheckin
from diary.services import review, treatments
from diary.services.review import pages

# The loops of course_table and session_table as the macros wrote them before (with the number
# macros they call, still in _macros.html).
MACROS = '{% from "clinic/_macros.html" import num, pct1, pts %}'
COURSE_LOOP = """{% for c in responses.courses|reverse %}{% set r = c.response %}
    <tr data-course="{{ c.number }}">
      <th scope="row">Course {{ c.number }}<br><span class="muted">{{ c.first_day.strftime('%d %b %Y') }}{% if c.end_day != c.first_day %} to {{ c.end_day.strftime('%d %b %Y') }}{% endif %}; {{ c.sessions|length }} session{{ '' if c.sessions|length == 1 else 's' }}</span></th>
      <td data-label="Dose" data-field="dose">{% if c.dose_total_mg is not none %}{{ "%g"|format(c.dose_total_mg) }} mg{% else %}–{% endif %}{% if c.doses_missing %} <span class="muted">({{ c.doses_missing }} without dose)</span>{% endif %}; {% if c.rate_min is none %}rate –{% elif c.rate_min == c.rate_max %}{{ "%g"|format(c.rate_min) }} mg/kg/h{% else %}{{ "%g"|format(c.rate_min) }}-{{ "%g"|format(c.rate_max) }} mg/kg/h{% endif %}</td>
      <td class="num" data-label="Duration" data-field="duration">{{ (c.duration_minutes ~ ' min') if c.duration_minutes else '–' }}</td>
      <td data-label="Adjuncts" data-field="adjuncts">{{ c.adjuncts|join(', ') if c.adjuncts else '–' }}</td>
      <td class="num" data-label="Baseline" data-field="baseline">{{ num(r.baseline) }}</td>
      <td class="num" data-label="Week 1" data-field="week1">{{ num(r.week1_mean) }} {{ pct1(r.week1_change) }} {{ pts(r.week1_points) }} <span class="muted">({{ r.week1_days }} days)</span></td>
      <td data-label="Response, week 1" data-field="band">{{ r.band_label }}</td>
      <td class="num" data-label="Best" data-field="best">{{ num(r.best_mean) }} {{ pct1(r.best_change) }} {{ pts(r.best_points) }}</td>
      <td data-label="Relief" data-field="relief">{{ r.relief.text }}</td>
      <td data-label="Next session vs pain back" data-field="pain-back">{{ c.pain_back.text }}</td>
      <td class="num" data-label="Pain before / after" data-field="pre-post">{{ c.pain_pre if c.pain_pre is not none else '–' }} / {{ c.pain_post if c.pain_post is not none else '–' }}</td>
      <td data-label="Adverse events" data-field="adverse-events">{% for d, t in c.adverse_events %}{{ d.strftime('%d %b') }}: {{ t }}{% if not loop.last %}<br>{% endif %}{% else %}–{% endfor %}</td>
      <td data-label="PEG / PROMIS / PGIC" data-field="outcomes">PEG {{ num(c.peg_before) }} → {{ num(c.peg_after) }}; PROMIS T {{ num(c.promis_before.promis_t if c.promis_before else none) }} → {{ num(c.promis_after.promis_t if c.promis_after else none) }}; PGIC {% if c.promis_after and c.promis_after.pgic %}{{ pgic_answers[c.promis_after.pgic - 1]|lower }}{% if c.promis_after.pgic_responder %} (responder){% endif %}{% else %}–{% endif %}</td>
      <td data-label="Rescue medication" data-field="rescue">before {{ c.rescue_before.text }}; after {{ c.rescue_after.text }}</td>
      <td data-label="Side effects after" data-field="side-effects">{% for code, name in safety_codes %}{{ name }}: {{ severities[c.effects_after[code]]|lower if c.effects_after[code] is not none else 'no entries' }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
      <td data-label="Other treatments" data-field="treatments">{% for t in c.treatments %}{{ t.day.strftime('%d %b') }}: {{ treatment_kinds.get(t.kind, t.kind) }}{% if t.description %} ({{ t.description }}){% endif %}{% if not loop.last %}<br>{% endif %}{% else %}–{% endfor %}</td>
    </tr>
  {% else %}
    <tr><td colspan="16">No infusions recorded yet.</td></tr>
  {% endfor %}"""  # noqa: E501
SESSION_LOOP = """{% for s in responses.past|reverse %}{% set r = s.record %}
    <tr data-session="{{ s.id }}" data-course="{{ s.course }}">
      <th scope="row">{{ s.day.strftime('%d %b %Y') }}</th>
      <td data-label="Course" data-field="course">Course {{ s.course }} <span class="muted">({{ s.course_reason }}{% if r.course_rule %}; override{% endif %})</span></td>
      <td class="num" data-label="Dose" data-field="dose">{{ ('%g mg'|format(r.dose_mg)) if r.dose_mg is not none else '–' }}</td>
      <td class="num" data-label="Rate" data-field="rate">{{ ('%g mg/kg/h'|format(r.rate_mg_kg_h)) if r.rate_mg_kg_h is not none else '–' }}</td>
      <td class="num" data-label="Duration" data-field="duration">{{ (r.duration_minutes ~ ' min') if r.duration_minutes else '–' }}</td>
      <td class="num" data-label="Pain before / after" data-field="pre-post">{{ r.pain_pre if r.pain_pre is not none else '–' }} / {{ r.pain_post if r.pain_post is not none else '–' }}</td>
      <td class="num" data-label="CSS" data-field="css">{% if s.css.score is not none %}{{ s.css.score }}/16{% else %}<span class="muted" title="{{ s.css.reason }}">–</span>{% endif %}</td>
      {% if edit %}<td class="no-print" data-label="Actions"><a href="{{ url_for('clinic.edit_infusion', patient_id=patient.id, infusion_id=s.id) }}">Edit<span class="sr-only"> the session of {{ s.day.strftime('%d %b %Y') }}</span></a></td>{% endif %}
    </tr>
  {% else %}
    <tr><td colspan="{{ 8 if edit else 7 }}">No infusions recorded yet.</td></tr>
  {% endfor %}"""  # noqa: E501


def _context(app):
    return {
        "severities": SEVERITIES,
        "safety_codes": review_rows.SAFETY_CODES,
        "treatment_kinds": treatments.KIND_LABELS,
        "pgic_answers": PGIC_ANSWERS,
    }


def _expected(app, loop: str, **values) -> str:
    return app.jinja_env.from_string(MACROS + loop).render(**_context(app), **values)


def _patient(app, make):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    today = datetime.now(UTC).date()
    for i in range(120):
        make.entry(
            patient,
            today - timedelta(days=i),
            pain=(i * 7) % 11,
            peg_enjoyment=i % 11,
            peg_activity=(i + 4) % 11,
            side_effects={"nausea": i % 5} if i % 6 == 0 else {},
            medications=["oxycodone"] if i % 11 == 0 else [],
        )
    sessions = [
        {"dose_mg": 98.5, "rate_mg_kg_h": 0.3, "duration_minutes": 240, "pain_pre": 7},
        {"dose_mg": None, "rate_mg_kg_h": 0.45, "pain_post": 3, "adjuncts": ["midazolam"]},
        {"adverse_events": "vomited <twice> & slept", "exam_signs": ["edema", "allodynia"]},
        {"dose_mg": 120.0, "rate_mg_kg_h": 0.15, "adjuncts": ["midazolam", "clonidine"]},
        {"course_rule": "new", "lab_notes": "LFT <ok>"},
    ]
    for k, fields in enumerate(sessions):
        make.infusion(patient, clinician, today - timedelta(days=100 - k * 22), **fields)
    make.infusion(patient, clinician, today - timedelta(days=99))  # the same course as the first
    with app.app_context():
        db.session.add(
            Treatment(
                patient_id=patient.id,
                day=today - timedelta(days=50),
                kind="nerve_block",
                description="left <side> & more",
            )
        )
        db.session.add(Treatment(patient_id=patient.id, day=today - timedelta(days=49), kind="x"))
        db.session.add(
            WeeklyCheckin(
                patient_id=patient.id,
                day=today - timedelta(days=30),
                pgic=2,
                promis_pi={"pi_day_to_day": 3, "pi_work_home": 2, "pi_social": 3},
            )
        )
        db.session.commit()
    return patient


def test_course_and_session_rows_are_the_markup_the_macros_wrote(app, make):
    patient = _patient(app, make)
    with app.test_request_context("/clinic"):
        patient = db.session.get(User, patient.id)
        responses = pages.build(patient).responses
        assert len(responses.courses) >= 4 and len(responses.past) == 6
        courses = str(review_rows.course_rows(responses))
        assert courses == _expected(app, COURSE_LOOP, responses=responses)
        for edit in (False, True):
            sessions = str(review_rows.session_rows(responses, patient.id, edit))
            expected = _expected(app, SESSION_LOOP, responses=responses, patient=patient, edit=edit)
            assert sessions == expected
    assert "vomited &lt;twice&gt; &amp; slept" in courses
    assert "left &lt;side&gt; &amp; more" in courses
    assert f"/clinic/patients/{patient.id}/infusions/{responses.past[0].id}/edit" in sessions


def test_rows_without_any_infusion(app, make):
    patient = make.patient()
    with app.test_request_context("/clinic"):
        patient = db.session.get(User, patient.id)
        responses = review.responses(patient)
        assert str(review_rows.course_rows(responses)) == _expected(
            app, COURSE_LOOP, responses=responses
        )
        for edit in (True, False):
            assert str(review_rows.session_rows(responses, patient.id, edit)) == _expected(
                app, SESSION_LOOP, responses=responses, patient=patient, edit=edit
            )
