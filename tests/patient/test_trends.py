"""The patient's own trends page: a chart drawn as SVG on the server, and its numbers."""

from __future__ import annotations

import re
from datetime import date

from tests.factories import login


def _series(page: str, key: str) -> list[tuple[str, float]]:
    """(day, value) of each dot of one series of the trend chart, in drawing order."""
    group = re.search(rf'<g class="trend-chart__series" data-series="{key}"(.*?)</g>', page, re.S)
    assert group, f"no {key} series"
    return [
        (day, float(value))
        for day, value in re.findall(r'data-day="([^"]+)" data-value="([^"]+)"', group.group(1))
    ]


def _lines(page: str, key: str) -> list[int]:
    """How many dots each line of a series joins (a gap ends a line)."""
    group = re.search(rf'data-series="{key}"(.*?)</g>', page, re.S).group(1)
    return [len(points.split()) for points in re.findall(r'<polyline points="([^"]+)"', group)]


def _rows(page: str) -> list[list[str]]:
    """The table of numbers under the chart: day (ISO), pain now, worst, 7-day mean."""
    rows = re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', page, re.S)
    return [[day, *re.findall(r'<td class="num">([^<]*)</td>', cells)] for day, cells in rows]


def test_trends_show_own_daily_pain_with_infusion_days(client, make):
    patient = make.patient(timezone="UTC")
    for days_ago, pain in ((1, 4), (2, 6), (40, 9)):
        make.entry(patient, make.days_ago(days_ago), pain)
    make.entry(make.patient(), make.days_ago(1), 10)
    make.infusion(patient, None, make.days_ago(5))
    login(client, patient)
    page = client.get("/diary/trends").get_data(as_text=True)
    day = lambda n: make.days_ago(n).isoformat()  # noqa: E731
    assert _series(page, "now") == [(day(2), 6.0), (day(1), 4.0)]
    assert _lines(page, "now") == [2]  # two consecutive days: one line
    assert _series(page, "mean_7") == []  # 2 days with entries: no 7-day mean (4 of 7 needed)
    infusions = re.findall(r'class="trend-chart__infusion" data-day="([^"]+)"', page)
    assert infusions == [day(5)]
    start = make.days_ago(29)
    assert f"Daily pain from {start.day} {start:%B}" in page  # 30 days, today included
    assert "2 of 30 days have an entry" in page
    assert _rows(page) == [[day(5), "", "", ""], [day(2), "6.0", "", ""], [day(1), "4.0", "", ""]]
    # Drawn by the server: the page loads no chart library and no chart script.
    assert "plotly" not in page and "charts.js" not in page


def test_trends_7_day_mean_and_gaps_worked_out_by_hand(client, make):
    """Entries 6, 5, 4 and 2 days ago with pain 8, 6, 4, 2 (two entries 4 days ago: 3 and 5,
    daily mean 4), worst 9 six days ago. 7-day mean (4 of 7 days needed), window D-6..D:
    - 2 days ago: days 8..2 ago hold 8, 6, 4, 2: (8 + 6 + 4 + 2) / 4 = 5.0;
    - 1 day ago: days 7..1 ago hold the same four: 5.0;
    - today: days 6..0 ago, the same four again: 5.0;
    - 3 days ago: days 9..3 ago hold 8, 6, 4: 3 days, not enough.
    Lines: 6, 5 and 4 days ago are consecutive (one line of 3 dots); 3 days ago is missing, so
    2 days ago stands alone (a dot, no line). Average pain: (8 + 6 + 4 + 2) / 4 = 5.0."""
    patient = make.patient(timezone="UTC")
    make.entry(patient, make.days_ago(6), 8, pain_worst=9)
    make.entry(patient, make.days_ago(5), 6)
    make.entry(patient, make.days_ago(4), 3)
    make.entry(patient, make.days_ago(4), 5)
    make.entry(patient, make.days_ago(2), 2)
    login(client, patient)
    page = client.get("/diary/trends").get_data(as_text=True)
    day = lambda n: make.days_ago(n).isoformat()  # noqa: E731
    assert _series(page, "now") == [(day(6), 8.0), (day(5), 6.0), (day(4), 4.0), (day(2), 2.0)]
    assert _lines(page, "now") == [3]
    assert _series(page, "worst") == [(day(6), 9.0)]
    assert _lines(page, "mean_7") == [3]  # 2 days ago to today, a line without dots
    rows = {row[0]: row[1:] for row in _rows(page)}
    assert rows[day(2)] == ["2.0", "", "5.0"]
    assert rows[day(4)] == ["4.0", "", ""]  # the mean of 3 and 5; 3 days with entries: no mean
    assert rows[day(6)] == ["8.0", "9.0", ""]
    assert "4 of 30 days have an entry; your average pain was 5.0 out of 10." in page


