// @ts-check
/**
 * The file tree, in `#tree`, shown when a directory is open (`app.root`). Directories are listed
 * lazily with `web_list_dir {path}` the first time they are expanded; a click on a file opens it
 * with `app.openFile` (or activates its tab). The active view's file is marked.
 * @module chrome_tree
 */
import { basename, describeError, h } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {{name: string, path: string, dir: boolean}} Entry */

export class FileTree {
  /**
   * @param {App} app
   * @param {HTMLElement} root the `#tree` region
   */
  constructor(app, root) {
    this.app = app;
    this.root = root;
    /** @type {string|null|undefined} the path marked active */
    this.marked = undefined;
    if (!app.root) {
      root.hidden = true;
      return;
    }
    root.hidden = false;
    root.setAttribute("role", "tree");
    const top = this.item({ name: basename(app.root), path: app.root, dir: true }, 0);
    top.classList.add("tree-root");
    root.replaceChildren(top);
    this.toggle(top);
    app.onViewsChanged(() => this.markActive());
  }

  /**
   * @param {Entry} entry
   * @param {number} depth
   * @returns {HTMLElement}
   */
  item(entry, depth) {
    const label = h("div", {
      class: "tree-label", style: `padding-left: ${0.4 + depth * 0.9}em`, title: entry.path,
      onclick: () => this.click(el),
    }, h("span", { class: "tree-icon", "aria-hidden": "true" }), h("span", { class: "tree-name" }, entry.name));
    const el = h("div", {
      class: entry.dir ? "tree-item tree-dir" : "tree-item tree-file", role: "treeitem",
      "data-path": entry.path, "data-depth": String(depth), "aria-expanded": entry.dir ? "false" : null,
    }, label);
    return el;
  }

  /** @param {HTMLElement} el */
  click(el) {
    if (el.classList.contains("tree-dir")) {
      this.toggle(el);
      return;
    }
    const path = el.dataset.path ?? "";
    el.classList.add("opening");
    this.app.openFile(path)
      .then(() => { el.classList.remove("opening", "failed"); el.removeAttribute("data-error"); this.app.focusEditor(); })
      .catch((/** @type {any} */ err) => {
        el.classList.remove("opening");
        el.classList.add("failed");
        el.dataset.error = describeError(err);
        this.app.banner(`cannot open ${path}: ${describeError(err)}`);
      });
  }

  /**
   * Expand or collapse a directory; its entries are asked for the first time it opens.
   * @param {HTMLElement} el
   */
  toggle(el) {
    const open = el.getAttribute("aria-expanded") === "true";
    let children = /** @type {HTMLElement|null} */ (el.querySelector(":scope > .tree-children"));
    if (open) {
      el.setAttribute("aria-expanded", "false");
      if (children) children.hidden = true;
      return;
    }
    el.setAttribute("aria-expanded", "true");
    if (children && children.classList.contains("failed")) {
      children.remove(); // a listing that failed is asked again
      children = null;
    }
    if (children) {
      children.hidden = false;
      return;
    }
    children = h("div", { class: "tree-children", role: "group" },
      h("div", { class: "tree-note" }, "loading…"));
    el.append(children);
    const depth = Number(el.dataset.depth ?? "0") + 1;
    const box = children;
    this.app.request("web_list_dir", { path: el.dataset.path })
      .then((/** @type {Entry[]|{entries: Entry[], truncated?: boolean}} */ answer) => {
        // the server answers {path, entries, truncated} (a bare list is taken too)
        const entries = Array.isArray(answer) ? answer : answer && Array.isArray(answer.entries) ? answer.entries : [];
        const items = entries.filter((e) => e && typeof e.path === "string").map((e) => this.item(e, depth));
        if (!items.length) items.push(h("div", { class: "tree-note" }, "(empty)"));
        if (!Array.isArray(answer) && answer && answer.truncated) {
          items.push(h("div", { class: "tree-note" }, `(only the first ${entries.length} entries)`));
        }
        box.replaceChildren(...items);
        el.dataset.loaded = "true";
        this.markActive(true);
      })
      .catch((/** @type {any} */ err) => {
        box.replaceChildren(h("div", { class: "tree-note tree-error" }, describeError(err)));
        box.classList.add("failed");
        el.dataset.error = describeError(err);
        this.app.banner(`cannot list ${el.dataset.path}: ${describeError(err)}`);
      });
  }

  /**
   * Mark the file of the active view (nothing to do while it is the one marked, unless `force`:
   * a directory just listed may hold it).
   * @param {boolean} [force]
   */
  markActive(force = false) {
    const active = this.app.activeView();
    const path = active ? this.app.viewState(active)?.path ?? null : null;
    if (!force && path === this.marked) return;
    this.marked = path;
    for (const el of this.root.querySelectorAll(".tree-file.active")) el.classList.remove("active");
    if (!path) return;
    for (const el of this.root.querySelectorAll(".tree-file")) {
      if (/** @type {HTMLElement} */ (el).dataset.path === path) el.classList.add("active");
    }
  }
}
