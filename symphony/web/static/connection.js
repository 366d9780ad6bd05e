// The WebSocket to `symphony web`: JSON-RPC ids, reconnect with backoff, and the edit journal
// (WEB_DESIGN.md "Messages on the WebSocket"): every `edit` notification carries a `seq`; the
// edits that change a view are kept per view since it was last pristine (in memory and in
// sessionStorage), so that after a reconnect nothing is lost and nothing is applied twice.

/** @typedef {{seq: number, method: string, params?: any}} JournalEntry */
/** @typedef {{path: string|null, entries: JournalEntry[]}} ViewJournal */
/** @typedef {{server: string, root: string|null, files: string[]}} WebSession */
/** @typedef {{server: string, applied: number, views: Array<{view_id: string, path: string|null}>, fresh: boolean}} Hello */
/** @typedef {"connecting"|"connected"|"reconnecting"|"closed"} ConnState */

/** Edit methods that change neither text nor selection: sent with a seq, never journaled. */
export const VIEW_ONLY = new Set(["scroll", "resize", "request_lines", "resync", "copy", "debug_get_contents",
  "highlight_find"]);

const KEY_CLIENT = "symphony.client";
const KEY_SERVER = "symphony.server";
const KEY_SEQ = "symphony.seq";
const KEY_JOURNAL = "symphony.journal";

/** sessionStorage, or a Map-backed stand-in where it is unavailable. */
const store = (() => {
  try {
    const s = window.sessionStorage;
    s.setItem("symphony.probe", "1");
    s.removeItem("symphony.probe");
    return s;
  } catch {
    const m = new Map();
    return { getItem: (/** @type {string} */ k) => (m.has(k) ? m.get(k) : null),
      setItem: (/** @type {string} */ k, /** @type {string} */ v) => void m.set(k, v),
      removeItem: (/** @type {string} */ k) => void m.delete(k) };
  }
})();

export { store };

