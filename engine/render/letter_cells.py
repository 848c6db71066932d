"""The cells and quotes of a letter's findings, in the few words a printed letter has room for.

    bounded_quote(excerpt, anchors)        a window of a long source line around what it concerns
    cells_quote(excerpt, cells)            bounded_quote with the cells' anchors
    cell_anchors(cells)                    the row labels to look for in that line
    empty_cells_text(cells, values)        blank cells named by row, then columns ("整行空白" for whole rows)
    cells_text(cells, values, message)     stated totals first, then non-zero items (when the message lacks them)
    year_pairs_text(evidence)              this year's cell next to last year's
    shown_value(value)                     a cell's stated value as letters show it
    short_reason(reason)                   a not-assessable reason's first clause
"""
from __future__ import annotations

import functools
import re
from typing import Any

from engine.render.labels import CELL_KIND_LABELS
from engine.template import all_known_addresses, describe_address

QUOTE_MAX = 80               # characters a quote may have: about two lines of the findings table
QUOTE_LEAD = 20              # characters kept before what a long quote concerns
CELLS_LISTED = 4
REASON_MAX = 90              # a not-assessable reason, first clause
EMPTY_KINDS = {"blank", "dash", "none"}   # stated as empty by the agency ("missing" is explained by the rule)


def format_number(value: Any) -> str:
    if value is None:
        return "（未填写）"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def bounded_quote(excerpt: str | None, anchors: list[str], limit: int = QUOTE_MAX,
                  lead: int = QUOTE_LEAD) -> str | None:
    """The excerpt, or a window of `limit` characters of it around the first anchor found (a row
    label, a stated value), starting `lead` characters before it: a whole crawled page is never
    quoted."""
    text = " ".join((excerpt or "").split())
    if not text:
        return None
    if len(text) <= limit:
        return text
    return _window(text, anchors, limit, lead)


def _window(text: str, anchors: list[str], limit: int = QUOTE_MAX, lead: int = QUOTE_LEAD) -> str:
    """bounded_quote's window of a text already on one line (longer than `limit`)."""
    at = next((text.find(a) for a in anchors if a and text.find(a) >= 0), 0)
    start = max(0, at - lead)
    end = min(len(text), start + limit)
    start = max(0, end - limit)
    return f"{'…' if start else ''}{text[start:end]}{'…' if end < len(text) else ''}"


def cells_quote(excerpt: str | None, cells: list[str]) -> str | None:
    """bounded_quote(excerpt, cell_anchors(cells)), the anchors looked up only for a quote to cut."""
    text = " ".join((excerpt or "").split())
    if len(text) <= QUOTE_MAX:
        return text or None
    return _window(text, cell_anchors(cells))       # on one line already


_QUOTED = re.compile(r"“([^“”]+)”")
_ENUM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]|^[一二三四五六七八九十]+、|^\d+[.．、]")


def cell_anchors(cells: list[str]) -> list[str]:
    """Row labels of the cells as they would be printed in the report, longest form first."""
    return [a for address in cells[:3] for a in _address_anchors(address)]


@functools.lru_cache(maxsize=4096)
def _address_anchors(address: str) -> tuple[str, ...]:
    """An address's row label and the label without its enumeration (（一）, 1.), each of 2
    characters or more: depends on the template's constants only, as describe_address."""
    anchors: list[str] = []
    for label in _QUOTED.findall(describe_address(address))[:1]:
        anchors += [label, _ENUM.sub("", label)]
    return tuple(a for a in anchors if len(a) >= 2)


@functools.lru_cache(maxsize=4096)
def _row_and_column(address: str) -> tuple[str, str]:
    """("表三“（一）予以公开”行", "自然人") from the letter wording of an address (the template's
    constants only, as describe_address)."""
    text = describe_address(address)
    m = _COLUMN_LABEL.match(text) or _ITEM_LABEL.match(text)
    return (m.group(1), m.group(2)) if m else (text, "")


_COLUMN_LABEL = re.compile(r"^(.*)“([^“”]*)”列$")
_ITEM_LABEL = re.compile(r"^(.*)之“([^“”]*)”$")


@functools.lru_cache(maxsize=None)
def _row_cells(address: str) -> frozenset[str]:
    """Every known cell of the address's row (same address up to the column)."""
    prefix = address.rsplit(".", 1)[0]
    return frozenset(a for a in all_known_addresses() if a.rsplit(".", 1)[0] == prefix)


_EMPTY_LABELS = {"blank": "空白", "dash": "填“—”", "none": "填“无”"}


