"""Pages of the calls domain: list, post and edit a call, answer it, moderate, synthesise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from diaspora_hub.accounts import needs
from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.calls import schemas, service
from diaspora_hub.calls.models import Attribution, Call, CallState
from diaspora_hub.calls.types import CallFields, ContributionFields, Tracker
from diaspora_hub.core import charts, geo
from diaspora_hub.core.api import load
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.text import plain_text
from diaspora_hub.core.web import form_input, local_time, render_form_error, see_other
from diaspora_hub.extensions import db
from diaspora_hub.organisations.labels import bloc_label, kind_label
from diaspora_hub.organisations.models import Bloc, OrganisationKind
from diaspora_hub.spaces import sdg, sections
from diaspora_hub.spaces.models import Space

bp = Blueprint("calls", __name__, template_folder="templates")

_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@bp.get("/spaces/<slug>/calls")
def index(slug: str) -> str:
    user = actor()
    state = _state_arg()
    page = request.args.get("page", 1, type=int) or 1
    session = db.session()
    space, calls = service.list_calls(
        session, user, slug, page=max(page, 1), state=state, target=_target_arg()
    )
    return render_template(
        "calls/index.html",
        space=space,
        calls=calls,
        state=state,
        states=list(CallState),
        can_post=service.can_post(db.session(), user, space),
        targets=[
            (code, _target_label(code)) for code in service.targets_in_use(session, user, space)
        ],
    )


@bp.route("/spaces/<slug>/calls/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Response | str | tuple[str, int]:
    user = require_actor()
    space, orgs = service.new_call_context(db.session(), user, slug)
    context = _form_context(space, orgs, None)
    if request.method != "POST":
        return render_template("calls/form.html", errors={}, form={}, **context)
    try:
        data = load(schemas.CallCreateSchema(), _call_form(user))
        call = service.create_call(db.session(), user, slug, cast(CallFields, data))
    except AppError as exc:
        return render_form_error("calls/form.html", exc, **context)
    flash(_("Your call is saved as a draft. Publish it when it is ready."), "success")
    return see_other(url_for("calls.detail", call_id=call.id))


@bp.get("/calls/<int:call_id>")
def detail(call_id: int) -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    overview = service.call_overview(db.session(), actor(), call_id, page=page)
    return render_template("calls/detail.html", o=overview, call=overview.call, errors={}, form={})


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit(call_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    call = service.get_call(session, user, call_id)
    context = _form_context(call.space, [], call)
    if request.method != "POST":
        return render_template("calls/form.html", errors={}, form=_form_of(call, user), **context)
    try:
        data = load(schemas.CallUpdateSchema(), _call_form(user))
        service.update_call(session, user, call_id, cast(CallFields, _changed(call, data)))
    except AppError as exc:
        return render_form_error("calls/form.html", exc, **context)
    flash(_("The call is saved."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


@bp.post("/calls/<int:call_id>/publish")
@login_required
def publish(call_id: int) -> Response:
    call = service.publish_call(db.session(), require_actor(), call_id)
    if call.state_at(utcnow()) is CallState.OPEN:
        flash(_("The call is published and open: its audience may answer now."), "success")
    else:
        flash(_("The call is published. It opens at its opening time."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


@bp.route("/calls/<int:call_id>/answer", methods=["GET", "POST"])
@login_required
def answer(call_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    call = service.get_call(session, user, call_id)
    choices = service.answerable_organisations(session, user, call)
    chosen = request.values.get("organisation") or (choices[0].slug if choices else "")
    organisation = next((org for org in choices if org.slug == chosen), None)
    current = (
        service.current_contribution(session, user, call, organisation) if organisation else None
    )
    context = {
        "call": call,
        "choices": choices,
        "unverified": service.awaiting_verification(session, user, call),
        "chosen": chosen,
        "current": current,
        "attributions": list(Attribution),
        "answer_max": schemas.ANSWER_MAX,
    }
    if request.method != "POST":
        return render_template("calls/answer.html", errors={}, form={}, **context)
    form = request.form
    data: dict[str, Any] = {
        "attribution": form.get("attribution", ""),
        "answers": [
            {"question_id": q.id, "text": form.get(f"answer_{q.id}", "")} for q in call.questions
        ],
    }
    if chosen:
        data["organisation"] = chosen
    if form.get("version", "").isdigit():
        data["version"] = int(form["version"])
    try:
        service.save_contribution(
            session,
            user,
            call_id,
            cast(ContributionFields, load(schemas.ContributionInSchema(), data)),
        )
    except AppError as exc:
        return render_form_error("calls/answer.html", exc, **context)
    flash(_("Your organisation's contribution is saved."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


@bp.post("/calls/<int:call_id>/contributions/<int:contribution_id>/report")
@login_required
def report(call_id: int, contribution_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.ContributionReportInSchema(), form_input())
        service.report_contribution(db.session(), user, call_id, contribution_id, data["reason"])
    except AppError as exc:
        overview = service.call_overview(db.session(), user, call_id)
        return render_form_error(
            "calls/detail.html",
            exc,
            o=overview,
            call=overview.call,
            reported=contribution_id,
        )
    flash(_("Thank you. The facilitators will look at your report."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


@bp.post("/calls/<int:call_id>/contributions/<int:contribution_id>/hide")
@login_required
def hide(call_id: int, contribution_id: int) -> Response:
    data = load(schemas.ContributionModerationSchema(), form_input())
    service.hide_contribution(
        db.session(), require_actor(), call_id, contribution_id, data["reason"]
    )
    flash(_("The contribution is hidden."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


@bp.post("/calls/<int:call_id>/contributions/<int:contribution_id>/restore")
@login_required
def restore(call_id: int, contribution_id: int) -> Response:
    data = load(schemas.ContributionModerationSchema(), form_input())
    service.restore_contribution(
        db.session(), require_actor(), call_id, contribution_id, data["reason"]
    )
    flash(_("The contribution is shown again."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


@bp.get("/calls/<int:call_id>/synthesis")
@login_required
def synthesis(call_id: int) -> str:
    overview = service.synthesis_overview(db.session(), require_actor(), call_id)
    return render_template("calls/synthesis.html", o=overview, errors={}, form={})


@bp.post("/calls/<int:call_id>/themes")
@login_required
def create_theme(call_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.ThemeCreateSchema(), form_input("contribution_ids", "terms"))
        service.create_theme(db.session(), user, call_id, **data)
    except AppError as exc:
        return _synthesis_error(user, call_id, exc)
    flash(_("The theme is created."), "success")
    return see_other(url_for("calls.synthesis", call_id=call_id))


@bp.post("/themes/<int:theme_id>/rename")
@login_required
def rename_theme(theme_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    theme = service.get_theme(db.session(), user, theme_id)
    try:
        data = load(schemas.ThemeRenameSchema(), form_input())
        service.rename_theme(db.session(), user, theme_id, data["title"])
    except AppError as exc:
        return _synthesis_error(user, theme.call_id, exc)
    flash(_("The theme is renamed."), "success")
    return see_other(url_for("calls.synthesis", call_id=theme.call_id))


@bp.post("/themes/<int:theme_id>/merge")
@login_required
def merge_theme(theme_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    theme = service.get_theme(db.session(), user, theme_id)
    call_id = theme.call_id
    try:
        data = load(schemas.ThemeMergeSchema(), form_input())
        service.merge_theme(db.session(), user, theme_id, data["into"])
    except AppError as exc:
        return _synthesis_error(user, call_id, exc)
    flash(_("The themes are merged."), "success")
    return see_other(url_for("calls.synthesis", call_id=call_id))


@bp.post("/themes/<int:theme_id>/split")
@login_required
def split_theme(theme_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    theme = service.get_theme(db.session(), user, theme_id)
    try:
        data = load(schemas.ThemeSplitSchema(), form_input("contribution_ids"))
        service.split_theme(db.session(), user, theme_id, **data)
    except AppError as exc:
        return _synthesis_error(user, theme.call_id, exc)
    flash(_("The chosen contributions form a new theme."), "success")
    return see_other(url_for("calls.synthesis", call_id=theme.call_id))


@bp.post("/calls/<int:call_id>/synthesise")
@login_required
def synthesise(call_id: int) -> Response:
    service.synthesise(db.session(), require_actor(), call_id)
    flash(_("The synthesis is finished; its themes can now be cited."), "success")
    return see_other(url_for("calls.detail", call_id=call_id))


# Helpers -----------------------------------------------------------------------------------


STATE_LABELS: dict[CallState, Any] = {
    CallState.DRAFT: _l("Draft"),
    CallState.SCHEDULED: _l("Not yet open"),
    CallState.OPEN: _l("Open"),
    CallState.CLOSED: _l("Closed"),
    CallState.SYNTHESISED: _l("Synthesised"),
}

ATTRIBUTION_LABELS: dict[Attribution, Any] = {
    Attribution.NAMED: _l("Named: the person and the organisation are shown"),
    Attribution.ORGANISATION: _l("Organisation: only the organisation is shown"),
    Attribution.ANONYMOUS: _l("Anonymous: neither the person nor the organisation is shown"),
}


@bp.context_processor
def _call_labels() -> dict[str, Any]:
    """Translated names of states and attributions, for the calls templates."""
    return {
        "call_state_label": lambda state: str(STATE_LABELS[CallState(state)]),
        "attribution_label": lambda value: str(ATTRIBUTION_LABELS[Attribution(value)]),
        "country_name": geo.country_name,
        "anonymity_floor": service.ANONYMITY_FLOOR,
        "sdg_target": sdg.target,
        "tracker_charts": tracker_charts,
    }


def _kind_or_anonymous(key: str) -> str:
    """Anonymous answers are counted apart when their kind would narrow them down."""
    return str(_("Anonymous")) if key == service.ANONYMOUS_KEY else str(kind_label(key))


def _country_or_anonymous(key: str) -> str:
    if key == service.ANONYMOUS_KEY:
        return str(_("Anonymous"))
    return geo.country_name(key) if key != "unknown" else str(_("Unknown"))


def tracker_charts(tracker: Tracker) -> list[charts.Chart]:
    """Who answered as pictures: bars by bloc (every bloc, even at zero) and by country, the
    most answers first; a dot per contribution by organisation kind."""
    blocs = [(bloc.value, bloc_label(bloc)) for bloc in Bloc]
    if service.ANONYMOUS_KEY in tracker.by_bloc:
        blocs.append((service.ANONYMOUS_KEY, _("Anonymous")))
    count = _("Contributions")
    return [
        charts.bars(
            "tracker-bloc",
            _("Contributions by stakeholder group"),
            [(label, tracker.by_bloc.get(key, 0)) for key, label in blocs],
            label_heading=_("Bloc"),
            value_heading=count,
            colours=charts.series(blocs),
        ),
        charts.dots(
            "tracker-kind",
            _("Contributions by organisation kind"),
            [(_kind_or_anonymous(key), n) for key, n in tracker.by_kind.items()],
            label_heading=_("Kind"),
            value_heading=count,
        ),
        charts.bars(
            "tracker-country",
            _("Contributions by country of residence"),
            [
                (_country_or_anonymous(key), n)
                for key, n in sorted(tracker.by_country.items(), key=lambda item: -item[1])
            ],
            label_heading=_("Country"),
            value_heading=count,
        ),
    ]


def _state_arg() -> CallState | None:
    value = request.args.get("state", "")
    return CallState(value) if value in {s.value for s in CallState} else None


def _target_arg() -> str | None:
    value = request.args.get("target", "")
    return value if sdg.is_target(value) else None


def _form_context(space: Space, orgs: list[Any], call: Call | None) -> dict[str, Any]:
    return {
        "space": space,
        "call": call,
        "organisations": orgs,
        "kinds": [(k.value, kind_label(k)) for k in OrganisationKind],
        "targets": [(code, _target_label(code)) for code in service.allowed_targets(space)],
        "countries": geo.country_choices(),
    }


def _target_label(code: str) -> str:
    target = sdg.target(code)
    return f"{code} — {plain_text(target.text, 90)}" if target else code


def _localise(value: str, zone: str) -> str:
    """A datetime-local value means the author's own time zone; give it that offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def _call_form(user: User) -> dict[str, Any]:
    """The call form as the API would receive it: lists, offsets, no blanks."""
    data = form_input("audience_kinds", "sdg_targets")
    data["questions"] = [
        line.strip() for line in data.get("questions", "").splitlines() if line.strip()
    ]
    for name in ("opens_at", "closes_at"):
        if data.get(name):
            data[name] = _localise(data[name], user.time_zone)
        else:
            data.pop(name, None)
    for name in ("corridor_origin", "corridor_residence"):
        data[name] = data.get(name) or None
    if not data.get("organisation"):
        data.pop("organisation", None)
    return data


