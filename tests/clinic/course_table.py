"""Reads the review's tables back as a clinician reads them: a table by its data-table name,
its course rows (by course number, as markup) and one cell of a row by its
data-field; and the key figures' heading."""

from __future__ import annotations

import re


def table(html: str, name: str) -> str:
    return html.split(f'data-table="{name}"')[1].split("</table>")[0]


def cell(row_html: str, field: str) -> str:
    match = re.search(rf'data-field="{field}">(.*?)</td>', row_html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def raw_course_rows(html: str) -> dict[int, str]:
    rows = re.findall(r'<tr data-course="(\d+)">(.*?)</tr>', table(html, "courses"), re.S)
    return {int(n): body for n, body in rows}


def heading(html: str) -> str:
    """The text of the key figures' heading, its spaces collapsed."""
    found = re.search(r'<h2 id="key-figures-title">(.*?)</h2>', html, re.S)
    return " ".join(found.group(1).split())
