"""``python -m symphony``: the same as the ``symphony`` command."""

import sys

from .cli import main

sys.exit(main())
