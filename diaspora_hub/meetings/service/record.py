"""What a meeting leaves behind: attendance, minutes and feedback.

- Attendance is sampled from the room's presence once a minute while the meeting is live
  (the scheduler runs the sample once per minute across workers), so ``minutes`` counts
  the minutes a person was in the room. Facilitators and the registered see it by bloc;
  people are named to them only in open meetings (facilitators always see names).
- Minutes are drafted from the room once the meeting has ended: agenda items covered
  with their time, poll results, questions answered, attendance by bloc. Facilitators
  edit them (every version kept) and publish them to the space. In a Chatham House
  meeting the draft names nobody, and a text naming a registered person or organisation
  is refused.
- Feedback comes from people who held an approved place, once the meeting has ended;
  one each (a second replaces the first). Facilitators read it unattributed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora_hub.accounts.models import User
from diaspora_hub.core import audit
from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, NotFound
from diaspora_hub.core.timezones import to_local
from diaspora_hub.live.models import (
    Poll,
    PollVote,
    QuestionState,
    RoomEvent,
    RoomParticipant,
    RoomPresence,
    RoomQuestion,
)
from diaspora_hub.meetings.models import (
    Attendance,
    Feedback,
    Meeting,
    MeetingState,
    Minutes,
    MinutesVersion,
    Registration,
    RegistrationStatus,
)
from diaspora_hub.meetings.service import kernel
from diaspora_hub.meetings.types import (
    AttendanceReport,
    BlocAttendance,
    FeedbackSummary,
    PersonAttendance,
)
from diaspora_hub.organisations.models import Bloc, Organisation
from diaspora_hub.spaces import service as spaces

#: comments shown in a feedback summary
COMMENTS_SHOWN = 50


# Attendance --------------------------------------------------------------------------------


def sample_attendance(session: Session, now: datetime) -> int:
    """One minute of presence for every live meeting; the number of people counted."""
    counted = 0
    live = session.scalars(select(Meeting).where(Meeting.state == MeetingState.LIVE))
    for meeting in list(live):
        present = session.execute(
            select(RoomPresence.user_id, RoomPresence.joined_at, RoomParticipant.bloc)
            .join(
                RoomParticipant,
                (RoomParticipant.room_id == RoomPresence.room_id)
                & (RoomParticipant.user_id == RoomPresence.user_id),
            )
            .where(RoomPresence.room_id == meeting.room_id)
        )
        first: dict[int, tuple[datetime, Bloc]] = {}
        for user_id, joined_at, bloc in present:
            earlier = first.get(user_id)
            if earlier is None or joined_at < earlier[0]:
                first[user_id] = (joined_at, bloc)
        rows = {
            row.user_id: row
            for row in session.scalars(
                select(Attendance).where(Attendance.meeting_id == meeting.id)
            )
        }
        for user_id, (joined_at, bloc) in first.items():
            row = rows.get(user_id)
            if row is None:
                row = Attendance(
                    meeting_id=meeting.id,
                    user_id=user_id,
                    bloc=bloc,
                    joined_at=joined_at,
                    last_seen_at=now,
                    minutes=0,
                )
                session.add(row)
            row.bloc, row.last_seen_at, row.minutes = bloc, now, row.minutes + 1
            counted += 1
    session.flush()
    return counted


def attendance(session: Session, actor: User, meeting_id: int) -> AttendanceReport:
    meeting = kernel.get_meeting(session, actor, meeting_id)
    manager = _may_read_record(session, actor, meeting)
    rows = list(
        session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .order_by(Attendance.joined_at, Attendance.id)
        )
    )
    return _report(rows, named=manager or not meeting.is_chatham_house)


def _report(rows: list[Attendance], *, named: bool) -> AttendanceReport:
    people: Counter[str] = Counter()
    minutes: Counter[str] = Counter()
    for row in rows:
        people[row.bloc.value] += 1
        minutes[row.bloc.value] += row.minutes
    by_bloc = tuple(BlocAttendance(b.value, people[b.value], minutes[b.value]) for b in Bloc)
    listed = tuple(
        PersonAttendance(r.user.display_name, r.bloc.value, r.joined_at, r.last_seen_at, r.minutes)
        for r in rows
    )
    return AttendanceReport(by_bloc=by_bloc, people=listed if named else (), named=named)


def _may_read_record(session: Session, actor: User, meeting: Meeting) -> bool:
    """Facilitators and people who held a place read the record; True for facilitators."""
    if spaces.can_manage(session, actor, meeting.space):
        return True
    own = kernel.own_registration(session, actor, meeting)
    if own is None or own.status is not RegistrationStatus.APPROVED:
        raise Forbidden(_("Only the facilitators and the registered people see this."))
    return False


# Minutes -----------------------------------------------------------------------------------


def read_minutes(
    session: Session, actor: User | None, meeting_id: int
) -> tuple[Meeting, Minutes | None]:
    """Published minutes for whoever sees the meeting; drafts for the facilitators only."""
    meeting = kernel.get_meeting(session, actor, meeting_id)
    found = _minutes_of(session, meeting)
    if spaces.can_manage(session, actor, meeting.space):
        return meeting, found
    if found is None or not found.is_published:
        raise NotFound(_("These minutes are not published."))
    return meeting, found


def draft_minutes(session: Session, actor: User, meeting_id: int) -> str:
    """A first text from the room, for the facilitators once the meeting has ended."""
    meeting = kernel.get_meeting(session, actor, meeting_id)
    kernel.require_manager(session, actor, meeting)
    _require_ended(meeting)
    return _draft(session, meeting)


def save_minutes(
    session: Session, actor: User, meeting_id: int, *, body: str, version: int | None = None
) -> Minutes:
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    _require_ended(meeting)
    _check_unattributed(session, meeting, body)
    found = _minutes_of(session, meeting)
    now = utcnow()
    if found is None:
        if version:
            raise Conflict(_("These minutes no longer exist; reload the page."))
        found = Minutes(meeting_id=meeting.id, body=body, version=1, updated_at=now)
        session.add(found)
    else:
        if version is not None and version != found.version:
            raise Conflict(_("Somebody saved these minutes meanwhile; reload them first."))
        found.body, found.version, found.updated_at = body, found.version + 1, now
    found.versions.append(
        MinutesVersion(version=found.version, body=body, saved_by_id=actor.id, saved_at=now)
    )
    session.flush()
    audit.record(
        session, actor.id, "meeting.minutes_saved", "meeting", meeting.id, version=found.version
    )
    return found


def publish_minutes(session: Session, actor: User, meeting_id: int) -> Minutes:
    meeting = kernel.managed_meeting(session, actor, meeting_id)
    found = _minutes_of(session, meeting)
    if found is None:
        raise Conflict(_("Save the minutes before publishing them."))
    if found.is_published:
        raise Conflict(_("These minutes are published already."))
    _check_unattributed(session, meeting, found.body)
    found.published_at = utcnow()
    session.flush()
    audit.record(session, actor.id, "meeting.minutes_published", "meeting", meeting.id)
    return found


def _minutes_of(session: Session, meeting: Meeting) -> Minutes | None:
    return session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def _require_ended(meeting: Meeting) -> None:
    if meeting.state is not MeetingState.ENDED:
        raise Conflict(_("Minutes are written once the meeting has ended."))


def _check_unattributed(session: Session, meeting: Meeting, body: str) -> None:
    """Chatham House minutes may not name a registered person or organisation."""
    if not meeting.is_chatham_house:
        return
    names = session.execute(
        select(User.display_name, Organisation.name)
        .select_from(Registration)
        .join(User, User.id == Registration.user_id)
        .outerjoin(Organisation, Organisation.id == Registration.organisation_id)
        .where(Registration.meeting_id == meeting.id)
    )
    text = body.casefold()
    named = sorted({n for row in names for n in row if n and len(n) > 2 and n.casefold() in text})
    if named:
        raise Conflict(
            _("Chatham House minutes attribute nothing; remove: %(names)s", names=", ".join(named)),
            fields={"body": [_("Names a participant or organisation.")]},
        )


def _draft(session: Session, meeting: Meeting) -> str:
    zone = meeting.time_zone
    lines = [
        f"# {meeting.title}",
        "",
        to_local(meeting.opened_at or meeting.starts_at, zone).strftime("%Y-%m-%d %H:%M")
        + f"–{to_local(meeting.ended_at or meeting.ends_at, zone):%H:%M} ({zone})",
        "",
        "## " + _("Agenda covered"),
    ]
    moves = list(
        session.scalars(
            select(RoomEvent)
            .where(RoomEvent.room_id == meeting.room_id, RoomEvent.type == "agenda")
            .order_by(RoomEvent.seq)
        )
    )
    end = meeting.ended_at or meeting.ends_at
    for n, move in enumerate(moves):
        until = moves[n + 1].created_at if n + 1 < len(moves) else end
        item = move.payload.get("data", {}).get("item", {}) or {}
        spent = max(0, round((until - move.created_at).total_seconds() / 60))
        lines.append(
            f"- {item.get('title', '')} — "
            + _(
                "%(minutes)d min, from %(time)s",
                minutes=spent,
                time=f"{to_local(move.created_at, zone):%H:%M}",
            )
        )
    if not moves:
        lines.extend(f"- {item.title}" for item in meeting.agenda)
    lines += ["", "## " + _("Decisions"), "", "- ", "", "## " + _("Polls")]
    for poll in session.scalars(
        select(Poll).where(Poll.room_id == meeting.room_id).order_by(Poll.id)
    ):
        counts: Counter[int] = Counter()
        for vote in session.scalars(select(PollVote).where(PollVote.poll_id == poll.id)):
            counts.update(vote.choices)
        tally = ", ".join(f"{choice}: {counts[i]}" for i, choice in enumerate(poll.choices))
        lines.append(f"- {poll.question} — {tally}")
    lines += ["", "## " + _("Questions answered")]
    for question in session.scalars(
        select(RoomQuestion)
        .where(
            RoomQuestion.room_id == meeting.room_id,
            RoomQuestion.state == QuestionState.ANSWERED,
            RoomQuestion.hidden_at.is_(None),
        )
        .order_by(RoomQuestion.seq)
    ):
        lines.append(f"- {question.body}")
    lines += ["", "## " + _("Attendance by bloc")]
    rows = list(session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)))
    for bloc in _report(rows, named=False).by_bloc:
        if bloc.people:
            lines.append(f"- {bloc.bloc}: {bloc.people}")
    return "\n".join(lines) + "\n"


# Feedback ----------------------------------------------------------------------------------


def give_feedback(
    session: Session, actor: User, meeting_id: int, *, rating: int, comment: str = ""
) -> Feedback:
    meeting = kernel.get_meeting(session, actor, meeting_id)
    if meeting.state is not MeetingState.ENDED:
        raise Conflict(_("Feedback opens once the meeting has ended."))
    own = kernel.own_registration(session, actor, meeting)
    if own is None or own.status is not RegistrationStatus.APPROVED:
        raise Forbidden(_("Only people who held a place give feedback."))
    found = session.scalar(
        select(Feedback).where(Feedback.meeting_id == meeting.id, Feedback.user_id == actor.id)
    ) or Feedback(meeting_id=meeting.id, user_id=actor.id)
    found.rating, found.comment = rating, comment
    session.add(found)
    session.flush()
    return found


def feedback_summary(session: Session, actor: User, meeting_id: int) -> FeedbackSummary:
    meeting = kernel.get_meeting(session, actor, meeting_id)
    kernel.require_manager(session, actor, meeting)
    rows = list(
        session.scalars(
            select(Feedback)
            .where(Feedback.meeting_id == meeting.id)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        )
    )
    ratings = Counter(r.rating for r in rows)
    return FeedbackSummary(
        count=len(rows),
        average=round(sum(r.rating for r in rows) / len(rows), 2) if rows else None,
        ratings=tuple(ratings[n] for n in range(1, 6)),
        comments=tuple(r.comment for r in rows if r.comment)[:COMMENTS_SHOWN],
    )
