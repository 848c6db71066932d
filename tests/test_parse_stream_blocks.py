"""Reading-order text where pdftotext emits groups of rows column by column (engine/parse/stream_blocks.py):
the rows are read only when exactly one block reading makes every row and every column add up;
two readings that differ leave the rows unknown (STREAM_AMBIGUOUS) — never a wrong value."""
from __future__ import annotations

from decimal import Decimal

from engine.model import Cell, SourceLine, Table
from engine.parse import stream_blocks
from engine.parse.cells import Token
from engine.parse.stream import Event
from engine.template import APPLICANT_COLUMNS, application_rows
from test_parse_layouts import HEAD, TAIL, label_of, parse

KEYS = [r.key for r in application_rows("split")]
OUTCOMES = [k for k in KEYS if k.startswith("三.") and k != "三.七"]


def consistent_table(outcomes: dict[str, list[int]], two: list[int], four: list[int]) -> dict[str, list[int]]:
    """A table whose rows and columns add up: 三.七 = the outcomes, 一 = 三.七 + 四 − 二."""
    rows = {k: outcomes.get(k, [0] * 6) for k in OUTCOMES}
    total = [sum(rows[k][c] for k in OUTCOMES) for c in range(6)]
    one = [total[c] + four[c] - two[c] for c in range(6)]
    assert min(one) >= 0
    rows |= {"一": one, "二": two, "三.七": total, "四": four}
    return {k: rows[k] + [sum(rows[k])] for k in KEYS}


# distinct figures: a value read into another row or column shows
TABLE = consistent_table({
    "三.一": [5, 1, 0, 0, 0, 2], "三.二": [4, 0, 1, 0, 0, 0],
    "三.三.1": [1, 0, 0, 0, 0, 0], "三.三.3": [2, 1, 0, 0, 0, 0], "三.三.6": [3, 0, 0, 1, 0, 0],
    "三.三.7": [1, 0, 0, 0, 2, 0], "三.四.1": [10, 0, 0, 0, 0, 1], "三.四.2": [6, 2, 0, 0, 0, 0],
    "三.四.3": [0, 0, 3, 0, 0, 0], "三.五.1": [7, 0, 0, 0, 0, 0], "三.五.3": [0, 4, 0, 0, 0, 0],
    "三.五.4": [2, 0, 0, 0, 0, 0], "三.五.5": [0, 0, 0, 0, 0, 3], "三.六.1": [1, 1, 0, 0, 0, 0],
    "三.六.3": [0, 0, 0, 2, 0, 0]}, two=[2, 0, 0, 1, 0, 0], four=[3, 1, 0, 0, 1, 0])


def singles(values) -> str:
    """One text block per cell: each value alone, a blank line after it."""
    return "".join(f"{v}\n\n" for v in values)


def by_columns(keys, table=TABLE) -> str:
    """Rows drawn column by column: one block per column holding the rows' cells, a blank line between."""
    return "".join("".join(f"{table[k][c]}\n" for k in keys) + "\n" for c in range(7))


def labels(keys, groups=()) -> str:
    return "".join(f"{label_of(k)}\n" for k in keys) + "".join(f"{g}\n" for g in groups)


def drawn(table=TABLE, tail_rows=singles) -> str:
    """The requests table as pdftotext emits a PDF printed from a document with merged label cells:
    the first row's values before any label, rows cell by cell under their labels, the groups of rows
    under a merged label column by column with their labels afterwards, a page break inside."""
    rows = lambda keys: "".join(singles(table[k]) for k in keys)  # noqa: E731
    body = rows(["一"])
    for k in ("二", "三.一", "三.二"):
        body += label_of(k) + "\n\n" + singles(table[k])
    body += by_columns(KEYS[KEYS.index("三.三.1"):KEYS.index("三.四.2") + 1], table)
    body += "三、本年度办理结果\n" + labels(["一"]) + labels(KEYS[4:12], ["（三）不予公开"])
    body += "（四）无法提供\n" + labels(["三.四.1", "三.四.2"]) + "\n-3-\n\n"
    body += label_of("三.五.3") + "\n\n" + by_columns(["三.四.3", "三.五.1", "三.五.2", "三.五.3"], table)
    body += label_of("三.五.4") + "\n\n" + tail_rows([v for k in ("三.五.4", "三.五.5") for v in table[k]])
    body += "（七）总计\n\n" + by_columns(["三.六.1", "三.六.2", "三.六.3", "三.七"], table)
    body += label_of("四") + "\n\n" + singles(table["四"])
    body += labels(["三.四.3", "三.五.1", "三.五.2"], ["（五）不予处理"]) + labels(["三.五.5"], ["（六）其他处理"])
    body += labels(["三.六.1", "三.六.2", "三.六.3"])
    return HEAD + body + TAIL


