"""One case's workflow in memory: stepping, events, the codec and history pruning (SpiffWorkflow behind a small API)."""
