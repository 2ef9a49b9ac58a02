"""Fonte's evaluation harness: question sets, deterministic metrics, a llama-index baseline, reports, CI gates.

Import its modules by name (`eval.metrics`, `eval.run`), never the bare package into user code.
"""
