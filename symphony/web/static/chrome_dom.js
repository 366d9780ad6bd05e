// @ts-check
/**
 * Small DOM helpers shared by the chrome's parts (tabs, tree, status bar, panels, palette),
 * and the JSDoc type of the `app` object main.js hands to `installChrome` (WEB_APP_API.md).
 * @module chrome_dom
 */

/**
 * @typedef {{code: number, message: string, data?: any}} RpcError
 * @typedef {"connecting"|"connected"|"reconnecting"|"closed"} ConnectionState
 * @typedef {{path: string|null, pristine: boolean, language: string|null|undefined,
 *   config: Record<string, any>, cursors: Array<[number, number]>, lineCount: number}} ViewState
 * @typedef {object} App
 * @property {string|null} root
 * @property {(method: string, params?: any) => Promise<any>} request
 * @property {(method: string, params?: any) => void} notify
 * @property {(viewId: string, method: string, params?: any) => void} edit
 * @property {(method: string, fn: (params: any) => void) => () => void} on
 * @property {() => string|null} activeView
 * @property {(viewId: string) => void} setActiveView
 * @property {(path: string) => Promise<string>} openFile
 * @property {(viewId: string) => void} closeView
 * @property {() => string[]} views
 * @property {(viewId: string) => ViewState|null} viewState
 * @property {(fn: () => void) => () => void} onViewsChanged
 * @property {(fn: (state: ConnectionState) => void) => () => void} [onConnectionChanged]
 * @property {ConnectionState} [connectionState]
 * @property {(combo: string, fn: (event: KeyboardEvent) => any) => () => void} [bindKey]
 * @property {() => void} focusEditor
 * @property {(text: string|null) => void} banner
 */

/**
 * Create an element: `h("div", {class: "x", onclick: fn}, "text", child)`.
 * Attributes starting with "on" become listeners; `null`/`false` attributes are skipped.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/**
 * The region with that id, or a detached element when index.html lacks it (the chrome then
 * still works, unseen, instead of throwing at install).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function region(id) {
  const found = document.getElementById(id);
  if (found) return found;
  const el = document.createElement("div");
  el.id = id;
  return el;
}

/**
 * The last component of a path ("/a/b.txt" -> "b.txt"; both separators).
 * @param {string|null|undefined} path
 * @returns {string}
 */
export function basename(path) {
  if (!path) return "untitled";
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : path;
}

/**
 * A readable line for an error answer: "error -32002 (TaskFailed): message".
 * @param {any} error
 * @returns {string}
 */
export function describeError(error) {
  if (error && typeof error === "object" && "message" in error) {
    const type = error.data && typeof error.data === "object" && error.data.type ? ` (${error.data.type})` : "";
    const code = typeof error.code === "number" ? `error ${error.code}${type}: ` : "";
    return `${code}${error.message}`;
  }
  return String(error);
}

/**
 * Set an element's text only when it differs (the status bar and the tabs redraw on every
 * caret move: an unchanged write would still cost the frame a style and layout pass).
 * @param {HTMLElement} el
 * @param {string} text
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Set an attribute only when it differs (see setText).
 * @param {HTMLElement} el
 * @param {string} name
 * @param {string} value
 */
export function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}
