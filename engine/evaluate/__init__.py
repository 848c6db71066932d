"""Stage 4 — evaluate: a `Report` (and optionally last year's) becomes facts, then `RuleResult`s.

Public interface:
    evaluate(report, catalog, previous=None) -> list[RuleResult]
"""
