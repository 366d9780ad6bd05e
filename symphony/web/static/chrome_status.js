// @ts-check
/**
 * The status bar, in `#status`: the last caret's position (line:col, 1-based), the language
 * (`language_changed`), the line endings (`config_changed.line_ending`: LF or CRLF), the dirty
 * flag (`pristine`), the connection state, the plugins' and motifs' status items
 * (`add_status_item`, `update_status_item`, `remove_status_item`, per view) and the progress of
 * the task running (`task_progress`).
 * @module chrome_status
 */
import { h, setAttr, setText } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {{source: string, key: string, value: string, alignment: string}} Item */

/** The longest status item value shown (a long value would fill the bar). */
const MAX_ITEM = 60;

/** @type {Record<string, string>} */
const CONNECTION_TEXT = {
  connecting: "connecting…", connected: "connected", reconnecting: "reconnecting…", closed: "disconnected",
};

export class StatusBar {
  /**
   * @param {App} app
   * @param {HTMLElement} root the `#status` region
   */
  constructor(app, root) {
    this.app = app;
    this.root = root;
    /** @type {Map<string, Map<string, Item>>} view id -> item key -> item */
    this.items = new Map();
    /** @type {Map<string, {view_id: string, kind: string, step: string, state: string}>} */
    this.tasks = new Map();
    this.taskText = "";
    /** @type {Map<string, [number, number]>} the last caret position shown, per view */
    this.lastPosition = new Map();
    /** the items drawn (their JSON), to skip redrawing them unchanged */
    this.itemsShown = "";
    /** @param {string} cls @param {string} title */
    const seg = (cls, title) => h("span", { class: `st ${cls}`, title });
    this.left = h("span", { class: "st-items st-items-left" });
    this.position = seg("st-position", "line:column of the last caret (click: go to line)");
    this.position.addEventListener("click", () => this.onPositionClick());
    /** what a click on the position does (chrome.js: go to line) */
    this.onPositionClick = () => {};
    this.language = seg("st-language", "language");
    this.eol = seg("st-eol", "line endings used on save (click: switch LF/CRLF)");
    this.eol.addEventListener("click", () => this.switchLineEnding());
    this.dirty = seg("st-dirty", "unsaved changes");
    this.task = seg("st-task", "task progress");
    this.right = h("span", { class: "st-items st-items-right" });
    this.conn = seg("st-conn", "connection");
    root.replaceChildren(this.position, this.dirty, this.left, h("span", { class: "st-spacer" }),
      this.task, this.right, this.language, this.eol, this.conn);
    root.hidden = false;

    app.onViewsChanged(() => this.render());
    app.onConnectionChanged?.((state) => this.renderConnection(state));
    for (const method of ["add_status_item", "update_status_item", "remove_status_item"]) {
      app.on(method, (params) => this.item(method, params));
    }
    app.on("task_progress", (params) => this.progress(params));
    this.renderConnection(app.connectionState ?? "connected");
    this.render();
  }

  /** Redraw the active view's segments. */
  render() {
    const app = this.app;
    const view = app.activeView();
    const state = view ? app.viewState(view) : null;
    if (!view || !state) {
      for (const el of [this.position, this.language, this.eol, this.dirty]) setText(el, "");
      setAttr(this.position, "data-line", "");
      setAttr(this.position, "data-col", "");
      this.renderItems(null);
      return;
    }
    const cursors = state.cursors ?? [];
    // a caret outside the lines the page holds is not in `cursors`: keep the last one seen
    const last = cursors.length ? cursors[cursors.length - 1] : this.lastPosition.get(view) ?? [0, 0];
    this.lastPosition.set(view, last);
    const more = cursors.length > 1 ? ` (${cursors.length} carets)` : "";
    setText(this.position, `${last[0] + 1}:${last[1] + 1}${more}`);
    setAttr(this.position, "data-line", String(last[0] + 1));
    setAttr(this.position, "data-col", String(last[1] + 1));
    setText(this.language, state.language ?? "");
    const ending = state.config?.line_ending;
    setText(this.eol, ending === "\r\n" ? "CRLF" : ending === "\n" ? "LF" : "");
    setText(this.dirty, state.pristine ? "" : "● modified");
    setAttr(this.dirty, "data-dirty", state.pristine ? "false" : "true");
    this.renderItems(view);
  }

