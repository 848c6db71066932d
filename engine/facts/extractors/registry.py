"""The explicit list of fact extractors. Adding an extractor = one module + one line here.

Order matters only for fact numbering (facts are numbered in the order produced), never for results.
The computed checks a rule can name in `check:` are the ones the extractors declare (CHECKS).
"""
from engine.facts.extractors import diagnostics, metadata, structure, sums
from engine.facts.extractors import text_figures, text_signals
from engine.facts.extractors import crossyear

EXTRACTORS = (
    structure,      # part, table, row, cell
    metadata,       # report, meta
    diagnostics,    # diagnostic
    sums,           # sum (one per identity instance requested by the catalog)
    text_signals,   # signal (one per rule and signal requested; rules/signals.yaml)
    text_figures,   # figure, fee_conflict (narrative figures vs tables, Relations 9 and 10)
    crossyear,      # xy_* (this year's report against last year's; same-year peers)
)

COMPUTED_CHECKS = tuple(check for ex in EXTRACTORS for check in getattr(ex, "CHECKS", ()))
