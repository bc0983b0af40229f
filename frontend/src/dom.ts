// Small DOM helpers. Text always goes in as text nodes: nothing a person typed is ever
// parsed as HTML.

type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  data?: Record<string, string | number>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.id) node.id = props.id;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const [name, value] of Object.entries(props.data ?? {})) {
    node.dataset[name] = String(value);
  }
  if (props.text !== undefined) node.textContent = props.text;
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** A button that the room's click handler dispatches on ``data-action``. */
export function actionButton(
  label: string,
  action: string,
  data: Record<string, string | number> = {},
  options: {
    hint?: string;
    pressed?: boolean;
    variant?: "secondary" | "danger";
    describedBy?: string;
  } = {},
): HTMLButtonElement {
  const button = el(
    "button",
    {
      class: `small ${options.variant ?? "secondary"}`,
      attrs: {
        type: "button",
        "aria-pressed": options.pressed === undefined ? undefined : String(options.pressed),
        "aria-describedby": options.describedBy,
      },
      data: { action, focus: `${action}-${Object.values(data).join("-")}`, ...data },
    },
    label,
  );
  if (options.hint) {
    button.append(el("span", { class: "visually-hidden", text: ` ${options.hint}` }));
  }
  return button;
}

/**
 * Replace a container's content without losing the keyboard focus: the element with the
 * same ``data-focus`` key gets it back, or the section's heading when it is gone.
 */
export function replaceKeepingFocus(container: HTMLElement, ...children: Child[]): void {
  const active = document.activeElement;
  const key =
    active instanceof HTMLElement && container.contains(active) ? active.dataset.focus : undefined;
  const hadFocus = active instanceof HTMLElement && container.contains(active);
  container.replaceChildren();
  append(container, ...children);
  if (!hadFocus) return;
  const again = key
    ? container.querySelector<HTMLElement>(`[data-focus="${CSS.escape(key)}"]`)
    : null;
  const fallback = container.closest("section")?.querySelector<HTMLElement>("h2, h3");
  (again ?? fallback)?.focus();
}
