"""The OpenAPI 3 document of /api/v1, generated from the routes and their marshmallow schemas.

Each API view says what it takes and answers with `@documented(...)`; `build_spec` walks the
app's URL map, so a route cannot exist without appearing here (a test checks every one does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify
from marshmallow import Schema, fields

from diary.api import bp

API_PREFIX = "/api/v1"
_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[a-z_]+)>")
_PARAM_TYPES = {"int": {"type": "integer"}, "uuid": {"type": "string", "format": "uuid"}}


class ErrorBodySchema(Schema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
    errors = fields.Dict(
        keys=fields.Str(), values=fields.Raw(), metadata={"description": "messages per field"}
    )


@dataclass(frozen=True)
class Operation:
    summary: str
    request: type[Schema] | Schema | None = None
    response: type[Schema] | Schema | None = None
    status: int = 200
    many: bool = False
    query: dict[str, str] = field(default_factory=dict)  # name -> description
    headers: dict[str, str] = field(default_factory=dict)  # request header name -> description
    errors: tuple[int, ...] = ()
    content_type: str = "application/json"
    public: bool = False
    # Error statuses whose body is not the plain ErrorSchema: status -> schema.
    error_bodies: dict[int, type[Schema] | Schema] = field(default_factory=dict)


def documented(summary: str, **kwargs) -> Callable:
    """Attach the OpenAPI description of one API view (see `Operation`)."""

    def decorator(view: Callable) -> Callable:
        view.openapi = Operation(summary, **kwargs)
        return view

    return decorator


def _path(rule: str) -> tuple[str, list[dict]]:
    parameters = []
    for match in _PARAM.finditer(rule):
        schema = _PARAM_TYPES.get(match["conv"] or "", {"type": "string"})
        parameters.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return _PARAM.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def _schema(schema, many: bool) -> Schema:
    return schema(many=many) if isinstance(schema, type) else schema


def _operation(op: Operation, parameters: list[dict], write: bool) -> dict:
    responses: dict[str, dict] = {}
    if op.response is not None:
        responses[str(op.status)] = {
            "description": op.summary,
            "content": {op.content_type: {"schema": _schema(op.response, op.many)}},
        }
    else:
        responses[str(op.status)] = {"description": op.summary}
    error_text = {
        400: "Malformed request or missing CSRF token",
        401: "Not signed in, or bad credentials",
        403: "Signed in with a role that may not do this",
        404: "No such object for this user",
        409: "Conflicts with stored data (`error.code` says which conflict)",
        422: "Invalid fields: `errors` names each field",
        428: "The version the edit was made from is missing",
        429: "Too many attempts",
        503: "The database is not reachable just now; nothing was stored, try again later",
    }
    codes = (
        set(op.errors)
        | set(op.error_bodies)
        | ({401} if not op.public else set())
        | ({400} if write else set())
        | {503}
    )
    for code in sorted(codes):
        body = op.error_bodies.get(code)
        responses[str(code)] = {
            "description": error_text.get(code, "Error"),
            "content": {
                "application/json": {
                    "schema": "ErrorSchema" if body is None else _schema(body, False)
                }
            },
        }
    operation: dict = {"summary": op.summary, "responses": responses}
    query = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in op.query.items()
    ] + [
        {
            "name": name,
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in op.headers.items()
    ]
    if parameters or query:
        operation["parameters"] = parameters + query
    if op.request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.request, False)}},
        }
    if write and not op.public:
        operation["security"] = [{"session": [], "csrf": []}]
    elif not op.public:
        operation["security"] = [{"session": []}]
    return operation


def undocumented_routes(app: Flask) -> list[str]:
    return sorted(
        f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        and not hasattr(app.view_functions[rule.endpoint], "openapi")
    )


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="diary API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Session-cookie API of the diary. Sign in with POST /auth/login; send "
            "the returned csrf_token as X-CSRFToken on every write. Errors are "
            "{error: {code, message}} with `errors` per field on 422."
        },
    )
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    spec.components.security_scheme(
        "csrf", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    )
    spec.components.schema("ErrorSchema", schema=ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith(API_PREFIX) or not hasattr(view, "openapi"):
            continue
        path, parameters = _path(rule.rule[len(API_PREFIX) :] or "/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            write = method not in ("GET",)
            paths.setdefault(path, {})[method.lower()] = _operation(view.openapi, parameters, write)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["servers"] = [{"url": API_PREFIX}]
    return document


@bp.get("/openapi.json")
@documented("This document", public=True)
def openapi_document():
    return jsonify(build_spec(current_app))
