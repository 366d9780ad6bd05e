// Unit tests of the page's line cache (symphony/web/static/linecache.js), run by `node --test`
// (tests/web/test_linecache_js.py runs them under pytest when node is installed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LineCache, charCol, utf8Col, utf8Length } from "../../../symphony/web/static/linecache.js";

const L = (text, extra = {}) => ({ text, ...extra });
const texts = (c) => Array.from({ length: c.length }, (_, i) => (c.line(i) ? c.line(i).text : null));

test("ins then copy keeps the lines, invalidate and skip drop them", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 3, lines: [L("a\n", { ln: 1 }), L("b\n", { ln: 2 }), L("c", { ln: 3 })] }]);
  assert.deepEqual(texts(c), ["a\n", "b\n", "c"]);
  const b = c.line(1);
  c.apply([{ op: "copy", n: 1, ln: 1 }, { op: "skip", n: 1 }, { op: "invalidate", n: 1 }, { op: "copy", n: 1, ln: 3 }]);
  assert.deepEqual(texts(c), ["a\n", null, "c"]);
  assert.equal(c.length, 3);
  c.apply([{ op: "skip", n: 1 }, { op: "ins", n: 1, lines: [L("x\n", { ln: 1 })] }, { op: "copy", n: 2, ln: 2 }]);
  assert.deepEqual(texts(c), ["x\n", null, "c"]);
  assert.notEqual(b, null);
});

test("a copied line is the same object (the renderer reuses its DOM)", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 2, lines: [L("a\n", { ln: 1 }), L("b", { ln: 2 })] }]);
  const a = c.line(0);
  c.apply([{ op: "copy", n: 2, ln: 1 }]);
  assert.equal(c.line(0), a);
});

test("update merges cursors and styles into the held line, keeps its text", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 2, lines: [L("hello\n", { ln: 1, cursor: [0] }), L("world", { ln: 2 })] }]);
  c.apply([{ op: "update", n: 2, lines: [{ cursor: [], styles: [] }, { cursor: [3], styles: [0, 2, 0] }] }]);
  assert.deepEqual(c.line(0), { text: "hello\n", ln: 1, cursor: [], styles: [] });
  assert.deepEqual(c.line(1), { text: "world", ln: 2, cursor: [3], styles: [0, 2, 0] });
});

test("update of a line the page does not hold stays unknown", () => {
  const c = new LineCache();
  c.apply([{ op: "invalidate", n: 1 }, { op: "ins", n: 1, lines: [L("b", { ln: 2 })] }]);
  c.apply([{ op: "update", n: 2, lines: [{ cursor: [0] }, { cursor: [1] }] }]);
  assert.equal(c.line(0), null);
  assert.deepEqual(c.line(1).cursor, [1]);
});

test("copy renumbers the lines after an insertion above", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 2, lines: [L("a\n", { ln: 1 }), L("b", { ln: 2 })] }]);
  c.apply([{ op: "ins", n: 1, lines: [L("new\n", { ln: 1 })] }, { op: "copy", n: 2, ln: 2 }]);
  assert.deepEqual([1, 2, 3].map((_, i) => c.line(i).ln), [1, 2, 3]);
  assert.equal(c.line(2).text, "b");
});

test("copy starting on a wrapped continuation line numbers the next line ln + 1", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 3, lines: [L("aaaa ", { ln: 1 }), L("bbb\n"), L("c", { ln: 2 })] }]);
  c.apply([{ op: "ins", n: 1, lines: [L("top\n", { ln: 1 })] }, { op: "ins", n: 1, lines: [L("aaaa ", { ln: 2 })] },
           { op: "skip", n: 1 }, { op: "copy", n: 2, ln: 2 }]);
  assert.deepEqual(texts(c), ["top\n", "aaaa ", "bbb\n", "c"]);
  assert.equal(c.line(2).ln, undefined);
  assert.equal(c.line(3).ln, 3);
});

test("millions of lines cost only the window", () => {
  const c = new LineCache();
  const window = Array.from({ length: 100 }, (_, i) => L(`line ${1000000 + i}\n`, { ln: 1000001 + i }));
  c.apply([{ op: "invalidate", n: 1000000 }, { op: "ins", n: 100, lines: window }, { op: "invalidate", n: 2000000 }]);
  assert.equal(c.length, 3000100);
  assert.equal(c.heldCount(), 100);
  assert.equal(c.chunks.length, 1);
  assert.equal(c.line(999999), null);
  assert.equal(c.line(1000050).text, "line 1000050\n");
  // scroll down by 10: copy 90, the next 10 new
  const more = Array.from({ length: 10 }, (_, i) => L(`line ${1000100 + i}\n`, { ln: 1000101 + i }));
  c.apply([{ op: "invalidate", n: 1000010 }, { op: "skip", n: 1000010 }, { op: "copy", n: 90, ln: 1000011 },
           { op: "ins", n: 10, lines: more }, { op: "invalidate", n: 1999990 }]);
  assert.equal(c.length, 3000100);
  assert.equal(c.heldCount(), 100);
  assert.equal(c.line(1000010).text, "line 1000010\n");
  assert.equal(c.line(1000109).text, "line 1000100\n".replace("1000100", "1000109"));
});

test("two held runs with a gap between them", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 1, lines: [L("a\n", { ln: 1 })] }, { op: "invalidate", n: 5 }, { op: "ins", n: 1, lines: [L("z", { ln: 7 })] }]);
  assert.equal(c.chunks.length, 2);
  c.apply([{ op: "copy", n: 7, ln: 1 }]);
  assert.equal(c.chunks.length, 2);
  assert.deepEqual(texts(c), ["a\n", null, null, null, null, null, "z"]);
});

test("unknown op is an error", () => {
  assert.throws(() => new LineCache().apply([{ op: "bogus", n: 1 }]));
});

test("cursors, logical and visual positions across wrapped lines", () => {
  const c = new LineCache();
  c.apply([{ op: "ins", n: 3, lines: [L("héllo ", { ln: 1, cursor: [1] }), L("wörld\n", { cursor: [2, 3] }), L("x", { ln: 2 })] }]);
  assert.deepEqual(c.cursors(), [3, true]);
  assert.deepEqual(c.cursorLines().map(([r]) => r), [0, 1]);
  assert.deepEqual(c.logical(1, 2), [0, 9]); // "héllo " is 7 bytes
  assert.deepEqual(c.logical(2, 1), [1, 1]);
  assert.deepEqual(c.visual(0, 9), [1, 2]);
  assert.deepEqual(c.visual(0, 3), [0, 3]);
  assert.deepEqual(c.visual(1, 0), [2, 0]);
  assert.equal(c.visual(5, 0), null);
  assert.deepEqual(c.knownLines(), [0, 1, 2, 2]);
});

test("UTF-8 columns and string indices", () => {
  assert.equal(utf8Length("abc"), 3);
  assert.equal(utf8Length("é😀x"), 2 + 4 + 1);
  assert.equal(charCol("é😀x", 0), 0);
  assert.equal(charCol("é😀x", 2), 1);
  assert.equal(charCol("é😀x", 6), 3);
  assert.equal(charCol("é😀x", 7), 4);
  assert.equal(charCol("é😀x", 99), 4);
  assert.equal(charCol("abc", 99), 3);
  assert.equal(utf8Col("é😀x", 3), 6);
  assert.equal(utf8Col("abc", 2), 2);
});
