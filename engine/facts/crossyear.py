"""Cross-year facts: a report held against the same body's report of the year before.

Everything here is pure computation on two `Report`s (this year's and last year's); the fact
extractor engine/facts/extractors/crossyear.py turns the results into flat `xy_*` verdict facts
of its computed checks (previous_carryover, previous_valid_count, previous_problems_answered,
similar_to_previous, same_year_duplicate), which the YAML rules in rules/crossyear.yaml
(XXGK-X701…X705) name.
Which report is "last year's" is decided by engine/parse/agency.py (group_reports).

What is compared, and when (docs/template.md, Relations 6–8):

- Relation 6, carry-over (`carryover_rows`): for every column of `applications`, this year's row 二
  (上年结转) must equal last year's row 四 (结转下年度继续办理). Rows 二 and 四 and the seven applicant
  columns are the same in the 2019 and the 2021 formats, so the comparison also runs across the
  2020→2021 template change.
- Relation 7, continuity (`continuity_rows`): for `active.item1` each row, 现行有效件数 = last year's
  现行有效件数 + 本年制发件数 − 本年废止件数. Only when BOTH reports use the 2021 `active` table: the 2019
  columns (本年新制作数量 / 本年新公开数量 / 对外公开总数量) count something else (documents made and
  published, no repeals) and the row names differ (规范性文件 vs 行政规范性文件), so 2020→2021 and
  2019→2020 are suspended — no result at all (the rule says so in `applies`: templates and
  previous_templates ["2021"]). docs/template.md states Relation 7 for the 2021 columns only; no
  2019↔2019 relation is invented here.
- Relation 8, problems answered (`problem_matches`): last year's part 五 is cut into the problems it
  names (一是…二是…, （一）…, or sentences carrying a problem word) — only the problem section, not the
  improvement measures — and each problem's keywords (jieba precise mode, generic words removed) are
  looked for in this year's whole report except its own list of problems (`answer_text`; as
  substrings, so 解读 is found in 政策解读). The largest share of a problem's keywords that one
  sentence of that text carries together is its score; the
  threshold lives in the rule, and the rule makes ONE finding listing the problems left unanswered.
- Copy detection (`part_similarities`): per narrative part, the Jaccard similarity of character
  4-gram shingles after masking every number and dropping punctuation (so a copy with the dates
  changed scores 1.0).

Unknown inputs are never guessed: a comparison whose cell is not a stated number carries
`known = False` and the names of the unknown cells, and the rule reports it as not assessable.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from engine.model import Cell, Report, decimal_to_json
from engine.regex_cache import regex as cached_regex
from engine.template import ACTIVE_ITEMS, APPLICANT_COLUMNS

# --------------------------------------------------------------------------------------------
# jieba: loaded lazily, silently (it logs "Building prefix dict…" to stderr on first use)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _jieba():
    # a deliberate lazy load: jieba's dictionary takes ~1 s to load, and only reports with last
    # year's report alongside need it
    import jieba

    jieba.setLogLevel(logging.ERROR)
    logging.getLogger("jieba").setLevel(logging.ERROR)
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    return list(_jieba().cut(text))


# --------------------------------------------------------------------------------------------
# Relation 6: carry-over
# --------------------------------------------------------------------------------------------


@dataclass
class CellComparison:
    """One comparison between cells of this year's and last year's report."""
    key: str                               # column (carry-over) or row (continuity)
    this_cells: dict[str, Cell | None]
    previous_cells: dict[str, Cell | None]
    known: bool
    holds: bool | None                     # None when not known
    expected: Decimal | None = None        # continuity: the value the identity gives
    unknown: list[str] = field(default_factory=list)   # addresses (prefixed 上年: for last year's)


def _value(cell: Cell | None) -> Decimal | None:
    return cell.value if cell is not None and cell.known else None


def _unknown(cells: dict[str, Cell | None], prefix: str = "") -> list[str]:
    return [prefix + addr for addr, c in cells.items() if _value(c) is None]


def carryover_rows(report: Report, previous: Report) -> list[CellComparison]:
    """Relation 6 per applicant column: this year's 二 vs last year's 四."""
    out = []
    for col in APPLICANT_COLUMNS:
        this_addr, prev_addr = f"applications.二.{col}", f"applications.四.{col}"
        this_cells = {this_addr: report.cell(this_addr)}
        prev_cells = {prev_addr: previous.cell(prev_addr)}
        unknown = _unknown(this_cells) + _unknown(prev_cells, "上年:")
        if unknown:
            out.append(CellComparison(col, this_cells, prev_cells, False, None, unknown=unknown))
            continue
        this_v, prev_v = _value(this_cells[this_addr]), _value(prev_cells[prev_addr])
        out.append(CellComparison(col, this_cells, prev_cells, True, this_v == prev_v, expected=prev_v))
    return out


# --------------------------------------------------------------------------------------------
# Relation 7: continuity of 现行有效件数
# --------------------------------------------------------------------------------------------

CONTINUITY_TEMPLATE = "2021"


def active_template(report: Report) -> str | None:
    """The template the `active` table follows: the table's own, else the report's."""
    table = report.tables.get("active")
    if table is not None and table.template:
        return table.template
    return report.metadata.template


def continuity_comparable(report: Report, previous: Report) -> bool:
    """Relation 7 is only defined between two 2021-format `active` tables."""
    return active_template(report) == CONTINUITY_TEMPLATE and active_template(previous) == CONTINUITY_TEMPLATE


def continuity_rows(report: Report, previous: Report) -> list[CellComparison]:
    """Relation 7 per active.item1 row; empty when the templates make it incomparable."""
    if not continuity_comparable(report, previous):
        return []
    item1 = next(it for it in ACTIVE_ITEMS[CONTINUITY_TEMPLATE] if it.key == "item1")
    out = []
    for row in item1.rows:
        base = f"active.item1.{row}"
        this_cells = {f"{base}.{c}": report.cell(f"{base}.{c}") for c in ("本年制发件数", "本年废止件数", "现行有效件数")}
        prev_cells = {f"{base}.现行有效件数": previous.cell(f"{base}.现行有效件数")}
        unknown = _unknown(this_cells) + _unknown(prev_cells, "上年:")
        if unknown:
            out.append(CellComparison(row, this_cells, prev_cells, False, None, unknown=unknown))
            continue
        expected = (_value(prev_cells[f"{base}.现行有效件数"]) + _value(this_cells[f"{base}.本年制发件数"])
                    - _value(this_cells[f"{base}.本年废止件数"]))
        stated = _value(this_cells[f"{base}.现行有效件数"])
        out.append(CellComparison(row, this_cells, prev_cells, True, stated == expected, expected=expected))
    return out


# --------------------------------------------------------------------------------------------
# Relation 8: last year's problems answered this year
# --------------------------------------------------------------------------------------------

# Where the improvement measures begin: the problem section ends there.
# A numeral run is only tried from its first character ((?<![一…十]) below and in the patterns that
# follow): a match inside the run is also one from its start, and trying every position of a long
# run would make the scan quadratic.
_MEASURES_START = cached_regex(
    r"(?:\([一二三四五六七八九十\d]+\)|(?<![一二三四五六七八九十])[一二三四五六七八九十]++、)?"   # the measures' own sub-heading number
    r"(改进(措施|情况)|整改措施|下一步|下步|今后|为此|将采取以下措施|将从以下|"
    r"将重点从|(19|20)\d\d年[，,]?\s*(我区|我县|我市|我局|我委|我办|我镇|我街道|我们|本机关|将))")
# Enumerators that open a problem (text is NFKC-normalised first, so （一） reads (一)): 一是 / (一) / 1. / 第一，
_ENUMERATOR = cached_regex(r"(?:(?<![一二三四五六七八九十])[一二三四五六七八九十]++是|\([一二三四五六七八九十\d]+\)|\(\d+\)|(?<![\d.])\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+[，,、])")
# A sentence names a problem when it carries one of these words.
_PROBLEM_WORDS = cached_regex(r"不足|有待|不够|欠缺|缺乏|不强|不高|不均衡|单一|薄弱|滞后|不到位|不规范|不完善|不及时|仍需|需要进一步|需进一步|"
                            r"差距|问题|缓慢|尚未|较少|偏少|较弱|不全|不畅|不严|不深|不力|不佳|不明显|不充分|困难")
_SENTENCE_END = cached_regex(r"(?<=[。；;！!？?])")
_MIN_PROBLEM_CHARS = 6


# An introduction to the list of problems: "存在的主要问题:", "但仍存在一些不足,如:", "问题主要有以下几个方面:".
_PROBLEMS_INTRO = cached_regex(
    r"(?:存在的?主要问题|存在的问题|问题和不足|不足和问题|不足之处|薄弱环节|不足|问题)"
    r"[^。:;；]{0,14}?(?:如[:]?|[:]|主要(?:是|有|表现在)[:]?)")
_INTRO_WINDOW = 160
# An explicit sub-heading of the problems, wherever it stands (a review of last year's problems may
# come first): "(二)存在的主要问题:".
_PROBLEMS_HEADING = cached_regex(r"(?:存在的?主要问题|存在的问题|存在问题|主要问题)(?:和不足|及不足|及原因)?[:]")


def problem_section(text: str, introduced_only: bool = False) -> str:
    """The part of a part-五 text that names problems: after its introduction ("存在的主要问题:",
    "…不足,如:") and up to where the improvement measures begin. `introduced_only`: "" when the
    text has no such introduction (rather than its whole opening)."""
    # Whitespace carries no meaning in Chinese prose, but line wraps (PDF, folded YAML) split words.
    text = _flat(text)
    heading = _PROBLEMS_HEADING.search(text)
    intro = heading or _PROBLEMS_INTRO.search(text[:_INTRO_WINDOW])
    if intro:
        text = text[intro.end():]
    elif introduced_only:
        return ""
    m = _MEASURES_START.search(text, 1)
    return text[: m.start()] if m else text


def split_problems(text: str) -> list[str]:
    """The problems named in a part-五 text, each as written (trimmed)."""
    section = problem_section(text)
    starts = [m.start() for m in _ENUMERATOR.finditer(section)]
    if len(starts) >= 2:
        bounds = starts + [len(section)]
        pieces = [section[a:b] for a, b in zip(bounds, bounds[1:])]
    else:
        pieces = [s for s in _SENTENCE_END.split(section) if _PROBLEM_WORDS.search(s)]
        if not pieces:   # several problems in one sentence separated by ；/，
            pieces = [section] if _PROBLEM_WORDS.search(section) else []
    out = []
    for piece in pieces:
        piece = _strip_problem(piece)
        if len(piece) >= _MIN_PROBLEM_CHARS:
            out.append(piece)
    return out


_LEADING = cached_regex(r"^(?:[一二三四五六七八九十]+是|\([一二三四五六七八九十\d]+\)|\(\d+\)|\d{1,2}[.、．]|第[一二三四五六七八九十]+[，,、])\s*")


_HEADING_ONLY = cached_regex(r"^(?:存在的?)?(?:主要)?(?:问题|不足)(?:和不足|及不足|及原因)?[:]?$")
_TRAILING = cached_regex(r"(?<!\s)\s*+(?:\([一二三四五六七八九十\d]+\)|(?<![一二三四五六七八九十])[一二三四五六七八九十]++[、.])\s*+$")


def _strip_problem(piece: str) -> str:
    """A problem without its enumerator and without a dangling next-heading number."""
    piece = _LEADING.sub("", piece.strip())
    piece = _HEADING_ONLY.sub("", piece)
    piece = _TRAILING.sub("", piece)
    return piece.strip(" ：:；;，,。\n-—•·*")


DEFAULT_GENERIC_WORDS = frozenset(
    "政府 信息 公开 政府信息 政务 政务公开 信息公开 工作 进一步 有待 提高 提升 加强 不够 不足 存在 问题 部分 个别 一些 仍 仍然 需要 "
    "还 方面 我区 我县 我市 我局 我镇 单位 部门 各 有关 相关 等 一定 情况 水平 能力 建设 推进 做好 开展 主要 不断 继续 "
    "全区 全县 全市 全面 持续 较为 比较 有所 尚 未能 未 还有 以及 及 和 与 的 了 在 是 对 中 将 加以 改进 措施 存在的问题 "
    "取得 成绩 成效 但 虽然 仍存 有待于 需 需进一步 更加 更好 充分 深入 年度 本年 今年 去年 上年 "
    # words that describe a shortcoming or a verb of improvement, not what the problem is about
    "欠缺 缺少 缺乏 单一 难以 导致 较大 仍待 还要 进行 有力 突出 不齐 不过 程度 少数 多个 完善 机制 调整 "
    "不能 严格 按照 为主 其他 作用 充分发挥 多以 为此 "
    "健全 优化 强化 落实 规范 进展 成果 以下 几个 做好 重点从 下一步 采取 "
    # words of every report's preamble ("新时代中国特色社会主义"), not of a problem
    "时代 新时代 新形势 形势 要求 手段 运用".split())


def keywords(text: str, generic: frozenset[str] = DEFAULT_GENERIC_WORDS) -> list[str]:
    """Content words of a text (jieba, precise mode): two or more characters, containing a Chinese
    character, not a generic word; in order of first appearance, without repeats."""
    text = unicodedata.normalize("NFKC", text)
    out: dict[str, None] = {}
    for tok in segment(text):
        tok = tok.strip()
        if len(tok) < 2 or tok in generic or not _HAS_HAN.search(tok):
            continue
        out[tok] = None
    return list(out)


@lru_cache(maxsize=256)
def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_HAS_HAN = cached_regex(r"[\u4e00-\u9fff]")


@dataclass
class ProblemMatch:
    index: int                  # 1-based, in last year's order
    problem: str                # as written last year
    keywords: list[str]
    found: list[str]            # of those, present in this year's part 五
    score: float                # len(found) / len(keywords); 0.0 when there are no keywords
    best_sentence: str | None   # this year's sentence sharing most keywords (for the letter)
    previous_line: int | None = None


def answer_text(report: Report) -> str:
    """Where this year's report may take up last year's problems: its whole text (a rectification is
    often told in part 一), without this year's own list of problems in part 五 — a problem merely
    restated as still open is not an account of its rectification."""
    texts = []
    for pid, part in report.parts.items():
        if not part.present or not part.text:
            continue
        text = _flat(part.text)
        if pid == "五":
            own = problem_section(part.text, introduced_only=True)
            if own:
                text = text.replace(own, "", 1)
        texts.append(text)
    return "".join(texts)


def problem_matches(report: Report, previous: Report,
                    generic: frozenset[str] = DEFAULT_GENERIC_WORDS) -> list[ProblemMatch]:
    """Each problem of last year's part 五 with how much of it this year's report takes up
    (`answer_text`). Empty when last year's part 五 is missing or names no problem."""
    prev_part = previous.parts.get("五")
    if prev_part is None or not prev_part.present:
        return []
    # The body's own name (平潭/综合/实验区) says nothing about a problem.
    generic = generic | frozenset(keywords(report.metadata.agency or "", frozenset()))
    this_text = answer_text(report)
    sentences = [s for s in re.split(r"(?<=[。；;！!？?])", this_text) if s]
    out = []
    prev_lines = _flat_lines(previous, prev_part.line_start, prev_part.line_end)
    for i, problem in enumerate(split_problems(prev_part.text or ""), 1):
        kws = keywords(problem, generic)
        # A problem is taken up where ONE sentence of this year's report carries its keywords
        # together (as substrings: 解读 is found in 政策解读); words scattered over a whole report
        # (政策 here, 形式 there) say nothing about the problem.
        best = max(sentences, key=lambda s: sum(k in s for k in kws), default=None)
        found = [k for k in kws if best is not None and k in best]
        score = round(len(found) / len(kws), 3) if kws else 0.0
        best_sentence = best if found else None
        out.append(ProblemMatch(i, problem, kws, found, score, best_sentence,
                                _line_of(prev_lines, problem, prev_part.line_start)))
    return out


