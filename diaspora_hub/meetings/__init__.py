"""Meetings: scheduling across time zones, registration, calendars, reminders, best slots."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from diaspora_hub.extensions import csrf
from diaspora_hub.meetings import api, jobs, service, views, views_outside
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications import service as notifications
from diaspora_hub.spaces import sections


def init_app(app: Flask) -> None:
    """Register the pages, the API (on the app's API, so after it exists), the notification
    kinds, the scheduled jobs and the space page's section."""
    app.register_blueprint(views.bp)
    app.register_blueprint(views_outside.bp)
    json_api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    csrf.exempt(api.bp)
    json_api.register_blueprint(api.bp)
    for kind, label in service.NOTIFICATION_KINDS:
        notifications.register_kind(kind, label)
    scheduler.job("meetings.open_rooms", timedelta(minutes=1))(jobs.open_rooms)
    scheduler.job("meetings.reminders", timedelta(minutes=1))(jobs.reminders)
    scheduler.job("meetings.attendance", timedelta(minutes=1))(jobs.attendance)
    sections.provider(views.space_section)