def _form_of(call: Call, user: User) -> dict[str, Any]:
    zone = ZoneInfo(user.time_zone)
    return {
        "title": call.title,
        "context": call.context,
        "questions": "\n".join(q.text for q in call.questions),
        "opens_at": call.opens_at.astimezone(zone).strftime(_LOCAL_FORMAT),
        "closes_at": call.closes_at.astimezone(zone).strftime(_LOCAL_FORMAT),
        "audience_kinds": call.audience_kinds,
        "sdg_targets": call.sdg_targets,
        "corridor_origin": call.corridor_origin or "",
        "corridor_residence": call.corridor_residence or "",
    }


def _changed(call: Call, data: dict[str, Any]) -> dict[str, Any]:
    """Only what differs, so an open call's form may resend the fields it cannot change."""
    current: dict[str, Any] = {
        "title": call.title,
        "context": call.context,
        "questions": [q.text for q in call.questions],
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "audience_kinds": set(call.audience_kinds),
        "sdg_targets": set(call.sdg_targets),
        "corridor_origin": call.corridor_origin,
        "corridor_residence": call.corridor_residence,
    }
    changes = {}
    for key, value in data.items():
        compared, known = value, current.get(key)
        if key in ("audience_kinds", "sdg_targets"):
            compared = set(value)
        elif key in ("opens_at", "closes_at"):
            # The form shows minutes only; unchanged seconds must not count as a change.
            compared, known = _minute(value), _minute(known)
        elif key == "context":
            compared = value or ""
        if compared != known:
            changes[key] = value
    return changes


