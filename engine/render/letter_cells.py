"""The cells and quotes of a letter's findings, in the few words a printed letter has room for.

    bounded_quote(excerpt, anchors)        a window of a long source line around what it concerns
    cells_quote(excerpt, cells)            bounded_quote with the cells' anchors
    cell_anchors(cells)                    the row labels to look for in that line
    empty_cells_text(cells, values)        blank cells named by row, then columns ("整行空白" for whole rows)
    cells_text(cells, values, message)     stated totals first, then non-zero items (when the message lacks them)
    year_pairs_text(evidence)              this year's cell next to last year's
    shown_value(value)                     a cell's stated value as letters show it
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
    return bounded_quote(text, cell_anchors(cells))


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


def _row_and_column(address: str) -> tuple[str, str]:
    """("表三“（一）予以公开”行", "自然人") from the letter wording of an address."""
    text = describe_address(address)
    m = re.match(r"^(.*)“([^“”]*)”列$", text) or re.match(r"^(.*)之“([^“”]*)”$", text)
    return (m.group(1), m.group(2)) if m else (text, "")


@functools.lru_cache(maxsize=None)
def _row_cells(address: str) -> frozenset[str]:
    """Every known cell of the address's row (same address up to the column)."""
    prefix = address.rsplit(".", 1)[0]
    return frozenset(a for a in all_known_addresses() if a.rsplit(".", 1)[0] == prefix)


def empty_cells_text(cells: list[str], values: dict[str, Any]) -> str | None:
    """For a finding about cells the agency left without a number (all blank / — / 无): each row
    once, its columns after it. None when any cell holds a number (the rule's message then says
    what the numbers are)."""
    kinds = [values.get(c) for c in cells]
    if not cells or not all(isinstance(k, str) and k in EMPTY_KINDS for k in kinds):
        return None
    rows: dict[str, list[str]] = {}
    for c in cells:
        row, col = _row_and_column(c)
        rows.setdefault(row, []).append(col)
    whole = {_row_and_column(c)[0] for c in cells
             if set(a for a in cells if a.rsplit(".", 1)[0] == c.rsplit(".", 1)[0]) >= _row_cells(c)}
    label = {"blank": "空白", "dash": "填“—”", "none": "填“无”"}
    kind_text = "、".join(dict.fromkeys(label[k] for k in kinds))
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


def _is_total(address: str) -> bool:
    return address.endswith(".总计") or ".七." in address or address.endswith(".七")


def cells_text(cells: list[str], values: dict[str, Any], message: str) -> str | None:
    """The cells that matter, when the rule's message does not already state their numbers: stated
    totals first, then non-zero items; zeros are only counted."""
    # a cell we could not read ("missing") states nothing: the rule's message explains it
    shown = [(c, shown_value(values.get(c))) for c in cells if values.get(c) != "missing"]
    shown = [(c, v) for c, v in shown if v is not None]
    if not shown or all(v in message for _, v in shown):
        return None
    zeros = [c for c, v in shown if v == "0" and not _is_total(c)]
    ordered = ([(c, v) for c, v in shown if _is_total(c) and v != "0"]
               + [(c, v) for c, v in shown if not _is_total(c) and v != "0"]
               + [(c, v) for c, v in shown if _is_total(c) and v == "0"])
    listed = [f"{describe_address(c)}：{v}" for c, v in ordered[:CELLS_LISTED]]
    more = len(ordered) - len(listed)
    tail = [f"等 {len(ordered)} 个单元格" if more > 0 else "", f"另有 {len(zeros)} 个单元格为 0" if zeros else ""]
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


