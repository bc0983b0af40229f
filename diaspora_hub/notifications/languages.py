"""Notifying people each in their own language, for domains whose titles are lazy strings.

``notify`` stores the text it is given; a domain that tells many people at once passes
lazy translations here, and each language group gets them rendered once, in its tongue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import force_locale
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.notifications.service import notify


def notify_in_their_languages(
    session: Session, people: Sequence[User], kind: str, *, title: Any, body: Any, url: str
) -> None:
    """One notification per person, ``title`` and ``body`` rendered in their language."""
    by_language: dict[str, list[User]] = {}
    for person in people:
        by_language.setdefault(person.language or "en", []).append(person)
    for language in sorted(by_language):
        with force_locale(language):
            notify(session, by_language[language], kind, title=str(title), body=str(body), url=url)
