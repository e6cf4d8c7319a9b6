"""Series kept between charts (charts_svg.series._kept_line, the aligned chart's courses in
charts_svg.pain._course_line): a worker draws what did not change since the last review once,
under everything it is drawn from. What a clinician sees must be what a chart drawn from nothing
shows: a changed value, scale or style is drawn anew, and the markup is the same either way."""

from __future__ import annotations

from diary import charts_svg
from diary.analysis import aligned_on_infusions
from diary.charts_svg.plot import Scale
from diary.charts_svg.series import line
from tests.charts.conftest import day
from tests.clinic.charts_html import read_chart


def _aligned(pain: dict) -> charts_svg.Chart:
    return charts_svg.aligned_chart(
        aligned_on_infusions(pain, [day(0), day(40)]),
        names={day(0): "Course 1", day(40): "Course 2"},
    )


def test_a_course_drawn_again_after_a_new_day_shows_the_new_day_and_the_same_markup():
    """Course 1 ends on day 0 (pain 5 on days -7..-1, 2 on day 3), course 2 on day 40 (pain 4
    on day 40). Drawn once, then again after a pain of 6 on day 41: course 2's line is now day
    0 at 4 and day 1 at 6, course 1's is unchanged (days -7..-1 at 5, day 3 at 2), and the
    markup is the very markup of the same chart drawn with nothing kept."""
    pain = {day(i): 5.0 for i in range(-7, 0)} | {day(3): 2.0, day(40): 4.0}
    first = _aligned(pain)
    assert read_chart(str(first.html()), first.table.data())["series"]["Course 2"]["y"] == [4.0]

    later = _aligned(pain | {day(41): 6.0})
    drawn = read_chart(str(later.html()), later.table.data())["series"]
    assert list(zip(drawn["Course 2"]["x"], drawn["Course 2"]["y"], strict=True)) == [
        ("0", 4.0),
        ("1", 6.0),
    ]
    assert drawn["Course 1"]["y"] == [5.0] * 7 + [2.0]
    assert later.table.rows[1] == ("Course 2", "", "0: 4, 1: 6")

    charts_svg.forget()
    fresh = _aligned(pain | {day(41): 6.0})
    assert str(fresh.html()) == str(later.html())
    assert fresh.table == later.table


def test_the_same_values_on_another_scale_or_style_are_drawn_anew():
    """Pain 5 on day "1" at x 10: on a 0-10 scale onto 100..0 it sits at y 50, on a 0-20 scale
    at y 75; drawn dashed it has a dash, drawn plain none. Each series is drawn from its own
    scale and style, never from a kept one of the same values."""
    values = [("1", 5, 10.0), ("2", 5, 20.0)]
    on_ten = line("Pain", "#000000", values, Scale(0, 10, 100, 0))
    on_twenty = line("Pain", "#000000", values, Scale(0, 20, 100, 0))
    assert [m.y for m in on_ten.marks] == [50.0, 50.0]
    assert [m.y for m in on_twenty.marks] == [75.0, 75.0]
    assert 'points="10.0,50.0 20.0,50.0"' in on_ten.svg
    assert 'points="10.0,75.0 20.0,75.0"' in on_twenty.svg

    dashed = line("Pain", "#000000", values, Scale(0, 10, 100, 0), dash="4 3")
    assert 'stroke-dasharray="4 3"' in dashed.svg
    assert "stroke-dasharray" not in on_ten.svg
    assert line("Pain", "#000000", values, Scale(0, 10, 100, 0)).svg == on_ten.svg


def test_a_kept_series_never_carries_another_series_name_or_colour():
    """Two series with the same values and scale but another name or colour: each has its
    own name and colour in the markup."""
    values = [("1", 3, 10.0)]
    ys = Scale(0, 10, 100, 0)
    a = line("Sleep", "#0072B2", values, ys)
    b = line("Quality", "#0072B2", values, ys)
    c = line("Sleep", "#D55E00", values, ys)
    assert 'data-series="Sleep"' in a.svg and 'data-series="Quality"' in b.svg
    assert 'fill="#0072B2"' in a.svg and 'fill="#D55E00"' in c.svg


def test_a_wider_axis_after_a_narrower_one_places_each_day_on_the_wider_axis():
    """The aligned chart's x of each day offset is kept per axis (its first and last offset).
    Course 1 ends on day 0, pain 5 on days -7..+9. Aligned on days -3..+10 (axis -4..11), day 0
    sits at x 64 + 4/15 of the 640-wide plot = 234.7; aligned on the usual -7..+84 (axis
    -8..85), at 64 + 8/93 of it = 119.1, as a chart drawn with nothing kept places it."""
    pain = {day(i): 5.0 for i in range(-7, 10)}
    narrow = charts_svg.aligned_chart(aligned_on_infusions(pain, [day(0)], before=3, after=10))
    wide = charts_svg.aligned_chart(aligned_on_infusions(pain, [day(0)]))

    def x_of_day_0(chart: charts_svg.Chart) -> float:
        series = chart.panels[0].lines[0]
        return next(m.x for m in series.marks if m.at == "0")

    assert x_of_day_0(narrow) == 234.7
    assert x_of_day_0(wide) == 119.1
    charts_svg.forget()
    assert x_of_day_0(charts_svg.aligned_chart(aligned_on_infusions(pain, [day(0)]))) == 119.1


def test_each_coordinate_is_written_as_python_writes_that_very_value():
    """Coordinates are written once per distinct float and looked up after (plot._text). A
    mark at x 10.0 then one at x 10 (an int) are written "10.0" and "10"; at y -0.0 then 0.0,
    "-0.0" and "0.0"; 96.5 as "96.5" before and after the texts are forgotten - each as
    f"{value}" writes it, whichever came first."""
    first = line(
        "A", "#000000", [("1", 1, 10.0), ("2", 2, 96.5)], lambda v: -0.0 if v == 1 else 0.0
    )
    second = line("B", "#000000", [("1", 1, 10), ("2", 2, 96.5)], lambda v: 0.0 if v == 1 else -0.0)
    assert first.xy == ("10.0,-0.0", "96.5,0.0")
    assert second.xy == ("10,0.0", "96.5,-0.0")
    charts_svg.forget()
    again = line("C", "#000000", [("2", 2, 96.5)], lambda v: 12.3)
    assert again.xy == ("96.5,12.3",)
