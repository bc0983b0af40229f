"""Registering, approving, the waiting list, and the errors that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from diaspora_hub.core.db import utcnow
from diaspora_hub.core.errors import Conflict, Forbidden, ValidationFailed
from diaspora_hub.live.models import RoomParticipant
from diaspora_hub.meetings import service
from diaspora_hub.meetings.models import Registration, RegistrationPolicy, RegistrationStatus
from diaspora_hub.meetings.types import CategoryEntry
from diaspora_hub.notifications.models import Notification
from tests.meetings.conftest import schedule

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("ctx")]


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Registration)) or 0


def _room_registered(session, meeting, user) -> bool:
    row = session.scalar(
        select(RoomParticipant).where(
            RoomParticipant.room_id == meeting.room_id, RoomParticipant.user_id == user.id
        )
    )
    return row is not None and row.registered_at is not None


def test_open_registration_gives_a_place_and_the_room(session, world):
    meeting = schedule(session, world)
    registration = service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    assert registration.status is RegistrationStatus.APPROVED
    assert _room_registered(session, meeting, world.member)


def test_delegate_registers_for_the_organisation_once(session, world):
    meeting = schedule(session, world)
    registration = service.register(
        session, world.delegate, meeting.id, category="delegate", organisation="asf"
    )
    assert registration.organisation is not None
    assert registration.organisation.slug == "asf"
    session.commit()
    with pytest.raises(Forbidden):
        service.register(session, world.member, meeting.id, category="delegate", organisation="asf")
    with pytest.raises(ValidationFailed):
        service.register(session, world.member, meeting.id, category="delegate")
    session.rollback()
    assert _count(session) == 1


def test_duplicate_registration_is_refused(session, world):
    meeting = schedule(session, world)
    service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    with pytest.raises(Conflict, match="registered for this meeting already"):
        service.register(session, world.member, meeting.id, category="observer")
    session.rollback()
    assert _count(session) == 1


def test_full_category_refuses_or_queues_and_a_freed_place_goes_in_order(session, world):
    meeting = schedule(session, world)
    first = service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    with pytest.raises(Conflict, match="full"):
        service.register(session, world.other_member, meeting.id, category="observer")
    session.rollback()
    assert _count(session) == 1
    second = service.register(
        session, world.other_member, meeting.id, category="observer", waiting_list=True
    )
    third = service.register(
        session, world.liaison, meeting.id, category="observer", waiting_list=True
    )
    session.commit()
    assert (second.status, third.status) == (RegistrationStatus.WAITING,) * 2
    assert not _room_registered(session, meeting, world.other_member)
    service.withdraw(session, world.member, meeting.id, first.id)
    session.commit()
    session.refresh(second)
    session.refresh(third)
    assert second.status is RegistrationStatus.APPROVED
    assert third.status is RegistrationStatus.WAITING
    assert _room_registered(session, meeting, world.other_member)
    assert not _room_registered(session, meeting, world.member)
    told = session.scalars(
        select(Notification).where(
            Notification.user_id == world.other_member.id,
            Notification.kind == "meetings.registration",
        )
    ).all()
    assert len(told) == 1
    assert "A place opened" in told[0].title


def test_meeting_capacity_bounds_every_category(session, world):
    meeting = schedule(
        session,
        world,
        capacity=1,
        categories=(CategoryEntry("participant", "Participant"), CategoryEntry("press", "Press")),
    )
    service.register(session, world.member, meeting.id, category="participant")
    session.commit()
    with pytest.raises(Conflict):
        service.register(session, world.other_member, meeting.id, category="press")


def test_approval_by_a_facilitator_only(session, world):
    meeting = schedule(session, world, registration=RegistrationPolicy.APPROVAL)
    registration = service.register(session, world.member, meeting.id, category="observer")
    session.commit()
    assert registration.status is RegistrationStatus.PENDING
    assert not _room_registered(session, meeting, world.member)
    asked = session.scalar(select(Notification).where(Notification.kind == "meetings.request"))
    assert asked is not None
    assert asked.user_id == world.facilitator.id
    for wrong in (world.member, world.delegate, world.outsider):
        with pytest.raises(Forbidden):
            service.approve(session, wrong, meeting.id, registration.id)
        session.rollback()
    session.refresh(registration)
    assert registration.status is RegistrationStatus.PENDING
    approved = service.approve(session, world.facilitator, meeting.id, registration.id)
    session.commit()
    assert approved.status is RegistrationStatus.APPROVED
    assert _room_registered(session, meeting, world.member)
    with pytest.raises(Conflict):
        service.approve(session, world.facilitator, meeting.id, registration.id)


def test_declined_place_goes_to_the_waiting_list(session, world):
    meeting = schedule(session, world, registration=RegistrationPolicy.APPROVAL)
    pending = service.register(session, world.member, meeting.id, category="observer")
    waiting = service.register(
        session, world.liaison, meeting.id, category="observer", waiting_list=True
    )
    session.commit()
    service.decline(session, world.facilitator, meeting.id, pending.id)
    session.commit()
    session.refresh(waiting)
    assert waiting.status is RegistrationStatus.PENDING
    with pytest.raises(Conflict, match="declined"):
        service.register(session, world.member, meeting.id, category="observer")


def test_registration_closes_at_the_start(session, world):
    meeting = schedule(session, world)
    meeting.starts_at = utcnow() - timedelta(minutes=1)
    session.commit()
    with pytest.raises(Conflict, match="closed"):
        service.register(session, world.member, meeting.id, category="observer")
    session.rollback()
    assert _count(session) == 0


def test_unknown_category_and_outsiders_without_conduct(session, world):
    meeting = schedule(session, world)
    with pytest.raises(ValidationFailed):
        service.register(session, world.member, meeting.id, category="vip")
    session.rollback()
    with pytest.raises(Forbidden):
        service.register(session, world.outsider, meeting.id, category="observer")
    session.rollback()
    assert _count(session) == 0
