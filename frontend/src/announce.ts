// Screen-reader summaries in a polite live region: one line per message when they come
// one at a time, one line per batch when they come quickly, never one per event replayed.

import { personName } from "./format";
import { t } from "./i18n";
import type { ChatMessage } from "./state";

const BATCH_MS = 1_500;
const SAYING_LIMIT = 200;

export class Announcer {
  private batch: ChatMessage[] = [];
  private timer: number | null = null;
  private lines: string[] = [];
  private speaking: number | null = null;

  constructor(private readonly region: HTMLElement) {}

  /** Something happened in the room (the floor, a poll, the agenda). */
  note(text: string): void {
    this.lines.push(text);
    this.schedule();
  }

  /** New chat messages arrived live. */
  messages(messages: ChatMessage[]): void {
    for (const message of messages) {
      if (!message.mine) this.batch.push(message);
    }
    if (this.batch.length > 0) this.schedule();
  }

  /** Messages arrived while the connection was down, now replayed. */
  missed(count: number): void {
    if (count > 0) this.note(t("missed_messages", { n: count }));
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = window.setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.timer = null;
    const lines = this.lines;
    this.lines = [];
    const batch = this.batch;
    this.batch = [];
    const first = batch[0];
    if (batch.length === 1 && first !== undefined) {
      const body = first.body ?? t("hidden_message");
      const text = body.length > SAYING_LIMIT ? `${body.slice(0, SAYING_LIMIT)}…` : body;
      lines.push(t("new_message", { name: personName(first.actor), text }));
    } else if (batch.length > 1) {
      lines.push(t("new_messages", { n: batch.length }));
    }
    if (lines.length === 0) return;
    // Emptying first makes a repeated sentence be read again.
    this.region.textContent = "";
    if (this.speaking !== null) window.clearTimeout(this.speaking);
    this.speaking = window.setTimeout(() => {
      this.region.textContent = lines.join(" ");
    }, 50);
  }
}
