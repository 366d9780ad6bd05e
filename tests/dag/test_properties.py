"""Random workflows with random failures: every task ends done, failed or skipped, correctly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.dag import Workflow
from symphony.errors import WorkflowFailed


@st.composite
def workflows(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    deps = {}
    for i in range(n):
        deps[i] = draw(st.lists(st.integers(min_value=0, max_value=max(i - 1, 0)), max_size=3, unique=True)) if i else []
    failing = draw(st.sets(st.integers(min_value=0, max_value=n - 1), max_size=3))
    return deps, failing


def _task(i: int, failing: set[int]):
    def run(*inputs: int) -> int:
        if i in failing:
            raise RuntimeError(f"t{i} fails")
        return i + sum(inputs)
    return run


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=workflows(), limit=st.sampled_from([None, 1, 3]))
def test_outcomes_match_the_graph(node, spec, limit):
    deps, failing = spec
    wf = Workflow("random")
    for i, ds in deps.items():
        wf.add(f"t{i}", _task(i, failing), deps=[f"t{d}" for d in ds])
    # what must happen: a task is skipped iff something it (transitively) depends on failed
    doomed: set[int] = set()
    expected: dict[str, int] = {}
    for i, ds in deps.items():
        if any(d in failing or d in doomed for d in ds):
            doomed.add(i)
        elif i not in failing:
            expected[f"t{i}"] = i + sum(expected[f"t{d}"] for d in ds)
    try:
        results = wf.run(node=node, max_concurrency=limit)
    except WorkflowFailed as exc:
        assert failing
        assert set(exc.failures) == {f"t{i}" for i in failing if i not in doomed}
        assert set(exc.skipped) == {f"t{i}" for i in doomed}
        assert exc.results == expected
    else:
        assert not failing
        assert results == expected
