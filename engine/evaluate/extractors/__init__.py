"""Fact extractors: one small module each, listed in `registry.py` (see engine/evaluate/facts.py)."""
