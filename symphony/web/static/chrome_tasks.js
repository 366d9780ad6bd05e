// @ts-check
/**
 * Running the conductor's tasks and the motifs' commands on a view, and showing what comes back
 * in `#panel` (the "task" section): `run_task {view_id, kind}` (the view's selection, or its
 * whole text) or `run_extension_command {command, view_id}`; while a task runs, its
 * `task_progress` lines; then its output, quality and steps, with a feedback control sending
 * `task_feedback {task_id, score}` (1 good, 0 bad). An error answer (-32002 a task or command
 * that failed, or a core without tasks; -32602 one refused) is shown with its code and type,
 * never dropped. The motifs' command keys (their manifests' `key` and `keybindings`) are bound
 * with `app.bindKey`.
 * @module chrome_tasks
 */
import { describeError, h } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {import("./chrome_panel.js").Panel} Panel */
/** @typedef {import("./chrome_status.js").StatusBar} StatusBar */
/**
 * What the palette lists and runs.
 * @typedef {object} Entry
 * @property {"task"|"command"|"action"} what
 * @property {string} id the task kind, the command id, or the action's name
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
    if (!Object.hasOwn(MODIFIERS, m)) return null;
    mods.add(MODIFIERS[m]);
  }
  let name = Object.hasOwn(KEY_NAMES, key) ? KEY_NAMES[key] : undefined;
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

export class TaskRunner {
  /**
   * @param {App} app
   * @param {Panel} panel
   * @param {StatusBar} status
   */
  constructor(app, panel, status) {
    this.app = app;
    this.panel = panel;
    this.status = status;
    this.runCount = 0; // runs (only the last one's answer fills the panel)
    /** @type {{view: string, kind: string}|null} the task running, for its progress lines */
    this.running = null;
    this.taskBox = h("div", { class: "task-panel" });
    /** @type {string|null} the task id of the result shown (for feedback) */
    this.taskId = null;
    /** @type {string[]} the motifs' keys bound (bindCommandKeys) */
    this.boundKeys = [];
    app.on("task_progress", (params) => this.progress(params));
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
