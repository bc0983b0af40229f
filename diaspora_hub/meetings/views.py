"""Pages of the meetings domain: a space's meetings, one meeting, scheduling, registration,
best slots, and a person's own meetings and calendar address."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError, ValidationFailed
from diaspora_hub.core.web import form_input, local_time, render_form_error, see_other
from diaspora_hub.extensions import db, limiter
from diaspora_hub.meetings import api, exports, schemas, service
from diaspora_hub.meetings.models import (
    Meeting,
    MeetingMode,
    MeetingState,
    RegistrationPolicy,
    RegistrationStatus,
)
from diaspora_hub.meetings.types import MeetingFields
from diaspora_hub.organisations.labels import bloc_label
from diaspora_hub.spaces import sections
from diaspora_hub.spaces.models import Space

bp = Blueprint("meetings", __name__, template_folder="templates")

_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
#: rows of registration categories on the schedule form
CATEGORY_ROWS = 5

STATE_LABELS: dict[MeetingState, Any] = {
    MeetingState.SCHEDULED: _l("Scheduled"),
    MeetingState.LIVE: _l("Under way"),
    MeetingState.ENDED: _l("Ended"),
    MeetingState.CANCELLED: _l("Cancelled"),
}
MODE_LABELS: dict[MeetingMode, Any] = {
    MeetingMode.OPEN: _l("Open: speakers are named"),
    MeetingMode.CHATHAM_HOUSE: _l("Chatham House: nobody is attributed"),
}
POLICY_LABELS: dict[RegistrationPolicy, Any] = {
    RegistrationPolicy.OPEN: _l("Open: a free place is yours at once"),
    RegistrationPolicy.APPROVAL: _l("Approval: facilitators approve each registration"),
}
STATUS_LABELS: dict[RegistrationStatus, Any] = {
    RegistrationStatus.PENDING: _l("Waiting for approval"),
    RegistrationStatus.APPROVED: _l("Registered"),
    RegistrationStatus.WAITING: _l("On the waiting list"),
    RegistrationStatus.DECLINED: _l("Declined"),
    RegistrationStatus.CANCELLED: _l("Withdrawn"),
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "meeting_state_label": lambda state: str(STATE_LABELS[MeetingState(state)]),
        "registration_status_label": lambda s: str(STATUS_LABELS[RegistrationStatus(s)]),
        "now_utc": lambda: datetime.now(UTC),
    }


@bp.get("/spaces/<slug>/meetings")
def index(slug: str) -> str:
    found = service.space_meetings(db.session(), actor(), slug)
    return render_template("meetings/index.html", o=found, space=found.space)


@bp.route("/spaces/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    service.require_schedule_rights(session, user, slug)
    context = _form_context(session, slug, None)
    if request.method != "POST":
        return render_template("meetings/form.html", errors={}, form=_prefill(), **context)
    try:
        meeting = service.create_meeting(session, user, slug, fields=_meeting_form(user))
    except AppError as exc:
        return render_form_error("meetings/form.html", exc, **context)
    flash(_("The meeting is scheduled. Its room opens at the start time."), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting.id))


@bp.get("/spaces/<slug>/meetings/slots")
@login_required
def slots(slug: str) -> str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    form = request.args
    ranking = None
    errors: dict[str, Any] = {}
    space = None
    if form.get("from"):
        try:
            args = load(schemas.SpaceSlotArgs(), form.to_dict())
            space, ranking = service.space_slots(session, user, slug, **args)
        except AppError as exc:
            errors = exc.fields or {"_schema": [exc.message]}
    if space is None:
        service.require_schedule_rights(session, user, slug)
        space = service.space_meetings(session, user, slug).space
    return render_template(
        "meetings/slots.html",
        space=space,
        meeting=None,
        ranking=ranking,
        chart=_chart(ranking),
        local_value=_local_value(user),
        form=form,
        errors=errors,
        today=datetime.now(UTC).date().isoformat(),
    )


@bp.get("/meetings/<int:meeting_id>")
def detail(meeting_id: int) -> str:
    user = actor()
    session = db.session()
    overview = service.meeting_overview(session, user, meeting_id)
    if overview.jitsi_embed and overview.state is MeetingState.LIVE and overview.can.join_room:
        g.frame_sources = service.frame_sources()
    summary = None
    if overview.can.manage and overview.state is MeetingState.ENDED and user is not None:
        summary = service.feedback_summary(session, user, meeting_id)
    return render_template(
        "meetings/detail.html",
        o=overview,
        feedback=summary,
        meeting=overview.meeting,
        organisations=overview.can.register_for,
        mode_label=MODE_LABELS[overview.meeting.mode],
        policy_label=POLICY_LABELS[overview.meeting.registration],
        local_zone=user.time_zone if user else "UTC",
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    meeting = service.get_meeting(session, user, meeting_id)
    context = _form_context(session, meeting.space.slug, meeting)
    if request.method != "POST":
        return render_template(
            "meetings/form.html", errors={}, form=_form_of(meeting, user), **context
        )
    try:
        service.update_meeting(session, user, meeting_id, fields=_meeting_form(user))
    except AppError as exc:
        return render_form_error("meetings/form.html", exc, **context)
    flash(_("The meeting is saved; registered people are told of changes."), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required
def cancel(meeting_id: int) -> Response:
    service.cancel_meeting(db.session(), require_actor(), meeting_id)
    flash(_("The meeting is cancelled; registered people are told."), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/open")
@login_required
def open_room(meeting_id: int) -> Response:
    service.open_meeting(db.session(), require_actor(), meeting_id)
    flash(_("The room is open to the registered people."), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/end")
@login_required
def end(meeting_id: int) -> Response:
    service.end_meeting(db.session(), require_actor(), meeting_id)
    flash(_("The meeting has ended; its room is read-only."), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/register")
@login_required
def register(meeting_id: int) -> Response:
    data = load(schemas.RegistrationInSchema(), _registration_form())
    registration = service.register(db.session(), require_actor(), meeting_id, **data)
    flash(str(STATUS_LABELS[registration.status]), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/registrations/<int:registration_id>/<action>")
@login_required
def decide(meeting_id: int, registration_id: int, action: str) -> Response:
    actions = {"approve": service.approve, "decline": service.decline, "withdraw": service.withdraw}
    if action not in actions:
        raise ValidationFailed(_("No such action."))
    registration = actions[action](db.session(), require_actor(), meeting_id, registration_id)
    flash(str(STATUS_LABELS[registration.status]), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


@bp.get("/meetings/mine")
@login_required
def mine() -> str:
    user = require_actor()
    return render_template(
        "meetings/mine.html", o=service.my_meetings(db.session(), user), new_url=None, errors={}
    )


@bp.post("/meetings/mine/calendar")
@login_required
def new_calendar() -> str:
    user = require_actor()
    session = db.session()
    token = service.create_token(session, user)
    return render_template(
        "meetings/mine.html",
        o=service.my_meetings(session, user),
        new_url=url_for("meetings.calendar_feed", token=token, _external=True),
        errors={},
    )


@bp.post("/meetings/mine/calendar/<prefix>/revoke")
@login_required
def revoke_calendar(prefix: str) -> Response:
    service.revoke_token(db.session(), require_actor(), prefix)
    flash(_("That calendar address no longer works."), "success")
    return see_other(url_for("meetings.mine"))


@bp.post("/meetings/mine/hours")
@login_required
def working_hours() -> Response | tuple[str, int]:
    user = require_actor()
    session = db.session()
    try:
        data = load(schemas.WorkingHoursSchema(), form_input())
        service.set_working_hours(session, user, **data)
    except AppError as exc:
        return render_form_error(
            "meetings/mine.html", exc, o=service.my_meetings(session, user), new_url=None
        )
    flash(_("Your working hours are saved."), "success")
    return see_other(url_for("meetings.mine"))


@bp.get("/calendar/<token>.ics")
@limiter.limit(api.FEED_LIMIT)
def calendar_feed(token: str) -> Response:
    return api.feed_response(token)


# Forms --------------------------------------------------------------------------------------


def _form_context(session: Session, slug: str, meeting: Meeting | None) -> dict[str, Any]:
    space = meeting.space if meeting else service.space_meetings(session, actor(), slug).space
    return {
        "space": space,
        "meeting": meeting,
        "modes": [(m.value, str(MODE_LABELS[m])) for m in MeetingMode],
        "policies": [(p.value, str(POLICY_LABELS[p])) for p in RegistrationPolicy],
        "category_rows": range(CATEGORY_ROWS),
    }


def _prefill() -> dict[str, Any]:
    """Starting values: a start picked from the slots page, and the usual categories."""
    form: dict[str, Any] = {
        "category_label_0": _("Delegate"),
        "category_organisations_0": "1",
        "category_label_1": _("Observer"),
        "category_label_2": _("Press"),
    }
    for name in ("starts_at", "ends_at"):
        if request.args.get(name):
            form[name] = request.args[name]
    return form


def localise(value: str, zone: str) -> str:
    """A datetime-local value means the facilitator's own time zone; give it that offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def _key(label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")[:40]
    return key if key[:1].isalpha() else f"c-{key}"[:40]


