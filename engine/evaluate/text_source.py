"""Narrative text of a report's parts, normalised for phrase matching, with a way back to the source.

Shared by the text signals (signals.py) and the narrative figures (narrative.py).

What normalisation does, and why:
- horizontal whitespace is removed ("2024 年" reads "2024年", "结果 维持" reads "结果维持"): Chinese
  text has no word spaces, and extraction from PDF/DOCX scatters them; a space between two digits is
  kept so that two numbers never run into one;
- a line that ends without sentence punctuation and is not a sub-heading is joined to the next one
  (PDF and text extraction wrap sentences mid-word: "答\\n复 3050 件");
- lines holding a TAB are table-grid rows (see model.SourceLine), not narrative: they are dropped;
- every character keeps the source line it came from, so a match gives a line number, the source's
  own location (SourceLine.where) and the sentence it sits in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.model import Report

PART_IDS = ("一", "二", "三", "四", "五", "六")

_HSPACE = re.compile(r"[ \u00a0\u3000\u2002\u2003\u2009\u200b]+")
_SENTENCE_END = "。！？!?"
_SOFT_END_OK = set("。！？!?；;：:")
# A sub-heading that stands on its own line: （一）…, (二)…, 一、…, 1.…, markdown #.
_SUBHEADING = re.compile(
    r"^(#+|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．]|[-*•])")
_CLAUSE_BREAK = "，,；;。！？!?\n：:"
# Book titles and quoted document names are citations, not statements: masked before matching.
_TITLE = re.compile(r"《[^《》\n]{0,120}》|〈[^〈〉\n]{0,120}〉|<[^<>\n]{0,120}>")


def strip_spaces(text: str) -> str:
    """Remove horizontal whitespace, keeping one space between two digits."""
    def repl(m: re.Match) -> str:
        s, e = m.start(), m.end()
        before = text[s - 1] if s > 0 else ""
        after = text[e] if e < len(text) else ""
        return " " if before.isdigit() and after.isdigit() else ""
    return _HSPACE.sub(repl, text)


def mask_titles(text: str) -> str:
    """The same text with every 《…》/〈…〉/<…> citation replaced by spaces (offsets unchanged)."""
    return _TITLE.sub(lambda m: " " * len(m.group(0)), text)


@dataclass
class TextView:
    """One part's narrative text, normalised, with a source line for every character."""
    part: str
    text: str
    line_of: list[int | None]            # per character: source line number (1-based) or None
    where_of_line: dict[int, str] = field(default_factory=dict)
    fallback_line: int | None = None     # the part's heading line

    @property
    def masked(self) -> str:
        return mask_titles(self.text)

    def line_at(self, pos: int) -> int | None:
        if 0 <= pos < len(self.line_of) and self.line_of[pos] is not None:
            return self.line_of[pos]
        return self.fallback_line

    def where_at(self, pos: int) -> str | None:
        line = self.line_at(pos)
        if line is None:
            return None
        return self.where_of_line.get(line) or f"第{line}行"

    def sentence_span(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around text[start:end] (bounded by 。！？ and paragraph breaks)."""
        s = start
        while s > 0 and self.text[s - 1] not in _SENTENCE_END and self.text[s - 1] != "\n":
            s -= 1
        e = end
        while e < len(self.text) and self.text[e] not in _SENTENCE_END and self.text[e] != "\n":
            e += 1
        if e < len(self.text) and self.text[e] in _SENTENCE_END:
            e += 1
        return s, e

    def sentence(self, start: int, end: int, limit: int = 160) -> str:
        """The sentence around a match, cut to `limit` characters around the match if longer."""
        s, e = self.sentence_span(start, end)
        if e - s > limit:
            half = max(0, (limit - (end - start)) // 2)
            s2 = max(s, start - half)
            e2 = min(e, end + half)
            return ("…" if s2 > s else "") + self.text[s2:e2].strip() + ("…" if e2 < e else "")
        return self.text[s:e].strip()

    def clause_start(self, pos: int) -> int:
        """Start of the clause that holds position pos (after the previous ，；。 or line break)."""
        s = pos
        while s > 0 and self.text[s - 1] not in _CLAUSE_BREAK:
            s -= 1
        return s

    def clause_end(self, pos: int) -> int:
        e = pos
        while e < len(self.text) and self.text[e] not in _CLAUSE_BREAK:
            e += 1
        return e


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _source_lines_for(report: Report, part_start: int | None, part_end: int | None,
                      local_lines: list[str]) -> list[int | None]:
    """Source line number of each local line of a part's text, found by content in the part's range.

    The parser keeps a part's text as its lines joined by "\\n", but a single physical line may hold
    several parts (crawled pages put a whole report on one line), so lines are matched by content,
    moving forward, never by arithmetic on offsets.
    """
    result: list[int | None] = [None] * len(local_lines)
    if not report.lines:
        return result
    lo = max(1, part_start or 1)
    hi = min(len(report.lines), part_end or len(report.lines))
    compact_src = {no: _compact(report.lines[no - 1].text) for no in range(lo, hi + 1)}
    cursor = lo
    for i, local in enumerate(local_lines):
        key = _compact(local)[:40]
        if not key:
            continue
        for no in range(cursor, hi + 1):
            if key in compact_src[no]:
                result[i] = no
                cursor = no
                break
    return result


def part_view(report: Report, part_id: str, keep_table_rows: bool = False) -> TextView | None:
    """The normalised narrative of one part, or None when the part is absent."""
    part = report.parts.get(part_id)
    if part is None or not part.present:
        return None
    local_lines = part.text.split("\n")
    src = _source_lines_for(report, part.line_start, part.line_end, local_lines)
    chars: list[str] = []
    line_of: list[int | None] = []
    prev_soft = False   # previous kept line ended mid-sentence: join without a break
    for local, line_no in zip(local_lines, src):
        if not keep_table_rows and "\t" in local:
            continue
        text = strip_spaces(local).strip()
        if not text:
            continue    # blank lines are layout: seeds and PDFs put them inside sentences too
        if chars:
            if not prev_soft:
                chars.append("\n")
                line_of.append(line_no)
        chars.extend(text)
        line_of.extend([line_no] * len(text))
        is_heading = bool(_SUBHEADING.match(text)) and len(text) <= 40 and "。" not in text
        prev_soft = not is_heading and text[-1] not in _SOFT_END_OK and len(text) >= 8
    wheres = {ln.no: ln.where for ln in report.lines} if report.lines else {}
    return TextView(part=part_id, text="".join(chars), line_of=line_of, where_of_line=wheres,
                    fallback_line=part.line_start)


def part_views(report: Report, part_ids: list[str] | tuple[str, ...] | None = None) -> list[TextView]:
    """Views of the given parts (all six when None), absent parts skipped, in part order."""
    ids = part_ids or PART_IDS
    views = []
    for pid in PART_IDS:
        if pid in ids:
            view = part_view(report, pid)
            if view is not None:
                views.append(view)
    return views
