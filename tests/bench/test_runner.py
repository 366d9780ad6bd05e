"""The quick benchmark runner (``python -m asv_bench``): discovery, pairing, error rows.

Behaviour only: no figure it measures is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Iterator

import pytest

from asv_bench import _discovery, _measure, _model, _report, _runner

SUITE = '''
import threading

class Pair:
    params = [["symphony", "peer"], [1, 2]]
    param_names = ["impl", "n"]
    warmup_time = 0.0
    repeat = 2
    target = 1.0

    def setup(self, impl, n):
        self.n = n

    def time_work(self, impl, n):
        sum(range(self.n))

    def track_size(self, impl, n):
        return 10 * n if impl == "symphony" else 20 * n
    track_size.unit = "bytes"
    track_size.limit = {"n=1": 15}

class Faster:
    params = ["symphony", "peer"]
    param_names = ["impl"]
    higher_is_better = True

    def track_rate(self, impl):
        return 3.0 if impl == "symphony" else 1.0

class Broken:
    params = ["symphony", "peer"]
    param_names = ["impl"]

    def setup(self, impl):
        if impl == "peer":
            raise RuntimeError("no peer here")

    def track_x(self, impl):
        return 1

class Skips:
    params = ["symphony", "peer"]
    param_names = ["impl"]

    def setup(self, impl):
        if impl == "peer":
            raise NotImplementedError

    def track_x(self, impl):
        return 1

class Leaks:
    release = threading.Event()

    def setup(self):
        threading.Thread(target=self.release.wait, daemon=True).start()

    def track_x(self):
        return 1

    def teardown(self):
        pass

class NotANumber:
    def track_x(self):
        return "many"
'''


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    pkg = tmp_path / "fake_suites"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "good.py").write_text(textwrap.dedent(SUITE))
    (pkg / "bad.py").write_text("import does_not_exist_anywhere\n")
    (pkg / "_helpers.py").write_text("class Ignored:\n    def track_x(self):\n        return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fake_suites"
    for name in [m for m in sys.modules if m.startswith("fake_suites")]:
        del sys.modules[name]


def _by_name(cases: list[_model.Case]) -> dict[str, _model.Case]:
    return {c.name: c for c in cases}


def test_discovery_finds_classes_and_reports_broken_modules(suite: str) -> None:
    cases, broken = _discovery.discover(suite)
    names = set(_by_name(cases))
    assert "good.Pair.time_work" in names and "good.Pair.track_size" in names
    assert not any("Ignored" in n for n in names)
    assert [b.case for b in broken] == ["bad"] and "import failed" in (broken[0].error or "")
    pair = _by_name(cases)["good.Pair.time_work"]
    assert pair.combinations() == [{"impl": "symphony", "n": 1}, {"impl": "symphony", "n": 2},
                                   {"impl": "peer", "n": 1}, {"impl": "peer", "n": 2}]


def test_rows_pair_ours_with_the_peer_per_other_parameters(suite: str) -> None:
    case = _by_name(_discovery.discover(suite)[0])["good.Pair.track_size"]
    outcomes = [o for g in _measure.groups(case) for o in _measure.run_group(case, g)]
    table = _report.rows(case, outcomes, "symphony")
    assert [(r.params, r.ours, r.peer, r.theirs, r.ratio) for r in table] == [
        ("n=1", 10.0, "peer", 20.0, 0.5), ("n=2", 20.0, "peer", 40.0, 0.5)]
    assert [r.meets_target for r in table] == [True, True]
    assert [r.within_limit for r in table] == [True, None]
    assert "bytes" in _report.format_table(table)


def test_time_cases_give_a_median_of_samples(suite: str) -> None:
    case = _by_name(_discovery.discover(suite)[0])["good.Pair.time_work"]
    outcomes = _measure.run_group(case, [{"impl": "symphony", "n": 1}, {"impl": "peer", "n": 1}])
    for out in outcomes:
        assert out.error is None and len(out.samples) == 2 and out.value is not None


def test_higher_is_better_flips_the_target(suite: str) -> None:
    case = _by_name(_discovery.discover(suite)[0])["good.Faster.track_rate"]
    assert case.higher_is_better
    outcomes = _measure.run_group(case, case.combinations())
    (row,) = _report.rows(case, outcomes, "symphony")
    assert row.ratio == 3.0 and "higher" in _report.format_table([row])


def test_failures_become_error_rows_and_the_rest_go_on(suite: str) -> None:
    cases = _by_name(_discovery.discover(suite)[0])
    broken = cases["good.Broken.track_x"]
    out = [_measure.run_case(broken, p) for p in broken.combinations()]
    assert out[0].value == 1.0 and out[0].error is None
    assert out[1].value is None and "no peer here" in (out[1].error or "")
    (row,) = _report.rows(broken, out, "symphony")
    assert row.error and "ERROR" in _report.format_table([row])

    skips = cases["good.Skips.track_x"]
    out = [_measure.run_case(skips, p) for p in skips.combinations()]
    assert out[1].skipped and out[1].error is None

    assert "not a number" in (_measure.run_case(cases["good.NotANumber.track_x"], {}).error or "")


def test_a_thread_left_running_is_reported(suite: str) -> None:
    case = _by_name(_discovery.discover(suite)[0])["good.Leaks.track_x"]
    before = set(threading.enumerate())
    out = _measure.run_case(case, {})
    assert "threads running" in (out.error or "")
    getattr(case.cls, "release").set()  # let the leaked thread go
    for t in set(threading.enumerate()) - before:
        t.join(5)


def test_main_prints_a_table_and_writes_json(suite: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_discovery, "SUITES", suite)
    out_file = tmp_path / "results.json"
    code = _runner.main(["Pair.track", "Faster", "--json", str(out_file)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "good.Pair.track_size" in printed and "good.Faster.track_rate" in printed
    assert "Broken" not in printed
    data = json.loads(out_file.read_text())
    assert {"machine", "outcomes", "rows"} <= set(data) and len(data["rows"]) == 3


def test_a_filter_that_matches_nothing_lists_the_suites(suite: str, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_discovery, "SUITES", suite)
    code = _runner.main(["Pair", "nosuchsuite"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "nosuchsuite" in err and "good" in err and "bad" in err
    assert "Pair" not in out  # nothing was run: a typo is caught before the long suites start


def test_python_m_asv_bench_with_an_unknown_suite_exits_non_zero() -> None:
    root = Path(__file__).resolve().parent.parent.parent
    out = subprocess.run([sys.executable, "-m", "asv_bench", "nosuchsuite"], capture_output=True, text=True,
                         cwd=str(root), timeout=300)
    assert out.returncode != 0
    suites = sorted(p.stem for p in (root / "asv_bench" / "benchmarks").glob("*.py") if not p.stem.startswith("_"))
    assert "nosuchsuite" in out.stderr and all(name in out.stderr for name in suites), out.stderr
    assert "Traceback" not in out.stderr
