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

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from engine.model import Report
from engine.regex_cache import regex as cached_regex

PART_IDS = ("一", "二", "三", "四", "五", "六")

_HSPACE_CHARS = " \u00a0\u3000\u2002\u2003\u2009\u200b"
_HSPACE = cached_regex(f"[{_HSPACE_CHARS}]+")
_SENTENCE_END = "。！？!?"
_SOFT_END_OK = set("。！？!?；;：:")
# A sub-heading that stands on its own line: （一）…, (二)…, 一、…, 1.…, markdown #.
_SUBHEADING = cached_regex(
    r"^(#+|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．]|[-*•])")
_CLAUSE_BREAK = "，,；;。！？!?\n：:"
# the positions of these characters are found by one regex scan, not a loop over characters
_SENTENCE_END_RX = cached_regex("[" + re.escape(_SENTENCE_END + "\n") + "]")
_CLAUSE_BREAK_RX = cached_regex("[" + re.escape(_CLAUSE_BREAK) + "]")
# Book titles and quoted document names are citations, not statements: masked before matching.
_TITLE = cached_regex(r"《[^《》\n]{0,120}》|〈[^〈〉\n]{0,120}〉|<[^<>\n]{0,120}>")


_OTHER_HSPACE = tuple(_HSPACE_CHARS[1:])


def strip_spaces(text: str) -> str:
    """Remove horizontal whitespace, keeping one space between two digits.

    (What _HSPACE.sub gives with a function deciding each run from its neighbours, without the
    regex scan and one call per run: the other spaces become " " — a run stays a run — and the
    text is split on " "; the empty pieces are the inside of runs.)"""
    for c in _OTHER_HSPACE:
        if c in text:
            text = text.replace(c, " ")
    if " " not in text:
        return text
    out: list[str] = []
    digit = False           # the last kept character is a digit
    for piece in text.split(" "):
        if piece:
            if digit and piece[0].isdigit():
                out.append(" ")
            out.append(piece)
            digit = piece[-1].isdigit()
    return "".join(out)


_TITLE_PAIRS = (("《", "》"), ("〈", "〉"), ("<", ">"))
_TITLE_MAX = 120            # characters between the brackets (_TITLE's {0,120})


def mask_titles(text: str) -> str:
    """The same text with every 《…》/〈…〉/<…> citation replaced by spaces (offsets unchanged).

    What _TITLE.sub gives, found with str.find (a regex scan of the whole part cost more than
    the rest of its normalising): from each opening bracket, left to right, the first closing one
    within _TITLE_MAX characters, with no line break or other opening bracket of its kind between,
    makes a title; the search goes on after it (after the opening bracket when there is none)."""
    held = [pair for pair in _TITLE_PAIRS if pair[0] in text]
    if len(held) <= 1:          # brackets of one kind (the usual 《…》), or none
        return _mask_kind(text, text.find(held[0][0]), *held[0]) if held else text
    pieces: list[str] = []
    done = 0                # text[:done] is in pieces
    pos = 0
    nxt = [text.find(o) for o, _ in _TITLE_PAIRS]       # the next opening bracket of each kind
    while True:
        i = min((n for n in nxt if n >= 0), default=-1)
        if i < 0:
            break
        k = nxt.index(i)
        opening, closing = _TITLE_PAIRS[k]
        j = text.find(closing, i + 1, i + _TITLE_MAX + 2)
        if j >= 0 and "\n" not in text[i + 1:j] and opening not in text[i + 1:j]:
            pieces.append(text[done:i])
            pieces.append(" " * (j + 1 - i))
            done = pos = j + 1
        else:
            pos = i + 1
        for m, (o, _) in enumerate(_TITLE_PAIRS):
            if 0 <= nxt[m] < pos:
                nxt[m] = text.find(o, pos)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _mask_kind(text: str, i: int, opening: str, closing: str) -> str:
    """mask_titles of a text holding brackets of one kind only (the usual 《…》), its first
    opening bracket at `i`: the same rule, with no bookkeeping of the other kinds and no slices
    (the line break and the other opening bracket are looked for between the two brackets)."""
    find = text.find
    pieces: list[str] = []
    done = 0
    while i >= 0:
        j = find(closing, i + 1, i + _TITLE_MAX + 2)
        if j >= 0 and find("\n", i + 1, j) < 0:
            k = find(opening, i + 1, j)
            if k < 0:
                pieces.append(text[done:i])
                pieces.append(" " * (j + 1 - i))
                done = j + 1
                i = find(opening, done)
            else:
                i = k           # (the next opening bracket: find(opening, i + 1))
        else:
            i = find(opening, i + 1)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


