"""The dashboard's rows written in Python (diary/clinic/dashboard_rows.py): the same markup the
template wrote, every value escaped, and the rows kept with the listing never shown to another
clinician nor after a shown patient's row changed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from diary.clinic.dashboard_rows import rows_html
from diary.extensions import db
from diary.models import User
from diary.services.dashboard import Attention, PatientSummary
from tests.factories import login

# The rows as templates/clinic/dashboard.html rendered them before they were written in Python.
TEMPLATE_ROWS = """{% from "clinic/_macros.html" import num, pct with context %}
  {% for p in patients %}
    <tr class="attention--{{ p.attention.level }}" data-patient="{{ p.id }}">
      <th scope="row"><a href="{{ url_for('clinic.review_page', patient_id=p.id) }}">{{ p.display_name }}</a></th>
      <td data-label="Attention"><span class="badge">{{ p.attention.label }}</span>
        {% if p.attention.reasons %}<br><span class="muted">{{ p.attention.reasons|join('; ') }}</span>{% endif %}</td>
      <td data-label="Last entry">{{ p.last_entry_day.strftime('%d %b %Y') if p.last_entry_day else 'never' }}</td>
      <td class="num" data-label="Mean pain, 7 days">{{ num(p.mean_pain_7_days) }}</td>
      <td class="num" data-label="Change vs baseline">{{ pct(p.change_pct) }}{% if p.baseline is not none %} <span class="muted">(baseline {{ num(p.baseline) }})</span>{% endif %}</td>
      <td class="num" data-label="Days with entries, last 14">{{ p.entries_last_14_days }} / 14</td>
      <td data-label="Infusions">last {{ p.last_infusion_day.strftime('%d %b %Y') if p.last_infusion_day else 'none' }}{% if p.next_infusion_day %}; next {{ p.next_infusion_day.strftime('%d %b %Y') }}{% endif %}</td>
    </tr>
  {% endfor %}
"""  # noqa: E501


def _summary(pid: int, name: str, **fields) -> PatientSummary:
    values = {
        "id": pid,
        "display_name": name,
        "email": f"p{pid}@example.org",
        "last_entry_day": None,
        "entries_last_14_days": 0,
        "mean_pain_7_days": None,
        "baseline": None,
        "change_pct": None,
        "band": "no_baseline",
        "last_infusion_day": None,
        "next_infusion_at": None,
        "next_infusion_day": None,
        "relief_status": None,
        "attention": Attention("low", ()),
    }
    return PatientSummary(**(values | fields))


def _tight(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def test_rows_are_the_markup_the_template_wrote(app):
    patients = [
        _summary(
            7,
            'Ann <b>"O\'Neil"</b> & co',
            last_entry_day=date(2026, 6, 9),
            entries_last_14_days=12,
            mean_pain_7_days=6.25,
            baseline=4.0,
            change_pct=56.0,
            last_infusion_day=date(2026, 5, 1),
            next_infusion_at=datetime(2026, 6, 12, 9, tzinfo=UTC),
            next_infusion_day=date(2026, 6, 12),
            attention=Attention(
                "high", ("Pain 56% above the last course's baseline", "Infusion <due> in 2 days")
            ),
        ),
        _summary(8, "Bea", attention=Attention("high", ("No diary entries yet",))),
        _summary(
            9,
            "Cy",
            last_entry_day=date(2026, 6, 10),
            entries_last_14_days=14,
            mean_pain_7_days=0.0,
            baseline=0.04,
            change_pct=-100.0,
            last_infusion_day=date(2026, 4, 30),
        ),
        _summary(10, "Di", mean_pain_7_days=3.05, change_pct=-0.4, baseline=None),
    ]
    with app.test_request_context("/clinic"):
        expected = app.jinja_env.from_string(TEMPLATE_ROWS).render(patients=patients)
        written = rows_html(patients)
    assert _tight(written) == _tight(expected)
    assert "&lt;b&gt;&#34;O&#39;Neil&#34;&lt;/b&gt; &amp; co" in written
    assert "Infusion &lt;due&gt; in 2 days" in written


def test_rows_link_each_patient_to_their_review_and_escape_names(client, make):
    clinician = make.clinician()
    patient = make.patient(display_name="<script>alert(1)</script> & Bo")
    make.link(clinician, patient)
    login(client, clinician)
    html = client.get("/clinic").text
    assert f'<a href="/clinic/patients/{patient.id}">' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Bo" in html
    assert "<script>alert(1)" not in html
    assert client.get(f"/clinic/patients/{patient.id}").status_code == 200


def test_kept_rows_are_never_another_clinicians_and_follow_a_changed_row(app, make):
    first, second = make.clinician(), make.clinician()
    ann, bea = make.patient(display_name="Ann"), make.patient(display_name="Bea")
    both = make.patient(display_name="Shared")
    make.link(first, ann)
    make.link(second, bea)
    make.link(first, both)
    make.link(second, both)
    one, two = app.test_client(), app.test_client()
    login(one, first)
    login(two, second)

    def names(client) -> list[str]:
        html = client.get("/clinic").text
        return re.findall(r'<a href="/clinic/patients/\d+">([^<]*)</a>', html)

    for _ in range(2):  # a first and a repeat view each, interleaved
        assert sorted(names(one)) == ["Ann", "Shared"]
        assert sorted(names(two)) == ["Bea", "Shared"]
    with app.app_context():  # a shown patient's row changes: the kept rows are not reused
        db.session.get(User, ann.id).display_name = "Ann Renamed"
        db.session.commit()
    assert sorted(names(one)) == ["Ann Renamed", "Shared"]
    assert sorted(names(two)) == ["Bea", "Shared"]
    make.infusion(both, first, make.days_ago(-3))
    assert "; next " in one.get("/clinic").text
    assert "; next " in two.get("/clinic").text


def test_daily_pain_gives_each_day_read_far_from_the_first_day(app, make):
    """The daily means' days are worked out from offsets to the first day read (one tuple of
    days per first day): days beyond that tuple come out right too.

    By hand: entries of pain 2 and 6 on one day give a daily mean of 4.0; a single entry of
    pain 7 on a day 450 days later gives 7.0; the first day read is 500 days before the first."""
    from diary.services import dashboard_figures

    patient = make.patient(timezone="UTC")
    early, late = date(2024, 1, 3), date(2024, 1, 3) + timedelta(days=450)
    make.entry(patient, early, 2)
    make.entry(patient, early, 6)
    make.entry(patient, late, 7)
    first = early - timedelta(days=500)
    with app.app_context():
        read = dashboard_figures.daily_pain([dashboard_figures.Bounds(patient.id, None, first)])
    assert read[patient.id][0] == {early: 4.0, late: 7.0}
