"""Symphony's benchmarks: asv suites in ``asv_bench/benchmarks`` and a quick runner.

Each suite puts Symphony and the library a user would otherwise pick in the same class,
as values of the ``impl`` parameter, so one run measures both on the same machine.
``python -m asv_bench [SUBSTRING ...]`` runs the suites once and prints a table of ours,
the peer's and the ratio; ``asv run --python=same`` runs them under asv. See
``docs/benchmarks.md``.
"""
