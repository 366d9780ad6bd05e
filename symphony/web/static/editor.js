// The editor surface: a virtual-scrolling view of one xi view's line cache.
//
// Only the visible lines (plus a row or two) are DOM nodes, and a row whose line object did
// not change (the cache keeps the very object when the core `copy`s it) is not rebuilt. The
// scroll container's height is lines x line height, clamped to MAX_PX: past that, the scroll
// position maps to a line linearly. The page asks the core for the lines around the screen
// (`edit scroll [first, last)`, one screen of margin each side) and holds nothing else.

import { charCol, utf8Col } from "./linecache.js";
import { argb, lineHtml, rgba, stripNl } from "./lines.js";

/** Past this height (px) the scroller's position maps to lines linearly. */
export const MAX_PX = 10_000_000;
/** Rows of the text re-based every this many lines (keeps CSS offsets small). */
const REBASE = 1024;
/** Lines longer than this are painted only around the screen (horizontally). */
const CLIP_MIN = 4000;
/** A clipped line's window moves in steps of this many characters. */
const CLIP_STEP = 1000;
/** While scrolling, the window asked for reaches this many frames of motion ahead. */
const LOOKAHEAD_FRAMES = 6;
/** ... but no further than this many screens ahead. */
const LOOKAHEAD_SCREENS = 8;
const FRAME_MS = 1000 / 60;

/** @typedef {import("./linecache.js").Line} Line */
/** @typedef {import("./lines.js").Mark} Mark */
/** @typedef {import("./viewmodel.js").ViewModel} ViewModel */

/**
 * @typedef {object} SurfaceHost
 * @property {(viewId: string, method: string, params?: any) => void} edit
 * @property {() => void} [painted] called in the animation frame after each render
 */

export class EditorSurface {
  /** @param {HTMLElement} root the #editor element @param {SurfaceHost} host */
  constructor(root, host) {
    this.root = root;
    this.host = host;
    /** @type {ViewModel|null} */
    this.vm = null;
    this.font = "14px ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
    this.lineHeight = 20;
    root.classList.add("ed");
    root.style.setProperty("--lh", `${this.lineHeight}px`);
    root.style.setProperty("--font", this.font);
    root.innerHTML = "";
    this.scroller = div("ed-scroller");
    this.layer = div("ed-layer");
    this.gutter = div("ed-gutter");
    this.gutterRows = div("ed-rows");
    this.gutter.appendChild(this.gutterRows);
    this.text = div("ed-text");
    this.textRows = div("ed-rows");
    this.text.appendChild(this.textRows);
    this.spacer = div("ed-spacer");
    this.layer.append(this.gutter, this.text);
    this.scroller.append(this.layer, this.spacer);
    root.appendChild(this.scroller);
    this.styleSheet = document.createElement("style");
    this.styleSheet.id = "ed-styles";
    document.head.appendChild(this.styleSheet);
    const canvas = document.createElement("canvas");
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    this.ctx.font = this.font;
    this.charWidth = this.ctx.measureText("0").width || 8;
    /** @type {Map<number, {t: HTMLElement, g: HTMLElement, line: Line|null, marks: Mark[]|undefined, ver: number, ln: string, clip: number}>} */
    this.rows = new Map();
    /** @type {Array<{t: HTMLElement, g: HTMLElement}>} */
    this.free = [];
    this.base = 0;
    this.styleVersion = 0;
    this.viewW = 0;
    this.viewH = 0;
    this.gutterW = 0;
    this.expectedScrollTop = -1;
    this.rafPending = false;
    /** the scrolling speed (visual lines per 60 Hz frame, smoothed; negative: up) */
    this.velocity = 0;
    /** @type {{vm: ViewModel|null, top: number, t: number}} where the last window request saw the screen */
    this.lastSeen = { vm: null, top: 0, t: 0 };
    /** @type {Array<[number, string|null]>} rows painted by the last render: [row, text] */
    this.painted = [];
    this.scrolledSinceFrame = false;
    this.lastFrameScrolled = false;
    this.lastFrameT = 0;
    /** @type {number[]} */
    this.frames = [];
    /** @type {number[]} ms spent rendering, per frame */
    this.renderMs = [];
    this.scroller.addEventListener("scroll", () => this._onScroll(), { passive: true });
    this.scroller.addEventListener("wheel", (e) => this._onWheel(e), { passive: false });
    new ResizeObserver(() => this.measure()).observe(this.scroller);
    this.measure();
  }

