// The page's timings (`symphony.metrics`) and its idle state (`symphony.whenIdle`), as
// WEB_DESIGN.md defines them: keydown -> the frame that painted its update, a new view's first
// screen, the intervals between scrolling frames.

/** @typedef {import("./editor.js").EditorSurface} EditorSurface */
/** @typedef {import("./connection.js").Connection} Connection */
/** @typedef {import("./viewmodel.js").ViewModel} ViewModel */

export class Timing {
  /** @param {EditorSurface} surface */
  constructor(surface) {
    this.surface = surface;
    this.metrics = {
      /** @type {number[]} */ keyToPaint: [],
      /** @type {{sent: number, firstUpdate: number|null, painted: number|null, view?: string}|null} */ firstScreen: null,
      /** @type {number[]} */ frames: surface.frames,
      // extras (not in the contract): keydown -> its update applied, and the work of each frame
      /** @type {number[]} */ keyToUpdate: [],
      /** @type {number[]} */ renderMs: surface.renderMs,
    };
    this.lastUpdateT = 0;
    this.lastEditT = 0;
    this.paintedSinceUpdate = true;
    /** @type {number[]} key times whose edit awaits its update */
    this.pendingKeys = [];
    /** @type {number[]} key times whose update awaits its frame */
    this.awaitPaint = [];
  }

  /** A key at time `t` sent an edit. @param {number} t */
  keyEdit(t) {
    this.pendingKeys.push(t);
  }

  /** An edit went to the core. */
  edited() {
    this.lastEditT = performance.now();
  }

  /** A new view was asked for at `sent`. @param {string} viewId @param {number} sent */
  opened(viewId, sent) {
    this.metrics.firstScreen = { sent, firstUpdate: null, painted: null, view: viewId };
  }

  /** An update of `viewId` was applied; `shown`: it is the view on screen. @param {string} viewId @param {boolean} shown */
  updated(viewId, shown) {
    const now = performance.now();
    const fs = this.metrics.firstScreen;
    if (fs && fs.view === viewId && fs.firstUpdate === null) fs.firstUpdate = now;
    if (!shown) return;
    this.lastUpdateT = now;
    this.paintedSinceUpdate = false;
    for (const t of this.pendingKeys) {
      if (t <= now - 2000) continue; // a key that changed nothing long ago
      this.awaitPaint.push(t);
      this.metrics.keyToUpdate.push(now - t);
    }
    this.pendingKeys = [];
  }

  /** A frame was painted, showing `vm`. @param {ViewModel|null} vm */
  painted(vm) {
    const now = performance.now();
    const m = this.metrics;
    this.paintedSinceUpdate = true;
    if (this.awaitPaint.length) {
      for (const t of this.awaitPaint) m.keyToPaint.push(now - t);
      if (m.keyToPaint.length > 10000) m.keyToPaint.splice(0, 5000);
      this.awaitPaint = [];
    }
    const fs = m.firstScreen;
    if (vm && fs && fs.firstUpdate !== null && fs.painted === null && fs.view === vm.id) {
      if (vm.lineCount === 0 || this.surface.painted.some(([, t]) => t !== null)) fs.painted = now;
    }
    m.frames = this.surface.frames;
    m.renderMs = this.surface.renderMs;
  }

  reset() {
    const m = this.metrics;
    m.keyToPaint.length = 0;
    m.keyToUpdate.length = 0;
    this.surface.frames.length = 0;
    this.surface.renderMs.length = 0;
    m.frames = this.surface.frames;
    m.renderMs = this.surface.renderMs;
    m.firstScreen = null;
  }

  /**
   * Resolves when no request is pending, no update came for 50 ms and a frame painted since
   * (and no edit was sent meanwhile). A barrier first: an edit request on the view shown is
   * answered after the updates of everything sent before it.
   * @param {Connection} conn @param {() => ViewModel|null} shown
   */
  async whenIdle(conn, shown) {
    for (let round = 0; round < 1000; round++) {
      const start = performance.now();
      const vm = shown();
      if (conn.state === "connected" && vm) {
        try {
          await conn.editRequest(vm.id, "scroll", vm.sent || [0, Math.ceil(this.surface.screenRows) * 3]);
        } catch { /* disconnected: wait below */ }
      }
      for (;;) {
        const now = performance.now();
        if (conn.state === "connected" && conn.pendingCount() === 0 && now - this.lastUpdateT >= 50 &&
            this.paintedSinceUpdate && !this.surface.rafPending) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (this.lastEditT < start) return;
    }
  }
}
