"""Normalisation of report text for MATCHING (never for evidence: the original text is kept).

`fold(text)` is length-preserving (one character in, one character out), so a position found in the
folded text is the same position in the original line. It maps:
- NFKC compatibility forms that are one character (full-width ０-９ Ａ-Ｚ （）：，． etc. → ASCII,
  ideographic space → space, circled digits → digits);
- the bracket, quote and dash variants real reports use to one form each (【〔［ → (, “”‘’「」 → ", …);
- 其它 → 其他.

`squeeze(text)` additionally removes all white space: what labels are compared on
("自 然 人" == "自然人", "结果 维持" == "结果维持").

`label_pattern(label)` builds a regex matching a label in folded text with any run of spaces between
its characters (but not TAB or line breaks: those separate cells).
"""
from __future__ import annotations

import re
import unicodedata

_EXPLICIT = {
    "【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")", "[": "(", "]": ")",
    "（": "(", "）": ")", "｛": "(", "｝": ")",
    "“": '"', "”": '"', "„": '"', "‟": '"', "「": '"', "」": '"', "『": '"', "』": '"',
    "‘": "'", "’": "'", "＂": '"', "＇": "'",
    "：": ":", "；": ";", "，": ",", "、": "、", "。": "。", "．": ".",
    "\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200b": " ",
    "\ufeff": " ", "\u202f": " ", "\u2007": " ", "\f": " ", "\v": " ",
    "－": "-", "﹣": "-", "‐": "-", "‑": "-", "—": "—", "–": "—", "―": "—", "─": "—", "━": "—",
    "／": "/", "∕": "/",
}


class _FoldTable(dict):
    """str.translate table computed lazily per character (NFKC when it yields ONE character)."""

    def __missing__(self, key: int) -> int:
        ch = chr(key)
        mapped = _EXPLICIT.get(ch)
        if mapped is None:
            if ch.isascii():
                mapped = ch
            else:
                nf = unicodedata.normalize("NFKC", ch)
                mapped = nf if len(nf) == 1 else ch
                mapped = _EXPLICIT.get(mapped, mapped)
        self[key] = ord(mapped)
        return self[key]


_TABLE = _FoldTable()
_WS = re.compile(r"\s+")


# Characters fold() leaves as they are, named so that a text is not translated character by character
# (str.translate costs ~50 ns per non-ASCII character; a line of 20 is folded in half the time the
# way _fold_long does it, a report's text in a fifth): the ASCII ones that map to
# themselves, the CJK Unified Ideographs (no decomposition in Unicode: tests/test_parse_fold.py
# checks every one) and the CJK punctuation reports use most that no rule maps.
_SAME = "".join(re.escape(chr(i)) for i in range(128) if chr(i) not in _EXPLICIT) + "\u4e00-\u9fff、。《》"
_OTHER = re.compile(f"[^{_SAME}]")


def fold(text: str) -> str:
    """Length-preserving normalisation for matching (see module docstring)."""
    out = text.translate(_TABLE) if text.isascii() else _fold_long(text)
    if "其它" in out:
        out = out.replace("其它", "其他")
    return out


def _fold_long(text: str) -> str:
    """text.translate(_TABLE) by replacing each distinct character that folds to another (a report
    has a dozen: ，（）：“” …). Same result: every character is mapped on its own, and what one maps
    to is checked to map to itself, so no replacement is replaced again.

    The characters to replace are found by running over the characters that stay (_kept_run(): a
    possessive run of one character set, a tight loop inside the regex engine) and stopping at the
    next one that does not: each distinct character is looked at once, as all its occurrences are
    replaced at once (a search for any such character, or finding them all, tries the pattern at
    every position: several times slower)."""
    run = _KEPT_RUN or _kept_run()
    out = text
    end = len(text)
    pos = run(out).end()
    stops = 0
    while pos < end:
        ch = out[pos]
        code = _TABLE[ord(ch)]
        if code != ord(ch):
            if _TABLE[code] != code:
                return text.translate(_TABLE)
            out = out.replace(ch, chr(code))     # one for one: positions stay
        stops += 1
        if stops > _MAX_STOPS:
            return _fold_distinct(text)          # many characters outside the kept set
        pos = run(out, pos + 1).end()
    return out


