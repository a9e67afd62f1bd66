"""Benchmarks (not part of the test run): ``python -m bench`` runs the suite in :mod:`bench.run`."""
