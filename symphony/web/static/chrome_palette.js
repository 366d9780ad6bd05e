// @ts-check
/**
 * The task palette (Ctrl+Shift+P / F1), an overlay in `#palette`: the conductor's task kinds
 * (`task_kinds`), the motifs' commands (`extension_contributions().commands`) and the chrome's
 * own actions. Typing filters, Up/Down choose, Enter runs, Escape closes. A task runs on the
 * active view's selection (or its whole text) with `run_task {view_id, kind}`, a command with
 * `run_extension_command {command, view_id}`; the result is shown in `#panel` (the "task"
 * section) with a feedback control sending `task_feedback {task_id, score}`. An error answer
 * (-32002 a task that failed or a core without tasks, -32602 a refused one) is shown in the
 * palette or the panel, with its code and type, never dropped.
 * @module chrome_palette
 */
import { describeError, h } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {import("./chrome_panel.js").Panel} Panel */
/** @typedef {import("./chrome_status.js").StatusBar} StatusBar */
/**
 * @typedef {object} Entry
 * @property {"task"|"command"|"action"} what
 * @property {string} id
 * @property {string} title
 * @property {string} detail
 * @property {() => void} [run] an action's function
 */

/** @type {Record<string, string>} key names of extension manifests -> `KeyboardEvent.key` */
const KEY_NAMES = {
  esc: "Escape", escape: "Escape", enter: "Enter", return: "Enter", tab: "Tab", space: " ", backspace: "Backspace",
  delete: "Delete", del: "Delete", insert: "Insert", home: "Home", end: "End", pageup: "PageUp", pagedown: "PageDown",
  up: "ArrowUp", down: "ArrowDown", left: "ArrowLeft", right: "ArrowRight",
};
/** @type {Record<string, string>} */
const MODIFIERS = { ctrl: "Ctrl", control: "Ctrl", alt: "Alt", option: "Alt", shift: "Shift", meta: "Meta", cmd: "Meta", super: "Meta" };

/**
 * An extension's key ("ctrl+shift+w", "f5", "alt+pagedown") as `app.bindKey` spells it
 * ("Ctrl+Shift+W"), or null when it cannot be read.
 * @param {unknown} spec
 * @returns {string|null}
 */
export function keyCombo(spec) {
  if (typeof spec !== "string" || !spec.trim()) return null;
  const parts = spec.trim().toLowerCase().split("+");
  const key = parts.pop() ?? "";
  const mods = new Set();
  for (const m of parts) {
    if (!(m in MODIFIERS)) return null;
    mods.add(MODIFIERS[m]);
  }
  let name = KEY_NAMES[key];
  if (!name && key.length === 1) name = key.toUpperCase();
  if (!name && /^f([1-9]|1[0-9]|2[0-4])$/.test(key)) name = key.toUpperCase();
  if (!name) return null;
  return [...["Ctrl", "Alt", "Shift", "Meta"].filter((m) => mods.has(m)), name].join("+");
}

/**
 * A result as text: a string as it is, a JSON value indented.
 * @param {any} value
 * @returns {string}
 */