def row_values(report, key):
    cells = [report.cell(f"applications.{key}.{c}") for c in APPLICANT_COLUMNS]
    return [int(c.value) if c.kind == "number" else c.kind for c in cells]


def test_groups_of_rows_drawn_column_by_column_are_read():
    r = parse(drawn())
    for key in KEYS:
        assert row_values(r, key) == TABLE[key], key
    assert r.tables["applications"].reading == "complete"
    assert r.cell("applications.三.三.6.自然人").read == "order"
    cols = [d for d in r.diagnostics if d.code == "STREAM_COLUMNS"]
    assert cols and "applications.三.四.1.自然人" in cols[0].cells and cols[0].severity == "info"
    assert "applications.一.自然人" not in cols[0].cells          # read cell by cell, not by columns
    assert not any(d.table == "applications" and d.severity == "error" for d in r.diagnostics)


def test_the_same_values_written_row_by_row_in_one_block_per_column_do_not_read_as_columns():
    """The column blocks' values put back in row order (the blocks' sizes unchanged): no reading
    makes every row add up, so those rows stay unknown with the row reader's diagnostic."""
    keys = KEYS[KEYS.index("三.三.1"):KEYS.index("三.四.2") + 1]
    flat = [TABLE[k][c] for k in keys for c in range(7)]
    text = drawn()
    block = by_columns(keys)
    shuffled = "".join("".join(f"{v}\n" for v in flat[i * 10:(i + 1) * 10]) + "\n" for i in range(7))
    assert block in text
    r = parse(text.replace(block, shuffled))
    for key in keys:
        assert row_values(r, key) == ["missing"] * 7, key
        assert any(d.severity == "error" and f"applications.{key}.自然人" in d.cells for d in r.diagnostics), key
    assert not any(d.code == "STREAM_COLUMNS" for d in r.diagnostics)


def test_a_lost_value_reads_no_block():
    text = drawn()
    block = by_columns(["三.四.3", "三.五.1", "三.五.2", "三.五.3"])
    r = parse(text.replace(block, block[block.index("\n") + 1:]))     # the first cell gone
    assert not any(d.code == "STREAM_COLUMNS" for d in r.diagnostics)
    for key in ("三.三.1", "三.四.3", "三.五.3"):
        assert row_values(r, key) == ["missing"] * 7, key
    for key in KEYS:                                                     # whatever is read is right
        assert all(v == "missing" or v == w for v, w in zip(row_values(r, key), TABLE[key])), key


def test_columns_not_set_apart_by_blank_lines_are_not_read_as_columns():
    """The ten rows' 70 values in one block (no blank line between columns): nothing shows where a
    column ends, so no block reading applies there, whatever adds up."""
    keys = KEYS[KEYS.index("三.三.1"):KEYS.index("三.四.2") + 1]
    block = by_columns(keys)
    r = parse(drawn().replace(block, block.replace("\n\n", "\n")))
    for key in keys:
        assert row_values(r, key) == ["missing"] * 7, key


# Two readings that both add up: every value alone in its block (no column blocks to tell the
# groups), the rows of this table admit two block readings that swap the figures of 三.五.1 and 三.五.5
# (found by enumerating small tables; the readings agree on every other row).
AMBIGUOUS = consistent_table({
    "三.一": [0, 1, 0, 0, 0, 1], "三.二": [0, 0, 0, 1, 0, 0], "三.三.1": [1, 1, 0, 0, 0, 0],
    "三.三.3": [0, 1, 0, 0, 0, 1], "三.三.4": [1, 1, 0, 0, 0, 0], "三.三.6": [1, 0, 0, 0, 0, 0],
    "三.三.7": [0, 0, 0, 0, 1, 0], "三.四.2": [0, 1, 0, 0, 0, 0], "三.五.1": [0, 0, 1, 0, 0, 0],
    "三.五.2": [1, 0, 0, 0, 0, 0], "三.五.3": [0, 1, 1, 0, 0, 0], "三.五.5": [0, 0, 0, 0, 1, 0],
    "三.六.1": [1, 0, 0, 0, 0, 0], "三.六.2": [1, 0, 0, 0, 0, 1]}, two=[0, 0, 1, 1, 1, 0], four=[1, 1, 0, 1, 1, 1])
