// Draws the room from the store. Lists are redrawn whole (keeping the keyboard focus);
// the chat log only grows, and poll forms are built once so a half-made choice survives
// other people's votes.

import { barChart, stackedChart } from "./charts";
import { actionButton, byId, el, replaceKeepingFocus } from "./dom";
import { renderScreen } from "./screen";
import {
  clockTime,
  duration,
  isMe,
  isoDuration,
  number,
  personDetails,
  percent,
  personName,
  secondsSince,
} from "./format";
import { blocLabel, type LabelKey, t } from "./i18n";
import type { Person, PollResults } from "./protocol";
import { BLOCS } from "./protocol";
import type { ConnectionState } from "./socket";
import type { Changes, ChatMessage, Frozen, HeldPoll, HeldState, RoomStore } from "./state";

type Poll = Frozen<HeldPoll>;

const STATE_LABELS: Record<ConnectionState, LabelKey> = {
  connecting: "state_connecting",
  live: "state_live",
  reconnecting: "state_reconnecting",
  offline: "state_offline",
  ended: "state_ended",
};

/** Within this many pixels of the bottom, the chat follows new messages. */
const STICKY_PX = 48;

function required<T extends HTMLElement>(id: string): T {
  const found = byId<T>(id);
  if (found === null) throw new Error(`#${id} is missing from the room page`);
  return found;
}

function personLine(person: Person | null | undefined): HTMLElement {
  const details = personDetails(person);
  return el(
    "span",
    { class: "person" },
    el("span", { class: `name bloc-${person?.bloc ?? "other"}`, text: personName(person) }),
    details ? el("span", { class: "meta", text: ` (${details})` }) : null,
  );
}

/** A word in a pill, after a space so that it reads apart from what precedes it. */
function badge(label: LabelKey, kind: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(" ", el("span", { class: `badge ${kind}`, text: t(label) }));
  return fragment;
}

/** Change a text only when it differs, so a live region is not read out again. */
function setText(node: HTMLElement | null, text: string): void {
  if (node !== null && node.textContent !== text) node.textContent = text;
}

function timeElement(iso: string): HTMLElement {
  return el("time", { attrs: { datetime: iso }, text: clockTime(iso) });
}

class PollView {
  readonly root: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly results: HTMLElement;
  private readonly actions: HTMLElement;
  private form: HTMLFormElement | null = null;
  private submit: HTMLButtonElement | null = null;
  private yourVote: HTMLElement | null = null;

  constructor(
    private readonly poll: Poll,
    chosen: readonly number[] | undefined,
  ) {
    const headingId = `poll-${poll.id}-question`;
    this.meta = el("p", { class: "meta" });
    this.results = el("div", { class: "poll-results" });
    this.actions = el("div", { class: "actions" });
    this.root = el(
      "article",
      { class: "poll", id: `poll-${poll.id}`, attrs: { "aria-labelledby": headingId } },
      el("h3", { id: headingId, text: poll.question, attrs: { tabindex: -1 } }),
      this.meta,
    );
    if (poll.state === "open") this.buildForm(chosen);
    this.root.append(this.results, this.actions);
  }

  private buildForm(chosen: readonly number[] | undefined): void {
    const poll = this.poll;
    const type = poll.multiple ? "checkbox" : "radio";
    const hintId = `poll-${poll.id}-hint`;
    const fieldset = el(
      "fieldset",
      { attrs: { "aria-describedby": hintId } },
      el("legend", { class: "visually-hidden", text: poll.question }),
      el("p", { class: "hint", id: hintId, text: t(poll.multiple ? "pick_any" : "pick_one") }),
    );
    poll.choices.forEach((choice, index) => {
      const id = `poll-${poll.id}-choice-${index}`;
      fieldset.append(
        el(
          "div",
          { class: "choice" },
          el("input", {
            id,
            attrs: {
              type,
              name: `poll-${poll.id}`,
              value: index,
              checked: chosen?.includes(index) ?? false,
            },
          }),
          el("label", { attrs: { for: id }, text: choice }),
        ),
      );
    });
    this.submit = el("button", { attrs: { type: "submit" }, data: { focus: `vote-${poll.id}` } });
    this.yourVote = el("p", { class: "your-vote", attrs: { role: "status" } });
    this.form = el(
      "form",
      { class: "poll-vote", data: { poll: poll.id } },
      fieldset,
      this.submit,
      this.yourVote,
    );
    this.root.append(this.form);
  }

