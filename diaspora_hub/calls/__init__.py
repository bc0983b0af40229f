"""Calls for input, contributions and their synthesis into themes."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the pages, API, jobs, notification kinds, space section, home cards and
    search kinds of calls."""
    from diaspora_hub.accounts import needs
    from diaspora_hub.calls import api, jobs, search, service, views
    from diaspora_hub.core import api as core_api
    from diaspora_hub.core import search as core_search
    from diaspora_hub.notifications import scheduler
    from diaspora_hub.notifications import service as notifications
    from diaspora_hub.spaces import sections

    app.register_blueprint(views.bp)
    core_api.register(app, api.bp)
    scheduler.add("calls.open_notifications", timedelta(minutes=1), jobs.open_notifications)
    scheduler.add("calls.deadline_reminders", timedelta(minutes=5), jobs.deadline_reminders)
    scheduler.add("calls.close_notices", timedelta(minutes=5), jobs.close_notices)
    notifications.register_kind(
        service.KIND_OPENED, _l("A call for input opened for your organisation")
    )
    notifications.register_kind(service.KIND_REMINDER, _l("A call for input closes in 48 hours"))
    notifications.register_kind(service.KIND_CLOSED, _l("A call for input you run has closed"))
    notifications.register_kind(service.KIND_REPORTED, _l("A contribution was reported"))
    sections.register(views.space_section)
    needs.register(views.home_needs)
    core_search.register(search.CALLS)
    core_search.register(search.CONTRIBUTIONS)
