"""Fact extractors: one small module each, listed in `registry.py` (see engine/facts/__init__.py)."""
