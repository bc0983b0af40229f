// The connection to the room: socket.io-client reconnects by itself after a network
// failure, and every (re)connect joins the room again with ``since`` = the last event
// applied, so the server replays exactly what was missed. After a server-side disconnect
// (removed, session ended) the page stays disconnected.

import { io, type Socket } from "socket.io-client";
import { t } from "./i18n";
import type {
  Ack,
  AckError,
  EventsPage,
  JoinAck,
  Notice,
  PresenceChange,
  RoomData,
  RoomEvent,
  RoomState,
} from "./protocol";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline" | "ended";

export interface ConnectionHandlers {
  state(state: ConnectionState, detail: string | null): void;
  joined(ack: JoinAck): void;
  event(event: RoomEvent): void;
  presence(change: PresenceChange): void;
  roomState(state: RoomState): void;
}

const ACK_TIMEOUT_MS = 10_000;
const RETRY_DELAY_MS = 3_000;
/** Join failures that a new attempt may cure; anything else keeps the person out. */
const TRANSIENT = new Set(["server_error", "conflict", "rate_limited"]);
/** The server no longer knows this connection: connect and join again. */
const STALE = new Set(["unauthorised", "not_joined"]);
const MAX_RESTARTS = 3;

function failure(code: string, message: string): { ok: false; error: AckError } {
  return { ok: false, error: { code, message } };
}

export class Connection {
  private readonly socket: Socket;
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
    this.socket.on("presence", (presence: PresenceChange) => {
      if (presence.room === this.data.room) this.on.presence(presence);
    });
    this.socket.on("state", (state: RoomState) => {
      if (state.room.id === this.data.room) this.on.roomState(state);
    });
    this.socket.on("notice", (notice: Notice) => {
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
  request<T>(name: string, payload: Record<string, unknown> = {}): Promise<Ack<T>> {
    if (!this.live) return Promise.resolve(failure("not_connected", t("not_connected")));
    return new Promise((resolve) => {
      this.socket
        .timeout(ACK_TIMEOUT_MS)
        .emit(name, { room: this.data.room, ...payload }, (error: Error | null, ack: Ack<T>) => {
          if (error !== null) {
            resolve(failure("no_answer", t("no_answer")));
            return;
          }
          if (!ack.ok && STALE.has(ack.error.code)) this.restart();
          resolve(ack);
        });
    });
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
        (error: Error | null, ack: Ack<JoinAck>) => {
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

  private joinRefused(error: AckError): void {
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
    const code = (error as Error & { data?: { code?: string } }).data?.code;
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
