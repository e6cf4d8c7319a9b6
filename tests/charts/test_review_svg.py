"""The review's charts drawn as SVG on the server (diary.charts_svg), checked on a hand-made diary
(tests/charts/conftest.py): the right days, the right values, infusions at the right x, gaps as
gaps; then each drawn by its template as accessible, CSP-clean SVG with its numbers in a table.

The diary: day 0 (1 May 2026) pain 7, worst 9, sleep 5 h, quality 3, enjoyment 6, activity 7,
burning and swelling, left hand and wrist, nausea 1; day 1 two entries, pain 6 and 4 (mean 5),
worst 8 and 9 (9), burning, left hand, nausea 3 and dissociation 2; day 3 pain 3, sleep 7.5 h,
headache 2; day 9 pain 2, allodynia. Days 2 and 4-8 have no entry.

The pain chart's plot area runs from x 64 to 704 and y 256 (pain -0.3) to 16 (pain 10.3): over
days 0-9, day i sits at 64 + (i + 0.5) * 64 = 96 + 64 i, pain v at 256 - (v + 0.3) * 240 / 10.6.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import orjson
import pytest

from diary import analysis, charts_svg
from diary.analysis import (
    Reading,
    aligned_on_infusions,
    daily_aggregates,
    days_between,
    weekly_values,
)
from diary.charts_svg.daily import _runs
from diary.charts_svg.plot import DayScale
from diary.codes import BODY_SITES, SIDE_EFFECTS, SYMPTOMS
from tests.charts.conftest import day
from tests.clinic.charts_html import read_chart


def y_pain(v: float) -> float:
    return round(256 - (v + 0.3) * 240 / 10.6, 1)


def marks(line) -> list[tuple[date | str, float, float, float]]:
    return [(m.at, m.value, m.x, m.y) for m in line.marks]


# --- daily pain ---------------------------------------------------------------------------------


def test_pain_chart_places_each_day_and_leaves_gaps(aggregates):
    chart = charts_svg.pain_chart(aggregates, day(0), day(9), [day(2), day(8), day(30)])
    now = chart.line("Pain now (daily mean)")
    assert marks(now) == [
        (day(0).isoformat(), 7, 96.0, y_pain(7)),
        (day(1).isoformat(), 5, 160.0, y_pain(5)),
        (day(3).isoformat(), 3, 288.0, y_pain(3)),
        (day(9).isoformat(), 2, 672.0, y_pain(2)),
    ]
    # days 0 and 1 are joined; day 2 has no entry, so day 3 and day 9 stand alone
    assert now.paths == (f"96.0,{y_pain(7)} 160.0,{y_pain(5)}",)
    assert [(m.at, m.value) for m in chart.line("Worst pain (24 h)").marks] == [
        (day(0).isoformat(), 9),
        (day(1).isoformat(), 9),
    ]
    assert chart.line("7-day mean").marks == ()  # never 4 of 7 days with an entry
    # infusions on day 2 and 8 (day 30 is outside the period): a triangle at 10 and a rule
    assert marks(chart.line("Infusion")) == [
        (day(2).isoformat(), 10, 224.0, y_pain(10)),
        (day(8).isoformat(), 10, 608.0, y_pain(10)),
    ]
    assert chart.line("Infusion").paths == ()  # markers, not a line between infusions
    (panel,) = chart.panels
    assert [(rule.at, rule.x) for rule in panel.rules] == [
        (day(2).isoformat(), 224.0),
        (day(8).isoformat(), 608.0),
    ]
    assert [t.label for t in panel.y_ticks] == ["0", "2", "4", "6", "8", "10"]
    assert panel.y_title == "Pain (0-10)"
    assert chart.table.head == ("Day", "Pain now (daily mean)", "Worst pain (24 h)", "Infusion")
    assert chart.table.rows[:3] == (
        ("1 May 2026", "7", "9", ""),
        ("2 May 2026", "5", "9", ""),
        ("3 May 2026", "", "", "yes"),
    )
    assert "2 infusions" in chart.title


def test_pain_chart_seven_day_mean_and_other_treatments(aggregates):
    """With pain 1 on days 4 and 5, day 4's window (days -2..4) has days 0, 1, 3, 4: mean of 7,
    5, 3 and 1 = 4.0; day 3's has only 3 days: no mean."""
    more = dict(aggregates)
    for i in (4, 5):
        more[day(i)] = daily_aggregates([Reading(day=day(i), pain=1)])[day(i)]
    chart = charts_svg.pain_chart(
        more, day(0), day(9), [], treatments=[(day(4), "Nerve block"), (day(40), "Later")]
    )
    mean = dict((m.at, m.value) for m in chart.line("7-day mean").marks)
    assert day(3).isoformat() not in mean and mean[day(4).isoformat()] == pytest.approx(4.0)
    assert marks(chart.line("Other treatment")) == [(day(4).isoformat(), 0, 352.0, y_pain(0))]
    assert ("5 May 2026", "1", "", "4", "Nerve block") in chart.table.rows


