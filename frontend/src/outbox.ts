// Chat messages on their way. Each gets a fresh ``client_id``; until the server
// acknowledges it, the message shows as "sending…" and is sent again with the same id
// after every (re)join. The server stores a ``client_id`` once, so a retry never doubles it.

import type { Connection } from "./socket";
import { Changes, type RoomStore } from "./state";

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
    const clientId = newClientId();
    const changes = new Changes();
    this.store.compose(clientId, body, changes);
    this.changed(changes);
    this.push(clientId);
  }

  /** Send again everything not yet acknowledged: called after every successful join. */
  flush(): void {
    for (const clientId of this.store.resend()) this.push(clientId);
  }

  private push(clientId: string): void {
    const body = this.store.outgoing.get(clientId)?.body;
    if (body === undefined || !this.connection.live) return;
    const attempt = this.store.startSending(clientId);
    if (attempt === null) return;
    void this.connection.request("say", { body, client_id: clientId }).then((ack) => {
      if (!this.store.isCurrentAttempt(clientId, attempt)) return;
      const changes = new Changes();
      if (ack.ok) {
        this.store.acknowledge(clientId, ack.seq, changes);
      } else if (RETRYABLE.has(ack.error.code)) {
        this.store.sendFailed(clientId);
        window.setTimeout(() => this.push(clientId), RETRY_DELAY_MS);
        return;
      } else {
        this.store.drop(clientId, changes);
        this.refused(body, ack.error.message);
      }
      this.changed(changes);
    });
  }
}