def _minute(moment: Any) -> Any:
    return moment.replace(second=0, microsecond=0) if isinstance(moment, datetime) else moment


def _synthesis_error(user: User, call_id: int, exc: AppError) -> tuple[str, int]:
    overview = service.synthesis_overview(db.session(), user, call_id)
    return render_form_error("calls/synthesis.html", exc, o=overview)


def space_section(session: Session, user: User | None, space: Space) -> sections.Section:
    """The newest calls of a space on its page, as this viewer may see them."""
    _space, calls = service.list_calls(session, user, space.slug, per_page=5)
    return sections.Section(
        key="calls",
        heading=_("Calls for input"),
        items=[
            sections.SectionItem(
                title=call.title,
                url=url_for("calls.detail", call_id=call.id),
                meta=_(
                    "%(state)s · closes %(closes)s",
                    state=STATE_LABELS[call.state],
                    closes=local_time(call.closes_at),
                ),
            )
            for call in calls.items
        ],
        empty=_("No calls for input yet."),
        more=(_("All calls for input"), url_for("calls.index", slug=space.slug)),
        action=(_("Post a call for input"), url_for("calls.new", slug=space.slug))
        if service.can_post(session, user, space)
        else None,
    )


def home_needs(session: Session, user: User) -> Iterator[needs.Need]:
    """Open calls one of the person's organisations may answer and has not, by deadline."""
    for waiting in service.waiting_calls(session, user):
        names = ", ".join(org.name for org in waiting.organisations)
        yield needs.Need(
            kind="call",
            title=waiting.call.title,
            url=url_for("calls.answer", call_id=waiting.call.id),
            action=_("Answer for %(orgs)s", orgs=names),
            urgency=needs.Urgency.DUE,
            detail=waiting.call.space.title,
            due=waiting.call.closes_at,
        )
    for run in service.run_calls(session, user):
        received = ngettext(
            "%(num)d contribution so far", "%(num)d contributions so far", run.contributions
        )
        if run.state is CallState.OPEN:
            yield needs.Need(
                kind="tracker",
                title=run.call.title,
                url=url_for("calls.detail", call_id=run.call.id) + "#tracker-heading",
                action=_("See who has answered"),
                urgency=needs.Urgency.LATER,
                detail=f"{run.call.space.title} · {received}",
                due=run.call.closes_at,
            )
        else:
            yield needs.Need(
                kind="synthesis",
                title=run.call.title,
                url=url_for("calls.synthesis", call_id=run.call.id),
                action=_("Group the contributions into themes"),
                urgency=needs.Urgency.WAITING,
                detail=_("%(space)s · closed", space=run.call.space.title) + f" · {received}",
            )
