// The room's live pictures, drawn like the server's (core/charts.py, templates/_charts.html):
// lengths in percent of the width so text keeps its size, a title and a description that
// say what the picture shows, and a pattern as well as a colour for every series. The
// numbers stay in the tables beside each picture.

const NS = "http://www.w3.org/2000/svg";
const ROW = 44;

/** Fills that keep 4.5:1 against white, in bloc order, each with its own pattern. */
const PALETTE: readonly (readonly [string, string])[] = [
  ["#0b5cad", "solid"],
  ["#6b3fa0", "stripes"],
  ["#1e6b34", "dots"],
  ["#8a4b08", "grid"],
];

const MARKS: Record<string, string> = {
  stripes: '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.5"/>',
  dots: '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
  grid: '<path d="M0,4 h8 M4,0 v8" stroke="#fff" stroke-width="1.2"/>',
};

export interface Series {
  key: string;
  label: string;
}

export interface BarRow {
  label: string;
  value: number;
}

export interface StackedRow {
  label: string;
  values: Readonly<Record<string, number>>;
}

function node<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const made = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) made.setAttribute(name, String(value));
  if (text !== undefined) made.textContent = text;
  return made;
}

function percent(value: number, scale: number): number {
  return scale > 0 ? Math.round((10000 * value) / scale) / 100 : 0;
}

function pattern(id: string, index: number): SVGPatternElement {
  const [colour, kind] = PALETTE[index % PALETTE.length] ?? ["#0b5cad", "solid"];
  const made = node("pattern", { id, width: 8, height: 8, patternUnits: "userSpaceOnUse" });
  made.append(node("rect", { width: 8, height: 8, fill: colour }));
  // The marks are fixed strings of this file, never anything a person typed.
  made.insertAdjacentHTML("beforeend", MARKS[kind] ?? "");
  return made;
}

function frame(key: string, title: string, description: string, rows: number): SVGSVGElement {
  const drawing = node("svg", {
    class: "chart-svg",
    width: "100%",
    height: ROW * rows + 4,
    role: "img",
    "aria-labelledby": `${key}-title ${key}-desc`,
    focusable: "false",
  });
  drawing.append(
    node("title", { id: `${key}-title` }, title),
    node("desc", { id: `${key}-desc` }, description),
  );
  return drawing;
}

function rowText(drawing: SVGSVGElement, y: number, label: string, value: string): void {
  drawing.append(
    node("text", { x: 0, y: y + 16, class: "chart-label" }, label),
    node("text", { x: "100%", y: y + 16, "text-anchor": "end", class: "chart-value" }, value),
    node("rect", { x: 0, y: y + 24, width: "100%", height: 14, rx: 3, class: "chart-track" }),
  );
}

/** One bar per row, each row in the fill of the series at its index. */
export function barChart(key: string, title: string, rows: readonly BarRow[]): SVGSVGElement {
  const scale = Math.max(0, ...rows.map((row) => row.value));
  const description = `${rows.map((row) => `${row.label}: ${row.value}`).join("; ")}.`;
  const drawing = frame(key, title, description, rows.length);
  const defs = node("defs");
  drawing.append(defs);
  rows.forEach((row, index) => {
    defs.append(pattern(`${key}-fill-${index}`, index));
    const y = index * ROW;
    rowText(drawing, y, row.label, String(row.value));
    if (row.value > 0) {
      drawing.append(
        node("rect", {
          x: 0,
          y: y + 24,
          width: `${percent(row.value, scale)}%`,
          height: 14,
          rx: 3,
          fill: `url(#${key}-fill-${index})`,
        }),
      );
    }
  });
  return drawing;
}

/** One bar per row cut by ``groups``, with a legend; the longest row fills the width. */
export function stackedChart(
  key: string,
  title: string,
  groups: readonly Series[],
  rows: readonly StackedRow[],
): HTMLElement {
  const totals = rows.map((row) => groups.reduce((sum, g) => sum + (row.values[g.key] ?? 0), 0));
  const scale = Math.max(0, ...totals);
  const description = `${rows
    .map(
      (row, i) =>
        `${row.label}: ${totals[i] ?? 0} (${groups
          .map((g) => `${g.label} ${row.values[g.key] ?? 0}`)
          .join(", ")})`,
    )
    .join("; ")}.`;
  const drawing = frame(key, title, description, rows.length);
  const defs = node("defs");
  groups.forEach((_group, index) => defs.append(pattern(`${key}-fill-${index}`, index)));
  drawing.append(defs);
  rows.forEach((row, index) => {
    const y = index * ROW;
    rowText(drawing, y, row.label, String(totals[index] ?? 0));
    let start = 0;
    groups.forEach((group, g) => {
      const value = row.values[group.key] ?? 0;
      const width = percent(value, scale);
      if (value > 0) {
        const segment = node("rect", {
          x: `${start}%`,
          y: y + 24,
          width: `${width}%`,
          height: 14,
          fill: `url(#${key}-fill-${g})`,
          class: "chart-segment",
        });
        segment.append(node("title", {}, `${group.label}: ${value}`));
        drawing.append(segment);
      }
      start += width;
    });
  });
  const legend = document.createElement("ul");
  legend.className = "chart-legend";
  legend.setAttribute("aria-hidden", "true");
  groups.forEach((group, index) => {
    const swatch = node("svg", { width: 18, height: 18, focusable: "false" });
    const defsSwatch = node("defs");
    defsSwatch.append(pattern(`${key}-legend-${index}`, index));
    swatch.append(
      defsSwatch,
      node("rect", { width: 18, height: 18, rx: 3, fill: `url(#${key}-legend-${index})` }),
    );
    const item = document.createElement("li");
    item.append(swatch, ` ${group.label}`);
    legend.append(item);
  });
  const figure = document.createElement("figure");
  figure.className = "chart chart-stacked";
  const caption = document.createElement("figcaption");
  caption.className = "chart-title";
  caption.textContent = title;
  figure.append(caption, legend, drawing);
  return figure;
}
