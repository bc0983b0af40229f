// Chat messages on their way. Each gets a fresh ``client_id``; until the server
// acknowledges it, the message shows as "sending…" and is sent again with the same id
// after every (re)join. The server stores a ``client_id`` once, so a retry never doubles it.

import type { Connection } from "./socket";
import { Changes, type Outgoing, type RoomStore } from "./state";

/** Codes after which the message is worth sending again; any other refusal is final. */
const RETRYABLE = new Set([
  "no_answer",
  "not_connected",
  "unauthorised",
  "not_joined",
  "server_error",
]);
const RETRY_DELAY_MS = 2_000;

export function newClientId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  constructor(
    private readonly store: RoomStore,
    private readonly connection: Connection,
    private readonly changed: (changes: Changes) => void,
    private readonly refused: (body: string, message: string) => void,
  ) {}

  send(body: string): void {
    const outgoing: Outgoing = {
      clientId: newClientId(),
      body,
      seq: null,
      attempt: 0,
      inFlight: false,
    };
    this.store.outgoing.set(outgoing.clientId, outgoing);
    const changes = new Changes();
    changes.sections.add("outbox");
    this.changed(changes);
    this.push(outgoing);
  }

  /** Send again everything not yet acknowledged: called after every successful join. */
  flush(): void {
    for (const outgoing of this.store.outgoing.values()) {
      outgoing.inFlight = false;
      this.push(outgoing);
    }
  }

  private push(outgoing: Outgoing): void {
    if (outgoing.inFlight || outgoing.seq !== null || !this.connection.live) return;
    outgoing.inFlight = true;
    outgoing.attempt += 1;
    const attempt = outgoing.attempt;
    void this.connection
      .request<{ seq: number; duplicate: boolean }>("say", {
        body: outgoing.body,
        client_id: outgoing.clientId,
      })
      .then((ack) => {
        if (outgoing.attempt !== attempt || !this.store.outgoing.has(outgoing.clientId)) return;
        outgoing.inFlight = false;
        const changes = new Changes();
        if (ack.ok) {
          this.store.acknowledge(outgoing.clientId, ack.seq, changes);
        } else if (RETRYABLE.has(ack.error.code)) {
          window.setTimeout(() => this.push(outgoing), RETRY_DELAY_MS);
          return;
        } else {
          this.store.outgoing.delete(outgoing.clientId);
          changes.sections.add("outbox");
          this.refused(outgoing.body, ack.error.message);
        }
        this.changed(changes);
      });
  }
}