  update(poll: Poll, chosen: readonly number[] | undefined, facilitator: boolean): void {
    const parts = [
      t(poll.state === "open" ? "poll_open" : "poll_closed"),
      t(poll.multiple ? "poll_multiple" : "poll_single"),
      t(poll.anonymous ? "poll_anonymous" : "poll_named"),
    ];
    this.meta.textContent = parts.join(" · ");
    this.root.classList.toggle("closed", poll.state === "closed");
    if (poll.state === "closed" && this.form !== null) {
      const hadFocus = this.form.contains(document.activeElement);
      this.form.remove();
      this.form = null;
      if (hadFocus) this.root.querySelector<HTMLElement>("h3")?.focus();
    }
    setText(this.submit, t(chosen ? "change_vote" : "vote"));
    setText(
      this.yourVote,
      chosen ? t("your_vote", { choices: chosen.map((i) => poll.choices[i] ?? "").join(", ") }) : "",
    );
    this.results.replaceChildren(...renderResults(poll));
    replaceKeepingFocus(
      this.actions,
      facilitator && poll.state === "open"
        ? actionButton(t("close_poll"), "poll-close", { poll: poll.id }, { hint: poll.question })
        : null,
    );
  }
}

function renderResults(poll: Poll): HTMLElement[] {
  const voters = poll.results?.voters ?? poll.voters ?? 0;
  const out: HTMLElement[] = [el("p", { class: "meta", text: t("voters", { n: number(voters) }) })];
  if (poll.results_hidden && poll.results === undefined) {
    out.push(el("p", { class: "hint", text: t("results_hidden") }));
    return out;
  }
  if (poll.results === undefined) return out;
  out.push(
    resultsTable(poll, poll.results),
    blocChart(poll, poll.results),
    el(
      "div",
      {
        class: "table-scroll",
        attrs: { role: "region", tabindex: 0, "aria-label": t("results_by_bloc") },
      },
      blocTable(poll, poll.results),
    ),
  );
  const named = (poll.results.votes ?? []).filter((vote) => vote.voter?.name !== undefined);
  if (!poll.anonymous && named.length > 0) {
    out.push(
      el(
        "ul",
        { class: "named-votes" },
        ...named.map((vote) =>
          el(
            "li",
            {},
            personLine(vote.voter),
            `: ${vote.choices.map((i) => poll.choices[i] ?? "").join(", ")}`,
          ),
        ),
      ),
    );
  }
  return out;
}

function resultsTable(poll: Poll, results: Frozen<PollResults>): HTMLElement {
  const total = Math.max(1, results.voters);
  const rows = poll.choices.map((choice, index) => {
    const count = results.counts[index] ?? 0;
    return el(
      "tr",
      {},
      el("th", { attrs: { scope: "row" }, text: choice }),
      el(
        "td",
        {},
        el("span", { class: "count", text: `${number(count)} (${percent(count / total)})` }),
        el("progress", { attrs: { max: total, value: count, "aria-hidden": "true" } }),
      ),
    );
  });
  return el(
    "table",
    { class: "results totals" },
    el("caption", { text: t("results") }),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { attrs: { scope: "col" }, text: t("choice") }),
        el("th", { attrs: { scope: "col" }, text: t("total") }),
      ),
    ),
    el("tbody", {}, ...rows),
  );
}

/** Each choice as a bar cut by the blocs that chose it. */
function blocChart(poll: Poll, results: Frozen<PollResults>): HTMLElement {
  return stackedChart(
    `poll-${poll.id}-blocs`,
    t("results_by_bloc"),
    BLOCS.map((bloc) => ({ key: bloc, label: blocLabel(bloc) })),
    poll.choices.map((choice, index) => ({
      label: choice,
      values: Object.fromEntries(
        BLOCS.map((bloc) => [bloc, results.by_bloc[bloc]?.counts[index] ?? 0]),
      ),
    })),
  );
}

