// @ts-check
/**
 * The task palette (Ctrl+Shift+P / F1), an overlay in `#palette`: the conductor's task kinds
 * (`task_kinds`), the motifs' commands (`extension_contributions().commands`) and the chrome's
 * own actions. Typing filters (every word, any order), Up/Down choose, Enter or a click runs,
 * Escape closes. The choice runs on the view active when the palette opened (chrome_tasks.js).
 * When the core cannot say what it runs (-32002: no tasks), the palette shows why.
 * @module chrome_palette
 */
import { describeError, h } from "./chrome_dom.js";
import { keyCombo } from "./chrome_tasks.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {import("./chrome_tasks.js").Entry} Entry */
/** @typedef {import("./chrome_tasks.js").TaskRunner} TaskRunner */

export class Palette {
  /**
   * @param {App} app
   * @param {HTMLElement} root the `#palette` region
   * @param {TaskRunner} runner
   * @param {Entry[]} actions the chrome's own entries (find, go to line...)
   */
  constructor(app, root, runner, actions) {
    this.app = app;
    this.root = root;
    this.runner = runner;
    this.actions = actions;
    /** @type {Entry[]} */
    this.entries = [];
    /** @type {string[]} why some entries are missing (error answers) */
    this.notes = [];
    this.selected = 0;
    this.asks = 0; // palette openings (a late answer to an earlier one is dropped)
    /** the view the palette was opened on (runs act on it) */
    this.view = /** @type {string|null} */ (null);
    this.input = /** @type {HTMLInputElement} */ (h("input", {
      class: "palette-input", type: "text", placeholder: "Run a task or command…",
      "aria-label": "Run a task or command", spellcheck: "false",
      oninput: () => { this.selected = 0; this.render(); },
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.key(e),
    }));
    this.list = h("ul", { class: "palette-list", role: "listbox" });
    this.noteBox = h("div", { class: "palette-notes", "aria-live": "polite" });
    root.replaceChildren(h("div", { class: "palette-box", role: "dialog", "aria-label": "Command palette" },
      this.input, this.noteBox, this.list));
    root.hidden = true;
    root.addEventListener("mousedown", (e) => { if (e.target === root) { e.preventDefault(); this.close(); } });
    /** whether the core has not answered the palette yet */
    this.loading = false;
  }

  /** @returns {boolean} */
  isOpen() {
    return !this.root.hidden;
  }

  /** Open the palette and ask the core what it can run. */
  open() {
    this.view = this.app.activeView();
    this.root.hidden = false;
    this.input.value = "";
    this.selected = 0;
    this.input.focus();
    this.notes = [];
    this.entries = [...this.actions];
    this.loading = true;
    this.render();
    const asked = ++this.asks;
    const kinds = this.app.request("task_kinds", {});
    const contributions = this.app.request("extension_contributions", {});
    Promise.allSettled([kinds, contributions]).then(([k, c]) => {
      if (asked !== this.asks) return; // reopened or closed since
      /** @type {Entry[]} */
      const found = [];
      if (k.status === "fulfilled") {
        for (const kind of Array.isArray(k.value) ? k.value : []) {
          if (typeof kind === "string") found.push({ what: "task", id: kind, title: `Task: ${kind}`, detail: "on the selection" });
        }
      } else {
        this.notes.push(`tasks: ${describeError(k.reason)}`);
      }
      if (c.status === "fulfilled") {
        const commands = c.value && Array.isArray(c.value.commands) ? c.value.commands : [];
        for (const cmd of commands) {
          if (!cmd || typeof cmd.id !== "string") continue;
          const title = typeof cmd.title === "string" ? cmd.title : cmd.id;
          found.push({ what: "command", id: cmd.id, title, detail: [keyCombo(cmd.key) ?? cmd.key, cmd.extension].filter(Boolean).join("  ") });
        }
      } else if (!(k.status === "rejected" && describeError(k.reason) === describeError(c.reason))) {
        this.notes.push(`commands: ${describeError(c.reason)}`);
      }
      this.entries = [...found, ...this.actions];
      this.loading = false;
      this.render();
    });
  }

  close() {
    if (!this.isOpen()) return;
    this.root.hidden = true;
    this.asks++;
    this.app.focusEditor();
  }

  /** The entries matching the filter (every word of it, in any order, case-insensitive). */
  shown() {
    const words = this.input.value.toLowerCase().split(/\s+/).filter(Boolean);
    return this.entries.filter((e) => {
      const text = `${e.title} ${e.id} ${e.detail}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }

  render() {
    const shown = this.shown();
    this.selected = Math.max(0, Math.min(this.selected, shown.length - 1));
    this.list.replaceChildren(...shown.map((e, i) => h("li", {
      class: `palette-item palette-${e.what}`, role: "option", "data-what": e.what, "data-id": e.id,
      "aria-selected": i === this.selected ? "true" : "false",
      onmousedown: (/** @type {MouseEvent} */ ev) => ev.preventDefault(),
      onclick: () => this.choose(e),
    }, h("span", { class: "palette-title" }, e.title), h("span", { class: "palette-detail" }, e.detail))));
    const notes = [...this.notes];
    if (this.loading) notes.push("asking the core what it can run…");
    this.noteBox.replaceChildren(...notes.map((n) => h("div", { class: "palette-note" }, n)));
    this.root.dataset.loading = this.loading ? "true" : "false";
    this.list.querySelector("[aria-selected=true]")?.scrollIntoView({ block: "nearest" });
  }

  /** @param {KeyboardEvent} e */
  key(e) {
    const shown = this.shown();
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = Math.max(1, shown.length);
      this.selected = (this.selected + (e.key === "ArrowDown" ? 1 : -1) + n) % n;
      this.render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      const entry = shown[this.selected];
      if (entry) this.choose(entry);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }

  /** @param {Entry} entry */
  choose(entry) {
    const view = this.view ?? this.app.activeView();
    this.close();
    if (entry.what === "action") {
      entry.run?.();
      return;
    }
    if (!view) {
      this.runner.showResult(entry.title, { error: "no file is open" });
      return;
    }
    this.runner.run(entry, view);
  }
}