  /** Read the viewport size; tell the core when it changed. */
  measure() {
    const w = this.scroller.clientWidth, h = this.scroller.clientHeight;
    if (w === this.viewW && h === this.viewH) return;
    this.viewW = w;
    this.viewH = h;
    this.layer.style.height = `${h}px`;
    this.layer.style.width = `${w}px`;
    if (this.vm) this._sendResize(this.vm);
    this.setTop(this.vm ? this.vm.top : 0);
  }

  /** @param {ViewModel} vm */
  _sendResize(vm) {
    if (this.viewW > 0 && this.viewH > 0) {
      this.host.edit(vm.id, "resize", { width: Math.max(1, Math.round(this.viewW - this.gutterW)), height: Math.round(this.viewH) });
    }
  }

  /** Rows that fit in the viewport (fractional). */
  get screenRows() {
    return Math.max(1, this.viewH / this.lineHeight);
  }

  /** @param {ViewModel|null} vm */
  setView(vm) {
    if (this.vm === vm) return;
    this.vm = vm;
    for (const r of this.rows.values()) this._release(r);
    this.rows.clear();
    if (vm) {
      this._applyConfig(vm);
      this._sendResize(vm);
      vm.sent = null;
      this.setTop(vm.top);
      this.scroller.scrollLeft = vm.left;
    }
    this.scheduleRender();
  }

  /** @param {ViewModel} vm */
  _applyConfig(vm) {
    const tab = Number(vm.config.tab_size) || 4;
    this.root.style.setProperty("--tab", String(tab));
  }

  /**
   * The view's config changed; wrapping settings: the core measures the width again.
   * @param {ViewModel} vm @param {boolean} [wrapping]
   */
  configChanged(vm, wrapping) {
    if (vm === this.vm) {
      this._applyConfig(vm);
      if (wrapping) this._sendResize(vm);
      this.scheduleRender();
    }
  }

  /** The geometry of the scroll extent. */
  _geometry() {
    const vm = this.vm;
    const total = vm ? vm.lineCount : 0;
    const maxTop = Math.max(0, total - this.screenRows + 1);
    const fullPx = maxTop * this.lineHeight + this.viewH;
    const clamped = fullPx > MAX_PX;
    const heightPx = clamped ? MAX_PX : fullPx;
    return { total, maxTop, clamped, heightPx, range: Math.max(1, heightPx - this.viewH) };
  }

  /**
   * Scroll so visual line `top` (fractional) is at the top of the viewport.
   * @param {number} top
   */
  setTop(top) {
    const vm = this.vm;
    const g = this._geometry();
    const t = Math.max(0, Math.min(g.maxTop, top || 0));
    if (vm) vm.top = t;
    this._updateSpacer(g);
    const st = g.clamped ? (g.maxTop ? (t / g.maxTop) * g.range : 0) : t * this.lineHeight;
    this.scroller.scrollTop = st;
    this.expectedScrollTop = this.scroller.scrollTop;
    this.scrolledSinceFrame = true;
    this.scheduleRender();
  }

  /** Scroll by `lines` (what the wheel does). @param {number} lines */
  scrollBy(lines) {
    if (this.vm) this.setTop(this.vm.top + lines);
  }

  /** @param {{heightPx: number}} g */
  _updateSpacer(g) {
    const h = `${Math.max(0, g.heightPx - this.viewH)}px`;
    if (this.spacer.style.height !== h) this.spacer.style.height = h;
    const widest = this.vm ? this.vm.widest : 0;
    const w = `${Math.ceil(this.gutterW + (widest + 4) * this.charWidth)}px`;
    if (this.spacer.style.width !== w) this.spacer.style.width = w;
  }

