"""The demo space shows an opinion map with groups, and a statement waiting for moderation."""

from __future__ import annotations

from diaspora_hub.demo import DEMO_PASSWORD, DOMAIN


def test_the_demo_space_has_a_map_with_groups(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    body = client.get("/api/v1/spaces/remittance-costs/opinion-map").get_json()
    assert len(body["groups"]) == 2
    assert body["voters"] == 147
    assert body["bridging"]
    assert any(m["polis_id"] is not None for g in body["groups"] for m in g["members"])
    client.post(
        "/api/v1/auth/login", json={"email": f"facilitator@{DOMAIN}", "password": DEMO_PASSWORD}
    )
    pending = client.get("/api/v1/spaces/remittance-costs/statements?state=pending").get_json()
    assert pending["total"] == 1