def empty_cells_text(cells: list[str], values: dict[str, Any]) -> str | None:
    """For a finding about cells the agency left without a number (all blank / — / 无): each row
    once, its columns after it. None when any cell holds a number (the rule's message then says
    what the numbers are)."""
    if not cells:
        return None
    kinds = []
    for c in cells:                  # most findings about cells state a number: stop at the first
        k = values.get(c)
        if not (isinstance(k, str) and k in EMPTY_KINDS):
            return None
        kinds.append(k)
    rows: dict[str, list[str]] = {}
    for c in cells:
        row, col = _row_and_column(c)
        rows.setdefault(row, []).append(col)
    # a row is whole when the finding names every known cell of it (cells grouped by their row's
    # address once: each cell's row compared with every other cell's was quadratic)
    by_prefix: dict[str, set[str]] = {}
    for c in cells:
        by_prefix.setdefault(c.rsplit(".", 1)[0], set()).add(c)
    whole = {_row_and_column(c)[0] for c in cells if by_prefix[c.rsplit(".", 1)[0]] >= _row_cells(c)}
    kind_text = "、".join(dict.fromkeys(_EMPTY_LABELS[k] for k in kinds))
    described = "；".join(f"{row}（整行）" if row in whole else
                         f"{row}{'、'.join(c for c in cols if c)}列" if any(cols) else row
                         for row, cols in rows.items())
    return f"{described}（{kind_text}）".replace("（整行）（空白）", "整行空白")


def shown_value(value: Any) -> str | None:
    """A cell's stated value as the letter shows it; None for long text (a whole row is quoted)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return format_number(value)
    text = str(value).strip()
    if text in CELL_KIND_LABELS:
        return CELL_KIND_LABELS[text]
    return text if 0 < len(text) <= 12 else None


@functools.lru_cache(maxsize=4096)       # an address of the template (a few hundred)
def _is_total(address: str) -> bool:
    return address.endswith(".总计") or ".七." in address or address.endswith(".七")


def cells_text(cells: list[str], values: dict[str, Any], message: str) -> str | None:
    """The cells that matter, when the rule's message does not already state their numbers: stated
    totals first, then non-zero items; zeros are only counted."""
    # a cell we could not read ("missing") states nothing: the rule's message explains it
    shown = []
    for c in cells:
        value = values.get(c)
        if value.__class__ is int:           # shown_value of an int (most cells), without the call
            shown.append((c, str(value)))
        elif value != "missing":
            v = shown_value(value)
            if v is not None:
                shown.append((c, v))
    if not shown or all(v in message for _, v in shown):
        return None
    # one pass: stated totals, non-zero items, zero totals (in that order), zero items only counted
    totals, items, zero_totals, zeros = [], [], [], 0
    for c, v in shown:
        if _is_total(c):
            (zero_totals if v == "0" else totals).append((c, v))
        elif v == "0":
            zeros += 1
        else:
            items.append((c, v))
    ordered = totals + items + zero_totals
    listed = [f"{describe_address(c)}：{v}" for c, v in ordered[:CELLS_LISTED]]
    more = len(ordered) - len(listed)
    tail = [f"等 {len(ordered)} 个单元格" if more > 0 else "", f"另有 {zeros} 个单元格为 0" if zeros else ""]
    return "、".join(listed) + "".join(f"，{t}" for t in tail if t)


def year_pairs_text(ev: dict[str, Any]) -> str | None:
    """A cross-year finding's cells, this year's next to last year's: 本年 A：0，上年 B：1."""
    prev = list(ev.get("previous_cells") or [])
    if not prev:
        return None
    cells, values, pvalues = list(ev.get("cells") or []), ev.get("values") or {}, ev.get("previous_values") or {}
    pairs = []
    for c, p in list(zip(cells, prev))[:CELLS_LISTED]:
        v, pv = shown_value(values.get(c)), shown_value(pvalues.get(p))
        pairs.append(f"本年{describe_address(c)}：{v if v is not None else '（未填写）'}，"
                     f"上年{describe_address(p)}：{pv if pv is not None else '（未填写）'}")
    return "；".join(pairs)


def short_reason(reason: str | None) -> str:
    """A not-assessable reason's first clause, without its long parenthesised cell lists."""
    first, sep, rest = _drop_long_parentheses(reason or "").partition("；")
    first = first.strip()
    if len(first) > REASON_MAX:
        first = first[:REASON_MAX] + "…"
    return first + ("等" if sep and rest.strip() else "")


def _drop_long_parentheses(text: str, longest: int = 12) -> str:
    """Removes every outermost （…） group longer than `longest` characters (nested groups such as
    “第（一）项” inside it go with it); short ones — （一）, （空白） — stay. Goes from parenthesis to
    parenthesis (a reason is a few hundred characters with a few groups); a "）" with no "（" open
    is an ordinary character."""
    if "（" not in text:
        return text
    out, depth, start, kept_from = [], 0, 0, 0
    for m in _PARENTHESES.finditer(text):
        i = m.start()
        if m.group() == "（":
            if depth == 0:
                out.append(text[kept_from:i])       # the text outside any group before it
                start = i
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                if i - start - 1 <= longest:
                    out.append(text[start:i + 1])
                kept_from = i + 1
    out.append(text[start:] if depth else text[kept_from:])   # unbalanced: keep the tail as written
    return "".join(out)


_PARENTHESES = re.compile("[（）]")
