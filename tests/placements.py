"""What a text whose blank cells vanished determines: every placement of its figures that fits.

In reading-order text (`pdftotext` without -layout) a blank cell prints nothing: a row of seven
columns with two blanks prints five figures, and which two columns were blank is not in the text.
The template's identities may still pin the columns. This module answers, independently of any
reader, which cells the text determines:

- a UNIT is a run of cells (a table row, or 表四's fifteen cells) in column order, with the figures
  the text shows for it as SEGMENTS: each segment's figures stand in column order (the layout's
  order) and a blank leaves no trace; segments of one unit may come in any order (pdftotext's
  blocks). A PLACEMENT of a unit puts each figure into a cell of the unit, each segment strictly
  left to right, the other cells blank.
- an IDENTITY is a sum the template requires (docs/template.md, relations 1–4): left = right, a
  cell that is not a number counting 0 — except its WAIVERS (the 总计 cells: a 总计 left blank is a
  sum the agency did not write, as 上海 2019 leaves its rows' 总计): any waiver not a number and the
  identity says nothing.
- a COMPLETE placement (one placement per unit) FITS when every identity holds. A cell is
  DETERMINED when it takes one value across all fitting complete placements; otherwise the text does
  not determine it and no reader may place a value there.

`analyse(units, identities)` gives, per cell, the values it takes across the fitting placements.
The search is exact (no sampling): a unit's placements are enumerated under its own identities,
then every (unit, placement) pair is kept only when some complete fitting placement uses it
(depth-first search with bounds on the identities' sums).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# A figure as printed: (kind, value) — ("number", Decimal("3")), ("dash", None), ("none", None).
Figure = tuple[str, Decimal | None]
BLANK: Figure | None = None

UNIT_PLACEMENTS_CAP = 200_000     # a unit with more placements than this is beyond an exact answer here
SEARCH_NODES_CAP = 2_000_000      # per support question: beyond it the analysis says so (never guesses)


class TooLarge(Exception):
    """The exact answer is beyond the caps: the caller must not claim anything from it."""


@dataclass(frozen=True)
class Unit:
    name: str
    cells: tuple[str, ...]                       # addresses in column order
    segments: tuple[tuple[Figure, ...], ...]     # the text's figures for the unit

    @property
    def figures(self) -> int:
        return sum(len(s) for s in self.segments)


@dataclass(frozen=True)
class Identity:
    left: tuple[str, ...]
    right: tuple[str, ...]
    waivers: frozenset[str] = frozenset()        # members whose blank (non-number) waives the identity

    @property
    def members(self) -> tuple[str, ...]:
        return self.left + self.right


def _number(fig: Figure | None) -> Decimal | None:
    return fig[1] if fig is not None and fig[0] == "number" and fig[1] is not None else None


def holds(identity: Identity, value: dict[str, Figure | None]) -> bool:
    """The identity under these cell values (every member given)."""
    if any(_number(value[w]) is None for w in identity.waivers):
        return True
    total = sum((_number(value[a]) or Decimal(0) for a in identity.left), Decimal(0))
    return total == sum((_number(value[a]) or Decimal(0) for a in identity.right), Decimal(0))


# ------------------------------------------------------------------------------------------
# One unit's placements
# ------------------------------------------------------------------------------------------

def unit_placements(unit: Unit, local: list[Identity]) -> list[tuple[Figure | None, ...]]:
    """Every placement of the unit's segments into its cells (each segment left to right, the
    rest blank) that keeps the identities lying wholly within the unit."""
    n, cells = len(unit.cells), unit.cells
    if unit.figures > n:
        return []
    pos = {a: i for i, a in enumerate(cells)}
    due: dict[int, list[Identity]] = {}
    for ident in local:
        due.setdefault(max(pos[a] for a in ident.members), []).append(ident)
    segs = unit.segments
    if len({f for seg in segs for f in seg}) == 1:
        segs = (tuple(f for seg in segs for f in seg),)    # figures all alike: their order says nothing
    idx = [0] * len(segs)
    vals: list[Figure | None] = [None] * n
    out: set[tuple[Figure | None, ...]] = set()

    def check(i: int) -> bool:
        return all(holds(ident, {a: vals[pos[a]] for a in ident.members}) for ident in due.get(i, ()))

    def rec(i: int, remaining: int) -> None:
        if i == n:
            out.add(tuple(vals))
            if len(out) > UNIT_PLACEMENTS_CAP:
                raise TooLarge(f"{unit.name}: more than {UNIT_PLACEMENTS_CAP} placements")
            return
        if remaining < n - i:
            vals[i] = None
            if check(i):
                rec(i + 1, remaining)
        tried: set[tuple[Figure, ...]] = set()      # two segments with the same rest lead to the same placements
        for s, seg in enumerate(segs):
            if idx[s] < len(seg) and seg[idx[s]:] not in tried:
                tried.add(seg[idx[s]:])
                vals[i] = seg[idx[s]]
                idx[s] += 1
                if check(i):
                    rec(i + 1, remaining - 1)
                idx[s] -= 1
        vals[i] = None

    rec(0, unit.figures)
    return sorted(out, key=repr)


# ------------------------------------------------------------------------------------------
# Complete placements
# ------------------------------------------------------------------------------------------

@dataclass
class Analysis:
    values: dict[str, set[Figure | None]] = field(default_factory=dict)   # cell -> values across fits
    fits: bool = True            # some complete placement fits at all
    placements: dict[str, int] = field(default_factory=dict)            # unit -> its fitting placements

    def undetermined(self) -> set[str]:
        return {a for a, v in self.values.items() if len(v) != 1}

    def value(self, address: str) -> Figure | None:
        (only,) = self.values[address]
        return only


@dataclass
class _Term:
    """One identity as the search sees it: per unit and placement, the unit's signed share of
    left − right, and whether the placement leaves one of the identity's waivers not a number."""
    share: list[dict[int, Decimal]]     # unit index -> {placement index: share}
    waived: list[dict[int, bool]]
    units: list[int]


