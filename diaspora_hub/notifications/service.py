"""Rules for notifications: who gets what, in the app and by email, and when.

Other domains register the kinds they send from their ``init_app`` and call :func:`notify`. Every
notification is stored in the app for its recipient whatever their preference: the list
is the record a person can always go back to. The preference only decides email:
``immediate`` sends one mail once the transaction commits, ``daily`` puts it in the next
daily digest (the ``notifications.daily_digest`` job, at or after 07:00 in the person's
own time zone), ``off`` sends none. The delivery is fixed when the notification is
created, so changing a preference later does not pull back or resend anything.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from email.message import EmailMessage
from functools import partial
from itertools import groupby
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core.db import after_commit, utcnow
from diaspora_hub.core.errors import NotFound, ValidationFailed
from diaspora_hub.core.pagination import Page, paginate
from diaspora_hub.core.text import plain_text
from diaspora_hub.notifications import mail
from diaspora_hub.notifications.models import (
    Delivery,
    DigestState,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 4000
URL_MAX = 500
#: local time from which a person's daily digest may go out
DIGEST_TIME = time(7, 0)
#: path of the preferences page, linked from every mail (mails have no request to route)
SETTINGS_PATH = "/notifications/settings"

_KIND_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


@dataclass(frozen=True)
class Kind:
    name: str
    #: what the person sees on the settings page (a lazy translation)
    label: Any
    default: Delivery


# Filled only by the domains' init_app: configuration, the same for every app in a process.
_KINDS: dict[str, Kind] = {}


def register_kind(name: str, label: Any, default: Delivery = Delivery.IMMEDIATE) -> None:
    """Declare a kind of notification; ``name`` is ``<domain>.<event>``, e.g. ``calls.opened``.

    Called from the ``init_app`` of the domain that sends it; registering a name again
    replaces it.
    """
    if not _KIND_NAME.fullmatch(name) or len(name) > 80:
        raise ValueError(f"notification kind {name!r} must look like 'domain.event'")
    _KINDS[name] = Kind(name=name, label=label, default=Delivery(default))


def kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def _kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"notification kind {name!r} is not registered") from None


def _check_path(url: str) -> str:
    """Notifications only point inside this site, so a link in one can never phish."""
    if url and (not url.startswith("/") or url.startswith("//") or len(url) > URL_MAX):
        raise ValueError(f"a notification url must be a path on this site, not {url!r}")
    return url


def _distinct(recipients: Iterable[User]) -> list[User]:
    seen: dict[int, User] = {}
    for person in recipients:
        seen.setdefault(person.id, person)
    return list(seen.values())


def notify(
    session: Session,
    recipients: Iterable[User],
    kind: str,
    *,
    title: str,
    body: str = "",
    url: str = "",
) -> list[Notification]:
    """Store one notification per distinct recipient and email those who want it now.

    Mails go out only after the commit; a rolled-back transaction sends nothing. ``url`` is
    a path on this site (``/spaces/…``); ``body`` is plain text.
    """
    spec = _kind(kind)
    path = _check_path(url)
    people = _distinct(recipients)
    if not people:
        return []
    chosen = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.kind == kind,
                NotificationPreference.user_id.in_([p.id for p in people]),
            )
        )
        .tuples()
        .all()
    )
    line = plain_text(title, TITLE_MAX)
    text = body.strip()[:BODY_MAX]
    created = [
        Notification(
            user_id=person.id,
            kind=kind,
            title=line,
            body=text,
            url=path,
            delivery=chosen.get(person.id, spec.default),
        )
        for person in people
    ]
    session.add_all(created)
    session.flush()
    config = mail.settings()
    if config is not None:
        messages = [
            _immediate_mail(config, person, notification)
            for person, notification in zip(people, created, strict=True)
            if notification.delivery is Delivery.IMMEDIATE and person.is_active
        ]
        if messages:
            after_commit(session, partial(mail.send_all, config, messages))
    return created


def unread_count(session: Session, actor: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_for(
    session: Session, actor: User, *, unread_only: bool = False, page: int = 1, per_page: int = 20
) -> Page[Notification]:
    """The person's own notifications, newest first."""
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return paginate(session, query, page, per_page)


def get_own(session: Session, actor: User, notification_id: int) -> Notification:
    """Someone else's notification does not exist as far as this person can tell."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.id:
        raise NotFound(_("No such notification."))
    return notification


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    notification = get_own(session, actor, notification_id)
    notification.mark_read(utcnow())
    session.flush()
    return notification


def mark_all_read(session: Session, actor: User) -> int:
    """Mark every unread notification of the person read; how many there were."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return cast(CursorResult[Any], result).rowcount


