// @ts-check
/**
 * Find and replace (Ctrl+F, Ctrl+H) and go to line (Ctrl+G), as sections of `#panel`.
 *
 * Typing in the find field sends the edit `find {chars, case_sensitive, regex, whole_words}`
 * then `find_next {wrap_around, allow_same}` (the caret goes to the first match at or after it),
 * one search at a time (the next when the core has answered the last);
 * Enter / Shift+Enter (or the arrows) send `find_next` / `find_previous`; the match count comes
 * from `find_status`. Replace sends `replace {chars}` then `replace_next` or `replace_all`.
 * Escape closes the panel: `find {chars: null}` and `highlight_find {visible: false}` clear the
 * search but keep the selection (the match found stays selected, as in most editors; the
 * editor's own Escape, `cancel_operation`, collapses it). A refused find (a bad regex) comes
 * back as an `alert` "edit find: ..." and is shown in the panel.
 *
 * Go to line takes a 1-based line number and sends `goto_line {line}` (0-based, logical line).
 * @module chrome_find
 */
import { h } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {import("./chrome_panel.js").Panel} Panel */

/**
 * A toggle button (aria-pressed) for a find option.
 * @param {string} cls @param {string} text @param {string} title @param {() => void} changed
 */
function toggle(cls, text, title, changed) {
  const el = h("button", { type: "button", class: `find-opt ${cls}`, title, "aria-pressed": "false" }, text);
  el.addEventListener("click", () => {
    el.setAttribute("aria-pressed", el.getAttribute("aria-pressed") === "true" ? "false" : "true");
    changed();
  });
  return el;
}

/** @param {HTMLElement} el */
const pressed = (el) => el.getAttribute("aria-pressed") === "true";

export class FindPanel {
  /**
   * @param {App} app
   * @param {Panel} panel
   */
  constructor(app, panel) {
    this.app = app;
    this.panel = panel;
    /** the view the search was sent to (its `find_status` is shown) */
    this.view = /** @type {string|null} */ (null);
    /** the view whose search the core has not answered yet */
    this.inFlight = /** @type {string|null} */ (null);
    /** the query changed while one was in flight */
    this.again = false;
    const search = () => this.search();
    this.input = /** @type {HTMLInputElement} */ (h("input", {
      class: "find-input", type: "text", placeholder: "Find", "aria-label": "Find", spellcheck: "false",
      oninput: search,
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.findKey(e),
    }));
    this.caseOpt = toggle("find-case", "Aa", "Match case", search);
    this.wordOpt = toggle("find-word", "W", "Whole words", search);
    this.regexOpt = toggle("find-regex", ".*", "Regular expression", search);
    this.count = h("span", { class: "find-count", "aria-live": "polite" });
    this.replaceInput = /** @type {HTMLInputElement} */ (h("input", {
      class: "replace-input", type: "text", placeholder: "Replace", "aria-label": "Replace", spellcheck: "false",
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.replaceKey(e),
    }));
    /** @param {string} cls @param {string} text @param {string} title @param {() => void} fn */
    const button = (cls, text, title, fn) => h("button", { type: "button", class: cls, title, onclick: fn }, text);
    this.replaceRow = h("div", { class: "find-row replace-row" }, this.replaceInput,
      button("replace-one", "Replace", "Replace this match (Enter)", () => this.replace(false)),
      button("replace-all", "Replace all", "Replace every match (Ctrl+Alt+Enter)", () => this.replace(true)));
    this.box = h("div", { class: "find-panel", role: "search" },
      h("div", { class: "find-row" }, this.input, this.caseOpt, this.wordOpt, this.regexOpt, this.count,
        button("find-prev", "↑", "Previous match (Shift+Enter)", () => this.step(false)),
        button("find-next", "↓", "Next match (Enter)", () => this.step(true)),
        button("find-close", "×", "Close (Escape)", () => this.close())),
      this.replaceRow);

    app.on("find_status", (params) => this.status(params));
    app.on("alert", (params) => {
      const msg = params && typeof params.msg === "string" ? params.msg : "";
      if (!/^edit (find|replace|multi_find)/.test(msg)) return;
      if (this.inFlight && /^edit find/.test(msg) && this.answered()) return;
      if (this.isOpen()) this.showCount(msg, "error");
    });
    // a dropped connection: the journal resends the search; do not wait for its first answer
    app.onConnectionChanged?.(() => { this.inFlight = null; });
    app.onViewsChanged(() => {
      // the search follows the active view: a tab switch searches the newly active one
      if (this.isOpen() && this.app.activeView() !== this.view && this.input.value) this.search();
    });
  }

  /** @returns {boolean} */
  isOpen() {
    return this.panel.isShown("find");
  }

  /**
   * Open the panel (with the replace row when `replace`), focus the find field.
   * @param {boolean} replace
   */
  open(replace) {
    this.replaceRow.hidden = !replace;
    this.box.classList.toggle("with-replace", replace);
    const wasOpen = this.isOpen();
    this.panel.show("find", this.box);
    const field = replace && wasOpen && this.input.value && document.activeElement === this.input
      ? this.replaceInput : this.input;
    field.focus();
    field.select();
    if (!wasOpen && this.input.value) this.search();
  }

  /** Close: clear the search highlights, keep the selection, give the keys back to the editor. */
  close() {
    if (!this.isOpen()) return;
    this.panel.hide("find");
    this.inFlight = null;
    this.again = false;
    const view = this.view;
    if (view && this.app.views().includes(view)) {
      this.app.edit(view, "find", { chars: null, case_sensitive: false });
      this.app.edit(view, "highlight_find", { visible: false });
    }
    this.view = null;
    this.app.focusEditor();
  }

