"""Importing Pol.is exports, and grouping real conversations as Pol.is grouped them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from diaspora_hub.accounts.models import User
from diaspora_hub.opinions import simulation
from diaspora_hub.opinions.models import Statement, StatementState, Vote, Voter
from tests import factories
from tests.opinions.conftest import read

pytestmark = pytest.mark.postgres


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _upload(client: Any, slug: str, files: dict[str, str]) -> Any:
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict({name: FileStorage(io.BytesIO(t.encode()), name) for name, t in files.items()})
    )
    return client.post(
        f"/api/v1/spaces/{slug}/statements/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=client.bearer,
    )


@pytest.fixture
def api_client(app: Flask, login: Any) -> Any:
    """A client authenticated by a personal API token, as integrations import."""

    def make(user: User) -> Any:
        client = login(user)
        token = client.post("/api/v1/auth/tokens", json={"name": "import"}).get_json()["token"]
        client.bearer = {"Authorization": f"Bearer {token}"}
        return client

    return make


def _polis_groups(conversation: str) -> dict[int, str]:
    rows = csv.DictReader(io.StringIO(read("participants-votes.csv", conversation)))
    return {int(r["participant"]): r["group-id"] for r in rows if r["group-id"]}


def _agreement(map_body: dict[str, Any], polis: dict[int, str]) -> float:
    ours = {m["polis_id"]: g["id"] for g in map_body["groups"] for m in g["members"]}
    both = sorted(set(ours) & set(polis))
    assert len(both) >= 0.9 * len(polis)
    return float(adjusted_rand_score([polis[p] for p in both], [ours[p] for p in both]))


def test_comments_and_votes_import_and_group_as_pol_is_did(session, world, api_client, client):
    conversation = "brexit-consensus"
    response = _upload(
        api_client(world.facilitator),
        world.space.slug,
        {
            "comments.csv": read("comments.csv", conversation),
            "votes.csv": read("votes.csv", conversation),
        },
    )
    assert response.status_code == 201, response.get_json()
    summary = response.get_json()
    assert summary["statements"] == 50
    assert summary["voters"] == _count(session, Voter)
    body = client.get(f"/api/v1/spaces/{world.space.slug}/opinion-map").get_json()
    assert len(body["groups"]) == 2
    assert _agreement(body, _polis_groups(conversation)) >= 0.75
    assert body["bridging"]
    assert all(g["representative"] for g in body["groups"])


@pytest.mark.parametrize("conversation", ["scoop-hivemind.taxes", "canadian-electoral-reform"])
def test_participants_votes_import_groups_as_pol_is_did(
    session, world, api_client, client, conversation
):
    response = _upload(
        api_client(world.facilitator),
        world.space.slug,
        {
            "comments.csv": read("comments.csv", conversation),
            "participants-votes.csv": read("participants-votes.csv", conversation),
        },
    )
    assert response.status_code == 201, response.get_json()
    # moderated out on Pol.is: kept for the record, not shown
    rejected = session.scalar(
        select(func.count())
        .select_from(Statement)
        .where(Statement.state == StatementState.REJECTED)
    )
    assert rejected == sum(
        1
        for r in csv.DictReader(io.StringIO(read("comments.csv", conversation)))
        if r["moderated"] == "-1"
    )
    body = client.get(f"/api/v1/spaces/{world.space.slug}/opinion-map").get_json()
    assert body["statements"] == response.get_json()["statements"] - rejected
    assert len(body["groups"]) == 2
    assert _agreement(body, _polis_groups(conversation)) >= 0.75


def test_participants_votes_alone_name_the_statements_by_their_pol_is_id(
    session, world, api_client
):
    pv = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n1,,0,2,1,1,1,-1\n"
    response = _upload(
        api_client(world.facilitator), world.space.slug, {"participants-votes.csv": pv}
    )
    assert response.status_code == 201
    texts = session.scalars(select(Statement.text).order_by(Statement.polis_id)).all()
    assert texts == ["Pol.is statement 0", "Pol.is statement 1"]


MALFORMED = [
    ({"votes.csv": "comment-id,voter-id,vote\n1,1,1\n"}, "files"),
    (
        {"comments.csv": "id,text\n1,Hello\n", "votes.csv": "comment-id,voter-id,vote\n1,1,1\n"},
        "comments.csv",
    ),
    (
        {
            "comments.csv": "comment-id,comment-body\n1,Hello\n",
            "votes.csv": "comment-id,voter-id,vote\n1,1,yes\n",
        },
        "votes.csv",
    ),
    (
        {
            "comments.csv": "comment-id,comment-body\n1,Hello\n",
            "votes.csv": "comment-id,voter-id,vote\n2,1,1\n",
        },
        "votes.csv",
    ),
    (
        {
            "comments.csv": "comment-id,comment-body\nabc,Hello\n",
            "votes.csv": "comment-id,voter-id,vote\n",
        },
        "comments.csv",
    ),
    ({"participants-votes.csv": "participant,0\n1,2\n"}, "participants-votes.csv"),
    ({"participants-votes.csv": "participant,zero\n1,1\n"}, "participants-votes.csv"),
]


@pytest.mark.parametrize(("files", "field"), MALFORMED)
def test_a_malformed_export_is_refused_and_nothing_stored(session, world, api_client, files, field):
    response = _upload(api_client(world.facilitator), world.space.slug, files)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"]
    assert _count(session, Statement) == _count(session, Vote) == _count(session, Voter) == 0


def test_a_file_that_is_not_utf8_is_refused(session, world, api_client):
    client = api_client(world.facilitator)
    response = client.post(
        f"/api/v1/spaces/{world.space.slug}/statements/import",
        data={"participants-votes.csv": (io.BytesIO(b"\xff\xfe\x00bad"), "participants-votes.csv")},
        content_type="multipart/form-data",
        headers=client.bearer,
    )
    assert response.status_code == 400
    assert _count(session, Statement) == 0


def test_an_export_is_imported_once(session, world, api_client):
    files = {"participants-votes.csv": "participant,0,1\n1,1,-1\n"}
    client = api_client(world.facilitator)
    assert _upload(client, world.space.slug, files).status_code == 201
    assert _upload(client, world.space.slug, files).status_code == 409
    assert _count(session, Vote) == 2


@pytest.mark.parametrize("who", ["ana", "newcomer", "outsider"])
def test_only_facilitators_import(session, world, api_client, who):
    files = {"participants-votes.csv": "participant,0,1\n1,1,-1\n"}
    response = _upload(api_client(getattr(world, who)), world.space.slug, files)
    assert response.status_code == 403
    assert _count(session, Vote) == 0


def test_an_import_with_the_session_cookie_alone_is_refused(session, world, login):
    client = login(world.facilitator)
    response = client.post(
        f"/api/v1/spaces/{world.space.slug}/statements/import",
        data={
            "participants-votes.csv": (
                io.BytesIO(b"participant,0\n1,1\n"),
                "participants-votes.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _count(session, Vote) == 0


def test_the_private_space_stays_hidden_from_an_importer_outside_it(session, world, api_client):
    outsider_facilitator = factories.user(session, can_facilitate=True)
    session.commit()
    files = {"participants-votes.csv": "participant,0\n1,1\n"}
    response = _upload(api_client(outsider_facilitator), world.private.slug, files)
    assert response.status_code == 404


def test_an_export_larger_than_other_requests_may_be_is_imported(session, world, api_client):
    body = "Remittance corridors need cheaper channels and clearer fees. " * 4
    comments = "comment-id,moderated,comment-body\n" + "".join(
        f"{j},1,{body} ({j})\n" for j in range(4500)
    )
    drawn = simulation.simulate(50, 4500, 2, seed=1, turnout=0.01)
    files = {
        "comments.csv": comments,
        "participants-votes.csv": simulation.participants_votes_csv(drawn.votes),
    }
    assert sum(len(t.encode()) for t in files.values()) > 1024 * 1024  # the site-wide limit
    response = _upload(api_client(world.facilitator), world.space.slug, files)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["statements"] == 4500


def test_other_requests_keep_the_site_wide_limit(world, api_client):
    client = api_client(world.facilitator)
    response = client.post(
        f"/api/v1/spaces/{world.space.slug}/statements",
        json={"text": "x" * (1024 * 1024 + 10)},
        headers=client.bearer,
    )
    assert response.status_code == 413