  _onScroll() {
    const vm = this.vm;
    if (!vm) return;
    const st = this.scroller.scrollTop;
    if (Math.abs(st - this.expectedScrollTop) >= 1) {
      const g = this._geometry();
      vm.top = g.clamped ? (st / g.range) * g.maxTop : st / this.lineHeight;
      vm.top = Math.max(0, Math.min(g.maxTop, vm.top));
      this.expectedScrollTop = st;
      this.scrolledSinceFrame = true;
    }
    vm.left = this.scroller.scrollLeft;
    this.scheduleRender();
  }

  /** @param {WheelEvent} e */
  _onWheel(e) {
    if (!this.vm || e.ctrlKey) return;
    const dy = e.deltaMode === 1 ? e.deltaY : e.deltaMode === 2 ? e.deltaY * this.screenRows : e.deltaY / this.lineHeight;
    if (Math.abs(e.deltaY) > Math.abs(e.deltaX)) {
      e.preventDefault();
      this.scrollBy(dy);
    }
  }

  /**
   * The core moved the last caret: bring it into view.
   * @param {number} line visual line @param {number} col UTF-8 column
   */
  scrollTo(line, col) {
    const vm = this.vm;
    if (!vm) return;
    const rows = Math.floor(this.screenRows);
    if (line < vm.top) this.setTop(line);
    else if (line + 1 > vm.top + rows) this.setTop(line + 1 - rows);
    const held = vm.cache.line(line);
    const x = held ? this._textWidth(stripNl(held.text), charCol(stripNl(held.text), col)) : col * this.charWidth;
    const textW = this.viewW - this.gutterW;
    if (x < vm.left) this.scroller.scrollLeft = Math.max(0, x - 4 * this.charWidth);
    else if (x > vm.left + textW - 2 * this.charWidth) this.scroller.scrollLeft = x - textW + 4 * this.charWidth;
  }

  /** Pixel width of the first `n` characters of `text` (tabs expanded). @param {string} text @param {number} n */
  _textWidth(text, n) {
    const tab = Number(this.vm && this.vm.config.tab_size) || 4;
    let cols = 0;
    for (let i = 0; i < n && i < text.length; i++) cols = text[i] === "\t" ? cols + tab - (cols % tab) : cols + 1;
    return cols * this.charWidth;
  }

  /**
   * Ask for the lines around the screen when the screen nears the edge of what was asked:
   * a screen of margin each side, and while scrolling, LOOKAHEAD_FRAMES of the motion more
   * ahead, so the lines are there before the screen reaches them (a round trip to the core
   * takes a frame or two).
   */
  _requestWindow() {
    const vm = this.vm;
    if (!vm || this.viewH <= 0) return;
    const screen = Math.ceil(this.screenRows);
    const first = Math.floor(vm.top);
    const last = first + screen;
    const total = vm.lineCount;
    const ahead = this._lookahead(vm, screen);
    const up = ahead < 0 ? -ahead : 0, down = ahead > 0 ? ahead : 0;
    const sent = vm.sent;
    const lo = Math.max(0, first - (screen >> 1) - (up >> 1));
    const hi = Math.min(Math.max(total, last), last + (screen >> 1) + (down >> 1));
    if (sent && sent[0] <= lo && sent[1] >= hi) return;
    const range = /** @type {[number, number]} */ ([Math.max(0, first - screen - up), last + screen + down]);
    vm.sent = range;
    this.host.edit(vm.id, "scroll", range);
  }

