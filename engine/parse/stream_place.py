"""The cells of the requests table's short rows that the table's sums pin, in reading-order text
whose blank cells vanished (engine/parse/stream_blank.py).

A short row (its figures certainly its own, fewer than its seven columns) prints its figures in
column order; its blank cells left no trace. Each way of putting the figures into the row's cells,
left to right, the other cells blank, is a PLACEMENT. The table's sums (docs/template.md relations
1–3) must hold, a blank cell counting 0 — except a 总计 left blank: a sum the agency did not write
(上海 2019 leaves the rows' 总计 blank), which says nothing about the sums it belongs to. A cell is
read when every complete placement (one per short row, with the rows read in full and the blank
rows) that keeps every sum gives it the same content, a figure or a blank; every other cell of a
short row stays unknown: the text does not determine it (待人工核对, the diagnostic says where).

Sums with a member in a row that is neither read nor certainly short are left out (that row could
hold anything). When no complete placement fits — a sum the agency got wrong, or figures we took
for a row's that are not — nothing is read here (the caller falls back to
engine/parse/stream_totals.py). The search is exact, within caps beyond which nothing is read.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import combinations

from engine.model import Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import EMPTY, Token
from engine.parse.grid import cell_from_token
from engine.template import APPLICANT_COLUMNS

NODES_CAP = 20_000           # search nodes over the whole question (上海 2019 takes ~2,500): beyond, nothing is read
_TOTAL = APPLICANT_COLUMNS[-1]


class _Beyond(Exception):
    pass


def place(name: str, rows: list[tuple[str, list[str]]], short: dict[str, list[Token]], table: Table,
          lines: list[SourceLine], diagnostics: list[Diagnostic], resolved: frozenset[str]) -> set[str] | None:
    """Read the cells of short rows that every fitting placement agrees on (module docstring). The
    addresses read; None when the question cannot be answered here (no short row to place, no
    complete placement fits, or beyond the caps)."""
    units = _units(rows, short, table)
    if not any(u.tokens for u in units):
        return None
    open_cells = {a for u in units if u.tokens for a in u.addrs}
    # a sum among rows read in full says nothing about placements (broken, it is the agency's finding)
    sums = [s for s in _sums(rows, {a for u in units for a in u.addrs}) if open_cells.intersection(s[0] + s[1])]
    scale = _scale(units)
    if scale is None:
        return None
    try:
        supported = _Search(units, sums, scale).supported()
    except _Beyond:
        return None
    if supported is None:
        return None
    placed: set[str] = set()
    for u, fits in zip(units, supported):
        if u.tokens:
            placed |= _apply(name, u, [u.domain[p] for p in sorted(fits)], table, lines, diagnostics, resolved)
    return placed


class _Unit:
    """A row: read in full (one placement: its cells' numbers) or short (its figures' placements)."""

    def __init__(self, key: str, addrs: list[str], tokens: list[Token] | None, fixed: list[Decimal | None]):
        self.key, self.addrs, self.tokens = key, addrs, tokens
        if tokens is None:
            self.domain: list[tuple[int | None, ...]] = [()]
            self.fixed = fixed
        else:
            n = len(addrs)
            self.domain = []
            for cols in combinations(range(n), len(tokens)):
                slot: list[int | None] = [None] * n
                for j, c in enumerate(cols):
                    slot[c] = j
                self.domain.append(tuple(slot))

    def number(self, p: int, i: int) -> Decimal | None:
        """The number placement p puts in the row's i-th cell (None: blank or not a number)."""
        if self.tokens is None:
            return self.fixed[i]
        j = self.domain[p][i]
        if j is None:
            return None
        tok = self.tokens[j]
        return tok.value if tok.value_kind == "number" and not tok.unit else None


def _units(rows: list[tuple[str, list[str]]], short: dict[str, list[Token]], table: Table) -> list[_Unit]:
    """The rows that take part: read in full, or short with no cell read yet."""
    out = []
    for key, addrs in rows:
        cells = [table.cells.get(a) for a in addrs]
        if all(c is not None and c.kind != "missing" for c in cells):
            out.append(_Unit(key, addrs, None, [c.value if c.kind == "number" else None for c in cells]))
        elif key in short and all(c is None or c.kind == "missing" for c in cells) and 0 < len(short[key]) < len(addrs):
            out.append(_Unit(key, addrs, list(short[key]), []))
    return out


def _sums(rows: list[tuple[str, list[str]]], known: set[str]) -> list[tuple[list[str], list[str], set[str]]]:
    """The template's sums over rows that take part: (left, right, the 总计 members that waive it)."""
    by_key = dict(rows)
    keys = [k for k, _ in rows]
    leaves = [k for k in keys if k not in ("一", "二", "三.七", "四")]
    out = []
    for key, addrs in rows:
        out.append(([addrs[-1]], addrs[:-1], {addrs[-1]}))
    for i, col in enumerate(APPLICANT_COLUMNS):
        pairs = []
        if "三.七" in by_key:
            pairs.append(([by_key["三.七"][i]], [by_key[k][i] for k in leaves]))
        if all(k in by_key for k in ("一", "二", "三.七", "四")):
            pairs.append(([by_key["一"][i], by_key["二"][i]], [by_key["三.七"][i], by_key["四"][i]]))
        for left, right in pairs:
            out.append((left, right, set(left + right) if col == _TOTAL else set()))
    return [s for s in out if set(s[0] + s[1]) <= known]


