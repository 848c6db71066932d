"""The analysis of what a text whose blank cells vanished determines (tests/placements.py): cases
that must come out ambiguous, cases that must come out determined, and the search checked against
plain enumeration of every complete placement on random small tables."""
from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

import placements as P


def n(v: int) -> P.Figure:
    return ("number", Decimal(v))


def unit(name: str, cells: str, *segments: list[int]) -> P.Unit:
    return P.Unit(name, tuple(cells.split()), tuple(tuple(n(v) for v in s) for s in segments))


def values(analysis: P.Analysis, cell: str) -> set:
    return {None if f is None else int(f[1]) for f in analysis.values[cell]}


# ------------------------------------------------------------------------------------------
# Hand-made cases
# ------------------------------------------------------------------------------------------

def test_two_equal_figures_in_a_row_with_its_total_leave_every_cell_open():
    """"2 2" in a, b, c, 总计: 2 in any part with 2 as 总计, or two parts and 总计 left blank."""
    row = unit("r", "a b c T", [2, 2])
    got = P.analyse([row], [P.Identity(("T",), ("a", "b", "c"), frozenset({"T"}))])
    assert got.fits
    assert got.undetermined() == {"a", "b", "c", "T"}
    assert values(got, "T") == {None, 2}
    assert got.placements["r"] == 6


def test_a_total_row_pins_the_columns_of_single_figures():
    """Columns a and b add up to the row s (no 总计 to waive): s "7 2", r1 "7", r2 "2": the 7 can
    only be in column a and the 2 in column b."""
    units = [unit("s", "sa sb", [7, 2]), unit("r1", "a1 b1", [7]), unit("r2", "a2 b2", [2])]
    ids = [P.Identity(("sa",), ("a1", "a2")), P.Identity(("sb",), ("b1", "b2"))]
    got = P.analyse(units, ids)
    assert got.undetermined() == set()
    assert [values(got, c) for c in ("a1", "b1", "a2", "b2")] == [{7}, {None}, {None}, {2}]


def test_equal_column_totals_leave_the_single_figures_open():
    """The same with s "7 7": the rows' 7s may swap columns."""
    units = [unit("s", "sa sb", [7, 7]), unit("r1", "a1 b1", [7]), unit("r2", "a2 b2", [7])]
    ids = [P.Identity(("sa",), ("a1", "a2")), P.Identity(("sb",), ("b1", "b2"))]
    got = P.analyse(units, ids)
    assert got.undetermined() == {"a1", "b1", "a2", "b2"}
    assert got.placements == {"s": 1, "r1": 2, "r2": 2}


def test_runs_of_one_unit_may_come_in_any_order_unless_a_sum_pins_them():
    free = P.analyse([unit("u", "x y z", [1, 2], [3])], [])
    assert free.undetermined() == {"x", "y", "z"}
    assert free.placements["u"] == 3            # 1 2 3 / 1 3 2 / 3 1 2
    pinned = P.analyse([unit("u", "x y z", [1, 2], [3])], [P.Identity(("z",), ("x", "y"))])
    assert pinned.undetermined() == set()
    assert [values(pinned, c) for c in "xyz"] == [{1}, {2}, {3}]


def test_three_groups_that_each_add_up_may_trade_places():
    """淮安 2024's 表四 in reading order: runs [72 64 178 37] [12 1 1 6] [351] [13 4 8 1 26] [20]:
    every group adds up whichever group it is put in, so no cell is determined."""
    cells = " ".join(f"{g}{c}" for g in "ABC" for c in "12345")
    u = unit("表四", cells, [72, 64, 178, 37], [12, 1, 1, 6], [351], [13, 4, 8, 1, 26], [20])
    ids = [P.Identity((f"{g}5",), tuple(f"{g}{c}" for c in "1234"), frozenset({f"{g}5"})) for g in "ABC"]
    got = P.analyse([u], ids)
    assert got.undetermined() == set(cells.split())
    assert values(got, "A5") == {351, 26, 20}
    one_run = P.analyse([unit("表四", cells, [72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20])], ids)
    assert one_run.undetermined() == set()