function blocTable(poll: Poll, results: Frozen<PollResults>): HTMLElement {
  const rows = BLOCS.map((bloc) => {
    const tally = results.by_bloc[bloc];
    return el(
      "tr",
      {},
      el("th", { attrs: { scope: "row" }, class: `bloc-${bloc}`, text: blocLabel(bloc) }),
      el("td", { text: number(tally?.voters ?? 0) }),
      ...poll.choices.map((_choice, index) =>
        el("td", { text: number(tally?.counts[index] ?? 0) }),
      ),
    );
  });
  return el(
    "table",
    { class: "results by-bloc" },
    el("caption", { text: t("results_by_bloc") }),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { attrs: { scope: "col" }, text: t("bloc") }),
        el("th", { attrs: { scope: "col" }, text: t("voters_heading") }),
        ...poll.choices.map((choice) => el("th", { attrs: { scope: "col" }, text: choice })),
      ),
    ),
    el("tbody", {}, ...rows),
  );
}

export class RoomView {
  private readonly status = required("room-status");
  private readonly alertRegion = required("room-alert");
  private readonly chatLog = required<HTMLOListElement>("chat-log");
  private readonly chatScroll = required("chat-scroll");
  private readonly chatEmpty = required("chat-empty");
  private readonly pollsHost = required("polls");
  private readonly polls = new Map<number, PollView>();
  private readonly messageNodes = new Map<number, HTMLElement>();
  private speakerClock: HTMLElement | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: RoomStore,
  ) {
    // One person's menu at a time; Escape closes it and returns to its button.
    root.addEventListener(
      "toggle",
      (event) => {
        const opened = event.target;
        if (!(opened instanceof HTMLDetailsElement) || !opened.open) return;
        if (!opened.classList.contains("person-menu")) return;
        for (const other of root.querySelectorAll<HTMLDetailsElement>("details.person-menu[open]")) {
          if (other !== opened) other.open = false;
        }
      },
      true,
    );
    root.addEventListener("keydown", (event) => {
      const menu = (event.target as Element).closest<HTMLDetailsElement>("details.person-menu");
      if (event.key !== "Escape" || menu === null || !menu.open) return;
      menu.open = false;
      menu.querySelector("summary")?.focus();
    });
  }

  private get state(): Frozen<HeldState> | null {
    return this.store.state;
  }

  setConnection(state: ConnectionState, detail: string | null): void {
    this.status.dataset.state = state;
    this.status.replaceChildren(
      el("span", { class: "state", text: t(STATE_LABELS[state]) }),
      detail ? el("span", { class: "detail", text: ` — ${detail}` }) : "",
    );
    this.root.classList.toggle("is-ended", state === "ended");
    if (state === "ended") this.setControls();
  }

  /** The room's log restarted: forget the messages shown. */
  resetChat(): void {
    this.messageNodes.clear();
    for (const node of this.chatLog.querySelectorAll("li:not(.outgoing)")) node.remove();
    this.chatEmpty.hidden = this.store.outgoing.size > 0;
  }

  alert(message: string): void {
    this.alertRegion.replaceChildren(el("p", { text: `${t("error_prefix")} ${message}` }));
  }

  clearAlert(): void {
    this.alertRegion.replaceChildren();
  }

  apply(changes: Changes): void {
    const sections = changes.sections;
    if (sections.has("you")) {
      for (const also of ["speaking", "polls", "questions", "reactions"] as const) {
        sections.add(also);
      }
    }
    if (sections.has("room")) this.renderRoom();
    if (sections.has("agenda")) this.renderAgenda();
    if (sections.has("speaking")) this.renderSpeaking();
    if (changes.added.length > 0 || changes.updated.length > 0) this.renderChat(changes);
    if (sections.has("outbox")) this.renderOutbox();
    if (sections.has("polls")) this.renderPolls();
    if (sections.has("questions")) this.renderQuestions();
    if (sections.has("reactions")) this.renderReactions();
    if (sections.has("presence")) this.renderPresence();
    if (sections.has("speakingTime") || sections.has("speaking")) this.renderSpeakingTime();
    if (sections.has("removed")) this.renderRemoved();
    if (sections.has("screen")) this.renderScreen();
    if (sections.has("you") || sections.has("room")) this.setControls();
  }

  private renderScreen(): void {
    const host = byId("screen");
    const body = byId("screen-item");
    if (host !== null && body !== null) renderScreen(host, body, this.store.screen);
  }

  /** Once a second: the current speaker's clock and speaking time by bloc. */
  tick(): void {
    const speaker = this.state?.speaker;
    if (speaker && this.speakerClock !== null) {
      const seconds = secondsSince(speaker.since);
      this.speakerClock.textContent = duration(seconds);
      this.speakerClock.setAttribute("datetime", isoDuration(seconds));
    }
    if (speaker) this.renderSpeakingTime();
  }

  /** Enable what the person may use now: nothing once the session ended, less when muted. */
  setControls(): void {
    const ended = this.root.classList.contains("is-ended");
    const ready = this.state !== null && !ended;
    const muted = this.store.muted;
    for (const form of this.root.querySelectorAll<HTMLFieldSetElement>("form fieldset.live")) {
      const voice = form.closest("form")?.dataset.voice === "true";
      form.disabled = !ready || (voice && muted);
    }
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button[data-voice]")) {
      button.disabled = !ready || muted;
    }
    for (const button of this.root.querySelectorAll<HTMLButtonElement>(
      ".facilitator-only button[data-action]",
    )) {
      button.disabled = !ready || button.dataset.unavailable === "true";
    }
    const note = byId("muted-note");
    if (note !== null) note.hidden = !muted || ended;
  }

  private renderRoom(): void {
    const state = this.state;
    if (state === null) return;
    setText(byId("room-lock-state"), t(state.room.locked ? "room_locked" : "room_unlocked"));
    const chatham = state.room.mode === "chatham_house";
    setText(byId("room-mode"), t(chatham ? "mode_chatham" : "mode_open"));
    const notice = byId("chatham-notice");
    if (notice !== null) notice.hidden = !chatham;
    const button = byId<HTMLButtonElement>("lock-button");
    if (button !== null) {
      button.textContent = t(state.room.locked ? "unlock" : "lock");
      button.dataset.locked = String(state.room.locked);
    }
  }

  private renderAgenda(): void {
    const state = this.state;
    const list = byId("agenda");
    if (state === null || list === null) return;
    const { items, current } = state.agenda;
    if (items.length > 0 && list instanceof HTMLOListElement) {
      list.replaceChildren(
        ...items.map((item, index) =>
          el(
            "li",
            { attrs: { "aria-current": index === current ? "step" : undefined } },
            item.title,
            item.minutes
              ? el("span", { class: "meta", text: ` (${t("minutes", { n: item.minutes })})` })
              : null,
            index === current ? el("strong", { class: "now", text: ` ${t("agenda_now")}` }) : null,
          ),
        ),
      );
    }
    const previous = byId<HTMLButtonElement>("agenda-previous");
    const next = byId<HTMLButtonElement>("agenda-next");
    if (previous !== null) {
      previous.dataset.unavailable = String(current === null || current <= 0);
    }
    if (next !== null) {
      next.dataset.unavailable = String(current !== null && current >= items.length - 1);
    }
    this.setControls();
  }

  private renderSpeaking(): void {
    const state = this.state;
    if (state === null) return;
    const facilitator = this.store.facilitator;
    const speaker = state.speaker;
    const speakerLine = required("speaker");
    this.speakerClock = null;
    if (speaker) {
      const seconds = secondsSince(speaker.since);
      this.speakerClock = el("time", {
        class: "clock",
        attrs: { datetime: isoDuration(seconds) },
        text: duration(seconds),
      });
      speakerLine.replaceChildren(
        el("span", { class: "label", text: `${t("now_speaking")} ` }),
        this.store.youSpeak
          ? el("strong", { text: t("you") })
          : el("strong", {}, personLine(speaker.person)),
        el("span", { class: "label", text: ` ${t("speaking_for")} ` }),
        this.speakerClock,
      );
    } else {
      speakerLine.replaceChildren(el("span", { class: "label", text: t("nobody_speaking") }));
    }
    speakerLine.classList.toggle("is-speaking", speaker !== null);

    const hand = state.you.hand;
    const handButton = byId<HTMLButtonElement>("hand-button");
    if (handButton !== null) {
      handButton.textContent = t(hand ? "lower_hand" : "raise_hand");
      handButton.dataset.up = String(hand !== null);
    }
    const position = state.queue.findIndex((entry) => entry.ticket === hand) + 1;
    setText(byId("hand-status"), hand && position > 0 ? t("hand_up", { n: position }) : "");

    const queue = required("queue");
    if (state.queue.length === 0) {
      replaceKeepingFocus(queue, el("p", { class: "empty", text: t("queue_empty") }));
    } else {
      replaceKeepingFocus(
        queue,
        el(
          "ol",
          { class: "queue" },
          ...state.queue.map((entry) => {
            const yours = entry.ticket === hand;
            const id = entry.person?.id;
            return el(
              "li",
              { class: yours ? "mine" : "" },
              yours ? el("strong", { text: t("you") }) : personLine(entry.person),
              entry.first_time ? badge("first_time", "first-time") : null,
              facilitator && id !== undefined
                ? actionButton(t("give_floor"), "floor", { user: id }, {
                    hint: personName(entry.person),
                    variant: "secondary",
                  })
                : null,
            );
          }),
        ),
      );
    }
    const endTurn = byId<HTMLButtonElement>("end-turn");
    if (endTurn !== null) endTurn.dataset.unavailable = String(speaker === null);
    const mode = byId<HTMLButtonElement>("queue-mode");
    if (mode !== null) {
      mode.setAttribute("aria-pressed", String(state.room.queue_mode === "first_time_first"));
    }
    this.setControls();
  }

  private messageNode(message: Frozen<ChatMessage>): HTMLElement {
    const facilitator = this.store.facilitator;
    const author = message.mine
      ? el("span", { class: "name", text: t("you") })
      : personLine(message.actor);
    const body =
      message.body === null
        ? el("p", { class: "body hidden-note", text: t("hidden_message") })
        : el("p", { class: "body", text: message.body });
    return el(
      "li",
      {
        class: `message${message.mine ? " mine" : ""}${message.hidden ? " is-hidden" : ""}`,
        data: { seq: message.seq },
      },
      el(
        "p",
        { class: "head" },
        author,
        " ",
        timeElement(message.at),
        message.hidden && message.body !== null ? badge("hidden_for_participants", "hidden") : null,
      ),
      body,
      facilitator && !message.hidden
        ? actionButton(t("hide"), "hide", { seq: message.seq }, {
            hint: `${personName(message.actor)} ${clockTime(message.at)}`,
          })
        : null,
    );
  }

  private renderChat(changes: Changes): void {
    const scroller = this.chatScroll;
    const follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICKY_PX;
    const firstOutgoing = this.chatLog.querySelector("li.outgoing");
    for (const message of changes.added) {
      const node = this.messageNode(message);
      this.messageNodes.set(message.seq, node);
      this.chatLog.insertBefore(node, firstOutgoing);
    }
    for (const message of changes.updated) {
      const old = this.messageNodes.get(message.seq);
      if (old === undefined) continue;
      const hadFocus = old.contains(document.activeElement);
      const node = this.messageNode(message);
      old.replaceWith(node);
      this.messageNodes.set(message.seq, node);
      if (hadFocus) scroller.focus();
    }
    this.chatEmpty.hidden = this.messageNodes.size > 0 || this.store.outgoing.size > 0;
    if (follow || changes.added.some((message) => message.mine)) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  private renderOutbox(): void {
    for (const node of this.chatLog.querySelectorAll("li.outgoing")) node.remove();
    for (const outgoing of this.store.outgoing.values()) {
      this.chatLog.append(
        el(
          "li",
          { class: "message mine outgoing", data: { client: outgoing.clientId } },
          el(
            "p",
            { class: "head" },
            el("span", { class: "name", text: t("you") }),
            " ",
            el("span", { class: "sending", text: t("sending") }),
          ),
          el("p", { class: "body", text: outgoing.body }),
        ),
      );
    }
    this.chatEmpty.hidden = this.messageNodes.size > 0 || this.store.outgoing.size > 0;
    if (this.store.outgoing.size > 0) this.chatScroll.scrollTop = this.chatScroll.scrollHeight;
  }

  private renderPolls(): void {
    const state = this.state;
    if (state === null) return;
    const ordered = [...state.polls].sort(
      (a, b) => Number(a.state === "closed") - Number(b.state === "closed") || b.id - a.id,
    );
    for (const poll of ordered) {
      const chosen = state.you.votes[String(poll.id)];
      let view = this.polls.get(poll.id);
      if (view === undefined) {
        view = new PollView(poll, chosen);
        this.polls.set(poll.id, view);
      }
      view.update(poll, chosen, this.store.facilitator);
    }
    const wanted = ordered.map((poll) => this.polls.get(poll.id)?.root);
    const current = [...this.pollsHost.children];
    const same =
      wanted.length === current.length && wanted.every((node, index) => node === current[index]);
    if (!same) {
      const active = document.activeElement;
      this.pollsHost.replaceChildren(...wanted.filter((node) => node !== undefined));
      if (active instanceof HTMLElement && this.pollsHost.contains(active)) active.focus();
    }
    const empty = byId("polls-empty");
    if (empty !== null) empty.hidden = ordered.length > 0;
    const pollButton = byId("current-poll");
    if (pollButton !== null) pollButton.hidden = !ordered.some((poll) => poll.state !== "closed");
  }

  private renderQuestions(): void {
    const state = this.state;
    if (state === null) return;
    const facilitator = this.store.facilitator;
    const host = required("questions");
    if (state.questions.length === 0) {
      replaceKeepingFocus(host, el("p", { class: "empty", text: t("no_questions") }));
      return;
    }
    replaceKeepingFocus(
      host,
      el(
        "ol",
        { class: "questions" },
        ...state.questions.map((question) => {
          const bodyId = `question-${question.id}`;
          const upvoted = state.you.upvoted.includes(question.id);
          const open = question.state === "open";
          return el(
            "li",
            {
              class: `question${open ? "" : " answered"}${question.hidden ? " is-hidden" : ""}`,
            },
            el("p", {
              class: "body",
              id: bodyId,
              text: question.body ?? t("hidden_message"),
            }),
            el(
              "p",
              { class: "meta" },
              t("asked_by", { name: personName(question.asker) }),
              " · ",
              timeElement(question.asked_at),
              " · ",
              t("votes", { n: number(question.votes) }),
              open ? null : badge("answered", "answered"),
              question.hidden ? badge("hidden_for_participants", "hidden") : null,
            ),
            el(
              "div",
              { class: "actions" },
              question.hidden
                ? null
                : actionButton(t("upvote"), "upvote", { question: question.id }, {
                    pressed: upvoted,
                    describedBy: bodyId,
                  }),
              facilitator && open && !question.hidden
                ? actionButton(t("mark_answered"), "answer", { question: question.id }, {
                    hint: question.body ?? "",
                  })
                : null,
              facilitator && !question.hidden
                ? actionButton(t("hide"), "hide", { seq: question.seq }, {
                    hint: question.body ?? "",
                  })
                : null,
            ),
          );
        }),
      ),
    );
    this.setControls();
  }

  private renderReactions(): void {
    const state = this.state;
    if (state === null) return;
    const counts = new Map<string, number>(Object.entries(state.reactions));
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button[data-emoji]")) {
      const count = button.querySelector(".count");
      const name = button.dataset.emoji ?? "";
      if (count !== null) count.textContent = number(counts.get(name) ?? 0);
    }
  }

  private renderPresence(): void {
    const state = this.state;
    if (state === null) return;
    const presence = state.presence;
    const facilitator = this.store.facilitator;
    const counts = byId("presence-counts");
    if (counts !== null) {
      counts.replaceChildren(
        el("p", { text: t("people_here", { n: number(presence.total) }) }),
        barChart(
          "presence-blocs",
          t("presence_by_bloc"),
          BLOCS.map((bloc) => ({ label: blocLabel(bloc), value: presence.counts[bloc] ?? 0 })),
        ),
        el(
          "ul",
          { class: "bloc-counts" },
          ...BLOCS.map((bloc) =>
            el(
              "li",
              {},
              el("span", { class: `bloc-${bloc}`, text: blocLabel(bloc) }),
              `: ${number(presence.counts[bloc] ?? 0)}`,
            ),
          ),
        ),
      );
    }
    const host = required("presence");
    if (presence.people === undefined) {
      // Chatham House: the counts by bloc say it all; large rooms: the list on request.
      if (this.store.mayListPeople && presence.total > 0) {
        replaceKeepingFocus(host, actionButton(t("show_everyone"), "presence-list"));
      } else {
        replaceKeepingFocus(host);
      }
      return;
    }
    if (presence.people.length === 0) {
      replaceKeepingFocus(host, el("p", { class: "empty", text: t("nobody_here") }));
      return;
    }
    // A menu someone opened stays open when the list is drawn again.
    const openMenus = new Set(
      [...host.querySelectorAll<HTMLElement>("details.person-menu[open]")].map(
        (menu) => menu.dataset.user,
      ),
    );
    replaceKeepingFocus(
      host,
      el(
        "ul",
        { class: "people" },
        ...presence.people.map((present) => {
          const person = present.person;
          const id = person.id;
          const name = personName(person);
          const manageable =
            facilitator && !present.facilitator && id !== undefined && !isMe(person);
          return el(
            "li",
            {},
            personLine(person),
            present.facilitator ? badge("facilitator", "facilitator") : null,
            present.muted ? badge("muted", "muted") : null,
            manageable
              ? el(
                  "span",
                  { class: "actions" },
                  present.muted
                    ? null
                    : actionButton(t("give_floor"), "floor", { user: id }, { hint: name }),
                  // Muting and removing are rarer and weightier: behind a menu; removing
                  // also asks for confirmation.
                  el(
                    "details",
                    { class: "person-menu", attrs: { open: openMenus.has(String(id)) }, data: { user: id } },
                    el(
                      "summary",
                      { data: { focus: `menu-${id}` } },
                      t("person_actions"),
                      el("span", { class: "visually-hidden", text: ` ${name}` }),
                    ),
                    el(
                      "span",
                      { class: "menu-items" },
                      actionButton(t(present.muted ? "unmute" : "mute"), "moderate", {
                        act: present.muted ? "unmute" : "mute",
                        user: id,
                      }, { hint: name }),
                      actionButton(t("remove"), "moderate", { act: "remove", user: id, name }, {
                        hint: name,
                        variant: "danger",
                      }),
                    ),
                  ),
                )
              : null,
          );
        }),
      ),
    );
    this.setControls();
  }

  private renderSpeakingTime(): void {
    const body = byId("speaking-time");
    const state = this.state;
    const totals = this.store.speakingNow();
    if (body === null || state === null || totals === null) return;
    const turns = state.speaking_time?.turns_by_bloc;
    const rows = BLOCS.map((bloc) => {
      const seconds = totals[bloc] ?? 0;
      return el(
        "tr",
        {},
        el("th", { attrs: { scope: "row" }, class: `bloc-${bloc}`, text: blocLabel(bloc) }),
        el(
          "td",
          {},
          el("time", { attrs: { datetime: isoDuration(seconds) }, text: duration(seconds) }),
        ),
        el("td", { text: number(turns?.[bloc] ?? 0) }),
      );
    });
    body.replaceChildren(...rows);
  }

  private renderRemoved(): void {
    const host = byId("removed");
    if (host === null) return;
    const people = [...this.store.removed.entries()];
    if (people.length === 0) {
      replaceKeepingFocus(host, el("p", { class: "empty", text: t("nobody_removed") }));
      return;
    }
    replaceKeepingFocus(
      host,
      el(
        "ul",
        { class: "people" },
        ...people.map(([id, person]) =>
          el(
            "li",
            {},
            personLine(person),
            actionButton(t("readmit"), "moderate", { act: "readmit", user: id }, {
              hint: personName(person),
            }),
          ),
        ),
      ),
    );
    this.setControls();
  }
}
