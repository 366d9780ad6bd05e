// Keyboard, IME, clipboard and mouse -> xi edit methods.
//
// Text comes in through a hidden textarea that holds the focus: printable keys, dead keys and
// IME compositions arrive as `input`/`composition*` events (never guessed from keydown), so
// every layout and input method works. Commands are a keymap on keydown.

/**
 * What input needs from the page.
 * @typedef {object} InputHost
 * @property {() => string|null} activeView
 * @property {(viewId: string, method: string, params?: any) => void} edit
 * @property {(viewId: string, method: string, params?: any) => Promise<any>} editRequest
 * @property {(viewId: string) => Promise<void>} save
 * @property {(e: KeyboardEvent) => boolean} chromeKey a chrome binding took the key
 * @property {(t: number) => void} keyEdit a key at time t sent an edit (for keyToPaint)
 */

/** Key combo -> edit method (or a function of the host). */
const KEYMAP = /** @type {Record<string, string>} */ ({
  ArrowLeft: "move_left", "Shift+ArrowLeft": "move_left_and_modify_selection",
  ArrowRight: "move_right", "Shift+ArrowRight": "move_right_and_modify_selection",
  ArrowUp: "move_up", "Shift+ArrowUp": "move_up_and_modify_selection",
  ArrowDown: "move_down", "Shift+ArrowDown": "move_down_and_modify_selection",
  "Ctrl+ArrowLeft": "move_word_left", "Ctrl+Shift+ArrowLeft": "move_word_left_and_modify_selection",
  "Ctrl+ArrowRight": "move_word_right", "Ctrl+Shift+ArrowRight": "move_word_right_and_modify_selection",
  "Alt+ArrowLeft": "move_word_left", "Alt+Shift+ArrowLeft": "move_word_left_and_modify_selection",
  "Alt+ArrowRight": "move_word_right", "Alt+Shift+ArrowRight": "move_word_right_and_modify_selection",
  "Ctrl+Alt+ArrowUp": "add_selection_above", "Ctrl+Alt+ArrowDown": "add_selection_below",
  "Ctrl+D": "add_selection_below",
  "Ctrl+Shift+L": "selection_into_lines",
  Home: "move_to_left_end_of_line", "Shift+Home": "move_to_left_end_of_line_and_modify_selection",
  End: "move_to_right_end_of_line", "Shift+End": "move_to_right_end_of_line_and_modify_selection",
  "Ctrl+Home": "move_to_beginning_of_document", "Ctrl+Shift+Home": "move_to_beginning_of_document_and_modify_selection",
  "Ctrl+End": "move_to_end_of_document", "Ctrl+Shift+End": "move_to_end_of_document_and_modify_selection",
  PageUp: "scroll_page_up", "Shift+PageUp": "page_up_and_modify_selection",
  PageDown: "scroll_page_down", "Shift+PageDown": "page_down_and_modify_selection",
  Backspace: "delete_backward", "Shift+Backspace": "delete_backward", "Ctrl+Backspace": "delete_word_backward",
  Delete: "delete_forward", "Ctrl+Delete": "delete_word_forward",
  Enter: "insert_newline", "Shift+Enter": "insert_newline",
  Tab: "insert_tab", "Shift+Tab": "outdent",
  "Ctrl+]": "indent", "Ctrl+[": "outdent",
  Escape: "cancel_operation",
  "Ctrl+Z": "undo", "Ctrl+Shift+Z": "redo", "Ctrl+Y": "redo",
  "Ctrl+A": "select_all",
  "Ctrl+Shift+D": "duplicate_line",
  "Ctrl+Shift+K": "delete_to_end_of_paragraph",
  "Alt+T": "transpose",
});

/**
 * The combo name of a key event: modifiers in the order Ctrl, Alt, Shift, Meta, then the key
 * (`KeyboardEvent.key`, a single letter upper case).
 * @param {KeyboardEvent} e @returns {string}
 */
export function comboOf(e) {
  let key = e.key;
  if (key.length === 1) key = key.toUpperCase();
  if (key === " ") key = "Space";
  const mods = [];
  if (e.ctrlKey) mods.push("Ctrl");
  if (e.altKey) mods.push("Alt");
  if (e.shiftKey && (key.length > 1 || e.ctrlKey || e.altKey || e.metaKey)) mods.push("Shift");
  if (e.metaKey) mods.push("Meta");
  return [...mods, key].join("+");
}