def _flat_lines(report: Report, first: int | None, last: int | None) -> list[tuple[int, str]]:
    """(line number, text without whitespace) of the part's lines (all lines if the part has no range)."""
    lo, hi = first or 1, last or len(report.lines)
    return [(ln.no, _flat(ln.text)) for ln in report.lines if lo <= ln.no <= hi]


def _line_of(lines: list[tuple[int, str]], text: str, fallback: int | None) -> int | None:
    """The source line where `text` begins (its first 12 characters, whitespace ignored)."""
    probe = _flat(text)[:12]
    if not probe:
        return fallback
    return next((no for no, flat in lines if probe in flat), fallback)


# --------------------------------------------------------------------------------------------
# Copy detection: similarity per part
# --------------------------------------------------------------------------------------------

_NUMBER = cached_regex(r"[0-9０-９]++(?:[.．][0-9]+)?|(?<![〇零一二三四五六七八九十百千万])[〇零一二三四五六七八九十百千万]{2,}+"
                     r"(?=年|月|日|件|条|个|次|项)")
_NOISE = cached_regex(r"[\s\W_]+", re.UNICODE)
SHINGLE = 4     # characters: Chinese copy detection needs no word segmentation (and jieba is slow)


def masked_chars(text: str) -> str:
    """The text with every number masked as # and punctuation/whitespace dropped, so that a copy with
    the years and figures changed reads the same."""
    text = _NUMBER.sub("#", unicodedata.normalize("NFKC", text))
    return _NOISE.sub("", text)


