// The connection to the room: socket.io-client reconnects by itself after a network
// failure, and every (re)connect joins the room again with ``since`` = the last event
// applied, so the server replays exactly what was missed. After a server-side disconnect
// (removed, session ended) the page stays disconnected.

import { io, type Socket } from "socket.io-client";
import { t } from "./i18n";
import type {
  ClientEvent,
  ClientToServerEvents,
  ConnectErrorData,
  ErrorBody,
  EventsPage,
  JoinAck,
  Payload,
  PresenceChange,
  PresenceCounts,
  Refusal,
  Reply,
  RoomData,
  RoomEvent,
  RoomState,
  ServerToClientEvents,
} from "./protocol";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline" | "ended";

export interface ConnectionHandlers {
  state(state: ConnectionState, detail: string | null): void;
  joined(ack: JoinAck): void;
  event(event: RoomEvent): void;
  presence(change: PresenceChange | PresenceCounts): void;
  roomState(state: RoomState): void;
}

const ACK_TIMEOUT_MS = 10_000;
const RETRY_DELAY_MS = 3_000;
/** Join failures that a new attempt may cure; anything else keeps the person out. */
const TRANSIENT = new Set(["server_error", "conflict", "rate_limited"]);
/** The server no longer knows this connection: connect and join again. */
const STALE = new Set(["unauthorised", "not_joined"]);
const MAX_RESTARTS = 3;

/** An event the server never answered, or that was not sent: no connection. */
export interface Unanswered {
  ok: false;
  error: { code: "no_answer" | "not_connected"; message: string };
}

/** What a client event comes back with. */
export type Answer<E extends ClientEvent> = Reply<E> | Unanswered;

function unanswered(code: Unanswered["error"]["code"], message: string): Unanswered {
  return { ok: false, error: { code, message } };
}

/** The room's id, then what the event carries: one client event's payload. */
function withRoom<E extends ClientEvent>(
  room: number,
  payload: Payload<E>,
): Parameters<ClientToServerEvents[E]>[0] {
  return { room, ...payload } as Parameters<ClientToServerEvents[E]>[0];
}

export class Connection {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private joined = false;
  private ended = false;
  private restarts = 0;
  private current: ConnectionState = "connecting";

  constructor(
    private readonly data: RoomData,
    private readonly since: () => number,
    private readonly on: ConnectionHandlers,
  ) {
    this.socket = io(data.namespace, {
      autoConnect: false,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 5_000,
    });
    this.socket.on("connect", () => this.join());
    this.socket.on("disconnect", (reason) => this.lost(reason));
    this.socket.on("connect_error", (error) => this.refused(error));
    this.socket.on("event", (event: RoomEvent) => {
      if (event.room === this.data.room) this.on.event(event);
    });
    this.socket.on("presence", (presence) => {
      if (presence.room === this.data.room) this.on.presence(presence);
    });
    this.socket.on("state", (state: RoomState) => {
      if (state.room.id === this.data.room) this.on.roomState(state);
    });
    this.socket.on("notice", (notice) => {
      if (notice.room === null || notice.room === this.data.room) this.end(notice.message);
    });
  }

  /** Joined and connected: events sent now reach the room. */
  get live(): boolean {
    return this.joined && this.socket.connected && !this.ended;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  start(): void {
    window.addEventListener("offline", () => {
      if (!this.ended) this.setState("offline");
    });
    window.addEventListener("online", () => {
      if (!this.ended && !this.live) this.setState("reconnecting");
    });
    this.setState(navigator.onLine ? "connecting" : "offline");
    this.socket.connect();
  }

  /** Send one client event with the room's id and wait for its acknowledgement. */
  async request<E extends ClientEvent>(name: E, payload: Payload<E>): Promise<Answer<E>> {
    if (!this.live) return unanswered("not_connected", t("not_connected"));
    let reply: Reply<E>;
    try {
      reply = await this.emitWithAck(name, withRoom(this.data.room, payload));
    } catch {
      return unanswered("no_answer", t("no_answer"));
    }
    if (!reply.ok && STALE.has(reply.error.code)) this.restart();
    return reply;
  }

  /** ``emitWithAck`` with a time limit, for any one client event. */
  private emitWithAck<E extends ClientEvent>(
    name: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Reply<E>> {
    // socket.io-client's types follow one event name at a time, not a generic one.
    const socket = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
      emitWithAck(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<Reply<E>>;
    };
    return socket.emitWithAck(name, payload);
  }

  /** Read the room's log after ``after`` over HTTP (what a join could not replay). */
  async events(after: number): Promise<EventsPage> {
    const url = new URL(this.data.events_url, window.location.href);
    url.searchParams.set("after", String(after));
    url.searchParams.set("limit", "500");
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
    return (await response.json()) as EventsPage;
  }

  /** Join again on a fresh connection (the room's log restarted, or ours went stale). */
  restart(): void {
    if (this.ended) return;
    this.restarts += 1;
    if (this.restarts > MAX_RESTARTS) {
      this.end(null);
      return;
    }
    this.joined = false;
    this.setState("reconnecting");
    this.socket.disconnect();
    this.socket.connect();
  }

  private join(): void {
    this.socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(
        "join",
        { room: this.data.room, since: this.since() },
        (error: Error | null, ack: JoinAck | Refusal) => {
          if (this.ended) return;
          if (error !== null) {
            if (this.socket.connected) this.restart();
            return;
          }
          if (!ack.ok) {
            this.joinRefused(ack.error);
            return;
          }
          this.joined = true;
          this.restarts = 0;
          this.setState("live");
          this.on.joined(ack);
        },
      );
  }

  private joinRefused(error: ErrorBody): void {
    if (STALE.has(error.code)) {
      this.restart();
    } else if (TRANSIENT.has(error.code)) {
      this.setState("reconnecting");
      window.setTimeout(() => {
        if (this.socket.connected && !this.ended) this.join();
      }, RETRY_DELAY_MS);
    } else {
      this.end(error.message);
    }
  }

  private lost(reason: Socket.DisconnectReason): void {
    this.joined = false;
    if (this.ended || reason === "io client disconnect") return;
    if (reason === "io server disconnect") {
      this.end(null);
      return;
    }
    this.setState(navigator.onLine ? "reconnecting" : "offline");
  }

  private refused(error: Error): void {
    if (this.ended) return;
    if (this.socket.active) {
      // A network failure: the manager tries again by itself.
      if (!navigator.onLine) this.setState("offline");
      else if (this.current !== "connecting") this.setState("reconnecting");
      return;
    }
    const code = (error as Error & { data?: Partial<ConnectErrorData> }).data?.code;
    if (code === "unauthorised" || code === "forbidden_origin") {
      this.end(error.message);
      return;
    }
    this.setState("reconnecting");
    window.setTimeout(() => {
      if (!this.ended) this.socket.connect();
    }, RETRY_DELAY_MS);
  }

  private end(detail: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.joined = false;
    this.socket.disconnect();
    this.setState("ended", detail);
  }

  private setState(state: ConnectionState, detail: string | null = null): void {
    this.current = state;
    this.on.state(state, detail);
  }
}