  /** The query of the fields, as the `find` edit takes it. */
  query() {
    return {
      chars: this.input.value || null, case_sensitive: pressed(this.caseOpt),
      regex: pressed(this.regexOpt), whole_words: pressed(this.wordOpt),
    };
  }

  /**
   * Send the query to the active view and move to the first match at or after the caret.
   * One search at a time per view: while the core has not answered the last one (its
   * `find_status`, or an `alert` refusing it), typing only marks the query as changed, and the
   * latest query is sent when the answer comes. So fast typing on a big file costs one search
   * per answer, not one per key (each `find` counts the matches over the whole text).
   */
  search() {
    const view = this.app.activeView();
    if (!view) return;
    if (this.inFlight === view) {
      this.again = true;
      return;
    }
    if (this.view && this.view !== view && this.app.views().includes(this.view)) {
      this.app.edit(this.view, "find", { chars: null, case_sensitive: false });
    }
    this.view = view;
    this.inFlight = view;
    this.again = false;
    const query = this.query();
    this.app.edit(view, "find", query);
    if (query.chars === null) {
      this.showCount("", "");
      return;
    }
    this.showCount("…", "pending");
    this.app.edit(view, "highlight_find", { visible: true });
    this.app.edit(view, "find_next", { wrap_around: true, allow_same: true });
  }

  /** @param {boolean} forward */
  step(forward) {
    const view = this.app.activeView();
    if (!view || !this.input.value) return;
    if (this.view !== view) this.search();
    this.app.edit(view, forward ? "find_next" : "find_previous", { wrap_around: true });
  }

  /** @param {boolean} all */
  replace(all) {
    const view = this.app.activeView();
    if (!view || !this.input.value) return;
    if (this.view !== view) this.search();
    this.app.edit(view, "replace", { chars: this.replaceInput.value });
    this.app.edit(view, all ? "replace_all" : "replace_next");
  }

  /** The core answered (or refused) the search in flight: send the query typed since, if any. */
  answered() {
    this.inFlight = null;
    if (this.again && this.isOpen()) {
      this.search();
      return true;
    }
    this.again = false;
    return false;
  }

  /** @param {any} params a `find_status` */
  status(params) {
    if (!params) return;
    if (params.view_id === this.inFlight && this.answered()) return; // a newer query is on its way
    if (params.view_id !== this.view || !this.isOpen()) return;
    const queries = Array.isArray(params.queries) ? params.queries : [];
    if (!queries.length) {
      this.showCount("", "");
      return;
    }
    const matches = queries.reduce((/** @type {number} */ n, /** @type {any} */ q) => n + (typeof q.matches === "number" ? q.matches : 0), 0);
    this.showCount(matches === 0 ? "No matches" : matches === 1 ? "1 match" : `${matches} matches`,
      matches === 0 ? "none" : "some", matches);
  }

  /** @param {string} text @param {string} state @param {number} [matches] */
  showCount(text, state, matches) {
    this.count.textContent = text;
    this.count.dataset.state = state;
    this.count.dataset.matches = typeof matches === "number" ? String(matches) : "";
  }

  /** @param {KeyboardEvent} e */
  findKey(e) {
    if (e.key === "Enter") {
      e.preventDefault();
      if (e.ctrlKey && e.altKey) this.replace(true);
      else this.step(!e.shiftKey);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }

  /** @param {KeyboardEvent} e */
  replaceKey(e) {
    if (e.key === "Enter") {
      e.preventDefault();
      this.replace(e.ctrlKey && e.altKey);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }
}

export class GotoLine {
  /**
   * @param {App} app
   * @param {Panel} panel
   */
  constructor(app, panel) {
    this.app = app;
    this.panel = panel;
    this.input = /** @type {HTMLInputElement} */ (h("input", {
      class: "goto-input", type: "text", inputmode: "numeric", placeholder: "Line number",
      "aria-label": "Go to line", spellcheck: "false",
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === "Enter") { e.preventDefault(); this.go(); }
        else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); this.close(); }
      },
    }));
    this.note = h("span", { class: "goto-note" });
    this.box = h("div", { class: "goto-panel" }, h("label", {}, "Go to line ", this.input), this.note,
      h("button", { type: "button", class: "goto-go", onclick: () => this.go() }, "Go"),
      h("button", { type: "button", class: "goto-close", title: "Close (Escape)", onclick: () => this.close() }, "×"));
  }

  /** @returns {boolean} */
  isOpen() {
    return this.panel.isShown("goto");
  }

  open() {
    const view = this.app.activeView();
    const state = view ? this.app.viewState(view) : null;
    const cursors = state?.cursors ?? [];
    const line = cursors.length ? cursors[cursors.length - 1][0] + 1 : 1;
    this.note.textContent = "";
    this.note.dataset.state = "";
    this.input.value = String(line);
    this.panel.show("goto", this.box);
    this.input.focus();
    this.input.select();
  }

  close() {
    if (!this.isOpen()) return;
    this.panel.hide("goto");
    this.app.focusEditor();
  }

  /** Send `goto_line` for the 1-based number typed (0-based on the wire), then close. */
  go() {
    const view = this.app.activeView();
    const text = this.input.value.trim();
    const line = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!view || !Number.isSafeInteger(line) || line < 1) {
      this.note.textContent = "a line number from 1";
      this.note.dataset.state = "error";
      return;
    }
    this.app.edit(view, "goto_line", { line: line - 1 });
    this.close();
  }
}
