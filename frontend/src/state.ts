// What the browser holds of a room: the last state snapshot, kept current by the events
// that follow it, and the chat log built from the event log.
//
// Two cursors: ``lastSeq`` is the last event applied to the log (events are applied in
// seq order, each once), ``stateSeq`` the last event the state reflects. An event at or
// below ``stateSeq`` is already in the snapshot, so it only feeds the log.

import { isMe, personName } from "./format";
import { t } from "./i18n";
import type {
  Bloc,
  JoinAck,
  Person,
  Poll,
  Presence,
  PresenceChange,
  PresentPerson,
  QueueEntry,
  Question,
  RoomEvent,
  RoomState,
  ScreenItem,
} from "./protocol";

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
  readonly added: ChatMessage[] = [];
  readonly updated: ChatMessage[] = [];
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
  state: RoomState | null = null;
  stateSeq = 0;
  lastSeq = 0;
  /** Whether the person holding this page has the floor (see ``floor``). */
  youSpeak = false;
  /** Seconds each bloc spoke in finished turns (facilitators; the current turn runs on). */
  closedSpeaking: Record<Bloc, number> | null = null;
  readonly messages = new Map<number, ChatMessage>();
  readonly outgoing = new Map<string, Outgoing>();
  /** People removed from the room, as seen in the log, so facilitators can readmit them. */
  readonly removed = new Map<number, Person>();
  private readonly pending = new Map<number, RoomEvent>();
  private readonly mine = new Set<number>();

  /** What the facilitators put on screen, from the latest ``screen.*`` event in the log. */
  screen: ScreenItem | null = null;

  /** The person asked for the list of who is here (large rooms send counts only). */
  wantsPeople = false;

  get facilitator(): boolean {
    return this.state?.you.facilitator ?? false;
  }

  /** Whether this person may see who is here by name (not so in Chatham House rooms). */
  get mayListPeople(): boolean {
    return this.facilitator || this.state?.room.mode !== "chatham_house";
  }

  /** Whether the held presence lacks the list this person asked for and may have. */
  get missingPeople(): boolean {
    return this.wantsPeople && this.mayListPeople && this.state?.presence.people === undefined;
  }

  get muted(): boolean {
    return this.state?.you.muted ?? false;
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
    if (ack.state.last_seq < this.lastSeq) {
      this.messages.clear();
      this.pending.clear();
      this.mine.clear();
      this.removed.clear();
      this.lastSeq = 0;
      this.stateSeq = 0;
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
    if (this.state !== null && state.last_seq < this.stateSeq) {
      this.state.you = state.you;
      changes.sections.add("you");
      return;
    }
    this.adopt(state, changes);
  }

  private adopt(state: RoomState, changes: Changes): void {
    this.state = state;
    this.stateSeq = state.last_seq;
    this.youSpeak = isMe(state.speaker?.person);
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
  setPresence(presence: Presence, changes: Changes): void {
    if (this.state === null) return;
    this.wantsPeople = true;
    this.state.presence = presence;
    changes.sections.add("presence");
  }

  /** Apply a presence change to the list held since the last join or state. */
  applyPresence(change: PresenceChange, changes: Changes): void {
    if (this.state === null) return;
    const held = this.state.presence;
    let people = held.people;
    if (people !== undefined && change.people === undefined && this.mayListPeople) {
      // Counts only: the server does not keep this list current; ask for it again.
      people = undefined;
      this.wantsPeople = true;
    }
    if (people !== undefined && change.people !== undefined) {
      const gone = new Set<number | undefined>(change.left ?? []);
      for (const present of change.people) gone.add(present.person.id);
      people = [...people.filter((present) => !gone.has(present.person.id)), ...change.people];
      people.sort(byBlocThenName);
    }
    const counted = { room: held.room, counts: change.counts, total: change.total };
    this.state.presence = people === undefined ? counted : { ...counted, people };
    changes.sections.add("presence");
  }

  /** Hold an event until every earlier one is applied; ignore ones applied already. */
  receive(event: RoomEvent): void {
    if (event.seq > this.lastSeq) this.pending.set(event.seq, event);
  }

  /** Apply held events in seq order, as far as there is no gap. */
  drain(changes: Changes): void {
    for (;;) {
      const next = this.pending.get(this.lastSeq + 1);
      if (next === undefined) break;
      this.pending.delete(next.seq);
      this.lastSeq = next.seq;
      const toState = next.seq > this.stateSeq;
      this.apply(next, toState, changes);
      if (toState) this.stateSeq = next.seq;
    }
    for (const seq of this.pending.keys()) {
      if (seq <= this.lastSeq) this.pending.delete(seq);
    }
  }

  /** Our ``say`` was stored as ``seq``. */
  acknowledge(clientId: string, seq: number, changes: Changes): void {
    this.mine.add(seq);
    const stored = this.messages.get(seq);
    const outgoing = this.outgoing.get(clientId);
    if (stored !== undefined) {
      stored.mine = true;
      changes.updated.push(stored);
      this.outgoing.delete(clientId);
    } else if (outgoing !== undefined) {
      outgoing.seq = seq;
      outgoing.inFlight = false;
    }
    changes.sections.add("outbox");
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
        this.screen = event.data.item;
        changes.sections.add("screen");
        if (!changes.catchingUp) changes.notes.push(t("screen_shown", { title: event.data.item.title }));
        return;
      case "screen.updated":
        this.screen = event.data.item;
        changes.sections.add("screen");
        return;
      case "screen.cleared":
        this.screen = null;
        changes.sections.add("screen");
        return;
      default:
        break;
    }
    if (toState && this.state !== null) this.applyToState(this.state, event, changes);
  }

  private addMessage(event: Extract<RoomEvent, { type: "message" }>, changes: Changes): void {
    let mine = isMe(event.actor) || this.mine.has(event.seq);
    for (const outgoing of this.outgoing.values()) {
      const sameId =
        event.data.client_id !== undefined && outgoing.clientId === event.data.client_id;
      if (sameId || outgoing.seq === event.seq) {
        this.outgoing.delete(outgoing.clientId);
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
    this.messages.set(event.seq, message);
    changes.added.push(message);
  }

  private hide(target: number, kind: string, toState: boolean, changes: Changes): void {
    if (kind === "message") {
      const message = this.messages.get(target);
      if (message === undefined) return;
      message.hidden = true;
      if (!this.facilitator) message.body = null;
      changes.updated.push(message);
      return;
    }
    if (!toState || this.state === null) return;
    const questions = this.state.questions;
    const index = questions.findIndex((q) => q.seq === target);
    const question = questions[index];
    if (question === undefined) return;
    if (this.facilitator) question.hidden = true;
    else questions.splice(index, 1);
    changes.sections.add("questions");
  }

  private noteModeration(action: string, user: Person, changes: Changes): void {
    if (user.id === undefined) return;
    if (action === "remove") this.removed.set(user.id, user);
    else if (action === "readmit") this.removed.delete(user.id);
    else return;
    changes.sections.add("removed");
  }

  private setQueue(state: RoomState, queue: QueueEntry[], changes: Changes): void {
    state.queue = queue;
    if (state.you.hand !== null && !queue.some((entry) => entry.ticket === state.you.hand)) {
      state.you.hand = null;
      changes.sections.add("you");
    }
    changes.sections.add("speaking");
  }

  /** Speaking time as of ``reference`` (ms), minus the current turn, which runs on. */
  private setSpeakingTime(reference: number): void {
    const time = this.state?.speaking_time;
    if (time === undefined) {
      this.closedSpeaking = null;
      return;
    }
    const closed = { ...time.by_bloc };
    const speaker = this.state?.speaker;
    if (speaker?.person) {
      const running = Math.max(0, (reference - Date.parse(speaker.since)) / 1000);
      closed[speaker.person.bloc] = Math.max(0, closed[speaker.person.bloc] - running);
    }
    this.closedSpeaking = closed;
  }

  /** Seconds per bloc up to now, the current turn included. */
  speakingNow(now: number = Date.now()): Record<Bloc, number> | null {
    if (this.closedSpeaking === null) return null;
    const totals = { ...this.closedSpeaking };
    const speaker = this.state?.speaker;
    if (speaker?.person) {
      totals[speaker.person.bloc] += Math.max(0, (now - Date.parse(speaker.since)) / 1000);
    }
    return totals;
  }

  private findPoll(state: RoomState, id: number): Poll | undefined {
    return state.polls.find((poll) => poll.id === id);
  }

  private replacePoll(state: RoomState, poll: Poll): void {
    const index = state.polls.findIndex((p) => p.id === poll.id);
    if (index === -1) state.polls.push(poll);
    else state.polls[index] = poll;
  }

  private applyToState(state: RoomState, event: RoomEvent, changes: Changes): void {
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
        this.youSpeak =
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
          this.youSpeak = false;
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
    if (this.state === null) return;
    const upvoted = this.state.you.upvoted.filter((id) => id !== questionId);
    if (up) upvoted.push(questionId);
    this.state.you.upvoted = upvoted;
  }
}
