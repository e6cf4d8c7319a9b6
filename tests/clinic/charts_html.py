"""Reads the review's server-drawn SVG charts (templates/clinic/_review_chart.html) back into
numbers, as a clinician reads them: each series' marks (data-at: the day, course or offset they
are placed on; data-value: the number drawn; a series without tooltips draws its marks as one
<path>, a subpath per mark, with both as space-separated lists), its lines split at the gaps,
the heatmap cells and bars, the vertical rules (infusions), and the table of its numbers (sent
as data beside the markup, built by the browser when opened)."""

from __future__ import annotations

import html as html_lib
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
                new = {"name": name, "x": [], "y": [], "paths": [], "xy": {}, "colour": None}
                self.series.setdefault(name, new)
            elif self._current() and "stroke" in a:  # a series' lines, in its colour
                self.series[self._current()]["colour"] = a["stroke"]
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
        elif tag == "path" and name and "data-at" in a:
            # a series' marks as one path: a subpath per mark, `M` its centre, in the order of
            # the space-separated data-at and data-value
            s = self.series[name]
            places, values = a["data-at"].split(" "), a["data-value"].split(" ")
            centres = re.findall(r"M(-?[\d.]+),(-?[\d.]+)", a["d"])
            assert len(places) == len(values) == len(centres), (name, a)
            s["x"] += places
            s["y"] += [_number(v) for v in values]
            s["xy"].update({f"{x},{y}": at for (x, y), at in zip(centres, places, strict=True)})

    def handle_endtag(self, tag):
        if tag == "g":
            self._stack.pop()
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def read_chart(html: str, table: dict | None = None) -> dict:
    """One chart's markup and its table's data (the charts document's "tables": the browser
    builds the table from it when its <details> is opened) -> {"title", "series": {name: {"x",
    "y", "runs", "colour": its lines'}}, "rects", "rules", "table": [[cell, ...], ...] (header
    row first), "caption": the table's, "empty": the message or "", "footnote": what the drawing
    leaves out, or ""}."""
    reader = _Reader()
    reader.feed(html)
    for s in reader.series.values():
        # each polyline as the marks it joins: a gap in the data starts a new run
        s["runs"] = [[s["xy"].get(p) for p in path] for path in s.pop("paths")]
        s.pop("xy")
    # a chart with numbers has the <details> its table is built in, and the table's data
    assert ("data-chart-table=" in html) == bool(table and table["rows"]), html[-300:]
    rows = [table["head"], *table["rows"]] if table else []
    empty = re.search(r"data-chart-empty>(.*?)</p>", html)
    footnote = re.search(r"data-chart-footnote>(.*?)</p>", html)
    return {
        "title": reader.title,
        "series": reader.series,
        "rects": reader.rects,
        "rules": reader.rules,
        "table": [[str(c) for c in row] for row in rows],
        "caption": table["caption"] if table else "",
        "empty": empty.group(1) if empty else "",
        "footnote": html_lib.unescape(footnote.group(1)) if footnote else "",
    }


def read_charts(body: dict) -> dict[str, dict]:
    """Every chart of a charts document ({"charts": {name: html}, "tables": {name: data}})."""
    tables = body.get("tables", {})
    return {name: read_chart(html, tables.get(name)) for name, html in body["charts"].items()}