def test_pain_chart_without_entries_says_so():
    chart = charts_svg.pain_chart({}, day(0), day(2), [])
    assert chart.empty == "No pain recorded in this period."


def test_weekly_pain_and_symptoms_keep_the_infusion_on_its_day():
    """Friday 1 May .. Thursday 21 May 2026 (day 0..20), weeks from Monday 27 April: pain 6 on
    3 days (a gap), 2 on 5 days (2.0), 4 on 4 days (4.0; swelling on day 12), 8 on 3 days (a
    gap). The x axis runs from 27 April (-0.5) to 21 May (24.5): day d after 27 April sits at
    64 + (d + 0.5) * 640 / 25; the infusion on 6 May (day 9) at 307.2, Monday 4 May at 256.0."""
    readings = [Reading(day=day(i), pain=6) for i in range(3)]
    readings += [Reading(day=day(i), pain=2) for i in (3, 4, 5, 7, 9)]
    readings += [
        Reading(day=day(i), pain=4, symptoms=frozenset({"swelling"} if i == 12 else ()))
        for i in (10, 11, 12, 13)
    ]
    readings += [Reading(day=day(i), pain=8) for i in (17, 18, 20)]
    aggregates = daily_aggregates(readings)
    weeks = weekly_values(aggregates, ["pain", "pain_worst", "symptoms"], day(0), day(20))
    chart = charts_svg.pain_chart(aggregates, day(0), day(20), [day(5)], weeks=weeks)
    now = chart.line("Pain now (weekly mean)")
    assert [(m.at, m.value, m.x) for m in now.marks] == [
        ("2026-05-04", 2.0, 256.0),
        ("2026-05-11", 4.0, 435.2),
    ]
    assert len(now.paths) == 1  # consecutive weeks joined
    assert "7-day mean" not in [s.name for s in chart.panels[0].lines]
    assert [(m.at, m.x) for m in chart.line("Infusion").marks] == [("2026-05-06", 307.2)]
    symptoms = charts_svg.symptom_chart(aggregates, day(0), day(20), weeks=weeks)
    rects = symptoms.panels[0].rects
    assert [b.at for b in rects if b.value is None] == [  # every week has entries
        "2026-04-27",
        "2026-05-04",
        "2026-05-11",
        "2026-05-18",
    ]
    assert [b.at for b in rects if b.at.startswith("swelling|")] == ["swelling|2026-05-11"]


# --- symptoms and body sites --------------------------------------------------------------------


def test_symptom_grid_rows_in_code_order_blank_without_entry(aggregates):
    chart = charts_svg.symptom_chart(aggregates, day(0), day(3))
    (panel,) = chart.panels
    assert [t.label for t in panel.y_ticks] == [c.label for c in SYMPTOMS]
    # a pale column on the days with an entry (not day 2), an orange cell where reported
    columns = [(b.at, b.fill, b.h) for b in panel.rects if b.value is None]
    assert columns == [(day(i).isoformat(), "#eef2f7", 18 * len(SYMPTOMS)) for i in (0, 1, 3)]
    cells = {b.at: (b.value, b.fill) for b in panel.rects if b.value is not None}
    assert cells == {
        f"burning|{day(0).isoformat()}": (1, "#D55E00"),
        f"swelling|{day(0).isoformat()}": (1, "#D55E00"),
        f"burning|{day(1).isoformat()}": (1, "#D55E00"),
    }  # day 3's entry has no symptom: its column stays pale; allodynia (day 9) is outside
    assert ("1 May 2026", "Burning pain, Swelling") in chart.table.rows
    assert ("4 May 2026", "none") in chart.table.rows


