"""Checks shared by every service that validates user input, so the same mistake gets the same
message whether it is in a diary entry or an infusion record."""

from __future__ import annotations

from typing import Any


def whole_number_in(value: Any, low: int, high: int) -> bool:
    """A whole number (not a bool, which Python counts as an int) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def clean_text(value: Any, limit: int, errors: list[str]) -> str | None:
    """Stripped text of at most `limit` characters, None for blank; a problem goes to `errors`."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append("Enter text.")
        return None
    value = value.strip()
    if len(value) > limit:
        errors.append(f"Use at most {limit} characters (this has {len(value)}).")
        return None
    return value or None
