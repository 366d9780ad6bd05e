// xi's line cache, kept by the core's `update` ops alone (docs/protocol.md "The line cache").
// A port of symphony/cli/editor/_cache.py, pure (no DOM), with one difference: the lines are
// held sparsely, as runs ("chunks") of the lines the core sent, so a view of millions of
// lines costs memory and time in proportion to the window the page asked for, never to the
// document (an `invalidate` of two million lines is one number, not an array).

/**
 * A line as the core sends it: `text` (with its "\n"), `ln` (1-based logical line number, only
 * on the first visual line of a logical line), `cursor` and `styles` in UTF-8 code units.
 * @typedef {{text: string, ln?: number, cursor?: number[], styles?: number[]}} Line
 */

/**
 * An `update` op.
 * @typedef {{op: "copy"|"skip"|"invalidate"|"ins"|"update", n: number, ln?: number, lines?: Array<Partial<Line>>}} Op
 */

/** A run of held lines: `lines[k]` is visual line `start + k`. @typedef {{start: number, lines: Line[]}} Chunk */

export class LineCache {
  constructor() {
    /** Total number of (visual) lines of the view. */
    this.length = 0;
    /** @type {Chunk[]} sorted, disjoint, non-adjacent runs of held lines */
    this.chunks = [];
  }

  /**
   * Apply one `update`'s ops (copy, skip, invalidate, ins, update).
   * @param {Op[]} ops
   */
  apply(ops) {
    /** @type {Chunk[]} */
    const out = [];
    let newLen = 0;
    let oldIx = 0;
    /** @param {Line} line */
    const push = (line) => {
      const last = out.length ? out[out.length - 1] : null;
      if (last && last.start + last.lines.length === newLen) last.lines.push(line);
      else out.push({ start: newLen, lines: [line] });
      newLen += 1;
    };
    for (const op of ops) {
      const n = op.n | 0;
      switch (op.op) {
        case "copy": {
          // `ln`: the line number the first copied line shows now (a continuation line: its
          // logical line's); every numbered line of the copy moves by the same shift
          let shift = 0;
          if (typeof op.ln === "number" && op.ln > 0) {
            for (let i = oldIx; i < oldIx + n; i++) {
              const line = this.line(i);
              if (!line) break;
              if (line.ln) { shift = op.ln + (i === oldIx ? 0 : 1) - line.ln; break; }
            }
          }
          let pos = oldIx;
          for (const [at, lines] of this._slices(oldIx, oldIx + n)) {
            newLen += at - pos; // lines the page does not hold stay unknown
            for (const line of lines) push(shift && line.ln ? { ...line, ln: line.ln + shift } : line);
            pos = at + lines.length;
          }
          newLen += oldIx + n - pos;
          oldIx += n;
          break;
        }
        case "skip":
          oldIx += n;
          break;
        case "invalidate":
          newLen += n;
          break;
        case "ins":
          for (const line of op.lines || []) push(/** @type {Line} */ (line));
          break;
        case "update":
          for (const change of op.lines || []) {
            const prev = this.line(oldIx);
            oldIx += 1;
            if (prev) push({ ...prev, ...change });
            else newLen += 1;
          }
          break;
        default:
          throw new Error(`unknown update op ${JSON.stringify(op.op)}`);
      }
    }
    this.length = newLen;
    this.chunks = out;
  }

  /**
   * The held runs meeting `[a, b)`: `[start, lines]` pairs (lines sliced to the range).
   * @param {number} a @param {number} b @returns {Array<[number, Line[]]>}
   */
  _slices(a, b) {
    /** @type {Array<[number, Line[]]>} */
    const res = [];
    if (b <= a) return res;
    let k = this._chunkAt(a);
    if (k < 0) k = 0;
    for (; k < this.chunks.length; k++) {
      const c = this.chunks[k];
      const end = c.start + c.lines.length;
      if (c.start >= b) break;
      if (end <= a) continue;
      const s = Math.max(a, c.start), e = Math.min(b, end);
      res.push([s, c.start === s && end === e ? c.lines : c.lines.slice(s - c.start, e - c.start)]);
    }
    return res;
  }

