// The page's boot: the token, the connection, the views, the editor surface, the chrome.
//
// ## The `app` object given to `installChrome(app)` (chrome.js; also /work/wt/WEB_APP_API.md)
//
// main.js imports ./chrome.js dynamically (a missing file is tolerated), adds
// /static/chrome.css to the head when it loads, and calls `installChrome(app)` ONCE, after the
// first `web_session` + `web_hello` (so `app.root` is set and `app.views()` holds the views the
// server kept open) and BEFORE the files named in `web_session.files` are opened.
//
//   app.root                          string|null: the directory opened (web_session.root)
//   app.request(method, params)       -> Promise<result>: a JSON-RPC request to the core; rejects
//                                        with {code, message, data} (code -1: disconnected)
//   app.notify(method, params)        a JSON-RPC notification (not journaled)
//   app.edit(viewId, method, params?) an `edit` notification, journaled (seq, resent after a
//                                        reconnect, queued while disconnected): insert, find,
//                                        find_next, replace, replace_all, goto_line {line} ...
//   app.editRequest(viewId, method, params?) -> Promise: an `edit` as a request, not journaled
//                                        (only for edits that change nothing: copy, debug_get_contents)
//   app.on(method, fn) -> unsubscribe  fn(params) for each core notification `method`, called
//                                        after the page's own handling (the cache is updated)
//   app.activeView()                  view id shown in #editor, or null
//   app.setActiveView(viewId)         show that view
//   app.openFile(path) -> Promise<viewId>  new_view {file_path} (activates an open view of it)
//   app.closeView(viewId)             close_view, another view becomes active
//   app.views()                       view ids in tab order
//   app.viewState(viewId)             {path, pristine, language, config, cursors, lineCount}|null;
//                                        cursors: [[line, col]] LOGICAL line 0-based, column in
//                                        characters, last = primary; lineCount: visual lines
//   app.onViewsChanged(fn) -> unsubscribe  fn() after a view opens/closes/activates or its path,
//                                        pristine, language, config or cursors change (once a frame)
//   app.onConnectionChanged(fn) -> unsubscribe  fn(state): "connecting"|"connected"|
//                                        "reconnecting"|"closed"; app.connectionState
//   app.bindKey(combo, fn) -> unsubscribe  a chrome shortcut ("Ctrl+F", "Ctrl+Shift+P", "F1",
//                                        "Escape"; modifiers Ctrl, Alt, Shift, Meta in that order;
//                                        single letters upper case), checked before the editor's
//                                        keymap and on the whole document; fn(event) returning
//                                        false lets the editor handle the key after all
//   app.focusEditor()                 gives the keyboard back to the editor
//   app.banner(text|null)             a message in #banner (null hides it)
//   app.editorFont                    the CSS font of the text
//   app.save(viewId) -> Promise       save to its path (Ctrl+S); a failure shows in #banner
//   app.connectionState               the current connection state

import { Connection, store } from "./connection.js";
import { EditorSurface } from "./editor.js";
import { EXPIRE_MS, Echo } from "./echo.js";
import { Timing } from "./metrics.js";
import { ViewModel } from "./viewmodel.js";
import { Input, comboOf } from "./input.js";

/** @typedef {import("./connection.js").WebSession} WebSession */
/** @typedef {import("./connection.js").Hello} Hello */

const KEY_TOKEN = "symphony.token";
const KEY_ACTIVE = "symphony.active";

/** The token: from the URL fragment (then removed from the address bar), else the session's. */
function readToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]);
    store.setItem(KEY_TOKEN, token);
    history.replaceState(null, "", location.pathname + location.search);
    return token;
  }
  return store.getItem(KEY_TOKEN);
}

const bannerEl = /** @type {HTMLElement} */ (document.getElementById("banner"));
const editorEl = /** @type {HTMLElement} */ (document.getElementById("editor"));