  /**
   * Switch the active view's line endings between LF and CRLF (`modify_user_config` for that
   * view; the core answers `config_changed`, which redraws; the next save writes them).
   */
  switchLineEnding() {
    const view = this.app.activeView();
    const state = view ? this.app.viewState(view) : null;
    if (!view || !state) return;
    const next = state.config?.line_ending === "\r\n" ? "\n" : "\r\n";
    this.app.notify("modify_user_config", { domain: { user_override: view }, changes: { line_ending: next } });
  }

  /** @param {string} state */
  renderConnection(state) {
    this.conn.textContent = CONNECTION_TEXT[state] ?? state;
    this.conn.dataset.state = state;
  }

  /**
   * Apply a status item message.
   * @param {string} method
   * @param {any} params
   */
  item(method, params) {
    if (!params || typeof params.key !== "string" || typeof params.view_id !== "string") return;
    let items = this.items.get(params.view_id);
    if (!items) this.items.set(params.view_id, items = new Map());
    if (method === "remove_status_item") {
      items.delete(params.key);
    } else {
      const old = items.get(params.key);
      items.set(params.key, {
        source: typeof params.source === "string" ? params.source : old?.source ?? "",
        key: params.key,
        value: typeof params.value === "string" ? params.value : "",
        alignment: typeof params.alignment === "string" ? params.alignment : old?.alignment ?? "left",
      });
    }
    if (params.view_id === this.app.activeView()) this.renderItems(params.view_id);
  }

  /** @param {string|null} view */
  renderItems(view) {
    // items of views that are gone are dropped
    const open = new Set(this.app.views());
    for (const id of this.items.keys()) if (!open.has(id)) this.items.delete(id);
    for (const id of this.lastPosition.keys()) if (!open.has(id)) this.lastPosition.delete(id);
    const items = view ? [...(this.items.get(view)?.values() ?? [])] : [];
    const signature = JSON.stringify(items);
    if (signature === this.itemsShown) return; // unchanged: no DOM work on a caret move
    this.itemsShown = signature;
    /** @param {Item} item */
    const make = (item) => {
      const value = item.value.split(/\s+/).join(" ").trim();
      const shown = value.length <= MAX_ITEM ? value : value.slice(0, MAX_ITEM - 1) + "…";
      return h("span", { class: "st st-item", "data-key": item.key, "data-source": item.source, title: item.value },
        shown);
    };
    this.left.replaceChildren(...items.filter((i) => i.alignment !== "right" && i.value.trim()).map(make));
    this.right.replaceChildren(...items.filter((i) => i.alignment === "right" && i.value.trim()).map(make));
  }

  /** @param {any} params a `task_progress` */
  progress(params) {
    if (!params || typeof params.task_id !== "string") return;
    this.tasks.set(params.task_id, params);
    this.task.dataset.taskId = params.task_id;
    this.task.dataset.state = String(params.state);
    this.taskText = `${params.kind} › ${params.step}: ${params.state}`;
    this.task.textContent = `⚙ ${this.taskText}`;
  }

  /**
   * A task run from the palette ended: show its outcome in place of the progress.
   * @param {string|null} taskId
   * @param {string} text
   */
  taskEnded(taskId, text) {
    if (taskId) this.tasks.delete(taskId);
    this.task.dataset.state = "ended";
    this.task.textContent = text;
  }

  /** A task run started from the palette (before its first progress). @param {string} title */
  taskStarted(title) {
    this.task.dataset.state = "running";
    this.task.textContent = `⚙ ${title}…`;
  }
}