def test_a_total_left_blank_waives_its_sum_but_a_blank_part_counts_zero():
    ident = P.Identity(("T",), ("a", "b"), frozenset({"T"}))
    assert P.holds(ident, {"T": None, "a": n(3), "b": n(4)})
    assert P.holds(ident, {"T": n(3), "a": n(3), "b": None})
    assert not P.holds(ident, {"T": n(4), "a": n(3), "b": None})
    assert not P.holds(ident, {"T": n(4), "a": ("dash", None), "b": n(3)})   # a dash part counts 0: 4 ≠ 3
    assert P.holds(ident, {"T": ("dash", None), "a": n(1), "b": n(2)})


def test_no_fit_at_all_is_said():
    got = P.analyse([unit("r", "a b T", [1, 2, 4])], [P.Identity(("T",), ("a", "b"), frozenset({"T"}))])
    assert not got.fits and got.values == {}


# ------------------------------------------------------------------------------------------
# Against plain enumeration
# ------------------------------------------------------------------------------------------

def _brute_unit(u: P.Unit) -> set[tuple]:
    """Every placement by trying every assignment of figures to distinct cells."""
    figs = [(s, i) for s, seg in enumerate(u.segments) for i in range(len(seg))]
    out = set()
    for cells in itertools.permutations(range(len(u.cells)), len(figs)):
        pos = dict(zip(figs, cells))
        if all(pos[(s, i)] < pos[(s, i + 1)] for s, seg in enumerate(u.segments) for i in range(len(seg) - 1)):
            vals = [None] * len(u.cells)
            for (s, i), c in pos.items():
                vals[c] = u.segments[s][i]
            out.add(tuple(vals))
    return out


def _brute(units: list[P.Unit], ids: list[P.Identity]) -> dict[str, set]:
    domains = [sorted(_brute_unit(u), key=repr) for u in units]
    seen: dict[str, set] = {a: set() for u in units for a in u.cells}
    for combo in itertools.product(*domains):
        value = {a: v for u, p in zip(units, combo) for a, v in zip(u.cells, p)}
        if all(P.holds(i, value) for i in ids):
            for a, v in value.items():
                seen[a].add(v)
    return seen


def _random_case(rng: random.Random) -> tuple[list[P.Unit], list[P.Identity]]:
    units, all_cells = [], []
    for k in range(rng.randint(1, 3)):
        width = rng.randint(2, 4)
        cells = tuple(f"u{k}c{i}" for i in range(width))
        all_cells += cells
        count = rng.randint(0, width)
        figs = [n(rng.choice([0, 1, 1, 2, 3, 5])) for _ in range(count)]
        cuts = sorted(rng.sample(range(1, count), rng.randint(0, max(0, count - 1)))) if count > 1 else []
        segments = [figs[a:b] for a, b in zip([0, *cuts], [*cuts, count]) if b > a]
        units.append(P.Unit(f"u{k}", cells, tuple(tuple(s) for s in segments)))
    ids = []
    for _ in range(rng.randint(0, 3)):
        members = rng.sample(all_cells, min(len(all_cells), rng.randint(2, 4)))
        left, right = (members[0],), tuple(members[1:])
        waivers = frozenset({members[0]}) if rng.random() < 0.5 else frozenset()
        ids.append(P.Identity(left, right, waivers))
    return units, ids


@pytest.mark.parametrize("seed", range(150))
def test_the_search_gives_what_plain_enumeration_gives(seed):
    units, ids = _random_case(random.Random(seed))
    expected = _brute(units, ids)
    got = P.analyse(units, ids)
    if not any(expected.values()):
        assert not got.fits
        return
    assert got.fits
    assert got.values == expected