/** @param {string|null} text */
function banner(text) {
  bannerEl.textContent = text || "";
  bannerEl.hidden = !text;
}

/** @type {Map<string, ViewModel>} views in tab order */
const views = new Map();
/** @type {Map<string, ViewModel>} views the core spoke of before the page adopted them */
const limbo = new Map();
/** @type {string|null} */
let active = null;
/** @type {Map<string, Set<(p: any) => void>>} */
const listeners = new Map();
/** @type {string[]} the methods of the latest notifications (debugging) */
const recent = [];
/** @type {Set<() => void>} */
const viewListeners = new Set();
/** @type {Set<(s: string) => void>} */
const connListeners = new Set();
/** @type {Map<string, Array<(e: KeyboardEvent) => any>>} */
const bindings = new Map();
let viewsChangedPending = false;
const surface = new EditorSurface(editorEl, {
  edit: (v, m, p) => appEdit(v, m, p),
  painted: () => timing.painted(active ? views.get(active) || null : null),
});
const timing = new Timing(surface);
const metrics = timing.metrics;
const echo = new Echo();

/** @param {string} viewId @param {string} method @param {any} [params] */
function appEdit(viewId, method, params) {
  timing.edited();
  const vm = viewId === active ? views.get(viewId) : undefined;
  if (method === "insert" && vm && conn.state === "connected" && params && typeof params.chars === "string" &&
      echo.predict(vm, params.chars)) {
    // painted in this frame; the core's update confirms it (or replaces it) a round trip later
    timing.echoed();
    surface.scheduleRender();
    setTimeout(() => {
      if (echo.expire(vm) && vm.id === active) surface.scheduleRender();
    }, EXPIRE_MS + 20);
  } else {
    echo.sent(viewId, method);
  }
  conn.edit(viewId, method, params);
}

/** Drop every prediction (the connection went away: the core's lines stand). */
function dropPredictions() {
  for (const vm of views.values()) {
    if (echo.expire(vm, true) && vm.id === active) surface.scheduleRender();
  }
}

function viewsChanged() {
  if (viewsChangedPending) return;
  viewsChangedPending = true;
  requestAnimationFrame(() => {
    viewsChangedPending = false;
    for (const fn of viewListeners) {
      try { fn(); } catch (e) { console.error(e); }
    }
  });
}

/** @param {string} id @returns {ViewModel} */
function limboView(id) {
  let vm = views.get(id) || limbo.get(id);
  if (!vm) {
    vm = new ViewModel(id, null);
    limbo.set(id, vm);
  }
  return vm;
}

/** Adopt a view as a tab. @param {string} id @param {string|null} path */
function addView(id, path) {
  let vm = views.get(id);
  if (!vm) {
    vm = limbo.get(id) || new ViewModel(id, path);
    limbo.delete(id);
    views.set(id, vm);
  }
  vm.path = path;
  conn.track(id, path);
  viewsChanged();
  return vm;
}

/** @param {string} id */
function dropView(id) {
  views.delete(id);
  limbo.delete(id);
  conn.forget(id);
  if (active === id) {
    const next = views.keys().next();
    setActiveView(next.done ? null : next.value);
  }
  viewsChanged();
}

/** @param {string|null} id */
function setActiveView(id) {
  if (id !== null && !views.has(id)) return;
  active = id;
  const vm = id ? views.get(id) : null;
  if (vm && vm.path) store.setItem(KEY_ACTIVE, vm.path);
  surface.setView(id ? /** @type {ViewModel} */ (views.get(id)) : null);
  viewsChanged();
}

/** @param {string} path @returns {Promise<string>} */
async function openFile(path) {
  for (const vm of views.values()) {
    if (vm.path === path) {
      setActiveView(vm.id);
      return vm.id;
    }
  }
  const sent = performance.now();
  const id = /** @type {string} */ (await conn.request("new_view", path ? { file_path: path } : {}));
  addView(id, path || null);
  timing.opened(id, sent);
  setActiveView(id);
  return id;
}

