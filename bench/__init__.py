"""Benchmarks: `python -m bench [NAME ...]` runs bench/bench_NAME.py, each reporting ratios
against a baseline measured in the same run (absolute times on shared machines are noise)."""