export class Input {
  /**
   * @param {import("./editor.js").EditorSurface} surface
   * @param {InputHost} host
   */
  constructor(surface, host) {
    this.surface = surface;
    this.host = host;
    this.composing = false;
    /** the last text copied or cut (a fallback when the system clipboard is out of reach) */
    this.clipboard = "";
    /** time of the key whose text is awaited from `input` (keyToPaint) */
    this.keyT = 0;
    const ta = document.createElement("textarea");
    ta.className = "ed-input";
    ta.setAttribute("autocapitalize", "off");
    ta.setAttribute("autocomplete", "off");
    ta.setAttribute("autocorrect", "off");
    ta.setAttribute("spellcheck", "false");
    ta.setAttribute("aria-label", "editor");
    ta.wrap = "off";
    surface.layer.appendChild(ta);
    this.ta = ta;
    ta.addEventListener("keydown", (e) => this._keydown(e));
    ta.addEventListener("input", (e) => this._input(/** @type {InputEvent} */ (e)));
    ta.addEventListener("compositionstart", () => this._compositionStart());
    ta.addEventListener("compositionupdate", (e) => {
      ta.style.width = `${Math.max(1, (e.data || "").length + 1) * 2}ch`;
      this._placeTextarea();
    });
    ta.addEventListener("compositionend", (e) => this._compositionEnd(e));
    ta.addEventListener("copy", (e) => { e.preventDefault(); this.copy(false); });
    ta.addEventListener("cut", (e) => { e.preventDefault(); this.copy(true); });
    ta.addEventListener("paste", (e) => this._paste(e));
    const text = surface.text;
    text.addEventListener("mousedown", (e) => this._mousedown(e));
    surface.gutter.addEventListener("mousedown", (e) => this._mousedown(e, true));
    this.dragging = false;
    /** @type {{x: number, y: number}|null} */
    this.dragAt = null;
    window.addEventListener("mousemove", (e) => {
      if (!this.dragging) return;
      if (!this.dragAt) requestAnimationFrame(() => this._dragFrame());
      this.dragAt = { x: e.clientX, y: e.clientY };
    });
    window.addEventListener("mouseup", () => { this.dragging = false; });
  }

  focus() {
    this.ta.focus({ preventScroll: true });
  }

  /** @param {string} method @param {any} [params] */
  _edit(method, params) {
    const v = this.host.activeView();
    if (v) this.host.edit(v, method, params);
  }

  /** @param {KeyboardEvent} e */
  _keydown(e) {
    if (e.isComposing || e.keyCode === 229 || this.composing) return;
    const t = performance.now();
    if (this.host.chromeKey(e)) {
      e.preventDefault();
      return;
    }
    const combo = comboOf(e);
    if (combo === "Ctrl+S" || combo === "Meta+S") {
      e.preventDefault();
      const v = this.host.activeView();
      if (v) this.host.save(v);
      return;
    }
    if (combo === "Ctrl+C" || combo === "Ctrl+X" || combo === "Ctrl+Insert" || combo === "Shift+Delete") {
      e.preventDefault();
      this.copy(combo === "Ctrl+X" || combo === "Shift+Delete");
      return;
    }
    const method = KEYMAP[combo];
    if (method) {
      e.preventDefault();
      if (!this.host.activeView()) return;
      this.host.keyEdit(t);
      this._edit(method);
      return;
    }
    if (!e.ctrlKey && !e.metaKey && !e.altKey && e.key.length === 1 && !this.ta.value) {
      // A plain character: sent from here, the textarea left untouched. Letting it reach the
      // textarea would change the page in the key's own task, and Chromium then holds every
      // other task (the WebSocket's update among them) until the next frame has been drawn:
      // the key would cost two frames instead of one. Dead keys, AltGr and input methods
      // still go through the textarea (composition and `input` events).
      e.preventDefault();
      if (!this.host.activeView()) return;
      this.host.keyEdit(t);
      this._insert(e.key);
      return;
    }
    if (!e.ctrlKey && !e.metaKey && (e.key.length === 1 || e.key === "Dead")) this.keyT = t; // text follows in `input`
  }

