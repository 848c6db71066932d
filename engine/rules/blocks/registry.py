"""The explicit registry of building blocks. Adding a block = one module + one line here."""
from engine.rules.blocks import (cell_blank, cell_value_valid, diagnostic_present, match,
                                 metadata_present, part_present, row_present, sum_identity,
                                 table_present, template_in_force)
from engine.rules.blocks import (fee_statement_consistent, figure_agrees_with_cells,
                                 no_requests_statement_consistent, signal_present)
from engine.rules.blocks import (previous_carryover, previous_problems_answered,
                                 previous_valid_count, same_year_duplicate, similar_to_previous)

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
    signal_present,                     # text: a named signal of rules/signals.yaml
    figure_agrees_with_cells,           # text: narrative figures vs the tables (Relation 9)
    no_requests_statement_consistent,   # text: "未收到申请" vs rows 一/二 (Relation 9)
    fee_statement_consistent,           # text: no-fee statement vs fees/notices/三.六.2 (Relation 10)
    previous_carryover,                 # cross-year: 二 = last year's 四 (Relation 6)
    previous_valid_count,               # cross-year: 现行有效件数 continuity (Relation 7)
    previous_problems_answered,         # cross-year: last year's problems answered (Relation 8)
    similar_to_previous,                # cross-year: a part copied from last year's report
    same_year_duplicate,                # another report of the same body and year
)}
