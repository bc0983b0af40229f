"""Issue spaces in the search: a space is found only by those who may know it exists."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import search
from diaspora_hub.spaces import service
from diaspora_hub.spaces.models import Space


def _documents(session: Session, ids: Collection[int] | None) -> Iterable[tuple[int, str]]:
    for space in search.objects(session, Space, ids):
        yield space.id, f"{space.title} {space.description}"


def _resolve(
    session: Session, actor: User | None, ids: Collection[int]
) -> Mapping[int, search.Found]:
    visible = session.scalars(service.visible_spaces(actor).where(Space.id.in_(list(ids))))
    return {
        space.id: search.Found(
            title=space.title,
            url=url_for("spaces.detail", slug=space.slug),
            text=space.description,
        )
        for space in visible
    }


KIND = search.Kind(
    name="space",
    label=_l("Issue spaces"),
    watch={
        Space: search.Watch(
            owner=lambda space: space.id, fields=frozenset({"title", "description"})
        )
    },
    documents=_documents,
    resolve=_resolve,
)
