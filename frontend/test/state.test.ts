// The room store: what the browser holds of a room as joins, events, states and
// presence changes arrive in any order. The payloads are typed by the generated protocol,
// so they are the shapes the server sends.

import { beforeEach, describe, expect, it } from "vitest";
import { configure } from "../src/format";
import type {
  BlocCounts,
  JoinAck,
  NamedPerson,
  Person,
  PresentPerson,
  QueueEntry,
  RoomEvent,
  RoomState,
} from "../src/protocol";
import { Changes, RoomStore } from "../src/state";

const ME = 7;
const AT = "2026-12-04T10:00:00+00:00";

function named(id: number, name: string, bloc: NamedPerson["bloc"] = "diaspora"): NamedPerson {
  return { id, name, organisation: null, bloc };
}

const me = named(ME, "Amina Diallo");
const bruno = named(8, "Bruno Gomes", "government");
const chen = named(9, "Chen Wei", "io");

function counts(values: Partial<BlocCounts> = {}): BlocCounts {
  return { diaspora: 0, government: 0, io: 0, other: 0, ...values };
}

function present(person: Person, muted = false): PresentPerson {
  return { person, facilitator: false, muted };
}

function state(overrides: Partial<RoomState> = {}): RoomState {
  return {
    room: {
      id: 1,
      title: "Remittance costs",
      mode: "open",
      video_url: null,
      locked: false,
      queue_mode: "order",
      registration_required: false,
      space: { slug: "remittances", title: "Remittances" },
    },
    last_seq: 1,
    agenda: { items: [{ title: "Welcome", minutes: null }], current: null },
    presence: { room: 1, people: [present(me)], counts: counts({ diaspora: 1 }), total: 1 },
    queue: [],
    speaker: null,
    polls: [],
    questions: [],
    questions_total: 0,
    reactions: { clap: 0, thumbs_up: 0, heart: 0, thinking: 0, surprised: 0, thanks: 0 },
    you: { person: me, muted: false, hand: null, votes: {}, upvoted: [], facilitator: false },
    ...overrides,
  };
}

/** Event 1 of every room, which a first join replays. */
const opened: RoomEvent = {
  room: 1,
  seq: 1,
  type: "room.opened",
  at: AT,
  actor: null,
  data: { title: "Remittance costs", mode: "open", agenda: [], video_url: null, locked: false },
};

function joinAck(held: RoomState, events: RoomEvent[] = []): JoinAck {
  return { ok: true, room: 1, state: held, events: [opened, ...events], complete: true };
}

function message(seq: number, body: string, actor: Person | null = bruno): RoomEvent {
  return {
    room: 1,
    seq,
    type: "message",
    at: AT,
    actor,
    data: { body, client_id: `c-${seq}`, hidden: false },
  };
}

function hand(seq: number, actor: Person, queue: QueueEntry[], ticket: string | null): RoomEvent {
  return { room: 1, seq, type: "hand", at: AT, actor, data: { up: true, ticket, queue } };
}

function entry(ticket: string, person: Person | null): QueueEntry {
  return { ticket, person, raised_at: AT, first_time: true };
}

function deliver(store: RoomStore, ...events: RoomEvent[]): Changes {
  const changes = new Changes();
  for (const event of events) store.receive(event);
  store.drain(changes);
  return changes;
}

function bodies(store: RoomStore): (string | null)[] {
  return [...store.messages.values()].map((m) => m.body);
}

let store: RoomStore;

beforeEach(() => {
  configure("en", "UTC", ME);
  store = new RoomStore();
});

describe("the event log", () => {
  it("applies events in seq order and waits out a gap", () => {
    store.join(joinAck(state()), new Changes());
    deliver(store, message(3, "third"));
    expect(store.hasGap).toBe(true);
    expect(bodies(store)).toEqual([]);

    const changes = deliver(store, message(2, "second"));
    expect(store.hasGap).toBe(false);
    expect(store.lastSeq).toBe(3);
    expect(bodies(store)).toEqual(["second", "third"]);
    expect(changes.added.map((m) => m.seq)).toEqual([2, 3]);
  });

  it("ignores an event it has already applied", () => {
    store.join(joinAck(state(), [message(2, "once")]), new Changes());
    const changes = deliver(store, message(2, "once"), message(1, "older"));
    expect(bodies(store)).toEqual(["once"]);
    expect(changes.added).toEqual([]);
    expect(store.hasGap).toBe(false);
  });

  it("drops everything when the room's log was rewound behind what it holds", () => {
    store.join(joinAck(state()), new Changes());
    deliver(store, message(2, "before"), message(3, "the reset"));

    const changes = new Changes();
    expect(store.join(joinAck(state({ last_seq: 1 })), changes)).toBe(false);
    expect(store.lastSeq).toBe(0);
    expect(store.stateSeq).toBe(0);
    expect(bodies(store)).toEqual([]);

    expect(store.join(joinAck(state({ last_seq: 1 }), [message(2, "after")]), new Changes())).toBe(
      true,
    );
    expect(bodies(store)).toEqual(["after"]);
  });

  it("replays events the state already reflects into the log only", () => {
    const queue = [entry("t-bruno", bruno)];
    const replayed = [message(2, "said"), hand(3, bruno, [], null)];
    store.join(joinAck(state({ last_seq: 3, queue }), replayed), new Changes());
    expect(bodies(store)).toEqual(["said"]);
    expect(store.state?.queue).toEqual(queue);

    deliver(store, hand(4, me, [...queue, entry("t-me", me)], "t-me"));
    expect(store.state?.queue.map((e) => e.ticket)).toEqual(["t-bruno", "t-me"]);
    expect(store.state?.you.hand).toBe("t-me");
  });

  it("keeps a newer state when an older one arrives, but takes the person's standing", () => {
    store.join(joinAck(state({ last_seq: 5 })), new Changes());
    const older = state({ last_seq: 4 });
    older.you.muted = true;
    store.replaceState(older, new Changes());
    expect(store.stateSeq).toBe(5);
    expect(store.muted).toBe(true);
  });

  it("marks a message sent here as its own, whichever comes first", () => {
    store.join(joinAck(state()), new Changes());
    const changes = new Changes();
    store.compose("mine-1", "Hello", changes);
    expect(store.outgoing.size).toBe(1);
    expect(store.startSending("mine-1")).toBe(1);
    expect(store.startSending("mine-1")).toBeNull();
    store.acknowledge("mine-1", 2, new Changes());
    deliver(store, message(2, "Hello", { bloc: "diaspora" }));
    expect(store.outgoing.size).toBe(0);
    expect(store.messages.get(2)?.mine).toBe(true);
  });
});

