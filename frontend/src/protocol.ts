// The shapes of the /live Socket.IO protocol (see diaspora_hub/live/events.py).

export type Bloc = "diaspora" | "government" | "io" | "other";
export const BLOCS: readonly Bloc[] = ["diaspora", "government", "io", "other"];

export interface Organisation {
  id: number;
  slug: string;
  name: string;
  acronym: string | null;
}

/** A person; participants of Chatham House rooms receive ``{bloc}`` only. */
export interface Person {
  id?: number;
  name?: string;
  organisation?: Organisation | null;
  bloc: Bloc;
}

export interface QueueEntry {
  ticket: string;
  person: Person | null;
  raised_at: string;
  first_time: boolean;
}

export interface Speaker {
  person: Person | null;
  since: string;
}

export interface BlocTally {
  voters: number;
  counts: number[];
}

export interface PollResults {
  voters: number;
  counts: number[];
  by_bloc: Record<Bloc, BlocTally>;
  votes?: { voter: Person | null; choices: number[] }[];
}

export interface Poll {
  id: number;
  question: string;
  choices: string[];
  multiple: boolean;
  anonymous: boolean;
  results_visibility: "live" | "on_close";
  state: "open" | "closed";
  opened_at: string;
  closed_at: string | null;
  results_hidden: boolean;
  results?: PollResults;
  /** Known from ``poll.voted`` even while the tally is hidden. */
  voters?: number;
}

export interface Question {
  id: number;
  seq: number;
  body: string | null;
  asker: Person | null;
  votes: number;
  state: "open" | "answered";
  asked_at: string;
  answered_at: string | null;
  hidden: boolean;
}

export interface SpeakingTime {
  by_bloc: Record<Bloc, number>;
  turns_by_bloc: Record<Bloc, number>;
  total: number;
}

export interface PresentPerson {
  person: Person;
  facilitator: boolean;
  muted: boolean;
}

/** Everyone in the room; without `people` for participants of Chatham House rooms. */
export interface Presence {
  room: number;
  people?: PresentPerson[];
  counts: Record<Bloc, number>;
  total: number;
}

/** Who arrived or changed (`people`) and who left (`left`, person ids), with new counts. */
export interface PresenceChange extends Presence {
  left?: number[];
}

export interface AgendaItem {
  title: string;
  minutes: number | null;
}

export type QueueMode = "order" | "first_time_first";

export interface RoomInfo {
  id: number;
  title: string;
  mode: "open" | "chatham_house";
  video_url: string | null;
  locked: boolean;
  queue_mode: QueueMode;
  registration_required: boolean;
  space: { slug: string; title: string };
}

export interface You {
  person: Person | null;
  muted: boolean;
  hand: string | null;
  votes: Record<string, number[]>;
  upvoted: number[];
  facilitator: boolean;
}

export interface RoomState {
  room: RoomInfo;
  last_seq: number;
  agenda: { items: AgendaItem[]; current: number | null };
  presence: Presence;
  queue: QueueEntry[];
  speaker: Speaker | null;
  polls: Poll[];
  questions: Question[];
  reactions: Record<string, number>;
  speaking_time?: SpeakingTime;
  you: You;
}

interface EventBase<T extends string, D> {
  room: number;
  seq: number;
  type: T;
  at: string;
  actor: Person | null;
  data: D;
}

/** A bloc's figures on the screen (``screen.*`` events). */
export interface ScreenBloc {
  bloc: Bloc;
  support: number;
  reservations: number;
  oppose: number;
  abstain: number;
  organisations: number;
  eligible: number;
  /** Whole percent of support among those supporting or opposing; null: nobody took a side. */
  share: number | null;
}

/** What the facilitators put on screen: a recommendation and its tally by bloc. */
export interface ScreenItem {
  kind: "recommendation";
  id: number;
  title: string;
  url: string;
  state: string;
  version: number;
  closes_at: string | null;
  /** Null while the space hides tallies until the consultation closes. */
  tally: {
    outcome: "supported" | "blocked" | "short" | "insufficient";
    frozen: boolean;
    min_support: number;
    blocs: ScreenBloc[];
    holding_back: { bloc: Bloc; reason: string }[];
  } | null;
}

export type RoomEvent =
  | EventBase<"room.opened", { title: string; mode: string; locked: boolean }>
  | EventBase<"room.mode", { mode: RoomInfo["mode"] }>
  | EventBase<"room.locked", { locked: boolean }>
  | EventBase<"message", { body: string | null; client_id?: string; hidden: boolean }>
  | EventBase<"hidden", { target: number; kind: "message" | "question" }>
  | EventBase<"hand", { up: boolean; ticket: string | null; queue: QueueEntry[] }>
  | EventBase<
      "floor",
      {
        speaker: Speaker | null;
        previous: { person: Person | null; seconds: number } | null;
        queue: QueueEntry[];
        speaking_time?: SpeakingTime;
      }
    >
  | EventBase<"queue.mode", { mode: QueueMode; queue: QueueEntry[] }>
  | EventBase<"poll.opened", { poll: Poll }>
  | EventBase<"poll.closed", { poll: Poll }>
  | EventBase<
      "poll.voted",
      {
        poll: number;
        voters: number;
        results_hidden: boolean;
        results?: PollResults;
        vote?: { voter: Person | null; choices: number[] };
      }
    >
  | EventBase<"question.asked", { question: Question }>
  | EventBase<"question.upvoted", { question: number; votes: number; up: boolean }>
  | EventBase<"question.answered", { question: number }>
  | EventBase<"reaction", { emoji: string; counts: Record<string, number> }>
  | EventBase<"agenda", { current: number; item: AgendaItem }>
  | EventBase<"screen.shown", { item: ScreenItem }>
  | EventBase<"screen.updated", { item: ScreenItem }>
  | EventBase<"screen.cleared", Record<string, never>>
  | EventBase<
      "moderation",
      {
        action: "mute" | "unmute" | "remove" | "readmit";
        user: Person;
        queue?: QueueEntry[];
        previous?: { person: Person | null; seconds: number } | null;
      }
    >;

export interface AckError {
  code: string;
  message: string;
  fields?: Record<string, string[]>;
}

export type Ack<T = Record<string, unknown>> = ({ ok: true } & T) | { ok: false; error: AckError };

export interface JoinAck {
  room: number;
  state: RoomState;
  events: RoomEvent[];
  complete: boolean;
}

export interface EventsPage {
  items: RoomEvent[];
  after: number;
  limit: number;
  last_seq: number;
  has_more: boolean;
}

export interface Notice {
  room: number | null;
  code: "removed" | "session_ended" | string;
  message: string;
}

/** What the page tells the script (``#room-data``). */
export interface RoomData {
  room: number;
  namespace: string;
  user: { id: number; role: "facilitator" | "participant" };
  mode: RoomInfo["mode"];
  last_seq: number;
  can_join: boolean;
  events_url: string;
  locale: string;
  time_zone: string;
}
