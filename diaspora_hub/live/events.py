"""Socket.IO namespace ``/live``: the handlers of live consultation rooms.

What each event carries, both ways, is documented and typed in ``live.protocol``.

Implementation
==============
Each handler parses its payload with a schema, calls one service function as the person
behind the connection, commits once, and only then broadcasts (see :func:`_handle`). Joins
of one room arriving together (a meeting starting) are let in with one transaction and one
presence change, and connections arriving together are recorded together (see
``crowds``); a join or connection the crowd cannot take runs on its own, so its refusal is
its own.

A room has three Socket.IO rooms, one per ``service.Audience``, and a connection is in
exactly one of them: ``room:<id>:facilitators`` (identities), ``room:<id>:listed``
(participants who hold the list of who is here) and ``room:<id>:counted`` (the other
participants: presence changes as counts only). Room events reach both kinds of
participant alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

import flask
import marshmallow as ma
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_socketio import ConnectionRefusedError, Namespace
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.exc import StaleDataError

from diaspora_hub.accounts.auth import actor, login_key
from diaspora_hub.accounts.models import User
from diaspora_hub.accounts.signals import sessions_revoked, standing_changed
from diaspora_hub.core.api import load
from diaspora_hub.core.db import after_commit
from diaspora_hub.core.errors import AppError, Conflict, Unauthorised
from diaspora_hub.extensions import db, socketio
from diaspora_hub.live import presence, schemas, service
from diaspora_hub.live.crowds import Crowds
from diaspora_hub.live.snapshots import SharedViews
from diaspora_hub.live.types import Audience, Delivery, Outcome

logger = logging.getLogger(__name__)

NAMESPACE = "/live"
EXTENSION_KEY = "diaspora_hub.live"
#: The connection's person, in its session (a copy of the login session Flask-SocketIO
#: keeps per connection; never sent back to the browser).
PERSON_KEY = "live_user_id"
#: Seconds a worker waits to batch presence changes of a room into one snapshot.
PRESENCE_DELAY = 0.5

Json = dict[str, Any]
#: A service call as the connection's person (their user id) with the loaded payload.
Operation = Callable[[Session, int, dict[str, Any]], Outcome]


class ServerError(AppError):
    status = 500
    code = "server_error"
    default_message = _l("Something went wrong on our side; try again.")


@dataclass
class LiveRuntime:
    """What one worker process knows about itself: its id, its heartbeat, and which rooms'
    presence it is about to send. None of it is room state."""

    worker_id: str
    heartbeat_started: bool = False
    #: rooms whose presence this worker is about to send, with the people who changed
    presence_due: dict[int, set[int]] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)
    #: parts of room state read once per sequence number (see ``snapshots``)
    views: SharedViews = field(default_factory=SharedViews)
    #: connections and joins arriving together (see ``crowds``)
    crowds: Crowds = field(default_factory=Crowds)


def channel(room_id: int, audience: Audience) -> str:
    """The Socket.IO room of one audience of a live room (see ``service.Audience``)."""
    return f"room:{room_id}:{audience.value}"


def _listen(sid: str, room_id: int, audience: Audience | None) -> None:
    """Put a connection in one audience of a room (None: in none of them), whichever
    worker holds it (the message queue carries the move to the others)."""
    for other in Audience:
        if other is not audience:
            socketio.server.leave_room(sid, channel(room_id, other), namespace=NAMESPACE)
    if audience is not None:
        socketio.server.enter_room(sid, channel(room_id, audience), namespace=NAMESPACE)


def _runtime(app: Flask | None = None) -> LiveRuntime:
    runtime: LiveRuntime = (app or current_app).extensions[EXTENSION_KEY]
    return runtime


def _sid() -> str:
    return str(request.sid)  # type: ignore[attr-defined]


def deliver(deliveries: Iterable[Delivery]) -> None:
    """Send what committed changes produced: events, presence, personal messages, disconnects."""
    for delivery in deliveries:
        for sid, audience in delivery.listen:
            _listen(sid, delivery.room_id, audience)
        facilitators = channel(delivery.room_id, Audience.FACILITATORS)
        participants = [
            channel(delivery.room_id, Audience.LISTED),
            channel(delivery.room_id, Audience.COUNTED),
        ]
        for full, partial in delivery.events:
            socketio.emit("event", full, to=facilitators, namespace=NAMESPACE)
            socketio.emit("event", partial, to=participants, namespace=NAMESPACE)
        if delivery.presence is not None:
            _emit_presence(delivery.room_id, delivery.presence)
        if delivery.presence_changed:
            _schedule_presence(delivery.room_id, delivery.presence_changed)
        for sid, name, payload in delivery.personal:
            socketio.emit(name, payload, to=sid, namespace=NAMESPACE)
        for sid in dict.fromkeys(delivery.disconnect):
            socketio.server.disconnect(sid, namespace=NAMESPACE)


def _emit_presence(room_id: int, pair: tuple[Json, Json]) -> None:
    full, partial = pair
    for audience, payload in (
        (Audience.FACILITATORS, full),
        (Audience.LISTED, partial),
        (Audience.COUNTED, service.counted(partial)),
    ):
        socketio.emit("presence", payload, to=channel(room_id, audience), namespace=NAMESPACE)


def _schedule_presence(room_id: int, user_ids: set[int]) -> None:
    """Send the presence of ``user_ids``, read from the database, once the batching delay
    is over, together with every other change of the room's presence until then."""
    runtime = _runtime()
    with runtime.guard:
        due = runtime.presence_due.get(room_id)
        if due is not None:
            due.update(user_ids)
            return
        runtime.presence_due[room_id] = set(user_ids)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    socketio.start_background_task(_flush_presence, app, room_id, service.presence_delay())