  /**
   * Lines to ask for beyond the margin, in the direction of scrolling (negative: up).
   * @param {ViewModel} vm @param {number} screen
   */
  _lookahead(vm, screen) {
    const now = performance.now();
    const seen = this.lastSeen;
    const dt = now - seen.t;
    // a jump (more than a few screens at once) or a pause is not scrolling
    if (seen.vm === vm && dt > 0 && dt < 200 && Math.abs(vm.top - seen.top) <= 4 * screen) {
      this.velocity = 0.5 * this.velocity + 0.5 * ((vm.top - seen.top) / dt) * FRAME_MS;
    } else {
      this.velocity = 0;
    }
    this.lastSeen = { vm, top: vm.top, t: now };
    const lines = Math.min(LOOKAHEAD_SCREENS * screen, Math.ceil(Math.abs(this.velocity) * LOOKAHEAD_FRAMES));
    return this.velocity < 0 ? -lines : lines;
  }

  /** Render in the next animation frame. */
  scheduleRender() {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame((now) => this._frame(now));
  }

  /** @param {number} now */
  _frame(now) {
    this.rafPending = false;
    // the time since the frame before, when both scrolled (not the idle time before a scroll)
    if (this.scrolledSinceFrame && this.lastFrameScrolled && this.lastFrameT) this.frames.push(performance.now() - this.lastFrameT);
    if (this.frames.length > 10000) this.frames.splice(0, 5000);
    this.lastFrameScrolled = this.scrolledSinceFrame;
    this.scrolledSinceFrame = false;
    const t0 = performance.now();
    this.render();
    this.lastFrameT = performance.now();
    this.renderMs.push(this.lastFrameT - t0);
    if (this.renderMs.length > 10000) this.renderMs.splice(0, 5000);
    if (this.host.painted) this.host.painted();
    void now;
  }

  /** Paint the visible rows now. */
  render() {
    const vm = this.vm;
    if (!vm) {
      for (const r of this.rows.values()) this._release(r);
      this.rows.clear();
      this.painted = [];
      return;
    }
    const lh = this.lineHeight;
    const g = this._geometry();
    if (vm.top > g.maxTop) vm.top = g.maxTop;
    const digits = Math.max(3, String(g.total).length);
    const gutterW = Math.ceil((digits + 2) * this.charWidth);
    if (gutterW !== this.gutterW) {
      this.gutterW = gutterW;
      this.gutter.style.width = `${gutterW}px`;
      this.text.style.left = `${gutterW}px`;
      this._sendResize(vm);
    }
    this._updateSpacer(g);
    const first = Math.floor(vm.top);
    const count = Math.ceil(this.viewH / lh) + 1;
    const end = Math.min(g.total, first + count);
    if (first < this.base || first + count > this.base + REBASE * 2) {
      this.base = Math.max(0, first - (first % REBASE));
      for (const [row, r] of this.rows) this._place(r, row);
    }
    for (const [row, r] of this.rows) {
      if (row < first || row >= end) {
        this._release(r);
        this.rows.delete(row);
      }
    }
    /** @type {Array<[number, string|null]>} */
    const painted = [];
    let widest = vm.widest;
    for (let row = first; row < end; row++) {
      const line = vm.cache.line(row);
      const marks = vm.marks.get(row);
      let r = this.rows.get(row);
      if (!r) {
        const els = this.free.pop() || this._newRow();
        r = { t: els.t, g: els.g, line: null, marks: undefined, ver: -1, ln: "", clip: -1 };
        this.rows.set(row, r);
        this._place(r, row);
        r.t.hidden = false;
        r.g.hidden = false;
      }
      const clip = line ? this._clipFrom(line, vm) : 0;
      if (r.line !== line || r.marks !== marks || r.ver !== this.styleVersion || (!line && r.ver !== -2) || r.clip !== clip) {
        r.line = line;
        r.marks = marks;
        r.clip = clip;
        r.ver = line ? this.styleVersion : -2;
        r.t.innerHTML = line ? (clip < 0 ? lineHtml(line, marks) : lineHtml(line, marks, clip, clip + this._clipSpan())) : "";
        r.t.classList.toggle("missing", !line);
        const ln = line && line.ln ? String(line.ln) : "";
        if (ln !== r.ln) {
          r.ln = ln;
          r.g.textContent = ln;
        }
        r.g.classList.toggle("has-diag", !!(marks && marks.some((m) => m.cls.startsWith("diag"))));
        r.g.classList.toggle("cur", !!(line && line.cursor && line.cursor.length));
        if (line && line.text.length > widest) widest = line.text.length;
      }
      painted.push([row, line ? stripNl(line.text) : null]);
    }
    if (widest > vm.widest) {
      vm.widest = widest;
      this._updateSpacer(g);
    }
    const shift = `translate(0px, ${-((vm.top - this.base) * lh)}px)`;
    this.gutterRows.style.transform = shift;
    this.textRows.style.transform = `translate(${-vm.left}px, ${-((vm.top - this.base) * lh)}px)`;
    this.painted = painted.filter(([row]) => row + 1 > vm.top && row < vm.top + this.viewH / lh);
    this._requestWindow();
  }

