"""``symphony.text`` exports: sorted, importable, and the layer rule holds."""

from __future__ import annotations

import subprocess
import sys

import symphony.text as text


def test_all_is_sorted_and_importable():
    assert text.__all__ == sorted(text.__all__)
    for name in text.__all__:
        assert getattr(text, name) is not None


def test_lower_layers_do_not_import_text():
    code = "import sys, symphony, symphony.envelope, symphony.errors; print('symphony.text' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