def test_body_site_bars_most_frequent_first():
    chart = charts_svg.body_site_chart({"left_wrist": 1, "left_hand": 2, "right_foot": 1})
    (panel,) = chart.panels
    names = {c.code: c.label for c in BODY_SITES}
    order = [c.code for c in BODY_SITES]
    ties = sorted(["left_wrist", "right_foot"], key=order.index)
    assert [t.label for t in panel.y_ticks] == [names["left_hand"], *(names[c] for c in ties)]
    # x from 0 (at 160) to 2 days (at 696): 2 days is the whole width, 1 day half of it
    assert [(b.at, b.value, b.x, b.w) for b in panel.rects] == [
        ("left_hand", 2, 160, 536.0),
        (ties[0], 1, 160, 268.0),
        (ties[1], 1, 160, 268.0),
    ]
    assert charts_svg.body_site_chart({}).empty


# --- aligned ------------------------------------------------------------------------------------


def test_aligned_chart_one_line_per_course_cut_at_the_next():
    """Pain 5 on days -7..-1, 2 on day 3, 4 on day 40: the course ending on day 0 has its
    week before joined as one line, day 3 alone; day 40 is the next course's day 0 (a marker
    at 10 in the first line's colour), never a point of the first line. x runs from -8 to 85:
    day 0 at 64 + 8 / 93 * 640 = 119.1."""
    pain = {day(i): 5.0 for i in range(-7, 0)} | {day(3): 2.0, day(40): 4.0}
    chart = charts_svg.aligned_chart(
        aligned_on_infusions(pain, [day(0), day(40)]), names={day(0): "Course 1"}
    )
    first = chart.line("Course 1")
    assert [(m.at, m.value) for m in first.marks] == [(str(o), 5.0) for o in range(-7, 0)] + [
        ("3", 2.0)
    ]
    assert len(first.paths) == 1 and len(first.paths[0].split()) == 7
    nxt = chart.line("Next infusion after Course 1")
    assert [(m.at, m.value) for m in nxt.marks] == [("40", 10)] and nxt.colour == first.colour
    second = chart.line(day(40).isoformat())
    assert [(m.at, m.value) for m in second.marks] == [("0", 4.0)]
    assert [(u.at, u.x) for u in chart.panels[0].rules] == [("0", 119.1)]
    assert chart.table.rows[0][:2] == ("Course 1", "40")
    assert charts_svg.aligned_chart([]).empty


def test_aligned_chart_draws_the_last_seven_courses_one_colour_each():
    """Ten courses 40 days apart: the last seven drawn (ALIGNED_COURSES, one palette colour
    each), the title and table caption say 7 of 10, the note says where the others are; with
    `of` the caller's count of courses in the period (it aligned only the drawn ones)."""
    days = [day(40 * i) for i in range(10)]
    pain = {day(i): float(i % 11) for i in range(-7, 40 * 10)}
    aligned = aligned_on_infusions(pain, days)
    names = {d: f"Course {i + 1}" for i, d in enumerate(days)}
    chart = charts_svg.aligned_chart(aligned, names=names)
    lines = [s for s in chart.panels[0].lines if not s.name.startswith("Next")]
    assert [s.name for s in lines] == [f"Course {i}" for i in range(4, 11)]
    assert [s.colour for s in lines] == list(charts_svg.plot.COLOURS)
    assert [item.name for item in chart.legend] == [s.name for s in lines] + ["Next infusion"]
    assert chart.title == (
        "Daily pain around the last 7 of 10 courses, by day from the course's last day"
    )
    assert chart.footnote.startswith("Only the last 7 of the 10 courses in this period are drawn")
    assert "response table" in chart.footnote
    assert chart.table.caption == (
        "Pain by day from the last day of the last 7 of 10 courses (day: pain)"
    )
    assert [row[0] for row in chart.table.rows] == [s.name for s in lines]
    html = str(chart.html())
    assert html.count("<polyline") == sum(len(s.paths) for s in lines)
    assert "data-chart-footnote>Only the last 7 of the 10 courses" in html
    # every point has a tooltip (at most seven courses of ~93 points)
    assert all(m.tip for s in lines for m in s.marks)
    # the caller aligned only the drawn seven: the same chart, counted of ten
    assert charts_svg.aligned_chart(aligned[-7:], names=names, of=10) == chart


def test_aligned_chart_of_seven_courses_or_fewer_draws_them_all_without_a_note():
    days = [day(40 * i) for i in range(8)]
    pain = {day(i): 4.0 for i in range(-7, 40 * 8)}
    aligned = aligned_on_infusions(pain, days)
    seven = charts_svg.aligned_chart(aligned[1:])
    assert seven.title == "Daily pain around each of 7 courses, by day from the course's last day"
    assert seven.footnote == "" and "data-chart-footnote" not in str(seven.html())
    assert seven.table.caption == "Pain by day from each course's last day (day: pain)"
    assert len(seven.table.rows) == 7
    eight = charts_svg.aligned_chart(aligned)
    assert eight.title.startswith("Daily pain around the last 7 of 8 courses")
    assert [row[0] for row in eight.table.rows] == [d.isoformat() for d in days[1:]]
    assert charts_svg.aligned_chart(aligned[1:], of=7) == seven


# --- sleep, interference and check-ins ----------------------------------------------------------


def test_sleep_chart_three_panels(aggregates):
    """The check-in panel is the third (y 384 .. 534): PROMIS 12 on the left axis (3.5 .. 20.5)
    at 534 - 8.5 / 17 * 150 = 459, PGIC 2 on the right axis (0.5 .. 7.5) at 534 - 1.5 / 7 *
    150 = 501.9; the check-ins outside the period are left out."""
    checkins = [(day(6), 12, 2), (day(13), None, 4), (day(-10), 20, 7)]
    chart = charts_svg.sleep_chart(aggregates, day(0), day(9), checkins)
    assert [p.title for p in chart.panels] == [
        "Sleep",
        "Pain interference (PEG)",
        "Weekly check-in",
    ]
    hours = chart.line("Hours slept")
    assert [(m.at, m.value) for m in hours.marks] == [
        (day(0).isoformat(), 5.0),
        (day(3).isoformat(), 7.5),
    ]
    assert hours.paths == ()  # day 0 and day 3 are not consecutive: no line across the gap
    assert [m.value for m in chart.line("Sleep quality").marks] == [3]
    assert [m.value for m in chart.line("Interference: enjoyment").marks] == [6]
    assert [m.value for m in chart.line("Interference: activity").marks] == [7]
    promis, pgic = chart.line("PROMIS PI 4a (raw, 4-20)"), chart.line("PGIC (1-7)")
    assert [(m.at, m.value, m.y) for m in promis.marks] == [(day(6).isoformat(), 12, 459.0)]
    assert [(m.at, m.value, m.y) for m in pgic.marks] == [(day(6).isoformat(), 2, 501.9)]
    assert chart.panels[2].y2_title == "PGIC"


# --- across courses -----------------------------------------------------------------------------


def test_side_effect_grid_highest_severity_per_course(aggregates):
    windows = [
        ("Course 1", day(0), day(2)),
        ("Course 2", day(3), day(10)),
        ("C3", day(20), day(27)),
    ]
    chart = charts_svg.side_effect_chart(aggregates, windows)
    (panel,) = chart.panels
    cells = {b.at: (b.value, b.fill) for b in panel.rects}
    assert cells["nausea|Course 1"] == (3, "#d7301f") and cells["nausea|Course 2"] == (0, "#f2f2f2")
    assert cells["dissociation|Course 1"][0] == 2 and cells["headache|Course 2"][0] == 2
    assert not [at for at in cells if at.endswith("|C3")]  # no entries: blank, not "none"
    assert [t.label for t in panel.y_ticks] == [c.label for c in SIDE_EFFECTS]
    nausea = next(row for row in chart.table.rows if row[0] == "Nausea")
    assert nausea == ("Nausea", "3 severe", "0 none", "no entries")
    # the same grid from each window's highest severities, as the review has them per course
    columns = [
        (
            name,
            analysis.highest_severities(
                [aggregates[d].side_effects for d in days_between(first, last) if d in aggregates]
            ),
        )
        for name, first, last in windows
    ]
    assert charts_svg.side_effect_grid(columns) == chart


