// One line's HTML: its text, syntax styles (def_style classes `s<id>`), selections (style 0),
// find matches (1), annotations and carets, from the columns the core sends (UTF-8 code
// units, mapped to string indices once per line). Pure (no DOM): node tests import it.

import { utf8Length } from "./linecache.js";

/** @typedef {import("./linecache.js").Line} Line */
/** An annotation on one row, at string indices. @typedef {{a: number, b: number, cls: string, title: string}} Mark */

/** @param {string} text */
export function stripNl(text) {
  let end = text.length;
  if (end && text.charCodeAt(end - 1) === 10) end--;
  if (end && text.charCodeAt(end - 1) === 13) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** @param {string} s */
function esc(s) {
  return s.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

/** @param {number|undefined} v ARGB @returns {string|null} */
export function argb(v) {
  if (typeof v !== "number" || v < 0 || v > 0xffffffff) return null;
  const a = (v >>> 24) & 255;
  if (a === 0) return null;
  return `rgba(${(v >>> 16) & 255},${(v >>> 8) & 255},${v & 255},${(a / 255).toFixed(3)})`;
}

/** @param {any} c {r,g,b,a} @returns {string|null} */
export function rgba(c) {
  if (!c || typeof c.r !== "number") return null;
  const a = typeof c.a === "number" ? c.a / 255 : 1;
  return `rgba(${c.r},${c.g},${c.b},${a.toFixed(3)})`;
}

/**
 * UTF-8 column -> JS string index, for one line (an ASCII line: the identity).
 * @param {string} text @returns {(col8: number) => number}
 */
function columnMap(text) {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return (c) => (c < 0 ? 0 : c > text.length ? text.length : c);
  /** @type {number[]} */
  const map = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length;
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    for (let k = 0; k < w; k++) map.push(i);
    if (pair) i++;
  }
  map.push(text.length);
  return (c) => (c <= 0 ? 0 : c >= map.length ? text.length : map[c]);
}

/**
 * The HTML of one line: syntax styles, selections (style 0), find matches (1), annotations
 * and carets, all at character indices of the line's text. `from`/`to` clip a long line to
 * the characters around the screen (a spacer `ch` wide stands for the ones before).
 * @param {Line} line @param {Mark[]|undefined} marks @param {number} [from] @param {number} [to]
 * @returns {string}
 */
export function lineHtml(line, marks, from = 0, to = Infinity) {
  const text = stripNl(line.text);
  const styles = line.styles;
  const cursors = line.cursor;
  const lo = Math.max(0, from), hi = Math.min(text.length, to);
  const lead = lo > 0 ? `<span class="clip" style="width:${lo}ch"></span>` : "";
  if ((!styles || !styles.length) && (!cursors || !cursors.length) && !marks) return lead + esc(text.slice(lo, hi));
  const col = columnMap(text);
  /** @type {Array<{a: number, b: number, cls: string, title?: string}>} */
  const spans = [];
  let eolSel = false;
  if (styles) {
    let end = 0;
    const size8 = utf8Length(text);
    for (let k = 0; k + 2 < styles.length; k += 3) {
      const start8 = end + styles[k];
      end = start8 + styles[k + 1];
      const id = styles[k + 2];
      if (id === 0 && end > size8) eolSel = true; // the newline is selected
      const a = col(start8), b = col(end);
      if (b > a) spans.push({ a, b, cls: `s${id}` });
    }
  }
  if (marks) for (const m of marks) spans.push(m);
  const carets = cursors ? cursors.map(col) : [];
  /** @type {number[]} */
  const points = [0, text.length, ...carets];
  for (const sp of spans) points.push(Math.min(sp.a, text.length), Math.min(sp.b, text.length));
  points.sort((x, y) => x - y);
  const byStart = spans.slice().sort((x, y) => x.a - y.a);
  /** @type {typeof spans} */
  let active = [];
  let next = 0;
  let html = lead;
  let ci = 0;
  const caretsSorted = carets.slice().sort((x, y) => x - y);
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (i > 0 && p === points[i - 1]) continue;
    while (ci < caretsSorted.length && caretsSorted[ci] <= p) {
      if (caretsSorted[ci] === p && p >= lo && p <= hi) html += '<span class="caret"></span>';
      ci++;
    }
    let q = -1;
    for (let j = i + 1; j < points.length; j++) if (points[j] > p) { q = points[j]; break; }
    if (q < 0) break;
    if (active.length) active = active.filter((sp) => sp.b > p);
    while (next < byStart.length && byStart[next].a <= p) {
      if (byStart[next].b > p) active.push(byStart[next]);
      next++;
    }
    const a = Math.max(p, lo), b = Math.min(q, hi);
    if (b <= a) continue;
    let cls = "";
    let title = "";
    for (const sp of active) {
      if (sp.b >= q) {
        cls += (cls ? " " : "") + sp.cls;
        if (sp.title) title = sp.title;
      }
    }
    const part = esc(text.slice(a, b));
    html += cls ? `<span class="${cls}"${title ? ` title="${esc(title)}"` : ""}>${part}</span>` : part;
  }
  // a diagnostic past the end of the line, or a selected newline: something to show
  const past = marks ? marks.filter((m) => m.a >= text.length) : [];
  if (past.length) html += `<span class="${past[0].cls}" title="${esc(past[0].title)}"> </span>`;
  if (eolSel) html += '<span class="s0 eol"> </span>';
  return html;
}
