"""The call page says who posted a call and for whom without ambiguity, names an
organisation's kind once, and publishing says whether the call is open already."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.calls.conftest import csrf_token, make_call


def test_the_author_posts_on_behalf_of_an_organisation_named_once(session, world, login):
    call = make_call(session, world.space, world.liaison, organisation=world.government)
    html = login(world.member_a).get(f"/calls/{call.id}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "Posted by Gina Government · on behalf of Gov SN (Government) verified" in text


def test_publishing_a_call_whose_opening_has_passed_says_it_is_open(session, world, login):
    for opens_in, said in (
        (timedelta(hours=-1), "The call is published and open"),
        (timedelta(days=3), "It opens at its opening time."),
    ):
        draft = make_call(
            session,
            world.space,
            world.liaison,
            published=False,
            organisation=world.government,
            opens_in=opens_in,
        )
        author = login(world.liaison)
        token = csrf_token(author, f"/calls/{draft.id}")
        answer = author.post(f"/calls/{draft.id}/publish", data={"csrf_token": token})
        assert said in author.get(answer.headers["Location"]).get_data(as_text=True)