def _flush_presence(app: Flask, room_id: int, delay: float) -> None:
    socketio.sleep(delay)
    runtime = _runtime(app)
    with runtime.guard:
        user_ids = runtime.presence_due.pop(room_id, set())
    if not user_ids:
        return
    with app.app_context():
        try:
            pair = service.presence_change(db.session(), room_id, user_ids)
        except SQLAlchemyError:
            logger.exception("live presence could not be read")
            pair = None
        finally:
            db.session.remove()
        if pair is not None:
            _emit_presence(room_id, pair)


@cache
def _schema(schema: type[ma.Schema]) -> ma.Schema:
    """One instance per payload schema: loading keeps no state in it."""
    return schema()


def _error(exc: AppError) -> Json:
    return {"ok": False, **exc.to_dict()}


Done = TypeVar("Done")


def _committed(work: Callable[[Session], Done]) -> Done:
    """Do ``work`` in one transaction and commit it (rolled back if it raises).

    The connection goes back to the pool before anything is sent: a send may wait on a slow
    socket, and each connection held meanwhile is one more in the pool, with its own page
    cache.
    """
    session = db.session()
    try:
        done = work(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    session.close()
    return done


def _send(deliveries: Iterable[Delivery]) -> None:
    """``deliver`` what a committed change produced."""
    try:
        deliver(deliveries)
    except Exception:  # stored already: clients catch up from the log
        logger.exception("live broadcast failed")


def _handle(
    schema: type[ma.Schema],
    data: Any,
    operation: Operation,
    *,
    on_failure: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
) -> Json:
    """Parse, act as the connection's person, commit once, then broadcast; errors become acks.

    The person is the one the connection was opened by (``PERSON_KEY``); the service reads
    them together with what they act on, and refuses a connection that is not theirs, has
    ended or belongs to someone deactivated.
    """
    person = flask.session.get(PERSON_KEY)
    try:
        args = load(_schema(schema), {} if data is None else data)
        if not isinstance(person, int):
            raise Unauthorised()
        outcome = _committed(lambda session: operation(session, person, args))
    except Exception as exc:  # every failure must reach the client as an error ack
        if on_failure is not None:
            on_failure()
        if isinstance(exc, AppError):
            return _error(exc)
        if isinstance(exc, IntegrityError | StaleDataError):
            return _error(Conflict(_("That clashed with another change; try again.")))
        logger.exception("live event failed")
        return _error(ServerError())
    if after is not None:
        after()
    _send(outcome.deliveries)
    return {"ok": True, **outcome.ack}


def _admit(room_id: int) -> Callable[[list[service.JoinRequest]], list[Json | None]]:
    """Let a crowd into a room with one transaction, then tell the room; if that fails,
    everyone joins on their own (see ``crowds``)."""

    def admit(requests: list[service.JoinRequest]) -> list[Json | None]:
        try:
            arrivals = _committed(
                lambda session: service.join_together(
                    session,
                    room_id,
                    requests,
                    worker_id=_runtime().worker_id,
                    views=_runtime().views,
                )
            )
        except Exception:  # each join then runs on its own, and fails or not by itself
            logger.exception("live crowd could not join together; joining one by one")
            return [None] * len(requests)
        _send(arrivals.deliveries)
        return [None if isinstance(ack, AppError) else {"ok": True, **ack} for ack in arrivals.acks]

    return admit


def _record(connections: list[service.Connecting]) -> list[int | None]:
    """Record connections in one transaction: the person of each (None: not authenticated)."""
    return _committed(
        lambda session: service.connect_together(
            session, connections, worker_id=_runtime().worker_id
        )
    )


def _record_crowd(connections: list[service.Connecting]) -> list[int | None]:
    """``_record`` for a crowd (see ``crowds``); if that fails, each connects on its own."""
    try:
        return _record(connections)
    except Exception:  # each connection then runs on its own, and fails or not by itself
        logger.exception("live crowd could not connect together; connecting one by one")
        return [None] * len(connections)


def _refuse(code: str, message: str) -> ConnectionRefusedError:
    return ConnectionRefusedError(message, {"code": code})


class LiveNamespace(Namespace):  # type: ignore[misc]
    """The ``/live`` handlers; each one is a thin call into ``live.service``."""

    def on_connect(self, auth: Any = None) -> None:
        origin = request.headers.get("Origin")
        if origin and origin.rstrip("/") != current_app.config["PUBLIC_ORIGIN"]:
            raise _refuse("forbidden_origin", _("Connect from this site only."))
        token = auth.get("token") if isinstance(auth, dict) else None
        user = actor() if token is None else None
        if token is not None:
            connecting = service.Connecting(sid=_sid(), token=str(token))
        elif user is not None:
            connecting = service.Connecting(
                sid=_sid(),
                user_id=user.id,
                session_key=login_key(),
                session_version=user.session_version,
            )
        else:
            raise _refuse("unauthorised", _("Please log in first."))
        person = _runtime().crowds.gather("connect", connecting, _record_crowd)
        if person is None:
            try:
                (person,) = _record([connecting])
            except SQLAlchemyError:
                logger.exception("live connection could not be recorded")
                raise _refuse("server_error", _("Please try again.")) from None
        if person is None:
            raise _refuse("unauthorised", _("Please log in first."))
        # Kept in the connection's own session (with the socket, in this process), so a join
        # can read the person together with the room; the database still has the last word.
        flask.session[PERSON_KEY] = person
        start_heartbeat(current_app._get_current_object())  # type: ignore[attr-defined]

    def on_disconnect(self, reason: Any = None) -> None:
        # A server-side disconnect can run inside another handler, or inside the commit of
        # the request that ended a session, so this one works in a session of its own.
        with Session(bind=db.engine) as session:
            try:
                deliveries = service.disconnect(session, _sid())
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                logger.exception("live disconnect could not be recorded")
                return
        deliver(deliveries)

    def on_join(self, data: Any = None, *_extra: Any) -> Json:
        sid = _sid()
        joined: list[int] = []

        def subscriber(room_id: int) -> Callable[[Audience], None]:
            def subscribe(audience: Audience) -> None:
                _listen(sid, room_id, audience)
                joined.append(room_id)

            return subscribe

        def operation(session: Session, person: int, args: dict[str, Any]) -> Outcome:
            return service.join(
                session,
                person,
                args["room"],
                sid=sid,
                worker_id=_runtime().worker_id,
                since=args["since"],
                subscribe=subscriber(args["room"]),
                views=_runtime().views,
            )

        def unsubscribe() -> None:
            for room_id in joined:
                _listen(sid, room_id, None)

        person = flask.session.get(PERSON_KEY)
        try:
            args = load(_schema(schemas.JoinSchema), {} if data is None else data)
        except AppError:
            args = None
        if args is not None and isinstance(person, int):
            request = service.JoinRequest(
                user_id=person, sid=sid, since=args["since"], subscribe=subscriber(args["room"])
            )
            ack = _runtime().crowds.gather(("join", args["room"]), request, _admit(args["room"]))
            if ack is not None:
                return ack
        return _handle(schemas.JoinSchema, data, operation, on_failure=unsubscribe)

    def on_leave(self, data: Any = None, *_extra: Any) -> Json:
        sid = _sid()
        left: list[int] = []

        def operation(session: Session, person: int, args: dict[str, Any]) -> Outcome:
            left.append(args["room"])
            return service.leave(session, person, args["room"], sid=sid)

        def unsubscribe() -> None:
            for room_id in left:
                _listen(sid, room_id, None)

        return _handle(schemas.LeaveSchema, data, operation, after=unsubscribe)

    def on_presence(self, data: Any = None, *_extra: Any) -> Json:
        sid = _sid()
        asked: list[tuple[int, Audience]] = []

        def operation(session: Session, person: int, args: dict[str, Any]) -> Outcome:
            outcome = service.presence_list(session, person, args["room"], sid=sid)
            if outcome.audience is not None:
                asked.append((args["room"], outcome.audience))
            return outcome

        def listen() -> None:
            for room_id, audience in asked:
                _listen(sid, room_id, audience)

        return _handle(schemas.PresenceSchema, data, operation, after=listen)

    def on_say(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.SaySchema,
            data,
            lambda s, person, a: service.say(
                s, person, a["room"], sid=_sid(), body=a["body"], client_id=a["client_id"]
            ),
        )

    def on_hand(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.HandSchema,
            data,
            lambda s, person, a: service.hand(s, person, a["room"], sid=_sid(), up=a["up"]),
        )

    def on_floor(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.FloorSchema,
            data,
            lambda s, person, a: service.floor(
                s, person, a["room"], sid=_sid(), speaker_id=a["user"]
            ),
        )

    def on_queue_mode(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.QueueModeSchema,
            data,
            lambda s, person, a: service.queue_mode(
                s, person, a["room"], sid=_sid(), mode=a["mode"]
            ),
        )

    def on_poll_open(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.PollOpenSchema,
            data,
            lambda s, person, a: service.poll_open(
                s,
                person,
                a["room"],
                sid=_sid(),
                question=a["question"],
                choices=a["choices"],
                multiple=a["multiple"],
                anonymous=a["anonymous"],
                results=a["results"],
            ),
        )

    def on_poll_vote(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.PollVoteSchema,
            data,
            lambda s, person, a: service.poll_vote(
                s, person, a["room"], sid=_sid(), poll_id=a["poll"], choices=a["choices"]
            ),
        )

    def on_poll_close(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.PollCloseSchema,
            data,
            lambda s, person, a: service.poll_close(
                s, person, a["room"], sid=_sid(), poll_id=a["poll"]
            ),
        )

    def on_ask(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.AskSchema,
            data,
            lambda s, person, a: service.ask(s, person, a["room"], sid=_sid(), body=a["body"]),
        )

    def on_questions(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.QuestionsSchema,
            data,
            lambda s, person, a: service.questions(
                s, person, a["room"], sid=_sid(), offset=a["offset"]
            ),
        )

    def on_upvote(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.UpvoteSchema,
            data,
            lambda s, person, a: service.upvote(
                s, person, a["room"], sid=_sid(), question_id=a["question"], up=a["up"]
            ),
        )

    def on_answer(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.AnswerSchema,
            data,
            lambda s, person, a: service.answer(
                s, person, a["room"], sid=_sid(), question_id=a["question"]
            ),
        )

    def on_react(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.ReactSchema,
            data,
            lambda s, person, a: service.react(s, person, a["room"], sid=_sid(), emoji=a["emoji"]),
        )

    def on_agenda(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.AgendaSchema,
            data,
            lambda s, person, a: service.agenda(s, person, a["room"], sid=_sid(), item=a["item"]),
        )

    def on_hide(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.HideSchema,
            data,
            lambda s, person, a: service.hide(s, person, a["room"], sid=_sid(), seq=a["seq"]),
        )

    def on_lock(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.LockSchema,
            data,
            lambda s, person, a: service.lock(s, person, a["room"], sid=_sid(), locked=a["locked"]),
        )

    def on_moderate(self, data: Any = None, *_extra: Any) -> Json:
        return _handle(
            schemas.ModerateSchema,
            data,
            lambda s, person, a: service.moderate(
                s, person, a["room"], sid=_sid(), action=a["action"], target_id=a["user"]
            ),
        )


def _end_revoked_sessions(sender: Any, session_id: str | None = None, **_kwargs: Any) -> None:
    """A person logged out, changed password or was deactivated: end their live connections."""
    if not isinstance(sender, User) or socketio.server is None:
        return
    with Session(bind=db.engine) as session:
        sids = service.connections_to_end(session, sender.id, session_id)
    notice = {"room": None, "code": "session_ended", "message": _("Your session has ended.")}
    for sid in sids:
        socketio.emit("notice", notice, to=sid, namespace=NAMESPACE)
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def _follow_standing(
    sender: Any,
    user_ids: Collection[int] | None = None,
    space_id: int | None = None,
    **_kwargs: Any,
) -> None:
    """What a person may do in a space changed: their room connections are judged again in
    the same transaction, and told or moved once it commits (``service.follow_standing``)."""
    if isinstance(sender, scoped_session):
        sender = sender()
    if not isinstance(sender, Session):
        return
    deliveries = service.follow_standing(sender, user_ids=user_ids, space_id=space_id)
    if any(
        d.events or d.presence or d.presence_changed or d.personal or d.listen or d.disconnect
        for d in deliveries
    ):
        after_commit(sender, lambda: _send_standing(deliveries))


def _send_standing(deliveries: list[Delivery]) -> None:
    if socketio.server is not None:
        _send(deliveries)


def _heartbeat(app: Flask, worker_id: str) -> None:
    """Beat and sweep forever; a failed beat is logged and retried at the next one."""
    while True:
        with app.app_context():
            try:
                deliveries = service.heartbeat(db.session(), worker_id)
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                logger.exception("live heartbeat failed")
                deliveries = []
            try:
                deliver(deliveries)
            except Exception:  # the next sweep sends presence again
                logger.exception("live presence broadcast failed")
            db.session.remove()
        socketio.sleep(presence.HEARTBEAT_SECONDS)


def start_heartbeat(app: Flask) -> None:
    """Start this worker's heartbeat once, when it first holds a live connection.

    Starting on the first connection rather than at import keeps CLI commands (which build
    the app too) from beating. Tests (``TESTING``) call the service functions instead.
    """
    if app.config.get("TESTING"):
        return
    runtime = _runtime(app)
    with runtime.guard:
        if runtime.heartbeat_started:
            return
        runtime.heartbeat_started = True
    socketio.start_background_task(_heartbeat, app, runtime.worker_id)


def init_app(app: Flask) -> None:
    """Register the ``/live`` namespace and the session-revocation hook; safe to call twice."""
    app.extensions.setdefault(EXTENSION_KEY, LiveRuntime(worker_id=presence.new_worker_id()))
    app.config.setdefault("LIVE_SAY_LIMIT", service.DEFAULT_SAY_LIMIT)
    app.config.setdefault("LIVE_REACT_LIMIT", service.DEFAULT_REACT_LIMIT)
    app.config.setdefault("LIVE_PRESENCE_LIST_LIMIT", service.DEFAULT_PRESENCE_LIST_LIMIT)
    app.config.setdefault("LIVE_PRESENCE_DELAY", 0.0 if app.testing else PRESENCE_DELAY)
    registered = socketio.server is not None and NAMESPACE in socketio.server.namespace_handlers
    pending = any(
        getattr(handler, "namespace", None) == NAMESPACE for handler in socketio.namespace_handlers
    )
    if not registered and not pending:
        socketio.on_namespace(LiveNamespace(NAMESPACE))
    sessions_revoked.connect(_end_revoked_sessions)
    standing_changed.connect(_follow_standing)
