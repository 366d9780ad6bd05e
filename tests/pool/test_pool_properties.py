"""Budget and lease properties of the real pool under random sequences (hypothesis): the
memory charged never exceeds the budget, a leased model is never evicted (its lease keeps
working), and a refusal (``PoolFull``) happens only when leased models leave no room."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from symphony import Node
from symphony.errors import PoolFull
from symphony.pool import ModelState, Pool

MB = 1 << 20
SIZES = [1, 2, 3, 4, 5, 6]  # MB, model i has SIZES[i]
BUDGET = 10 * MB

ops = st.lists(st.tuples(st.sampled_from(["acquire", "release", "unload"]), st.integers(0, len(SIZES) - 1)),
               max_size=40)


def make(i):
    return lambda x: (i, x)


@settings(max_examples=25, deadline=None)
@given(ops, st.sampled_from(["gdsf", "lru"]))
@example([("acquire", 0), ("unload", 0), ("acquire", 0), ("release", 0), ("unload", 0)], "gdsf")  # a revived copy
def test_the_budget_holds_and_leased_models_stay(sequence, policy):
    with Node("prop", threads=2) as node, Pool(node, None, budget=BUDGET, policy=policy, prewarm=False) as pool:
        for i, size in enumerate(SIZES):
            pool.register(f"m{i}", make(i), memory=size * MB)
        leases: dict[int, list] = {}
        for op, i in sequence:
            name = f"m{i}"
            if op == "acquire":
                try:
                    lease = pool.acquire(name, timeout=30)
                except PoolFull:
                    held = sum(SIZES[j] * MB for j, ls in leases.items() if ls and j != i)
                    assert held + SIZES[i] * MB > BUDGET  # refused only when leases leave no room
                else:
                    leases.setdefault(i, []).append(lease)
            elif op == "release" and leases.get(i):
                leases[i].pop().release()
            elif op == "unload":
                pool.unload(name)
            assert pool.statistics()["used"] <= BUDGET
            for j, held in leases.items():
                for lease in held:
                    assert lease.model("x") == (j, "x")  # a leased model still answers
                if held:
                    slot = pool._slots[(f"m{j}", 1)]
                    assert slot.state in (ModelState.READY, ModelState.UNLOADING)
                    assert slot.stats.evictions == 0 or slot.entry is not None or slot.state is ModelState.UNLOADING
        for held in leases.values():
            for lease in held:
                lease.release()
