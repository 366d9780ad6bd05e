// @ts-check
/**
 * The core's `alert`s (a refused notification, a file changed on disk while it has unsaved
 * changes, deleted or renamed there...), shown in `#panel` until closed (× or Escape): the
 * latest one, with how many came since the panel was last closed. A refused search is the find
 * panel's own (shown next to its field) while that panel is open.
 * @module chrome_alerts
 */
import { h } from "./chrome_dom.js";

/** @typedef {import("./chrome_dom.js").App} App */
/** @typedef {import("./chrome_panel.js").Panel} Panel */
/** @typedef {import("./chrome_find.js").FindPanel} FindPanel */

export class Alerts {
  /**
   * @param {App} app
   * @param {Panel} panel
   * @param {FindPanel} find
   */
  constructor(app, panel, find) {
    this.app = app;
    this.panel = panel;
    this.count = 0;
    this.text = h("span", { class: "alert-text", role: "alert" });
    this.more = h("span", { class: "alert-more" });
    this.box = h("div", { class: "alert-panel" }, h("span", { class: "alert-icon", "aria-hidden": "true" }, "⚠"),
      this.text, this.more,
      h("button", { type: "button", class: "alert-close", title: "Close (Escape)", onclick: () => this.close() }, "×"));
    app.on("alert", (params) => {
      const msg = params && typeof params.msg === "string" ? params.msg : "";
      if (!msg) return;
      if (find.isOpen() && /^edit (find|replace|multi_find)/.test(msg)) return;
      this.show(msg);
    });
  }

  /** @param {string} msg */
  show(msg) {
    this.count += 1;
    this.text.textContent = msg;
    this.more.textContent = this.count > 1 ? `(${this.count} alerts)` : "";
    this.box.dataset.count = String(this.count);
    this.panel.show("alert", this.box);
  }

  close() {
    this.count = 0;
    this.panel.hide("alert");
    this.app.focusEditor();
  }
}
