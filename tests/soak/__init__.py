"""The fault-injection soak: a seeded, bounded run of faults against a 3-node sandbox."""
