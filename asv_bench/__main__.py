"""``python -m asv_bench [SUBSTRING ...] [--json FILE]``: run the suites once and print a table."""

from ._runner import main

raise SystemExit(main())
