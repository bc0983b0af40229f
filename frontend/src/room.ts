// The live consultation room page: wires the connection, the store and the view, and
// turns the page's buttons and forms into Socket.IO events.

import { Announcer } from "./announce";
import { byId } from "./dom";
import { configure } from "./format";
import { loadLabels, t } from "./i18n";
import { Outbox } from "./outbox";
import {
  type ClientEvent,
  EMOJIS,
  type FieldMessages,
  MODERATION_ACTIONS,
  oneOf,
  type Payload,
  RESULTS_VISIBILITIES,
  type Reply,
  type RoomData,
} from "./protocol";
import { RoomView } from "./render";
import { type Answer, Connection } from "./socket";
import { Changes, RoomStore, type Section } from "./state";
import { RoomTabs } from "./tabs";

const GAP_WAIT_MS = 1_000;
const TICK_MS = 1_000;

/** Every message under a field, at any depth (lists have one per item). */
function messages(value: FieldMessages): string[] {
  return Array.isArray(value) ? value : Object.values(value).flatMap(messages);
}

function errorText(error: Exclude<Answer<ClientEvent>, { ok: true }>["error"]): string {
  const details = "fields" in error ? Object.values(error.fields ?? {}).flatMap(messages) : [];
  return [error.message, ...details].join(" ");
}

