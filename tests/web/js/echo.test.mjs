// Unit tests of the page's local echo (symphony/web/static/echo.js) against a naive model: the
// core, here, is a string per line with carets, and its updates are what xi-core would send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EXPIRE_MS, Echo, SETTLE_MS, insertAtCarets } from "../../../symphony/web/static/echo.js";
import { ViewModel } from "../../../symphony/web/static/viewmodel.js";

const L = (text, extra = {}) => ({ text, ...extra });
const texts = (vm) => Array.from({ length: vm.cache.length }, (_, i) => (vm.cache.line(i) ? vm.cache.line(i).text : null));

/** A view of three lines, the carets on line 1 (0-based) at `carets`; a clock the test moves. */
function setup(carets = [2], line1 = "hello\n", extra = {}) {
  const clock = { t: 1000 };
  const echo = new Echo(() => clock.t);
  const vm = new ViewModel("view-id-1", "/tmp/x");
  vm.cache.apply([{ op: "ins", n: 3, lines: [L("top\n", { ln: 1 }), L(line1, { ln: 2, cursor: carets, ...extra }), L("end", { ln: 3 })] }]);
  return { clock, echo, vm };
}

/** The core's update: line 1 sent again as `text` with `cursor`, the others copied. */
function coreUpdate(echo, vm, text, cursor, extra = {}) {
  echo.beforeUpdate(vm);
  vm.cache.apply([{ op: "copy", n: 1, ln: 1 }, { op: "skip", n: 1 }, { op: "ins", n: 1, lines: [L(text, { ln: 2, cursor, ...extra })] },
                  { op: "copy", n: 1, ln: 3 }]);
  echo.afterUpdate(vm);
}

/** An update that does not touch line 1 (a scroll answer, styles elsewhere). */
function otherUpdate(echo, vm) {
  echo.beforeUpdate(vm);
  vm.cache.apply([{ op: "ins", n: 1, lines: [L("top\n", { ln: 1, styles: [0, 3, 2] })] }, { op: "skip", n: 1 }, { op: "copy", n: 2, ln: 2 }]);
  echo.afterUpdate(vm);
}

test("insertAtCarets: text, carets after the inserted text, styles stretched at their end", () => {
  const line = L("ab cd\n", { ln: 1, cursor: [2, 5], styles: [0, 2, 3, 1, 2, 4] }); // "ab" s3, "cd" s4
  const out = insertAtCarets(line, "x");
  assert.equal(out.text, "abx cdx\n");
  assert.deepEqual(out.cursor, [3, 7]);
  // "abx" takes s3 (typed at its end); " " unstyled; "cdx" s4
  assert.deepEqual(out.styles, [0, 3, 3, 1, 3, 4]);
  assert.equal(line.text, "ab cd\n", "the line given is not changed");
});

test("insertAtCarets counts UTF-8 columns: carets after non-ASCII text and astral characters", () => {
  const out = insertAtCarets(L("é😀z", { cursor: [6] }), "ü");
  assert.equal(out.text, "é😀üz");
  assert.deepEqual(out.cursor, [8]);
  assert.equal(insertAtCarets(L("ab", { cursor: [0] }), "😀").text, "😀ab");
  assert.deepEqual(insertAtCarets(L("ab", { cursor: [0] }), "😀").cursor, [4]);
});

test("a prediction shows at once and the core's matching update confirms it", () => {
  const { echo, vm } = setup();
  assert.equal(echo.predict(vm, "X"), true);
  assert.deepEqual(texts(vm), ["top\n", "heXllo\n", "end"]);
  assert.deepEqual(vm.cache.line(1).cursor, [3]);
  coreUpdate(echo, vm, "heXllo\n", [3]);
  assert.equal(echo.pendingCount, 0);
  assert.deepEqual(texts(vm), ["top\n", "heXllo\n", "end"]);
  assert.deepEqual(echo.stats, { predicted: 1, confirmed: 1, dropped: 0, expired: 0 });
});

test("keys typed faster than the round trip: each update confirms its own, the rest stay shown", () => {
  const { echo, vm } = setup();
  for (const ch of "abc") assert.equal(echo.predict(vm, ch), true);
  assert.equal(vm.cache.line(1).text, "heabcllo\n");
  coreUpdate(echo, vm, "heallo\n", [3]); // the first key's update
  assert.equal(vm.cache.line(1).text, "heabcllo\n", "no flicker back to the core's older text");
  assert.deepEqual(vm.cache.line(1).cursor, [5]);
  otherUpdate(echo, vm); // nothing about line 1: still shown
  assert.equal(vm.cache.line(1).text, "heabcllo\n");
  coreUpdate(echo, vm, "heabcllo\n", [5]); // the last two in one update
  assert.equal(echo.pendingCount, 0);
  assert.equal(vm.cache.line(1).text, "heabcllo\n");
  assert.equal(echo.stats.confirmed, 3);
});

test("an update that copies the row leaves the prediction to its own update", () => {
  const { echo, vm } = setup();
  echo.predict(vm, "Z");
  otherUpdate(echo, vm);
  assert.equal(vm.cache.line(1).text, "heZllo\n");
  assert.equal(vm.cache.line(0).styles.length, 3, "the update itself was applied");
  assert.equal(echo.pendingCount, 1);
});

test("the core did something else: every prediction dropped, the core's line stands", () => {
  const { echo, vm } = setup();
  echo.predict(vm, "(");
  echo.predict(vm, "a");
  coreUpdate(echo, vm, "he()llo\n", [3]); // say the core closes the bracket
  assert.equal(echo.pendingCount, 0);
  assert.deepEqual(texts(vm), ["top\n", "he()llo\n", "end"]);
  assert.deepEqual(vm.cache.line(1).cursor, [3]);
  assert.equal(echo.stats.dropped, 1);
});

