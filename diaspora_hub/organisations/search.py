"""Organisations in the search: name, acronym and description; every profile is public."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import search
from diaspora_hub.organisations.models import Organisation


def _documents(session: Session, ids: Collection[int] | None) -> Iterable[tuple[int, str]]:
    for org in search.objects(session, Organisation, ids):
        yield org.id, " ".join((org.name, org.acronym or "", org.description))


def _resolve(
    session: Session, actor: User | None, ids: Collection[int]
) -> Mapping[int, search.Found]:
    found = session.scalars(select(Organisation).where(Organisation.id.in_(list(ids))))
    return {
        org.id: search.Found(
            title=f"{org.name} ({org.acronym})" if org.acronym else org.name,
            url=url_for("organisations.detail", slug=org.slug),
            text=org.description,
        )
        for org in found
    }


KIND = search.Kind(
    name="organisation",
    label=_l("Organisations"),
    watch={
        Organisation: search.Watch(
            owner=lambda org: org.id, fields=frozenset({"name", "acronym", "description"})
        )
    },
    documents=_documents,
    resolve=_resolve,
)
