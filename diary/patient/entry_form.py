"""The diary's HTML form, read into the same values the JSON API sends.

Only the shape is handled here (strings to numbers, lines to lists); every rule and message is
in diary.services.entries. A value that is not a number is passed on as it came, so the service
refuses it with the same message the API gives.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from flask import current_app, render_template
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from diary import measures
from diary.measures import SEVERITY_PREFIX, Kind


def sections_html(
    values: dict, errors: dict, after_infusion: bool, days_since_infusion: int | None
) -> Markup:
    """The form's optional sections as HTML. Empty ones (a fresh form, which is nearly every
    request of the diary page) depend only on the infusion timing, so they are rendered once
    per worker and kept: two thirds of the page's cost otherwise."""
    if values or errors or current_app.jinja_env.auto_reload:
        return _render_sections(values, errors, after_infusion, days_since_infusion)
    shown_days = days_since_infusion if after_infusion else None
    return _blank_sections(after_infusion, shown_days)


class DayChoice(NamedTuple):
    iso: str  # the radio button's value
    name: str  # "Today", "Yesterday"
    label: str  # its date, e.g. "Mon 7 Dec"
    days_ago: int
    checked: bool


def day_choices(today: date, values: dict) -> tuple[DayChoice, DayChoice]:
    """The form's "Which day?": today and yesterday, the day in `values` (else today) checked."""
    return _day_choices(today, values.get("day") or today.isoformat())


@lru_cache(maxsize=64)
def _day_choices(today: date, chosen: str) -> tuple[DayChoice, DayChoice]:
    choices = []
    for days_ago, name in ((0, "Today"), (1, "Yesterday")):
        day = today - timedelta(days=days_ago)
        iso = day.isoformat()
        choices.append(DayChoice(iso, name, day.strftime("%a %-d %b"), days_ago, chosen == iso))
    return choices[0], choices[1]


def top_html(values: dict, errors: dict) -> Markup:
    """The questions at the top of the form (pain now) as HTML; blank ones rendered once per
    worker, like the sections."""
    if values or errors or current_app.jinja_env.auto_reload:
        return _render("patient/_top.html", values=values, errors=errors)
    return _blank_top()


@lru_cache(maxsize=1)
def _blank_top() -> Markup:
    return _render("patient/_top.html", values={}, errors={})


@lru_cache(maxsize=1)
def client_config_json() -> Markup:
    """measures.client_config() as JSON safe inside <script type="application/json"> (the
    same as Jinja's tojson), made once per worker: the measures do not change while serving."""
    return htmlsafe_json_dumps(measures.client_config(), dumps=json.dumps)


@lru_cache(maxsize=32)
def _blank_sections(after_infusion: bool, days_since_infusion: int | None) -> Markup:
    return _render_sections({}, {}, after_infusion, days_since_infusion)


def _render_sections(
    values: dict, errors: dict, after_infusion: bool, days_since_infusion: int | None
) -> Markup:
    return _render(
        "patient/_sections.html",
        values=values,
        errors=errors,
        after_infusion=after_infusion,
        days_since_infusion=days_since_infusion,
    )


def _render(template: str, **context: Any) -> Markup:
    return Markup(render_template(template, **context))  # noqa: S704 (Jinja autoescapes)


def _number(raw: str) -> Any:
    raw = raw.strip()
    try:
        return int(raw)
    except ValueError:
        return raw


def _decimal(raw: str) -> Any:
    raw = raw.strip().replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        return raw


def entry_from_form(form: MultiDict, *, whole: bool) -> dict[str, Any]:
    """The entry fields in `form`, one per measure (diary.measures). With `whole` (the edit form
    shows every field), an empty field means "clear it" (a required one is then refused by the
    rules); otherwise (a new entry) empty fields are left out."""
    data: dict[str, Any] = {}
    for name in ("id", "day", "timezone"):
        if form.get(name, "").strip():
            data[name] = form[name].strip()
    for m in measures.MEASURES:
        if m.kind in (Kind.SCALE, Kind.DECIMAL):
            raw = form.get(m.code, "")
            if raw.strip():
                data[m.code] = _number(raw) if m.kind is Kind.SCALE else _decimal(raw)
            elif whole:
                data[m.code] = None
        elif m.kind is Kind.CODES:
            values = [v for v in form.getlist(m.code) if v]
            if values or whole:
                data[m.code] = values
        elif m.kind is Kind.LINES:
            # Several controls may share the name (the usual medications' ticks and the
            # textarea): their lines in the form's order, each line once.
            lines = _lines(form.getlist(m.code))
            if lines or whole:
                data[m.code] = lines
        elif m.kind is Kind.SEVERITIES:
            severities = {}
            for option in m.options:
                raw = form.get(SEVERITY_PREFIX + option.code, "")
                if raw.strip():
                    severities[option.code] = _number(raw)
            if any(severities.values()) or whole:
                data[m.code] = severities
        else:
            text = form.get(m.code, "")
            if text.strip() or whole:
                data[m.code] = text
    return data


def _lines(raws: list[str]) -> list[str]:
    lines: list[str] = []
    for raw in raws:
        for line in raw.splitlines():
            if line.strip() and line.strip() not in lines:
                lines.append(line.strip())
    return lines


def split_usual(values: dict[str, Any], usual: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The form's values without the medication lines that are ticks of the patient's usual
    medications (`usual`), and those ticked lines."""
    code = measures.MEDICATIONS.code
    lines = _lines([values.get(code) or ""])
    ticked = [line for line in lines if line in usual]
    if not ticked:
        return values, []
    rest = [line for line in lines if line not in ticked]
    return {**values, code: "\n".join(rest)}, ticked


def keep_line_order(data: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """An edit's values with the medication lines in their stored order when the edit has the
    same lines: the form puts the ticked usual medications first, and an edit that changed
    nothing there must not store the lines in another order (a revision of nothing). And with
    the stored severities the form has no control for (measures' form_omits: the side effect
    "other", which the API and imports take with a severity and the form asks for as text):
    an edit of the pain alone must not drop them."""
    code = measures.MEDICATIONS.code
    lines, before = data.get(code), stored.get(code) or []
    if lines is not None and len(lines) == len(before) and set(lines) == set(before):
        data = {**data, code: list(before)}
    for m in measures.MEASURES:
        if m.kind is not Kind.SEVERITIES or not m.form_omits or data.get(m.code) is None:
            continue
        unshown = {c: v for c, v in (stored.get(m.code) or {}).items() if c in m.form_omits}
        if unshown:
            data = {**data, m.code: {**data[m.code], **unshown}}
    return data


def form_values(source: dict[str, Any] | MultiDict | None) -> dict[str, Any]:
    """Values to fill the form with: from an entry's content or a refused submission."""
    if source is None:
        return {}
    if isinstance(source, MultiDict):
        values: dict[str, Any] = {k: source.get(k) for k in source}
        for m in measures.MEASURES:
            if m.kind is Kind.CODES:
                values[m.code] = source.getlist(m.code)
            elif m.kind is Kind.LINES:
                values[m.code] = "\n".join(_lines(source.getlist(m.code)))
            elif m.kind is Kind.SEVERITIES:
                values[m.code] = {
                    o.code: _number(source.get(SEVERITY_PREFIX + o.code, "0") or "0")
                    for o in m.options
                }
        return values
    values = dict(source)
    for m in measures.MEASURES:
        if m.kind is Kind.LINES:
            values[m.code] = "\n".join(source.get(m.code) or [])
    return values
