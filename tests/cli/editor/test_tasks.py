"""Ctrl+P in ``symphony edit``: the core's tasks and the extensions' commands run on the selection,
their progress and result in the panel, rated with + / -; a motif's status item in the status
line. The core is a real core process serving the demo task hooks (``tests/rpc/demo_tasks``)."""

from __future__ import annotations

import asyncio
import sys

from .conftest import quit_editor, screen, texts, until

DEMO_CORE = [sys.executable, "-m", "tests.rpc.demo_tasks"]


def status(app) -> str:
    return str(app.query_one("#status").render())


def shown(app) -> str:
    return "\n".join(screen(app))


def test_ctrl_p_lists_tasks_and_commands_and_runs_one_on_the_selection(editor):
    path, app = editor("one two three\nfour five\n", argv=DEMO_CORE)

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["one two three\n"] and app.view_id is not None)
            # the motif's status item, from the core
            await until(pilot, lambda: "words: ?" in status(app))
            await pilot.press("ctrl+p")
            await until(pilot, lambda: "Task: upper" in shown(app) and "Count words" in shown(app))
            listed = shown(app)
            for kind in ("context", "count_words", "fail", "hang", "upper"):
                assert f"Task: {kind}" in listed
            assert "Show the feedback" in listed and "ctrl+shift+w" in listed
            await pilot.press("escape")  # closes the palette, runs nothing
            await until(pilot, lambda: "Task: upper" not in shown(app) and app.focused is app.editor_view)
            assert not app.tasks.panel.shown
            # select "one two" and upper-case it: Ctrl+P, type to filter, Enter
            await pilot.press("shift+right", *["shift+right"] * 6)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: "Task: upper" in shown(app))
            await pilot.press("u", "p", "p")
            await until(pilot, lambda: "Count words" not in shown(app))
            await pilot.press("enter")
            await until(pilot, lambda: app.tasks.panel.state == "done")
            panel = app.tasks.panel.plain()
            assert "ONE TWO" in panel and "THREE" not in panel
            # its steps' progress, as the core sent it
            assert app.tasks.panel.steps == {"upper": "done", "split": "done"}
            assert "ONE TWO" in shown(app) and app.focused is app.tasks.panel
            # + rates it: the feedback reaches the conductor
            task_id = app.tasks._task_id
            await pilot.press("plus")
            await until(pilot, lambda: "rated good" in app.tasks.panel.plain())
            await pilot.press("escape")
            await until(pilot, lambda: not app.tasks.panel.shown and app.focused is app.editor_view)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: "Show the feedback" in shown(app))
            await pilot.press(*"feedback", "enter")
            await until(pilot, lambda: app.tasks.panel.state == "done")
            assert f'"{task_id}": 1.0' in app.tasks.panel.plain()
            await pilot.press("x")  # not the panel's key: it closes, and x replaces the selection
            await until(pilot, lambda: texts(app)[:1] == ["x three\n"])
            assert not app.tasks.panel.shown and app.focused is app.editor_view
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_a_command_key_a_failing_task_and_the_status_item(editor):
    path, app = editor("alpha beta gamma delta\n", argv=DEMO_CORE)

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["alpha beta gamma delta\n"] and app.view_id is not None)
            await until(pilot, lambda: app.tasks.keys == {"ctrl+shift+w": "demo.count"})
            await pilot.press("ctrl+shift+w")  # the motif's declared key: count words of the whole text
            await until(pilot, lambda: "words: 4" in status(app))
            await until(pilot, lambda: app.tasks.panel.state == "done")
            assert '"words": 4' in app.tasks.panel.plain()
            await pilot.press("escape")
            await until(pilot, lambda: app.focused is app.editor_view)
            # a task that fails: its error in the panel, nothing to rate
            await pilot.press("ctrl+p")
            await until(pilot, lambda: "Task: fail" in shown(app))
            await pilot.press(*"fail", "enter")
            await until(pilot, lambda: app.tasks.panel.state == "failed")
            assert "RuntimeError: the agent broke" in app.tasks.panel.plain()
            # nothing to rate: + is the text's, and so is every key after it
            await pilot.press("plus", "z")
            await until(pilot, lambda: texts(app)[:1] == ["+zalpha beta gamma delta\n"])
            assert not app.tasks.panel.shown and app.focused is app.editor_view
            assert "rated" not in app.tasks.panel.plain()
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_a_core_without_tasks_says_so(editor):
    path, app = editor("text\n", argv=[sys.executable, "-m", "symphony", "serve", "--no-tasks"])

    async def scenario():
        async with app.run_test(size=(100, 20)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["text\n"] and app.view_id is not None)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: "runs no tasks" in shown(app))
            await pilot.press("enter")  # nothing to choose: stays open
            await pilot.press("escape")
            await until(pilot, lambda: app.focused is app.editor_view)
            await pilot.press("y")
            await until(pilot, lambda: texts(app)[:1] == ["ytext\n"])
            await quit_editor(pilot, app)

    asyncio.run(scenario())