  /**
   * Where a long line's painted window starts (-1: paint it all). Only lines whose columns are
   * characters (ASCII, no tab) are clipped; the window moves in steps of CLIP_STEP.
   * @param {Line} line @param {ViewModel} vm
   */
  _clipFrom(line, vm) {
    const n = line.text.length;
    if (n <= CLIP_MIN) return -1;
    // eslint-disable-next-line no-control-regex
    if (/[^\x20-\x7e\n\r]/.test(line.text)) return -1;
    const first = Math.floor(vm.left / this.charWidth);
    return Math.max(0, Math.floor((first - CLIP_STEP / 2) / CLIP_STEP) * CLIP_STEP);
  }

  /** Characters a clipped line paints from its window's start. */
  _clipSpan() {
    return Math.ceil(this.viewW / this.charWidth) + 2 * CLIP_STEP;
  }

  /** @param {{t: HTMLElement, g: HTMLElement}} r @param {number} row */
  _place(r, row) {
    const y = `${(row - this.base) * this.lineHeight}px`;
    r.t.style.top = y;
    r.g.style.top = y;
  }

  _newRow() {
    const t = div("ed-line");
    const g = div("ed-ln");
    this.textRows.appendChild(t);
    this.gutterRows.appendChild(g);
    return { t, g };
  }

  /** @param {{t: HTMLElement, g: HTMLElement}} r */
  _release(r) {
    r.t.hidden = true;
    r.g.hidden = true;
    this.free.push({ t: r.t, g: r.g });
  }

  /**
   * A `def_style` from the core: a CSS class `s<id>`.
   * @param {{id: number, fg_color?: number, bg_color?: number, weight?: number, italic?: boolean, underline?: boolean}} p
   */
  defStyle(p) {
    if (!p || typeof p.id !== "number" || p.id < 2) return;
    const decl = [];
    const fg = argb(p.fg_color), bg = argb(p.bg_color);
    if (fg) decl.push(`color:${fg}`);
    if (bg) decl.push(`background-color:${bg}`);
    if (typeof p.weight === "number" && p.weight >= 600) decl.push("font-weight:bold");
    if (p.italic === true) decl.push("font-style:italic");
    if (p.underline === true) decl.push("text-decoration:underline");
    const sheet = /** @type {CSSStyleSheet} */ (this.styleSheet.sheet);
    const sel = `.ed-text .s${p.id}`;
    for (let i = sheet.cssRules.length - 1; i >= 0; i--) {
      if (/** @type {CSSStyleRule} */ (sheet.cssRules[i]).selectorText === sel) sheet.deleteRule(i);
    }
    sheet.insertRule(`${sel}{${decl.join(";")}}`, sheet.cssRules.length);
    this.styleVersion++;
    this.scheduleRender();
  }

