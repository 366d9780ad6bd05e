#!/usr/bin/env node
// Highlights trailing whitespace: a plugin for xi-editor's plugin protocol written for Node.js
// in raw JSON lines on stdin/stdout, without any SDK (Symphony's or xi's).
//
// It keeps each view's text as UTF-8 bytes (fetched with chunked `get_data`, then patched by
// each `update` delta, or fetched again when the delta is null), and after each edit sends
// `update_spans` for the lines the edit touched: one span per run of spaces and tabs before a
// line's end. Offsets on xi's wire are UTF-8 byte offsets, which a Buffer counts directly.
// The command `trailing_whitespace.strip` sends an `edit` removing every such run.
"use strict";

const readline = require("readline");

const SCOPE = [["invalid.whitespace.trailing"]];
const CHUNK = 1 << 20; // bytes per get_data, as xi's plugin-lib asks
const NAME = "trailing-whitespace-js";

let pluginId = null;
const views = new Map(); // view_id -> {text: Buffer, rev: number, scoped: boolean}
const pending = new Map(); // our request id -> {resolve, reject}
let nextId = 0;
const inbox = []; // messages from the core, handled one at a time in arrival order
let busy = false;

function log(...args) {
  process.stderr.write(`${NAME}: ${args.join(" ")}\n`);
}

// xi-core's revisions are u64 tokens, beyond a JS number's 53 exact bits: they are kept as
// strings of digits here, read from and written to the wire as the JSON numbers they are.
const REV_IN = /(?<!\\)"rev"(\s*):(\s*)(\d+)/g;
const REV_OUT = /(?<!\\)"rev":"(\d+)"/g;

function send(msg) {
  process.stdout.write(JSON.stringify(msg).replace(REV_OUT, '"rev":$1') + "\n");
}

function notify(method, params) {
  send({ method, params });
}