def _meeting_form(user: User) -> MeetingFields:
    """The schedule form as the API would receive it, then the same validation."""
    form = request.form
    data: dict[str, Any] = {
        name: form[name]
        for name in ("title", "description", "mode", "registration")
        if form.get(name) or name == "title"
    }
    data["time_zone"] = user.time_zone or "UTC"
    for name in ("starts_at", "ends_at"):
        if form.get(name):
            data[name] = localise(form[name], data["time_zone"])
    data["capacity"] = int(form["capacity"]) if form.get("capacity", "").isdigit() else None
    data["video_url"] = form.get("video_url", "").strip() or None
    data["agenda"] = [
        _agenda_line(line) for line in form.get("agenda", "").splitlines() if line.strip()
    ]
    categories = []
    for n in range(CATEGORY_ROWS):
        label = form.get(f"category_label_{n}", "").strip()
        if not label:
            continue
        capacity = form.get(f"category_capacity_{n}", "")
        categories.append(
            {
                "key": form.get(f"category_key_{n}") or _key(label),
                "label": label,
                "capacity": int(capacity) if capacity.isdigit() else None,
                "for_organisations": bool(form.get(f"category_organisations_{n}")),
            }
        )
    data["categories"] = categories
    return MeetingFields(**load(schemas.MeetingInSchema(), data))