def preferences(session: Session, actor: User) -> dict[str, Delivery]:
    """The delivery of every registered kind for the person: their choice or the default."""
    stored = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == actor.id
            )
        )
        .tuples()
        .all()
    )
    return {k.name: stored.get(k.name, k.default) for k in kinds()}


def set_preferences(
    session: Session, actor: User, changes: Mapping[str, str]
) -> dict[str, Delivery]:
    """Change the named kinds only; any unknown kind or value changes nothing at all."""
    problems: dict[str, list[str]] = {}
    wanted: dict[str, Delivery] = {}
    for name, value in changes.items():
        if name not in _KINDS:
            problems[name] = [_("There is no such kind of notification.")]
            continue
        try:
            wanted[name] = Delivery(value)
        except ValueError:
            problems[name] = [_("Choose immediate, daily or off.")]
    if problems:
        raise ValidationFailed(fields=problems)
    existing = {
        p.kind: p
        for p in session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id == actor.id,
                NotificationPreference.kind.in_(list(wanted)),
            )
        )
    }
    for name, delivery in wanted.items():
        if name in existing:
            existing[name].delivery = delivery
        else:
            session.add(NotificationPreference(user_id=actor.id, kind=name, delivery=delivery))
    session.flush()
    return preferences(session, actor)


# Mail ---------------------------------------------------------------------------------


def _footer(config: mail.MailSettings) -> str:
    return str(
        _(
            "You receive this email because of your notification settings: %(link)s",
            link=config.link(SETTINGS_PATH),
        )
    )


def _immediate_mail(
    config: mail.MailSettings, person: User, notification: Notification
) -> EmailMessage:
    """Rendered now, in the recipient's language: after the commit the data is gone."""
    with force_locale(person.language or "en"):
        link = config.link(notification.url) if notification.url else ""
        parts = [notification.title, notification.body]
        if link:
            parts.append(_("Open it: %(link)s", link=link))
        parts.append("-- \n" + _footer(config))
        html = render_template(
            "notifications/email.html",
            language=person.language,
            notification=notification,
            link=link,
            settings_link=config.link(SETTINGS_PATH),
        )
    return mail.compose(
        config,
        to=person.email,
        subject=notification.title,
        text="\n\n".join(p for p in parts if p),
        html=html,
    )


def _digest_mail(
    config: mail.MailSettings, person: User, items: list[Notification]
) -> EmailMessage:
    with force_locale(person.language or "en"):
        subject = ngettext(
            "Your daily digest: %(num)d notification",
            "Your daily digest: %(num)d notifications",
            len(items),
        )
        entries = []
        for n in items:
            lines = [f"* {n.title}"]
            if n.body:
                lines.append("  " + plain_text(n.body, 300))
            if n.url:
                lines.append("  " + config.link(n.url))
            entries.append("\n".join(lines))
        text = "\n\n".join(
            [subject, *entries, "-- \n" + _footer(config)],
        )
        html = render_template(
            "notifications/digest_email.html",
            language=person.language,
            subject=subject,
            items=[(n, config.link(n.url) if n.url else "") for n in items],
            settings_link=config.link(SETTINGS_PATH),
        )
    return mail.compose(config, to=person.email, subject=subject, text=text, html=html)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def send_daily_digests(session: Session, now: datetime) -> None:
    """Once a day per person, from 07:00 their time, mail what waits for the digest.

    Notifications already read in the app are left out of the mail (the person has seen
    them) but count as digested too, so nothing is ever sent twice.
    """
    waiting = session.scalars(
        select(Notification)
        .where(Notification.delivery == Delivery.DAILY, Notification.digested_at.is_(None))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ).all()
    config = mail.settings()
    outgoing: list[EmailMessage] = []
    for user_id, group in groupby(waiting, key=lambda n: n.user_id):
        items = list(group)
        person = session.get(User, user_id)
        if person is None:
            continue
        today = now.astimezone(_zone(person.time_zone))
        if today.time() < DIGEST_TIME:
            continue
        state = session.get(DigestState, user_id)
        if state is not None and state.last_local_date >= today.date():
            continue
        if state is None:
            state = DigestState(user_id=user_id, last_local_date=today.date(), sent_at=now)
            session.add(state)
        state.last_local_date = today.date()
        state.sent_at = now
        for notification in items:
            notification.digested_at = now
        unread = [n for n in items if n.read_at is None]
        if config is not None and unread and person.is_active:
            outgoing.append(_digest_mail(config, person, unread))
    session.flush()
    if config is not None and outgoing:
        after_commit(session, partial(mail.send_all, config, outgoing))
        logger.info("Daily digests queued for %d people.", len(outgoing))
