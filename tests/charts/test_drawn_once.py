"""What the charts' drawing does once rather than per mark must draw what drawing each mark did:
the escaping (plot.text, markupsafe's replacements), a series' runs and coordinates made in one
pass over its values (series._line), the one-<path> test on the joined places (Line.marks_svg)
and the rectangles' coordinates (plot.rects_svg), each written as Python writes that value."""

from __future__ import annotations

from markupsafe import escape

from diary import charts_svg
from diary.charts_svg.plot import Rect, _replaced, rects_svg, text
from diary.charts_svg.series import line


def test_text_is_markupsafe_escaping_as_a_str():
    """Each of & < > ' " replaced as markupsafe does, "&" first (an escaped text is escaped
    again, not left alone); anything else, and a number, as str() writes it."""
    for value in ['Course 1 "A" & <b>', "it's", "&lt;", "plain", "", 4.5, None, "a > b < c"]:
        assert text(value) == str(escape(value))
        assert _replaced(str(value)) == str(escape(value))  # where markupsafe lacks its own
    assert text("&lt;&") == "&amp;lt;&amp;"
    assert text("<'\">") == "&lt;&#39;&#34;&gt;"


def test_a_series_breaks_at_each_gap_and_draws_runs_of_two_or_more():
    """Values a, gap, gap, b c, gap, d, gap, e f g: the marks are the seven values; the lines are
    "b c" and "e f g" (a and d are alone between gaps); without join no line; each mark's x,y
    in the order of the values."""
    at = "abcdefg"
    values = [(at[0], 1, 10.5), ("-", None, 0.0), ("-", None, 0.0)]
    values += [(at[1], 2, 20.5), (at[2], 3, 30.5), ("-", None, 0.0), (at[3], 4, 40.5)]
    values += [("-", None, 0.0)] + [(at[k], k + 1, 10.5 * k) for k in (4, 5, 6)]
    drawn = line("S", "#000000", values, lambda v: v * 1.5)
    assert [m.at for m in drawn.marks] == list(at)
    assert drawn.xy == (
        "10.5,1.5",
        "20.5,3.0",
        "30.5,4.5",
        "40.5,6.0",
        "42.0,7.5",
        "52.5,9.0",
        "63.0,10.5",
    )
    assert drawn.paths == ("20.5,3.0 30.5,4.5", "42.0,7.5 52.5,9.0 63.0,10.5")
    assert line("T", "#000000", values, lambda v: v * 1.5, join=False).paths == ()
    # without gaps one run, its ints written as ints
    assert line("U", "#000000", values[:1] + values[3:5], lambda v: v).paths == (
        "10.5,1 20.5,2 30.5,3",
    )


def test_equal_values_of_two_types_share_their_place_and_keep_their_numbers():
    """5 then 5.0: one y (the first's), worked out once; each mark keeps its own value, and
    data-value writes both as 5.0."""
    calls = []

    def y_of(v):
        calls.append(v)
        return 50.0

    drawn = line("S", "#000000", [("1", 5, 10.0), ("2", 5.0, 20.0)], y_of)
    assert calls == [5] and type(calls[0]) is int
    assert [m.value for m in drawn.marks] == [5, 5.0]
    assert drawn.xy == ("10.0,50.0", "20.0,50.0")
    assert 'data-value="5.0 5.0"' in drawn.svg


def test_a_place_with_a_space_or_a_mark_with_a_tooltip_is_drawn_mark_by_mark():
    """Places "a" and "b" without tooltips: one path, data-at "a b". A place "a b" would read
    back as two: each mark its own element; so with a tooltip."""
    one = line("S", "#000000", [("a", 1, 10.0), ("b", 2, 20.0)], lambda v: v)
    assert one.svg.count("<path ") == 1 and 'data-at="a b"' in one.svg
    spaced = line("T", "#000000", [("a b", 1, 10.0), ("c", 2, 20.0)], lambda v: v)
    assert "<path " not in spaced.svg
    assert spaced.svg.count("<circle ") == 2 and 'data-at="a b"' in spaced.svg
    tipped = line("U", "#000000", [("a", 1, 10.0)], lambda v: v, tip=lambda at, v: "<tip>")
    assert "<title>&lt;tip&gt;</title>" in tipped.svg


def test_rectangles_write_each_coordinate_as_python_writes_it():
    """An int as an int, a float as repr() writes it, -0.0 and 0.0 apart, even after the same
    values (equal as keys) were written the other way; the place escaped."""
    charts_svg.forget()
    first = Rect(10.0, 0.0, 2, 17, "#fff", "a<b", 1)
    second = Rect(10, -0.0, 2.0, 17.0, "#fff", "c")
    drawn = str(rects_svg([first, second]))
    assert drawn == (
        '<rect x="10.0" y="0.0" width="2" height="17" fill="#fff" data-at="a&lt;b"'
        ' data-value="1"/>'
        '<rect x="10" y="-0.0" width="2.0" height="17.0" fill="#fff" data-at="c"/>'
    )


def test_an_aligned_course_is_kept_once_with_its_row_not_again_as_a_series():
    """The aligned chart keeps each course it draws (pain._course_line, the last
    ALIGNED_COURSES) under its points; its line (with tooltips) is not kept a second time by
    series._kept_line, whose 128 places stay for the other series. Drawn again from nothing,
    the same markup."""
    from diary.analysis import aligned_on_infusions
    from diary.charts_svg import pain, series
    from tests.charts.conftest import day

    n = charts_svg.ALIGNED_COURSES + 2
    pain_of = {day(i): float(i % 10) for i in range(0, 30 * n)}
    days = [day(30 * k) for k in range(n)]
    charts_svg.forget()
    chart = charts_svg.aligned_chart(aligned_on_infusions(pain_of, days))
    courses = [s for s in chart.panels[0].lines if not s.name.startswith("Next")]
    assert len(courses) == charts_svg.ALIGNED_COURSES and all(
        m.tip for s in courses for m in s.marks
    )
    assert pain._course_line.cache_info().currsize == charts_svg.ALIGNED_COURSES
    assert series._kept_line.cache_info().currsize == 0
    line("S", "#000000", [("1", 1, 10.0)], lambda v: v)
    assert series._kept_line.cache_info().currsize == 1
    charts_svg.forget()
    again = charts_svg.aligned_chart(aligned_on_infusions(pain_of, days))
    assert str(again.html()) == str(chart.html())
