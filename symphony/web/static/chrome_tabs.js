// @ts-check
/**
 * Tabs: one per open view, in `app.views()` order, in `#tabs`. A click activates, the `×` (or a
 * middle click) closes; closing a view with unsaved changes asks first, in `#panel`
 * (Save / Discard / Cancel). A dot marks a tab whose view is not pristine.
 * @module chrome_tabs
 */
import { basename, describeError, h, setAttr, setText } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {import("./chrome_panel.js").Panel} Panel */

export class Tabs {
  /**
   * @param {App} app
   * @param {HTMLElement} root the `#tabs` region
   * @param {Panel} panel where the close confirmation is asked
   */
  constructor(app, root, panel) {
    this.app = app;
    this.root = root;
    this.panel = panel;
    root.setAttribute("role", "tablist");
    /** @type {Map<string, HTMLElement>} */
    this.elements = new Map();
    app.onViewsChanged(() => this.render());
    this.render();
  }

  /** Redraw the tab strip from `app.views()` (elements are reused by view id). */
  render() {
    const app = this.app;
    const ids = app.views();
    const active = app.activeView();
    const names = ids.map((id) => basename(app.viewState(id)?.path));
    for (const [id, el] of this.elements) {
      if (!ids.includes(id)) {
        el.remove();
        this.elements.delete(id);
      }
    }
    ids.forEach((id, i) => {
      const state = app.viewState(id);
      let el = this.elements.get(id);
      if (!el) {
        el = this.make(id);
        this.elements.set(id, el);
      }
      const path = state?.path ?? null;
      // two files of one name: add the parent directory to tell them apart
      const same = names.filter((n) => n === names[i]).length > 1;
      const parent = path ? basename(path.slice(0, path.length - basename(path).length - 1)) : "";
      const label = same && parent ? `${names[i]} — ${parent}` : names[i];
      const name = /** @type {HTMLElement} */ (el.querySelector(".tab-name"));
      setText(name, label);
      setAttr(el, "title", path ?? "untitled");
      setAttr(el, "data-path", path ?? "");
      const dirty = state ? !state.pristine : false;
      if (el.classList.contains("dirty") !== dirty) el.classList.toggle("dirty", dirty);
      if (el.classList.contains("active") !== (id === active)) el.classList.toggle("active", id === active);
      setAttr(el, "aria-selected", id === active ? "true" : "false");
      if (this.root.children[i] !== el) this.root.insertBefore(el, this.root.children[i] ?? null);
    });
    if (this.root.hidden) this.root.hidden = false;
  }

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  make(id) {
    const close = h("button", {
      class: "tab-close", type: "button", title: "Close", "aria-label": "Close",
      onclick: (/** @type {MouseEvent} */ e) => { e.stopPropagation(); this.close(id); },
    }, "×");
    return h("div", {
      class: "tab", role: "tab", "data-view": id,
      onmousedown: (/** @type {MouseEvent} */ e) => { if (e.button === 1) e.preventDefault(); },
      onauxclick: (/** @type {MouseEvent} */ e) => { if (e.button === 1) this.close(id); },
      onclick: () => { this.app.setActiveView(id); this.app.focusEditor(); },
    }, h("span", { class: "tab-dirty", "aria-hidden": "true" }, "●"), h("span", { class: "tab-name" }), close);
  }

  /**
   * Close a view; one with unsaved changes asks in the panel first.
   * @param {string} id
   */
  close(id) {
    const state = this.app.viewState(id);
    if (!state || state.pristine) {
      this.app.closeView(id);
      this.app.focusEditor();
      return;
    }
    const name = basename(state.path);
    const note = h("span", { class: "confirm-note" });
    const done = () => { this.panel.hide("confirm"); this.app.focusEditor(); };
    const closeIt = () => { if (this.app.views().includes(id)) this.app.closeView(id); };
    const save = state.path ? h("button", {
      type: "button", class: "confirm-save",
      onclick: () => {
        note.textContent = "saving…";
        this.app.request("save", { view_id: id, file_path: state.path })
          .then(() => { done(); closeIt(); })
          .catch((/** @type {any} */ err) => { note.textContent = describeError(err); });
      },
    }, "Save") : null;
    const discard = h("button", {
      type: "button", class: "confirm-discard",
      onclick: () => { done(); closeIt(); },
    }, "Discard");
    const cancel = h("button", { type: "button", class: "confirm-cancel", onclick: done }, "Cancel");
    const box = h("div", { class: "close-confirm", "data-view": id, role: "alertdialog" },
      h("span", { class: "confirm-text" }, `${name} has unsaved changes. Close it?`), save, discard, cancel, note);
    this.panel.show("confirm", box);
    (save ?? discard).focus();
  }

  /** Activate the tab `delta` places from the active one (wrapping). @param {number} delta */
  cycle(delta) {
    const ids = this.app.views();
    if (!ids.length) return;
    const at = ids.indexOf(this.app.activeView() ?? "");
    this.app.setActiveView(ids[(at + delta + ids.length) % ids.length]);
  }
}
