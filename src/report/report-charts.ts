// Bar charts as inline SVG: no script, no network, so the report is one file that renders the same
// anywhere (a browser, a PDF printer, an archive years later).
import { escapeHtml } from "./html-escape.js";

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** What the bar's tooltip and value say, when not the number itself. */
  readonly text?: string;
  readonly warn?: boolean;
}

const WIDTH = 720;
const ROW = 22;
const LABEL = 230;

/** Horizontal bars, largest first as given, each labelled and valued; an optional marker line (e.g. 50 %). */
export function horizontalBars(title: string, bars: readonly Bar[], options: { max?: number; marker?: number } = {}): string {
  const max = options.max ?? Math.max(1, ...bars.map((bar) => bar.value));
  // Room on the right for the value after the longest bar.
  const plot = WIDTH - LABEL - 210;
  const height = bars.length * ROW + 10;
  const rows = bars.map((bar, i) => {
    const y = i * ROW + 5;
    const width = Math.max(1, (bar.value / max) * plot);
    const value = escapeHtml(bar.text ?? String(bar.value));
    return [
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end" class="label">${escapeHtml(clip(bar.label, 34))}</text>`,
      `<rect x="${LABEL}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" class="${bar.warn ? "bar warn" : "bar"}"><title>${escapeHtml(bar.label)}: ${value}</title></rect>`,
      `<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + 15}" class="value">${value}</text>`,
    ].join("");
  });
  const marker =
    options.marker === undefined
      ? ""
      : `<line x1="${LABEL + (options.marker / max) * plot}" x2="${LABEL + (options.marker / max) * plot}" y1="0" y2="${height}" class="marker"/>`;
  return figure(title, WIDTH, height, rows.join("") + marker, bars.length === 0);
}

/** Vertical bars over time (one per week), with the first and last label under the axis. */
export function columns(title: string, bars: readonly Bar[]): string {
  const height = 180;
  const plotHeight = height - 30;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const step = (WIDTH - 40) / Math.max(1, bars.length);
  const cols = bars.map((bar, i) => {
    const h = (bar.value / max) * (plotHeight - 10);
    const x = 30 + i * step;
    return `<rect x="${x.toFixed(1)}" y="${(plotHeight - h).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h.toFixed(1)}" class="bar"><title>${escapeHtml(bar.label)}: ${bar.value}</title></rect>`;
  });
  const first = bars[0]?.label ?? "";
  const last = bars.at(-1)?.label ?? "";
  const axis = [
    `<line x1="30" x2="${WIDTH - 10}" y1="${plotHeight}" y2="${plotHeight}" class="axis"/>`,
    `<text x="30" y="${height - 8}" class="label">${escapeHtml(first)}</text>`,
    `<text x="${WIDTH - 10}" y="${height - 8}" text-anchor="end" class="label">${escapeHtml(last)}</text>`,
    `<text x="26" y="14" text-anchor="end" class="value">${max}</text>`,
  ];
  return figure(title, WIDTH, height, cols.join("") + axis.join(""), bars.length === 0);
}

function figure(title: string, width: number, height: number, body: string, empty: boolean): string {
  const content = empty
    ? `<p class="none">Nothing in this period.</p>`
    : `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">${body}</svg>`;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${content}</figure>`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
