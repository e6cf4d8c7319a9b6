"""The OpenAPI document describes every API route and is a valid OpenAPI 3 document."""

from __future__ import annotations

from openapi_spec_validator import validate

from diary.api.openapi import undocumented_routes


def test_every_api_route_is_documented(app):
    assert undocumented_routes(app) == []


def test_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_document_describes_login_and_its_errors(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    login = paths["/auth/login"]["post"]
    body = login["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Login"}
    assert {"200", "401", "422", "429"} <= set(login["responses"])
    assert paths["/me"]["get"]["security"] == [{"session": []}]
