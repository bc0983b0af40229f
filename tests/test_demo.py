"""``flask seed-demo`` builds a world people can log in to, once."""

from __future__ import annotations

from sqlalchemy import func, select

from diaspora_hub.accounts.models import User
from diaspora_hub.calls.models import Call
from diaspora_hub.demo import DEMO_PASSWORD, DOMAIN
from diaspora_hub.live.models import Room
from diaspora_hub.organisations.models import Organisation
from diaspora_hub.spaces.models import Space


def test_seed_demo_is_idempotent_and_its_logins_work(runner, session, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    counts = [
        session.scalar(select(func.count()).select_from(m))
        for m in (User, Organisation, Space, Call, Room)
    ]
    again = runner.invoke(args=["seed-demo"])
    assert "already present" in again.output
    assert [
        session.scalar(select(func.count()).select_from(m))
        for m in (User, Organisation, Space, Call, Room)
    ] == counts
    assert counts[1] >= 7
    assert counts[2] == 3
    response = client.post(
        "/api/v1/auth/login", json={"email": f"fatou@{DOMAIN}", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    page = client.get("/spaces/remittance-costs").get_data(as_text=True)
    assert "What would make sending money home cheaper for you?" in page
    assert "Dakar–Paris corridor: consultation" in page
    assert "Remittance costs: second consultation with the ministry" in page


def test_create_admin_command(runner, client):
    result = runner.invoke(
        args=["create-admin", "chief@example.org", "--password", "harbour-lights-over-lome-9"]
    )
    assert result.exit_code == 0, result.output
    client.post(
        "/api/v1/auth/login",
        json={"email": "chief@example.org", "password": "harbour-lights-over-lome-9"},
    )
    assert client.get("/api/v1/auth/me").get_json()["is_admin"] is True
    weak = runner.invoke(args=["create-admin", "weak@example.org", "--password", "password"])
    assert weak.exit_code != 0
