"""The explicit registry of building blocks. Adding a block = one module + one line here.

A computed check (a judgement made in Python by a fact extractor, engine/facts/verdict.py) is
not listed here: every check the extractors declare gets the generic VerdictBlock."""
from engine.facts.extractors.registry import COMPUTED_CHECKS
from engine.rules.blocks import (cell_blank, cell_value_valid, diagnostic_present, match,
                                 metadata_present, part_present, row_present, sum_identity,
                                 table_present, template_in_force)
from engine.rules.blocks.verdict import VerdictBlock

BLOCKS = {b.ID: b for b in (
    part_present,
    table_present,
    row_present,
    cell_value_valid,
    cell_blank,
    sum_identity,
    template_in_force,
    metadata_present,
    diagnostic_present,
    match,
    *(VerdictBlock(check) for check in COMPUTED_CHECKS),
)}