/** @param {string} id */
function closeView(id) {
  conn.notify("close_view", { view_id: id });
  dropView(id);
}

/** @param {string} id */
async function save(id) {
  const vm = views.get(id);
  if (!vm) return;
  let path = vm.path;
  if (!path) {
    path = window.prompt("Save as (path on the server):");
    if (!path) return;
  }
  try {
    await conn.request("save", { view_id: id, file_path: path });
    if (vm.path !== path) {
      vm.path = path;
      conn.track(id, path);
      viewsChanged();
    }
  } catch (e) {
    flash(`Save failed: ${errorText(e)}`);
  }
}

/** The message of an error answer or exception. @param {any} e @returns {string} */
function errorText(e) {
  return String((e && e.message) || e);
}

/** @param {string} text */
function flash(text) {
  banner(text);
  setTimeout(() => { if (bannerEl.textContent === text) banner(conn.state === "connected" ? null : bannerEl.textContent); }, 5000);
}

/** @param {string} id */
function viewState(id) {
  const vm = views.get(id);
  return vm ? vm.state() : null;
}

/** @param {string} method @param {any} params */
function onNotification(method, params) {
  recent.push(method);
  if (recent.length > 200) recent.splice(0, 100);
  const p = params || {};
  const vid = typeof p.view_id === "string" ? p.view_id : null;
  switch (method) {
    case "update": {
      if (!vid || !p.update) break;
      const vm = limboView(vid);
      const u = p.update;
      echo.beforeUpdate(vm);
      vm.cache.apply(Array.isArray(u.ops) ? u.ops : []);
      echo.afterUpdate(vm);
      vm.setAnnotations(u.annotations);
      const wasPristine = vm.pristine;
      if (typeof u.pristine === "boolean") {
        vm.pristine = u.pristine;
        conn.pristine(vid, u.pristine, () => conn.editRequest(vid, "scroll", vm.sent || [0, 0]), () => vm.caretEdits());
      }
      vm.updates += 1;
      timing.updated(vid, vid === active);
      if (vid === active) surface.scheduleRender();
      if (views.has(vid) && (wasPristine !== vm.pristine || vid === active)) viewsChanged();
      break;
    }
    case "scroll_to":
      if (vid && vid === active && typeof p.line === "number") surface.scrollTo(p.line, p.col | 0);
      break;
    case "def_style":
      surface.defStyle(p);
      break;
    case "theme_changed":
      surface.setTheme(p.theme);
      break;
    case "config_changed":
      if (vid && p.changes && typeof p.changes === "object") {
        const vm = limboView(vid);
        Object.assign(vm.config, p.changes);
        surface.configChanged(vm, "word_wrap" in p.changes || "wrap_width" in p.changes);
        viewsChanged();
      }
      break;
    case "language_changed":
      if (vid) {
        limboView(vid).language = p.language_id;
        viewsChanged();
      }
      break;
    case "alert":
      if (p.msg) console.warn("symphony:", p.msg);
      break;
    default:
      break;
  }
  const fns = listeners.get(method);
  if (fns) {
    for (const fn of fns) {
      try { fn(params); } catch (e) { console.error(e); }
    }
  }
}

/** @param {string} method @param {any} params */
function onRequest(method, params) {
  if (method === "measure_width") {
    const items = Array.isArray(params) ? params : [];
    return items.map((it) => surface.measureStrings(Array.isArray(it && it.strings) ? it.strings : []));
  }
  throw new Error(`unknown method ${method}`);
}

let chromeInstalled = false;
/** @type {Promise<any>} */
const chromeModule = import(/** @type {string} */ ("./chrome.js")).then((m) => {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/static/chrome.css";
  document.head.appendChild(link);
  return m;
}, () => null);

/** @type {(v?: any) => void} */
let resolveReady = () => {};
const ready = new Promise((r) => { resolveReady = r; });

