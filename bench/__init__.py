"""Photosite's benchmarks; run them with `.venv/bin/python bench/run.py` (see bench/run.py)."""
