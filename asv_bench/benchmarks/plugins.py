"""The plugin host's cost on typing: keystroke-to-``update`` with a plugin that never answers, or
answers each ``update`` after 2 s, against the same core with no plugin, in the same run.

The core is ``symphony serve --plugin-dir DIR`` (``_plugin_server``) with a 10MB file of
86-character lines open at its middle; 300 ``insert`` notifications, each timed from sending
it to receiving its ``update`` (the frontend's update: the plugin's is not waited for). The
plugin (``_bench_plugin``, raw JSON lines) is global and autorun, so it gets every edit as
an ``update`` request. ``impl=symphony`` runs with the plugin, the peer ``no-plugin`` with an
empty plugin dir. Target (issue 16): p99 at most 1.1x, and less than 1 ms worse.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile

from ._editor_client import Core, lines_file, middle_line, percentile

INSERTS = 300
HERE = os.path.dirname(os.path.abspath(__file__))


def plugin_dir(mode: str | None) -> str:
    """A plugin directory holding the benchmark plugin in ``mode`` (or nothing)."""
    root = tempfile.mkdtemp(prefix="symphony-bench-plugins-")
    if mode is None:
        return root
    directory = os.path.join(root, "bench")
    os.makedirs(directory)
    script = os.path.join(directory, "run.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nexec {sys.executable} {os.path.join(HERE, '_bench_plugin.py')} {mode}\n")
    os.chmod(script, os.stat(script).st_mode | stat.S_IEXEC)
    with open(os.path.join(directory, "manifest.toml"), "w") as f:
        f.write('name = "bench"\nversion = "1"\nexec_path = "./run.sh"\nactivations = ["autorun"]\n')
    return root


class PluginKeystroke:
    """Edit notification to update, with a misbehaving plugin and without one."""

    params = [["symphony", "no-plugin"], ["never-answers", "answers-after-2s"]]
    param_names = ["impl", "plugin"]
    unit = "ms"
    repeat = 1
    timeout = 900
    interleave = True

    def setup(self, impl: str, plugin: str) -> None:
        mode = None if impl == "no-plugin" else ("never" if plugin == "never-answers" else "slow")
        self.dir = plugin_dir(mode)
        self.core = Core([sys.executable, "-m", "asv_bench.benchmarks._plugin_server", "--plugin-dir", self.dir])
        path = lines_file(int(os.environ.get("SYMPHONY_BENCH_KEYSTROKE_MB", "10")), 86)
        self.core.open(path)
        middle = middle_line(path)
        self.core.edit("goto_line", {"line": middle})
        self.core.edit("scroll", [middle - 20, middle + 30])
        self.core.settle(0.05)
        for _ in range(20):  # warm up
            self.core.keystroke()
        self.samples = [self.core.keystroke("x" if i % 20 else "y") * 1e3 for i in range(INSERTS)]

    def teardown(self, impl: str, plugin: str) -> None:
        self.core.close()

    def track_keystroke_p50(self, impl: str, plugin: str) -> float:
        return percentile(self.samples, 0.50)

    def track_keystroke_p99(self, impl: str, plugin: str) -> float:
        return percentile(self.samples, 0.99)
    track_keystroke_p99.target = 1.1  # type: ignore[attr-defined]
