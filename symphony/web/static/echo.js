// Local echo: a character typed at the carets is painted at once, in the key's own frame,
// instead of a round trip later (mosh's speculative echo, for an editor).
//
// The core stays the only authority. A prediction is a step ("insert these characters at
// every caret") applied to the lines the page holds, remembering the lines it replaced. When
// the core's `update` comes, the page first puts those lines back, so the update's ops apply to
// exactly the cache the core believes the page has; then each predicted row is compared with
// the core's: the text after k of the steps means k steps are confirmed and the rest are
// applied again on top of the core's line; anything else (the core did something else, or
// more) drops every prediction of the view and the core's lines stand. A prediction the core
// never confirms is dropped after EXPIRE_MS. Pure (no DOM): node tests import it.
//
// Nothing is predicted when it cannot be right: a selection would be replaced, word wrap could
// move text to another row, a newline adds rows, and just after an edit that moved the carets
// (until its update came back) the carets the page shows are stale.

import { charCol, utf8Length } from "./linecache.js";
import { stripNl } from "./lines.js";

/** @typedef {import("./linecache.js").Line} Line */
/** @typedef {import("./viewmodel.js").ViewModel} ViewModel */

/** A prediction the core has not confirmed by then is dropped (ms). */
export const EXPIRE_MS = 1000;
/** After an edit that may move the carets, no prediction until its update or this long (ms). */
export const SETTLE_MS = 250;
/** Edits that change neither the text nor the carets (the page's own window bookkeeping). */
const QUIET = new Set(["scroll", "resize", "request_hover"]);

/**
 * `line` with `chars` inserted at every caret: a new line object, its carets after the
 * inserted text, its styles stretched over it (a character typed at a span's end takes the
 * span's style, one typed at its start does not).
 * @param {Line} line @param {string} chars @returns {Line}
 */
export function insertAtCarets(line, chars) {
  const carets = (line.cursor || []).slice().sort((a, b) => a - b);
  if (!carets.length) return line;
  const body = stripNl(line.text);
  const eol = line.text.slice(body.length);
  const add = utf8Length(chars);
  let text = "";
  let from = 0;
  for (const c8 of carets) {
    const at = charCol(body, c8);
    text += body.slice(from, at) + chars;
    from = at;
  }
  text += body.slice(from) + eol;
  /** @type {Line} */
  const out = { ...line, text, cursor: carets.map((c, i) => c + add * (i + 1)) };
  const styles = line.styles;
  if (styles && styles.length) {
    /** @param {number} p @param {boolean} end */
    const moved = (p, end) => {
      let n = 0;
      for (const c of carets) if (c < p || (end && c === p)) n++;
      return p + add * n;
    };
    /** @type {number[]} */
    const shifted = [];
    let end = 0, newEnd = 0;
    for (let k = 0; k + 2 < styles.length; k += 3) {
      const start = end + styles[k];
      end = start + styles[k + 1];
      const s = moved(start, false), e = Math.max(s, moved(end, true));
      shifted.push(s - newEnd, e - s, styles[k + 2]);
      newEnd = e;
    }
    out.styles = shifted;
  }
  return out;
}

/**
 * @typedef {object} Prediction
 * @property {Array<{chars: string, t: number}>} steps not yet confirmed, oldest first
 * @property {Map<number, Line>} base row -> the core's line the steps were applied to
 * @property {number} length the view's line count when they were made
 */

export class Echo {
  /** @param {() => number} [now] */
  constructor(now = () => performance.now()) {
    this.now = now;
    /** @type {Map<string, Prediction>} */
    this.predictions = new Map();
    /** @type {Map<string, number>} view -> when an edit that may move its carets was sent */
    this.unsettled = new Map();
    /** @type {Map<string, number>} view -> when its last update was applied */
    this.updated = new Map();
    this.stats = { predicted: 0, confirmed: 0, dropped: 0, expired: 0 };
  }

  /** How many views show predictions the core has not confirmed yet. */
  get pendingCount() {
    return this.predictions.size;
  }

  /**
   * An edit other than a predicted insert goes to the core for `vm`.
   * @param {string} viewId @param {string} method
   */
  sent(viewId, method) {
    if (!QUIET.has(method)) this.unsettled.set(viewId, this.now());
  }