describe("presence", () => {
  it("replaces people who changed, drops those who left and keeps the server's order", () => {
    store.join(
      joinAck(
        state({
          presence: {
            room: 1,
            people: [present(me), present(bruno)],
            counts: counts({ diaspora: 1, government: 1 }),
            total: 2,
          },
        }),
      ),
      new Changes(),
    );
    const changes = new Changes();
    store.applyPresence(
      {
        room: 1,
        people: [present(chen), present(me, true)],
        left: [bruno.id],
        counts: counts({ diaspora: 1, io: 1 }),
        total: 2,
      },
      changes,
    );
    const people = store.state?.presence.people ?? [];
    expect(people.map((p) => [p.person.name, p.muted])).toEqual([
      ["Amina Diallo", true],
      ["Chen Wei", false],
    ]);
    expect(store.state?.presence.total).toBe(2);
    expect(changes.sections.has("presence")).toBe(true);
  });

  it("asks for the list again when a change comes with counts only", () => {
    store.join(joinAck(state()), new Changes());
    store.applyPresence({ room: 1, counts: counts({ diaspora: 2 }), total: 2 }, new Changes());
    expect(store.state?.presence.people).toBeUndefined();
    expect(store.state?.presence.counts.diaspora).toBe(2);
    expect(store.wantsPeople).toBe(true);
    expect(store.missingPeople).toBe(true);

    const people = [present(me), present(named(10, "Camila Rojas"))];
    const listed = { room: 1, people, counts: counts({ diaspora: 2 }), total: 2 };
    store.setPresence(listed, new Changes());
    expect(store.missingPeople).toBe(false);
    expect(store.state?.presence.people?.length).toBe(2);
  });
});

describe("Chatham House rooms", () => {
  const bloc = (b: Person["bloc"]): Person => ({ bloc: b });

  function chatham(overrides: Partial<RoomState> = {}): RoomState {
    const held = state({
      presence: { room: 1, counts: counts({ diaspora: 1, io: 1 }), total: 2 },
      ...overrides,
    });
    held.room.mode = "chatham_house";
    held.you.person = bloc("diaspora");
    return held;
  }

  it("never lists people for participants, nor asks for them", () => {
    store.join(joinAck(chatham()), new Changes());
    const change = { room: 1, counts: counts({ diaspora: 2, io: 1 }), total: 3 };
    store.applyPresence(change, new Changes());
    expect(store.mayListPeople).toBe(false);
    expect(store.missingPeople).toBe(false);
    expect(store.state?.presence.total).toBe(3);
  });

  it("hides a hidden message's body from participants", () => {
    store.join(joinAck(chatham(), [message(2, "Fees eat a tenth", bloc("io"))]), new Changes());
    deliver(store, {
      room: 1,
      seq: 3,
      type: "hidden",
      at: AT,
      actor: bloc("other"),
      data: { target: 2, kind: "message" },
    });
    expect(store.messages.get(2)).toMatchObject({ hidden: true, body: null });
  });

  it("knows the floor is ours by the ticket of our raised hand, with no names", () => {
    store.join(joinAck(chatham({ last_seq: 1 })), new Changes());
    deliver(store, hand(2, bloc("diaspora"), [entry("t-me", null), entry("t-io", null)], "t-me"));
    // The event names nobody, so the hand is ours by the acknowledgement of raising it.
    store.setHand("t-me", new Changes());

    const changes = deliver(store, {
      room: 1,
      seq: 3,
      type: "floor",
      at: AT,
      actor: bloc("other"),
      data: {
        speaker: { person: bloc("diaspora"), since: AT },
        previous: null,
        queue: [entry("t-io", null)],
      },
    });
    expect(store.youSpeak).toBe(true);
    expect(store.state?.you.hand).toBeNull();
    expect(changes.notes).toEqual(["you_speak"]);
  });
});
