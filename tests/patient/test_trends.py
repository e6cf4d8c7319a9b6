"""The patient's own trends page."""

from __future__ import annotations

import html as html_lib
import json
import re

from tests.factories import login


def _figure(page: str) -> dict:
    raw = re.search(r'data-figure="([^"]*)"', page).group(1)
    return json.loads(html_lib.unescape(raw))


def test_trends_show_own_daily_pain_with_infusion_days(client, make):
    patient = make.patient(timezone="UTC")
    for days_ago, pain in ((1, 4), (2, 6), (40, 9)):
        make.entry(patient, make.days_ago(days_ago), pain)
    make.entry(make.patient(), make.days_ago(1), 10)
    make.infusion(patient, None, make.days_ago(5))
    login(client, patient)
    page = client.get("/diary/trends").get_data(as_text=True)
    figure = _figure(page)
    pain_trace = figure["data"][0]
    values = [v for v in pain_trace["y"] if v is not None]
    assert values == [6.0, 4.0]
    assert len(pain_trace["x"]) == 30
    infusion = next(t for t in figure["data"] if t["name"] == "Infusion")
    assert infusion["x"] == [make.days_ago(5).isoformat()]
    assert "2 of 30 days have an entry" in page
    assert "plotly-diary.min.js" in page and "js/charts.js" in page
    # Read on a phone: no tool bar, no zoom or pan a stray touch could start.
    assert figure["config"]["displayModeBar"] is False
    assert figure["layout"]["xaxis"]["fixedrange"] and figure["layout"]["yaxis"]["fixedrange"]


def test_trends_over_90_days_reach_older_entries(client, make):
    patient = make.patient(timezone="UTC")
    make.entry(patient, make.days_ago(40), 9)
    login(client, patient)
    figure = _figure(client.get("/diary/trends?days=90").get_data(as_text=True))
    assert len(figure["data"][0]["x"]) == 90
    assert 9.0 in figure["data"][0]["y"]


def _loaded(page: str) -> list[str]:
    """What a page makes the browser fetch: script sources and stylesheet links."""
    return re.findall(r'<script[^>]*\ssrc="([^"]+)"', page) + re.findall(
        r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', page
    )


def test_plotly_is_not_loaded_on_the_diary_page(client, make):
    """The page patients open most (on a phone, often on a slow line) does not fetch the
    1.1 MB charting library; the trends page, which draws charts, does."""
    login(client, make.patient())
    diary = client.get("/diary")
    assert diary.status_code == 200
    page = diary.get_data(as_text=True)
    assert "<h1>How is today?</h1>" in page and 'id="entry-form"' in page
    scripts = _loaded(page)
    assert any(src.endswith("/js/diary.js") for src in scripts)  # the page's own scripts load
    assert [src for src in scripts if "plotly" in src] == []
    assert "plotly" not in page

    trends = client.get("/diary/trends")
    assert trends.status_code == 200
    assert any(
        re.search(r"/vendor/plotly-diary\.min\.js\?v=[0-9a-f]{12}$", src)
        for src in _loaded(trends.text)
    )
    assert re.search(r'<script src="/static/vendor/plotly-diary[^"]+" defer>', trends.text)
