"""The agent harness: fake CLI binaries, hook normalization, runtime registry (no RF imports)."""
