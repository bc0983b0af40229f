"""In-app and email notifications, preferences, digests and reminders."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages and API of notifications, and the daily digest job."""
    from diaspora_hub.core import api as core_api
    from diaspora_hub.notifications import api, scheduler, service, views

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    scheduler.add("notifications.daily_digest", timedelta(hours=1), service.send_daily_digests)