class _Search:
    """Depth-first search over the short rows' placements with bounds on every sum, kept up to date
    as rows are placed and taken back (integers: the table's figures are counts; see _scale)."""

    def __init__(self, units: list[_Unit], sums, scale: int):
        self.units = units
        at = {a: (u, i) for u, unit in enumerate(units) for i, a in enumerate(unit.addrs)}
        # per sum, per unit in it, per placement: (left − right share, waived)
        self.terms: list[dict[int, list[tuple[int, bool]]]] = []
        for left, right, waivers in sums:
            parts: dict[int, list[tuple[int, int, bool]]] = {}
            for a in left + right:
                u, i = at[a]
                parts.setdefault(u, []).append((i, 1 if a in left else -1, a in waivers))
            term = {}
            for u, members in parts.items():
                unit = units[u]
                shares = []
                for p in range(len(unit.domain)):
                    total, off = 0, False
                    for i, sign, waiver in members:
                        n = unit.number(p, i)
                        total += sign * int((n or 0) * scale)
                        off = off or (waiver and n is None)
                    shares.append((total, off))
                term[u] = shares
            self.terms.append(term)
        # a unit's own sums first: placements that break them never enter the search
        self.domain = [list(range(len(u.domain))) for u in units]
        for term in self.terms:
            if len(term) == 1:
                ((u, shares),) = term.items()
                self.domain[u] = [p for p in self.domain[u] if shares[p][1] or shares[p][0] == 0]
        self.of_unit: dict[int, list[int]] = {}
        for t, term in enumerate(self.terms):
            for u in term:
                self.of_unit.setdefault(u, []).append(t)
        # rows in the sums with fewest rows first (一 + 二 = 三.七 + 四 binds four rows), then small domains
        weight = {u: sum(1 / len(self.terms[t]) for t in ts) for u, ts in self.of_unit.items()}
        self.order = sorted(range(len(units)), key=lambda u: (-weight.get(u, 0), len(self.domain[u])))
        self.nodes = 0

    def supported(self) -> list[set[int]] | None:
        """Per unit, the placements some complete fitting placement uses; None when none fits."""
        if not self._tighten():
            return None
        fits: list[set[int]] = [set() for _ in self.units]
        for u in sorted(range(len(self.units)), key=lambda u: len(self.domain[u])):
            for p in self.domain[u]:
                if p in fits[u]:
                    continue
                found = self._solve(u, p)
                if found is not None:
                    for v, q in found.items():
                        fits[v].add(q)
            if not fits[u]:
                return None
        return fits

    def _bounds(self) -> None:
        # per sum and unit: (min share, max share, may waive) over the unit's placements
        self.bound = [{u: (min(shares[p][0] for p in self.domain[u]), max(shares[p][0] for p in self.domain[u]),
                           any(shares[p][1] for p in self.domain[u])) for u, shares in term.items()}
                      for term in self.terms]

    def _tighten(self) -> bool:
        """Drop every placement that breaks some sum whatever the other rows do (their bounds), until
        nothing changes: the bounds narrow as the rows lose placements. False when a row has none left."""
        changed = True
        while changed:
            if any(not d for d in self.domain):
                return False
            self._bounds()
            lo_all = [sum(b[0] for b in bound.values()) for bound in self.bound]
            hi_all = [sum(b[1] for b in bound.values()) for bound in self.bound]
            may_all = [sum(b[2] for b in bound.values()) for bound in self.bound]
            changed = False
            for u, dom in enumerate(self.domain):
                terms = [(t, self.terms[t][u], self.bound[t][u]) for t in self.of_unit.get(u, ())]
                keep = [p for p in dom if all(
                    shares[p][1] or may_all[t] - w > 0
                    or lo_all[t] - mn + shares[p][0] <= 0 <= hi_all[t] - mx + shares[p][0]
                    for t, shares, (mn, mx, w) in terms)]
                if len(keep) < len(dom):
                    self.domain[u] = keep
                    changed = True
        return True

    def _solve(self, u0: int, p0: int) -> dict[int, int] | None:
        # running state per sum: placed total, bounds of the rows still open, waivers placed / possible
        self.total = [0] * len(self.terms)
        self.lo = [sum(b[0] for b in bound.values()) for bound in self.bound]
        self.hi = [sum(b[1] for b in bound.values()) for bound in self.bound]
        self.may = [sum(b[2] for b in bound.values()) for bound in self.bound]
        self.off = [0] * len(self.terms)
        chosen: dict[int, int] = {}
        if not self._put(u0, p0, chosen):
            return None
        rest = [u for u in self.order if u != u0]
        return dict(chosen) if self._rec(rest, 0, chosen) else None

    def _put(self, u: int, p: int, chosen: dict[int, int]) -> bool:
        """Place unit u; False (and the state as before) when some sum can no longer hold."""
        chosen[u] = p
        for t in self.of_unit.get(u, ()):
            share, off = self.terms[t][u][p]
            mn, mx, w = self.bound[t][u]
            self.lo[t] -= mn
            self.hi[t] -= mx
            self.may[t] -= w
            self.off[t] += off
            self.total[t] += 0 if off else share
        if all(self._feasible(t) for t in self.of_unit.get(u, ())):
            return True
        self._take(u, chosen)
        return False

    def _take(self, u: int, chosen: dict[int, int]) -> None:
        p = chosen.pop(u)
        for t in self.of_unit.get(u, ()):
            share, off = self.terms[t][u][p]
            mn, mx, w = self.bound[t][u]
            self.lo[t] += mn
            self.hi[t] += mx
            self.may[t] += w
            self.off[t] -= off
            self.total[t] -= 0 if off else share

    def _feasible(self, t: int) -> bool:
        return self.off[t] > 0 or self.may[t] > 0 or self.total[t] + self.lo[t] <= 0 <= self.total[t] + self.hi[t]

    def _rec(self, rest: list[int], k: int, chosen: dict[int, int]) -> bool:
        if k == len(rest):
            return True
        self.nodes += 1
        if self.nodes > NODES_CAP:
            raise _Beyond
        u = rest[k]
        for p in self.domain[u]:
            if self._put(u, p, chosen):
                if self._rec(rest, k + 1, chosen):
                    return True
                self._take(u, chosen)
        return False


