"""The explicit registry of building blocks. Adding a block = one module + one line here."""
from engine.rules.blocks import (cell_blank, cell_value_valid, diagnostic_present, match,
                                 metadata_present, part_present, row_present, sum_identity,
                                 table_present, template_in_force)

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
)}