def _fold_distinct(text: str) -> str:
    """_fold_long by finding every character outside _SAME first (a text of many characters the
    kept set does not list: a stop for each of them would cost more)."""
    out = text
    for ch in set(_OTHER.findall(text)):
        code = _TABLE[ord(ch)]
        if code == ord(ch):
            continue
        if _TABLE[code] != code:
            return text.translate(_TABLE)
        out = out.replace(ch, chr(code))
    return out


_MAX_STOPS = 48
# Blocks whose characters that fold() leaves as they are join _SAME in the kept set: Latin, general
# punctuation, letter-like symbols and arrows, box drawing and shapes (○ is a zero), CJK punctuation,
# the full-width forms — what reports write besides the CJK ideographs
_KEPT_BLOCKS = ((0x80, 0x250), (0x2000, 0x2070), (0x2100, 0x2200), (0x2500, 0x2600), (0x3000, 0x3040),
                (0xFE30, 0xFE50), (0xFF00, 0xFFF0))
_KEPT_RUN = None


def _kept_run():
    """The kept set's run pattern's match method, built on first use (it folds ~2,000 characters)."""
    global _KEPT_RUN
    kept = "".join(re.escape(chr(c)) for lo, hi in _KEPT_BLOCKS for c in range(lo, hi) if _TABLE[c] == c)
    _KEPT_RUN = re.compile(f"[{_SAME}{kept}]*+").match
    return _KEPT_RUN


def squeeze(text: str) -> str:
    """fold() with every white-space character removed: the form labels are compared in."""
    return _WS.sub("", fold(text))


_OPTIONAL = {'"', "'"}      # quotes: 危及“三安全一稳定” is also written without them


def label_pattern(label: str, *, gap: str = r"[ ]*+") -> str:
    """Regex source matching `label` (any spelling fold() unifies) with `gap` between characters.

    The gap is possessive: a label character is never a space, so handing spaces back could never
    help a match, and an optional quote between two gaps would otherwise make a long run of spaces
    quadratic."""
    chars = [c for c in squeeze(label)]
    return gap.join(f"{re.escape(c)}?" if c in _OPTIONAL else re.escape(c) for c in chars)


_MD_ROW = re.compile(r"^[ ]*\|.*\|[ ]*$")
# A page number line a PDF or its text copy leaves between a label and its values: "-3-", "— 3 —",
# "- 12 -", "第 3 页", "3 / 6", "第3页 共6页" (after fold(): dashes are "-" or "—").
_PAGE_NUMBER = re.compile(r"^[ ]*(?:[-—]+[ ]*\d{1,3}[ ]*[-—]+|第[ ]*\d{1,3}[ ]*页(?:[ ]*[,，]?[ ]*共[ ]*\d{1,3}[ ]*页)?"
                          r"|\d{1,3}[ ]*/[ ]*\d{1,3})[ ]*$")


# The same two line patterns searched in a text of many lines: a line after a line break ("\n" in place of
# "^": a pattern starting with a literal is searched for it, not tried at every position; MULTILINE: "$"
# before a line break). Neither pattern matches a line break inside.
PAGE_NUMBER_AFTER_BREAK = re.compile("\n" + _PAGE_NUMBER.pattern.removeprefix("^"), re.MULTILINE)
MD_ROW_AFTER_BREAK = re.compile("\n" + _MD_ROW.pattern.removeprefix("^"), re.MULTILINE)


def is_page_number(folded: str) -> bool:
    """The line is nothing but a page number (see _PAGE_NUMBER)."""
    return _PAGE_NUMBER.match(folded) is not None


def markdown_row_as_tabs(folded: str) -> str:
    """A markdown table row "| 规章 | 0 | 0 |" as a TAB row (length-preserving): the outer pipes become
    spaces and the inner ones TABs, so markdown tables read like any other grid."""
    if "|" not in folded or not _MD_ROW.match(folded):
        return folded
    first = folded.index("|")
    last = folded.rindex("|")
    inner = folded[first + 1:last].replace("|", "\t")
    return f"{folded[:first]} {inner} {folded[last + 1:]}"
