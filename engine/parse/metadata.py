"""Report metadata: title, agency, reporting year, kind of body, publication date, statistics period.

- Title: the crawler/CMS header "标题: …" when present, else the short lines at the top of the text
  before the first body sentence or part heading (a title split over two lines is joined:
  "六安市金安区木厂镇2024年政府" + "信息公开工作年度报告").
- Agency: what the title states before the year ("六安市金安区木厂镇"), or the title without the
  report-name suffix when it has no year ("阎村镇人民政府"). Taken as written, never completed.
- Statistics period: named as such first ("统计期限从2019年1月1日到12月31日止", "统计时限为…",
  "统计期…", "统计周期…"; the end's year may be omitted and is the start's; full-width digits and
  Chinese numerals read), else the first unnamed range with both years covering a whole calendar
  year ("2024年1月1日至2024年12月31日"; a shorter unnamed range is a campaign's dates, not the period).
- Year (the REPORTING year): the title's year (year_source "title"); else the end of the statistics
  period ("period"); else the commonest "20xx年" in the opening text
  and part 一 ("text"). Years in document numbers (渭临政办函〔2024〕1号) are not followed by 年 and
  never count.
- Publication date: a CMS header ("发布时间: 2023-02-20 15:07", "发布日期：2020-01-31"), or the date
  alone on a line under the signature at the end of the report.
- Kind of body: people's governments (…人民政府, 乡/镇/街道/区/县/市/省, and 管委会-type local
  governments such as 平潭综合实验区) are "government"; 局/委/办/厅/中心… are "department".
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from engine.model import Metadata, Part, SourceLine
from engine.parse.normalize import fold

_HEADER_TITLE = re.compile(r"^\s*标题\s*[:：]\s*(?P<t>\S.*?)\s*$")
_HEADER_DATE = re.compile(r"^\s*(?:发布时间|发布日期|发文日期|成文日期|日期)\s*[:：]\s*"
                          r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")
_HEADER_FIELD = re.compile(r"^[\u4e00-\u9fff]{2,6}[ ]*[:：]")
_BODY_START = re.compile(r"^(?:根据|本报告|本年度|按照|依据|为|\[bookmark|一、|\(一\))")
_REPORT_WORDS = re.compile(r"报告|年报")
_YEAR_IN_TITLE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年")
_TITLE_SUFFIX = re.compile(r"(?:关于)?(?:\d{4}\s*年度?)?(?:本级)?(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)$")
# Month and day in Arabic digits or Chinese numerals (一月一日, 十二月三十一日); years are converted to
# Arabic digits beforehand by arabic_years().
_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
# (\d\d\d\d rather than \d{4}: a pattern that starts with a character set lets the regex engine skip
# to the digits instead of trying every position)
_RANGE = (r"(?P<y1>\d\d\d\d)\s*年\s*(?P<m1>" + _MD + r")\s*月\s*(?P<d1>" + _MD + r")\s*[日号]\s*(?:起)?\s*"
          r"(?:至|到|—{1,2}|-|~|〜)\s*")
# A range with both years, wherever it is written (the historical reading).
_PERIOD = re.compile(_RANGE + r"(?P<y2>\d{4})\s*年\s*(?P<m2>" + _MD + r")\s*月\s*(?P<d2>" + _MD + r")\s*[日号]")
# The statistics period named as such ("统计期限从2019年1月1日到12月31日止"): the end's year may be
# omitted and is then the start's. A few words may stand between the name and the date ("为", "自",
# "是从"), but no sentence end.
_PERIOD_NAMED = re.compile(
    r"统计(?:期限|时限|周期|期间|时段|时间|区间|期)[^。；;!?\n]{0,12}?" + _RANGE
    + r"(?:(?P<y2>\d{4})\s*年\s*)?(?P<m2>" + _MD + r")\s*月\s*(?P<d2>" + _MD + r")\s*[日号]")
# a year not preceded by a digit, "(" or "〔" (written with the "2" first, the look-behind after it: a
# pattern that starts with a literal is searched for that character, not tried at every position)
_TEXT_YEAR = re.compile(r"(?P<y>2(?<![\d(〔]2)0\d{2})\s*年")
_SIGNATURE_DATE = re.compile(r"^[ \t]*(?P<y>20\d{2})[ ]*年[ ]*(?P<m>\d{1,2})[ ]*月[ ]*(?P<d>\d{1,2})[ ]*日[ \t]*$")
_INLINE_DATE = re.compile(r"(?:发布时间|发布日期)\s*[:：]\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")

_GOV_SUFFIX = re.compile(r"(?:人民政府|政府|管委会|管理委员会|实验区|新区|开发区|高新区|示范区|"
                         r"街道办事处|街道|镇|乡|苏木|区|县|市|省|州|旗|盟)$")
_DEPT_SUFFIX = re.compile(r"(?:办公室|办公厅|局|厅|委员会|委|办|中心|院|署|所|站|队|处|社|馆|会|部|司|科)$")
_GOV_AREA_BODY = re.compile(r"(?:管委会|管理委员会|街道办事处|街道办)$")


_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
_CN_YEAR = re.compile(r"[〇零○一二三四五六七八九]{4}(?=[ ]*年)")


# _CN_YEAR's matches, looked for in the reversed text: a pattern starting with a literal is searched
# for that character, a pattern starting with a set of characters as common as 一二三 is tried at
# every one of them
_CN_YEAR_REVERSED = re.compile(r"年[ ]*[〇零○一二三四五六七八九]{4}")


def arabic_years(text: str) -> str:
    """二〇二三年 → 2023年 (length-preserving), so years written in Chinese numerals are found too."""
    if "年" not in text or not _CN_YEAR_REVERSED.search(text[::-1]):
        return text
    return _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text)


def extract_metadata(lines: list[SourceLine], parts: dict[str, Part], first_heading_line: int | None, *,
                     identity_only: bool = False, folded: list[str] | None = None, whole: str | None = None,
                     part_one: str | None = None) -> Metadata:
    """The report's metadata. identity_only: only the title, the agency and the year (the probe's
    question, engine/run/probe.py) — the statistics period is then read only when the title states
    no year, and the publication date and the kind of body are left unset. folded: fold() of every
    line's text when the caller has it (parts.fold_texts), not folded again here; whole: those
    joined by line breaks (parts.FoldedText.whole); part_one: fold() of part 一's text
    (parts.folded_part_text)."""
    meta = title_metadata(lines, first_heading_line, folded)
    if identity_only and meta.year is not None:
        return meta
    head = first_heading_line or min(len(lines), 40)
    # (fold() of lines joined by line breaks is their folds joined: it maps characters one to one,
    # never makes or takes away a line break, nor a "其它" across one)
    head_folded = ("\n".join(folded[:head]) if folded is not None
                   else fold("\n".join(ln.text for ln in lines[:head])))
    if part_one is None:
        part_one = fold(parts["一"].text) if parts["一"].present else ""
    body_folded = arabic_years(head_folded + "\n" + part_one)
    period = _period_in(body_folded)
    if period is None:
        if whole is None:
            whole = "\n".join(folded) if folded is not None else fold(_all_text(lines, _ALL_TEXT))
        period = _period_in(arabic_years(whole[:_ALL_TEXT]))
    if period:
        meta.period_start, meta.period_end = period
        if meta.year is None:
            meta.year, meta.year_source = int(period[1][:4]), "period"
    if meta.year is None:
        years = Counter(int(m.group("y")) for m in _TEXT_YEAR.finditer(body_folded))
        if years:
            meta.year, meta.year_source = years.most_common(1)[0][0], "text"
    if identity_only:
        return meta
    meta.publication_date = _publication_date(lines, folded)
    meta.body_kind = body_kind(meta.agency)
    return meta


def title_metadata(lines: list[SourceLine], first_heading_line: int | None,
                   folded: list[str] | None = None) -> Metadata:
    """The title and what it states: the agency, and the year (year_source "title") when it has one
    (the start of extract_metadata; the probe's whole question when the title states the year)."""
    meta = Metadata()
    title, title_line = _title(lines, first_heading_line, folded)
    meta.title = title
    if title:
        meta.agency = agency_from_title(title)
        meta.agency_line = title_line if meta.agency else None
        m = _YEAR_IN_TITLE.search(_title_folded(title))
        if m:
            meta.year, meta.year_source = int(m.group("y")), "title"
    return meta


def statistics_period(text: str) -> tuple[str, str] | None:
    """(start, end) as ISO dates of the statistics period the text states, or None.

    A period named as such (统计期限/统计时限/统计期/统计周期 … 从/自 Y年M月D日 到/至 [Y年]M月D日[止])
    comes first; else the first unnamed date range with both years written out that covers a whole
    calendar year ("内容涵盖2024年1月1日至2024年12月31日期间") — an unnamed shorter range is some
    campaign's dates, not the statistics period. Full-width digits and Chinese numerals are read; a
    range that is not a valid, forward range is no period."""
    return _period_in(arabic_years(fold(text)))


# The part of _PERIOD from its first 年 on: where the text has none, it has no unnamed range; where
# the first is, no range starts before the four digits ahead of it (the scan for _PERIOD, which
# starts with a digit and is tried at every digit of the tables, begins there)
_PERIOD_TAIL = re.compile(r"年\s*" + _MD + r"\s*月\s*" + _MD + r"\s*[日号]\s*(?:起)?\s*(?:至|到|—{1,2}|-|~|〜)\s*\d{4}\s*年")


def _period_in(t: str) -> tuple[str, str] | None:
    """statistics_period of a text already folded and with its years in Arabic digits."""
    for rx in (_PERIOD_NAMED, _PERIOD):
        pos = 0
        if rx is _PERIOD:
            tail = _PERIOD_TAIL.search(t)
            if tail is None:
                continue
            pos = _digits_before(t, tail.start())
        for m in rx.finditer(t, pos):
            y2 = m.group("y2") or m.group("y1")
            start = _iso(m.group("y1"), _md(m.group("m1")), _md(m.group("d1")))
            end = _iso(y2, _md(m.group("m2")), _md(m.group("d2")))
            if not (start and end and start <= end):
                continue
            if rx is _PERIOD and not (start.endswith("-01-01") and end.endswith("-12-31")):
                continue
            return start, end
    return None


def _digits_before(t: str, at: int) -> int:
    """Where a year "dddd年" whose 年 is at `at` starts: before the white space ahead of 年 (_PERIOD's
    \\s* takes all of it: a digit is no white space) and four characters more."""
    while at > 0 and t[at - 1].isspace():
        at -= 1
    return max(0, at - 4)


_CN_UNITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _md(s: str) -> str:
    """A month or day as Arabic digits: "12" → "12", "十二" → "12", "三十一" → "31", "十" → "10"."""
    if s.isdigit():
        return s
    if "十" not in s:
        return "".join(str(_CN_UNITS[c]) for c in s) if all(c in _CN_UNITS for c in s) else "0"
    tens, _, ones = s.partition("十")
    if tens and tens not in _CN_UNITS or ones and ones not in _CN_UNITS or "十" in ones:
        return "0"              # not a number of a date: _iso rejects it
    return str((_CN_UNITS[tens] if tens else 1) * 10 + (_CN_UNITS[ones] if ones else 0))


# the statistics period is searched for in at most this much of the whole text
_ALL_TEXT = 400_000


def _all_text(lines: list[SourceLine], limit: int) -> str:
    return "\n".join(ln.text for ln in lines)[:limit]


def _iso(y: str, m: str, d: str) -> str | None:
    mi, di = int(m), int(d)
    if not (1 <= mi <= 12 and 1 <= di <= 31):
        return None
    return f"{int(y):04d}-{mi:02d}-{di:02d}"


def _publication_date(lines: list[SourceLine], folded: list[str] | None = None) -> str | None:
    def fold_of(i: int) -> str:
        return folded[i] if folded is not None else fold(lines[i].text)

    # (fold() leaves 日, 时间 and 发布 as they are: where the folded lines hold none, no line does)
    top = "\n".join(folded[:15]) if folded is not None else None
    if top is None or "日" in top or "时间" in top:
        for i, ln in enumerate(lines[:15]):
            if "日" not in ln.text and "时间" not in ln.text:
                continue
            m = _HEADER_DATE.match(fold_of(i))
            if m:
                return _iso(m.group("y"), m.group("m"), m.group("d"))
    if top is not None:
        # the lines holding 发布 found in their folds joined (fold() makes no other character 发 or
        # 布, and leaves them as they are: the lines whose text holds 发布), not looked at one by one
        head = "\n".join(folded[:60])
        at = head.find("发布")
        line, counted = 0, 0
        while at >= 0:
            line += head.count("\n", counted, at)
            m = _INLINE_DATE.search(folded[line])
            if m:
                return _iso(m.group("y"), m.group("m"), m.group("d"))
            counted = head.find("\n", at)
            if counted < 0:
                break
            at = head.find("发布", counted)
    else:
        for i, ln in enumerate(lines[:60]):
            if "发布" not in ln.text:
                continue
            m = _INLINE_DATE.search(fold_of(i))
            if m:
                return _iso(m.group("y"), m.group("m"), m.group("d"))
    # the date under the signature at the end of the report ("XX镇人民政府 / 2024年1月15日")
    tail = [i for i in range(max(0, len(lines) - 8), len(lines)) if lines[i].text.strip()][-3:]
    for i in reversed(tail):
        m = _SIGNATURE_DATE.match(fold_of(i))
        if m:
            return _iso(m.group("y"), m.group("m"), m.group("d"))
    return None


def _title(lines: list[SourceLine], first_heading_line: int | None,
           folded: list[str] | None = None) -> tuple[str | None, int | None]:
    """The report title as written and the line it starts on (folded: fold() of every line's text,
    when the caller has it)."""
    # (a header field "标题：…" holds 标题, which fold() leaves as it is)
    if folded is None or "标题" in "\n".join(folded[:15]):
        for ln in lines[:15]:
            m = _HEADER_TITLE.match(ln.text)
            if m:
                return m.group("t"), ln.no
    limit = first_heading_line if first_heading_line is not None else min(len(lines), 30)
    found = _title_by_report_name(lines[:limit])
    if found is not None:
        return found
    chunks: list[str] = []
    start = None
    for ln in lines[:limit]:
        text = ln.text.strip().lstrip("#").strip().strip("*").strip()
        if not text:
            continue
        if _HEADER_FIELD.match(text):
            continue          # a CMS field (索引号：…, 发布机构：…), not the title
        if (len(text) > 60 or "。" in text or _BODY_START.match(fold(text).replace(" ", ""))
                or text.startswith("=")):
            break
        if start is None:
            start = ln.no
        chunks.append(text)
        if len(chunks) == 3 or _REPORT_WORDS.search(text):
            break
    if not chunks:
        return None, None
    title = "".join(chunks)
    if not _REPORT_WORDS.search(title) and len(chunks) == 1 and "政府" not in title:
        return None, None
    return title, start


_TITLE_END = re.compile(r"(?:信息公开|政务公开|信息公开工作)[^。]{0,12}(?:年度报告|报告|年报)")
_NOT_TITLE = re.compile(r"[>›»]|当前位置|首页|您现在的位置|来源[:：]|浏览次数|字号")
_PAGE_NO = re.compile(r"^[-—－\s]*\d{1,3}[-—－\s]*$|^第\s*\d{1,3}\s*页")


def _title_by_report_name(lines: list[SourceLine]) -> tuple[str, int] | None:
    """The title found by its report name (…政府信息公开工作年度报告), whatever stands above it:
    stray lines a converter leaves (a lone heading word, page headers and numbers, a breadcrumb,
    the site's metadata table) are passed over; a title split over lines is joined with the
    lines before it only when they name the body ("丙镇人民政府" + "2024年政府信息公开工作年度报告")."""
    kept: list[tuple[str, int]] = []
    for ln in lines:
        text = ln.text.strip().lstrip("#").strip().strip("*").strip()
        if not text or _HEADER_FIELD.match(text) or _NOT_TITLE.search(text) or _PAGE_NO.match(text):
            continue
        if "\t" in ln.text or ln.table is not None:
            continue          # a cell of the site's metadata table
        if len(text) > 60 or "。" in text:
            break
        kept.append((text, ln.no))
        # (_TITLE_END holds 公 and 报, and fold() makes no other character either)
        if "公" not in text or "报" not in text or not _TITLE_END.search(_SPACES.sub("", fold(text))):
            continue
        if _plausible_agency(text):
            return text, ln.no
        for back in (1, 2):
            if len(kept) > back:
                joined = "".join(t for t, _ in kept[-1 - back:])
                if _plausible_agency(joined):
                    return joined, kept[-1 - back][1]
        return text, ln.no
    return None


# (compiled once: re's own cache costs a lookup per call, and these run for every title line)
_SPACES = re.compile(r"\s+")
_TITLE_YEAR = re.compile(r"(?:19|20)\d{2}年度?")
_ABOUT_END = re.compile(r"关于$")
_YEAR_WORD_START = re.compile(r"^年度?(?=\S{2})")
_NAMES_REPORT = re.compile(r"报告|年报|信息公开|模板")


def _plausible_agency(title: str) -> bool:
    agency = agency_from_title(title)
    return agency is not None and body_kind(agency) is not None


@lru_cache(maxsize=64)
def _title_folded(title: str) -> str:
    """arabic_years(fold(title)): what the agency and the year are read from (once per title)."""
    return arabic_years(fold(title))


# (a title is read twice: by _title_by_report_name, and by extract_metadata for the agency it names)
@lru_cache(maxsize=64)
def agency_from_title(title: str) -> str | None:
    """The issuing body as the title states it (text before the year, or before the report name)."""
    t = _SPACES.sub("", _title_folded(title))
    m = _TITLE_YEAR.search(t)
    if m and m.start() > 0:
        name = t[:m.start()]
    elif m:           # "2019年上海市人民政府办公厅政府信息公开工作年度报告": the body follows the year
        name = _TITLE_SUFFIX.sub("", t[m.end():])
    else:
        name = _TITLE_SUFFIX.sub("", t)
    name = _ABOUT_END.sub("", name).strip("《》\"' ")
    name = _YEAR_WORD_START.sub("", name)     # the year's digits lost by a text copy: "年上海市…"
    if _NAMES_REPORT.search(name):
        return None       # the title names the report, not the body (a template, a generic title)
    if not name or name == t or len(name) < 2:
        return None if not name or len(name) < 2 else name
    return name


def body_kind(agency: str | None) -> str | None:
    """'government' for people's governments (incl. 管委会-type local governments), else 'department'."""
    if not agency:
        return None
    a = agency.strip()
    if a.endswith("人民政府") or _GOV_AREA_BODY.search(a):
        return "government"
    if _DEPT_SUFFIX.search(a):
        return "department"
    if _GOV_SUFFIX.search(a):
        return "government"
    return None
