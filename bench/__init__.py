"""Benchmarks: ``.venv/bin/python -m bench`` runs them all and writes bench/results.md with machine info."""
