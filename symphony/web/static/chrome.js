// @ts-check
/**
 * The page's chrome around the editor: tabs (`#tabs`), the file tree (`#tree`), the status bar
 * (`#status`), the core's alerts, find/replace, go to line and task results (`#panel`), the task
 * palette (`#palette`). main.js calls `installChrome(app)` once (the `app` API: WEB_APP_API.md).
 *
 * Keys (bound with `app.bindKey`, so they come before the editor's keymap; they are not editor
 * keys in xi's keymap, so nothing is taken from it):
 * - Ctrl+F find, Ctrl+H find and replace (Enter next, Shift+Enter previous, Ctrl+Alt+Enter
 *   replace all), Ctrl+G go to line,
 * - Ctrl+Shift+P or F1 the task palette,
 * - Alt+PageDown / Alt+PageUp the next / previous tab (Ctrl+PageDown and Ctrl+W belong to the
 *   browser),
 * - a motif's command key (its manifest's `key` or `keybindings`) runs the command;
 * - Escape closes the topmost of: the palette, go to line, find, a task result, a close
 *   confirmation, an alert; with none open it is the editor's (`cancel_operation`).
 * @module chrome
 */
import { Alerts } from "./chrome_alerts.js";
import { region } from "./chrome_dom.js";
import { FindPanel, GotoLine } from "./chrome_find.js";
import { Palette } from "./chrome_palette.js";
import { Panel } from "./chrome_panel.js";
import { StatusBar } from "./chrome_status.js";
import { TaskRunner } from "./chrome_tasks.js";
import { Tabs } from "./chrome_tabs.js";
import { FileTree } from "./chrome_tree.js";

/** @typedef {import("./chrome_dom.js").App} App */

/**
 * Build the chrome on the page's regions and bind its keys.
 * @param {App} app
 * @returns {object} the parts (also `window.symphony.chrome`, for tests)
 */
export function installChrome(app) {
  const panel = new Panel(region("panel"));
  const tabs = new Tabs(app, region("tabs"), panel);
  const tree = new FileTree(app, region("tree"));
  const status = new StatusBar(app, region("status"));
  const find = new FindPanel(app, panel);
  const gotoLine = new GotoLine(app, panel);
  const tasks = new TaskRunner(app, panel, status);
  const palette = new Palette(app, region("palette"), tasks, [
    { what: "action", id: "find", title: "Find", detail: "Ctrl+F", run: () => find.open(false) },
    { what: "action", id: "replace", title: "Find and replace", detail: "Ctrl+H", run: () => find.open(true) },
    { what: "action", id: "goto", title: "Go to line", detail: "Ctrl+G", run: () => gotoLine.open() },
    { what: "action", id: "next-tab", title: "Next tab", detail: "Alt+PageDown", run: () => tabs.cycle(1) },
    { what: "action", id: "close-tab", title: "Close tab", detail: "",
      run: () => { const v = app.activeView(); if (v) tabs.close(v); } },
  ]);

  status.onPositionClick = () => gotoLine.open();
  const alerts = new Alerts(app, panel, find);

  /** Escape: close the topmost open part; false (the editor's key) when none is open. */
  const escape = () => {
    if (palette.isOpen()) palette.close();
    else if (gotoLine.isOpen()) gotoLine.close();
    else if (find.isOpen()) find.close();
    else if (panel.isShown("task")) { panel.hide("task"); app.focusEditor(); }
    else if (panel.isShown("confirm")) { panel.hide("confirm"); app.focusEditor(); }
    else if (panel.isShown("alert")) alerts.close();
    else return false;
    return true;
  };
  /** @type {Record<string, () => any>} */
  const keys = {
    "Ctrl+F": () => find.open(false),
    "Ctrl+H": () => find.open(true),
    "Ctrl+G": () => gotoLine.open(),
    "Ctrl+Shift+P": () => palette.open(),
    "F1": () => palette.open(),
    "Alt+PageDown": () => tabs.cycle(1),
    "Alt+PageUp": () => tabs.cycle(-1),
    "Escape": escape,
  };
  if (typeof app.bindKey === "function") {
    for (const [combo, fn] of Object.entries(keys)) {
      app.bindKey(combo, (event) => {
        const handled = fn();
        if (handled === false) return false;
        event.preventDefault();
        return true;
      });
    }
  } else {
    // no bindKey: listen on the window in the capture phase, before the editor's handlers
    window.addEventListener("keydown", (event) => {
      const fn = keys[comboOf(event)];
      if (fn && fn() !== false) {
        event.preventDefault();
        event.stopPropagation();
      }
    }, true);
  }

  tasks.bindCommandKeys();

  const parts = { app, panel, tabs, tree, status, find, gotoLine, palette, tasks, alerts };
  const hooks = /** @type {any} */ (window).symphony;
  if (hooks && typeof hooks === "object") hooks.chrome = parts;
  return parts;
}

/**
 * The combo name of a key event, as `app.bindKey` spells it ("Ctrl+Shift+P", "F1").
 * @param {KeyboardEvent} event
 * @returns {string}
 */
export function comboOf(event) {
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  return [event.ctrlKey && "Ctrl", event.altKey && "Alt", event.shiftKey && "Shift", event.metaKey && "Meta", key]
    .filter(Boolean).join("+");
}
