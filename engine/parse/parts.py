"""Finding the six parts 一…六 by meaning.

A part heading is the part's Chinese numeral followed by 、 (or . / space) and words that carry the
part's meaning (engine/template.PART_TITLES and the variants real reports use). Two ways to find one:

1. At the start of a line (after markdown #'s and spaces): the numeral and, within the heading's first
   characters, a keyword of the part (四: 复议/诉讼, 六: 其他/需要报告 …). This takes headings with
   variants and typos ("行政法复议", "其它需要报告事项", "因政府信息公开工作被申请行政复议、提起行政诉讼情况").
   A sub-heading "（一）…" / "(五) 监督保障方面" never qualifies: its numeral is in brackets.
   "四、结转下年度继续办理" (a row of the requests table) carries no keyword of part 四, so it is a row.
2. Anywhere inside a line — for texts whose body is flattened into one long line (pingtan) — the
   numeral followed by a full title variant ("二、主动公开政府信息情况"). Only used for a part that has
   no line-start heading after the previous part.

Parts must appear in order: each is searched after the previous one found. A missing part stays
present=False. A Part's line range runs from its heading line to the line before the next heading
(the same line when the text is flattened), and its text is the exact text segment in between.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from dataclasses import dataclass
from typing import NamedTuple

from engine.model import Part, SourceLine
from engine.parse.normalize import (MD_ROW_AFTER_BREAK as _MD_ROW_AFTER_BREAK,
                                    PAGE_NUMBER_AFTER_BREAK as _PAGE_NUMBER_AFTER_BREAK, fold,
                                    is_page_number, label_pattern, markdown_row_as_tabs)
from engine.template import PART_IDS

_NUMERAL = {"一": "一", "二": "二", "三": "三", "四": "四", "五": "五", "六": "六"}

# Keywords that must occur within the first characters of a line-start heading.
_KEYWORDS = {
    "一": ("总体情况", "总体概述", "概述", "基本情况", "总体"),
    "二": ("主动公开",),
    "三": ("收到和处理", "依申请公开", "公开申请", "申请情况", "处理政府信息"),
    "四": ("复议", "诉讼"),
    "五": ("问题", "改进", "不足"),
    "六": ("其他需要", "需要报告", "其他事项", "其他需报告"),
}
_KEYWORD_RX = {pid: re.compile("|".join(map(re.escape, words))) for pid, words in _KEYWORDS.items()}
_KEYWORD_WINDOW = 24       # heading characters (spaces removed) in which a keyword must start
_SHORT_HEADING = 60        # a line-start heading longer than this continues with body text

# Full title variants for headings found inside a flattened line.
_TITLE_VARIANTS = {
    "一": ("总体情况", "总体概述"),
    "二": ("主动公开政府信息情况", "主动公开政府信息"),
    "三": ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请"),
    "四": ("政府信息公开行政复议、行政诉讼情况", "政府信息公开行政法复议、行政诉讼情况",
          "因政府信息公开工作被申请行政复议、提起行政诉讼情况", "政府信息公开行政复议、行政诉讼",
          "因政府信息公开工作被申请行政复议和提起行政诉讼情况"),
    "五": ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况", "存在的主要问题和改进情况",
          "主要问题及改进情况"),
    "六": ("其他需要报告的事项", "其他需要报告事项"),
}

# Possessive runs (*+, ++): a run of blanks is taken whole, never handed back piecemeal to the next
# blank run — a line of 40,000 tabs is one linear pass instead of a cubic backtrack.
_LINE_START = re.compile(r"^[ \t]*+(?:#++[ \t]*+)?(?:\*\*)?[ \t]*+(?P<di>第[ \t]*+)?(?P<num>[一二三四五六])"
                         r"(?:[ \t]*+(?:部分[ \t]*+[、.,:]?|[、.,:])|[ \t]++)[ \t]*+(?P<rest>.*)$")


# _LINE_START after the line break before the line (\n for ^; "$" before the next line break)
_LINE_START_AFTER_BREAK = re.compile("\n" + _LINE_START.pattern.removeprefix("^"), re.MULTILINE)
# ... without its rest: what stands before the rest matches where _LINE_START does, and the rest is
# then the rest of the line (".*" takes all of it, and "$" follows: a line holds no line break) — cut
# from the line, not run over by the regex engine (a table row starting with a numeral goes on for
# hundreds of characters)
_LINE_HEAD_AFTER_BREAK = re.compile(_LINE_START_AFTER_BREAK.pattern.removesuffix("(?P<rest>.*)$"))
# What every line _LINE_START matches starts with: the marks and blanks it may take before the numeral
# (a possessive run of them stops where its numeral stands), then the numeral. Searched for first, it
# is tried at each line break in a fraction of the time the whole pattern takes to fail there (a
# report has hundreds of lines, a dozen of them starting with a numeral); the whole pattern is then
# matched at those line breaks only.
_LINE_START_HINT = re.compile(r"\n[ \t#*第]*+[一二三四五六]")


def _title_regex(pid: str) -> re.Pattern[str]:
    variants = sorted(_TITLE_VARIANTS[pid], key=len, reverse=True)
    alts = "|".join(label_pattern(v) for v in variants)
    return re.compile(rf"{pid}[ ]*+[、.][ ]*+(?:{alts})")


_TITLE_RES = {pid: _title_regex(pid) for pid in PART_IDS}
_SPACES = re.compile(r"\s+")


class Heading(NamedTuple):
    """A part heading found (a NamedTuple: made by tuple.__new__, not a frozen dataclass's five
    object.__setattr__ calls — a report has a dozen candidates)."""
    pid: str
    line_index: int      # 0-based index into the document lines
    start: int           # column of the heading's first character (in the line)
    end: int             # column after the heading
    at_line_start: bool


def find_headings(folded: list[str], lines: list[SourceLine] | None = None, *, whole: str | None = None,
                  enough: str | None = None) -> dict[str, Heading]:
    """The heading of each part found, in document order (read from the folded lines alone: `lines`
    is not needed). whole: "\n".join(folded) when the caller
    has it (FoldedText.folded_whole). enough: a part id — the search stops once that part was
    looked for and some heading was found (the probe asks only where the first heading is and
    whether part 二's is found: the later parts' searches cannot change those answers)."""
    text = _Joined(folded, whole)
    line_start = _line_start_candidates(folded, text)
    # Headings on their own lines for most parts: the text is laid out in lines, and a numbered list
    # inside a long paragraph ("本报告包括：一、总体情况；二、主动公开政府信息情况…") is not a heading.
    line_mode = len(line_start) >= 3
    found: dict[str, Heading] = {}
    pos = (-1, -1)
    stop = False
    for pid in PART_IDS:
        if stop and found:
            break
        stop = stop or pid == enough
        cand = next((h for h in line_start.get(pid, ()) if (h.line_index, h.start) > pos), None)
        inline = None if (line_mode and cand is not None) else _inline_candidate(pid, folded, text, pos)
        if cand is None or (inline is not None and (inline.line_index, inline.start) < (cand.line_index, cand.start)
                            and _is_flattened(folded[inline.line_index])):
            cand = inline
        if cand is None:
            continue
        found[pid] = cand
        pos = (cand.line_index, cand.start)
    return found


def _is_flattened(line: str) -> bool:
    return len(line) > 300


_PLUS_ONE = (1).__add__


class _Joined:
    """The folded lines joined by line breaks, when they hold none of their own (whole is None
    otherwise): the patterns that find headings never match a line break, so they are searched in
    the whole text at once — skipping from one line (or one numeral) to the next inside the regex
    engine instead of trying each of hundreds of lines — and a match's offset is turned back into
    (line, column)."""

    def __init__(self, folded: list[str], whole: str | None = None):
        if whole is None:
            whole = "\n".join(folded)
            whole = whole if folded and whole.count("\n") == len(folded) - 1 else None
        self.whole = whole
        self.folded = folded
        self._starts: list[int] | None = None

    def offset(self, line: int) -> int:
        return self.starts[line]

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            # each line starts one past the previous line's end (the whole text holds no other
            # line break): the lengths summed in C, not a find() per line
            starts = list(accumulate(map(_PLUS_ONE, map(len, self.folded)), initial=0))
            starts.pop()
            self._starts = starts
        return self._starts


def _line_start_candidates(folded: list[str], text: _Joined) -> dict[str, list[Heading]]:
    out: dict[str, list[Heading]] = {}
    for i, line, m in _line_starts(folded, text):
        pid = m.group("num")
        rest = line[m.end() - m.start() - 1:]
        # (no white space to remove, as a rule: a printable text without " " holds none — every other
        # white-space character is a control or a separator, which are not printable)
        if " " in rest or not rest.isprintable():
            rest = _squeezed_head(rest)
        # a keyword starting within the window: the leftmost of them all found (search(), not
        # str.find per keyword: the same answer, one call)
        k = _KEYWORD_RX[pid].search(rest, 0, _KEYWORD_WINDOW + 6)
        if k is None or k.start() > _KEYWORD_WINDOW:
            continue
        start = (m.start("di") if m.group("di") else m.start("num")) - m.start() - 1
        end = len(line.rstrip())
        if len(rest) > _SHORT_HEADING:
            tm = _TITLE_RES[pid].match(line, start)
            if not tm:
                continue          # a long paragraph that starts with a numeral: not a heading
            end = tm.end()
        out.setdefault(pid, []).append(Heading(pid, i, start, end, True))
    return out


# what of a heading's rest, white space removed, _line_start_candidates reads: the keyword window and
# whether it is longer than _SHORT_HEADING (a table row starting with a numeral — "三、本年度办理结果",
# then its cells — is hundreds of characters of TABs and values)
_REST_READ = max(_KEYWORD_WINDOW + 6, _SHORT_HEADING + 1)
_REST_HEAD = _REST_READ + 8


def _squeezed_head(rest: str) -> str:
    """The rest without its white space (_SPACES.sub("", rest)) as far as _line_start_candidates
    reads it: its first _REST_READ characters (the same as the whole one's, white space being
    removed character by character) — the whole of it when it is shorter."""
    if len(rest) > _REST_HEAD:
        head = _SPACES.sub("", rest[:_REST_HEAD])
        if len(head) >= _REST_READ:
            return head
    return _SPACES.sub("", rest)


def _line_starts(folded: list[str], text: _Joined):
    """(index, line, match) of every line _LINE_START matches, the match (_LINE_HEAD_AFTER_BREAK's: up
    to its rest, which is the rest of the line from the match's end) with its positions counted from
    the line's start minus one (the line break before it)."""
    if text.whole is None:
        for i, line in enumerate(folded):
            m = _LINE_HEAD_AFTER_BREAK.match("\n" + line)
            if m:
                yield i, line, m
        return
    whole = "\n" + text.whole
    line, at = 0, 0
    match = _LINE_HEAD_AFTER_BREAK.match
    for hint in _LINE_START_HINT.finditer(whole):
        m = match(whole, hint.start())
        if m is None:
            continue
        line += whole.count("\n", at, m.start() + 1)
        at = m.start() + 1
        yield line - 1, folded[line - 1], m


def _inline_candidate(pid: str, folded: list[str], text: _Joined, after: tuple[int, int]) -> Heading | None:
    """The first full title of the part after position `after` (line, column), anywhere in a line."""
    rx = _TITLE_RES[pid]
    if text.whole is not None:
        m = rx.search(text.whole, 0 if after[0] < 0 else text.offset(after[0]) + after[1] + 1)
        if m is None:
            return None
        i = text.line_of(m.start())
        return Heading(pid, i, m.start() - text.offset(i), m.end() - text.offset(i), False)
    first = max(after[0], 0)
    for i in range(first, len(folded)):
        line = folded[i]
        if pid not in line:
            continue
        m = rx.search(line, after[1] + 1 if i == after[0] else 0)
        if m:
            return Heading(pid, i, m.start(), m.end(), False)
    return None


def build_parts(headings: dict[str, Heading], lines: list[SourceLine],
                texts: list[str] | None = None) -> dict[str, Part]:
    """Part objects (all six) with heading as written, line range and body text (`texts`: every
    line's text, when the caller has them)."""
    ordered = sorted(headings.values(), key=_position)
    if ordered and texts is None:
        texts = [ln.text for ln in lines]
    found: dict[str, Part] = {}
    for k, h in enumerate(ordered):
        raw_line = texts[h.line_index]
        heading = raw_line[h.start:h.end].strip().strip("*").strip()
        end_line, end_col, last = _bounds(ordered, k, texts)
        body = _segment(texts, h.line_index, h.end, end_line, end_col)
        found[h.pid] = Part(id=h.pid, present=True, heading=heading, line_start=lines[h.line_index].no,
                            line_end=lines[last].no, text=body.strip())
    return {pid: found.get(pid) or Part(id=pid, present=False) for pid in PART_IDS}


def _position(h: Heading) -> tuple[int, int]:
    return h.line_index, h.start


def _bounds(ordered: list[Heading], k: int, texts: list[str]) -> tuple[int, int | None, int]:
    """Where the body of the part under ordered[k] ends (line, column: None = end of line) and its
    last non-blank line."""
    h = ordered[k]
    nxt = ordered[k + 1] if k + 1 < len(ordered) else None
    if nxt is None:
        end_line, end_col = len(texts) - 1, None
    else:
        end_line, end_col = nxt.line_index, nxt.start
        if not texts[end_line][:end_col].strip(" \t#*"):
            end_col = 0           # markdown marks of the next heading are not this part's text
    if nxt is not None and end_col == 0 and end_line > h.line_index:
        last = end_line - 1           # next heading starts its own line
    else:
        last = end_line
    while last > h.line_index and not texts[last].strip():
        last -= 1
    return end_line, end_col, last


def folded_part_text(headings: dict[str, Heading], texts: list[str], pure: list[str], pid: str) -> str:
    """fold() of build_parts' text of part `pid` ("" when not found), cut from the folded lines
    `pure` (fold() of each text) instead of folded again: fold() maps one character to one, so the
    body's positions are the same in both; the ends are stripped where the original text is (fold()
    makes some characters spaces that str.strip keeps); and a "其它" never spans the body's ends (it
    starts after the heading's last character, a title word's or a line's end, and stops before the
    next heading's numeral or a line break)."""
    h = headings.get(pid)
    if h is None:
        return ""
    ordered = sorted(headings.values(), key=_position)
    end_line, end_col, _ = _bounds(ordered, ordered.index(h), texts)
    body = _segment(texts, h.line_index, h.end, end_line, end_col)
    kept = body.strip()
    if not kept:
        return ""
    lead = len(body) - len(body.lstrip())
    return _segment(pure, h.line_index, h.end, end_line, end_col)[lead:lead + len(kept)]


def segment_text(lines: list[SourceLine], l0: int, c0: int, l1: int, c1: int | None) -> str:
    """Original text from (line l0, column c0) to (line l1, column c1) — c1 None = end of line."""
    return _segment([ln.text for ln in lines[l0:l1 + 1]], 0, c0, l1 - l0, c1)


def _segment(texts: list[str], l0: int, c0: int, l1: int, c1: int | None) -> str:
    """segment_text of the lines' texts."""
    if l0 == l1:
        return texts[l0][c0:c1]
    return "\n".join([texts[l0][c0:], *texts[l0 + 1:l1], texts[l1][:c1]])


def fold_lines(lines: list[SourceLine]) -> list[str]:
    """Folded text of every line (same length as the original: positions stay valid)."""
    return fold_texts(lines)[1]


def fold_texts(lines: list[SourceLine]) -> tuple[list[str], list[str]]:
    """(fold() of every line's text, the folded lines the parser reads): in the second, a page number
    line is blanked (same length: it must not read as a value between a label and the values that
    continue after the page break) and a markdown table row is a TAB row."""
    f = fold_document([ln.text for ln in lines])
    return f.pure, f.folded


@dataclass(frozen=True)
class FoldedText:
    """fold_texts' two lists, and each joined by line breaks when the lines hold none of their own
    (None otherwise): the whole texts the heading and metadata searches read, made once."""
    pure: list[str]
    folded: list[str]
    whole: str | None            # "\n".join(pure)
    folded_whole: str | None     # "\n".join(folded)


def fold_document(texts: list[str], joined: str | None = None) -> FoldedText:
    """fold_texts of the lines' texts (`joined`: "\n".join(texts) when the caller has it, e.g. the
    text reader's text)."""
    if joined is None:
        joined = "\n".join(texts)
    if not texts or joined.count("\n") != len(texts) - 1:
        pure = [fold(t) for t in texts]
        return FoldedText(pure, [" " * len(f) if is_page_number(f) else markdown_row_as_tabs(f) for f in pure],
                          None, None)
    # fold() of the lines folded as one text (one pass instead of one per line): the lines hold no
    # line break of their own, and fold() maps characters one to one and never makes or takes away
    # a line break, nor a "其它" across one
    whole = fold(joined)
    pure = whole.split("\n")
    folded = list(pure)
    changed = False
    # the page number lines and markdown rows found in the whole text, not tried line by line (a
    # report has a few of them among hundreds of lines)
    for i in _lines_after_break(_PAGE_NUMBER_AFTER_BREAK, whole, pure, _PAGE_NUMBER_HINT):
        folded[i] = " " * len(pure[i])
        changed = True
    if "|" in whole:
        for i in _lines_after_break(_MD_ROW_AFTER_BREAK, whole, pure, _MD_ROW_HINT):
            if not is_page_number(pure[i]):
                folded[i] = markdown_row_as_tabs(pure[i])
                changed = True
    return FoldedText(pure, folded, whole, "\n".join(folded) if changed else whole)


# What the lines of the page number and markdown row patterns start with after their line break
# (_LINE_START_HINT's reason): the blanks they may take, then the first character they match.
_PAGE_NUMBER_HINT = re.compile(r"\n *+[-—第\d]")
_MD_ROW_HINT = re.compile(r"\n *+\|")


def _lines_after_break(rx: re.Pattern[str], whole: str, pure: list[str], hint: re.Pattern[str]):
    """Indexes of the lines of `whole` (its lines: `pure`) that `rx` (a line's pattern after "\n")
    matches, tried only where `hint` (what every line rx matches starts with, from its line break)
    is found; the first line is tried on its own."""
    if rx.match("\n" + pure[0]):
        yield 0
    line, counted = 0, 0           # line breaks counted up to `counted`: each stretch of text once
    match = rx.match
    for h in hint.finditer(whole):
        m = match(whole, h.start())
        if m is None:
            continue
        line += whole.count("\n", counted, m.start() + 1)
        counted = m.start() + 1
        yield line