  /** @param {InputEvent} e */
  _input(e) {
    if (this.composing || e.isComposing) return;
    const value = this.ta.value;
    this.ta.value = "";
    if (!value) return;
    if (this.keyT) {
      this.host.keyEdit(this.keyT);
      this.keyT = 0;
    }
    this._insert(value);
  }

  /** @param {string} text */
  _insert(text) {
    const chars = text.replace(/\r\n?/g, "\n");
    if (chars.includes("\n") && chars !== "\n") this._edit("paste", { chars });
    else if (chars === "\n") this._edit("insert_newline");
    else this._edit("insert", { chars });
  }

  _compositionStart() {
    this.composing = true;
    this.ta.classList.add("composing");
    this._placeTextarea();
  }

  /** @param {CompositionEvent} e */
  _compositionEnd(e) {
    this.composing = false;
    this.ta.classList.remove("composing");
    this.ta.style.width = "";
    const text = e.data || this.ta.value;
    this.ta.value = "";
    if (text) {
      this.host.keyEdit(performance.now());
      this._insert(text);
    }
  }

  /** Put the textarea at the caret, so an IME shows its composition and candidates there. */
  _placeTextarea() {
    const rect = this.surface.caretRect();
    const layer = this.surface.layer.getBoundingClientRect();
    if (!rect) return;
    this.ta.style.left = `${rect.left - layer.left}px`;
    this.ta.style.top = `${rect.top - layer.top}px`;
  }

  /**
   * Copy (or cut) the selections through the core; the text goes to the system clipboard
   * when the page may write it, and to `this.clipboard` always.
   * @param {boolean} cut
   */
  async copy(cut) {
    const v = this.host.activeView();
    if (!v) return;
    let text;
    try {
      text = await this.host.editRequest(v, "copy");
    } catch {
      return;
    }
    if (cut) this.host.edit(v, "cut");
    if (typeof text !== "string" || !text) return;
    this.clipboard = text;
    try {
      await navigator.clipboard.writeText(text);
    } catch { /* no permission: the page's own clipboard still pastes it */ }
  }

  /** @param {ClipboardEvent} e */
  _paste(e) {
    e.preventDefault();
    const data = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
    const text = data || this.clipboard;
    if (!text) return;
    this.host.keyEdit(performance.now());
    this._edit("paste", { chars: text.replace(/\r\n?/g, "\n") });
  }

  /** Paste text (as the clipboard's `paste` event does). @param {string} text */
  paste(text) {
    this._edit("paste", { chars: text.replace(/\r\n?/g, "\n") });
  }

  /** @param {MouseEvent} e @param {boolean} [gutter] */
  _mousedown(e, gutter) {
    if (e.button !== 0) return;
    e.preventDefault();
    this.focus();
    const pos = this.surface.positionAt(gutter ? this.surface.text.getBoundingClientRect().left : e.clientX, e.clientY);
    if (!pos) return;
    const [line, col] = pos;
    const count = gutter ? 3 : Math.min(3, e.detail || 1);
    const multi = e.altKey;
    let ty;
    if (count >= 3) ty = multi ? "multi_line_select" : "line_select";
    else if (count === 2) ty = multi ? "multi_word_select" : "word_select";
    else if (e.shiftKey) ty = "range_select";
    else ty = multi ? "toggle_sel" : "point_select";
    this._edit("gesture", { line, col, ty });
    this.dragging = true;
  }

  _dragFrame() {
    const at = this.dragAt;
    this.dragAt = null;
    if (!at || !this.dragging) return;
    const vm = this.surface.vm;
    if (!vm) return;
    const rect = this.surface.text.getBoundingClientRect();
    // past the top or bottom edge: scroll along
    if (at.y < rect.top) this.surface.scrollBy(-1);
    else if (at.y > rect.bottom) this.surface.scrollBy(1);
    const y = Math.max(rect.top + 1, Math.min(rect.bottom - 1, at.y));
    const pos = this.surface.positionAt(at.x, y);
    if (pos) this._edit("gesture", { line: pos[0], col: pos[1], ty: "drag" });
  }
}
