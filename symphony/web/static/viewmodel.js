// What the page knows of one xi view (a tab): its line cache, settings, annotations by row,
// and where it is scrolled.

import { LineCache, charCol } from "./linecache.js";
import { stripNl } from "./lines.js";

/** @typedef {import("./lines.js").Mark} Mark */

/** One xi view as the page knows it (a tab). */
export class ViewModel {
  /** @param {string} id @param {string|null} path */
  constructor(id, path) {
    this.id = id;
    this.path = path;
    this.cache = new LineCache();
    this.pristine = true;
    /** @type {string|null} */
    this.language = null;
    /** @type {Record<string, any>} all config_changed settings merged */
    this.config = {};
    /** @type {Map<number, Mark[]>} annotations by visual row (char indices) */
    this.marks = new Map();
    /** first visible visual line (fractional) */
    this.top = 0;
    /** horizontal scroll (px) */
    this.left = 0;
    /** @type {[number, number]|null} the last `scroll` range sent */
    this.sent = null;
    this.updates = 0;
    /** widest line seen (in character cells), for the horizontal scroll extent */
    this.widest = 0;
  }

  /** Total visual lines. */
  get lineCount() {
    return this.cache.length;
  }

  /**
   * Take an update's annotations (each update's list replaces the last).
   * @param {any[]|undefined} annotations
   */
  setAnnotations(annotations) {
    this.marks = new Map();
    if (!Array.isArray(annotations)) return;
    for (const slice of annotations) {
      if (!slice || !Array.isArray(slice.ranges)) continue;
      const type = typeof slice.type === "string" ? slice.type : "annotation";
      slice.ranges.forEach((/** @type {any} */ r, /** @type {number} */ i) => {
        if (!Array.isArray(r) || r.length !== 4) return;
        const [sl, sc, el, ec] = r;
        const p = (slice.payloads || [])[i] || {};
        const severity = ["error", "warning", "information", "hint"].includes(p.severity) ? p.severity : "error";
        const msg = typeof p.message === "string" ? p.message : "";
        const title = type === "diagnostic" ? `${severity}: ${msg}${p.source ? ` (${p.source})` : ""}` : msg;
        const cls = type === "diagnostic" ? `diag diag-${severity}` : `anno anno-${type.replace(/[^\w-]/g, "")}`;
        for (let row = sl; row <= el && row - sl < 10000; row++) {
          const line = this.cache.line(row);
          const text = line ? stripNl(line.text) : "";
          const a = row === sl ? charCol(text, sc) : 0;
          let b = row === el ? charCol(text, ec) : text.length;
          if (b <= a) b = a + 1; // at least one column, to be visible
          let list = this.marks.get(row);
          if (!list) this.marks.set(row, (list = []));
          list.push({ a, b, cls, title });
        }
      });
    }
  }

  /**
   * `{path, pristine, language, config, cursors, lineCount}` (app.viewState): cursors as
   * [logical line 0-based, column in characters], of the carets in the lines the page holds.
   */
  state() {
    /** @type {Array<[number, number]>} */
    const cursors = [];
    for (const [row, line] of this.cache.cursorLines()) {
      for (const c8 of line.cursor || []) {
        const pos = this.cache.logical(row, c8);
        if (!pos) continue;
        // the characters of the visual lines before this one, in the same logical line
        let col = charCol(line.text, c8);
        for (let r = row, l = line; !l.ln && r > 0;) {
          r -= 1;
          const above = this.cache.line(r);
          if (!above) break;
          col += above.text.length;
          l = above;
        }
        cursors.push([pos[0], col]);
      }
    }
    return { path: this.path, pristine: this.pristine, language: this.language, config: { ...this.config }, cursors,
      lineCount: this.lineCount };
  }

  /** Edits that put the carets (those in the lines the page holds) back where they are. */
  caretEdits() {
    /** @type {Array<{method: string, params: any}>} */
    const out = [];
    for (const [row, line] of this.cache.cursorLines()) {
      for (const c8 of line.cursor || []) {
        const pos = this.cache.logical(row, c8);
        if (pos) out.push({ method: "gesture", params: { line: pos[0], col: pos[1], ty: out.length ? "toggle_sel" : "point_select" } });
      }
    }
    return out;
  }
}
