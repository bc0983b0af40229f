// The time-zone picker on registration starts on the browser's own zone. Without
// JavaScript it starts on UTC and works the same. Browsers may report a zone by an old
// name ("Asia/Calcutta"), which the page maps to the present one (data-aliases).

export function browserZone(
  reported: string,
  offered: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): string | null {
  if (offered.has(reported)) return reported;
  const present = aliases[reported];
  return present !== undefined && offered.has(present) ? present : null;
}

function start(): void {
  const select = document.querySelector<HTMLSelectElement>("select[data-browser-zone]");
  if (select === null) return;
  const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offered = new Set(Array.from(select.options, (option) => option.value));
  const aliases = JSON.parse(select.dataset["aliases"] ?? "{}") as Record<string, string>;
  const zone = browserZone(reported, offered, aliases);
  if (zone !== null) select.value = zone;
}

if (typeof document !== "undefined") start();
