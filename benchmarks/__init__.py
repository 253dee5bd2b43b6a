"""Benchmarks of diagnose-api: in-process analysis, analyzers one by one, and HTTP.

Run them with ``make bench``, which writes BENCHMARKS.md at the repository root.
"""