@dataclass
class TextView:
    """One part's narrative text, normalised, with a source line for every character."""
    part: str
    text: str
    line_of: list[int | None] | None     # per character: source line number (1-based) or None;
                                         # None: found from `spans` when first asked (line_at)
    lines: list = field(default_factory=list, repr=False)   # Report.lines, for SourceLine.where
    fallback_line: int | None = None     # the part's heading line
    # (part_view) the kept lines: where each starts in `text` (its joining line break included),
    # its index among the part's local lines, and how to find those lines' source line numbers —
    # asked only for the few positions a fact quotes, so most parts never need them
    spans: "_LineSpans | None" = field(default=None, repr=False)
    masked: str = field(init=False, repr=False)
    # what the signals and figures judge once per view (e.g. a clause's polarity), keyed by them
    memo: dict = field(init=False, repr=False, default_factory=dict)
    # start string -> its places in `masked` (literals.finditer_at: shared by the patterns)
    places: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        # computed once: every match asks for its sentence, clause and the masked text
        text = self.text
        self.masked = mask_titles(text) if ("《" in text or "〈" in text or "<" in text) else text

    # a boundary before a position is searched for in the reversed text (made once, when a first
    # match asks for its sentence or clause): one short regex search per question, where a list
    # of every boundary of the part cost more than the few questions a part is asked
    @functools.cached_property
    def _reversed(self) -> str:
        return self.text[::-1]

    def _after_boundary(self, rx: re.Pattern, pos: int) -> int:
        """The first index after the last boundary (a character `rx` matches) before `pos`, or 0."""
        n = len(self.text)
        if pos <= 0:
            return 0
        m = rx.search(self._reversed, n - pos if pos < n else 0)
        return n - m.start() if m is not None else 0

    def _boundary_at(self, rx: re.Pattern, pos: int) -> int:
        """The index of the first boundary at or after `pos`, or the text's length."""
        m = rx.search(self.text, pos if pos > 0 else 0)
        return m.start() if m is not None else len(self.text)

    def line_at(self, pos: int) -> int | None:
        if self.line_of is None:
            line = self.spans.line_at(pos) if self.spans is not None and 0 <= pos < len(self.text) else None
            return line if line is not None else self.fallback_line
        if 0 <= pos < len(self.line_of) and self.line_of[pos] is not None:
            return self.line_of[pos]
        return self.fallback_line

    def where_at(self, pos: int) -> str | None:
        line = self.line_at(pos)
        if line is None:
            return None
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].where
        return f"第{line}行"

    def sentence_span(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around text[start:end] (bounded by 。！？ and paragraph breaks; the closing
        punctuation included)."""
        s = self._after_boundary(_SENTENCE_END_RX, start)
        e = self._boundary_at(_SENTENCE_END_RX, end)
        if e < len(self.text) and self.text[e] in _SENTENCE_END:
            e += 1
        return s, e

    def sentence(self, start: int, end: int, limit: int = 160) -> str:
        """The sentence around a match, cut to `limit` characters around the match if longer."""
        s, e = self.sentence_span(start, end)
        return self.sentence_in(start, end, s, e, limit)

    def sentence_in(self, start: int, end: int, s: int, e: int, limit: int = 160) -> str:
        """sentence(start, end, limit), given the sentence's span (s, e) = sentence_span(start, end)."""
        if e - s > limit:
            half = max(0, (limit - (end - start)) // 2)
            s2 = max(s, start - half)
            e2 = min(e, end + half)
            return ("…" if s2 > s else "") + self.text[s2:e2].strip() + ("…" if e2 < e else "")
        return self.text[s:e].strip()

    def clause_start(self, pos: int) -> int:
        """Start of the clause that holds position pos (after the previous ，；。 or line break)."""
        return self._after_boundary(_CLAUSE_BREAK_RX, pos)

    def clause_end(self, pos: int) -> int:
        """End of the clause that holds position pos-1 (the next ，；。 or line break, or the end)."""
        return self._boundary_at(_CLAUSE_BREAK_RX, pos)


def _compact(text: str) -> str:
    # str.split() and the regex \s use the same Unicode whitespace test; split is cheaper
    return "".join(text.split())


def _source_lines_for(report: Report, part_start: int | None, part_end: int | None,
                      local_lines: list[str], upto: int | None = None) -> list[int | None]:
    """Source line number of each local line of a part's text, found by content in the part's range.

    The parser keeps a part's text as its lines joined by "\\n", but a single physical line may hold
    several parts (crawled pages put a whole report on one line), so lines are matched by content,
    moving forward, never by arithmetic on offsets. Empty local lines get None.

    `upto`: only the local lines up to that index are matched (the later ones are left None): the
    search moves forward from the first line, so those are the numbers the whole search gives them.
    """
    result: list[int | None] = [None] * len(local_lines)
    if not report.lines:
        return result
    lo = max(1, part_start or 1)
    hi = min(len(report.lines), part_end or len(report.lines))
    compact_src: dict[int, str] = {}
    compacted: dict[str, str] = {}      # text -> _compact(text): a local line is usually its source line
    lines = report.lines
    cursor = lo
    for i, local in enumerate(local_lines if upto is None else local_lines[:upto + 1]):
        if not local:
            continue
        key = compacted.get(local)
        if key is None:
            key = compacted[local] = _compact(local)
        key = key[:40]
        if not key:
            continue
        for no in range(cursor, hi + 1):
            src = compact_src.get(no)
            if src is None:
                text = lines[no - 1].text
                src = compacted.get(text)
                if src is None:
                    src = compacted[text] = _compact(text)
                compact_src[no] = src
            if key in src:
                result[i] = no
                cursor = no
                break
    return result


class _LineSpans:
    """The source line of each character of a view, kept as the start of each kept line in the
    view's text (the line break joining it to the previous one included) and the local line it
    came from; the source line numbers of the local lines (_source_lines_for) are found on the
    first question. The same answers as a list with one entry per character (see part_view)."""
    __slots__ = ("starts", "index", "report", "first", "last", "raw_lines", "drop_rows", "_src", "_upto")

    def __init__(self, starts: list[int], index: list[int], report: Report, first: int | None,
                 last: int | None, raw_lines: list[str], drop_rows: bool = False):
        self.starts, self.index = starts, index
        self.report, self.first, self.last = report, first, last
        self.raw_lines, self.drop_rows = raw_lines, drop_rows
        self._src: list[int | None] | None = None
        self._upto = -1         # the local lines matched so far: 0.._upto (all: len(raw_lines))

    @property
    def local_lines(self) -> list[str]:
        """The part's lines, a table-grid row (TAB) blank when the view leaves them out."""
        if not self.drop_rows:
            return self.raw_lines
        return [ln if "\t" not in ln else "" for ln in self.raw_lines]

    def line_at(self, pos: int) -> int | None:
        """The source line of the character at `pos` (0 <= pos < the text's length)."""
        i = self.index[bisect_right(self.starts, pos) - 1]
        if i > self._upto:
            # the lines up to this one the first time (a part's first figure is asked for most
            # often, and rarely far down); every line when a later question goes further
            upto = i if self._src is None else None
            self._src = _source_lines_for(self.report, self.first, self.last, self.local_lines, upto)
            self._upto = i if upto is not None else len(self.raw_lines)
        return self._src[i]


def part_view(report: Report, part_id: str, keep_table_rows: bool = False) -> TextView | None:
    """The normalised narrative of one part, or None when the part is absent."""
    part = report.parts.get(part_id)
    if part is None or not part.present:
        return None
    raw = part.text
    raw_lines = raw.split("\n")
    drop_rows = not keep_table_rows and "\t" in raw
    # the local lines that can give text: not empty, not a table-grid row (the usual tables
    # part is mostly rows: they are not looked at again)
    if drop_rows:
        kept = [i for i, ln in enumerate(raw_lines) if ln and "\t" not in ln]
    else:
        kept = [i for i, ln in enumerate(raw_lines) if ln]
    # horizontal spaces removed from those lines at once: a run of them never spans a line
    # break, and a line's first (last) character has a line break or nothing before (after) it,
    # neither a digit, so each line comes out as strip_spaces(line) would give it
    if len(kept) == len(raw_lines):
        stripped = strip_spaces(raw).split("\n")
    else:
        stripped = strip_spaces("\n".join([raw_lines[i] for i in kept])).split("\n")
    pieces: list[str] = []      # the kept lines' texts and line breaks, joined once at the end
    starts: list[int] = []      # where each kept line starts in the text (its line break included)
    index: list[int] = []       # its position among the local lines
    pos = 0
    prev_soft = False   # previous kept line ended mid-sentence: join without a break
    for i, local in zip(kept, stripped):
        if not local:
            continue
        text = local.strip()
        if not text:
            continue    # blank lines are layout: seeds and PDFs put them inside sentences too
        starts.append(pos)
        index.append(i)
        if pieces and not prev_soft:
            pieces.append("\n")
            pos += 1
        pieces.append(text)
        pos += len(text)
        # joined to the next line when it ends mid-sentence and is not a sub-heading
        prev_soft = text[-1] not in _SOFT_END_OK and len(text) >= 8 and \
            not (len(text) <= 40 and "。" not in text and _SUBHEADING.match(text))
    return TextView(part=part_id, text="".join(pieces), line_of=None, lines=report.lines,
                    fallback_line=part.line_start,
                    spans=_LineSpans(starts, index, report, part.line_start, part.line_end, raw_lines, drop_rows))


# The views of the most recent reports: signals and figures of one report are computed by several
# extractors in a row, and normalising the parts is the costly step. Keyed by identity, and the
# report object itself is kept to make sure an id is never reused for another report.
_VIEW_CACHE: list[tuple[Report, dict[str, TextView]]] = []
_VIEW_CACHE_SIZE = 4


def _all_views(report: Report) -> dict[str, TextView]:
    for cached, views in _VIEW_CACHE:
        if cached is report:
            return views
    views = {}
    for pid in PART_IDS:
        view = part_view(report, pid)
        if view is not None:
            views[pid] = view
    _VIEW_CACHE.insert(0, (report, views))
    del _VIEW_CACHE[_VIEW_CACHE_SIZE:]
    return views


def part_views(report: Report, part_ids: list[str] | tuple[str, ...] | None = None) -> list[TextView]:
    """Views of the given parts (all six when None), absent parts skipped, in part order.

    Reports are not modified after parsing, so views are cached for the last few reports."""
    views = _all_views(report)
    if not part_ids:
        return list(views.values())         # (made in part order)
    return [views[pid] for pid in PART_IDS if pid in part_ids and pid in views]


def views_by_part(report: Report) -> dict[str, TextView]:
    """part id -> its view, for the parts present (part_views' views; shared: not to be changed)."""
    return _all_views(report)
