"""Meetings: scheduling across time zones, registration, calendars, reminders, best slots."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from diaspora_hub.core import api as core_api
from diaspora_hub.meetings import api, jobs, service, views, views_outside
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications import service as notifications
from diaspora_hub.spaces import sections


def init_app(app: Flask) -> None:
    """Register the pages, API, notification kinds, scheduled jobs and space section."""
    app.register_blueprint(views.bp)
    app.register_blueprint(views_outside.bp)
    core_api.register(app, api.bp)
    for kind, label in service.NOTIFICATION_KINDS:
        notifications.register_kind(kind, label)
    scheduler.add("meetings.open_rooms", timedelta(minutes=1), jobs.open_rooms)
    scheduler.add("meetings.reminders", timedelta(minutes=1), jobs.reminders)
    scheduler.add("meetings.attendance", timedelta(minutes=1), jobs.attendance)
    sections.register(views.space_section)
