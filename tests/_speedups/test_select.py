"""The one place that picks compiled or pure speedups, and the environment override."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import symphony._speedups as speedups


def probe(env_value):
    env = dict(os.environ)
    env.pop("SYMPHONY_PURE_PYTHON", None)
    if env_value is not None:
        env["SYMPHONY_PURE_PYTHON"] = env_value
    code = ("import json, symphony._speedups as s; "
            "print(json.dumps({'pure': s.PURE_PYTHON, 'compiled': s.COMPILED, 'status': s.status()}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_pure_python_override_selects_every_twin():
    for value in ("1", "true", "yes"):
        result = probe(value)
        assert result["pure"] is True and result["compiled"] is False
        assert set(result["status"].values()) <= {"pure"}


def test_without_override_each_module_reports_its_implementation():
    result = probe(None)
    assert result["pure"] is False
    assert set(result["status"]) == set(speedups.MODULES)
    assert result["compiled"] == (bool(speedups.MODULES) and set(result["status"].values()) == {"compiled"})


def test_variants_always_include_the_pure_twin_with_the_same_api():
    for name in speedups.MODULES:
        found = speedups.variants(name)
        assert "pure" in found
        for module in found.values():
            for attr in found["pure"].public_api:
                assert hasattr(module, attr), (name, attr)