function request(method, params) {
  const id = nextId++;
  send({ id, method, params });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function isCount(v) {
  return Number.isInteger(v) && v >= 0;
}

function isRev(v) {
  return typeof v === "string" && /^\d+$/.test(v);
}

// -- the text -----------------------------------------------------------------------------

async function fetchText(viewId, rev, size) {
  const parts = [];
  let done = 0;
  while (done < size) {
    const data = await request("get_data", {
      plugin_id: pluginId, view_id: viewId, start: done, unit: "utf8", max_size: CHUNK, rev,
    });
    if (!data || typeof data.chunk !== "string" || data.offset !== done) {
      throw new Error(`get_data: bad answer at byte ${done} of revision ${rev}`);
    }
    const bytes = Buffer.from(data.chunk, "utf8");
    if (bytes.length === 0) throw new Error(`get_data: empty chunk at byte ${done} of ${size}`);
    parts.push(bytes);
    done += bytes.length;
  }
  if (done !== size) throw new Error(`get_data: ${done} bytes, expected ${size}`);
  return Buffer.concat(parts);
}

// Apply xi's wire delta to `text`; also returns the edited range of the new text [lo, hi).
function applyDelta(text, delta) {
  if (!delta || delta.base_len !== text.length || !Array.isArray(delta.els)) {
    throw new Error("delta does not fit the text");
  }
  const parts = [];
  let lo = Infinity;
  let hi = -1;
  let newPos = 0;
  let oldPos = 0;
  for (const el of delta.els) {
    if (el && typeof el.insert === "string") {
      const bytes = Buffer.from(el.insert, "utf8");
      lo = Math.min(lo, newPos);
      newPos += bytes.length;
      hi = Math.max(hi, newPos);
      parts.push(bytes);
    } else if (el && Array.isArray(el.copy) && isCount(el.copy[0]) && isCount(el.copy[1])) {
      const [a, b] = el.copy;
      if (a < oldPos || b < a || b > text.length) throw new Error("delta: copy out of order");
      if (a > oldPos) { lo = Math.min(lo, newPos); hi = Math.max(hi, newPos); } // a deletion
      parts.push(text.subarray(a, b));
      newPos += b - a;
      oldPos = b;
    } else {
      throw new Error("delta: bad element");
    }
  }
  if (oldPos < text.length) { lo = Math.min(lo, newPos); hi = Math.max(hi, newPos); }
  const out = Buffer.concat(parts);
  return { text: out, lo: lo === Infinity ? 0 : lo, hi: Math.max(hi, 0) };
}

// -- the spans ----------------------------------------------------------------------------

function lineStart(text, pos) {
  while (pos > 0 && text[pos - 1] !== 0x0a) pos--;
  return pos;
}

function lineEnd(text, pos) {
  while (pos < text.length && text[pos] !== 0x0a) pos++;
  return pos < text.length ? pos + 1 : pos;
}

// Runs of spaces and tabs before each line end in text[start, end) (whole lines), relative to start.
function trailingRuns(text, start, end) {
  const runs = [];
  let pos = start;
  while (pos < end) {
    let eol = pos;
    while (eol < end && text[eol] !== 0x0a) eol++;
    let stop = eol;
    if (stop > pos && text[stop - 1] === 0x0d && stop < end) stop--; // "\r\n": the \r is the terminator
    let ws = stop;
    while (ws > pos && (text[ws - 1] === 0x20 || text[ws - 1] === 0x09)) ws--;
    if (ws < stop) runs.push([ws - start, stop - start]);
    pos = eol + 1;
  }
  return runs;
}

function sendSpans(viewId, view, lo, hi) {
  if (!view.scoped) {
    notify("add_scopes", { plugin_id: pluginId, view_id: viewId, scopes: SCOPE });
    view.scoped = true;
  }
  const start = lineStart(view.text, lo);
  const end = lineEnd(view.text, hi);
  const spans = trailingRuns(view.text, start, end).map(([s, e]) => ({ start: s, end: e, scope_id: 0 }));
  notify("update_spans", { plugin_id: pluginId, view_id: viewId, start, len: end - start, spans, rev: view.rev });
}

// -- the protocol -------------------------------------------------------------------------

async function openViews(infos) {
  if (!Array.isArray(infos)) throw new Error("buffer_info must be a list");
  for (const info of infos) {
    for (const viewId of info.views || []) {
      const text = await fetchText(viewId, info.rev, info.buf_size);
      const view = { text, rev: info.rev, scoped: false };
      views.set(viewId, view);
      sendSpans(viewId, view, 0, text.length);
    }
  }
}

async function update(p) {
  const view = views.get(p.view_id);
  if (!view) throw { code: 404, message: `missing view ${JSON.stringify(p.view_id)}` };
  if (!isRev(p.rev) || !isCount(p.new_len)) throw { code: -32602, message: "rev and new_len must be counts" };
  let lo = 0;
  let hi;
  let text = null;
  if (p.delta !== null) {
    try {
      const applied = applyDelta(view.text, p.delta);
      if (applied.text.length === p.new_len) ({ text, lo, hi } = applied);
    } catch (err) {
      log(`update ${p.rev}: ${err.message}; fetching the text again`);
    }
  }
  view.rev = p.rev;
  if (text === null) {
    text = await fetchText(p.view_id, p.rev, p.new_len);
    lo = 0;
    hi = text.length;
  }
  view.text = text;
  sendSpans(p.view_id, view, lo, hi);
  return 1;
}

function strip(viewId) {
  const view = views.get(viewId);
  if (!view) return;
  const els = [];
  let pos = 0;
  for (const [s, e] of trailingRuns(view.text, 0, view.text.length)) {
    if (s > pos) els.push({ copy: [pos, s] });
    pos = e;
  }
  if (pos < view.text.length) els.push({ copy: [pos, view.text.length] });
  const delta = { base_len: view.text.length, els };
  notify("edit", {
    plugin_id: pluginId, view_id: viewId,
    edit: { rev: view.rev, delta, priority: 100000, after_cursor: false, undo_group: null, author: NAME },
  });
}

async function handle(msg) {
  const p = msg.params && typeof msg.params === "object" ? msg.params : {};
  switch (msg.method) {
    case "initialize":
      pluginId = p.plugin_id;
      return openViews(p.buffer_info);
    case "new_buffer":
      return openViews(p.buffer_info);
    case "update":
      return update(p);
    case "did_close":
      views.delete(p.view_id);
      return null;
    case "custom_command":
      if (p.method === "trailing_whitespace.strip") strip(p.view_id);
      return null;
    case "shutdown":
      process.exit(0);
      return null;
    case "ping": case "did_save": case "config_changed": case "language_changed": case "get_hover":
    case "tracing_config":
      return null;
    default:
      throw { code: -32601, message: `no method ${msg.method}` };
  }
}

async function pump() {
  if (busy) return;
  busy = true;
  while (inbox.length) {
    const msg = inbox.shift();
    const isRequest = msg.id !== undefined;
    try {
      const result = await handle(msg);
      if (isRequest) send({ id: msg.id, result });
    } catch (err) {
      const error = err && Number.isInteger(err.code) ? err : { code: -32603, message: String(err && err.message || err) };
      if (isRequest) send({ id: msg.id, error });
      else log(`${msg.method}: ${error.message}`);
    }
  }
  busy = false;
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line.replace(REV_IN, '"rev"$1:$2"$3"'));
  } catch (err) {
    send({ id: null, error: { code: -32700, message: "parse error" } });
    return;
  }
  if (!msg || typeof msg !== "object" || Array.isArray(msg)) {
    send({ id: null, error: { code: -32600, message: "a message must be an object" } });
    return;
  }
  if (typeof msg.method !== "string") { // an answer to one of our requests
    const waiter = pending.get(msg.id);
    if (waiter) {
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`get_data failed: ${JSON.stringify(msg.error)}`));
      else waiter.resolve(msg.result);
    }
    return;
  }
  inbox.push(msg);
  pump();
});
input.on("close", () => process.exit(0));
