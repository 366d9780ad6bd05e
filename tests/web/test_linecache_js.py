"""The page's pure modules (line cache, line HTML, local echo; symphony/web/static/) under
their node unit tests.

Runs ``node --test tests/web/js/`` when node is installed (skipped otherwise, unless
``SYMPHONY_REQUIRE_BROWSER=1``, as in CI, makes a missing node a failure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).parent / "js"


def test_linecache_js_unit_tests() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("SYMPHONY_REQUIRE_BROWSER") == "1":
            pytest.fail("node is required (SYMPHONY_REQUIRE_BROWSER=1) and was not found")
        pytest.skip("node is not installed")
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))
    assert files, "no JavaScript tests found"
    proc = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout
