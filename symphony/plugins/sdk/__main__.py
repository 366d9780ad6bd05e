"""``python -m symphony.plugins.sdk MODULE:CLASS``: run a plugin class out of process."""

import sys

from ._run import main

sys.exit(main())