def _agenda_line(line: str) -> dict[str, Any]:
    """``Title | minutes | owner``: the time box and the owner are optional."""
    parts = [part.strip() for part in line.split("|")]
    item: dict[str, Any] = {"title": parts[0]}
    if len(parts) > 1 and parts[1].isdigit():
        item["minutes"] = int(parts[1])
    if len(parts) > 2:
        item["owner"] = parts[2]
    return item


def _form_of(meeting: Meeting, user: User) -> dict[str, Any]:
    zone = ZoneInfo(user.time_zone or "UTC")
    form: dict[str, Any] = {
        "title": meeting.title,
        "description": meeting.description,
        "starts_at": meeting.starts_at.astimezone(zone).strftime(_LOCAL_FORMAT),
        "ends_at": meeting.ends_at.astimezone(zone).strftime(_LOCAL_FORMAT),
        "mode": meeting.mode.value,
        "registration": meeting.registration.value,
        "capacity": meeting.capacity or "",
        "video_url": meeting.video_url or "",
        "agenda": "\n".join(
            " | ".join([i.title, str(i.minutes or ""), i.owner]).rstrip(" |")
            for i in meeting.agenda
        ),
    }
    for n, category in enumerate(meeting.categories[:CATEGORY_ROWS]):
        form[f"category_key_{n}"] = category.key
        form[f"category_label_{n}"] = category.label
        form[f"category_capacity_{n}"] = category.capacity or ""
        form[f"category_organisations_{n}"] = "1" if category.for_organisations else ""
    return form


