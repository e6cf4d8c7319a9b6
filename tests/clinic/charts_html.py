"""Reads the review's server-drawn SVG charts (templates/clinic/_review_chart.html) back into
numbers, as a clinician reads them: each series' marks (data-at: the day, course or offset they
are placed on; data-value: the number drawn), its lines split at the gaps, the heatmap cells and
bars, the vertical rules (infusions), and the data table under the chart."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def _number(text: str | None):
    if text in (None, "", "None"):
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.series: dict[str, dict] = {}
        self.rects: list[tuple[str, object, str]] = []
        self.rules: list[str] = []
        self.title = ""
        self._stack: list[str | None] = []
        self._in_title = False

    def _current(self) -> str | None:
        return next((s for s in reversed(self._stack) if s), None)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title" and not self.title and "id" in a:
            self._in_title = True
        if tag == "g":
            name = a.get("data-series")
            if name:
                new = {"name": name, "x": [], "y": [], "paths": [], "xy": {}}
                self.series.setdefault(name, new)
            self._stack.append(name)
            return
        name = self._current()
        if tag == "polyline" and name:
            self.series[name]["paths"].append(a["points"].split())
        elif tag == "line" and "data-at" in a:
            self.rules.append(a["data-at"])
        elif tag == "rect" and "data-at" in a:
            self.rects.append((a["data-at"], _number(a.get("data-value")), a.get("fill")))
        elif tag in ("circle", "polygon") and name and "data-at" in a:
            s = self.series[name]
            s["x"].append(a["data-at"])
            s["y"].append(_number(a["data-value"]))
            if tag == "circle":
                s["xy"][f"{a['cx']},{a['cy']}"] = a["data-at"]

    def handle_endtag(self, tag):
        if tag == "g":
            self._stack.pop()
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def read_chart(html: str) -> dict:
    """One chart's markup -> {"title", "series": {name: {"x", "y", "runs"}}, "rects", "rules",
    "table": [[cell, ...], ...] (header row first), "empty": the message or ""}."""
    reader = _Reader()
    reader.feed(html)
    for s in reader.series.values():
        # each polyline as the marks it joins: a gap in the data starts a new run
        s["runs"] = [[s["xy"].get(p) for p in path] for path in s.pop("paths")]
        s.pop("xy")
    table = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
    ]
    empty = re.search(r"data-chart-empty>(.*?)</p>", html)
    return {
        "title": reader.title,
        "series": reader.series,
        "rects": reader.rects,
        "rules": reader.rules,
        "table": table,
        "empty": empty.group(1) if empty else "",
    }