def test_dose_response_and_safety_charts():
    chart = charts_svg.dose_response_chart(
        [
            ("Course 1", 0.3, 16, -62.5),
            ("Course 2", None, 10, -50.0),
            ("Course 3", 0.5, None, -40.04),
        ]
    )
    relief, best = chart.line("Relief (days)"), chart.line("Best change (%)")
    assert [(m.at, m.value) for m in relief.marks] == [("Course 1", 16)]
    assert [(m.at, m.value) for m in best.marks] == [("Course 1", -62.5), ("Course 3", -40.0)]
    assert relief.marks[0].x == best.marks[0].x == round(64 + 0.3 / 0.55 * 592, 1)
    assert chart.table.rows == (("Course 1", "0.3", "16", "-62.5"), ("Course 3", "0.5", "", "-40"))
    safety = charts_svg.safety_chart(
        [("Course 1", {"dissociation": 2, "nausea": 0}), ("Course 2", {"dissociation": None})],
        ("dissociation", "nausea"),
    )
    assert [(m.at, m.value) for m in safety.panels[0].line("Feeling unreal or detached").marks] == [
        ("Course 1", 2)
    ]
    assert safety.table.rows[1] == ("Course 2", "no entries", "no entries")


# --- drawn by the template ----------------------------------------------------------------------


def test_each_chart_is_drawn_as_accessible_csp_clean_svg(app, aggregates):
    from flask import render_template

    pain = {d: a.pain for d, a in aggregates.items()}
    charts = [
        charts_svg.pain_chart(aggregates, day(0), day(9), [day(2)], treatments=[(day(4), "x")]),
        charts_svg.aligned_chart(aligned_on_infusions(pain, [day(2)])),
        charts_svg.symptom_chart(aggregates, day(0), day(9)),
        charts_svg.body_site_chart({"left_hand": 2}),
        charts_svg.sleep_chart(aggregates, day(0), day(9), [(day(6), 12, 2)]),
        charts_svg.side_effect_chart(aggregates, [("Course 1", day(0), day(7))]),
        charts_svg.dose_response_chart([("Course 1", 0.3, 16, -62.5)]),
        charts_svg.safety_chart([("Course 1", {"nausea": 1})], ("nausea",)),
    ]
    with app.test_request_context():
        for chart in charts:
            html = render_template("clinic/_review_chart.html", chart=chart)
            assert "style=" not in html and "<script" not in html, chart.key
            assert re.search(r'<svg class="review-chart"[^>]* role="img" aria-labelledby=', html)
            assert f'<details class="chart-data no-print" data-chart-table="{chart.key}">' in html
            read = read_chart(html, orjson.loads(orjson.dumps(chart.table.data())))
            assert read["title"] == chart.title
            assert read["table"][0] == list(chart.table.head), chart.key  # the numbers
            for line in (s for p in chart.panels for s in p.lines if s.shape):
                assert read["series"][line.name]["y"] == [
                    None if m.value is None else round(m.value, 2) for m in line.marks
                ], (chart.key, line.name)
        pain_html = render_template("clinic/_review_chart.html", chart=charts[0])
    assert read_chart(pain_html, charts[0].table.data())["rules"] == [day(2).isoformat()]
    assert (
        'data-at="2026-05-03"' in pain_html and "<title>Infusion, 3 May 2026</title>" in pain_html
    )


def test_narrow_symptom_cells_are_drawn_as_runs():
    """200 days over 374 units: cells of 1.87 units, drawn without gaps, so burning on days
    0-9 and 20 is two rectangles (days 0-9 as one, 10 cells wide; day 20 alone), and the days
    with an entry (0-9, 20) two pale columns."""
    aggregates = daily_aggregates(
        [Reading(day=day(i), pain=3, symptoms=frozenset({"burning"})) for i in [*range(10), 20]]
    )
    chart = charts_svg.symptom_chart(aggregates, day(0), day(199))
    rects = chart.panels[0].rects
    cell = (704 - 330) / 200
    assert [(b.at, b.w) for b in rects if b.value is None] == [
        (f"{day(0).isoformat()}/{day(9).isoformat()}", round(10 * cell, 1)),
        (day(20).isoformat(), round(cell, 1)),
    ]
    assert [(b.at, b.x) for b in rects if b.value == 1] == [
        (f"burning|{day(0).isoformat()}/{day(9).isoformat()}", 330),
        (f"burning|{day(20).isoformat()}", round(330 + 20 * cell, 1)),
    ]