def _scale(units: list[_Unit]) -> int | None:
    """The factor that makes every figure an integer (1 for counts; 100 for amounts in cents);
    None when some figure has more decimals than that."""
    for scale in (1, 100):
        if all(n is None or (n * scale) == (n * scale).to_integral_value()
               for u in units for p in range(len(u.domain)) for i in range(len(u.addrs)) for n in [u.number(p, i)]):
            return scale
    return None


def _apply(name: str, unit: _Unit, fits: list[tuple[int | None, ...]], table: Table, lines: list[SourceLine],
           diagnostics: list[Diagnostic], resolved: frozenset[str]) -> set[str]:
    """Read the row's cells every fitting placement agrees on; name the others in a diagnostic."""
    toks = unit.tokens or []
    first = lines[toks[0].line]
    blank = Token(EMPTY, "", "", toks[0].line, toks[0].start, tabbed=False)
    read: dict[str, Token] = {}
    for i, addr in enumerate(unit.addrs):
        contents = {None if f[i] is None else (toks[f[i]].value_kind, toks[f[i]].value, toks[f[i]].raw) for f in fits}
        if len(contents) == 1:
            j = fits[0][i]
            read[addr] = blank if j is None else toks[j]
    row = set(unit.addrs)
    diagnostics[:] = [d for d in diagnostics if not (d.table == name and d.code in resolved and row.intersection(d.cells))]
    for addr, tok in read.items():
        table.cells[addr] = cell_from_token(addr, tok, lines[tok.line], "order")
    blanks = [a for a in unit.addrs if a in read and read[a].kind == EMPTY]
    if blanks:
        diagnostics.append(D.cell_blank(name, unit.key, [a.rsplit(".", 1)[1] for a in blanks], first, blanks))
    rest = [a for a in unit.addrs if a not in read]
    figures = "、".join(t.raw for t in toks)
    head = (f"{D.row_title(name, unit.key)}应有 {len(unit.addrs)} 个数值，文本中只有 {len(toks)} 个（{figures}），"
            f"空白单元格在文本中已消失")
    numbers = [f"“{a.rsplit('.', 1)[1]}”为 {read[a].raw}" for a in unit.addrs if a in read and read[a].kind != EMPTY]
    blank_cols = [f"“{a.rsplit('.', 1)[1]}”" for a in blanks]
    known = "；".join(numbers + ([f"{'、'.join(blank_cols)}为空白"] if blank_cols else []))
    if rest:
        cols = "、".join(f"“{a.rsplit('.', 1)[1]}”" for a in rest)
        told = f"按表内各项合计关系可以确定：{known}；" if known else ""
        diagnostics.append(D.make(
            "ROW_TOO_FEW_VALUES",
            f"{head}。{told}{cols}列的数值无法从文本确定（这些数值放在不同的列都符合表内各项合计关系），"
            f"按未知处理，待人工核对：请查看{first.where or '文中'}附近该行的原表，逐列核对", first, name, rest))
    elif read:
        diagnostics.append(D.make(
            "STREAM_ORDER", f"{head}，按表内各项合计关系确定了各数值所在的列：{known}", first, name, sorted(read)))
    return set(read)
