// Every word the room shows comes translated from the page (``#room-labels``), so the
// script holds no English of its own. ``{name}`` in a label is replaced by a value.

import type { Bloc } from "./protocol";

export const LABEL_KEYS = [
  "state_connecting",
  "state_live",
  "state_reconnecting",
  "state_offline",
  "state_ended",
  "you",
  "someone",
  "facilitator",
  "muted",
  "hidden_message",
  "hidden_for_participants",
  "sending",
  "hide",
  "new_message",
  "new_messages",
  "missed_messages",
  "nobody_here",
  "people_here",
  "show_everyone",
  "nobody_speaking",
  "now_speaking",
  "speaking_for",
  "you_speak",
  "took_floor",
  "raise_hand",
  "lower_hand",
  "hand_up",
  "queue_empty",
  "first_time",
  "give_floor",
  "poll_open",
  "poll_closed",
  "poll_multiple",
  "poll_single",
  "poll_anonymous",
  "poll_named",
  "vote",
  "change_vote",
  "your_vote",
  "voters",
  "voters_heading",
  "results_hidden",
  "results",
  "results_by_bloc",
  "bloc",
  "choice",
  "total",
  "close_poll",
  "poll_opened_note",
  "poll_closed_note",
  "pick_one",
  "pick_any",
  "no_questions",
  "votes",
  "upvote",
  "answered",
  "mark_answered",
  "asked_by",
  "agenda_now",
  "agenda_moved",
  "minutes",
  "mute",
  "unmute",
  "remove",
  "person_actions",
  "presence_by_bloc",
  "readmit",
  "confirm_remove",
  "nobody_removed",
  "lock",
  "unlock",
  "room_locked",
  "room_unlocked",
  "mode_open",
  "mode_chatham",
  "no_answer",
  "not_connected",
  "error_prefix",
  "screen_supported",
  "screen_blocked",
  "screen_short",
  "screen_insufficient",
  "screen_tally_hidden",
  "screen_no_position",
  "screen_positions",
  "screen_caption",
  "screen_support",
  "screen_took_position",
  "screen_shown",
] as const;

export type LabelKey = (typeof LABEL_KEYS)[number];

let labels: Record<string, string> = {};
let blocLabels: Record<string, string> = {};
let reactionLabels: Record<string, string> = {};

interface LabelBlob {
  labels: Record<string, string>;
  blocs: Record<string, string>;
  reactions: Record<string, string>;
}

export function loadLabels(element: HTMLElement | null): void {
  if (element?.textContent == null) return;
  const blob = JSON.parse(element.textContent) as LabelBlob;
  labels = blob.labels;
  blocLabels = blob.blocs;
  reactionLabels = blob.reactions;
}

export function t(key: LabelKey, values: Record<string, string | number> = {}): string {
  const template = labels[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export function blocLabel(bloc: Bloc): string {
  return blocLabels[bloc] ?? bloc;
}

export function reactionLabel(name: string): string {
  return reactionLabels[name] ?? name;
}