def similarity(a: str, b: str, n: int = SHINGLE) -> float:
    """Jaccard similarity of the character n-gram shingles of two texts (numbers masked);
    0.0 if either is empty."""
    sa, sb = _shingle_set(a, n), _shingle_set(b, n)
    if not sa or not sb:
        return 0.0
    return round(len(sa & sb) / len(sa | sb), 3)


@lru_cache(maxsize=32)
def _shingle_set(text: str, n: int) -> frozenset[str]:
    """Shingles of a part's text; cached because a worker meets each report twice (as this year's
    report and as the next year's previous one)."""
    return frozenset(_shingles(masked_chars(text), n))


def _shingles(text: str, n: int) -> set[str]:
    if len(text) < n:
        return {text} if text else set()
    return {text[i:i + n] for i in range(len(text) - n + 1)}


@dataclass
class PartSimilarity:
    part: str
    similarity: float
    chars: int              # this year's part length (characters, spaces excluded)
    previous_chars: int
    this_line: int | None
    previous_line: int | None
    excerpt: str
    previous_excerpt: str


NARRATIVE_PARTS = ("一", "五", "六")


def part_similarities(report: Report, previous: Report,
                      parts: tuple[str, ...] = NARRATIVE_PARTS) -> list[PartSimilarity]:
    """Similarity of each narrative part present in both reports."""
    out = []
    for pid in parts:
        a, b = report.parts.get(pid), previous.parts.get(pid)
        if a is None or b is None or not a.present or not b.present:
            continue
        ta, tb = a.text or "", b.text or ""
        out.append(PartSimilarity(pid, similarity(ta, tb), _chars(ta), _chars(tb), a.line_start, b.line_start,
                                  _excerpt(ta), _excerpt(tb)))
    return out


def _chars(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def opening(text: str, limit: int = 80) -> str:
    """The first `limit` characters of a text, whitespace collapsed, for quoting."""
    return _excerpt(text, limit)


def _excerpt(text: str, limit: int = 80) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[:limit] + "…"


# --------------------------------------------------------------------------------------------
# JSON-able views (for facts and evidence)
# --------------------------------------------------------------------------------------------

def cell_values(cells: dict[str, Cell | None]) -> dict[str, object]:
    """address -> stated value (number as JSON number; otherwise the raw text or None)."""
    out: dict[str, object] = {}
    for addr, c in cells.items():
        if c is None:
            out[addr] = None
        elif c.known:
            out[addr] = decimal_to_json(c.value)
        else:
            out[addr] = c.raw or None
    return out


def first_line(cells: dict[str, Cell | None]) -> tuple[int | None, str | None]:
    for c in cells.values():
        if c is not None and c.line is not None:
            return c.line, c.where
    return None, None
