"""asv benchmark suites. Each class compares implementations through an ``impl`` parameter
whose value ``"symphony"`` is ours and whose other values are peers."""
