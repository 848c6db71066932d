"""The explicit list of fact extractors. Adding an extractor = one module + one line here.

Order matters only for fact numbering (facts are numbered in the order produced), never for results.
"""
from engine.evaluate.extractors import diagnostics, metadata, structure, sums

EXTRACTORS = (
    structure,      # part, table, row, cell
    metadata,       # report, meta
    diagnostics,    # diagnostic
    sums,           # sum (one per identity instance requested by the catalog)
)
