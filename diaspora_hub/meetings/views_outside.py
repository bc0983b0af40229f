"""Pages of outside events: a space's list, posting one, interest and nominations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.web import form_input, render_form_error, see_other
from diaspora_hub.extensions import db
from diaspora_hub.meetings import schemas
from diaspora_hub.meetings.models import Level, NominationStatus
from diaspora_hub.meetings.service import outside
from diaspora_hub.meetings.views import localise
from diaspora_hub.organisations.labels import kind_label
from diaspora_hub.organisations.models import OrganisationKind
from diaspora_hub.spaces import service as spaces

bp = Blueprint("outside_events", __name__, template_folder="templates")

LEVEL_LABELS: dict[Level, Any] = {
    Level.DOCTORAL: _l("Doctoral"),
    Level.PROFESSIONAL: _l("Professional"),
    Level.STUDENT: _l("Student"),
    Level.COMMUNITY: _l("Community member"),
}


STATUS_LABELS: dict[NominationStatus, Any] = {
    NominationStatus.NOMINATED: _l("Nominated"),
    NominationStatus.APPROVED: _l("Approved"),
    NominationStatus.DECLINED: _l("Declined"),
    NominationStatus.WITHDRAWN: _l("Withdrawn"),
}


@bp.get("/spaces/<slug>/outside-events")
def index(slug: str) -> str:
    user = actor()
    session = db.session()
    space, events = outside.space_events(session, user, slug)
    return render_template(
        "meetings/outside_index.html",
        space=space,
        events=events,
        can_post=spaces.can_manage(session, user, space),
    )


@bp.route("/spaces/<slug>/outside-events/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    space = spaces.get_visible(session, user, slug)
    spaces.require_manager(session, user, space)
    context = {
        "space": space,
        "kinds": [(k.value, kind_label(k)) for k in OrganisationKind],
        "levels": [(lv.value, str(LEVEL_LABELS[lv])) for lv in Level],
    }
    if request.method != "POST":
        return render_template("meetings/outside_form.html", errors={}, form={}, **context)
    form = request.form
    data: dict[str, Any] = {
        name: form.get(name, "") for name in ("title", "host", "description", "location", "quota")
    }
    for name in ("starts_at", "ends_at", "nominations_close_at"):
        data[name] = localise(form.get(name, ""), user.time_zone or "UTC")
    data["eligible_kinds"] = form.getlist("eligible_kinds")
    data["eligible_levels"] = form.getlist("eligible_levels")
    try:
        event = outside.post_event(
            session, user, slug, **load(schemas.OutsideEventInSchema(), data)
        )
    except AppError as exc:
        return render_form_error("meetings/outside_form.html", exc, **context)
    flash(_("The event is posted; members can show interest."), "success")
    return see_other(url_for("outside_events.detail", event_id=event.id))


@bp.get("/outside-events/<int:event_id>")
def detail(event_id: int) -> str:
    user = actor()
    session = db.session()
    event = outside.get_event(session, user, event_id)
    manages = spaces.can_manage(session, user, event.space)
    context: dict[str, Any] = {
        "event": event,
        "manages": manages,
        "level_label": lambda value: str(LEVEL_LABELS[Level(value)]),
        "status_label": lambda value: str(STATUS_LABELS[NominationStatus(value)]),
        "level_names": [str(LEVEL_LABELS[Level(v)]) for v in event.eligible_levels],
        "eligible": [],
        "nominating": [],
        "interests": [],
        "nominations": [],
    }
    if user is not None:
        context["eligible"] = outside.eligible_organisations(session, user, event)
        context["nominating"] = outside.nominating_organisations(session, user, event)
        if manages or context["nominating"]:
            context["interests"] = outside.interests_for(session, user, event)
            context["nominations"] = outside.nominations(session, user, event_id)[1]
    return render_template("meetings/outside_detail.html", **context)


@bp.post("/outside-events/<int:event_id>/<any(interest, nominate, approve, decline):action>")
@login_required
def step(event_id: int, action: str) -> Response:
    user = require_actor()
    session = db.session()
    form = request.form
    if action == "interest":
        data = load(schemas.InterestInSchema(), form_input())
        outside.show_interest(session, user, event_id, **data)
        flash(_("Your interest is noted; your organisation decides whom to nominate."), "success")
    elif action == "nominate":
        data = load(schemas.NominationInSchema(), form_input())
        outside.nominate(session, user, event_id, **data)
        flash(_("The nomination is sent to the facilitators."), "success")
    else:
        nomination = int(form.get("nomination", "0") or 0)
        outside.decide(session, user, event_id, nomination, approve=action == "approve")
        flash(_("The decision is recorded."), "success")
    return see_other(url_for("outside_events.detail", event_id=event_id))