def test_a_long_series_is_one_path_read_back_to_the_same_days_places_and_numbers(app):
    """150 days (more than plot.TIP_LIMIT marks: no tooltips), pain 0..9 repeating, day 3
    missing; days 0-119 recorded late (2 days after). Pain now and the late rings are each ONE
    <path> (a subpath per mark) carrying the days and numbers in order; read back, they are
    the days and pains entered, at their places: day 0 at x = 64 + 0.5 / 150 * 640 = 66.1, pain
    0 at y_pain(0), joined to day 1 and 2, and day 4 starts a new run (day 3 is a gap)."""
    from datetime import UTC, datetime, time, timedelta

    from flask import render_template

    readings = [
        Reading(
            day=day(i),
            pain=i % 10,
            recorded_at=datetime.combine(day(i) + timedelta(days=2), time(12), UTC)
            if i < 120
            else None,
            timezone="UTC",
        )
        for i in range(150)
        if i != 3
    ]
    aggregates = daily_aggregates(readings)
    chart = charts_svg.pain_chart(aggregates, day(0), day(149), [])
    with app.test_request_context():
        html = render_template("clinic/_review_chart.html", chart=chart)
    read = read_chart(html, chart.table.data())["series"]
    days = [day(i).isoformat() for i in range(150) if i != 3]
    now, late = read["Pain now (daily mean)"], read["Recorded late"]
    assert now["x"] == days and now["y"] == [i % 10 for i in range(150) if i != 3]
    assert late["x"] == days[:119] and late["y"] == now["y"][:119]
    assert now["runs"][0] == days[:3] and now["runs"][1] == days[3:]
    series = html.split('data-series="Pain now (daily mean)"')[1].split("</g>\n</g>")[0]
    assert "<circle" not in series and series.count("<path ") == 1
    assert f'd="M66.1,{y_pain(0)}m-2,0a2,2 0 1 0 4,0a2,2 0 1 0 -4,0z' in series
    rings = html.split('data-series="Recorded late"')[1].split("</g>\n</g>")[0]
    assert "<circle" not in rings and rings.count("<path ") == 1 and 'fill="none"' in rings
    assert chart.table.rows[0] == ("1 May 2026", "0", "", "yes")  # every number in the table


def test_day_scale_places_many_days_as_one_by_one():
    """DayScale.days (a chart's axis, its check-ins) gives each day the x day() gives it, on
    scales of every length, days before, inside and after the range."""
    for span, a, b in ((0, 64, 664), (9, 64, 704), (400, 330, 704), (1826, 64, 664)):
        xs = DayScale(day(0), day(span), a, b)
        days = [day(0) + timedelta(days=i) for i in range(-10, span + 10, 3)]
        assert xs.days(days) == [xs.day(d) for d in days]


def test_symptom_runs_break_at_each_gap():
    """The symptom grid's runs of consecutive days (weeks): 0-2, 4, 6-7, 9; none for none."""
    assert _runs([0, 1, 2, 4, 6, 7, 9]) == [(0, 2), (4, 4), (6, 7), (9, 9)]
    assert _runs([5]) == [(5, 5)]
    assert _runs([]) == []


def test_aligned_chart_names_two_series_of_the_same_day_in_order():
    """Two courses ending on day 0 (the second began that day too, by the clinician's rule):
    the first cut at day 0 by the second, the second not cut. Named in order, one name each,
    not by their shared day 0 (which would name both the same and draw one)."""
    pain = {day(i): 3.0 for i in range(-7, 3)}
    first = aligned_on_infusions(pain, [day(0)], next_days={day(0): day(0)})[0]
    second = aligned_on_infusions(pain, [day(0)], next_days={day(0): None})[0]
    chart = charts_svg.aligned_chart([first, second], names=["Course 1", "Course 2"])
    assert [s.name for s in chart.panels[0].lines] == [
        "Course 1",
        "Next infusion after Course 1",
        "Course 2",
    ]
    assert [m.at for m in chart.line("Course 1").marks] == [str(o) for o in range(-7, 0)]
    assert [m.at for m in chart.line("Course 2").marks] == [str(o) for o in range(-7, 3)]
    with pytest.raises(ValueError, match="1 names for 2 series"):
        charts_svg.aligned_chart([first, second], names=["Course 1"])
