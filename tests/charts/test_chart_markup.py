"""The review's charts written in Python (diary/charts_svg/svg.py): the same markup the template
templates/clinic/_review_chart.html wrote with a loop per tick, rule, series and legend item,
checked on charts of every kind (daily and weekly, empty, with tooltips and as one <path>, with
text that must be escaped); and over a year the late days ringed and counted by week."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from diary import charts_svg
from diary.analysis import Reading, aligned_on_infusions, daily_aggregates, weekly_values
from tests.charts.conftest import day
from tests.clinic.charts_html import read_chart

# templates/clinic/_review_chart.html as it was before the markup was written in Python.
TEMPLATE = """{% if chart.empty %}<p class="muted chart-empty" data-chart-empty>{{ chart.empty }}</p>{% else %}
<svg class="review-chart" viewBox="0 0 {{ chart.width }} {{ chart.height }}" role="img" aria-labelledby="chart-{{ chart.key }}-title" focusable="false" data-drawn="{{ chart.key }}">
<title id="chart-{{ chart.key }}-title">{{ chart.title }}</title>
{% for p in chart.panels %}{% set left, top, right, bottom = p.box %}
<g class="panel">
{% if p.title %}<text class="panel-title" x="{{ left }}" y="{{ top - 5 }}">{{ p.title }}</text>{% endif %}
{% if p.grid %}{% for t in p.y_ticks %}<line class="grid" x1="{{ left }}" x2="{{ right }}" y1="{{ t.at }}" y2="{{ t.at }}"/>{% endfor %}{% endif %}
{% if p.x_grid %}{% for t in p.x_ticks %}<line class="grid" x1="{{ t.at }}" x2="{{ t.at }}" y1="{{ top }}" y2="{{ bottom }}"/>{% endfor %}{% endif %}
<line class="axis" x1="{{ left }}" x2="{{ right }}" y1="{{ bottom }}" y2="{{ bottom }}"/>
{% for t in p.y_ticks %}<text{% if p.row_labels %} class="row-label"{% endif %} x="{{ left - 6 }}" y="{{ t.at + 4 }}" text-anchor="end">{{ t.label }}</text>{% endfor %}
{% for t in p.y2_ticks %}<text x="{{ right + 6 }}" y="{{ t.at + 4 }}">{{ t.label }}</text>{% endfor %}
{% for t in p.x_ticks %}<line class="axis" x1="{{ t.at }}" x2="{{ t.at }}" y1="{{ bottom }}" y2="{{ bottom + 4 }}"/><text x="{{ t.at }}" y="{{ bottom + 16 }}" text-anchor="{{ 'end' if t.at > chart.width - 40 else 'middle' }}">{{ t.label }}</text>{% endfor %}
{% if p.x_title %}<text class="axis-title" x="{{ ((left + right) / 2)|round(1) }}" y="{{ bottom + 34 }}" text-anchor="middle">{{ p.x_title }}</text>{% endif %}
{% if p.y_title %}{% set cy = ((top + bottom) / 2)|round(1) %}<text class="axis-title" x="14" y="{{ cy }}" text-anchor="middle" transform="rotate(-90 14 {{ cy }})">{{ p.y_title }}</text>{% endif %}
{% if p.y2_title %}{% set cy = ((top + bottom) / 2)|round(1) %}<text class="axis-title" x="{{ chart.width - 12 }}" y="{{ cy }}" text-anchor="middle" transform="rotate(90 {{ chart.width - 12 }} {{ cy }})">{{ p.y2_title }}</text>{% endif %}
{% for u in p.rules %}<line class="rule" data-at="{{ u.at }}" x1="{{ u.x }}" x2="{{ u.x }}" y1="{{ top }}" y2="{{ bottom }}" stroke="{{ u.colour }}"{% if u.dash %} stroke-dasharray="{{ u.dash }}"{% endif %}/>{% endfor %}
{{ p.rects_svg() }}
{% for s in p.lines %}<g data-series="{{ s.name }}">
{% if s.paths %}<g fill="none" stroke="{{ s.colour }}" stroke-width="{{ s.width }}" stroke-linejoin="round"{% if s.dash %} stroke-dasharray="{{ s.dash }}"{% endif %}>{% for path in s.paths %}<polyline points="{{ path }}"/>{% endfor %}</g>{% endif %}
{% if s.shape %}<g fill="{{ 'none' if s.shape == 'ring' else s.colour }}"{% if s.shape == 'ring' %} stroke="{{ s.colour }}" stroke-width="2"{% endif %}>{{ s.marks_svg() }}</g>{% endif %}
</g>{% endfor %}
</g>
{% endfor %}
</svg>
{% if chart.legend %}<ul class="chart-legend" aria-hidden="true">
{% for item in chart.legend %}<li><svg viewBox="0 0 24 12" width="24" height="12">{% if item.shape == 'rect' %}<rect x="4" y="0" width="16" height="12" fill="{{ item.colour }}" stroke="#ccc"/>{% else %}{% if item.line %}<line x1="1" x2="23" y1="6" y2="6" stroke="{{ item.colour }}" stroke-width="2"{% if item.dash %} stroke-dasharray="{{ item.dash }}"{% endif %}/>{% endif %}{% if item.shape in ('circle', 'ring') %}<circle cx="12" cy="6" r="4" fill="{{ 'none' if item.shape == 'ring' else item.colour }}" stroke="{{ item.colour }}" stroke-width="{{ 2 if item.shape == 'ring' else 0 }}"/>{% elif item.shape == 'diamond' %}<polygon points="12,0 18,6 12,12 6,6" fill="{{ item.colour }}"/>{% elif item.shape == 'square' %}<rect x="7" y="1" width="10" height="10" fill="{{ item.colour }}"/>{% elif item.shape == 'triangle-down' %}<polygon points="6,1 18,1 12,11" fill="{{ item.colour }}"/>{% elif item.shape == 'triangle-up' %}<polygon points="6,11 18,11 12,1" fill="{{ item.colour }}"/>{% endif %}{% endif %}</svg>{{ item.name }}</li>{% endfor %}
</ul>{% endif %}
{% endif %}
{% if chart.table.rows %}<details class="chart-data no-print" data-chart-table="{{ chart.key }}">
<summary>The numbers in this chart</summary>
</details>{% endif %}
"""  # noqa: E501


def _late(i: int) -> datetime:
    return datetime.combine(day(i) + timedelta(days=2), time(12), UTC)


def _charts(aggregates):
    pain = {d: a.pain for d, a in aggregates.items()}
    long = daily_aggregates(
        [
            Reading(day=day(i), pain=i % 10, pain_worst=(i * 3) % 11, recorded_at=_late(i))
            for i in range(400)
            if i % 17
        ]
    )
    weeks = weekly_values(long, ["pain", "pain_worst", "symptoms"], day(0), day(399))
    aligned = aligned_on_infusions(pain, [day(0), day(3)])
    return [
        charts_svg.pain_chart(
            aggregates, day(0), day(9), [day(2)], treatments=[(day(4), "Block <b>&</b>")]
        ),
        charts_svg.pain_chart(long, day(0), day(149), [day(5)]),
        charts_svg.pain_chart(long, day(0), day(399), [day(5), day(300)], weeks=weeks),
        charts_svg.pain_chart({}, day(0), day(9), []),  # empty: said, not drawn
        charts_svg.aligned_chart(aligned, names={day(0): 'Course 1 "A" & <b>'}),
        charts_svg.aligned_chart([]),
        charts_svg.symptom_chart(aggregates, day(0), day(9)),
        charts_svg.symptom_chart(long, day(0), day(399), weeks=weeks),
        charts_svg.body_site_chart({"left_hand": 2, "old<code>": 1}),
        charts_svg.sleep_chart(aggregates, day(0), day(9), [(day(6), 12, 2), (day(8), None, 7)]),
        charts_svg.side_effect_chart(aggregates, [("Course 1", day(0), day(7))]),
        charts_svg.side_effect_chart(aggregates, []),
        charts_svg.dose_response_chart([("Course 1", 0.3, 16, -62.5), ("Course 2", None, 3, 1)]),
        charts_svg.safety_chart([("Course 1", {"nausea": 1}), ("C2", {})], ("nausea",)),
    ]


def test_chart_html_is_the_markup_the_template_wrote(app, aggregates):
    charts = _charts(aggregates)
    assert any(c.empty for c in charts) and any(not c.table.rows for c in charts)
    with app.test_request_context():
        for chart in charts:
            expected = app.jinja_env.from_string(TEMPLATE).render(chart=chart)
            assert str(chart.html()) == expected, chart.key
    assert "Block &lt;b&gt;&amp;&lt;/b&gt;" in str(charts[0].html())


def test_over_a_year_late_days_are_ringed_and_counted_by_week():
    """Monday 4 May 2026 (day 3) starts a week: days 3-9 have pain 4, days 4 and 5 recorded
    late (2 days after): the week's mean 4.0 is ringed, 2 late days in the table. The week of
    11 May has entries on days 10-12 only (pain 6, day 11 late): no mean, so no ring, but its
    late day is counted in the table. Every other day is on time; the daily rings are gone."""
    readings = [Reading(day=day(i), pain=5, recorded_at=None) for i in range(3)]
    readings += [
        Reading(day=day(i), pain=4, recorded_at=_late(i) if i in (4, 5) else None)
        for i in range(3, 10)
    ]
    readings += [
        Reading(day=day(i), pain=6, recorded_at=_late(i) if i == 11 else None)
        for i in range(10, 13)
    ]
    aggregates = daily_aggregates(readings)
    weeks = weekly_values(aggregates, ["pain", "pain_worst"], day(0), day(400))
    chart = charts_svg.pain_chart(aggregates, day(0), day(400), [day(6)], weeks=weeks)
    rings = chart.line("Recorded late")
    now = chart.line("Pain now (weekly mean)")
    assert [(m.at, m.value) for m in rings.marks] == [("2026-05-04", 4.0)]
    (ring,) = rings.marks
    assert (ring.x, ring.y) == next((m.x, m.y) for m in now.marks if m.at == "2026-05-04")
    assert ring.tip == "Week of 4 May 2026: 2 days recorded after the next day"
    head = chart.table.head
    assert head == ("Week or day", "Pain now (weekly mean)", "Infusion", "Recorded late")
    assert chart.table.rows == (
        ("4 May 2026", "4", "", "2 days"),
        ("7 May 2026", "", "yes", ""),  # the infusion (day 6) stays on its day
        ("11 May 2026", "", "", "1 day"),  # no mean, no ring: the count is here
    )  # no row per late day
    assert "days recorded late by week" in chart.table.caption
    read = read_chart(str(chart.html()), chart.table.data())
    assert read["series"]["Recorded late"]["x"] == ["2026-05-04"]


def test_up_to_a_year_late_days_are_ringed_by_day():
    readings = [
        Reading(day=day(i), pain=3, recorded_at=_late(i) if i in (1, 2) else None) for i in range(5)
    ]
    chart = charts_svg.pain_chart(daily_aggregates(readings), day(0), day(4), [])
    assert [(m.at, m.value) for m in chart.line("Recorded late").marks] == [
        ("2026-05-02", 3),
        ("2026-05-03", 3),
    ]
    assert [r[-1] for r in chart.table.rows] == ["", "yes", "yes", "", ""]