def test_trends_over_90_days_reach_older_entries(client, make):
    patient = make.patient(timezone="UTC")
    make.entry(patient, make.days_ago(40), 9)
    login(client, patient)
    assert _series(client.get("/diary/trends").text, "now") == []
    page = client.get("/diary/trends?days=90").text
    assert _series(page, "now") == [(make.days_ago(40).isoformat(), 9.0)]
    assert "Your pain, last 90 days" in page


def test_trend_chart_is_accessible_and_csp_safe(client, make):
    """A screen reader gets a title and a description; the numbers are a table; the SVG uses
    presentation attributes only (the CSP allows no style attribute)."""
    patient = make.patient(timezone="UTC")
    make.entry(patient, make.days_ago(1), 4)
    login(client, patient)
    page = client.get("/diary/trends").text
    svg = re.search(r'<svg class="trend-chart".*?</svg>', page, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="pain-chart-title pain-chart-desc"' in svg
    assert re.search(r'<desc id="pain-chart-desc">1 of 30 days have an entry; your average', svg)
    assert "style=" not in page and "<script>" not in page
    assert 'data-table="trend-days"' in page


def _loaded(page: str) -> list[str]:
    """What a page makes the browser fetch: script sources and stylesheet links."""
    return re.findall(r'<script[^>]*\ssrc="([^"]+)"', page) + re.findall(
        r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', page
    )


def test_plotly_is_not_loaded_on_the_patients_pages(client, make):
    """The pages patients open (on a phone, often on a slow line) do not fetch the 1 MB
    charting library: the diary page draws no chart, and the trends chart is SVG."""
    login(client, make.patient())
    diary = client.get("/diary")
    assert diary.status_code == 200
    page = diary.get_data(as_text=True)
    assert "<h1>How is today?</h1>" in page and 'id="entry-form"' in page
    scripts = _loaded(page)
    assert any(src.endswith("/js/diary.js") for src in scripts)  # the page's own scripts load
    for path in ("/diary", "/diary/trends", "/diary/history"):
        page = client.get(path).text
        assert [src for src in _loaded(page) if "plotly" in src or "charts" in src] == [], path
        assert "plotly" not in page, path


def test_pure_trend_geometry():
    """charts_svg.pain_trend on a hand-made diary of 3 days (1 to 3 October), pain 0 and 10
    on the first two and none on the third: each day has its own place across the plot, 0
    and 10 sit at the bottom and top of the scale, the missing day is no dot."""
    from diary import charts_svg
    from diary.analysis import DayAggregate

    days = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)]
    aggregates = {
        days[0]: DayAggregate(days[0], {"pain": 0.0, "pain_worst": None}),
        days[1]: DayAggregate(days[1], {"pain": 10.0, "pain_worst": None}),
    }
    chart = charts_svg.pain_trend(aggregates, days[0], days[2], [days[2], date(2026, 9, 1)])
    left, top, right, bottom = chart.plot
    pain = chart.series_named("now").points
    step = (right - left) / 3
    assert [p.x for p in pain] == [round(left + step / 2, 1), round(left + step * 1.5, 1)]
    zero, ten = (
        bottom - (0 + 0.3) / 10.6 * (bottom - top),
        bottom - (10 + 0.3) / 10.6 * (bottom - top),
    )
    assert [p.y for p in pain] == [round(zero, 1), round(ten, 1)]
    assert [i.day for i in chart.infusions] == [days[2]]  # 1 September is outside the range
    assert [t.label for t in chart.x_ticks] == ["1 Oct", "2 Oct", "3 Oct"]