  /**
   * Predict `chars` typed into `vm`: true when its lines now show them (paint them), false
   * when nothing was predicted (the core's update will show them).
   * @param {ViewModel} vm @param {string} chars @returns {boolean}
   */
  predict(vm, chars) {
    if (!chars || /[\r\n]/.test(chars) || vm.config.word_wrap) return false;
    const now = this.now();
    const moved = this.unsettled.get(vm.id);
    if (moved !== undefined && now - moved < SETTLE_MS && !((this.updated.get(vm.id) ?? -Infinity) > moved)) return false;
    const cache = vm.cache;
    const rows = cache.cursorLines();
    if (!rows.length) return false;
    for (const c of cache.chunks) {
      for (const line of c.lines) if (hasSelection(line)) return false;
    }
    let p = this.predictions.get(vm.id);
    if (!p) {
      p = { steps: [], base: new Map(), length: cache.length };
      this.predictions.set(vm.id, p);
    }
    for (const [row, line] of rows) {
      if (!p.base.has(row)) p.base.set(row, line);
      cache.replace(row, insertAtCarets(line, chars));
    }
    p.steps.push({ chars, t: now });
    this.stats.predicted += 1;
    return true;
  }

  /**
   * Before the core's update of `vm` is applied: put back the core's own lines.
   * @param {ViewModel} vm
   */
  beforeUpdate(vm) {
    const p = this.predictions.get(vm.id);
    if (p) for (const [row, line] of p.base) vm.cache.replace(row, line);
  }

  /**
   * After the core's update of `vm` was applied: confirm, keep or drop its predictions (see
   * the module's comment), and apply what is left on top of the core's lines.
   * @param {ViewModel} vm
   */
  afterUpdate(vm) {
    this.updated.set(vm.id, this.now());
    const p = this.predictions.get(vm.id);
    if (!p) return;
    const cache = vm.cache;
    let confirmed = -1;
    let agree = cache.length === p.length;
    for (const [row, base] of p.base) {
      if (!agree) break;
      const now = cache.line(row);
      if (!now) continue; // scrolled out of the window: the rows still held decide
      let k = 0;
      if (now !== base) {
        const text = stripNl(now.text);
        let line = base;
        k = -1;
        for (let j = 0; j <= p.steps.length; j++) {
          if (stripNl(line.text) === text) { k = j; break; }
          if (j < p.steps.length) line = insertAtCarets(line, p.steps[j].chars);
        }
      }
      if (k < 0 || (confirmed >= 0 && k !== confirmed)) agree = false;
      else confirmed = k;
    }
    if (!agree || confirmed < 0) {
      this.predictions.delete(vm.id);
      if (!agree) this.stats.dropped += 1;
      return;
    }
    this.stats.confirmed += confirmed;
    p.steps.splice(0, confirmed);
    if (!p.steps.length) {
      this.predictions.delete(vm.id);
      return;
    }
    const base = new Map();
    for (const row of p.base.keys()) {
      const line = cache.line(row);
      if (!line) continue;
      base.set(row, line);
      let predicted = line;
      for (const step of p.steps) predicted = insertAtCarets(predicted, step.chars);
      cache.replace(row, predicted);
    }
    p.base = base;
  }

  /**
   * Drop `vm`'s predictions when the oldest is older than EXPIRE_MS (or always, with
   * `force`): true when its lines changed (paint them).
   * @param {ViewModel} vm @param {boolean} [force]
   */
  expire(vm, force = false) {
    const p = this.predictions.get(vm.id);
    if (!p || (!force && this.now() - p.steps[0].t < EXPIRE_MS)) return false;
    this.beforeUpdate(vm);
    this.predictions.delete(vm.id);
    if (!force) this.stats.expired += 1;
    return true;
  }
}

/** Whether the core shows a selection (style 0) in `line`. @param {Line} line */
function hasSelection(line) {
  const s = line.styles;
  if (!s) return false;
  for (let k = 2; k < s.length; k += 3) if (s[k] === 0 && s[k - 1] > 0) return true;
  return false;
}
