// On a narrow screen the room is one screen: a tab bar picks the part shown (chat,
// speakers, polls, questions, people, tools), while the speaker and the hand button stay
// above it. On a wide screen every part is shown and the tab bar is hidden.

const NARROW = "(max-width: 61.99rem)";

export class RoomTabs {
  private readonly tabs: HTMLButtonElement[];
  private current = "chat";

  constructor(
    private readonly root: HTMLElement,
    private readonly bar: HTMLElement,
  ) {
    this.tabs = [...bar.querySelectorAll<HTMLButtonElement>("button[role=tab]")];
    const first = this.tabs[0]?.dataset.tab;
    if (first !== undefined) this.current = first;
    bar.addEventListener("click", (event) => {
      const tab = (event.target as Element).closest<HTMLButtonElement>("button[role=tab]");
      if (tab?.dataset.tab) this.select(tab.dataset.tab, false);
    });
    bar.addEventListener("keydown", (event) => this.key(event));
    root.addEventListener("click", (event) => {
      const go = (event.target as Element).closest<HTMLElement>("[data-tab-go]");
      if (go?.dataset.tabGo) this.select(go.dataset.tabGo, true);
    });
    const query = window.matchMedia(NARROW);
    query.addEventListener("change", () => this.layout(query.matches));
    this.layout(query.matches);
  }

  /** Show the part ``key``; ``focusPanel`` moves the keyboard to its heading. */
  select(key: string, focusPanel: boolean): void {
    this.current = key;
    for (const tab of this.tabs) {
      const chosen = tab.dataset.tab === key;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
    }
    for (const panel of this.root.querySelectorAll<HTMLElement>(".panel[data-tab]")) {
      panel.classList.toggle("is-current", panel.dataset.tab === key);
    }
    if (focusPanel) {
      const heading = this.root.querySelector<HTMLElement>(`#panel-${key} h2`);
      heading?.focus();
    }
  }

  private key(event: KeyboardEvent): void {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 };
    const index = this.tabs.findIndex((tab) => tab.dataset.tab === this.current);
    let next: number | null = null;
    if (event.key in moves) next = (index + (moves[event.key] ?? 0) + this.tabs.length) % this.tabs.length;
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = this.tabs.length - 1;
    const tab = next === null ? undefined : this.tabs[next];
    if (tab?.dataset.tab === undefined) return;
    event.preventDefault();
    this.select(tab.dataset.tab, false);
    tab.focus();
  }

  private layout(narrow: boolean): void {
    this.bar.hidden = !narrow;
    this.root.classList.toggle("is-tabbed", narrow);
    for (const panel of this.root.querySelectorAll<HTMLElement>(".panel[id^=panel-]")) {
      if (narrow) {
        panel.setAttribute("role", "tabpanel");
        panel.setAttribute("aria-labelledby", `tab-${panel.dataset.tab ?? ""}`);
      } else {
        panel.removeAttribute("role");
        const heading = panel.querySelector("h2");
        if (heading?.id) panel.setAttribute("aria-labelledby", heading.id);
      }
    }
    this.select(this.current, false);
  }
}
