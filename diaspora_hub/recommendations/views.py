"""Pages of recommendations: the space's list, a recommendation, its versions, the forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from diaspora_hub.accounts.auth import actor, require_actor
from diaspora_hub.accounts.models import User
from diaspora_hub.core.api import load
from diaspora_hub.core.errors import AppError
from diaspora_hub.core.web import form_input, local_time, render_form_error, see_other
from diaspora_hub.extensions import db, limiter
from diaspora_hub.organisations.models import Organisation, OrganisationKind
from diaspora_hub.recommendations import diffs, exports, labels, schemas, service
from diaspora_hub.recommendations.consensus import (
    Outcome,
    Position,
    Scope,
    Weighting,
)
from diaspora_hub.recommendations.models import Recommendation, RecommendationState, SourceKind
from diaspora_hub.spaces import sections
from diaspora_hub.spaces import service as spaces
from diaspora_hub.spaces.models import Space

bp = Blueprint("recommendations", __name__, template_folder="templates")

_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@bp.get("/spaces/<slug>/recommendations")
def index(slug: str) -> str:
    user = actor()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    space, found = service.list_recommendations(db.session(), user, slug, page=page)
    return render_template(
        "recommendations/index.html",
        space=space,
        recommendations=found,
        manages=spaces.can_manage(db.session(), user, space),
    )


@bp.route("/spaces/<slug>/recommendations/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    space = spaces.get_visible(session, user, slug)
    spaces.require_manager(session, user, space)
    context = _form_context(session, space, None)
    if request.method != "POST":
        return render_template("recommendations/form.html", errors={}, form={}, **context)
    try:
        data = load(schemas.RecommendationCreateSchema(), form_input("target_ios"))
        recommendation = service.create_recommendation(session, user, slug, **data)
    except AppError as exc:
        return render_form_error("recommendations/form.html", exc, **context)
    flash(_("The recommendation is saved as a draft."), "success")
    return see_other(url_for("recommendations.detail", recommendation_id=recommendation.id))


@bp.get("/recommendations/<int:recommendation_id>")
def detail(recommendation_id: int) -> str:
    overview = service.recommendation_overview(db.session(), actor(), recommendation_id)
    return _detail_page(overview)


@bp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    recommendation = service.get_recommendation(session, user, recommendation_id)
    spaces.require_manager(session, user, recommendation.space)
    context = _form_context(session, recommendation.space, recommendation)
    if request.method != "POST":
        form = {
            "title": recommendation.title,
            "text": recommendation.text,
            "rationale": recommendation.rationale,
            "target_ios": [o.slug for o in recommendation.target_organisations],
        }
        return render_template("recommendations/form.html", errors={}, form=form, **context)
    try:
        if recommendation.state is RecommendationState.ADOPTED:
            data = form_input()
            data.pop("target_ios", None)
            _localise_field(data, "closes_at", user)
            service.revise_recommendation(
                session,
                user,
                recommendation_id,
                **load(schemas.RecommendationReviseSchema(), data),
            )
            flash(_("The new version is saved and a new consultation is open."), "success")
        else:
            data = load(schemas.RecommendationUpdateSchema(), form_input("target_ios"))
            service.update_recommendation(session, user, recommendation_id, **data)
            flash(_("The recommendation is saved as a new version."), "success")
    except AppError as exc:
        return render_form_error("recommendations/form.html", exc, **context)
    return see_other(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.post("/recommendations/<int:recommendation_id>/open")
@login_required
def open_consultation(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    data = form_input()
    _localise_field(data, "closes_at", user)
    try:
        service.open_consultation(
            db.session(), user, recommendation_id, **load(schemas.OpenSchema(), data)
        )
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("The consultation is open; the delegates of the space are told."), "success")
    return see_other(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.post("/recommendations/<int:recommendation_id>/adopt")
@login_required
def adopt(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.AdoptSchema(), form_input())
        service.adopt_recommendation(db.session(), user, recommendation_id, **data)
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("The recommendation is adopted; its tally is frozen."), "success")
    return see_other(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.post("/recommendations/<int:recommendation_id>/withdraw")
@login_required
def withdraw(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.ReasonSchema(), form_input())
        service.withdraw_recommendation(db.session(), user, recommendation_id, **data)
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("The recommendation is withdrawn."), "success")
    return see_other(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.post("/recommendations/<int:recommendation_id>/endorse")
@login_required
def endorse(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.EndorsementInSchema(), form_input())
        endorsement = service.endorse(db.session(), user, recommendation_id, **data)
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("The position of %(org)s is on record.", org=endorsement.organisation.name), "success")
    return see_other(
        url_for("recommendations.detail", recommendation_id=recommendation_id) + "#endorse"
    )


@bp.post("/recommendations/<int:recommendation_id>/amendments")
@limiter.limit(schemas.WRITE_LIMIT)
@login_required
def propose(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.AmendmentInSchema(), form_input())
        service.propose_amendment(db.session(), user, recommendation_id, **data)
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("Your amendment is proposed; the facilitators will decide on it."), "success")
    return see_other(
        url_for("recommendations.detail", recommendation_id=recommendation_id) + "#amendments"
    )


@bp.post("/amendments/<int:amendment_id>/<any(accept, reject):decision>")
@login_required
def decide(amendment_id: int, decision: str) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    recommendation_id = request.form.get("recommendation", type=int) or 0
    try:
        data = load(schemas.ReasonSchema(), {"reason": request.form.get("reason", "")})
        if decision == "accept":
            amendment = service.accept_amendment(session, user, amendment_id, **data)
            flash(_("The amendment is accepted and is now the current version."), "success")
        else:
            amendment = service.reject_amendment(session, user, amendment_id, **data)
            flash(_("The amendment is rejected."), "success")
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    return see_other(
        url_for("recommendations.detail", recommendation_id=amendment.recommendation_id)
        + "#amendments"
    )


@bp.post("/recommendations/<int:recommendation_id>/screen")
@login_required
def put_on_screen(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.ScreenInSchema(), form_input())
        shown = service.put_on_screen(db.session(), user, recommendation_id, **data)
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("It is on the room's screen; its bars move as organisations endorse."), "success")
    return see_other(url_for("live.room", room_id=shown.room_id))


@bp.post("/recommendations/<int:recommendation_id>/comments")
@limiter.limit(schemas.WRITE_LIMIT)
@login_required
def comment(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    try:
        data = load(schemas.CommentInSchema(), form_input())
        service.add_comment(db.session(), user, recommendation_id, **data)
    except AppError as exc:
        return _detail_error(user, recommendation_id, exc)
    flash(_("Your comment is posted."), "success")
    return see_other(
        url_for("recommendations.detail", recommendation_id=recommendation_id) + "#comments"
    )


@bp.route("/recommendations/<int:recommendation_id>/sources", methods=["GET", "POST"])
@login_required
def sources(recommendation_id: int) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    recommendation = service.get_recommendation(session, user, recommendation_id)
    context = {
        "recommendation": recommendation,
        "choices": service.citable(session, user, recommendation_id),
    }
    if request.method != "POST":
        return render_template("recommendations/sources.html", errors={}, form={}, **context)
    try:
        kind, _sep, ref = request.form.get("source", "").partition(":")
        data = load(
            schemas.SourceInSchema(),
            {"kind": kind, "ref": ref or "0", "note": request.form.get("note", "")},
        )
        service.add_source(session, user, recommendation_id, **data)
    except AppError as exc:
        return render_form_error("recommendations/sources.html", exc, **context)
    flash(_("The source is cited."), "success")
    return see_other(
        url_for("recommendations.detail", recommendation_id=recommendation_id) + "#sources"
    )


@bp.post("/recommendations/<int:recommendation_id>/sources/<int:source_id>/remove")
@login_required
def remove_source(recommendation_id: int, source_id: int) -> Response:
    service.remove_source(db.session(), require_actor(), recommendation_id, source_id=source_id)
    flash(_("The source is no longer cited."), "success")
    return see_other(
        url_for("recommendations.detail", recommendation_id=recommendation_id) + "#sources"
    )


@bp.get("/recommendations/<int:recommendation_id>/versions")
def versions(recommendation_id: int) -> str:
    session = db.session()
    user = actor()
    found = service.list_versions(session, user, recommendation_id)
    recommendation = service.get_recommendation(session, user, recommendation_id)
    newest = found[-1].version
    new = request.args.get("new", newest, type=int) or newest
    old = request.args.get("old", max(new - 1, 1), type=int) or 1
    compared = None
    if len(found) > 1:
        compared = service.compare_versions(session, user, recommendation_id, old=old, new=new)
    return render_template(
        "recommendations/versions.html",
        recommendation=recommendation,
        versions=found,
        compared=compared,
    )


@bp.route("/spaces/<slug>/recommendation-rule", methods=["GET", "POST"])
@login_required
def rule(slug: str) -> Response | str | tuple[str, int]:
    user = require_actor()
    session = db.session()
    space = spaces.get_visible(session, user, slug)
    spaces.require_manager(session, user, space)
    settings = service.settings_of(session, space)
    current = service.rule_from(settings)
    context = {
        "space": space,
        "support_choices": labels.SUPPORT_CHOICES,
        "block_choices": labels.BLOCK_CHOICES,
    }
    if request.method != "POST":
        form = {
            "min_support": f"{current.min_support.numerator}/{current.min_support.denominator}",
            "min_organisations": str(current.min_organisations),
            "min_blocs": str(current.min_blocs),
            "scope": current.scope.value,
            "weighting": current.weighting.value,
            "block": f"{current.block.numerator}/{current.block.denominator}"
            if current.block is not None
            else "",
            "hide_tallies": "1" if settings is not None and settings.hide_tallies else "",
        }
        return render_template("recommendations/rule.html", errors={}, form=form, **context)
    data = form_input()
    data["block"] = data.get("block") or None
    data["hide_tallies"] = bool(data.get("hide_tallies"))
    try:
        service.update_settings(session, user, slug, **load(schemas.RuleSchema(), data))
    except AppError as exc:
        return render_form_error("recommendations/rule.html", exc, **context)
    flash(_("The space's consensus rule is saved."), "success")
    return see_other(url_for("recommendations.index", slug=slug))


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "recommendation_state_label": lambda s: str(labels.STATE_LABELS[RecommendationState(s)]),
        "position_label": lambda p: str(labels.POSITION_LABELS[Position(p)]),
        "source_label": lambda k: str(labels.SOURCE_LABELS[SourceKind(k)]),
        "outcome_label": lambda o: str(labels.OUTCOME_LABELS[Outcome(o)]),
        "finding_text": labels.finding_text,
        "consensus_svg": exports.consensus_svg,
        "text_diff": diffs.diff,
        "percent": exports.percent,
        "positions": list(Position),
        "scopes": list(Scope),
        "weightings": list(Weighting),
    }


# Helpers -----------------------------------------------------------------------------------


def _detail_page(overview: Any, **extra: Any) -> str:
    return render_template(
        "recommendations/detail.html",
        o=overview,
        recommendation=overview.recommendation,
        errors=extra.pop("errors", {}),
        form=extra.pop("form", {}),
        **extra,
    )


def _detail_error(user: User, recommendation_id: int, exc: AppError) -> tuple[str, int]:
    overview = service.recommendation_overview(db.session(), user, recommendation_id)
    return render_form_error(
        "recommendations/detail.html", exc, o=overview, recommendation=overview.recommendation
    )


def _form_context(
    session: Session, space: Space, recommendation: Recommendation | None
) -> dict[str, Any]:
    ios = session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.IO)
        .order_by(Organisation.name)
    )
    return {
        "space": space,
        "recommendation": recommendation,
        "ios": [(org.slug, org.name) for org in ios],
    }


def _localise_field(data: dict[str, Any], name: str, user: User) -> None:
    """A datetime-local value means the person's own time zone; give it that offset."""
    value = data.get(name)
    if not value:
        data.pop(name, None)
        return
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(user.time_zone))
    data[name] = moment.isoformat()


def space_section(session: Session, user: User | None, space: Space) -> sections.Section:
    """The newest recommendations of a space on its page, as this viewer may see them."""
    _space, found = service.list_recommendations(session, user, space.slug, per_page=5)
    items = []
    for recommendation in found.items:
        meta = str(labels.STATE_LABELS[recommendation.state])
        if recommendation.state is RecommendationState.CONSULTATION and recommendation.closes_at:
            meta = _(
                "%(state)s · closes %(closes)s",
                state=meta,
                closes=local_time(recommendation.closes_at),
            )
        items.append(
            sections.SectionItem(
                title=recommendation.title,
                url=url_for("recommendations.detail", recommendation_id=recommendation.id),
                meta=meta,
            )
        )
    return sections.Section(
        key="recommendations",
        heading=_("Recommendations"),
        items=items,
        empty=_("No recommendations yet."),
        more=(_("All recommendations"), url_for("recommendations.index", slug=space.slug)),
        action=(
            _("Draft a recommendation"),
            url_for("recommendations.new", slug=space.slug),
        )
        if spaces.can_manage(session, user, space)
        else None,
    )
