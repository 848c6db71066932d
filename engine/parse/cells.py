"""Tokenising the text of a table row into value slots.

The parser sees every format as lines (engine/model.SourceLine). Table grids arrive as one line per
row with cells joined by TAB; PDF text as values separated by spaces; crawled pages sometimes with a
row's values run together ("713000074"). A row's text (from the end of its label to the next label)
becomes a list of tokens:

    EMPTY  an empty TAB cell (a blank cell, or layout padding — decided later by the table)
    VALUE  a number (integer, decimal, thousands commas, full-width digits), a dash (— - / ／), or 无
    TEXT   anything else: a label continuation ("反复申请", "理"), a group label

A unit printed right after a number ("251000元", "5 万元", "3件") is not a token of its own: it is kept
on the number (Token.unit, raw = number and unit as printed) for engine/parse/units.py to reconcile
with the column's unit.

Spaces separate values ("0 1 1 0"), but spaces inside words are not separators. Runs of three or
more hyphens (markdown table rules "---") are TEXT, not dashes.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from engine.model import Cell

EMPTY, VALUE, TEXT = "empty", "value", "text"

_WORD = re.compile(r"[^ \t]+")
_PIECES = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?|[^\d+-]+|[+-]")
_NUMBER = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?")
_DASH = re.compile(r"(?:—{1,2}|-|/|\\|-{2})")
_UNIT = re.compile(r"(?:亿元|万元|千元|元|万|件|条|个|项|人次|次|%)")
_DIGIT_RUN = re.compile(r"\d+")
_NAME_WITH_NUMBER = re.compile(r"(?:数据|列|栏|字段|(?<![A-Za-z])[A-Za-z]++) ?\d{1,2}")   # linear under search too
MAX_NUMBER_CHARS = 200


class Token(NamedTuple):
    """One value slot of a row's text. Immutable; a NamedTuple rather than a frozen dataclass: a
    report makes hundreds of tokens and a frozen dataclass costs three times as much to build."""
    kind: str                 # EMPTY | VALUE | TEXT
    text: str                 # folded text of the token
    raw: str                  # the original text at the same place
    line: int                 # 0-based index into Document.lines
    start: int                # column in that line
    value_kind: str = ""      # for VALUE: number | dash | none
    tabbed: bool = True       # the token's line is a TAB-separated row
    unit: str = ""            # for VALUE: a unit printed right after it ("251000元"); raw then includes it

    @property
    def value(self) -> Decimal | None:
        if self.value_kind != "number":
            return None
        return DECIMALS[self.text]

    @property
    def is_digit_run(self) -> bool:
        """An unsigned integer of two or more digits: a candidate for being several cells run together."""
        return self.value_kind == "number" and len(self.text) > 1 and self.text.isdigit()


_new_object = object.__new__


def new_cell(address: str, kind: str, value: Decimal | None, raw: str, line: int | None, where: str | None,
             recovered: bool, read: str | None) -> Cell:
    """Cell(address, kind, value, raw, line, where, recovered, read): the same object — its fields set
    in the dataclass's order, so its __dict__ is the one __init__ makes — without calling the class
    (type call -> __init__ from C, a new interpreter frame: a third of a cell's cost; a report makes
    a couple of hundred cells). tests/test_parse_cells.py holds the fields' order to Cell's."""
    c = _new_object(Cell)
    c.address = address
    c.kind = kind
    c.value = value
    c.raw = raw
    c.line = line
    c.where = where
    c.recovered = recovered
    c.read = read
    return c


class _Decimals(dict):
    """text -> _decimal(text), filled on first use (emptied when full): `DECIMALS[text]` is a C dict
    lookup, where calling the lru_cache'd _decimal packs its argument into a tuple each time (the
    cell loops ask once per number cell: a couple of hundred times a report)."""

    def __missing__(self, text: str) -> Decimal | None:
        if len(self) >= _DECIMALS_MAX:
            self.clear()
        value = self[text] = _decimal(text)
        return value


_DECIMALS_MAX = 4096


@lru_cache(maxsize=4096)
def _decimal(text: str) -> Decimal | None:
    """Decimal of a number token's text (thousands commas dropped), None if it is none. Cached: a
    report's tables repeat the same few figures (0, 1, 2 …) and a token's value is asked for
    several times; Decimals are immutable, so sharing them is safe."""
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


DECIMALS = _Decimals()


def tokens_of_piece(folded: str, raw: str, line: int, start: int, tabbed: bool) -> list[Token]:
    """Tokens of one cell (or one slice of an untabbed line)."""
    stripped = folded.strip()
    if not stripped:
        return [_new(Token, (EMPTY, "", "", line, start, "", tabbed, ""))]
    if " " not in stripped:            # the common case: one word in the cell
        # (tested first: a value word — digits, a dash, 无 — is never a column name like 数据1)
        kind = word_kind(stripped)
        if kind:
            off = folded.index(stripped) if len(stripped) != len(folded) else 0
            return [_new(Token, (VALUE, stripped, raw[off:off + len(stripped)], line, start + off, kind, tabbed, ""))]
    if _NAME_WITH_NUMBER.fullmatch(stripped) and not _UNIT.fullmatch(stripped.rstrip("0123456789 ")):
        # a column name with a number (数据1, 列2, Column3): a converter's placeholder header, not a value
        off = folded.index(stripped)
        return [Token(TEXT, stripped, raw[off:off + len(stripped)], line, start + off, tabbed=tabbed)]
    out: list[Token] = []
    for w in _WORD.finditer(folded):
        word = w.group()
        ws = start + w.start()
        kind = word_kind(word)
        if kind:
            out.append(_new(Token, (VALUE, word, raw[w.start():w.end()], line, ws, kind, tabbed, "")))
            continue
        for p in _PIECES.finditer(word):
            piece = p.group()
            ps = ws + p.start()
            rs = w.start() + p.start()
            pk = word_kind(piece)
            if pk == "number":
                out.append(Token(VALUE, piece, raw[rs:rs + len(piece)], line, ps, pk, tabbed))
            elif _UNIT.fullmatch(piece) and out and out[-1].kind == VALUE and not out[-1].unit \
                    and ps - out[-1].start - len(out[-1].text) <= 1:
                # a unit right after a number (5 万元, 3件): kept on the value, whose raw now shows
                # both, so that the table can convert or refuse it (engine/parse/units.py); a unit
                # farther away stands in another column of column-laid text (pdftotext -layout:
                # "6        元" with the amount wrapped onto the next line) and is text
                prev = out.pop()
                r0 = prev.start - start
                out.append(prev._replace(unit=piece, raw=raw[r0:rs + len(piece)]))
            else:
                if out and out[-1].kind == TEXT and out[-1].start + len(out[-1].text) == ps:
                    prev = out.pop()
                    out.append(Token(TEXT, prev.text + piece, prev.raw + raw[rs:rs + len(piece)], line,
                                     prev.start, tabbed=tabbed))
                else:
                    out.append(Token(TEXT, piece, raw[rs:rs + len(piece)], line, ps, tabbed=tabbed))
    return out


def classify_word(word: str) -> str:
    """'number' | 'dash' | 'none' | '' (not a value). A digit string longer than MAX_NUMBER_CHARS
    is no figure anyone published (a whole row of values run together stays far below): it is
    text, so no value of thousands of digits reaches the arithmetic or the JSON output."""
    if _NUMBER.fullmatch(word):
        return "number" if len(word) <= MAX_NUMBER_CHARS else ""
    if _DASH.fullmatch(word):
        return "dash"
    if word == "无":
        return "none"
    return ""



_new = tuple.__new__          # Token(...) without the generated __new__'s Python frame: same tuple
_KINDS: dict[str, str] = {}   # classify_word of short words: a report's tables repeat the same few
_KINDS_MAX = 4096             # entries (emptied when full)
_KINDS_WORD = 24              # longer words are classified every time (kept out of the memo)


def word_kind(word: str) -> str:
    """classify_word(word), memoised for short words."""
    kind = _KINDS.get(word)
    if kind is None:
        kind = classify_word(word)
        if len(word) <= _KINDS_WORD:
            if len(_KINDS) >= _KINDS_MAX:
                _KINDS.clear()
            _KINDS[word] = kind
    return kind


def split_cells(folded: str, raw: str, c0: int, c1: int) -> list[tuple[int, str, str]]:
    """(column, folded, raw) of each TAB-separated cell of line[c0:c1]."""
    out = []
    pos = c0
    seg = folded[c0:c1]
    for part in seg.split("\t"):
        out.append((pos, part, raw[pos:pos + len(part)]))
        pos += len(part) + 1
    return out