function start(root: HTMLElement, data: RoomData): void {
  configure(data.locale, data.time_zone, data.user.id);
  const store = new RoomStore();
  const view = new RoomView(root, store);
  const announcerRegion = byId("room-announcer");
  const announcer = announcerRegion === null ? null : new Announcer(announcerRegion);
  /** Messages up to here were there when the page opened: history, not news. */
  let historyUpTo: number | null = null;
  let catchingUp = false;
  let gapTimer: number | null = null;

  function show(changes: Changes): void {
    view.apply(changes);
    if (announcer === null) return;
    for (const note of changes.notes) announcer.note(note);
    const fresh = changes.added.filter((m) => historyUpTo !== null && m.seq > historyUpTo);
    if (changes.catchingUp) announcer.missed(fresh.filter((m) => !m.mine).length);
    else announcer.messages(fresh);
  }

  function watchForGap(): void {
    if (gapTimer !== null || !store.hasGap) return;
    gapTimer = window.setTimeout(() => {
      gapTimer = null;
      if (store.hasGap) void catchUp();
    }, GAP_WAIT_MS);
  }

  /** Read what a join could not replay (or what a gap lost) from the REST log. */
  async function catchUp(): Promise<void> {
    if (catchingUp) return;
    catchingUp = true;
    try {
      for (;;) {
        const page = await connection.events(store.lastSeq);
        const changes = new Changes(true);
        for (const event of page.items) store.receive(event);
        store.drain(changes);
        show(changes);
        if (!page.has_more || page.items.length === 0) break;
      }
    } catch {
      // Offline or refused: the next join replays from the same point.
    } finally {
      catchingUp = false;
    }
    watchForGap();
  }

  const connection = new Connection(data, () => store.lastSeq, {
    state: (state, detail) => view.setConnection(state, detail),
    joined: (ack) => {
      const changes = new Changes(true);
      if (!store.join(ack, changes)) {
        view.resetChat();
        view.apply(changes);
        connection.restart();
        return;
      }
      if (historyUpTo === null) historyUpTo = ack.state.last_seq;
      show(changes);
      if (!ack.complete || store.hasGap) void catchUp();
      if (store.missingPeople) listPeople();
      outbox.flush();
    },
    event: (event) => {
      store.receive(event);
      const changes = new Changes();
      store.drain(changes);
      show(changes);
      watchForGap();
    },
    presence: (presence) => {
      const changes = new Changes();
      store.applyPresence(presence, changes);
      show(changes);
      if (store.missingPeople) listPeople();
    },
    roomState: (state) => {
      const changes = new Changes();
      store.replaceState(state, changes);
      show(changes);
      if (store.missingPeople) listPeople();
    },
  });

  const chatBody = byId<HTMLTextAreaElement>("chat-body");
  const outbox = new Outbox(store, connection, show, (body, message) => {
    if (chatBody !== null && chatBody.value.trim() === "") chatBody.value = body;
    view.alert(message);
  });

  /** Send one event; show its refusal, or run ``done`` with the acknowledgement. */
  async function run<E extends ClientEvent>(
    name: E,
    payload: Payload<E>,
    done?: (ack: Extract<Reply<E>, { ok: true }>) => void,
  ): Promise<boolean> {
    view.clearAlert();
    const ack = await connection.request(name, payload);
    if (!ack.ok) {
      view.alert(errorText(ack.error));
      return false;
    }
    done?.(ack as Extract<Reply<E>, { ok: true }>);
    return true;
  }

  /** Ask for the list of who is here (large rooms send counts with the join). */
  function listPeople(): void {
    void run("presence", {}, (ack) => {
      const changes = new Changes();
      store.setPresence(ack.presence, changes);
      show(changes);
    });
  }

  function refresh(...sections: Section[]): void {
    const changes = new Changes();
    for (const section of sections) changes.sections.add(section);
    view.apply(changes);
  }

  function act(button: HTMLButtonElement): void {
    const state = store.state;
    if (state === null) return;
    const data = button.dataset;
    const id = (key: string): number => Number(data[key]);
    switch (data.action) {
      case "hand":
        void run("hand", { up: state.you.hand === null }, (ack) => {
          const changes = new Changes();
          store.setHand(ack.ticket, changes);
          show(changes);
        });
        break;
      case "floor":
        void run("floor", { user: id("user") });
        break;
      case "end-turn":
        void run("floor", { user: null });
        break;
      case "queue-mode":
        void run("queue_mode", {
          mode: state.room.queue_mode === "order" ? "first_time_first" : "order",
        });
        break;
      case "agenda-next":
        void run("agenda", { item: state.agenda.current === null ? 0 : state.agenda.current + 1 });
        break;
      case "agenda-previous":
        if (state.agenda.current !== null) void run("agenda", { item: state.agenda.current - 1 });
        break;
      case "poll-close":
        void run("poll_close", { poll: id("poll") });
        break;
      case "hide":
        void run("hide", { seq: id("seq") });
        break;
      case "answer":
        void run("answer", { question: id("question") });
        break;
      case "upvote": {
        const question = id("question");
        const up = !state.you.upvoted.includes(question);
        void run("upvote", { question, up }, () => {
          store.setUpvoted(question, up);
          refresh("questions");
        });
        break;
      }
      case "react":
        if (oneOf(data.emoji, EMOJIS)) void run("react", { emoji: data.emoji });
        break;
      case "moderate": {
        const name = data.name ?? "";
        const action = data.act;
        if (!oneOf(action, MODERATION_ACTIONS)) break;
        if (action === "remove" && !window.confirm(t("confirm_remove", { name }))) break;
        void run("moderate", { action, user: id("user") });
        break;
      }
      case "lock":
        void run("lock", { locked: !state.room.locked });
        break;
      case "presence-list":
        listPeople();
        break;
      default:
        break;
    }
  }

  root.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const button = target.closest<HTMLButtonElement>("button[data-action]");
    if (button !== null && root.contains(button) && !button.disabled) act(button);
  });

  const chatForm = byId<HTMLFormElement>("chat-form");
  chatForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = chatBody?.value.trim() ?? "";
    if (chatBody === null || body === "") return;
    view.clearAlert();
    outbox.send(body);
    chatBody.value = "";
    chatBody.focus();
  });
  chatBody?.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      chatForm?.requestSubmit();
    }
  });

  const askForm = byId<HTMLFormElement>("ask-form");
  askForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    const field = byId<HTMLTextAreaElement>("ask-body");
    const body = field?.value.trim() ?? "";
    if (field === null || body === "") return;
    void run("ask", { body }, () => {
      field.value = "";
    });
  });

  const pollForm = byId<HTMLFormElement>("poll-form");
  pollForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(pollForm);
    const results = String(form.get("results") ?? "live");
    const choices = String(form.get("choices") ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    void run(
      "poll_open",
      {
        question: String(form.get("question") ?? "").trim(),
        choices,
        multiple: form.get("multiple") !== null,
        anonymous: form.get("anonymous") !== null,
        results: oneOf(results, RESULTS_VISIBILITIES) ? results : "live",
      },
      () => {
        pollForm.reset();
        byId("poll-question")?.focus();
      },
    );
  });

  byId("polls")?.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("poll-vote")) return;
    event.preventDefault();
    const poll = Number(form.dataset.poll);
    const choices = [...form.querySelectorAll<HTMLInputElement>("input:checked")].map((input) =>
      Number(input.value),
    );
    if (choices.length === 0) {
      const multiple = form.querySelector("input[type=checkbox]") !== null;
      view.alert(t(multiple ? "pick_any" : "pick_one"));
      return;
    }
    void run("poll_vote", { poll, choices }, (ack) => {
      const changes = new Changes();
      store.setVote(poll, ack.choices, changes);
      show(changes);
    });
  });

  window.setInterval(() => view.tick(), TICK_MS);
  connection.start();
}

function main(): void {
  const root = byId("room");
  const dataNode = byId("room-data");
  if (root === null || dataNode?.textContent == null) return;
  const data = JSON.parse(dataNode.textContent) as RoomData;
  if (!data.can_join) return;
  loadLabels(byId("room-labels"));
  const bar = byId("room-tabs");
  if (bar !== null) new RoomTabs(root, bar);
  start(root, data);
}

main();