/**
 * After each web_hello: (re)build the views, install the chrome, open the session's files.
 * @param {WebSession} session @param {Hello} hello @param {boolean} restarted @param {boolean} first
 */
async function onSession(session, hello, restarted, first) {
  app.root = session.root || null;
  sym.serverId = hello.server;
  if (first) conn.notify("client_started", {});
  const known = conn.knownViews();
  const serverViews = new Map(hello.views.map((v) => [v.view_id, v.path]));
  if (!restarted) {
    // same server (or a first connection): the views it holds are the tabs
    for (const id of [...views.keys()]) if (!serverViews.has(id)) dropView(id);
    for (const [id, path] of serverViews) {
      addView(id, path);
      conn.edit(id, "resync");
    }
    for (const [id] of known) if (!serverViews.has(id)) conn.forget(id);
  }
  if (restarted) {
    // a new server: open each tab again and replay its unsaved edits
    const wasActive = active;
    views.clear();
    limbo.clear();
    let newActive = null;
    for (const [oldId, path] of known) {
      let id;
      try {
        id = /** @type {string} */ (await conn.request("new_view", path ? { file_path: path } : {}));
      } catch (e) {
        console.error("symphony: could not reopen", path, e);
        conn.forget(oldId);
        continue;
      }
      const vm = addView(id, path);
      conn.replay(oldId, id);
      vm.sent = null;
      if (oldId === wasActive) newActive = id;
    }
    for (const [id, path] of serverViews) if (!views.has(id)) { addView(id, path); conn.edit(id, "resync"); }
    active = null;
    setActiveView(newActive || (views.size ? views.keys().next().value || null : null));
  }
  if (!chromeInstalled) {
    chromeInstalled = true;
    const m = await chromeModule;
    if (m && typeof m.installChrome === "function") {
      try { m.installChrome(app); } catch (e) { console.error("symphony: chrome failed", e); }
    }
  }
  for (const path of session.files || []) {
    if ([...views.values()].some((vm) => vm.path === path)) continue;
    try {
      await openFile(path);
    } catch (e) {
      flash(`Cannot open ${path}: ${errorText(e)}`);
    }
  }
  if (!active || !views.has(active)) {
    const lastPath = store.getItem(KEY_ACTIVE);
    const again = [...views.values()].find((vm) => lastPath && vm.path === lastPath);
    setActiveView(again ? again.id : views.size ? views.keys().next().value || null : null);
  }
  else {
    // the surface shows the same view: ask for its window again
    const vm = views.get(active);
    if (vm) {
      vm.sent = null;
      surface.setView(null);
      surface.setView(vm);
    }
  }
  resolveReady(true);
}

