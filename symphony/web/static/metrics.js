// The page's timings (`symphony.metrics`) and its idle state (`symphony.whenIdle`), as
// docs/web.md defines them: keydown -> the frame that painted its text (the local echo's
// prediction, or the core's update when nothing was predicted), keydown -> the frame that
// painted the core's update, a new view's first screen, the intervals between scrolling frames.

/** @typedef {import("./editor.js").EditorSurface} EditorSurface */
/** @typedef {import("./connection.js").Connection} Connection */
/** @typedef {import("./viewmodel.js").ViewModel} ViewModel */

export class Timing {
  /** @param {EditorSurface} surface */
  constructor(surface) {
    this.surface = surface;
    this.metrics = {
      /** @type {number[]} */ keyToPaint: [],
      /** @type {number[]} keydown -> the frame painting the core's update of it */ keyToConfirm: [],
      /** @type {{sent: number, firstUpdate: number|null, painted: number|null, view?: string}|null} */ firstScreen: null,
      /** @type {number[]} */ frames: surface.frames,
      // extras (not in the contract): keydown -> its update applied, and the work of each frame
      /** @type {number[]} */ keyToUpdate: [],
      /** @type {number[]} */ renderMs: surface.renderMs,
    };
    this.lastUpdateT = 0;
    this.lastEditT = 0;
    this.paintedSinceUpdate = true;
    /** @type {Array<{t: number, echoed: boolean}>} keys whose edit awaits its update */
    this.pendingKeys = [];
    /** @type {number[]} key times whose text awaits its frame */
    this.awaitPaint = [];
    /** @type {number[]} key times whose update awaits its frame */
    this.awaitConfirm = [];
    /** @type {{t: number, echoed: boolean}|null} the key whose edit is about to go (keyEdit) */
    this.keyNext = null;
    /** @type {{t: number, echoed: boolean}|null} the key of the edit going now (edited) */
    this.keyNow = null;
  }

  /** A key at time `t` is about to send an edit. @param {number} t */
  keyEdit(t) {
    this.keyNext = { t, echoed: false };
    this.pendingKeys.push(this.keyNext);
  }

  /** An edit goes to the core (the key's, if keyEdit came just before). */
  edited() {
    this.lastEditT = performance.now();
    this.keyNow = this.keyNext;
    this.keyNext = null;
  }

  /** The edit going now was predicted (local echo): its key's next frame paints it. */
  echoed() {
    const key = this.keyNow;
    if (!key || key.echoed) return;
    key.echoed = true;
    this.awaitPaint.push(key.t);
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
    for (const { t, echoed } of this.pendingKeys) {
      if (t <= now - 2000) continue; // a key that changed nothing long ago
      if (!echoed) this.awaitPaint.push(t);
      this.awaitConfirm.push(t);
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
    if (this.awaitConfirm.length) {
      for (const t of this.awaitConfirm) m.keyToConfirm.push(now - t);
      if (m.keyToConfirm.length > 10000) m.keyToConfirm.splice(0, 5000);
      this.awaitConfirm = [];
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
    m.keyToConfirm.length = 0;
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
   * `busy`: something else is not settled yet (predictions the core has not confirmed).
   * @param {Connection} conn @param {() => ViewModel|null} shown @param {() => boolean} [busy]
   */
  async whenIdle(conn, shown, busy) {
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
            this.paintedSinceUpdate && !this.surface.rafPending && !(busy && busy())) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (this.lastEditT < start) return;
    }
  }
}
