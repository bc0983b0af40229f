// What the facilitators put on the room's screen (``screen.*`` events): a recommendation
// with its support by bloc, redrawn whenever an organisation endorses. Figures by bloc
// only; no organisation or person is ever named here.

import { el } from "./dom";
import { blocLabel, t } from "./i18n";
import type { ScreenItem } from "./protocol";
import type { Frozen } from "./state";

const OUTCOMES: Record<string, Parameters<typeof t>[0]> = {
  supported: "screen_supported",
  blocked: "screen_blocked",
  short: "screen_short",
  insufficient: "screen_insufficient",
};

export function renderScreen(host: HTMLElement, body: HTMLElement, item: Frozen<ScreenItem> | null): void {
  host.hidden = item === null;
  if (item === null) {
    body.replaceChildren();
    return;
  }
  const parts: HTMLElement[] = [
    el("p", {}, el("a", { attrs: { href: item.url }, text: item.title })),
  ];
  const tally = item.tally;
  if (tally === null) {
    parts.push(el("p", { class: "hint", text: t("screen_tally_hidden") }));
    body.replaceChildren(...parts);
    return;
  }
  parts.push(el("p", { class: "screen-outcome", text: t(OUTCOMES[tally.outcome] ?? "screen_short") }));
  const rows = tally.blocs.map((bloc) =>
    el(
      "tr",
      {},
      el("th", { attrs: { scope: "row" }, text: blocLabel(bloc.bloc) }),
      el(
        "td",
        {},
        el("span", {
          class: "count",
          text: bloc.share === null ? t("screen_no_position") : `${bloc.share} %`,
        }),
        el("progress", {
          class: `bloc-${bloc.bloc}`,
          attrs: { max: 100, value: bloc.share ?? 0, "aria-hidden": "true" },
        }),
      ),
      el("td", { text: t("screen_positions", { n: bloc.organisations, of: bloc.eligible }) }),
    ),
  );
  parts.push(
    el(
      "table",
      { class: "results screen-tally" },
      el("caption", { text: t("screen_caption", { share: tally.min_support }) }),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { attrs: { scope: "col" }, text: t("bloc") }),
          el("th", { attrs: { scope: "col" }, text: t("screen_support") }),
          el("th", { attrs: { scope: "col" }, text: t("screen_took_position") }),
        ),
      ),
      el("tbody", {}, ...rows),
    ),
  );
  body.replaceChildren(...parts);
}