test("the line count changed (a line inserted above): predictions dropped", () => {
  const { echo, vm } = setup();
  echo.predict(vm, "q");
  echo.beforeUpdate(vm);
  vm.cache.apply([{ op: "ins", n: 1, lines: [L("new\n", { ln: 1 })] }, { op: "copy", n: 3, ln: 2 }]);
  echo.afterUpdate(vm);
  assert.equal(echo.pendingCount, 0);
  assert.deepEqual(texts(vm), ["new\n", "top\n", "hello\n", "end"]);
});

test("multi-cursor: every caret's row predicted and confirmed together", () => {
  const clock = { t: 0 };
  const echo = new Echo(() => clock.t);
  const vm = new ViewModel("v", null);
  vm.cache.apply([{ op: "ins", n: 2, lines: [L("ab\n", { ln: 1, cursor: [1] }), L("cd", { ln: 2, cursor: [0, 2] })] }]);
  assert.equal(echo.predict(vm, "-"), true);
  assert.deepEqual(texts(vm), ["a-b\n", "-cd-"]);
  echo.beforeUpdate(vm);
  vm.cache.apply([{ op: "ins", n: 1, lines: [L("a-b\n", { ln: 1, cursor: [2] })] }, { op: "skip", n: 1 },
                  { op: "ins", n: 1, lines: [L("-cd", { ln: 2, cursor: [1] })] }]); // rows disagree
  echo.afterUpdate(vm);
  assert.equal(echo.pendingCount, 0, "rows that disagree drop the prediction");
  assert.deepEqual(texts(vm), ["a-b\n", "-cd"]);
});

test("nothing predicted over a selection, with word wrap, for a newline, or with no caret held", () => {
  let { echo, vm } = setup([3], "hello\n", { styles: [1, 2, 0] }); // "el" selected
  assert.equal(echo.predict(vm, "x"), false);
  assert.equal(vm.cache.line(1).text, "hello\n");
  ({ echo, vm } = setup());
  vm.config.word_wrap = true;
  assert.equal(echo.predict(vm, "x"), false);
  ({ echo, vm } = setup());
  assert.equal(echo.predict(vm, "a\nb"), false);
  assert.equal(echo.predict(vm, ""), false);
  ({ echo, vm } = setup([]));
  assert.equal(echo.predict(vm, "x"), false);
  assert.equal(echo.pendingCount, 0);
});

test("after an edit that moves the carets, nothing is predicted until its update or SETTLE_MS", () => {
  const { clock, echo, vm } = setup();
  echo.sent(vm.id, "move_left");
  assert.equal(echo.predict(vm, "x"), false);
  echo.sent(vm.id, "scroll"); // the page's own bookkeeping unsettles nothing
  clock.t += 1;
  coreUpdate(echo, vm, "hello\n", [1]);
  assert.equal(echo.predict(vm, "x"), true);
  assert.equal(vm.cache.line(1).text, "hxello\n");
  echo.sent(vm.id, "gesture");
  clock.t += SETTLE_MS;
  assert.equal(echo.predict(vm, "y"), true);
});

test("a prediction the core never confirms expires; force drops at once", () => {
  const { clock, echo, vm } = setup();
  echo.predict(vm, "x");
  clock.t += EXPIRE_MS - 1;
  assert.equal(echo.expire(vm), false);
  clock.t += 1;
  assert.equal(echo.expire(vm), true);
  assert.deepEqual(texts(vm), ["top\n", "hello\n", "end"]);
  assert.equal(echo.stats.expired, 1);
  echo.predict(vm, "y");
  assert.equal(echo.expire(vm, true), true);
  assert.equal(vm.cache.line(1).text, "hello\n");
});

test("naive model: random keys and update timings always end on the core's text", () => {
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let round = 0; round < 200; round++) {
    const { echo, vm } = setup([rand(6)]);
    const core = { text: "hello", caret: vm.cache.line(1).cursor[0] };
    const inFlight = [];
    const chars = ["a", "é", "😀", "(", " "];
    for (let step = 0; step < 12; step++) {
      if (rand(3) && inFlight.length < 6) {
        const ch = chars[rand(chars.length)];
        echo.predict(vm, ch);
        inFlight.push(ch);
      } else if (inFlight.length) {
        const n = 1 + rand(inFlight.length);
        for (const ch of inFlight.splice(0, n)) {
          const i = charIndex(core.text, core.caret);
          core.text = core.text.slice(0, i) + ch + core.text.slice(i);
          core.caret += Buffer.byteLength(ch);
        }
        coreUpdate(echo, vm, `${core.text}\n`, [core.caret]);
      }
    }
    if (inFlight.length) {
      for (const ch of inFlight.splice(0)) {
        const i = charIndex(core.text, core.caret);
        core.text = core.text.slice(0, i) + ch + core.text.slice(i);
        core.caret += Buffer.byteLength(ch);
      }
      coreUpdate(echo, vm, `${core.text}\n`, [core.caret]);
    }
    assert.equal(echo.pendingCount, 0);
    assert.equal(vm.cache.line(1).text, `${core.text}\n`);
    assert.deepEqual(vm.cache.line(1).cursor, [core.caret]);
  }
});

/** JS string index of UTF-8 column `c8` in `s`. */
function charIndex(s, c8) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (n >= c8) return i;
    const cp = s.codePointAt(i);
    n += Buffer.byteLength(String.fromCodePoint(cp));
    if (cp > 0xffff) i++;
  }
  return s.length;
}
