"""What a viewer may receive of a payload: identities reduced to blocs in Chatham House
rooms, facilitator-only parts and hidden bodies removed for participants."""

from __future__ import annotations

from typing import Any

from diaspora_hub.live.models import Room
from diaspora_hub.live.types import PERSON_MARK, Json, is_person

#: Keys only facilitators receive.
FACILITATOR_ONLY_KEYS = frozenset({"speaking_time"})

#: Events whose body a facilitator may hide.
HIDEABLE = frozenset({"message", "question.asked"})


def counted(presence: Json) -> Json:
    """A presence or presence change reduced to the counts by bloc."""
    return {"room": presence["room"], "counts": presence["counts"], "total": presence["total"]}


def _strip(value: Any, *, identities: bool, facilitator_only: bool) -> Any:
    """``value`` without what the viewer may not see (``identities``: every person reduced
    to their bloc, found by shape at any depth; ``facilitator_only``: the parts and bodies
    only facilitators get)."""
    if identities and is_person(value):
        return {PERSON_MARK: value[PERSON_MARK]}
    if isinstance(value, list):
        return [
            _strip(item, identities=identities, facilitator_only=facilitator_only) for item in value
        ]
    if not isinstance(value, dict):
        return value
    out: Json = {}
    for key, item in value.items():
        if facilitator_only and key in FACILITATOR_ONLY_KEYS:
            continue
        if identities and key == "client_id":
            continue
        out[key] = _strip(item, identities=identities, facilitator_only=facilitator_only)
    if facilitator_only:
        if out.get("hidden") is True and "body" in out:
            out["body"] = None
        if out.get("results_hidden") is True:
            out.pop("results", None)
            out.pop("vote", None)
    return out


def view(value: Json, *, chatham: bool, facilitator: bool) -> Json:
    """``value`` as a viewer may receive it (see the module docstring)."""
    if facilitator:
        return value
    result: Json = _strip(value, identities=chatham, facilitator_only=True)
    return result


def anonymised(value: Any) -> Any:
    """Identities reduced to blocs, nothing else removed: exports of Chatham House rooms."""
    return _strip(value, identities=True, facilitator_only=False)


def _pair(value: Json, room: Room) -> tuple[Json, Json]:
    return value, view(value, chatham=room.is_chatham_house, facilitator=False)


def presence_view(value: Json, *, chatham: bool, facilitator: bool) -> Json:
    """Presence as a viewer may receive it: participants of Chatham House rooms get the
    counts by bloc only (a list of bloc labels would tell them nothing more)."""
    if facilitator or not chatham:
        return value
    return counted(value)
