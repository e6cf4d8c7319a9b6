"""The diary's HTML form, read into the same values the JSON API sends.

Only the shape is handled here (strings to numbers, lines to lists); every rule and message is
in diary.services.entries. A value that is not a number is passed on as it came, so the service
refuses it with the same message the API gives.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from diary import codes
from diary.services.entry_rules import INT_FIELDS

SIDE_EFFECT_PREFIX = "side_effect__"


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
    """The entry fields in `form`. With `whole` (the edit form shows every field), an empty
    field means "clear it"; otherwise (a new entry) empty fields are left out."""
    data: dict[str, Any] = {}
    if form.get("id", "").strip():
        data["id"] = form["id"].strip()
    if form.get("day", "").strip():
        data["day"] = form["day"].strip()
    if form.get("timezone", "").strip():
        data["timezone"] = form["timezone"].strip()
    for field in INT_FIELDS:
        raw = form.get(field, "")
        if raw.strip():
            data[field] = _number(raw)
        elif whole and field != "pain":
            data[field] = None
    if "pain" not in data and whole:
        data["pain"] = None
    raw = form.get("sleep_hours", "")
    if raw.strip():
        data["sleep_hours"] = _decimal(raw)
    elif whole:
        data["sleep_hours"] = None
    for field in ("symptoms", "body_sites"):
        values = [v for v in form.getlist(field) if v]
        if values or whole:
            data[field] = values
    meds = [line.strip() for line in form.get("medications", "").splitlines() if line.strip()]
    if meds or whole:
        data["medications"] = meds
    side_effects = {}
    for side_effect in codes.SIDE_EFFECTS:
        raw = form.get(SIDE_EFFECT_PREFIX + side_effect.code, "")
        if raw.strip():
            side_effects[side_effect.code] = _number(raw)
    if any(side_effects.values()) or whole:
        data["side_effects"] = side_effects
    for field in ("body_site_other", "side_effect_other", "note"):
        text = form.get(field, "")
        if text.strip() or whole:
            data[field] = text
    return data


def form_values(source: dict[str, Any] | MultiDict | None) -> dict[str, Any]:
    """Values to fill the form with: from an entry's content or a refused submission."""
    if source is None:
        return {}
    if isinstance(source, MultiDict):
        values: dict[str, Any] = {k: source.get(k) for k in source}
        values["symptoms"] = source.getlist("symptoms")
        values["body_sites"] = source.getlist("body_sites")
        values["side_effects"] = {
            s.code: _number(source.get(SIDE_EFFECT_PREFIX + s.code, "0") or "0")
            for s in codes.SIDE_EFFECTS
        }
        return values
    values = dict(source)
    values["medications"] = "\n".join(source.get("medications") or [])
    return values
