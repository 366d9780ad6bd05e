// Unit tests of the line renderer (symphony/web/static/editor.js lineHtml), run by `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lineHtml } from "../../../symphony/web/static/editor.js";

test("plain text is escaped", () => {
  assert.equal(lineHtml({ text: "a<b>&c\n" }), "a&lt;b&gt;&amp;c");
});

test("styles, a selection over them, and carets", () => {
  // "def foo": s2 on "def", selection (s0) over "f foo"
  const html = lineHtml({ text: "def foo\n", styles: [0, 3, 2, -1, 5, 0], cursor: [7] });
  assert.equal(html, '<span class="s2">de</span><span class="s2 s0">f</span><span class="s0"> foo</span><span class="caret"></span>');
});

test("UTF-8 columns become string indices", () => {
  const html = lineHtml({ text: "é😀x", styles: [2, 4, 3], cursor: [6] });
  assert.equal(html, 'é<span class="s3">😀</span><span class="caret"></span>x');
});

test("a selected newline shows at the end of the line", () => {
  assert.equal(lineHtml({ text: "ab\n", styles: [0, 3, 0] }), '<span class="s0">ab</span><span class="s0 eol"> </span>');
});

test("annotations carry their message", () => {
  const html = lineHtml({ text: "import os\n" }, [{ a: 7, b: 9, cls: "diag diag-warning", title: "warning: unused" }]);
  assert.equal(html, 'import <span class="diag diag-warning" title="warning: unused">os</span>');
});

test("a long line is clipped to a window, with a spacer for what is before it", () => {
  const text = "x".repeat(5000);
  const html = lineHtml({ text, cursor: [2500] }, undefined, 2000, 3000);
  assert.ok(html.startsWith('<span class="clip" style="width:2000ch"></span>'));
  assert.equal(html.replace(/<[^>]+>/g, "").length, 1000);
  assert.ok(html.includes('<span class="caret"></span>'));
});

test("thousands of spans render in one pass", () => {
  const n = 20000;
  const styles = [];
  for (let i = 0; i < n; i++) styles.push(i === 0 ? 0 : 1, 1, 2 + (i % 5));
  const text = "a ".repeat(n);
  const html = lineHtml({ text, styles });
  assert.equal((html.match(/<span/g) || []).length, n);
});