  /** `theme_changed`: the editor's colours. @param {any} theme */
  setTheme(theme) {
    if (!theme || typeof theme !== "object") return;
    /** @type {Array<[string, any]>} */
    const vars = [["--bg", theme.background], ["--fg", theme.foreground], ["--caret", theme.caret],
      ["--sel", theme.selection], ["--line-hl", theme.line_highlight], ["--gutter-fg", theme.gutter_foreground],
      ["--find", theme.find_highlight]];
    for (const [name, c] of vars) {
      const v = rgba(c);
      if (v) document.documentElement.style.setProperty(name, v);
    }
    this.styleVersion++;
    this.scheduleRender();
  }

  /**
   * The visual row and UTF-8 column under a point of the page.
   * @param {number} clientX @param {number} clientY @returns {[number, number]|null}
   */
  positionAt(clientX, clientY) {
    const vm = this.vm;
    if (!vm) return null;
    const rect = this.text.getBoundingClientRect();
    const y = clientY - rect.top;
    let row = Math.floor(vm.top + y / this.lineHeight);
    row = Math.max(0, Math.min(vm.lineCount - 1, row));
    if (row < 0) return [0, 0];
    const line = vm.cache.line(row);
    if (!line) return [row, 0];
    const text = stripNl(line.text);
    const x = clientX - rect.left + vm.left - 4; // (the line's left padding)
    let idx;
    // eslint-disable-next-line no-control-regex
    if (!/[^\x20-\x7e]/.test(text)) {
      idx = Math.max(0, Math.min(text.length, Math.round(x / this.charWidth)));
    } else {
      idx = this._indexAtPoint(row, text, clientX, rect.top + (row - vm.top + 0.5) * this.lineHeight);
    }
    return [row, utf8Col(text, idx)];
  }

  /** Character index under the point, by the browser's own hit testing. @param {number} row @param {string} text @param {number} x @param {number} y */
  _indexAtPoint(row, text, x, y) {
    const r = this.rows.get(row);
    const doc = /** @type {any} */ (document);
    const range = r && doc.caretRangeFromPoint ? doc.caretRangeFromPoint(x, y) : null;
    if (!r || !range || !r.t.contains(range.startContainer)) {
      const rect = r ? r.t.getBoundingClientRect() : null;
      return rect && x > rect.right ? text.length : 0;
    }
    let idx = 0;
    const walker = document.createTreeWalker(r.t, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n === range.startContainer) return Math.min(text.length, idx + range.startOffset);
      idx += (n.nodeValue || "").length;
    }
    return Math.min(text.length, idx);
  }

  /**
   * Page coordinates of visual (row, col8), the middle of the line's height (for tests).
   * @param {number} row @param {number} col8 @returns {[number, number]}
   */
  pointAt(row, col8) {
    const vm = this.vm;
    const rect = this.text.getBoundingClientRect();
    const line = vm ? vm.cache.line(row) : null;
    const text = line ? stripNl(line.text) : "";
    const x = rect.left + 4 + this._textWidth(text, charCol(text, col8)) - (vm ? vm.left : 0);
    return [x, rect.top + (row - (vm ? vm.top : 0) + 0.5) * this.lineHeight];
  }

  /** Page rectangle of the last caret painted (for the IME window), or null. */
  caretRect() {
    const carets = this.textRows.querySelectorAll(".ed-line:not([hidden]) .caret");
    const last = carets.length ? carets[carets.length - 1] : null;
    return last ? last.getBoundingClientRect() : null;
  }

  /** Carets painted now: `[row, col8]`. @returns {Array<[number, number]>} */
  visibleCursors() {
    const vm = this.vm;
    /** @type {Array<[number, number]>} */
    const out = [];
    if (!vm) return out;
    for (const [row] of this.painted) {
      const line = vm.cache.line(row);
      for (const c of (line && line.cursor) || []) out.push([row, c]);
    }
    return out;
  }

  /** Widths in px of strings in the editor font (`measure_width`). @param {string[]} strings */
  measureStrings(strings) {
    return strings.map((s) => this.ctx.measureText(String(s)).width);
  }
}

/** @param {string} cls */
function div(cls) {
  const d = document.createElement("div");
  d.className = cls;
  return d;
}
