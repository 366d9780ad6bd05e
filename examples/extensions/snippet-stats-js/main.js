#!/usr/bin/env node
// snippet-stats: an operator extension for Symphony, in JavaScript for Node.js, no npm packages.
//
// It speaks the extension protocol on stdio: JSON-RPC 2.0, one JSON object per line. The host
// sends `initialize` {api, id, version, kind, permissions, workspace}, then `operator/call`
// {inputs: {text}} for each call, and `shutdown` at the end; this extension answers each, and
// tells the host it is ready with a `log` notification (a service that needs no permission).
//
// The statistics are defined so that any language computes them alike (tests check them
// against a Python model on random text): lines are split at "\r\n", "\n" or "\r" (a final
// terminator ends the last line, it does not start one); lengths count Unicode code points;
// words are runs of characters other than ASCII whitespace; indentation expands tabs to stops
// of 4 columns.
"use strict";

const readline = require("readline");

const TERMINATOR = /\r\n|\n|\r/;
const TERMINATORS = /\r\n|\n|\r/g;
const BLANK = /^[ \t\f\v]*$/;
const WORD = /[^ \t\n\r\f\v]+/g;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;
// A line whose first text opens or continues a comment in a common language: // /* */ * # -- <!-- ;;
// ("#!" and "#include" are not comments, "# x", "#" and "##" are).
const COMMENT = /^[ \t]*(?:\/\/|\/\*|\*\/|\*(?: |$)|#(?: |#|$)|--(?: |$)|<!--|;;)/;
const LONG_LINE = 100; // code points
const TAB_STOP = 4;

function codePoints(s) {
  let n = 0;
  for (const _ of s) n++; // eslint-disable-line no-unused-vars
  return n;
}

function count(s, re) {
  const m = s.match(re);
  return m ? m.length : 0;
}

function indentWidth(line) {
  let col = 0;
  for (const ch of line) {
    if (ch === " ") col++;
    else if (ch === "\t") col = (Math.floor(col / TAB_STOP) + 1) * TAB_STOP;
    else break;
  }
  return col;
}

function snippetStats(text) {
  const lines = text === "" ? [] : text.split(TERMINATOR);
  if (lines.length && lines[lines.length - 1] === "" && TERMINATOR.test(text.slice(-1))) lines.pop();
  const endings = { lf: 0, crlf: 0, cr: 0 };
  for (const t of text.match(TERMINATORS) || []) endings[t === "\n" ? "lf" : t === "\r\n" ? "crlf" : "cr"]++;
  let blank = 0, comments = 0, longest = 0, long = 0, total = 0, trailing = 0;
  let tabIndented = 0, spaceIndented = 0, maxIndent = 0;
  for (const line of lines) {
    const n = codePoints(line);
    total += n;
    if (n > longest) longest = n;
    if (n > LONG_LINE) long++;
    if (BLANK.test(line)) { blank++; continue; }
    if (COMMENT.test(line)) comments++;
    if (line[0] === "\t") tabIndented++;
    else if (line[0] === " ") spaceIndented++;
    const last = line[line.length - 1];
    if (last === " " || last === "\t") trailing++;
    maxIndent = Math.max(maxIndent, indentWidth(line));
  }
  const nonBlank = lines.length - blank;
  let nonAscii = 0;
  for (const ch of text) if (ch.codePointAt(0) > 127) nonAscii++;
  return {
    lines: lines.length,
    blank_lines: blank,
    comment_lines: comments,
    comment_share: nonBlank ? comments / nonBlank : 0,
    words: count(text, WORD),
    identifiers: count(text, IDENTIFIER),
    characters: codePoints(text),
    bytes: Buffer.byteLength(text, "utf8"),
    non_ascii: nonAscii,
    longest_line: longest,
    mean_line_length: lines.length ? total / lines.length : 0,
    long_lines: long,
    max_indent: maxIndent,
    tab_indented_lines: tabIndented,
    space_indented_lines: spaceIndented,
    mixed_indentation: tabIndented > 0 && spaceIndented > 0,
    trailing_whitespace_lines: trailing,
    line_endings: endings,
    final_newline: text !== "" && /[\r\n]$/.test(text),
  };
}

// -- the protocol ---------------------------------------------------------------------------

function send(msg) {
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...msg }) + "\n");
}

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const handlers = {
  initialize(params) {
    send({ method: "log", params: { level: "info", message: `snippet-stats ready (node ${process.version})` } });
    return {};
  },
  "operator/call"(params) {
    const text = params && params.inputs && params.inputs.text;
    if (typeof text !== "string") throw new RpcError(-32602, "inputs.text must be a string");
    return snippetStats(text);
  },
  deactivate() {
    return null;
  },
  shutdown() {
    setImmediate(() => process.exit(0)); // after the answer is written
    return null;
  },
};

function handle(msg) {
  if (typeof msg.method !== "string") return; // an answer: this extension sends no requests
  const isRequest = msg.id !== undefined;
  const handler = Object.prototype.hasOwnProperty.call(handlers, msg.method) ? handlers[msg.method] : null;
  try {
    if (!handler) throw new RpcError(-32601, `no method ${msg.method}`);
    const result = handler(msg.params);
    if (isRequest) send({ id: msg.id, result });
  } catch (err) {
    const error = Number.isInteger(err.code) ? { code: err.code, message: err.message }
      : { code: -32603, message: String(err && err.message || err) };
    if (isRequest) send({ id: msg.id, error });
    else process.stderr.write(`snippet-stats: ${msg.method}: ${error.message}\n`);
  }
}

if (require.main === module) {
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      send({ id: null, error: { code: -32700, message: "parse error" } });
      return;
    }
    if (!msg || typeof msg !== "object" || Array.isArray(msg)) {
      send({ id: null, error: { code: -32600, message: "a message must be an object" } });
      return;
    }
    handle(msg);
  });
  input.on("close", () => process.exit(0));
}

module.exports = { snippetStats };
