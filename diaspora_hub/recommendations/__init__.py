"""Recommendations: drafted from what calls and rooms heard, endorsed by organisations,
with consensus measured bloc by bloc.

:func:`init_app` registers everything the domain adds to the app; importing the package
registers nothing.
"""

from __future__ import annotations

from flask import Flask

from diaspora_hub.extensions import csrf
from diaspora_hub.notifications import scheduler
from diaspora_hub.notifications import service as notifications
from diaspora_hub.recommendations import api, jobs, service, views
from diaspora_hub.spaces import sections


def init_app(app: Flask) -> None:
    """Pages, API (on the app's flask-smorest ``Api``), notification kinds, the reminder
    job and the space page's section. Call it after the app's ``Api`` exists."""
    app.register_blueprint(views.bp)
    smorest = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    csrf.exempt(api.bp)
    smorest.register_blueprint(api.bp)
    for name, label in service.KINDS:
        notifications.register_kind(name, label)
    scheduler.job("recommendations.closing_reminders", jobs.REMINDER_EVERY)(jobs.closing_reminders)
    sections.provider(views.space_section)
