"""The stored map: stable groups, a restart that changes nothing, and who sees what."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub import create_app
from diaspora_hub.accounts.models import User
from diaspora_hub.extensions import db
from diaspora_hub.opinions import service, simulation
from diaspora_hub.opinions.models import Choice, Statement
from diaspora_hub.spaces.models import ConductAcceptance
from tests import factories
from tests.opinions.conftest import World

pytestmark = pytest.mark.postgres

CHOICES = {1.0: Choice.AGREE, -1.0: Choice.DISAGREE, 0.0: Choice.PASS}


def _import(app: Flask, world: World, votes: Any) -> None:
    with app.test_request_context():
        service.import_polis(
            db.session(),
            world.facilitator,
            world.space.slug,
            files=service.PolisFiles(participants_votes=simulation.participants_votes_csv(votes)),
        )
        db.session.commit()


def _statement_ids(session: Session, world: World) -> dict[int, int]:
    rows = session.execute(
        select(Statement.polis_id, Statement.id).where(Statement.space_id == world.space.id)
    )
    return {polis_id: statement_id for polis_id, statement_id in rows if polis_id is not None}


def _people_vote(app: Flask, world: World, votes: Any) -> list[Any]:
    """Platform people who accepted the code of conduct vote as the rows of ``votes``."""
    with app.test_request_context():
        session = db.session()
        conduct = session.merge(world.space).current_conduct
        assert conduct is not None
        ids = _statement_ids(session, world)
        people = []
        for row in votes:
            person = factories.user(session)
            session.add(ConductAcceptance(conduct_id=conduct.id, user_id=person.id))
            session.flush()
            for j, value in enumerate(row):
                if not np.isnan(value):
                    service.vote(session, person, ids[j], choice=CHOICES[value])
            people.append(person)
        session.commit()
        return people


def _members(body: dict[str, Any]) -> dict[int, set[int]]:
    return {g["number"]: {m["voter_id"] for m in g["members"]} for g in body["groups"]}


def test_groups_keep_their_identity_as_new_votes_come_in(app, world, client):
    drawn = simulation.simulate(150, 20, 2, seed=4)
    _import(app, world, drawn.votes[:130])
    url = f"/api/v1/spaces/{world.space.slug}/opinion-map"
    before = client.get(url).get_json()
    assert len(before["groups"]) == 2
    _people_vote(app, world, drawn.votes[130:])
    after = client.get(url).get_json()
    assert [step["update"] for step in after["k_history"]] == [1, 2]
    old, new = _members(before), _members(after)
    assert set(old) == set(new)
    for number, members in old.items():
        assert len(members & new[number]) >= 0.9 * len(members)
    assert after["voters"] == 150


def test_a_restart_changes_nothing(app, world, client, database_url, tmp_path):
    drawn = simulation.simulate(120, 20, 3, seed=8)
    _import(app, world, drawn.votes)
    url = f"/api/v1/spaces/{world.space.slug}/opinion-map"
    first = client.get(url).get_json()
    again = client.get(url).get_json()
    assert again == first
    restarted = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": database_url})
    try:
        assert restarted.test_client().get(url).get_json() == first
    finally:
        with restarted.app_context():
            db.session.remove()
            db.engine.dispose()
    assert first["k_history"][-1]["update"] == 1


def test_you_are_shown_on_the_map_and_in_your_group(app, world, login):
    drawn = simulation.simulate(100, 20, 2, seed=2)
    _import(app, world, drawn.votes[1:])
    with app.test_request_context():
        session = db.session()
        ids = _statement_ids(session, world)
        ana = session.merge(world.ana)
        for j, value in enumerate(drawn.votes[0]):
            if not np.isnan(value):
                service.vote(session, ana, ids[j], choice=CHOICES[value])
        session.commit()
    body = login(world.ana).get(f"/api/v1/spaces/{world.space.slug}/opinion-map").get_json()
    assert body["you"]["is_you"] is True
    mine = [g for g in body["groups"] if any(m["is_you"] for m in g["members"])]
    assert len(mine) == 1
    # nobody else is marked as them
    other = login(world.bo).get(f"/api/v1/spaces/{world.space.slug}/opinion-map").get_json()
    assert other["you"] is None
    assert not any(m["is_you"] for g in other["groups"] for m in g["members"])


def test_people_are_never_named_on_the_map(app, world, login):
    drawn = simulation.simulate(40, 10, 2, seed=1)
    _import(app, world, drawn.votes[:30])
    _people_vote(app, world, drawn.votes[30:])
    raw = (
        login(world.bo).get(f"/api/v1/spaces/{world.space.slug}/opinion-map").get_data(as_text=True)
    )
    with app.test_request_context():
        names = [u.display_name for u in db.session.query(User)]
        emails = [u.email for u in db.session.query(User)]
    assert not any(name in raw for name in names)
    assert not any(email in raw for email in emails)
    assert '"user_id"' not in raw


def test_a_private_space_map_is_hidden(world, login, client):
    url = f"/api/v1/spaces/{world.private.slug}/opinion-map"
    assert client.get(url).status_code == 404
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.ana).get(url).status_code == 200


def test_a_bridging_statement_comes_with_its_vote_record(app, world):
    drawn = simulation.simulate(150, 20, 2, seed=6)
    _import(app, world, drawn.votes)
    with app.test_request_context():
        session = db.session()
        view = service.map_view(session, world.ana, world.space.slug)
        top = view.bridging[0]
        record = service.bridging_statement(session, world.ana, top.statement.id)
    assert record.score == pytest.approx(top.score)
    assert record.tally.votes == int((~np.isnan(drawn.votes[:, top.statement.polis_id])).sum())
    assert [g.group_number for g in record.by_group] == [g.number for g in view.groups]
    assert record.score == pytest.approx(np.prod([g.agreement for g in record.by_group]))
    assert top.statement.polis_id in drawn.consensus