const token = readToken();
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws?token=${encodeURIComponent(token || "")}`;

const conn = new Connection({
  url: wsUrl,
  onNotification,
  onRequest,
  onSession,
  onState: (state, reason) => {
    sym.connected = state === "connected";
    app.connectionState = state;
    if (state === "connected") banner(null);
    else if (reason) banner(reason);
    if (state !== "connected") dropPredictions();
    for (const fn of connListeners) {
      try { fn(state); } catch (e) { console.error(e); }
    }
  },
});

const input = new Input(surface, {
  activeView: () => active,
  edit: (v, m, p) => appEdit(v, m, p),
  editRequest: (v, m, p) => conn.editRequest(v, m, p),
  save,
  chromeKey: (e) => runBinding(e),
  keyEdit: (t) => timing.keyEdit(t),
});

/** @param {KeyboardEvent} e @returns {boolean} whether a chrome binding took the key */
function runBinding(e) {
  const fns = bindings.get(comboOf(e));
  if (!fns || !fns.length) return false;
  for (const fn of [...fns].reverse()) {
    let res;
    try { res = fn(e); } catch (err) { console.error(err); }
    if (res !== false) return true;
  }
  return false;
}

document.addEventListener("keydown", (e) => {
  if (e.target === input.ta || e.defaultPrevented) return;
  if (runBinding(e)) e.preventDefault();
});

/** @template T @param {Map<string, Set<T>>|Map<string, T[]>} _m */
const app = {
  /** @type {string|null} */
  root: null,
  connectionState: "connecting",
  editorFont: surface.font,
  /** @param {string} method @param {any} [params] */
  request: (method, params) => conn.request(method, params),
  /** @param {string} method @param {any} [params] */
  notify: (method, params) => conn.notify(method, params),
  /** @param {string} viewId @param {string} method @param {any} [params] */
  edit: (viewId, method, params) => appEdit(viewId, method, params),
  /** @param {string} viewId @param {string} method @param {any} [params] */
  editRequest: (viewId, method, params) => conn.editRequest(viewId, method, params),
  /** @param {string} method @param {(p: any) => void} fn */
  on(method, fn) {
    let set = listeners.get(method);
    if (!set) listeners.set(method, (set = new Set()));
    set.add(fn);
    return () => { set && set.delete(fn); };
  },
  activeView: () => active,
  setActiveView,
  openFile,
  closeView,
  views: () => [...views.keys()],
  viewState,
  /** @param {() => void} fn */
  onViewsChanged(fn) {
    viewListeners.add(fn);
    return () => { viewListeners.delete(fn); };
  },
  /** @param {(s: string) => void} fn */
  onConnectionChanged(fn) {
    connListeners.add(fn);
    return () => { connListeners.delete(fn); };
  },
  /** @param {string} combo @param {(e: KeyboardEvent) => any} fn */
  bindKey(combo, fn) {
    let list = bindings.get(combo);
    if (!list) bindings.set(combo, (list = []));
    list.push(fn);
    return () => {
      const l = bindings.get(combo);
      if (l) l.splice(l.indexOf(fn) >>> 0, 1);
    };
  },
  focusEditor: () => input.focus(),
  banner,
  save,
};

const sym = {
  ready,
  connected: false,
  /** @type {string|null} */
  serverId: null,
  activeView: () => active,
  views: () => [...views.values()].map((vm) => ({ view_id: vm.id, path: vm.path, pristine: vm.pristine, lines: vm.lineCount })),
  visibleLines: () => surface.painted.map(([, text]) => text),
  cursors: () => surface.visibleCursors(),
  whenIdle: () => timing.whenIdle(conn, () => (active ? views.get(active) || null : null), () => echo.pendingCount > 0),
  metrics,
  /** Local echo's counts: predicted, confirmed, dropped (the core did otherwise), expired. */
  echo: () => ({ ...echo.stats, pending: echo.pendingCount }),
  resetMetrics: () => timing.reset(),
  /** @param {number} lines */
  scrollBy: (lines) => surface.scrollBy(lines),
  // extras for tests (not in the contract)
  app,
  clipboard: () => input.clipboard,
  /** @param {string} text */
  paste: (text) => input.paste(text),
  recent: () => recent.slice(),
  domLines: () => surface.textRows.querySelectorAll(".ed-line").length,
  heldLines: () => (active && views.has(active) ? /** @type {ViewModel} */ (views.get(active)).cache.heldCount() : 0),
  /** @param {number} line */
  scrollTo: (line) => surface.setTop(line),
  /** @param {number} row @param {number} col8 */
  pointAt: (row, col8) => surface.pointAt(row, col8),
  /** Close the socket as a dropped network would (tests): the page reconnects. */
  dropConnection: () => conn.drop(),
  /** The edit journal (debugging). */
  journal: () => JSON.parse(JSON.stringify(Object.fromEntries(conn.journal))),
  /** The whole text of the active view, from the core (tests). */
  contents: () => (active ? conn.editRequest(active, "debug_get_contents") : Promise.resolve(null)),
};
/** @type {any} */ (window).symphony = sym;

if (!token) {
  banner("No token: open the URL that `symphony web` printed.");
} else {
  conn.start();
  input.focus();
}
