"""Recovering values that run together ("713000074" for 71 / 3 / 0 / 0 / 0 / 0 / 74).

Crawled pages sometimes lose the cell borders: a row's values become one digit run, or a few runs
("230 000023", "20 0 00 0 121"). A split is only accepted when it is the ONLY one possible:

- every candidate split cuts each run into pieces without leading zeros ("0" itself is fine), and the
  pieces of all runs make exactly the row's number of cells;
- a row whose columns must add up (requests table: 总计 = the six applicant columns; review table:
  each group's 总计 = its four results) keeps only the candidates that add up — even when the split
  is the only one possible: "258 12 1 1" for a row of seven is likelier a row that lost values than
  one run together, and its only split (2/5/8/1/2/1/1) does not add up; the active table (no row
  identity) splits only a row printed as one run; rows still ambiguous are combined with the column
  identities (三.七 = sum of the outcome rows; 一 + 二 = 三.七 + 四) and a row is fixed only when every
  combination that satisfies all identities gives it the same split;
- otherwise the row's cells stay unknown (DIGITS_AMBIGUOUS).

Only rows from lines WITHOUT TAB separators are candidates: in a TAB grid a short row is a short row.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import product
from typing import Callable, Iterable

MAX_CANDIDATES = 20000      # splits of one row beyond which the row is declared ambiguous
MAX_COMBINATIONS = 200000   # combinations of ambiguous rows checked against column identities
MAX_DIGITS_PER_CELL = 9     # a run longer than this many digits per cell is not split at all


class TooMany(Exception):
    pass


def _pieces(run: str, k: int) -> Iterable[tuple[str, ...]]:
    """All ways to cut `run` into k numbers without leading zeros."""
    if k == 1:
        if len(run) == 1 or run[0] != "0":
            yield (run,)
        return
    if len(run) < k:
        return
    if run[0] == "0":
        for rest in _pieces(run[1:], k - 1):
            yield ("0",) + rest
        return
    for cut in range(1, len(run) - k + 2):
        for rest in _pieces(run[cut:], k - 1):
            yield (run[:cut],) + rest


def _signed_pieces(run: str, k: int) -> Iterable[tuple[Decimal, ...]]:
    """_pieces() for a run that may carry a sign (on its first piece) and decimals (on its last)."""
    sign = -1 if run.startswith("-") else 1
    body = run.lstrip("+-")
    digits_part, _, decimals = body.partition(".")
    for p in _pieces(digits_part, k):
        vals = [Decimal(x) for x in p]
        if decimals:
            vals[-1] = Decimal(f"{p[-1]}.{decimals}")
        vals[0] *= sign
        yield tuple(vals)


def splits(runs: list[str], n: int) -> list[tuple[Decimal, ...]]:
    """Every way to read the runs as exactly n numbers (raises TooMany past the cap).

    A run is digits, optionally with a leading minus (a signed column: 本年增/减) and decimals
    (an amount: the decimals belong to the run's last number).
    """
    out: list[tuple[Decimal, ...]] = []
    sizes = [len(r.lstrip("+-").partition(".")[0]) for r in runs]
    if sum(sizes) > MAX_DIGITS_PER_CELL * n:
        raise TooMany          # far more digits than any row of counts holds: not a row run together
    capacity = [sum(sizes[i:]) for i in range(len(runs) + 1)]

    def rec(i: int, left: int, acc: tuple[Decimal, ...]) -> None:
        if i == len(runs):
            if left == 0:
                out.append(acc)
                if len(out) > MAX_CANDIDATES:
                    raise TooMany
            return
        remaining_runs = len(runs) - i - 1
        max_k = min(sizes[i], left - remaining_runs)
        min_k = max(1, left - capacity[i + 1])     # the runs after this one hold at most that many
        for k in range(min_k, max_k + 1):
            for p in _signed_pieces(runs[i], k):
                rec(i + 1, left - k, acc + p)

    rec(0, n, ())
    return out


def choose_rows(candidates: dict[str, list[tuple[Decimal, ...]]],
                row_ok: Callable[[str, tuple[Decimal, ...]], bool],
                table_ok: Callable[[dict[str, tuple[Decimal, ...]]], bool] | None) -> tuple[dict[str, tuple[Decimal, ...]], dict[str, str]]:
    """Fix rows whose split is unique under the identities.

    Returns (fixed splits, reasons): reasons[key] says why a row was fixed ("唯一拆分" …) or, for rows
    left out of the first dict, why it stays ambiguous.
    """
    fixed: dict[str, tuple[Decimal, ...]] = {}
    why: dict[str, str] = {}
    pending: dict[str, list[tuple[Decimal, ...]]] = {}
    for key, cands in candidates.items():
        if not cands:
            why[key] = "没有任何拆分方式能得到所需个数的数值"
            continue
        # a split is a reconstruction: even the only one possible is certain only when the row's own
        # identity holds — else the likelier story is values lost from the row ("258 12 1 1" for a
        # row of seven), and the split would put wrong numbers in cells
        ok = [c for c in cands if row_ok(key, c)]
        if len(ok) == 1:
            fixed[key], why[key] = ok[0], ("只有一种拆分方式，且满足本行合计关系" if len(cands) == 1
                                           else "满足本行合计关系的拆分只有一种")
        elif not ok:
            why[key] = ("唯一的拆分方式不满足本行合计关系，可能是该行丢失了数值" if len(cands) == 1
                        else f"{len(cands)} 种拆分方式都不满足本行合计关系")
        else:
            pending[key] = ok
    if pending and table_ok is not None:
        keys = list(pending)
        size = 1
        for k in keys:
            size *= len(pending[k])
        if size <= MAX_COMBINATIONS:
            survivors = []
            for combo in product(*(pending[k] for k in keys)):
                trial = dict(fixed)
                trial.update(zip(keys, combo))
                if table_ok(trial):
                    survivors.append(combo)
            for idx, k in enumerate(keys):
                options = {c[idx] for c in survivors}
                if len(options) == 1:
                    fixed[k], why[k] = options.pop(), "结合本表行列勾稽关系，只有一种拆分成立"
                else:
                    why[k] = (f"满足本行合计关系的拆分有 {len(pending[k])} 种，结合行列勾稽关系仍有"
                              f" {len(options)} 种可能" if options else
                              f"满足本行合计关系的拆分有 {len(pending[k])} 种，且没有一种与全表勾稽关系一致")
        else:
            for k in keys:
                why[k] = f"满足本行合计关系的拆分有 {len(pending[k])} 种，组合过多无法唯一确定"
    else:
        for k, c in pending.items():
            why[k] = f"满足本行合计关系的拆分有 {len(c)} 种"
    return fixed, why


