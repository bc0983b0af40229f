"""The filter on a space's calls offers the SDG targets its calls carry, with their text."""

from __future__ import annotations

import re

from diaspora_hub.calls.models import CallTarget
from tests.calls.conftest import make_call


def test_the_target_filter_lists_the_targets_of_the_calls_with_their_text(client, session, world):
    make_call(session, world.space, world.liaison, targets=[CallTarget(code="10.c")])
    make_call(
        session,
        world.space,
        world.liaison,
        published=False,
        title="A draft",
        targets=[CallTarget(code="17.3")],
    )
    html = client.get("/spaces/remittances/calls").get_data(as_text=True)
    options = re.findall(r'<option value="([0-9.a-z]+)"[^>]*>([^<]*)</option>', html)
    targets = [(code, label) for code, label in options if "." in code]
    # Only the published call's target (the draft's is not for visitors), labelled by its text.
    assert [code for code, _label in targets] == ["10.c"]
    assert targets[0][1].startswith("10.c — By 2030, reduce to less than 3 per cent")
    filtered = client.get("/spaces/remittances/calls?target=10.c").get_data(as_text=True)
    assert "Remittance costs" in filtered
