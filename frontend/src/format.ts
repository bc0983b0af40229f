// Times, durations and people, in the viewer's language and time zone.

import { blocLabel, t } from "./i18n";
import type { Person } from "./protocol";

let clock: Intl.DateTimeFormat = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
});
let numbers: Intl.NumberFormat = new Intl.NumberFormat();
let percents: Intl.NumberFormat = new Intl.NumberFormat(undefined, { style: "percent" });
let me = 0;

export function configure(locale: string, timeZone: string, userId: number): void {
  me = userId;
  try {
    clock = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone });
    numbers = new Intl.NumberFormat(locale);
    percents = new Intl.NumberFormat(locale, { style: "percent" });
  } catch {
    // An unknown locale or zone: keep the browser's own.
  }
}

export function clockTime(iso: string): string {
  return clock.format(new Date(iso));
}

export function number(value: number): string {
  return numbers.format(value);
}

/** A share between 0 and 1, as a whole percentage. */
export function percent(share: number): string {
  return percents.format(share);
}

/** ``m:ss`` or ``h:mm:ss``. */
export function duration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** ISO 8601 duration for ``<time datetime>``. */
export function isoDuration(totalSeconds: number): string {
  return `PT${Math.max(0, Math.floor(totalSeconds))}S`;
}

export function secondsSince(iso: string, now: number = Date.now()): number {
  return Math.max(0, (now - Date.parse(iso)) / 1000);
}

export function isMe(person: Person | null | undefined): boolean {
  return person?.id !== undefined && person.id === me;
}

/** A person's name, or their bloc where the room hides identities. */
export function personName(person: Person | null | undefined): string {
  if (person == null) return t("someone");
  if (isMe(person)) return t("you");
  return person.name ?? blocLabel(person.bloc);
}

/** Name, organisation and bloc, for lists where there is room for all three. */
export function personDetails(person: Person | null | undefined): string {
  if (person?.name == null) return "";
  const organisation = person.organisation;
  const parts = [];
  if (organisation) parts.push(organisation.acronym || organisation.name);
  parts.push(blocLabel(person.bloc));
  return parts.join(" · ");
}
