"""The protocol of live consultation rooms: the Socket.IO namespace ``/live``.

Every payload the server sends is described once, as typed dictionaries, in this package:
``shapes`` (people, polls, questions, presence, state), ``log`` (room events),
``replies`` (acknowledgements, ``state``, ``notice``, ``connect_error``) and ``socket``
(which event carries what). The browser's TypeScript types are generated from them
(``typescript``), and the tests hold every frame of a whole meeting to them.

Connecting
==========
Connect to the namespace ``/live`` from ``PUBLIC_ORIGIN`` only (other origins are refused
by the Engine.IO handshake and again by the namespace). Authenticate with the session
cookie of a logged-in person, or pass a personal API token as the Socket.IO ``auth``
payload: ``io("/live", {auth: {token: "dh_…"}})``. A refused connection gets
``connect_error`` with ``message`` and ``data.code``: ``unauthorised``,
``forbidden_origin``, or ``server_error`` (try again).

Logging out, changing one's password, being deactivated, and being removed from a room end
the person's connections at once (removal: only those in that room). Before that the
server sends a ``notice`` saying why. The client should not reconnect on its own after a
server-side disconnect.

What a connection receives and may do follows its person's standing in the room's space
*now*. When that changes (a facilitator added or removed, an invitation revoked, an
organisation removed from the space, a membership ended, the space's visibility narrowed,
a new code of conduct published, an account deactivated), the server judges the person's
connections in the space's rooms again in the same transaction: each moves to the
audience it now belongs to and gets a fresh ``state`` (``you.facilitator`` tells which),
or is ended with a ``notice`` saying why (``access_ended``, ``conduct_required``,
``session_ended``, ``registration_required``).

Client → server events
======================
Every event takes one JSON object and must be sent with an acknowledgement callback.
The acknowledgement is ``{"ok": true, ...}`` or
``{"ok": false, "error": {"code", "message", "fields"?}}``. A refused event changes
nothing and broadcasts nothing. Error codes: ``validation_failed`` (bad value),
``wrong_type`` (e.g. ``"3"`` for a number), ``too_large`` (text over its limit),
``unauthorised``, ``forbidden``, ``not_found``, ``conflict`` (the room's state forbids it,
e.g. closing a closed poll), ``rate_limited`` (see below), ``not_joined`` (join the room first),
``removed``, ``room_locked``, ``registration_required``, ``conduct_required`` (accept the
space's code of conduct), ``muted``, ``server_error``.

Every event that stores something counts against its person's limit for that kind, per
10 seconds and across every room and worker, beyond which it is refused with
``rate_limited``: ``say`` ``LIVE_SAY_LIMIT`` (default 5), ``react`` ``LIVE_REACT_LIMIT``
(10), ``ask`` ``LIVE_ASK_LIMIT`` (3), ``upvote`` ``LIVE_UPVOTE_LIMIT`` (20), ``hand``
``LIVE_HAND_LIMIT`` (6), ``poll_vote`` ``LIVE_POLL_VOTE_LIMIT`` (10), and each of the
facilitators' events ``LIVE_FACILITATOR_LIMIT`` (30).

Acknowledgements of events that stored something carry that event's ``seq`` (``null``
when nothing changed, e.g. raising a hand that is already up). ``unauthorised`` on an
event means the server no longer knows the connection (its session ended, or its worker
was presumed dead): connect and join again.

``join {room, since?}`` → ``{ok, room, state, events, complete}``
    Enter a room on this connection. ``state`` is the whole room as you may see it.
    ``events`` are the room events after ``since``, oldest first; without ``since``, the
    latest events. At most ``LIVE_JOIN_HISTORY`` (default 50): when ``complete`` is
    false, fetch the rest from ``GET /api/v1/rooms/<id>/events?after=<seq>``.
    ``state.questions`` holds the ``LIVE_STATE_QUESTIONS`` (default 50) most upvoted
    questions of ``state.questions_total``; ask for the others with ``questions``. Join again with
    ``since = last seq you applied`` after any reconnect: nothing is lost. If
    ``state.last_seq`` is lower than your ``since``, drop what you hold.
``leave {room}`` → ``{ok, room}``
``presence {room}`` → ``{ok, presence}``
    Everyone in the room now (the shape of ``state.presence`` with ``people``). In rooms
    with more than ``LIVE_PRESENCE_LIST_LIMIT`` (default 100) people present, ``join`` and
    ``state`` give participants the counts only; ask for the list with this event and keep
    it current with ``presence`` changes. Facilitators always get the list; participants of
    Chatham House rooms never do (counts only).
``say {room, body, client_id}`` → ``{ok, seq, duplicate}``
    Chat. ``body``: plain text, 1 to 2,000 characters after trimming (render it as text,
    never as HTML). ``client_id``: 1 to 64 of ``A-Za-z0-9_.:-``, unique per message; sending
    the same ``client_id`` again returns the stored ``seq`` with ``duplicate: true``.
    At most ``LIVE_SAY_LIMIT`` (default 5) messages per person per 10 seconds.
``hand {room, up}`` → ``{ok, up, ticket, position, seq}``
    Raise (``up: true``) or lower a hand. ``ticket`` is random per raise; find your own
    entry in the queue by it (queues in Chatham House rooms carry no names).
``ask {room, body}`` → ``{ok, question, seq}``: a Q&A question, 1 to 500 characters.
``questions {room, offset?}`` → ``{ok, questions, offset, total}``: the room's questions
    in the order of ``state.questions``, ``LIVE_STATE_QUESTIONS`` of them from ``offset``
    (default 0).
``upvote {room, question, up?}`` → ``{ok, question, votes, seq}``: ``up`` defaults to true;
    false takes the upvote back.
``poll_vote {room, poll, choices}`` → ``{ok, poll, choices, seq}``: indexes into the poll's
    choices; exactly one unless the poll is ``multiple``. Voting again replaces the vote.
``react {room, emoji}`` → ``{ok, counts, seq}``: ``emoji`` is one of ``clap`` 👏,
    ``thumbs_up`` 👍, ``heart`` ❤️, ``thinking`` 🤔, ``surprised`` 😮, ``thanks`` 🙏;
    at most ``LIVE_REACT_LIMIT`` (default 10) per person per 10 seconds.

Facilitators only (``forbidden`` for others):

``floor {room, user}`` → ``{ok, seq}``: give the floor to ``user`` (an id; lowers their
    hand, ends the current turn), or end the current turn with ``user: null``.
``queue_mode {room, mode}`` → ``{ok, seq}``: ``order`` (as raised) or ``first_time_first``
    (people who have not spoken in this room yet go first).
``poll_open {room, question, choices, multiple?, anonymous?, results?}`` → ``{ok, poll, seq}``:
    2 to 10 distinct choices; ``multiple`` false, ``anonymous`` true and ``results: "live"``
    unless given; ``results: "on_close"`` hides the tally from participants until closed.
``poll_close {room, poll}`` → ``{ok, poll, seq}``
``answer {room, question}`` → ``{ok, question, seq}``: mark a question answered.
``agenda {room, item}`` → ``{ok, current, seq}``: move to agenda item ``item`` (0-based).
``hide {room, seq}`` → ``{ok, seq}``: hide a message or question (by its event's seq).
``lock {room, locked}`` → ``{ok, locked, seq}``: a locked room admits only facilitators and
    people admitted before.
``moderate {room, action, user}`` → ``{ok, action, user, seq}``: ``action`` is ``mute``
    (no chat, questions, hands or reactions), ``unmute``, ``remove`` (disconnected, cannot
    rejoin) or ``readmit``. Facilitators cannot be moderated. Every moderation action is
    recorded in the room's audit trail.

Server → client events
======================
``event``
    One room event (see ``log``).
``presence``
    A change of who is in the room (``shapes.PresenceChange``). The whole list comes with
    ``join`` and ``state`` (``state.presence``), or in large rooms with the ``presence``
    request; apply changes to it. Participants without the list (Chatham House rooms,
    large rooms until they ask) get ``{room, counts, total}`` only. Changes are batched:
    a worker sends at most one per room every ``LIVE_PRESENCE_DELAY`` seconds (default
    0.5; 0 in tests), for everyone who changed since the last one, read from the database
    when sent — so a crowd arriving costs each person present one short message per
    batch, not a list of everyone per arrival.
``state``
    The whole room for you, the shape of the ``join`` acknowledgement's ``state``; replace
    what you hold. Sent when your own standing changes (muted, unmuted, made or
    no longer a facilitator, counted in another organisation or bloc) or the room's mode
    changes.
``notice``
    ``{room, code, message}`` addressed to you just before the server ends the
    connection: ``removed``, ``session_ended``, ``access_ended``, ``conduct_required``,
    ``registration_required`` (see *Connecting*).

Several server processes
========================
With ``REDIS_URL`` set, Flask-SocketIO's Redis message queue joins the workers: a
broadcast from any worker reaches every connection, and ending a connection works from
any worker. Everything a room shares — its log and sequence numbers, presence, hands,
turns, polls, questions, reactions and standing — is in the database. Each worker beats
every few seconds (``live_worker``); when one dies, the next sweep by a live worker drops
its connections and sends the rooms their new presence, within about 20 seconds.
"""
