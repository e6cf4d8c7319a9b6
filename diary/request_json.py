"""Reading a JSON request body safely: the one place a body is parsed.

A body nested deeper than MAX_DEPTH (Python's parser would raise RecursionError at about 1000
levels, which used to answer 500) or not JSON at all is refused with a 422, and every string in
it, keys included, must pass the text rule before anything reads it, so no route can store or
look up text that breaks a page, an export or the database driver.
"""

from __future__ import annotations

import json
from typing import Any

from flask import g, request

from diary.errors import ValidationError
from diary.services.field_rules import TEXT_MESSAGE, text_problem

MAX_DEPTH = 20
NOT_JSON = "Send a JSON object with Content-Type: application/json."
TOO_DEEP = f"The JSON body is nested more than {MAX_DEPTH} levels deep."
_UNSET = object()


def _parse() -> Any:
    req = request._get_current_object()
    if not req.is_json:
        raise ValidationError(NOT_JSON)
    try:
        return json.loads(req.get_data(cache=True))
    except RecursionError:
        raise ValidationError(TOO_DEEP) from None
    except ValueError:  # also UnicodeDecodeError
        raise ValidationError(NOT_JSON) from None


def _check(body: Any) -> None:
    """Depth and the text rule, walked without recursion; problems are named by the top-level
    field they are in."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, str | None, int]] = [(body, None, 0)]
    while stack:
        value, field, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError(TOO_DEEP)
        if isinstance(value, dict):
            for key, item in value.items():
                name = field if field is not None else key
                if text_problem(key):
                    errors[name] = [TEXT_MESSAGE]
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, field, depth + 1) for item in value)
        elif isinstance(value, str) and text_problem(value):
            errors[field if field is not None else "body"] = [TEXT_MESSAGE]
    if errors:
        raise ValidationError(errors=errors)


def request_json() -> Any:
    """The checked JSON body of this request (parsed once); raises ValidationError (422)."""
    store = g._get_current_object()  # from behind its proxy once
    cached = store.get("_request_json", _UNSET)
    if isinstance(cached, ValidationError):
        raise cached
    if cached is not _UNSET:
        return cached
    try:
        body = _parse()
        _check(body)
    except ValidationError as exc:
        store._request_json = exc
        raise
    store._request_json = body
    return body


def request_json_or_none() -> Any:
    """The checked body, or None when it is refused (for code that must not fail, e.g. a
    rate limit's key)."""
    try:
        return request_json()
    except ValidationError:
        return None