def _registration_form() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {"category": form.get("category", "")}
    if form.get("organisation"):
        data["organisation"] = form["organisation"]
    data["waiting_list"] = bool(form.get("waiting_list"))
    return data


def _chart(ranking: Any) -> Any:
    if ranking is None or not ranking.candidates:
        return None
    labels = {bloc: bloc_label(bloc) for bloc in ranking.blocs}
    return exports.slots_svg(ranking, labels=labels)


def _local_value(user: User) -> Any:
    """A UTC moment as a datetime-local value in the viewer's zone (to prefill the form)."""
    zone = ZoneInfo(user.time_zone or "UTC")
    return lambda moment: moment.astimezone(zone).strftime(_LOCAL_FORMAT)


# The space page's section -------------------------------------------------------------------


def space_section(session: Session, user: User | None, space: Space) -> sections.Section:
    """The space's upcoming meetings on its page, as this viewer may see them."""
    found = service.space_meetings(session, user, space.slug)
    return sections.Section(
        key="meetings",
        heading=_("Meetings"),
        items=[
            sections.SectionItem(
                title=meeting.title,
                url=url_for("meetings.detail", meeting_id=meeting.id),
                meta=_(
                    "%(state)s · %(when)s",
                    state=STATE_LABELS[meeting.state_at(datetime.now(UTC))],
                    when=local_time(meeting.starts_at),
                ),
            )
            for meeting in found.upcoming[:5]
        ],
        empty=_("No meetings scheduled."),
        more=(_("All meetings"), url_for("meetings.index", slug=space.slug)),
        action=(_("Schedule a meeting"), url_for("meetings.new", slug=space.slug))
        if found.can_schedule
        else None,
    )


# The record: attendance, minutes, feedback ---------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
def attendance(meeting_id: int) -> str:
    user = require_actor()
    session = db.session()
    return render_template(
        "meetings/attendance.html",
        meeting=service.get_meeting(session, user, meeting_id),
        report=service.attendance(session, user, meeting_id),
    )


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
def minutes(meeting_id: int) -> Response | str | tuple[str, int]:
    user = actor()
    session = db.session()
    meeting, found = service.read_minutes(session, user, meeting_id)
    manages = service.permissions(session, user, meeting, datetime.now(UTC)).manage
    context: dict[str, Any] = {"meeting": meeting, "current": found, "manages": manages}
    if request.method != "POST" or user is None:
        body = found.body if found else ""
        if manages and not found and meeting.state is MeetingState.ENDED:
            body = service.draft_minutes(session, require_actor(), meeting_id)
        return render_template("meetings/minutes.html", errors={}, form={"body": body}, **context)
    try:
        data = load(schemas.MinutesInSchema(), _minutes_form())
        service.save_minutes(session, user, meeting_id, **data)
    except AppError as exc:
        return render_form_error("meetings/minutes.html", exc, **context)
    flash(_("The minutes are saved."), "success")
    return see_other(url_for("meetings.minutes", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/minutes/publish")
@login_required
def publish_minutes(meeting_id: int) -> Response:
    service.publish_minutes(db.session(), require_actor(), meeting_id)
    flash(_("The minutes are published to the space."), "success")
    return see_other(url_for("meetings.minutes", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/feedback")
@login_required
def feedback(meeting_id: int) -> Response:
    form = request.form
    data = load(
        schemas.FeedbackInSchema(),
        {"rating": form.get("rating", ""), "comment": form.get("comment", "")},
    )
    service.give_feedback(db.session(), require_actor(), meeting_id, **data)
    flash(_("Thank you for your feedback."), "success")
    return see_other(url_for("meetings.detail", meeting_id=meeting_id))


def _minutes_form() -> dict[str, Any]:
    data: dict[str, Any] = {"body": request.form.get("body", "")}
    if request.form.get("version", "").isdigit():
        data["version"] = int(request.form["version"])
    return data
