"""A review chart (plot.Chart) as the HTML the review's charts document carries: the SVG, its
legend and the <details> its table is built into when opened. Written here as one string, not
by a template loop per tick, rule and series (a 5-year review draws hundreds of them); the
markup is what templates/clinic/_review_chart.html wrote before (tests/charts compare the two
on charts of every kind). Presentation attributes and classes only: the CSP allows no style
attributes. Every text goes through escape() (plot.text: markupsafe's escaping as a str); numbers
are written as Python prints them."""

from __future__ import annotations

from markupsafe import Markup

from diary.charts_svg.plot import Chart, LegendItem, Line, Panel
from diary.charts_svg.plot import text as escape

LEGEND_SHAPES = {
    "diamond": '<polygon points="12,0 18,6 12,12 6,6" fill="{}"/>',
    "square": '<rect x="7" y="1" width="10" height="10" fill="{}"/>',
    "triangle-down": '<polygon points="6,1 18,1 12,11" fill="{}"/>',
    "triangle-up": '<polygon points="6,11 18,11 12,1" fill="{}"/>',
}


def chart_html(chart: Chart) -> Markup:
    """The chart's markup: "said instead" text when it is empty, else the SVG, its legend and
    its footnote (what it leaves out, Chart.footnote); then the <details> for its table when
    the table has rows."""
    if chart.empty:
        out = f'<p class="muted chart-empty" data-chart-empty>{escape(chart.empty)}</p>'
    else:
        key = escape(chart.key)
        out = (
            f'\n<svg class="review-chart" viewBox="0 0 {chart.width} {chart.height}" role="img"'
            f' aria-labelledby="chart-{key}-title" focusable="false" data-drawn="{key}">\n'
            f'<title id="chart-{key}-title">{escape(chart.title)}</title>\n'
            + "".join(_panel(p, chart.width) for p in chart.panels)
            + "\n</svg>\n"
        )
        if chart.legend:
            out += (
                '<ul class="chart-legend" aria-hidden="true">\n'
                + "".join(_legend_item(item) for item in chart.legend)
                + "\n</ul>"
            )
        if chart.footnote:
            footnote = escape(chart.footnote)
            out += f'\n<p class="muted chart-footnote" data-chart-footnote>{footnote}</p>'
        out += "\n"
    out += "\n"
    if chart.table.rows:
        out += (
            f'<details class="chart-data no-print" data-chart-table="{escape(chart.key)}">\n'
            "<summary>The numbers in this chart</summary>\n</details>"
        )
    return Markup(out)  # noqa: S704 (numbers, and text through escape())


def _panel(p: Panel, width: float) -> str:
    left, top, right, bottom = p.box
    out = ['\n<g class="panel">\n']
    if p.title:
        out.append(f'<text class="panel-title" x="{left}" y="{top - 5}">{escape(p.title)}</text>')
    out.append("\n")
    if p.grid:
        out += [
            f'<line class="grid" x1="{left}" x2="{right}" y1="{t.at}" y2="{t.at}"/>'
            for t in p.y_ticks
        ]
    out.append("\n")
    if p.x_grid:
        out += [
            f'<line class="grid" x1="{t.at}" x2="{t.at}" y1="{top}" y2="{bottom}"/>'
            for t in p.x_ticks
        ]
    out.append(f'\n<line class="axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>\n')
    row = ' class="row-label"' if p.row_labels else ""
    out += [
        f'<text{row} x="{left - 6}" y="{t.at + 4}" text-anchor="end">{escape(t.label)}</text>'
        for t in p.y_ticks
    ]
    out.append("\n")
    out += [f'<text x="{right + 6}" y="{t.at + 4}">{escape(t.label)}</text>' for t in p.y2_ticks]
    out.append("\n")
    out += [
        f'<line class="axis" x1="{t.at}" x2="{t.at}" y1="{bottom}" y2="{bottom + 4}"/>'
        f'<text x="{t.at}" y="{bottom + 16}"'
        f' text-anchor="{"end" if t.at > width - 40 else "middle"}">{escape(t.label)}</text>'
        for t in p.x_ticks
    ]
    out.append("\n")
    if p.x_title:
        out.append(
            f'<text class="axis-title" x="{round((left + right) / 2, 1)}" y="{bottom + 34}"'
            f' text-anchor="middle">{escape(p.x_title)}</text>'
        )
    out.append("\n")
    cy = round((top + bottom) / 2, 1)
    if p.y_title:
        out.append(
            f'<text class="axis-title" x="14" y="{cy}" text-anchor="middle"'
            f' transform="rotate(-90 14 {cy})">{escape(p.y_title)}</text>'
        )
    out.append("\n")
    if p.y2_title:
        out.append(
            f'<text class="axis-title" x="{width - 12}" y="{cy}" text-anchor="middle"'
            f' transform="rotate(90 {width - 12} {cy})">{escape(p.y2_title)}</text>'
        )
    out.append("\n")
    for u in p.rules:
        dash = f' stroke-dasharray="{escape(u.dash)}"' if u.dash else ""
        out.append(
            f'<line class="rule" data-at="{escape(u.at)}" x1="{u.x}" x2="{u.x}" y1="{top}"'
            f' y2="{bottom}" stroke="{escape(u.colour)}"{dash}/>'
        )
    out.append(f"\n{p.rects_svg()}\n")
    out += [s.svg for s in p.lines]
    out.append("\n</g>\n")
    return "".join(out)


def series_html(s: Line) -> str:
    """One series: its polylines (one per run of values) and its marks."""
    colour = escape(s.colour)
    out = f'<g data-series="{escape(s.name)}">\n'
    if s.paths:
        dash = f' stroke-dasharray="{escape(s.dash)}"' if s.dash else ""
        out += (
            f'<g fill="none" stroke="{colour}" stroke-width="{s.width}"'
            f' stroke-linejoin="round"{dash}>'
            + "".join(f'<polyline points="{path}"/>' for path in s.paths)
            + "</g>"
        )
    out += "\n"
    if s.shape:
        if s.shape == "ring":
            out += f'<g fill="none" stroke="{colour}" stroke-width="2">{s.marks_svg()}</g>'
        else:
            out += f'<g fill="{colour}">{s.marks_svg()}</g>'
    return out + "\n</g>"


def _legend_item(item: LegendItem) -> str:
    colour = escape(item.colour)
    out = '<li><svg viewBox="0 0 24 12" width="24" height="12">'
    if item.shape == "rect":
        out += f'<rect x="4" y="0" width="16" height="12" fill="{colour}" stroke="#ccc"/>'
    else:
        if item.line:
            dash = f' stroke-dasharray="{escape(item.dash)}"' if item.dash else ""
            out += f'<line x1="1" x2="23" y1="6" y2="6" stroke="{colour}" stroke-width="2"{dash}/>'
        if item.shape in ("circle", "ring"):
            ring = item.shape == "ring"
            out += (
                f'<circle cx="12" cy="6" r="4" fill="{"none" if ring else colour}"'
                f' stroke="{colour}" stroke-width="{2 if ring else 0}"/>'
            )
        elif item.shape in LEGEND_SHAPES:
            out += LEGEND_SHAPES[item.shape].format(colour)
    return out + f"</svg>{escape(item.name)}</li>"
