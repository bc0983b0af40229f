"""Recommendations: drafted from what calls and rooms heard, endorsed by organisations,
with consensus measured bloc by bloc.

:func:`init_app` registers everything the domain adds to the app; importing the package
registers nothing.
"""

from __future__ import annotations

from flask import Flask

from diaspora_hub.core import api as core_api
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications import service as notifications
from diaspora_hub.recommendations import api, jobs, service, views
from diaspora_hub.spaces import sections


def init_app(app: Flask) -> None:
    """Pages, API, notification kinds, the reminder job and the space page's section."""
    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    for name, label in service.KINDS:
        notifications.register_kind(name, label)
    scheduler.add("recommendations.closing_reminders", jobs.REMINDER_EVERY, jobs.closing_reminders)
    sections.register(views.space_section)