AMBIGUOUS_GROUPS = [["一", "二", "三.一"], ["三.二"], ["三.三.1"], ["三.三.2", "三.三.3", "三.三.4", "三.三.5"],
                    ["三.三.6"], ["三.三.7", "三.三.8", "三.四.1", "三.四.2"], ["三.四.3"], ["三.五.1"], ["三.五.2"],
                    ["三.五.3"], ["三.五.4", "三.五.5"], ["三.六.1", "三.六.2", "三.六.3", "三.七"], ["四"]]


def test_two_readings_that_add_up_and_differ_leave_the_rows_unknown():
    body = "".join(singles([AMBIGUOUS[k][c] for c in range(7) for k in group]) for group in AMBIGUOUS_GROUPS)
    body += labels(KEYS, ["三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"])
    r = parse(HEAD + body + TAIL)
    for key in ("三.五.1", "三.五.5"):
        assert row_values(r, key) == ["missing"] * 7, key
        assert any(d.severity == "error" and f"applications.{key}.自然人" in d.cells for d in r.diagnostics), key
    amb = [d for d in r.diagnostics if d.code == "STREAM_AMBIGUOUS"]
    assert amb and {"applications.三.五.1.自然人", "applications.三.五.5.其他"} <= set(amb[0].cells)
    for key in KEYS:
        if key not in ("三.五.1", "三.五.5"):
            assert row_values(r, key) == AMBIGUOUS[key], key


# ---- the module on its own: hand-made events ------------------------------------------------------

def _events(values: list[int]) -> list[Event]:
    """Each value alone, a blank line between values (every position a paragraph break)."""
    return [Event("value", token=Token("value", str(v), str(v), 2 * i, 0, "number")) for i, v in enumerate(values)]


def _rows():
    return [(k, [f"applications.{k}.{c}" for c in APPLICANT_COLUMNS]) for k in KEYS]


def test_a_known_cell_that_contradicts_every_reading_voids_the_block_reading():
    values = [v for k in KEYS for v in TABLE[k]]
    table = Table("applications", present=True)
    lines = [SourceLine(i + 1, "", f"第{i + 1}行") for i in range(2 * len(values) + 2)]
    placed, notes = stream_blocks.read("applications", True, _rows(), table, _events(values), {}, lines)
    assert len(placed) == len(values) and not notes        # row by row, all adds up
    table.cells["applications.一.自然人"] = Cell("applications.一.自然人", "number", Decimal(TABLE["一"][0] + 1),
                                                 str(TABLE["一"][0] + 1), 1, None, read="order")
    assert stream_blocks.read("applications", True, _rows(), table, _events(values), {}, lines) == ({}, [])


def test_only_the_requests_table_with_its_identities_is_read():
    values = [v for k in KEYS for v in TABLE[k]]
    lines = [SourceLine(i + 1, "", f"第{i + 1}行") for i in range(2 * len(values) + 2)]
    rows = [(k, a) for k, a in _rows() if k != "三.七"]          # no total row: nothing confirms a reading
    assert stream_blocks.read("applications", True, rows, Table("applications", present=True),
                              _events(values[:len(rows) * 7]), {}, lines) == ({}, [])
    assert stream_blocks.read("active", True, _rows(), Table("active", present=True), _events(values), {}, lines) == ({}, [])


# ---- labels above some rows' values and below others' ----------------------------------------------

def test_a_row_read_before_its_label_does_not_take_the_previous_rows_figures():
    """Most rows print their figures above their label, but 三.二 prints them below its own and
    三.三.1 … 三.三.3 come as a column block after their labels: the values between 三.二's label and
    三.三.1's are 三.二's, not 三.三.1's (the row reader's "before" reading took them)."""
    body = ""
    for k in ("一", "二", "三.一"):
        body += singles(TABLE[k]) + label_of(k) + "\n\n"
    body += label_of("三.二") + "\n\n" + singles(TABLE["三.二"])
    body += labels(["三.三.1", "三.三.2", "三.三.3"], ["（三）不予公开"]) + "\n"
    body += by_columns(["三.三.1", "三.三.2", "三.三.3"])
    for k in KEYS[KEYS.index("三.三.4"):]:
        body += singles(TABLE[k]) + label_of(k) + "\n\n"
    r = parse(HEAD + body + "三、本年度办理结果\n（四）无法提供\n（五）不予处理\n（六）其他处理\n" + TAIL)
    for key in KEYS:
        got = row_values(r, key)
        assert all(g == "missing" or g == w for g, w in zip(got, TABLE[key])), key
    assert row_values(r, "三.三.1") in (TABLE["三.三.1"], ["missing"] * 7)


