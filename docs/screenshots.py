"""Writes docs/edit.svg: ``symphony edit`` on a small sample file, as textual draws it.

Run from the repository root: ``python docs/screenshots.py``. It starts the real editor
(and its ``symphony serve`` core) headless, types a little, finds a word, and saves
textual's SVG screenshot of the screen.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile

from symphony.cli.editor import EditorApp

HERE = os.path.dirname(os.path.abspath(__file__))

SAMPLE = '''"""Count the words of a text file."""

import sys
from collections import Counter


def count_words(path):
    """The ten most common words of the file at path."""
    with open(path, encoding="utf-8") as f:
        words = f.read().lower().split()
    return Counter(words).most_common(10)


if __name__ == "__main__":
    for word, n in count_words(sys.argv[1]):
        print(f"{n:6} {word}")
'''


async def _until(pilot, condition, timeout=60.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise RuntimeError("the editor did not get there")
        await pilot.pause(0.05)


async def shoot(out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "wordcount.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(SAMPLE)
        app = EditorApp(path, [sys.executable, "-m", "symphony", "serve"])
        async with app.run_test(size=(84, 24)) as pilot:
            app.title = "symphony edit wordcount.py"
            await _until(pilot, lambda: len([x for x in app.cache.lines if x]) >= 16)
            await pilot.press("ctrl+f", *"words", "enter")  # highlights every match, selects the first
            await _until(pilot, lambda: bool(app.matches))
            await pilot.press("ctrl+d")  # a second cursor at the next "words"
            await _until(pilot, lambda: app.cursors == 2)
            await pilot.pause(0.3)
            app.save_screenshot(filename=os.path.basename(out), path=os.path.dirname(out))
            await pilot.press("ctrl+q")
            await _until(pilot, lambda: not app.is_running)


if __name__ == "__main__":
    target = os.path.join(HERE, "edit.svg")
    asyncio.run(shoot(target))
    print(f"wrote {target}")
