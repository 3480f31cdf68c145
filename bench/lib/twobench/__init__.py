"""The benchmark driver behind bench/run (see bench/README.md)."""
