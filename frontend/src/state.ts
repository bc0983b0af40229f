// What the browser holds of a room: the last state snapshot, kept current by the events
// that follow it, and the chat log built from the event log.
//
// Two cursors: ``lastSeq`` is the last event applied to the log (events are applied in
// seq order, each once), ``stateSeq`` the last event the state reflects. An event at or
// below ``stateSeq`` is already in the snapshot, so it only feeds the log.
//
// The store is the only writer of what it holds: other modules read it through ``Frozen``
// types, and change it by calling its methods.

import { isMe, personName } from "./format";
import { t } from "./i18n";
import type {
  Bloc,
  BlocCounts,
  JoinAck,
  Person,
  Poll,
  Presence,
  PresenceChange,
  PresenceCounts,
  PresentPerson,
  QueueEntry,
  Question,
  RoomEvent,
  RoomState,
  ScreenItem,
} from "./protocol";

/** ``T`` that may be read, not written, at any depth. */
export type Frozen<T> = T extends (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

/** A poll as held here: ``voters`` is known from ``poll.voted`` even while the tally is hidden. */
export type HeldPoll = Poll & { voters?: number };

/** The room as held here: the last state, kept current by the events after it. */
export type HeldState = Omit<RoomState, "polls"> & { polls: HeldPoll[] };

export type Section =
  | "room"
  | "agenda"
  | "speaking"
  | "outbox"
  | "polls"
  | "questions"
  | "reactions"
  | "presence"
  | "you"
  | "speakingTime"
  | "removed"
  | "screen";

export interface ChatMessage {
  seq: number;
  at: string;
  actor: Person | null;
  body: string | null;
  hidden: boolean;
  mine: boolean;
}

/** A message typed here, shown as "sending…" until the server stores it. */
export interface Outgoing {
  clientId: string;
  body: string;
  /** The stored seq, once acknowledged, while its event is still on its way. */
  seq: number | null;
  attempt: number;
  inFlight: boolean;
}

/** What one batch of input changed, for the view and the screen-reader summaries. */
export class Changes {
  readonly sections = new Set<Section>();
  readonly added: Frozen<ChatMessage>[] = [];
  readonly updated: Frozen<ChatMessage>[] = [];
  readonly notes: string[] = [];
  constructor(readonly catchingUp = false) {}
}

/** The server's order of presence lists: by bloc, then name, then id. */
function byBlocThenName(a: PresentPerson, b: PresentPerson): number {
  const left = a.person;
  const right = b.person;
  return (
    left.bloc.localeCompare(right.bloc) ||
    (left.name ?? "").toLowerCase().localeCompare((right.name ?? "").toLowerCase()) ||
    (left.id ?? 0) - (right.id ?? 0)
  );
}

function sortQuestions(questions: Question[]): void {
  questions.sort((a, b) => b.votes - a.votes || a.id - b.id);
}

export class RoomStore {
  private held: HeldState | null = null;
  private stateAt = 0;
  private appliedTo = 0;
  private speaking = false;
  private closed: BlocCounts | null = null;
  private asked = false;
  private readonly chat = new Map<number, ChatMessage>();
  private readonly sending = new Map<string, Outgoing>();
  private readonly barred = new Map<number, Person>();
  private readonly pending = new Map<number, RoomEvent>();
  private readonly mine = new Set<number>();

  get screen(): Frozen<ScreenItem> | null {
    return this.shown;
  }

  get state(): Frozen<HeldState> | null {
    return this.held;
  }

  /** The last event the state reflects. */
  get stateSeq(): number {
    return this.stateAt;
  }

  /** The last event applied to the log. */
  get lastSeq(): number {
    return this.appliedTo;
  }

  /** Whether the person holding this page has the floor (see ``floor``). */
  get youSpeak(): boolean {
    return this.speaking;
  }

  /** Seconds each bloc spoke in finished turns (facilitators; the current turn runs on). */
  get closedSpeaking(): Frozen<BlocCounts> | null {
    return this.closed;
  }

  /** The chat log by seq. */
  get messages(): ReadonlyMap<number, Frozen<ChatMessage>> {
    return this.chat;
  }

  /** Messages typed here and not yet seen in the log, by client id. */
  get outgoing(): ReadonlyMap<string, Frozen<Outgoing>> {
    return this.sending;
  }

  /** People removed from the room, as seen in the log, so facilitators can readmit them. */
  get removed(): ReadonlyMap<number, Person> {
    return this.barred;
  }

  /** What the facilitators put on screen, from the latest ``screen.*`` event in the log. */
  private shown: ScreenItem | null = null;

  /** The person asked for the list of who is here (large rooms send counts only). */
  get wantsPeople(): boolean {
    return this.asked;
  }

  get facilitator(): boolean {
    return this.held?.you.facilitator ?? false;
  }

  /** Whether this person may see who is here by name (not so in Chatham House rooms). */
  get mayListPeople(): boolean {
    return this.facilitator || this.held?.room.mode !== "chatham_house";
  }

  /** Whether the held presence lacks the list this person asked for and may have. */
  get missingPeople(): boolean {
    return this.asked && this.mayListPeople && this.held?.presence.people === undefined;
  }

  get muted(): boolean {
    return this.held?.you.muted ?? false;
  }

  /** Whether events are waiting for one that has not arrived (a gap in the log). */
  get hasGap(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Adopt a join's state and the events it replays. Returns false when the room's log is
   * behind what we hold (it was reset): everything is dropped and the caller joins anew.
   */
  join(ack: JoinAck, changes: Changes): boolean {
    if (ack.state.last_seq < this.appliedTo) {
      this.chat.clear();
      this.pending.clear();
      this.mine.clear();
      this.barred.clear();
      this.appliedTo = 0;
      this.stateAt = 0;
      changes.sections.add("removed");
      return false;
    }
    this.adopt(ack.state, changes);
    for (const event of ack.events) this.receive(event);
    this.drain(changes);
    return true;
  }

  /** A ``state`` sent by the server: replace what we hold unless it is older. */
  replaceState(state: RoomState, changes: Changes): void {
    if (this.held !== null && state.last_seq < this.stateAt) {
      this.held.you = state.you;
      changes.sections.add("you");
      return;
    }
    this.adopt(state, changes);
  }

  private adopt(state: RoomState, changes: Changes): void {
    this.held = state;
    this.stateAt = state.last_seq;
    this.speaking = isMe(state.speaker?.person);
    this.setSpeakingTime(Date.now());
    for (const section of [
      "room",
      "agenda",
      "speaking",
      "polls",
      "questions",
      "reactions",
      "presence",
      "you",
      "speakingTime",
    ] as const) {
      changes.sections.add(section);
    }
  }

  /** Adopt the list of who is here, asked for with the ``presence`` event. */
  setPresence(presence: Presence | PresenceCounts, changes: Changes): void {
    if (this.held === null) return;
    this.asked = true;
    this.held.presence = presence;
    changes.sections.add("presence");
  }

  /** Apply a presence change to the list held since the last join or state. */
  applyPresence(change: PresenceChange | PresenceCounts, changes: Changes): void {
    if (this.held === null) return;
    const held = this.held.presence;
    let people = held.people;
    if (people !== undefined && change.people === undefined && this.mayListPeople) {
      // Counts only: the server does not keep this list current; ask for it again.
      people = undefined;
      this.asked = true;
    }
    if (people !== undefined && change.people !== undefined) {
      const gone = new Set<number | undefined>(change.left);
      for (const present of change.people) gone.add(present.person.id);
      people = [...people.filter((present) => !gone.has(present.person.id)), ...change.people];
      people.sort(byBlocThenName);
    }
    const counted = { room: held.room, counts: change.counts, total: change.total };
    this.held.presence = people === undefined ? counted : { ...counted, people };
    changes.sections.add("presence");
  }

  /** Hold an event until every earlier one is applied; ignore ones applied already. */
  receive(event: RoomEvent): void {
    if (event.seq > this.appliedTo) this.pending.set(event.seq, event);
  }

  /** Apply held events in seq order, as far as there is no gap. */
  drain(changes: Changes): void {
    for (;;) {
      const next = this.pending.get(this.appliedTo + 1);
      if (next === undefined) break;
      this.pending.delete(next.seq);
      this.appliedTo = next.seq;
      const toState = next.seq > this.stateAt;
      this.apply(next, toState, changes);
      if (toState) this.stateAt = next.seq;
    }
    for (const seq of this.pending.keys()) {
      if (seq <= this.appliedTo) this.pending.delete(seq);
    }
  }

  /** A message typed here, to send as ``clientId``. */
  compose(clientId: string, body: string, changes: Changes): void {
    this.sending.set(clientId, { clientId, body, seq: null, attempt: 0, inFlight: false });
    changes.sections.add("outbox");
  }

  /**
   * Start sending a message: its attempt number, or null when it is on its way already,
   * stored, or gone.
   */
  startSending(clientId: string): number | null {
    const outgoing = this.sending.get(clientId);
    if (outgoing === undefined || outgoing.inFlight || outgoing.seq !== null) return null;
    outgoing.inFlight = true;
    outgoing.attempt += 1;
    return outgoing.attempt;
  }

  /** Whether ``attempt`` is the latest one of a message still waiting to be stored. */
  isCurrentAttempt(clientId: string, attempt: number): boolean {
    return this.sending.get(clientId)?.attempt === attempt;
  }

  /** An attempt got no acknowledgement it could use: the message may be sent again. */
  sendFailed(clientId: string): void {
    const outgoing = this.sending.get(clientId);
    if (outgoing !== undefined) outgoing.inFlight = false;
  }

  /** After a (re)join, every message not yet stored may be sent again. */
  resend(): string[] {
    for (const outgoing of this.sending.values()) outgoing.inFlight = false;
    return [...this.sending.keys()];
  }

  /** The server refused the message for good. */
  drop(clientId: string, changes: Changes): void {
    this.sending.delete(clientId);
    changes.sections.add("outbox");
  }

  /** Our ``say`` was stored as ``seq``. */
  acknowledge(clientId: string, seq: number, changes: Changes): void {
    this.mine.add(seq);
    const stored = this.chat.get(seq);
    const outgoing = this.sending.get(clientId);
    if (stored !== undefined) {
      stored.mine = true;
      changes.updated.push(stored);
      this.sending.delete(clientId);
    } else if (outgoing !== undefined) {
      outgoing.seq = seq;
      outgoing.inFlight = false;
    }
    changes.sections.add("outbox");
  }

  /** Our hand is up with ``ticket``, or down (null), as the ``hand`` event acknowledged. */
  setHand(ticket: string | null, changes: Changes): void {
    if (this.held === null) return;
    this.held.you.hand = ticket;
    changes.sections.add("you");
  }

  /** Our vote in a poll, as the ``poll_vote`` event acknowledged. */
  setVote(pollId: number, choices: number[], changes: Changes): void {
    if (this.held === null) return;
    this.held.you.votes[String(pollId)] = choices;
    changes.sections.add("polls");
  }

  private apply(event: RoomEvent, toState: boolean, changes: Changes): void {
    switch (event.type) {
      case "message":
        this.addMessage(event, changes);
        return;
      case "hidden":
        this.hide(event.data.target, event.data.kind, toState, changes);
        return;
      case "moderation":
        this.noteModeration(event.data.action, event.data.user, changes);
        break;
      case "screen.shown":
        this.shown = event.data.item;
        changes.sections.add("screen");
        if (!changes.catchingUp) changes.notes.push(t("screen_shown", { title: event.data.item.title }));
        return;
      case "screen.updated":
        this.shown = event.data.item;
        changes.sections.add("screen");
        return;
      case "screen.cleared":
        this.shown = null;
        changes.sections.add("screen");
        return;
      default:
        break;
    }
    if (toState && this.held !== null) this.applyToState(this.held, event, changes);
  }

  private addMessage(event: Extract<RoomEvent, { type: "message" }>, changes: Changes): void {
    let mine = isMe(event.actor) || this.mine.has(event.seq);
    for (const outgoing of this.sending.values()) {
      const sameId =
        event.data.client_id !== undefined && outgoing.clientId === event.data.client_id;
      if (sameId || outgoing.seq === event.seq) {
        this.sending.delete(outgoing.clientId);
        changes.sections.add("outbox");
        mine = true;
      }
    }
    const message: ChatMessage = {
      seq: event.seq,
      at: event.at,
      actor: event.actor,
      body: event.data.body,
      hidden: event.data.hidden,
      mine,
    };
    this.chat.set(event.seq, message);
    changes.added.push(message);
  }

  private hide(target: number, kind: string, toState: boolean, changes: Changes): void {
    if (kind === "message") {
      const message = this.chat.get(target);
      if (message === undefined) return;
      message.hidden = true;
      if (!this.facilitator) message.body = null;
      changes.updated.push(message);
      return;
    }
    if (!toState || this.held === null) return;
    const questions = this.held.questions;
    const index = questions.findIndex((q) => q.seq === target);
    const question = questions[index];
    if (question === undefined) return;
    if (this.facilitator) question.hidden = true;
    else questions.splice(index, 1);
    changes.sections.add("questions");
  }

  private noteModeration(action: string, user: Person, changes: Changes): void {
    if (user.id === undefined) return;
    if (action === "remove") this.barred.set(user.id, user);
    else if (action === "readmit") this.barred.delete(user.id);
    else return;
    changes.sections.add("removed");
  }

  private setQueue(state: HeldState, queue: QueueEntry[], changes: Changes): void {
    state.queue = queue;
    if (state.you.hand !== null && !queue.some((entry) => entry.ticket === state.you.hand)) {
      state.you.hand = null;
      changes.sections.add("you");
    }
    changes.sections.add("speaking");
  }

  /** Speaking time as of ``reference`` (ms), minus the current turn, which runs on. */
  private setSpeakingTime(reference: number): void {
    const time = this.held?.speaking_time;
    if (time === undefined) {
      this.closed = null;
      return;
    }
    const closed = { ...time.by_bloc };
    const speaker = this.held?.speaker;
    if (speaker?.person) {
      const running = Math.max(0, (reference - Date.parse(speaker.since)) / 1000);
      closed[speaker.person.bloc] = Math.max(0, closed[speaker.person.bloc] - running);
    }
    this.closed = closed;
  }

  /** Seconds per bloc up to now, the current turn included. */
  speakingNow(now: number = Date.now()): Record<Bloc, number> | null {
    if (this.closed === null) return null;
    const totals = { ...this.closed };
    const speaker = this.held?.speaker;
    if (speaker?.person) {
      totals[speaker.person.bloc] += Math.max(0, (now - Date.parse(speaker.since)) / 1000);
    }
    return totals;
  }

  private findPoll(state: HeldState, id: number): HeldPoll | undefined {
    return state.polls.find((poll) => poll.id === id);
  }

  private replacePoll(state: HeldState, poll: Poll): void {
    const index = state.polls.findIndex((p) => p.id === poll.id);
    if (index === -1) state.polls.push(poll);
    else state.polls[index] = poll;
  }

  private applyToState(state: HeldState, event: RoomEvent, changes: Changes): void {
    switch (event.type) {
      case "room.mode":
        state.room.mode = event.data.mode;
        changes.sections.add("room");
        break;
      case "room.locked":
        state.room.locked = event.data.locked;
        changes.sections.add("room");
        changes.notes.push(t(event.data.locked ? "room_locked" : "room_unlocked"));
        break;
      case "hand":
        if (isMe(event.actor) && event.data.up) state.you.hand = event.data.ticket;
        this.setQueue(state, event.data.queue, changes);
        changes.sections.add("you");
        break;
      case "floor": {
        const mine = state.you.hand;
        const hadHand = mine !== null && state.queue.some((entry) => entry.ticket === mine);
        const speaker = event.data.speaker;
        state.speaker = speaker;
        this.setQueue(state, event.data.queue, changes);
        this.speaking =
          speaker !== null &&
          (isMe(speaker.person) ||
            (speaker.person?.id === undefined &&
              hadHand &&
              !event.data.queue.some((entry) => entry.ticket === mine)));
        if (event.data.speaking_time !== undefined) {
          state.speaking_time = event.data.speaking_time;
          this.setSpeakingTime(Date.parse(event.at));
          changes.sections.add("speakingTime");
        }
        if (speaker !== null) {
          changes.notes.push(
            this.youSpeak ? t("you_speak") : t("took_floor", { name: personName(speaker.person) }),
          );
        }
        break;
      }
      case "queue.mode":
        state.room.queue_mode = event.data.mode;
        this.setQueue(state, event.data.queue, changes);
        break;
      case "poll.opened":
        if (this.findPoll(state, event.data.poll.id) === undefined) {
          state.polls.push(event.data.poll);
        }
        changes.sections.add("polls");
        changes.notes.push(t("poll_opened_note", { question: event.data.poll.question }));
        break;
      case "poll.closed":
        this.replacePoll(state, event.data.poll);
        changes.sections.add("polls");
        changes.notes.push(t("poll_closed_note", { question: event.data.poll.question }));
        break;
      case "poll.voted": {
        const poll = this.findPoll(state, event.data.poll);
        if (poll === undefined) break;
        poll.voters = event.data.voters;
        poll.results_hidden = event.data.results_hidden;
        const vote = event.data.vote;
        if (event.data.results !== undefined) {
          const votes = (poll.results?.votes ?? []).filter(
            (v) => vote === undefined || v.voter?.id === undefined || v.voter.id !== vote.voter?.id,
          );
          if (vote !== undefined) votes.push(vote);
          poll.results = { ...event.data.results, votes };
        }
        if (vote !== undefined && isMe(vote.voter)) state.you.votes[String(poll.id)] = vote.choices;
        changes.sections.add("polls");
        break;
      }
      case "question.asked":
        if (!state.questions.some((q) => q.id === event.data.question.id)) {
          state.questions.push(event.data.question);
          sortQuestions(state.questions);
        }
        changes.sections.add("questions");
        break;
      case "question.upvoted": {
        const question = state.questions.find((q) => q.id === event.data.question);
        if (question === undefined) break;
        question.votes = event.data.votes;
        if (isMe(event.actor)) this.setUpvoted(question.id, event.data.up);
        sortQuestions(state.questions);
        changes.sections.add("questions");
        break;
      }
      case "question.answered": {
        const question = state.questions.find((q) => q.id === event.data.question);
        if (question === undefined) break;
        question.state = "answered";
        question.answered_at = event.at;
        changes.sections.add("questions");
        break;
      }
      case "reaction":
        state.reactions = event.data.counts;
        changes.sections.add("reactions");
        break;
      case "agenda": {
        state.agenda.current = event.data.current;
        changes.sections.add("agenda");
        changes.notes.push(t("agenda_moved", { title: event.data.item.title }));
        break;
      }
      case "moderation": {
        const { action, user } = event.data;
        if (event.data.queue !== undefined) this.setQueue(state, event.data.queue, changes);
        if (event.data.previous) {
          state.speaker = null;
          this.speaking = false;
          changes.sections.add("speaking");
        }
        if ((action === "mute" || action === "unmute") && user.id !== undefined) {
          for (const present of state.presence.people ?? []) {
            if (present.person.id === user.id) present.muted = action === "mute";
          }
          changes.sections.add("presence");
        }
        break;
      }
      default:
        break;
    }
  }

  setUpvoted(questionId: number, up: boolean): void {
    if (this.held === null) return;
    const upvoted = this.held.you.upvoted.filter((id) => id !== questionId);
    if (up) upvoted.push(questionId);
    this.held.you.upvoted = upvoted;
  }
}