export class Connection {
  /**
   * @param {object} opts
   * @param {string} opts.url the WebSocket URL (with its token)
   * @param {(method: string, params: any) => void} opts.onNotification
   * @param {(method: string, params: any) => any} opts.onRequest answers a request from the core
   * @param {(session: WebSession, hello: Hello, restarted: boolean, first: boolean) => Promise<void>} opts.onSession
   *   run after each `web_hello` answer, before queued edits are sent: the page (re)builds its views
   * @param {(state: ConnState, reason?: string) => void} opts.onState
   */
  constructor(opts) {
    this.opts = opts;
    /** @type {WebSocket|null} */
    this.ws = null;
    /** @type {ConnState} */
    this.state = "connecting";
    this.nextId = 1;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void}>} */
    this.pending = new Map();
    this.client = store.getItem(KEY_CLIENT) || randomId();
    store.setItem(KEY_CLIENT, this.client);
    /** @type {string|null} the server this tab last spoke to */
    this.lastServer = store.getItem(KEY_SERVER);
    this.seq = Number(store.getItem(KEY_SEQ) || "0") || 0;
    /** @type {Map<string, ViewJournal>} */
    this.journal = new Map();
    try {
      const saved = JSON.parse(store.getItem(KEY_JOURNAL) || "{}");
      for (const [k, v] of Object.entries(saved)) this.journal.set(k, /** @type {ViewJournal} */ (v));
    } catch { /* a corrupt journal is dropped */ }
    /** the highest seq put on the wire */
    this.sentSeq = 0;
    /** @type {Array<[string, JournalEntry]>} journaled edits made while not live, in order */
    this.unsent = [];
    /** @type {Map<string, boolean>} whether each view's latest update was pristine */
    this.lastPristine = new Map();
    /** @type {Set<string>} views with a journal barrier in flight */
    this.barriers = new Set();
    this.settingUp = false; // true while onSession runs: view-only edits go to the wire
    this.live = false; // true once the session is set up: edits go straight to the wire
    this.backoff = 100;
    this.everOpened = false;
    /** @type {ReturnType<typeof setTimeout>|null} */
    this.saveTimer = null;
    /** @type {WebSession|null} */
    this.session = null;
    window.addEventListener("pagehide", () => this.saveJournal());
    window.addEventListener("beforeunload", () => this.saveJournal());
  }

  /** Open the socket (and again after each drop, with backoff). */
  start() {
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; this.everOpened = true; this.backoff = 100; };
    ws.onmessage = (ev) => this._receive(ws, ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      for (const p of this.pending.values()) p.reject({ code: -1, message: "disconnected" });
      this.pending.clear();
      if (ev.code === 4001) {
        this._setState("closed", "This editor was opened in another tab.");
        return;
      }
      if (!opened) {
        this._checkRefused().then((refused) => {
          if (refused) this._setState("closed", "Connection refused: wrong token or foreign origin. Open the URL the server printed.");
          else this._retry();
        });
        return;
      }
      this._retry();
    };
  }

  _retry() {
    this._setState("reconnecting", "Reconnecting…");
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 2000);
    setTimeout(() => this.start(), delay);
  }

  /** Whether the server refuses this token/origin (HTTP 403), not merely unreachable. */
  async _checkRefused() {
    try {
      const httpUrl = this.opts.url.replace(/^ws/, "http");
      const res = await fetch(httpUrl, { cache: "no-store" });
      return res.status === 403;
    } catch {
      return false;
    }
  }

  /** @param {ConnState} state @param {string} [reason] */
  _setState(state, reason) {
    this.state = state;
    this.opts.onState(state, reason);
  }

  /** @param {WebSocket} ws @param {any} data */
  _receive(ws, data) {
    /** @type {any} */
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    const msgs = Array.isArray(msg) ? msg : [msg];
    for (const m of msgs) {
      if (m === null || typeof m !== "object") continue;
      if (typeof m.method === "string" && m.id !== undefined && m.id !== null) {
        this._answer(ws, m);
      } else if (typeof m.method === "string") {
        if (m.method === "web_session") this._session(ws, m.params);
        else this.opts.onNotification(m.method, m.params);
      } else if (m.id !== undefined && m.id !== null) {
        const p = this.pending.get(m.id);
        if (!p) continue;
        this.pending.delete(m.id);
        if (m.error) p.reject(m.error);
        else p.resolve(m.result);
      }
    }
  }

  /** A request from the core (`measure_width`): answer it. @param {WebSocket} ws @param {any} m */
  _answer(ws, m) {
    let reply;
    try {
      reply = { jsonrpc: "2.0", id: m.id, result: this.opts.onRequest(m.method, m.params) };
    } catch (e) {
      reply = { jsonrpc: "2.0", id: m.id, error: { code: -32601, message: String(e) } };
    }
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
  }

  /** @param {WebSocket} ws @param {WebSession} session */
  async _session(ws, session) {
    this.session = session;
    /** @type {Hello} */
    let hello;
    try {
      hello = await this._call(ws, "web_hello", { client: this.client, server: this.lastServer });
    } catch {
      return; // the socket dropped: onclose retries
    }
    if (this.ws !== ws) return;
    const restarted = !!(hello.fresh && this.lastServer && this.lastServer !== hello.server);
    const first = hello.fresh || this.lastServer !== hello.server;
    const previous = this.lastServer;
    this.lastServer = hello.server;
    store.setItem(KEY_SERVER, hello.server);
    // edits typed while away are in the journal: resent below (same server) or replayed on the
    // new views (restart) by onSession
    this.unsent = [];
    if (!hello.fresh && previous === hello.server) {
      // the same server: resend what it did not get (lost in flight, or typed while away)
      const open = new Set(hello.views.map((v) => v.view_id));
      for (const [seq, viewId, e] of this._entriesAfter(hello.applied)) {
        if (open.has(viewId)) this._sendEdit(ws, viewId, e.method, e.params, seq);
      }
    }
    this.settingUp = true;
    try {
      await this.opts.onSession(session, hello, restarted, first);
    } catch (e) {
      console.error("symphony: session setup failed", e);
    } finally {
      this.settingUp = false;
    }
    if (this.ws !== ws) return;
    // edits made while the session was set up (of views still open: a replayed view moved)
    for (const [viewId, e] of this.unsent) {
      if (this.journal.has(viewId)) this._sendEdit(ws, viewId, e.method, e.params, e.seq);
    }
    this.unsent = [];
    this.live = true;
    this._setState("connected");
  }

  /** Journal entries with seq > `after`, across views, in seq order. @param {number} after */
  _entriesAfter(after) {
    /** @type {Array<[number, string, JournalEntry]>} */
    const out = [];
    for (const [viewId, j] of this.journal) for (const e of j.entries) if (e.seq > after) out.push([e.seq, viewId, e]);
    out.sort((a, b) => a[0] - b[0]);
    return out;
  }

  /** @param {WebSocket} ws @param {string} method @param {any} params @returns {Promise<any>} */
  _call(ws, method, params) {
    return new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) {
        reject({ code: -1, message: "disconnected" });
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  /**
   * A request to the core; rejects with `{code, message}` (code -1: disconnected).
   * @param {string} method @param {any} [params] @returns {Promise<any>}
   */
  request(method, params) {
    if (!this.ws) return Promise.reject({ code: -1, message: "disconnected" });
    return this._call(this.ws, method, params === undefined ? {} : params);
  }

  /** A notification to the core (dropped while disconnected). @param {string} method @param {any} [params] */
  notify(method, params) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", method, params: params === undefined ? {} : params }));
    }
  }

  /**
   * An `edit` notification with its seq; journaled unless view-only. While disconnected a
   * journaled edit waits in the journal (sent on reconnect); a view-only one is dropped.
   * @param {string} viewId @param {string} method @param {any} [params]
   */
  edit(viewId, method, params) {
    const seq = ++this.seq;
    this._saveSoon();
    if (!VIEW_ONLY.has(method)) {
      let j = this.journal.get(viewId);
      if (!j) {
        j = { path: null, entries: [] };
        this.journal.set(viewId, j);
      }
      /** @type {JournalEntry} */
      const entry = { seq, method };
      if (params !== undefined) entry.params = params;
      j.entries.push(entry);
    }
    const open = this.ws && this.ws.readyState === WebSocket.OPEN;
    if (open && (this.live || (this.settingUp && VIEW_ONLY.has(method)))) {
      this._sendEdit(/** @type {WebSocket} */ (this.ws), viewId, method, params, seq);
    } else if (!VIEW_ONLY.has(method)) {
      const j = this.journal.get(viewId);
      if (j) this.unsent.push([viewId, j.entries[j.entries.length - 1]]);
    }
  }

  /**
   * An `edit` sent as a request (not journaled): `copy`, `debug_get_contents`, a barrier.
   * @param {string} viewId @param {string} method @param {any} [params] @returns {Promise<any>}
   */
  editRequest(viewId, method, params) {
    /** @type {any} */
    const p = { view_id: viewId, method };
    if (params !== undefined) p.params = params;
    return this.request("edit", p);
  }

  /** @param {WebSocket} ws @param {string} viewId @param {string} method @param {any} params @param {number} seq */
  _sendEdit(ws, viewId, method, params, seq) {
    /** @type {any} */
    const p = { view_id: viewId, method };
    if (params !== undefined) p.params = params;
    ws.send(JSON.stringify({ jsonrpc: "2.0", method: "edit", params: p, seq }));
    if (seq > this.sentSeq) this.sentSeq = seq;
  }

  /**
   * Replay a view's journal onto a new view (after a server restart), with fresh seqs.
   * @param {string} oldId @param {string} newId
   */
  replay(oldId, newId) {
    const j = this.journal.get(oldId);
    this.journal.delete(oldId);
    const entries = j ? j.entries : [];
    this.journal.set(newId, { path: j ? j.path : null, entries: [] });
    const ws = this.ws;
    for (const e of entries) {
      const seq = ++this.seq;
      this.journal.get(newId)?.entries.push({ seq, method: e.method, params: e.params });
      if (ws && ws.readyState === WebSocket.OPEN) this._sendEdit(ws, newId, e.method, e.params, seq);
    }
    this._saveSoon();
  }

  /**
   * An update said whether the view is pristine. A pristine view's journal starts again, but
   * only once it is sure the pristine state is the one after the journal's last edit: a
   * barrier request (answered after the updates of everything sent before it) comes back
   * while no edit of the view was sent after it, and the view's latest update is pristine.
   * (Clearing at once would drop edits still in flight behind a pristine update of a mere
   * caret move, and a replay after a restart would lose them.)
   * @param {string} viewId @param {boolean} pristine @param {() => Promise<any>} barrier
   */
  pristine(viewId, pristine, barrier) {
    this.lastPristine.set(viewId, pristine);
    if (!pristine || this.barriers.has(viewId)) return;
    const j = this.journal.get(viewId);
    if (!j || !j.entries.length) return;
    const last = j.entries[j.entries.length - 1].seq;
    this.barriers.add(viewId);
    barrier().then(() => {
      this.barriers.delete(viewId);
      const now = this.journal.get(viewId);
      if (!now || !now.entries.length || now.entries[now.entries.length - 1].seq !== last) return;
      if (this.lastPristine.get(viewId) !== true) return;
      now.entries = [];
      this._saveSoon();
    }, () => { this.barriers.delete(viewId); });
  }

  /** Note a view's path (for reopening it on a new server). @param {string} viewId @param {string|null} path */
  track(viewId, path) {
    const j = this.journal.get(viewId);
    if (j) j.path = path;
    else this.journal.set(viewId, { path, entries: [] });
    this._saveSoon();
  }

  /** Forget a closed view. @param {string} viewId */
  forget(viewId) {
    this.journal.delete(viewId);
    this._saveSoon();
  }

  /** The views this tab knew, in order: `[viewId, path]`. @returns {Array<[string, string|null]>} */
  knownViews() {
    return [...this.journal].map(([id, j]) => [id, j.path]);
  }

  _saveSoon() {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => this.saveJournal(), 100);
  }

  /** Write the journal and seq to sessionStorage now. */
  saveJournal() {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    try {
      store.setItem(KEY_SEQ, String(this.seq));
      store.setItem(KEY_JOURNAL, JSON.stringify(Object.fromEntries(this.journal)));
    } catch { /* storage full: the core still holds the edits */ }
  }

  /** Requests waiting for an answer. */
  pendingCount() {
    return this.pending.size;
  }
}

function randomId() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
}
