"""Checks shared by every service that validates user input, so the same mistake gets the same
message whether it is in a diary entry or an infusion record."""

from __future__ import annotations

import re
from typing import Any

# The one text rule: text is Unicode scalar values (no lone surrogate halves, which no encoder
# can write and which broke every page showing them) without control characters other than
# newline and tab. A line break sent as CR LF (as every browser sends a textarea's) is a newline.
TEXT_MESSAGE = "Remove the control characters or broken characters from this text."
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def normalise_newlines(value: str) -> str:
    return value.replace("\r\n", "\n")


def text_problem(value: str) -> str | None:
    """TEXT_MESSAGE when `value` breaks the text rule, else None."""
    return TEXT_MESSAGE if _NOT_TEXT.search(normalise_newlines(value)) else None


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
    value = normalise_newlines(value).strip()
    if problem := text_problem(value):
        errors.append(problem)
        return None
    if len(value) > limit:
        errors.append(f"Use at most {limit} characters (this has {len(value)}).")
        return None
    return value or None
