// @ts-check
/**
 * `#panel`, the band above the status bar: it holds sections (the core's alerts, the close
 * confirmation, find and replace, go to line, a task's result), each shown or hidden on its own, in a fixed order.
 * The region is hidden while no section is shown.
 * @module chrome_panel
 */

/** The sections, top to bottom. */
const ORDER = ["alert", "confirm", "goto", "find", "task"];

export class Panel {
  /** @param {HTMLElement} root the `#panel` region */
  constructor(root) {
    this.root = root;
    /** @type {Map<string, HTMLElement>} */
    this.sections = new Map();
    this.root.hidden = true;
  }

  /**
   * Show `content` as section `name` (replacing that section's previous content).
   * @param {string} name one of ORDER
   * @param {HTMLElement} content
   */
  show(name, content) {
    const old = this.sections.get(name);
    content.dataset.section = name;
    content.classList.add("panel-section");
    if (old === content) {
      content.hidden = false;
    } else {
      if (old) old.remove();
      this.sections.set(name, content);
      const after = ORDER.slice(ORDER.indexOf(name) + 1).map((n) => this.sections.get(n)).find(Boolean);
      this.root.insertBefore(content, after ?? null);
      content.hidden = false;
    }
    this.root.hidden = false;
  }

  /** @param {string} name */
  hide(name) {
    const el = this.sections.get(name);
    if (el) el.hidden = true;
    this.root.hidden = ![...this.sections.values()].some((s) => !s.hidden);
  }

  /** @param {string} name @returns {boolean} */
  isShown(name) {
    const el = this.sections.get(name);
    return !!el && !el.hidden;
  }
}