  /** Index of the last chunk starting at or before `row`, or -1. @param {number} row */
  _chunkAt(row) {
    const cs = this.chunks;
    let lo = 0, hi = cs.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid].start <= row) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  /**
   * The line at visual row `row`, or null when the page does not hold it.
   * @param {number} row @returns {Line|null}
   */
  line(row) {
    const k = this._chunkAt(row);
    if (k < 0) return null;
    const c = this.chunks[k];
    const i = row - c.start;
    return i < c.lines.length ? c.lines[i] : null;
  }

  /**
   * Put `line` at visual row `row`, a row the page holds (the local echo's predicted lines).
   * @param {number} row @param {Line} line @returns {boolean} whether the row was held
   */
  replace(row, line) {
    const k = this._chunkAt(row);
    if (k < 0) return false;
    const c = this.chunks[k];
    const i = row - c.start;
    if (i >= c.lines.length) return false;
    c.lines[i] = line;
    return true;
  }

  /** How many lines the page holds (bounded by the window it asked for). */
  heldCount() {
    let n = 0;
    for (const c of this.chunks) n += c.lines.length;
    return n;
  }

  /**
   * Every held line with a cursor: `[row, line]` pairs, in order.
   * @returns {Array<[number, Line]>}
   */
  cursorLines() {
    /** @type {Array<[number, Line]>} */
    const res = [];
    for (const c of this.chunks) {
      for (let i = 0; i < c.lines.length; i++) {
        const cur = c.lines[i].cursor;
        if (cur && cur.length) res.push([c.start + i, c.lines[i]]);
      }
    }
    return res;
  }

  /**
   * (cursors in the held lines, whether every line is held).
   * @returns {[number, boolean]}
   */
  cursors() {
    let count = 0;
    for (const [, line] of this.cursorLines()) count += (line.cursor || []).length;
    return [count, this.heldCount() === this.length];
  }

  /**
   * [logical line (0-based), UTF-8 column in it] of visual (row, col8), null when not held.
   * @param {number} row @param {number} col8 @returns {[number, number]|null}
   */
  logical(row, col8) {
    let offset = col8;
    for (;;) {
      const line = this.line(row);
      if (!line) return null;
      if (line.ln) return [line.ln - 1, offset];
      row -= 1;
      const above = this.line(row);
      if (!above) return null;
      offset += utf8Length(above.text);
    }
  }

  /**
   * Visual [row, col8] of logical (lineNo 0-based, col8), null when not held.
   * @param {number} lineNo @param {number} col8 @returns {[number, number]|null}
   */
  visual(lineNo, col8) {
    for (const c of this.chunks) {
      for (let i = 0; i < c.lines.length; i++) {
        let line = c.lines[i];
        if (line.ln !== lineNo + 1) continue;
        let row = c.start + i;
        for (;;) {
          const text = line.text.endsWith("\n") ? line.text.slice(0, -1) : line.text;
          const size = utf8Length(text);
          const nxt = this.line(row + 1);
          if (col8 <= size && (col8 < size || !nxt || nxt.ln || line.text.endsWith("\n"))) return [row, col8];
          if (!nxt || nxt.ln) return [row, Math.min(col8, size)];
          col8 -= size;
          row += 1;
          line = nxt;
        }
      }
    }
    return null;
  }

  /**
   * (first row, its line number, last row, its line number) of the held rows with one.
   * @returns {[number, number, number, number]|null}
   */
  knownLines() {
    /** @type {[number, number]|null} */
    let first = null;
    /** @type {[number, number]|null} */
    let last = null;
    for (const c of this.chunks) {
      for (let i = 0; i < c.lines.length; i++) {
        const ln = c.lines[i].ln;
        if (!ln) continue;
        if (!first) first = [c.start + i, ln];
        last = [c.start + i, ln];
      }
    }
    return first && last ? [first[0], first[1], last[0], last[1]] : null;
  }
}

/** @param {string} s */
function isAscii(s) {
  // eslint-disable-next-line no-control-regex
  return !/[^\x00-\x7f]/.test(s);
}

/**
 * UTF-8 length of a string.
 * @param {string} s @returns {number}
 */
export function utf8Length(s) {
  if (isAscii(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/**
 * JS string index of UTF-8 column `col8` in `text` (clamped to the text; a column inside a
 * character's bytes gives that character's start).
 * @param {string} text @param {number} col8 @returns {number}
 */
export function charCol(text, col8) {
  if (isAscii(text)) return Math.min(col8, text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length;
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (n + w > col8) return i;
    n += w;
    if (pair) i++;
  }
  return text.length;
}

/**
 * UTF-8 column of JS string index `idx` in `text`.
 * @param {string} text @param {number} idx @returns {number}
 */
export function utf8Col(text, idx) {
  if (isAscii(text)) return Math.min(idx, text.length);
  return utf8Length(text.slice(0, Math.min(idx, text.length)));
}