function describe(value) {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export class Palette {
  /**
   * @param {App} app
   * @param {HTMLElement} root the `#palette` region
   * @param {Panel} panel
   * @param {StatusBar} status
   * @param {Entry[]} actions the chrome's own entries (find, go to line...)
   */
  constructor(app, root, panel, status, actions) {
    this.app = app;
    this.root = root;
    this.panel = panel;
    this.status = status;
    this.actions = actions;
    /** @type {Entry[]} */
    this.entries = [];
    /** @type {string[]} why some entries are missing (error answers) */
    this.notes = [];
    this.selected = 0;
    this.asks = 0; // palette openings (a late answer to an earlier one is dropped)
    this.runCount = 0; // runs (only the last one's answer fills the panel)
    /** @type {{view: string, kind: string}|null} the task running, for its progress lines */
    this.running = null;
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
    this.taskBox = h("div", { class: "task-panel" });
    /** @type {string|null} the task id of the result shown (for feedback) */
    this.taskId = null;
    /** @type {string[]} the motifs' keys bound (bindCommandKeys) */
    this.boundKeys = [];
    app.on("task_progress", (params) => this.progress(params));
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
          found.push({ what: "command", id: cmd.id, title, detail: [cmd.key, cmd.extension].filter(Boolean).join("  ") });
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
      this.showResult(entry.title, { error: "no file is open" });
      return;
    }
    this.run(entry, view);
  }

  /**
   * Run a task or a command on `view` and show what comes back.
   * @param {Entry} entry
   * @param {string} view
   */
  run(entry, view) {
    const run = ++this.runCount;
    this.taskId = null;
    this.running = entry.what === "task" ? { view, kind: entry.id } : null;
    this.showResult(entry.title, { running: true });
    this.status.taskStarted(entry.title);
    const answer = entry.what === "task"
      ? this.app.request("run_task", { view_id: view, kind: entry.id })
      : this.app.request("run_extension_command", { command: entry.id, view_id: view });
    answer.then((result) => {
      if (entry.what === "task" && result && typeof result.task_id === "string") {
        this.status.taskEnded(result.task_id, `${entry.id}: done`);
      } else {
        this.status.taskEnded(null, `${entry.title}: done`);
      }
      if (run !== this.runCount) return;
      this.running = null;
      this.showResult(entry.title, { result, task: entry.what === "task" });
    }, (err) => {
      this.status.taskEnded(null, `${entry.what === "task" ? entry.id : entry.title}: failed`);
      if (run !== this.runCount) return;
      this.running = null;
      this.showResult(entry.title, { error: describeError(err), code: err?.code });
    });
  }

  /**
   * Bind the motifs' command keys (`extension_contributions`: a command's `key`, and
   * `keybindings`); a key runs its command on the active view, as the palette would. A core
   * without tasks binds nothing (the palette says why).
   * @returns {Promise<string[]>} the combos bound
   */
  bindCommandKeys() {
    const bindKey = this.app.bindKey;
    if (typeof bindKey !== "function") return Promise.resolve([]);
    return this.app.request("extension_contributions", {}).then((c) => {
      const commands = c && Array.isArray(c.commands) ? c.commands.filter((/** @type {any} */ x) => x && typeof x.id === "string") : [];
      /** @type {Map<string, string>} combo -> command id */
      const keys = new Map();
      for (const cmd of commands) {
        const combo = keyCombo(cmd.key);
        if (combo) keys.set(combo, cmd.id);
      }
      for (const b of c && Array.isArray(c.keybindings) ? c.keybindings : []) {
        const combo = b && typeof b.command === "string" ? keyCombo(b.key) : null;
        if (combo) keys.set(combo, b.command);
      }
      for (const [combo, id] of keys) {
        const cmd = commands.find((/** @type {any} */ x) => x.id === id);
        /** @type {Entry} */
        const entry = { what: "command", id, title: cmd && typeof cmd.title === "string" ? cmd.title : id, detail: "" };
        bindKey.call(this.app, combo, () => {
          const view = this.app.activeView();
          if (!view) return false;
          this.run(entry, view);
          return true;
        });
      }
      this.boundKeys = [...keys.keys()];
      return this.boundKeys;
    }, () => []);
  }

  /** @param {any} params a `task_progress`: a line in the panel while its task runs */
  progress(params) {
    const running = this.running;
    if (!running || !params || params.view_id !== running.view || params.kind !== running.kind) return;
    const steps = this.taskBox.querySelector(".task-steps");
    steps?.append(h("div", { class: "task-step", "data-state": String(params.state) },
      `${params.step}: ${params.state}`));
  }

  /**
   * Fill the panel's task section.
   * @param {string} title
   * @param {{running?: boolean, result?: any, task?: boolean, error?: string, code?: number}} what
   */
  showResult(title, what) {
    const box = this.taskBox;
    const close = h("button", {
      type: "button", class: "task-close", title: "Close (Escape)",
      onclick: () => { this.panel.hide("task"); this.app.focusEditor(); },
    }, "×");
    const head = h("div", { class: "task-head" }, h("span", { class: "task-title" }, title));
    /** @type {HTMLElement[]} */
    const body = [];
    if (what.running) {
      box.dataset.state = "running";
      head.append(h("span", { class: "task-state" }, "running…"));
      body.push(h("div", { class: "task-steps" }));
    } else if (what.error !== undefined) {
      box.dataset.state = "error";
      box.dataset.code = what.code !== undefined ? String(what.code) : "";
      head.append(h("span", { class: "task-state" }, "failed"));
      body.push(h("pre", { class: "task-error", role: "alert" }, what.error));
    } else {
      box.dataset.state = "done";
      const result = what.result;
      const output = what.task && result && typeof result === "object" && "output" in result ? result.output : result;
      const quality = what.task && result && typeof result.quality === "number" ? result.quality : null;
      head.append(h("span", { class: "task-state" }, "done"));
      if (quality !== null) head.append(h("span", { class: "task-quality" }, `quality ${quality.toFixed(2)}`));
      body.push(h("pre", { class: "task-output" }, describe(output)));
      const steps = what.task && result && result.steps && typeof result.steps === "object" ? result.steps : null;
      if (steps) {
        body.push(h("div", { class: "task-steps" }, ...Object.entries(steps).map(([name, st]) => {
          const parts = [st && st.agent ? `by ${st.agent}` : null,
            st && typeof st.quality === "number" ? `quality ${st.quality.toFixed(2)}` : null,
            st && typeof st.latency === "number" ? `${(st.latency * 1000).toFixed(0)} ms` : null,
            st && st.explored ? "explored" : null].filter(Boolean);
          return h("div", { class: "task-step", "data-step": name, "data-state": "finished" },
            `${name}: ${parts.join(", ")}`);
        })));
      }
      if (what.task && result && typeof result.task_id === "string") {
        this.taskId = result.task_id;
        box.dataset.taskId = result.task_id;
        body.push(this.feedback(result.task_id));
      }
    }
    head.append(close);
    box.replaceChildren(head, ...body);
    this.panel.show("task", box);
  }

  /**
   * The feedback control: good (1.0) or bad (0.0), sent as `task_feedback`.
   * @param {string} taskId
   */
  feedback(taskId) {
    const note = h("span", { class: "feedback-note", "aria-live": "polite" });
    /** @param {number} score */
    const send = (score) => {
      note.textContent = "sending…";
      note.dataset.state = "pending";
      this.app.request("task_feedback", { task_id: taskId, score })
        .then(() => { note.textContent = `thanks: scored ${score}`; note.dataset.state = "sent"; })
        .catch((/** @type {any} */ err) => { note.textContent = describeError(err); note.dataset.state = "error"; });
    };
    return h("div", { class: "task-feedback" }, "Was this useful? ",
      h("button", { type: "button", class: "feedback-good", title: "Good result (score 1)", onclick: () => send(1) }, "+ Good"),
      h("button", { type: "button", class: "feedback-bad", title: "Bad result (score 0)", onclick: () => send(0) }, "− Bad"),
      note);
  }
}
