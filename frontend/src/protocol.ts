// The shapes of the /live Socket.IO protocol. They are generated from their Python
// description (diaspora_hub/live/protocol, documented there) into ./generated/protocol;
// this module adds what only the browser knows.

import type { ClientToServerEvents, RoomMode } from "./generated/protocol";

export * from "./generated/protocol";

/** A client event's name. */
export type ClientEvent = keyof ClientToServerEvents;

/** Whether ``value`` is one of ``allowed`` (text from the page, checked before sending). */
export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
): value is T {
  return (allowed as readonly (string | undefined)[]).includes(value);
}

/** What a client event carries besides its room (the connection adds that). */
export type Payload<E extends ClientEvent> = Omit<Parameters<ClientToServerEvents[E]>[0], "room">;

/** The acknowledgement of a client event: its own shape, or a refusal. */
export type Reply<E extends ClientEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/** What the page tells the script (``#room-data``). */
export interface RoomData {
  room: number;
  namespace: string;
  user: { id: number; role: "facilitator" | "participant" };
  mode: RoomMode;
  last_seq: number;
  can_join: boolean;
  events_url: string;
  locale: string;
  time_zone: string;
}