def test_a_run_that_adds_up_row_by_row_but_holds_a_column_block_is_not_read_row_by_row():
    """Between the labels of 三.三.7 and 三.四.2: 三.三.7's seven figures one by one, then 三.三.8 and
    三.四.1 two by two (a column block). Read row by row the 21 values add up too, giving 三.四.1
    0 0 0 0 11 0 11 — but the blank lines do not cut the run into rows there."""
    table = consistent_table({"三.三.7": [0, 0, 0, 10, 10, 0], "三.四.1": [0, 0, 0, 0, 0, 11]},
                             two=[0, 0, 0, 1, 0, 0], four=[1, 0, 0, 0, 0, 1])
    body = ""
    for k in KEYS[:KEYS.index("三.三.7")]:
        body += label_of(k) + "\n\n" + singles(table[k])
    body += label_of("三.三.7") + "\n\n" + singles(table["三.三.7"]) + by_columns(["三.三.8", "三.四.1"], table)
    body += label_of("三.四.2") + "\n\n" + singles(table["三.四.2"]) + labels(["三.三.8", "三.四.1"])
    for k in KEYS[KEYS.index("三.四.3"):]:
        body += label_of(k) + "\n\n" + singles(table[k])
    r = parse(HEAD + body + "三、本年度办理结果\n（三）不予公开\n（四）无法提供\n（五）不予处理\n（六）其他处理\n" + TAIL)
    for key in KEYS:
        got = row_values(r, key)
        assert all(g == "missing" or g == w for g, w in zip(got, table[key])), key
    assert row_values(r, "三.四.1") == table["三.四.1"]       # the block reading: the only one that adds up


# ---- random tables in random drawing orders: never a wrong value ----------------------------------

GROUP_LABELS = ["三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]


def _random_table(rng):
    while True:
        hi, zeros = rng.choice([2, 4, 9, 30]), rng.random()
        out = {k: [(rng.randrange(hi) if rng.random() > zeros else 0) for _ in range(6)] for k in OUTCOMES}
        two, four = [rng.randrange(3) for _ in range(6)], [rng.randrange(3) for _ in range(6)]
        total = [sum(out[k][c] for k in OUTCOMES) for c in range(6)]
        if all(total[c] + four[c] - two[c] >= 0 for c in range(6)):
            return consistent_table(out, two, four)


def _random_text(rng, table) -> str:
    """Groups of 1–10 rows, each cell by cell (one block per cell, or the row as one block) or
    column by column; each group's labels before it, or held back and printed later in a batch;
    sometimes a label or a value lost."""
    body, pending, i = "", [], 0
    while i < len(KEYS):
        keys = KEYS[i:i + min(rng.choice([1, 1, 1, 2, 3, 4, 8, 10]), len(KEYS) - i)]
        i += len(keys)
        if rng.random() < 0.4:
            body += labels(keys) + "\n"
        else:
            pending += keys
        if len(keys) == 1:
            body += singles(table[keys[0]]) if rng.random() < 0.8 else "".join(f"{v}\n" for v in table[keys[0]]) + "\n"
        elif rng.random() < 0.85:
            body += by_columns(keys, table)
        else:
            body += singles([table[r][c] for c in range(7) for r in keys])
        if pending and rng.random() < 0.4:
            body += labels(pending, rng.sample(GROUP_LABELS, 2)) + "\n"
            pending = []
    body += labels(pending, GROUP_LABELS)
    if rng.random() < 0.3:
        body = body.replace(label_of(rng.choice(KEYS)) + "\n", "", 1)
    if rng.random() < 0.2:
        lines = body.split("\n")
        del lines[rng.choice([n for n, line in enumerate(lines) if line.strip().isdigit()])]
        body = "\n".join(lines)
    return HEAD + body + TAIL


def test_random_drawing_orders_never_give_a_wrong_value():
    import random

    rng = random.Random(20261206)
    right = 0
    for n in range(60):
        table = _random_table(rng)
        r = parse(_random_text(rng, table))
        named = {a for d in r.diagnostics for a in d.cells if d.severity == "error"}
        for key in KEYS:
            for c, got, want in zip(APPLICANT_COLUMNS, row_values(r, key), table[key]):
                assert got == "missing" or got == want, (n, key, c, got, want)
                right += got == want
                assert got != "missing" or f"applications.{key}.{c}" in named, (n, key, c)
    assert right > 0.5 * 60 * len(KEYS) * 7         # most cells are read (the test can tell a reader that reads nothing)
