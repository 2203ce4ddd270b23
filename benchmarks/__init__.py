"""Benchmarks that make the committed records in benchmarks/results/: run with python -m benchmarks.<name>."""