def analyse(units: list[Unit], identities: list[Identity]) -> Analysis:
    """Per cell, the values it takes across every fitting complete placement (see the module)."""
    where = {a: (u, i) for u, unit in enumerate(units) for i, a in enumerate(unit.cells)}
    local: list[list[Identity]] = [[] for _ in units]
    spanning: list[Identity] = []
    for ident in identities:
        owners = {where[a][0] for a in ident.members}
        (local[owners.pop()] if len(owners) == 1 else spanning).append(ident)
    domains = [unit_placements(unit, local[u]) for u, unit in enumerate(units)]
    terms = [_term(ident, where, domains) for ident in spanning]
    result = Analysis()
    if not units:
        return result
    if any(not d for d in domains):
        result.fits = False
        return result
    search = _Search(domains, terms)
    supported: list[set[int]] = [set() for _ in units]
    order = sorted(range(len(units)), key=lambda u: len(domains[u]))
    for u in order:
        for p in range(len(domains[u])):
            if p in supported[u]:
                continue
            found = search.solve({u: p})
            if found is not None:
                for v, q in found.items():
                    supported[v].add(q)
    if not supported[order[0]]:
        result.fits = False
        return result
    for u, unit in enumerate(units):
        result.placements[unit.name] = len(supported[u])
        for i, a in enumerate(unit.cells):
            result.values[a] = {domains[u][p][i] for p in supported[u]}
    return result


def _term(ident: Identity, where: dict[str, tuple[int, int]], domains) -> _Term:
    by_unit: dict[int, list[tuple[int, int, bool]]] = {}
    for a in ident.members:
        u, i = where[a]
        by_unit.setdefault(u, []).append((i, 1 if a in ident.left else -1, a in ident.waivers))
    share: list[dict[int, Decimal]] = []
    waived: list[dict[int, bool]] = []
    units = sorted(by_unit)
    for u in units:
        s: dict[int, Decimal] = {}
        w: dict[int, bool] = {}
        for p, placement in enumerate(domains[u]):
            total = Decimal(0)
            off = False
            for i, sign, waiver in by_unit[u]:
                n = _number(placement[i])
                total += sign * (n or Decimal(0))
                off = off or (waiver and n is None)
            s[p], w[p] = total, off
        share.append(s)
        waived.append(w)
    return _Term(share, waived, units)


class _Search:
    """Depth-first search for one complete fitting placement, with bounds on each identity."""

    def __init__(self, domains, terms: list[_Term]):
        self.domains = domains
        self.terms = terms
        # per term and unit: (min share, max share, some placement waives) over the unit's domain
        self.bounds = [[(min(t.share[k].values()), max(t.share[k].values()), any(t.waived[k].values()))
                        for k in range(len(t.units))] for t in terms]
        self.unit_terms: dict[int, list[tuple[int, int]]] = {}
        for j, t in enumerate(terms):
            for k, u in enumerate(t.units):
                self.unit_terms.setdefault(u, []).append((j, k))
        # assign the units that weigh in most identities first, then the smaller domains
        self.order = sorted(range(len(domains)), key=lambda u: (-len(self.unit_terms.get(u, ())), len(domains[u])))
        self.nodes = 0

    def solve(self, fixed: dict[int, int]) -> dict[int, int] | None:
        self.nodes = 0
        chosen = dict(fixed)
        if not all(self._feasible(j, chosen) for j in range(len(self.terms))):
            return None
        rest = [u for u in self.order if u not in chosen]
        return chosen if self._rec(rest, 0, chosen) else None

    def _rec(self, rest: list[int], k: int, chosen: dict[int, int]) -> bool:
        if k == len(rest):
            return True
        self.nodes += 1
        if self.nodes > SEARCH_NODES_CAP:
            raise TooLarge(f"more than {SEARCH_NODES_CAP} search nodes")
        u = rest[k]
        for p in range(len(self.domains[u])):
            chosen[u] = p
            if all(self._feasible(j, chosen) for j, _ in self.unit_terms.get(u, ())) and self._rec(rest, k + 1, chosen):
                return True
        del chosen[u]
        return False

    def _feasible(self, j: int, chosen: dict[int, int]) -> bool:
        """Can identity j still hold (or be waived) given the units chosen so far?"""
        t = self.terms[j]
        total, lo, hi, may_waive = Decimal(0), Decimal(0), Decimal(0), False
        for k, u in enumerate(t.units):
            p = chosen.get(u)
            if p is not None:
                if t.waived[k][p]:
                    return True
                total += t.share[k][p]
            else:
                mn, mx, w = self.bounds[j][k]
                lo, hi, may_waive = lo + mn, hi + mx, may_waive or w
        return may_waive or total + lo <= 0 <= total + hi
