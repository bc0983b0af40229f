"""Pages of live rooms: a space's rooms with the form to open one, the room page (the shell
the browser code brings to life) and transcript downloads."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from diaspora_hub.accounts import needs
from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.schemas import PageArgs
from diaspora_hub.core.web import form_input, render_form_error, see_other
from diaspora_hub.extensions import db
from diaspora_hub.live import schemas, service
from diaspora_hub.live.models import Room, RoomMode
from diaspora_hub.spaces import sections
from diaspora_hub.spaces.models import Space

bp = Blueprint("live", __name__, template_folder="templates")


def _overview(slug: str) -> service.SpaceRooms:
    args = load(PageArgs(), request.args.to_dict())
    return service.space_rooms(db.session(), actor(), slug, **args)


@bp.get("/spaces/<slug>/rooms")
def rooms(slug: str) -> str:
    return render_template("live/rooms.html", overview=_overview(slug), errors={}, form={})


@bp.post("/spaces/<slug>/rooms")
@login_required
def open_room(slug: str) -> BaseResponse | tuple[str, int]:
    try:
        data = load(schemas.RoomCreateSchema(), form_input())
        room = service.open_room(db.session(), require_actor(), slug, **data)
    except AppError as exc:
        db.session.rollback()
        return render_form_error("live/rooms.html", exc, overview=_overview(slug))
    flash(_("The room “%(title)s” is open.", title=room.title), "success")
    return see_other(url_for("live.room", room_id=room.id))


@bp.get("/rooms/<int:room_id>")
@login_required
def room(room_id: int) -> str:
    page = service.room_page(db.session(), require_actor(), room_id)
    return render_template("live/room.html", page=page, room=page.room)


@bp.get("/rooms/<int:room_id>/transcript.<any(md, json):extension>")
@login_required
def transcript(room_id: int, extension: str) -> Response:
    body, mimetype, name = service.transcript_file(
        db.session(), require_actor(), room_id, extension
    )
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _room_meta(room: Room, present: int) -> str:
    """ "Live now · 3 people here · Chatham House rule", as much of it as is true."""
    parts = []
    if present:
        parts.append(_("Live now"))
        parts.append(ngettext("%(num)d person here", "%(num)d people here", present))
    if room.mode is RoomMode.CHATHAM_HOUSE:
        parts.append(_("Chatham House rule"))
    return " · ".join(parts)


def _space_section(session: Session, user: User | None, space: Space) -> sections.Section:
    """The newest rooms of a space on its page, those with people in them now first."""
    overview = service.space_rooms(session, user, space.slug, per_page=5)
    live = {
        found.room.id: found.present for found in service.live_rooms(session, user, space=space)
    }
    rooms = sorted(overview.rooms.items, key=lambda room: room.id not in live)
    return sections.Section(
        key="rooms",
        heading=_("Live rooms"),
        items=[
            sections.SectionItem(
                title=room.title,
                url=url_for("live.room", room_id=room.id),
                meta=_room_meta(room, live.get(room.id, 0)),
            )
            for room in rooms
        ],
        empty=_("No live rooms yet."),
        more=(_("All live rooms"), url_for("live.rooms", slug=space.slug)),
        action=(_("Open a room"), url_for("live.rooms", slug=space.slug) + "#open-room-heading")
        if overview.can_open
        else None,
    )


def home_needs(session: Session, user: User) -> Iterator[needs.Need]:
    """Rooms with people in them now, in spaces the person sees."""
    for live in service.live_rooms(session, user):
        yield needs.Need(
            kind="room",
            title=live.room.title,
            url=url_for("live.room", room_id=live.room.id),
            action=_("Join the room"),
            urgency=needs.Urgency.NOW,
            detail=live.room.space.title
            + " · "
            + ngettext("%(num)d person here", "%(num)d people here", live.present),
        )
