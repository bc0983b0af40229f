"""The OpenAPI document names the errors of each operation, in the documented shape."""

from __future__ import annotations

from typing import Any

import pytest

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], list[Any]]]:
    found = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in WRITES | {"get"}:
                found.append((path, method, operation, shared + operation.get("parameters", [])))
    return found


def _schema_of(spec: dict[str, Any], response: dict[str, Any]) -> Any:
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def test_every_operation_documents_the_errors_it_can_answer(spec):
    missing = {}
    for path, method, operation, parameters in _operations(spec):
        statuses = set(operation["responses"])
        expected = {"500"}
        if method in WRITES:
            expected |= {"400", "401", "403", "409", "413", "422", "429"}
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            expected |= {"400", "422"}
        if any(p["in"] == "path" for p in parameters):
            expected |= {"401", "403", "404"}
        if not expected <= statuses:
            missing[f"{method.upper()} {path}"] = sorted(expected - statuses)
    assert missing == {}


def test_error_responses_are_in_the_error_shape(spec):
    for _path, _method, operation, _parameters in _operations(spec):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert _schema_of(spec, response) == {"$ref": "#/components/schemas/Error"}


def test_changing_a_space_lists_its_errors(spec):
    statuses = set(spec["paths"]["/api/v1/spaces/{slug}"]["patch"]["responses"])
    assert {"200", "400", "401", "403", "404", "409", "413", "422", "429", "500"} <= statuses
    assert set(spec["paths"]["/api/v1/spaces"]["get"]["responses"]) >= {"200", "400", "422"}


def test_a_429_says_how_long_to_wait(spec):
    too_many = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]
    assert "Retry-After" in too_many["headers"]
    assert _schema_of(spec, too_many) == {"$ref": "#/components/schemas/Error"}
