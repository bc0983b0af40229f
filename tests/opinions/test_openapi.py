"""The opinion map's endpoints are in the OpenAPI document, the import as a multipart upload."""

from __future__ import annotations


def test_the_endpoints_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/api/v1/spaces/{slug}/statements",
        "/api/v1/spaces/{slug}/statements/import",
        "/api/v1/statements/{statement_id}/votes",
        "/api/v1/statements/{statement_id}/moderation",
        "/api/v1/spaces/{slug}/opinion-map",
    ):
        assert path in paths, path
    upload = paths["/api/v1/spaces/{slug}/statements/import"]["post"]["requestBody"]["content"]
    name = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    files = spec["components"]["schemas"][name]["properties"]
    assert set(files) == {"comments.csv", "votes.csv", "participants-votes.csv"}
    assert all(f == {"type": "string", "format": "binary"} for f in files.values())
